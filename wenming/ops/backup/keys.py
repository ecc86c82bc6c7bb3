"""The keys of a backup: fingerprints in the manifest, the keys themselves only sealed with a
passphrase, and the decision at restore time whether the keys at hand can read the data.

A fingerprint is HMAC-SHA256 of a fixed label under the key: it tells whether two keys are
the same without revealing either. The passphrase is stretched with scrypt (memory-hard, so
guessing passphrases of a stolen backup is slow) into a Fernet key that seals the secrets.
"""

import base64
import hashlib
import hmac
import json
import os
from pathlib import Path

from cryptography.exceptions import InvalidKey
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from django.conf import settings

from wenming.settings.secrets import SECRET_SOURCES

from .errors import USAGE, BackupError, os_error

FINGERPRINT_LABEL = b"wenming backup key fingerprint v1"
SCRYPT = {"n": 2**16, "r": 8, "p": 1}  # 64 MiB, about 0.3 s on one core
FIELD_ENV, BLIND_ENV = SECRET_SOURCES["FIELD_ENCRYPTION_KEYS"][0], SECRET_SOURCES["BLIND_INDEX_KEY"][0]


def read_passphrase(file: str | None, env: str | None) -> str | None:
    if file:
        try:
            text = Path(file).read_text(encoding="utf-8").rstrip("\r\n")
        except OSError as exc:
            raise BackupError(f"无法读取口令文件：{os_error(exc, file)}", USAGE) from None
        except UnicodeDecodeError:
            raise BackupError(f"口令文件 {file} 不是 UTF-8 文本", USAGE) from None
        if not text:
            raise BackupError(f"口令文件 {file} 是空的", USAGE)
        return text
    if env:
        text = os.environ.get(env, "")
        if not text:
            raise BackupError(f"环境变量 {env} 未设置或为空，无法取得口令", USAGE)
        return text
    return None


def secrets_at_hand() -> dict[str, str]:
    """The keys this process runs with (from the environment or var/secrets.json)."""
    return {"SECRET_KEY": settings.SECRET_KEY, "FIELD_ENCRYPTION_KEYS": ",".join(settings.FIELD_ENCRYPTION_KEYS),
            "BLIND_INDEX_KEY": settings.BLIND_INDEX_KEY}


def fingerprint(key: str) -> str:
    return hmac.new(key.encode(), FINGERPRINT_LABEL, hashlib.sha256).hexdigest()


def fingerprints(secrets: dict[str, str]) -> dict:
    """What the manifest records: one fingerprint per field key (in order) and of the blind-index key."""
    field_keys = [k.strip() for k in secrets["FIELD_ENCRYPTION_KEYS"].split(",") if k.strip()]
    return {"method": "HMAC-SHA256(key, 'wenming backup key fingerprint v1')",
            "field_keys": [fingerprint(k) for k in field_keys],
            "blind_index_key": fingerprint(secrets["BLIND_INDEX_KEY"])}


def keys_fit(backup: dict, at_hand: dict) -> bool:
    """Every field key of the backup is among the keys at hand (a key added in front since is
    fine: all keys decrypt), and the blind-index key is the same (the indexes were made with it)."""
    return (set(backup["field_keys"]) <= set(at_hand["field_keys"])
            and backup["blind_index_key"] == at_hand["blind_index_key"])


def _fernet(passphrase: str, salt: bytes, n: int, r: int, p: int) -> Fernet:
    key = Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def seal(secrets: dict[str, str], passphrase: str) -> tuple[dict, bytes]:
    """(parameters for the manifest, sealed secrets)."""
    salt = os.urandom(16)
    token = _fernet(passphrase, salt, **SCRYPT).encrypt(json.dumps(secrets).encode())
    return {"kdf": "scrypt", **SCRYPT, "salt": base64.b64encode(salt).decode(), "cipher": "fernet"}, token


def unseal(params: dict, token: bytes, passphrase: str) -> dict[str, str]:
    try:
        n, r, p = int(params["n"]), int(params["r"]), int(params["p"])
        salt = base64.b64decode(params["salt"])
        # bounds: a damaged or hostile manifest must not ask for gigabytes of memory (scrypt
        # needs about 128·n·r bytes: at most 128 MiB here, twice what `seal` asks for)
        if params["kdf"] != "scrypt" or not (2**10 <= n <= 2**17 and 1 <= r <= 8 and 1 <= p <= 4):
            raise ValueError(params)
        secrets = json.loads(_fernet(passphrase, salt, n, r, p).decrypt(token))
        if not all(isinstance(secrets.get(name), str) and secrets[name] for name in SECRET_SOURCES):
            raise ValueError("incomplete")
        return secrets
    except InvalidToken:
        raise BackupError("口令不正确：无法解开备份中的密钥。请使用备份时的口令。") from None
    except (KeyError, TypeError, ValueError, InvalidKey):
        raise BackupError("备份中的密钥部分已损坏，无法使用。") from None


def mismatch_message(*, has_sealed: bool, passphrase_given: bool) -> str:
    var = settings.VAR_DIR / "secrets.json"
    lines = [
        "备份时的加密密钥与本机现在的密钥不一致，已停止恢复，数据库和上传文件都没有改动。",
        "备份中的身份证号、手机号等加密数据只能用备份时的密钥读取。请任选一种办法后重新恢复：",
        f"  1. 把备份时的 var/secrets.json 放回 {var}；",
        f"  2. 或者把环境变量 {FIELD_ENV} 和 {BLIND_ENV} 设为备份时的值；",
    ]
    if has_sealed and not passphrase_given:
        lines.append("  3. 或者传入备份时的口令（--passphrase-file 或 --passphrase-env）：此备份含有用口令加密的密钥，"
                     "恢复时会把它们写入 secrets.json。")
    elif not has_sealed:
        lines.append("此备份不含密钥（备份时没有给口令），只能用上面两种办法。")
    return "\n".join(lines)


def settle(manifest: dict, sealed: bytes | None, passphrase: str | None) -> dict[str, str] | None:
    """Decide before anything changes: None when the keys at hand read the backup, the
    backup's secrets when they must replace the generated ones, or a refusal."""
    backup_fp, at_hand = manifest["keys"], fingerprints(secrets_at_hand())
    bundled = unseal(manifest["secrets"], sealed, passphrase) if passphrase and sealed is not None else None
    if bundled is not None and not keys_fit(backup_fp, fingerprints(bundled)):
        raise BackupError("备份中的密钥与备份清单记录的指纹不符：备份文件已损坏。")
    if keys_fit(backup_fp, at_hand):
        return None
    if bundled is None:
        raise BackupError(mismatch_message(has_sealed=sealed is not None, passphrase_given=bool(passphrase)))
    from_env = [name for name in (FIELD_ENV, BLIND_ENV) if os.environ.get(name)]
    if from_env:
        raise BackupError(
            f"本机的密钥来自环境变量 {'、'.join(from_env)}，与备份时的密钥不同，已停止恢复，数据库和上传文件都没有改动。\n"
            f"请把环境变量 {FIELD_ENV} 和 {BLIND_ENV} 设为备份时的值后重新恢复；或者去掉这两个环境变量，"
            f"恢复时会把备份中的密钥写入 {settings.VAR_DIR / 'secrets.json'}。")
    return bundled


def prepare_secrets_file(secrets: dict[str, str]) -> Path:
    """Write the backup's secrets beside var/secrets.json (mode 600); `install_secrets_file`
    renames it into place once the data is restored, so a failed restore leaves the old file."""
    path = settings.VAR_DIR / "secrets.json"
    try:
        stored = json.loads(path.read_text()) if path.exists() else {}
    except (OSError, ValueError):
        stored = {}
    stored.update({name: secrets[name] for name in SECRET_SOURCES})
    tmp = path.with_name(".secrets.json.restoring")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(stored, fh, indent=2)
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise os_error(exc, tmp) from None
    return tmp


def install_secrets_file(tmp: Path, secrets: dict[str, str]) -> None:
    """Rename into place and make this process use the keys too (migrate and the check below
    run here). The crypto helpers cache the keys they first read: drop those caches."""
    from wenming.core import crypto

    os.replace(tmp, settings.VAR_DIR / "secrets.json")
    settings.SECRET_KEY = secrets["SECRET_KEY"]
    settings.FIELD_ENCRYPTION_KEYS = [k.strip() for k in secrets["FIELD_ENCRYPTION_KEYS"].split(",") if k.strip()]
    settings.BLIND_INDEX_KEY = secrets["BLIND_INDEX_KEY"]
    crypto.reset_key_cache()
