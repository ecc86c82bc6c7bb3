"""The shipped deployment files (deploy/, docs/deployment.md) are checked, not just written:
nginx accepts the site and behaves as documented, systemd accepts the units and they start
real `wenming` commands, the documented production environment passes `check --deploy` with
no warning, and the compose file names every role."""

from __future__ import annotations

import configparser
import contextlib
import datetime
import http.client
import json
import os
import re
import shlex
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import load_command_class

from wenming.cli import VERBS
from wenming.ops import gunicorn_conf

REPO = Path(__file__).resolve().parents[3]
DEPLOY = REPO / "deploy"
SITE = DEPLOY / "nginx" / "wenming.conf"
ENV_EXAMPLE = DEPLOY / "wenming.env.example"
COMPOSE = DEPLOY / "compose.yaml"
UNITS = {name: DEPLOY / "systemd" / name for name in (
    "wenming-web.service", "wenming-worker@.service", "wenming-beat.service", "wenming.target")}
INSTALLED_WENMING = "/opt/wenming/.venv/bin/wenming"
SERVER_NAME = "wenming.example.gov.cn"


def _in_ci() -> bool:
    # As scripts/ensure-debian-packages: CI set, other than "false" or "0".
    return os.environ.get("CI", "") not in ("", "false", "0")


def _tool_or_skip(name: str, *, required_in_ci: bool) -> str:
    path = shutil.which(name) or next((p for p in (f"/usr/sbin/{name}", f"/sbin/{name}") if os.access(p, os.X_OK)),
                                      None)
    if path:
        return path
    if required_in_ci and _in_ci():
        pytest.fail(f"{name} is missing, and CI is set: scripts/ensure-debian-packages should have installed it")
    pytest.skip(f"{name} is not installed here (apt-get install {name}); the check runs where it is")


def _env_example() -> dict[str, str]:
    """The variables the example sets (KEY=value lines), in order."""
    found = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            found[key] = value
    return found


def _unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=True, comment_prefixes=("#", ";"),
                                       inline_comment_prefixes=None)
    parser.optionxform = str  # systemd keys are case-sensitive
    parser.read_string(UNITS[name].read_text())
    return parser


# --------------------------------------------------------------------------------------- nginx

def _self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, SERVER_NAME)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(SERVER_NAME)]), critical=False)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = directory / "fullchain.pem", directory / "privkey.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def _nginx_prefix(tmp: Path, *, ports: tuple[int, int] | None = None, upstream: str | None = None) -> Path:
    """A prefix under tmp with a minimal nginx.conf that includes the shipped site, its
    certificate, log and temp paths redirected there; optionally on other ports and upstream."""
    for sub in ("logs", "tls", "acme", "temp"):
        (tmp / sub).mkdir(parents=True, exist_ok=True)
    cert, key = _self_signed_certificate(tmp / "tls")
    site = SITE.read_text()
    for placeholder, real in {
        "/etc/wenming/tls/fullchain.pem": cert, "/etc/wenming/tls/privkey.pem": key,
        "/var/log/nginx/": f"{tmp}/logs/", "/var/www/acme": tmp / "acme",
    }.items():
        assert placeholder in site, f"the site no longer names {placeholder}: update this test"
        site = site.replace(placeholder, str(real))
    if ports:
        site = re.sub(r"^\s*listen \[::\]:.*$", "", site, flags=re.M)  # the container may lack IPv6
        site = site.replace("listen 80;", f"listen 127.0.0.1:{ports[0]};")
        site = site.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{ports[1]} ssl http2;")
        site = site.replace("return 301 https://$host$request_uri;",
                            f"return 301 https://$host:{ports[1]}$request_uri;")
    if upstream:
        site = site.replace("server 127.0.0.1:8000 ", f"server {upstream} ")
    (tmp / "wenming.conf").write_text(site)
    user = "user root root;\n" if os.geteuid() == 0 else ""  # workers must read/write tmp
    temp = "\n".join(f"    {kind}_temp_path {tmp}/temp/{kind};" for kind in
                     ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (tmp / "nginx.conf").write_text(f"""{user}worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/logs/error.log warn;
events {{ worker_connections 256; }}
http {{
    default_type application/octet-stream;
    access_log {tmp}/logs/access.log;
{temp}
    include {tmp}/wenming.conf;
}}
""")
    return tmp


def _nginx_test_output(nginx: str, prefix: Path) -> subprocess.CompletedProcess:
    return subprocess.run([nginx, "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-t"],
                          capture_output=True, text=True, timeout=60)


def test_nginx_accepts_the_shipped_site(tmp_path):
    nginx = _tool_or_skip("nginx", required_in_ci=True)
    result = _nginx_test_output(nginx, _nginx_prefix(tmp_path))
    out = result.stdout + result.stderr
    assert result.returncode == 0 and "test is successful" in out, out
    # No warnings either, except newer nginx's note that `listen … http2` has a new spelling.
    warnings = [line for line in out.splitlines() if "[warn]" in line and "deprecated" not in line]
    assert warnings == [], out


def test_the_site_carries_the_settings_the_deployment_guide_promises():
    site = SITE.read_text()
    directives = re.sub(r"#.*", "", site)  # without the comments
    for needed in (
        "proxy_set_header X-Request-ID $request_id;",
        "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
        "proxy_set_header X-Forwarded-Proto $scheme;",
        "proxy_set_header X-Real-IP $remote_addr;",
        "client_max_body_size 55m;",
        "return 301 https://$host$request_uri;",
        "proxy_next_upstream error timeout;",
        "location = /healthz",
        "location = /readyz",
        '"request_id":"$request_id"',
    ):
        assert needed in directives, needed
    assert "non_idempotent" not in directives  # a POST is never sent to a second server
    assert "/media" not in directives  # uploads only through the permission-checking views
    # The body limit leaves room above the largest upload the app accepts.
    assert 55 * 1024 * 1024 > settings.ROSTER_UPLOAD_MAX_BYTES + 1024 * 1024
    assert 55 * 1024 * 1024 > settings.UPLOAD_MAX_BYTES
    # The access log keeps no query string (a search may carry a phone number).
    log_format = site.split("log_format", 1)[1].split(";", 1)[0]
    assert "$request_uri" not in log_format and "$args" not in log_format and '"$request"' not in log_format


class _Echo(BaseHTTPRequestHandler):
    """A stand-in app server: answers every request with the headers it received."""

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        body = json.dumps({"path": self.path, "method": self.command,
                           "headers": {k.lower(): v for k, v in self.headers.items()}}).encode()
        self.send_response(503 if self.path == "/readyz" else 200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Request-ID", "set-by-the-app-and-hidden")
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args):
        pass


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def _nginx_running(nginx: str, prefix: Path, port: int):
    cmd = [nginx, "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-g", "daemon off;"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 20
        while True:
            if proc.poll() is not None:
                pytest.fail(f"nginx exited: {proc.stderr.read()}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                break
            if time.monotonic() > deadline:
                pytest.fail("nginx did not start listening")
            time.sleep(0.1)
        yield proc
    finally:
        proc.send_signal(signal.SIGQUIT)  # graceful stop of this nginx only (its own process)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _trusting() -> ssl.SSLContext:
    context = ssl.create_default_context()  # the test's own self-signed certificate
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def _https(port: int, method: str, path: str, *, headers=None, body=None):
    conn = http.client.HTTPSConnection("127.0.0.1", port, context=_trusting(), timeout=10)
    try:
        conn.request(method, path, body=body, headers={"Host": SERVER_NAME, **(headers or {})})
        res = conn.getresponse()
        return res.status, dict(res.getheaders()), res.read()
    finally:
        conn.close()


def _http(port: int, path: str):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers={"Host": SERVER_NAME})
        res = conn.getresponse()
        return res.status, dict(res.getheaders()), res.read()
    finally:
        conn.close()


def test_nginx_site_forwards_request_ids_and_addresses_redirects_and_explains_failures(tmp_path):
    nginx = _tool_or_skip("nginx", required_in_ci=True)
    app = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    threading.Thread(target=app.serve_forever, daemon=True).start()
    http_port, https_port = _free_port(), _free_port()
    try:
        prefix = _nginx_prefix(tmp_path, ports=(http_port, https_port), upstream=f"127.0.0.1:{app.server_port}")
        with _nginx_running(nginx, prefix, https_port):
            status, headers, body = _https(https_port, "POST", "/api/v1/x?q=13800000000", body=b"{}",
                                           headers={"X-Request-ID": "chosen-by-the-client", "X-Real-IP": "6.6.6.6",
                                                    "Content-Type": "application/json"})
            assert status == 200
            seen = json.loads(body)["headers"]
            rid = headers["X-Request-ID"]
            assert re.fullmatch(r"[0-9a-f]{32}", rid) and seen["x-request-id"] == rid  # nginx's id, both ways
            assert seen["x-real-ip"] == "127.0.0.1" and seen["x-forwarded-proto"] == "https"
            assert seen["host"] == SERVER_NAME and seen["x-forwarded-host"] == SERVER_NAME

            status, headers, _ = _http(http_port, "/volunteers/?page=2")
            assert status == 301 and headers["Location"] == f"https://{SERVER_NAME}:{https_port}/volunteers/?page=2"
            status, _, body = _http(http_port, "/healthz")  # the balancer's plain-HTTP probe
            assert status == 200 and json.loads(body)["headers"]["x-forwarded-proto"] == "http"
            status, _, _ = _https(https_port, "GET", "/readyz")  # the app's 503 passes through
            assert status == 503

            # Too large: refused before the body is read, with a Chinese JSON answer.
            conn = http.client.HTTPSConnection("127.0.0.1", https_port, timeout=10, context=_trusting())
            conn.putrequest("POST", "/volunteers/roster/import", skip_host=True)
            conn.putheader("Host", SERVER_NAME)
            conn.putheader("Content-Length", str(56 * 1024 * 1024))
            conn.endheaders()
            res = conn.getresponse()
            assert res.status == 413 and json.loads(res.read())["code"] == "request.too_large"
            conn.close()

            app.shutdown()
            app.server_close()
            status, headers, body = _https(https_port, "GET", "/")  # no app server answers
            answer = json.loads(body)
            assert status == 502 and answer["code"] == "service.unavailable"
            assert headers["X-Request-ID"] in answer["message"]
        log = [json.loads(line) for line in (tmp_path / "logs" / "wenming.access.log").read_text().splitlines()]
        assert log and all(re.fullmatch(r"[0-9a-f]{32}", entry["request_id"]) for entry in log)
        assert not any("13800000000" in json.dumps(entry) for entry in log)  # no query strings
    finally:
        app.server_close()


# ------------------------------------------------------------------------------------- systemd

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
    service = _unit(name)["Service"]
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
    assert _env_example()["WENMING_VAR_DIR"] in service["ReadWritePaths"].split()
    unit = _unit(name)
    assert unit["Unit"]["PartOf"] == "wenming.target" and unit["Install"]["WantedBy"] == "wenming.target"


def test_stop_timeouts_outlast_the_graceful_ones():
    web = _unit("wenming-web.service")["Service"]
    assert int(web["TimeoutStopSec"]) > gunicorn_conf.graceful_timeout
    assert int(web["TimeoutStopSec"]) > int(_env_example()["WENMING_WEB_GRACEFUL_TIMEOUT"])
    worker = _unit("wenming-worker@.service")["Service"]
    assert int(worker["TimeoutStopSec"]) > settings.CELERY_TASK_TIME_LIMIT
    assert int(worker["TimeoutStopSec"]) > int(_env_example()["WENMING_TASK_SOFT_TIME_LIMIT"]) + 60


def test_the_web_unit_reloads_gunicorn_gracefully_and_waits_for_it_to_listen():
    web = _unit("wenming-web.service")["Service"]
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
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path), **_env_example(),
           **_dummy_secrets(), "WENMING_VAR_DIR": str(tmp_path / "var"),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'wenming.sqlite3'}", "WENMING_CACHE_URL": "",
           "WENMING_BIND": f"127.0.0.1:{_free_port()}", "WENMING_WEB_WORKERS": "1",
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
    target = _unit("wenming.target")
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
    names = set(_env_example()) | set(re.findall(r"^#\s*([A-Z][A-Z0-9_]+)=", ENV_EXAMPLE.read_text(), re.M))
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

    conf = database_from_url(_env_example()["DATABASE_URL"], Path("/var/lib/wenming"))
    assert conf["ENGINE"] == "django.db.backends.postgresql"


def _dummy_secrets() -> dict[str, str]:
    import secrets

    from cryptography.fernet import Fernet

    return {"WENMING_SECRET_KEY": secrets.token_urlsafe(50), "WENMING_FIELD_KEYS": Fernet.generate_key().decode(),
            "WENMING_BLIND_INDEX_KEY": secrets.token_hex(32)}


def test_check_deploy_is_clean_with_exactly_the_documented_environment(tmp_path):
    example = _env_example()
    assert example["WENMING_ENV"] == "production"
    blank = sorted(k for k, v in example.items() if not v)
    assert {"WENMING_SECRET_KEY", "WENMING_FIELD_KEYS", "WENMING_BLIND_INDEX_KEY"} <= set(blank)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path), "LANG": "C.UTF-8",
        **example,
        **_dummy_secrets(),
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
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path), **_env_example(),
           **_dummy_secrets(), "WENMING_VAR_DIR": str(tmp_path / "var"),
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
