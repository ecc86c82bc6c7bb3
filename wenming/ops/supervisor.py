"""`wenming serve`: the web server and the background worker (with its scheduler) as
children of one process, for a machine with nothing else installed.

- Each child is started with PDEATHSIG: if this process is killed, even with -9, the
  children stop too; nothing is left holding the port.
- A child that dies is started again after a pause that doubles up to 30 s; a web server
  that dies within seconds of its start (the port is taken) stops everything with a message.
- SIGTERM or Ctrl-C stops every child gracefully (requests finish, the worker finishes its
  task), then this process exits; SIGHUP reloads the web server without dropping a
  connection and restarts the worker.

In production a service manager (systemd) supervises `wenming web`, `wenming worker` and
`wenming beat` as separate units instead (docs/deployment.md).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field

from .process import die_with_parent

STOP_GRACE_S = 40  # longer than gunicorn's graceful_timeout
EARLY_EXIT_S = 5
MAX_BACKOFF_S = 30


@dataclass
class Child:
    name: str
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)
    fatal_early_exit: bool = False
    proc: subprocess.Popen | None = None
    started_at: float = 0.0
    backoff: float = 1.0
    restart_at: float | None = None
    stop_expected: bool = False  # asked to stop (a reload): its exit is no failure

    def start(self, log) -> None:
        env = {**os.environ, **self.env}
        # Its own process group: Ctrl-C at the terminal reaches only the supervisor, which
        # then stops each child gracefully (gunicorn would treat SIGINT as a quick stop).
        self.proc = subprocess.Popen(self.argv, env=env, preexec_fn=die_with_parent, process_group=0)
        self.started_at = time.monotonic()
        self.restart_at = None
        self.stop_expected = False
        log(f"已启动 {self.name}（进程 {self.proc.pid}）")

    def send_signal(self, sig: int) -> None:
        if self.proc and self.proc.poll() is None:
            try:
                self.proc.send_signal(sig)
            except ProcessLookupError:
                pass


class Supervisor:
    def __init__(self, children: list[Child], log=None):
        self.children = children
        self.log = log or (lambda msg: print(msg, file=sys.stderr, flush=True))
        self.stopping = False
        self.exit_code = 0

    def run(self) -> int:
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        signal.signal(signal.SIGHUP, self._reload)
        for child in self.children:
            child.start(self.log)
        while not self.stopping:
            self._watch()
            time.sleep(0.3)
        self._shutdown()
        return self.exit_code

    def _watch(self) -> None:
        now = time.monotonic()
        for child in self.children:
            if child.restart_at is not None:
                if now >= child.restart_at and not self.stopping:
                    child.start(self.log)
                continue
            code = child.proc.poll() if child.proc else None
            if code is None:
                if now - child.started_at > 60:
                    child.backoff = 1.0  # it ran a while: the next failure starts the pause again
                continue
            if child.stop_expected:
                self.log(f"{child.name} 已按要求退出，正在重启")
                child.start(self.log)
                continue
            if child.fatal_early_exit and now - child.started_at < EARLY_EXIT_S:
                self.log(f"{child.name} 启动后立即退出（代码 {code}），可能端口已被占用；正在停止全部服务")
                self.exit_code = code or 1
                self.stopping = True
                return
            self.log(f"{child.name} 意外退出（代码 {code}），{child.backoff:.0f} 秒后重启")
            child.restart_at = now + child.backoff
            child.backoff = min(child.backoff * 2, MAX_BACKOFF_S)

    def _stop(self, signum, frame) -> None:
        self.stopping = True

    def _reload(self, signum, frame) -> None:
        for child in self.children:
            if child.name == "web":
                child.send_signal(signal.SIGHUP)  # gunicorn: new workers, then the old ones finish
            else:
                child.stop_expected = True
                child.send_signal(signal.SIGTERM)  # restarted by _watch once it has finished its task

    def _shutdown(self) -> None:
        self.log("正在停止服务……")
        for child in self.children:
            child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_S
        for child in self.children:
            if not child.proc:
                continue
            try:
                child.proc.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                self.log(f"{child.name} 未在 {STOP_GRACE_S} 秒内退出，强制结束")
                child.proc.kill()
                child.proc.wait()
        self.log("服务已停止")


def embedded_children(addrport: str, *, worker: bool = True) -> list[Child]:
    """gunicorn on `addrport`; unless asked not to, a Celery worker for the short tasks with
    the beat scheduler, and one for the heavy jobs (so they never hold up the short ones)."""
    python = sys.executable
    children = [Child("web", [python, "-m", "gunicorn", "-c", "python:wenming.ops.gunicorn_conf",
                              "wenming.wsgi:application"], env={"WENMING_BIND": addrport}, fatal_early_exit=True)]
    if worker:
        worker = [python, "-m", "wenming", "worker", "--quiet"]
        children.append(Child("worker", [*worker, "--beat", "--queues=default", "--hostname=default@%h"]))
        children.append(Child("jobs", [*worker, "--queues=jobs", "--concurrency=1", "--hostname=jobs@%h"]))
    return children
