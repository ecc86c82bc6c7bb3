"""The shipped systemd units, production environment and compose file are checked, not just
written: systemd accepts the units and they start real `wenming` commands, the documented
production environment passes `check --deploy` with no warning, and the compose file names
every role."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import load_command_class

from wenming.cli import VERBS
from wenming.ops import gunicorn_conf
from wenming.ops.testing import free_port

from .deploy_files import (
    COMPOSE,
    ENV_EXAMPLE,
    INSTALLED_WENMING,
    REPO,
    SITE,
    UNITS,
    dummy_secrets,
    env_example,
    unit_file,
)


def test_systemd_accepts_the_units(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if not analyze:
        pytest.skip("systemd-analyze is not installed here (systemd is not part of this container); "
                    "the unit files are still parsed by the other tests")
    real = str(Path(sys.executable).parent / "wenming")
    assert os.access(real, os.X_OK), real
    paths = []
    for name, path in UNITS.items():
        (tmp_path / name).write_text(path.read_text().replace(INSTALLED_WENMING, real))
        paths.append(tmp_path / name)
    # A template is checked as itself and as an instance.
    shutil.copy(tmp_path / "wenming-worker@.service", tmp_path / "wenming-worker@default.service")
    paths.append(tmp_path / "wenming-worker@default.service")
    result = subprocess.run([analyze, "verify", *map(str, paths)], capture_output=True, text=True, timeout=120,
                            cwd=tmp_path)
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    # verify only warns about unknown keys and bad values: any line naming our units fails.
    ours = [line for line in out.splitlines() if "wenming" in line]
    assert ours == [], out


SERVICES = ("wenming-web.service", "wenming-worker@.service", "wenming-beat.service")


@pytest.mark.parametrize("name", SERVICES)
def test_each_unit_runs_a_real_wenming_command_as_the_wenming_user(name):
    service = unit_file(name)["Service"]
    argv = shlex.split(service["ExecStart"].replace("%i", "default").replace("%H", "host"))
    assert argv[0] == INSTALLED_WENMING
    verb, args = argv[1], argv[2:]
    assert verb in ("web", "worker", "beat") and verb in VERBS
    # The arguments are ones the command accepts.
    parser = load_command_class("wenming.ops", VERBS[verb]).create_parser("wenming", VERBS[verb])
    parser.parse_args(args)
    assert service["User"] == service["Group"] == "wenming"
    assert service["EnvironmentFile"] == "/etc/wenming/wenming.env"
    assert service["WorkingDirectory"] == "/var/lib/wenming"
    assert service["KillMode"] == "mixed"
    assert service["Restart"] in ("always", "on-failure") and float(service["RestartSec"]) >= 1
    assert service["NoNewPrivileges"] == "yes" and service["ProtectSystem"] == "strict"
    assert service["PrivateTmp"] == "yes"
    # The var dir the environment names is the one the service may write.
    assert env_example()["WENMING_VAR_DIR"] in service["ReadWritePaths"].split()
    unit = unit_file(name)
    assert unit["Unit"]["PartOf"] == "wenming.target" and unit["Install"]["WantedBy"] == "wenming.target"


def test_stop_timeouts_outlast_the_graceful_ones():
    web = unit_file("wenming-web.service")["Service"]
    assert int(web["TimeoutStopSec"]) > gunicorn_conf.graceful_timeout
    assert int(web["TimeoutStopSec"]) > int(env_example()["WENMING_WEB_GRACEFUL_TIMEOUT"])
    worker = unit_file("wenming-worker@.service")["Service"]
    assert int(worker["TimeoutStopSec"]) > settings.CELERY_TASK_TIME_LIMIT
    assert int(worker["TimeoutStopSec"]) > int(env_example()["WENMING_TASK_SOFT_TIME_LIMIT"]) + 60


def test_the_web_unit_reloads_gunicorn_gracefully_and_waits_for_it_to_listen():
    web = unit_file("wenming-web.service")["Service"]
    assert web["ExecReload"] == "/bin/kill -HUP $MAINPID"
    # gunicorn sends READY=1 itself; `wenming web` execs it, so it is the main process.
    assert web["Type"] == "notify" and web["NotifyAccess"] == "main"


def test_wenming_web_itself_tells_systemd_it_is_ready(tmp_path):
    """Type=notify with NotifyAccess=main holds only if READY=1 comes from the process systemd
    started: `wenming web` must exec gunicorn, not run it as a child."""
    notify = tmp_path / "notify.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(notify))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
    sock.settimeout(60)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path), **env_example(),
           **dummy_secrets(), "WENMING_VAR_DIR": str(tmp_path / "var"),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'wenming.sqlite3'}", "WENMING_CACHE_URL": "",
           "WENMING_BIND": f"127.0.0.1:{free_port()}", "WENMING_WEB_WORKERS": "1",
           "NOTIFY_SOCKET": str(notify)}
    proc = subprocess.Popen([str(Path(sys.executable).parent / "wenming"), "web"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        while True:
            try:
                message, ancillary, _, _ = sock.recvmsg(4096, socket.CMSG_SPACE(12))
            except TimeoutError:
                proc.kill()
                pytest.fail(f"no READY=1 within 60 s: {proc.communicate()[1][-2000:]}")
            if b"READY=1" in message:
                break
        sender = next(int.from_bytes(data[:4], sys.byteorder) for level, kind, data in ancillary
                      if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS)
        assert sender == proc.pid
    finally:
        sock.close()
        proc.terminate()
        try:
            proc.wait(timeout=40)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_the_target_groups_the_services():
    target = unit_file("wenming.target")
    assert target["Install"]["WantedBy"] == "multi-user.target"
    guide = (REPO / "docs" / "deployment.md").read_text()
    for name in ("wenming-web", "wenming-worker@", "wenming-beat", "wenming.target"):
        assert name in guide


# --------------------------------------------------------------------------- check --deploy

def test_the_example_environment_has_a_comment_for_every_variable_and_both_readers_accept_it():
    lines = ENV_EXAMPLE.read_text().splitlines()
    for i, line in enumerate(lines):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        # systemd's EnvironmentFile and compose's env_file read the same file: plain KEY=value.
        assert re.fullmatch(r"[A-Z][A-Z0-9_]*=[^\s\"'#]*", line), f"line {i + 1}: {line!r}"
        assert lines[i - 1].lstrip().startswith("#"), f"line {i + 1} has no comment above it: {line!r}"
    names = set(env_example()) | set(re.findall(r"^#\s*([A-Z][A-Z0-9_]+)=", ENV_EXAMPLE.read_text(), re.M))
    for needed in (
        "DATABASE_URL WENMING_ENV WENMING_SECRET_KEY WENMING_FIELD_KEYS WENMING_BLIND_INDEX_KEY "
        "WENMING_ALLOWED_HOSTS WENMING_CSRF_TRUSTED_ORIGINS WENMING_SITE_URL WENMING_CLIENT_IP_HEADER "
        "WENMING_CACHE_URL WENMING_BROKER_URL WENMING_BROKER_VISIBILITY_TIMEOUT WENMING_STORAGE "
        "WENMING_S3_BUCKET WENMING_S3_ENDPOINT_URL WENMING_S3_REGION WENMING_S3_ACCESS_KEY WENMING_S3_SECRET_KEY "
        "WENMING_S3_PREFIX WENMING_HSTS_SECONDS WENMING_HSTS_INCLUDE_SUBDOMAINS WENMING_HSTS_PRELOAD "
        "WENMING_SSL_REDIRECT WENMING_PROXY_SSL_HEADER WENMING_USE_X_FORWARDED_HOST WENMING_SENTRY_DSN "
        "WENMING_LOG_FORMAT WENMING_LOG_LEVEL WENMING_VAR_DIR WENMING_PERIODIC_SECONDS WENMING_BIND "
        "WENMING_WEB_WORKERS WENMING_WEB_THREADS WENMING_WEB_BACKLOG WENMING_WEB_TIMEOUT "
        "WENMING_WEB_GRACEFUL_TIMEOUT WENMING_WEB_MAX_REQUESTS WENMING_FORWARDED_ALLOW_IPS"
    ).split():
        assert needed in names, needed
    # Every variable it names is documented in docs/configuration.md (the storage ones in the
    # S3 section, which has its own checks).
    guide = (REPO / "docs" / "configuration.md").read_text()
    undocumented = sorted(n for n in names if f"`{n}`" not in guide and not n.startswith(("WENMING_S3_",
                                                                                          "WENMING_STORAGE")))
    assert undocumented == []


def test_the_example_names_a_database_the_settings_accept():
    from wenming.settings.database import database_from_url

    conf = database_from_url(env_example()["DATABASE_URL"], Path("/var/lib/wenming"))
    assert conf["ENGINE"] == "django.db.backends.postgresql"




def test_check_deploy_is_clean_with_exactly_the_documented_environment(tmp_path):
    example = env_example()
    assert example["WENMING_ENV"] == "production"
    blank = sorted(k for k, v in example.items() if not v)
    assert {"WENMING_SECRET_KEY", "WENMING_FIELD_KEYS", "WENMING_BLIND_INDEX_KEY"} <= set(blank)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path), "LANG": "C.UTF-8",
        **example,
        **dummy_secrets(),
        # Only these differ from the example: no write to /var/lib/wenming, no database server
        # needed (check does not connect; the cache and broker need not be reachable either).
        "WENMING_VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'wenming.sqlite3'}",
    }
    wenming = str(Path(sys.executable).parent / "wenming")
    result = subprocess.run([wenming, "manage", "check", "--deploy", "--fail-level", "WARNING"], env=env,
                            capture_output=True, text=True, timeout=180, cwd=tmp_path)
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    assert "System check identified no issues (0 silenced)" in out, out


def test_check_deploy_still_catches_a_production_without_https(tmp_path):
    """The check above is not vacuous: the same environment without the TLS settings warns."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path), **env_example(),
           **dummy_secrets(), "WENMING_VAR_DIR": str(tmp_path / "var"),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'wenming.sqlite3'}",
           "WENMING_HSTS_SECONDS": "0", "WENMING_SSL_REDIRECT": "0"}
    wenming = str(Path(sys.executable).parent / "wenming")
    result = subprocess.run([wenming, "manage", "check", "--deploy", "--fail-level", "WARNING"], env=env,
                            capture_output=True, text=True, timeout=180, cwd=tmp_path)
    out = result.stdout + result.stderr
    assert result.returncode != 0 and "security.W004" in out and "security.W008" in out, out


# ------------------------------------------------------------------------------------- compose

def _compose() -> dict:
    try:
        import yaml
    except ImportError:
        yaml = None
    if yaml is not None:
        return yaml.safe_load(COMPOSE.read_text())
    # Not a dependency of the project: borrow the system Python's PyYAML when it has one.
    python = shutil.which("python3")
    probe = "import json, sys, yaml; json.dump(yaml.safe_load(open(sys.argv[1])), sys.stdout)"
    if python:
        result = subprocess.run([python, "-c", probe, str(COMPOSE)], capture_output=True, text=True, timeout=60)
        if result.returncode == 0:
            return json.loads(result.stdout)
    pytest.skip("no YAML parser here (PyYAML is not a dependency); apt-get install python3-yaml to check")


def test_the_compose_file_parses_and_names_every_role():
    compose = _compose()
    services = compose["services"]
    assert {"postgres", "redis", "web", "worker", "beat", "nginx"} <= set(services)
    for name in ("migrate", "web", "worker", "beat"):
        service = services[name]
        assert service["command"][0] in VERBS or service["command"][0] == "manage", name
        assert service["env_file"] == ["./wenming.env"]
        assert service["environment"]["DATABASE_URL"].startswith("postgres://")
        assert service["environment"]["WENMING_BROKER_URL"].startswith("redis://redis:")
    assert services["web"]["command"] == ["web"] and services["web"]["deploy"]["replicas"] >= 2
    assert services["beat"]["command"] == ["beat"] and services["beat"]["deploy"]["replicas"] == 1
    assert services["worker"]["command"][0] == "worker"
    assert services["web"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    # nginx runs the shipped site, with the upstream the compose command rewrites.
    nginx = services["nginx"]
    assert "./nginx/wenming.conf:/etc/wenming/nginx/wenming.conf:ro" in nginx["volumes"]
    command = " ".join(nginx["command"])
    assert "server web:8000" in command and "server 127.0.0.1:8000 " in SITE.read_text()
    assert "/var/log/nginx/wenming.access.log" in command and "/var/log/nginx/wenming.access.log" in SITE.read_text()
    # Its build copies what pyproject packages.
    dockerfile = services["web"]["build"]["dockerfile_inline"]
    for path in ("pyproject.toml", "README.md", "wenming", "bench"):
        assert (REPO / path).exists() and path in dockerfile
