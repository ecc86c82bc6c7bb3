"""The real server: gunicorn behind `wenming web` / `wenming serve`, over real HTTP."""

import http.client
import json
import os
import signal
import urllib.request

import pytest

from wenming.core.testing import CONCURRENT, at_once
from wenming.ops.testing import child_env, free_port, http_ready, running, wait_until

pytestmark = pytest.mark.slow


def _get(port, path):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as res:
            return res.status, json.loads(res.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def _log(tmp_path, name="web.log"):
    return (tmp_path / name).read_text(errors="replace")[-3000:]


@CONCURRENT
def test_sixty_four_simultaneous_new_post_connections_are_all_answered(tmp_path):
    """runserver reset 32–38 of 64 (its listen queue holds 10); gunicorn's backlog holds them."""
    port = free_port()
    env = child_env(WENMING_WEB_WORKERS="2")
    with running(["web", f"127.0.0.1:{port}"], env, log_path=tmp_path / "web.log"):
        wait_until(lambda: http_ready(port), timeout=60, what="gunicorn")
        body = json.dumps({"username": "nobody", "password": "wrong-password"})

        def post():
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            try:
                conn.request("POST", "/api/v1/auth/token", body=body, headers={"Content-Type": "application/json"})
                return conn.getresponse().status
            except OSError as exc:  # a reset connection
                return type(exc).__name__
            finally:
                conn.close()

        outcomes = at_once(64, post)
    answers = [o for o in outcomes if isinstance(o, int)]
    errors = [o for o in outcomes if not isinstance(o, int)]
    assert errors == [], _log(tmp_path)
    assert len(answers) == 64 and set(answers) <= {401, 429}


@pytest.mark.django_db
def test_healthz_answers_and_readyz_fails_when_the_database_is_unreachable(tmp_path):
    port = free_port()
    env = child_env(DATABASE_URL=f"sqlite:///{tmp_path}/no-such-dir/db.sqlite3", WENMING_VAR_DIR=str(tmp_path),
                    WENMING_CACHE_URL="locmem://", WENMING_WEB_WORKERS="1")
    with running(["web", f"127.0.0.1:{port}"], env, log_path=tmp_path / "web.log"):
        wait_until(lambda: http_ready(port), timeout=60, what="gunicorn")
        status, body = _get(port, "/readyz")
    assert status == 503, _log(tmp_path)
    assert body["status"] == "unavailable"
    assert body["checks"]["database"]["ok"] is False and "无法连接" in body["checks"]["database"]["detail"]
    assert body["checks"]["migrations"]["ok"] is False


@CONCURRENT
def test_readyz_is_ok_when_database_migrations_broker_and_cache_are(tmp_path):
    port = free_port()
    env = child_env(WENMING_VAR_DIR=str(tmp_path), WENMING_WEB_WORKERS="1")  # embedded queue in tmp
    with running(["web", f"127.0.0.1:{port}"], env, log_path=tmp_path / "web.log"):
        wait_until(lambda: http_ready(port), timeout=60, what="gunicorn")
        status, body = _get(port, "/readyz")
    assert status == 200, (body, _log(tmp_path))
    assert all(check["ok"] for check in body["checks"].values())


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            return [int(p) for p in fh.read().split()]
    except OSError:
        return []


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(") ")[1][0] != "Z"
    except OSError:
        return False


def _port_free(port: int) -> bool:
    import socket

    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


@pytest.mark.django_db
def test_killing_the_gunicorn_master_takes_its_workers_and_the_port_down_at_once(tmp_path):
    port = free_port()
    env = child_env(WENMING_VAR_DIR=str(tmp_path), WENMING_WEB_WORKERS="2")
    with running(["web", f"127.0.0.1:{port}"], env, log_path=tmp_path / "web.log") as master:
        wait_until(lambda: http_ready(port), timeout=60, what="gunicorn")
        workers = wait_until(lambda: _children(master.pid) if len(_children(master.pid)) == 2 else None,
                             timeout=20, what="two workers")
        os.kill(master.pid, signal.SIGKILL)
        master.wait()
        wait_until(lambda: not any(_alive(w) for w in workers), timeout=10, what="the workers to exit")
        wait_until(lambda: _port_free(port), timeout=10, what="the port to be free")


@CONCURRENT
def test_serve_runs_web_worker_and_beat_and_killing_it_leaves_nothing_behind(tmp_path):
    """`wenming serve`: gunicorn plus a Celery worker with beat on the embedded queue; beat's
    first ticks reach the worker; kill -9 of the supervisor stops every child."""
    from wenming.core.models import PeriodicRun

    port = free_port()
    env = child_env(WENMING_VAR_DIR=str(tmp_path), WENMING_PERIODIC_SECONDS="5", WENMING_WEB_WORKERS="1")
    with running(["serve", f"127.0.0.1:{port}"], env, log_path=tmp_path / "serve.log") as supervisor:
        wait_until(lambda: http_ready(port), timeout=90, what="gunicorn")
        try:
            wait_until(lambda: PeriodicRun.objects.filter(name="core.deliver_notifications", outcome="ok").exists(),
                       timeout=90, what="beat → worker")
        except AssertionError:
            raise AssertionError(_log(tmp_path, "serve.log")) from None
        children = _children(supervisor.pid)
        assert len(children) == 3  # web, the worker with beat, the jobs worker
        os.kill(supervisor.pid, signal.SIGKILL)
        supervisor.wait()
        wait_until(lambda: not any(_alive(c) for c in children), timeout=30, what="web and worker to stop")
        wait_until(lambda: _port_free(port), timeout=10, what="the port to be free")


@CONCURRENT
def test_serve_reloads_on_hup_and_stops_gracefully_on_ctrl_c(tmp_path):
    port = free_port()
    env = child_env(WENMING_VAR_DIR=str(tmp_path), WENMING_WEB_WORKERS="1", WENMING_LOG_FORMAT="text")
    log = tmp_path / "serve.log"
    with running(["serve", f"127.0.0.1:{port}"], env, log_path=log) as supervisor:
        wait_until(lambda: http_ready(port), timeout=90, what="gunicorn")
        wait_until(lambda: log.read_text(errors="replace").count(" ready.") == 2, timeout=60, what="both workers")
        os.kill(supervisor.pid, signal.SIGHUP)
        wait_until(lambda: log.read_text(errors="replace").count(" ready.") == 4, timeout=90,
                   what="both workers to restart")
        assert "worker 已按要求退出，正在重启" in log.read_text(errors="replace")
        # the web server reloaded in place (its new worker may take a moment on a busy machine)
        wait_until(lambda: http_ready(port), timeout=30, what="gunicorn after the reload")
        os.killpg(supervisor.pid, signal.SIGINT)  # Ctrl-C at the terminal: the whole foreground group
        assert supervisor.wait(timeout=60) == 0
    text = log.read_text(errors="replace")
    assert "Handling signal: term" in text and "Handling signal: int" not in text  # graceful, not quick
    assert "意外退出" not in text and "服务已停止" in text


def test_servers_starting_together_on_one_var_dir_collect_static_files_one_at_a_time(tmp_path):
    import subprocess
    import sys

    code = "import django; django.setup(); from wenming.ops.static import collect_static; collect_static()"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "wenming.settings", "WENMING_VAR_DIR": str(tmp_path)}
    procs = [subprocess.Popen([sys.executable, "-c", code], env=env, stderr=subprocess.PIPE, text=True)
             for _ in range(3)]
    results = [(p.wait(timeout=180), p.stderr.read()) for p in procs]
    assert all(code == 0 for code, _ in results), results
    assert (tmp_path / "static" / "staticfiles.json").exists()
