"""Encryption at rest, keyed blind indexes and masking for personal data (ARCHITECTURE rule 7)."""

import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


@lru_cache(maxsize=1)
def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(k.encode()) for k in settings.FIELD_ENCRYPTION_KEYS])


@lru_cache(maxsize=1)
def _blind_key() -> bytes:
    return settings.BLIND_INDEX_KEY.encode()


def reset_key_cache() -> None:
    """Forget the keys read so far: after the settings' keys changed in this process (a
    restore that installed the backup's keys)."""
    _fernet.cache_clear()
    _blind_key.cache_clear()


def decrypt_strict(token: str) -> str:
    """Like `decrypt`, but raises InvalidToken instead of answering a placeholder: for checks
    that must know (a restore verifying every value), not for pages."""
    return _fernet().decrypt(token.encode()).decode() if token else ""


def encrypt(plain: str) -> str:
    if not plain:
        return ""
    return _fernet().encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        # Never leak the token; a wrong key is an operator problem, not a user one.
        return "（无法解密）"


def blind_index(value: str, purpose: str) -> str:
    """HMAC-SHA256 of a normalised value; `purpose` keeps indexes of different fields apart."""
    if not value:
        return ""
    msg = f"{purpose}:{value.strip().upper()}".encode()
    return hmac.new(_blind_key(), msg, hashlib.sha256).hexdigest()


def mask_id_number(id_number: str) -> str:
    """420527199001011234 -> 420527********1234."""
    value = id_number.strip()
    if len(value) <= 10:
        return value[:2] + "*" * max(len(value) - 2, 0)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(phone: str) -> str:
    """13812345678 -> 138****5678."""
    value = phone.strip()
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_name(name: str) -> str:
    """张三丰 -> 张*丰, 李明 -> 李*, 欧阳娜娜 -> 欧**娜: enough to recognise, not to identify."""
    value = (name or "").strip()
    if len(value) <= 1:
        return "*" if value else ""
    if len(value) == 2:
        return value[0] + "*"
    return value[0] + "*" * (len(value) - 2) + value[-1]


AREA_MARKERS = ("社区", "小区", "村", "镇", "乡", "街道", "路", "街", "巷")


def mask_address(address: str) -> str:
    """The area, not the door: up to the first place-name marker (村/社区/小区/路…), never
    more than half the text and never a digit — 九里村三组12号 → 九里村***,
    和平路12号3单元502 → 和平路***, 幸福小区3栋 → 幸福***."""
    value = (address or "").strip()
    if not value:
        return ""
    cut = len(value) // 2
    for marker in AREA_MARKERS:
        at = value.find(marker)
        if 0 <= at and at + len(marker) <= cut:
            cut = at + len(marker)
            break
    head = value[:cut]
    digit = next((i for i, ch in enumerate(head) if ch.isdigit()), None)
    return (head[:digit] if digit is not None else head) + "***"
