"""What the deployment-file tests share: where the shipped files are, how to read them, and
when a missing tool skips or fails."""

from __future__ import annotations

import configparser
import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
DEPLOY = REPO / "deploy"
SITE = DEPLOY / "nginx" / "wenming.conf"
ENV_EXAMPLE = DEPLOY / "wenming.env.example"
COMPOSE = DEPLOY / "compose.yaml"
UNITS = {name: DEPLOY / "systemd" / name for name in (
    "wenming-web.service", "wenming-worker@.service", "wenming-beat.service", "wenming.target")}
INSTALLED_WENMING = "/opt/wenming/.venv/bin/wenming"
SERVER_NAME = "wenming.example.gov.cn"


def in_ci() -> bool:
    # As scripts/ensure-debian-packages: CI set, other than "false" or "0".
    return os.environ.get("CI", "") not in ("", "false", "0")


def tool_or_skip(name: str, *, required_in_ci: bool) -> str:
    path = shutil.which(name) or next((p for p in (f"/usr/sbin/{name}", f"/sbin/{name}") if os.access(p, os.X_OK)),
                                      None)
    if path:
        return path
    if required_in_ci and in_ci():
        pytest.fail(f"{name} is missing, and CI is set: scripts/ensure-debian-packages should have installed it")
    pytest.skip(f"{name} is not installed here (apt-get install {name}); the check runs where it is")


def env_example() -> dict[str, str]:
    """The variables the example sets (KEY=value lines), in order."""
    found = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            found[key] = value
    return found


def unit_file(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=True, comment_prefixes=("#", ";"),
                                       inline_comment_prefixes=None)
    parser.optionxform = str  # systemd keys are case-sensitive
    parser.read_string(UNITS[name].read_text())
    return parser


def dummy_secrets() -> dict[str, str]:
    import secrets

    from cryptography.fernet import Fernet

    return {"WENMING_SECRET_KEY": secrets.token_urlsafe(50), "WENMING_FIELD_KEYS": Fernet.generate_key().decode(),
            "WENMING_BLIND_INDEX_KEY": secrets.token_hex(32)}
