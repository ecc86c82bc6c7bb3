"""Logs: one JSON object a line with the request id and user id, no personal data."""

import json
import logging

import pytest

from wenming.core.context import current_request, current_request_id
from wenming.ops.logs import JsonFormatter, RequestContextFilter


def _line(message, *args, request=None, request_id="-", **extra):
    record = logging.LogRecord("wenming.test", logging.INFO, __file__, 1, message, args, None)
    record.__dict__.update(extra)
    tokens = current_request_id.set(request_id), current_request.set(request)
    try:
        RequestContextFilter().filter(record)
    finally:
        current_request_id.reset(tokens[0])
        current_request.reset(tokens[1])
    return json.loads(JsonFormatter().format(record))


def test_a_log_line_is_json_with_request_and_user_ids():
    class Request:
        user = type("U", (), {"pk": 42})()

    line = _line("签到 %s 次", 3, request=Request(), request_id="abc12345", status=200)
    assert line["message"] == "签到 3 次" and line["level"] == "INFO" and line["logger"] == "wenming.test"
    assert line["request_id"] == "abc12345" and line["user_id"] == 42 and line["status"] == 200


def test_a_lazy_user_is_not_loaded_by_logging():
    from django.utils.functional import SimpleLazyObject

    def load():
        raise AssertionError("logging loaded the user")

    class Request:
        user = SimpleLazyObject(load)

    assert _line("x", request=Request())["user_id"] is None


@pytest.mark.django_db
def test_every_response_carries_a_request_id_and_the_access_line_has_no_query(client, caplog):
    caplog.set_level(logging.INFO, logger="wenming.request")
    res = client.get("/?q=13900000001")
    made = res["X-Request-ID"]
    assert len(made) == 32
    kept = client.get("/", HTTP_X_REQUEST_ID="nginx-req-0123456789")
    assert kept["X-Request-ID"] == "nginx-req-0123456789"
    for bad in ["short", "x" * 65, "abc\x00defgh", "有中文的请求编号一二三"]:
        assert client.get("/", HTTP_X_REQUEST_ID=bad)["X-Request-ID"] != bad
    access = [r for r in caplog.records if r.name == "wenming.request"]
    assert access and all("13900000001" not in r.getMessage() and "q=" not in r.path for r in access)
    assert access[0].status == res.status_code


@pytest.mark.django_db
def test_django_request_lines_carry_the_path_and_request_id_not_the_query(client, caplog):
    caplog.set_level(logging.WARNING, logger="django.request")
    res = client.get("/no-such-page/?q=13800138000&id=110101199003077777", HTTP_X_REQUEST_ID="probe-12345678")
    assert res.status_code == 404
    record = next(r for r in caplog.records if r.name == "django.request")
    RequestContextFilter().filter(record)
    line = JsonFormatter().format(record)
    assert "13800138000" not in line and "110101199003077777" not in line
    assert json.loads(line)["request_id"] == "probe-12345678" and json.loads(line)["request"] == "/no-such-page/"
