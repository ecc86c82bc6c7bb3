"""The cross-server checks of `wenming bench topology`: each writes through app server A and
reads or counts through app server B (directly, not through nginx, so which server answers is
never in doubt)."""

import hashlib
import http.client
import io
import json
import re
import time
from datetime import date
from http.cookies import SimpleCookie
from urllib.parse import urlencode


def request(port: int, method: str, path: str, *, body: bytes | str | None = None,
            headers: dict | None = None, timeout: float = 30) -> tuple[int, http.client.HTTPMessage, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


def cookies(headers: http.client.HTTPMessage) -> dict[str, str]:
    jar = SimpleCookie()
    for line in headers.get_all("Set-Cookie") or []:
        jar.load(line)
    return {k: m.value for k, m in jar.items()}


def code_of(body: bytes) -> str:
    try:
        return json.loads(body).get("code", "")
    except ValueError:
        return ""


def session_across(a: int, b: int, *, username: str, password: str) -> dict:
    """Log in on A's login page; the session cookie A sets must be accepted by B."""
    _, headers, page = request(a, "GET", "/accounts/login/")
    csrf = cookies(headers)["csrftoken"]
    form_token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
    status, headers, _ = request(a, "POST", "/accounts/login/", body=urlencode(
        {"username": username, "password": password, "csrfmiddlewaretoken": form_token}), headers={
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={csrf}"})
    session = cookies(headers).get("sessionid", "")
    b_status, _, b_body = request(b, "GET", "/api/v1/auth/me", headers={"Cookie": f"sessionid={session}"})
    anon_status, _, _ = request(b, "GET", "/api/v1/auth/me")
    me = json.loads(b_body) if b_status == 200 else {}
    ok = status == 302 and bool(session) and me.get("username") == username and anon_status == 401
    return {"ok": ok, "login_on_a": status, "me_on_b": b_status, "user_on_b": me.get("username"),
            "without_cookie_on_b": anon_status}


def lockout_across(a: int, b: int, *, username: str, password: str, max_failures: int) -> dict:
    """`max_failures` wrong passwords spread over A and B, then the right one on B and on A:
    both must refuse it as locked, because the failures are counted in the database."""
    def token(port, pw):
        status, _, body = request(port, "POST", "/api/v1/auth/token", body=json.dumps(
            {"username": username, "password": pw}), headers={"Content-Type": "application/json"})
        return status, code_of(body)

    failures = [("AB"[i % 2], *token((a, b)[i % 2], "wrong-password")) for i in range(max_failures)]
    right_b, right_a = token(b, password), token(a, password)
    ok = (all(s == 401 for _, s, _ in failures) and right_b == (429, "auth.locked")
          and right_a == (429, "auth.locked"))
    return {"ok": ok, "failures": failures, "right_password_on_b": right_b, "right_password_on_a": right_a}


def ratelimit_across(a: int, b: int) -> dict:
    """The public certificate lookup allows LOOKUPS_PER_WINDOW typed lookups per address and
    window (core/ratelimit.py over the cache): hits alternating over A and B must be cut off
    after that many in total, not per server."""
    from wenming.service.certificate_views import LOOKUPS_PER_WINDOW as limit
    from wenming.service.certificate_views import WINDOW_SECONDS as window

    left = window - time.time() % window
    if left < 30:  # a fixed window: do not let the hits straddle two of them
        time.sleep(left + 0.5)
    answers = {"A": {}, "B": {}}
    for i in range(limit + 10):
        server = "AB"[i % 2]
        status, _, _ = request((a, b)[i % 2], "GET", f"/service/verify/?number=TOPO{i:04d}&volunteer_no=WM0")
        answers[server][status] = answers[server].get(status, 0) + 1
    allowed = sum(s.get(404, 0) for s in answers.values())  # an unknown number answers 404 when allowed
    limited = sum(s.get(429, 0) for s in answers.values())
    ok = allowed == limit and limited == 10 and answers["A"].get(429) and answers["B"].get(429)
    return {"ok": bool(ok), "limit": limit, "window": window, "hits": limit + 10, "allowed": allowed,
            "limited": limited, "per_server": answers}


def upload_across(a: int, b: int, *, token: str, node_id: int, category_id: int) -> dict:
    """A report image uploaded through A (core/uploads.py stores it on the shared disk) must
    be served by B, byte for byte."""
    auth = {"Authorization": f"Bearer {token}"}
    status, _, body = request(a, "POST", "/api/v1/reports", body=json.dumps(
        {"node_id": node_id, "title": "扩展拓扑检查", "category_id": category_id,
         "period": f"{date.today():%Y-%m}"}), headers={**auth, "Content-Type": "application/json"})
    if status != 201:
        return {"ok": False, "create_on_a": status, "answer": body[:300].decode(errors="replace")}
    report_id = json.loads(body)["id"]
    boundary = "topologyboundary"
    payload = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"photo.jpg\"\r\n"
               f"Content-Type: image/jpeg\r\n\r\n").encode() + _jpeg() + f"\r\n--{boundary}--\r\n".encode()
    status, _, body = request(a, "POST", f"/api/v1/reports/{report_id}/images", body=payload, headers={
        **auth, "Content-Type": f"multipart/form-data; boundary={boundary}"})
    if status != 201:
        return {"ok": False, "upload_on_a": status, "answer": body[:300].decode(errors="replace")}
    path = f"/api/v1/reports/{report_id}/images/{json.loads(body)['id']}"
    b_status, b_headers, b_bytes = request(b, "GET", path, headers=auth)
    a_status, _, a_bytes = request(a, "GET", path, headers=auth)
    digest = hashlib.sha256(b_bytes).hexdigest()
    ok = b_status == 200 and a_status == 200 and b_bytes == a_bytes and b_headers.get("ETag") == f'"{digest}"'
    return {"ok": ok, "upload_on_a": 201, "get_on_b": b_status, "bytes": len(b_bytes), "sha256": digest[:12],
            "same_bytes_as_a": b_bytes == a_bytes}


def _jpeg() -> bytes:
    from PIL import Image

    image = Image.new("RGB", (320, 240))
    image.putdata([(x % 256, y % 256, (x + y) % 256) for y in range(240) for x in range(320)])
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()
