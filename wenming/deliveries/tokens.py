"""The household's receipt code (收货码): six digits, kept only as an HMAC bound to its stop."""

import hashlib
import hmac
import secrets

from django.conf import settings


def new_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


def code_hash(stop_id: int, code: str) -> str:
    message = f"delivery-stop:{stop_id}:{(code or '').strip()}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def code_matches(stop_id: int, stored_hash: str, code: str) -> bool:
    return bool(stored_hash) and hmac.compare_digest(stored_hash, code_hash(stop_id, code))
