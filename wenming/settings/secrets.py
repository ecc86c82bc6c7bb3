"""Secrets come from the environment; the embedded default generates them once into var/.

In production mode (WENMING_ENV=production) a missing secret stops start-up: a key made up
on the spot would silently make every encrypted ID number unreadable after a restart.
"""

import json
import os
import secrets
from pathlib import Path

from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

# setting name -> (environment variable, generator)
SECRET_SOURCES = {
    "SECRET_KEY": ("WENMING_SECRET_KEY", lambda: secrets.token_urlsafe(50)),
    "FIELD_ENCRYPTION_KEYS": ("WENMING_FIELD_KEYS", lambda: Fernet.generate_key().decode()),
    "BLIND_INDEX_KEY": ("WENMING_BLIND_INDEX_KEY", lambda: secrets.token_hex(32)),
}


def load_secrets(var_dir: Path, production: bool) -> dict[str, str]:
    found = {name: os.environ.get(env, "") for name, (env, _) in SECRET_SOURCES.items()}
    missing = [name for name, value in found.items() if not value]
    if not missing:
        return found
    if production:
        names = ", ".join(SECRET_SOURCES[name][0] for name in missing)
        raise ImproperlyConfigured(f"生产模式下必须通过环境变量提供密钥：{names}")
    path = var_dir / "secrets.json"
    stored = json.loads(path.read_text()) if path.exists() else {}
    changed = False
    for name in missing:
        if not stored.get(name):
            stored[name] = SECRET_SOURCES[name][1]()
            changed = True
        found[name] = stored[name]
    if changed:
        var_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(stored, fh, indent=2)
    return found
