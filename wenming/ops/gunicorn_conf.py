"""gunicorn's settings, fitted to the machine; every value can be changed from the
environment. Used by `wenming serve`/`wenming web` and by the systemd unit:

    gunicorn -c python:wenming.ops.gunicorn_conf wenming.wsgi:application
"""

import os
import signal

from wenming.ops.process import cpu_count, die_with_parent

bind = os.environ.get("WENMING_BIND", "127.0.0.1:8000").split(",")
# Threads serve the many short requests that wait on the database; processes use the cores.
workers = int(os.environ.get("WENMING_WEB_WORKERS", "0")) or max(2, min(2 * cpu_count(), 8))
threads = int(os.environ.get("WENMING_WEB_THREADS", "4"))
worker_class = "gthread"
# Connections that arrive together wait in the kernel's queue instead of being reset
# (runserver's queue held 10; the kernel caps this at net.core.somaxconn).
backlog = int(os.environ.get("WENMING_WEB_BACKLOG", "2048"))
timeout = int(os.environ.get("WENMING_WEB_TIMEOUT", "60"))  # a worker silent this long is restarted
graceful_timeout = int(os.environ.get("WENMING_WEB_GRACEFUL_TIMEOUT", "30"))  # HUP/TERM: finish requests first
keepalive = 5
# A worker is replaced after this many requests (with jitter, so not all at once): slow
# leaks in any library never reach the machine's memory limit.
max_requests = int(os.environ.get("WENMING_WEB_MAX_REQUESTS", "5000"))
max_requests_jitter = max_requests // 10
# Only these proxy addresses may set X-Forwarded-* (nginx on the same machine by default).
forwarded_allow_ips = os.environ.get("WENMING_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
accesslog = None  # the request log is written by wenming.ops.middleware, as JSON with the request id
errorlog = "-"
loglevel = os.environ.get("WENMING_LOG_LEVEL", "info").lower()
proc_name = "wenming-web"
if os.environ.get("WENMING_LOG_FORMAT", "json") == "json":
    # gunicorn's own lines (start, worker time-outs) as JSON too, like the application's
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "wenming.ops.logs.JsonFormatter"}},
        "filters": {"request": {"()": "wenming.ops.logs.RequestContextFilter"}},
        "handlers": {"error_console": {"class": "logging.StreamHandler", "formatter": "json",
                                       "filters": ["request"], "stream": "ext://sys.stderr"}},
        "root": {"level": loglevel.upper(), "handlers": ["error_console"]},
        "loggers": {"gunicorn.error": {"level": loglevel.upper(), "handlers": ["error_console"],
                                       "propagate": False}},
    }


def post_fork(server, worker):
    # If the master is killed with -9, its workers leave at once instead of holding the
    # port until their own time-out notices (seen: ~30 s).
    die_with_parent(signal.SIGTERM)
    if os.getppid() != server.pid:  # the master died before the line above took effect
        os._exit(0)
# gunicorn's control socket sits at one path per user: two servers on one machine (the
# topology check, a blue/green switch) would fight over it, and nothing here uses it.
control_socket_disable = True
