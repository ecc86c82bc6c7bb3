"""The shipped nginx site (deploy/nginx/wenming.conf) is checked, not just written: nginx
accepts it and, in front of a stand-in app, behaves as docs/deployment.md says."""

from __future__ import annotations

import contextlib
import datetime
import http.client
import json
import os
import re
import signal
import socket
import ssl
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.conf import settings

from wenming.ops.testing import free_port

from .deploy_files import SERVER_NAME, SITE, tool_or_skip


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
    nginx = tool_or_skip("nginx", required_in_ci=True)
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
    nginx = tool_or_skip("nginx", required_in_ci=True)
    app = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    threading.Thread(target=app.serve_forever, daemon=True).start()
    http_port, https_port = free_port(), free_port()
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
