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


def mask_address(address: str) -> str:
    """湖北省秭归县茅坪镇九里村3组 -> 湖北省秭归县***: the area, not the door."""
    value = (address or "").strip()
    return value[:6] + "***" if len(value) > 6 else ("***" if value else "")
