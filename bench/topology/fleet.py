"""A small fleet on one machine for `wenming bench topology`: a throwaway PostgreSQL database,
one Redis db (cache and broker), two app servers, Celery workers and beats, and nginx in front.

Every process is started in a session of its own, so Ctrl-C reaches only the benchmark (which
then stops the fleet in order) and a whole process group can be killed or checked for
survivors. `close()` is safe to call at any point of the start-up and leaves nothing behind:
no process, no database, no Redis keys, no temporary directory (unless asked to keep it).
"""

import os
import pwd
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from cryptography.fernet import Fernet

REPO_ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent  # the venv's bin: wenming, python


@dataclass
class Proc:
    name: str
    popen: subprocess.Popen
    log: Path
    started_at: float
    stopped_at: float | None = None
    killed_at: float | None = None
    extra: dict = field(default_factory=dict)

    @property
    def pid(self) -> int:
        return self.popen.pid


class Fleet:
    def __init__(self, *, pg_url: str, redis_url: str, keep: bool):
        self.pg_url, self.redis_url, self.keep = pg_url, redis_url, keep
        self.root = Path(tempfile.mkdtemp(prefix="wenming-topology-"))
        self.logs = self.root / "logs"
        self.logs.mkdir()
        self.db_name = f"wenming_topology_{secrets.token_hex(4)}"
        self.db_created = False
        self.redis = None
        self.procs: dict[str, Proc] = {}
        self.env: dict[str, str] = {}

    # ---- set-up ------------------------------------------------------------------------

    def prepare(self) -> None:
        """Database, Redis db, environment; then migrate and collect static files."""
        import psycopg
        import redis

        self.redis = redis.Redis.from_url(self.redis_url)
        if self.redis.dbsize():  # someone else's keys: never flush them
            raise RuntimeError(f"Redis {self.redis_url} is not empty; choose a free db with --redis-url")
        with psycopg.connect(self.pg_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.db_name}"')
        self.db_created = True
        admin = urlparse(self.pg_url)
        self.database_url = admin._replace(path=f"/{self.db_name}").geturl()
        self.env = self._fleet_env()
        self.run_step("migrate", [str(BIN / "wenming"), "manage", "migrate", "-v", "0"])
        # `wenming web` collects static files too; done once here, its own run finds nothing to do
        self.run_step("collectstatic", [str(BIN / "wenming"), "manage", "collectstatic", "--noinput",
                                        "-v", "0"])

    def _fleet_env(self) -> dict[str, str]:
        # The operator's own WENMING_* settings stay out: every fleet process gets the same
        # configuration, written here, and the same keys, generated once for this run.
        env = {k: v for k, v in os.environ.items() if not k.startswith("WENMING_") and k != "DATABASE_URL"}
        env.update({
            "DJANGO_SETTINGS_MODULE": "wenming.settings",
            "PYTHONPATH": str(REPO_ROOT),  # the SMS stand-in lives in bench/, beside the wenming package
            "DATABASE_URL": self.database_url,
            "WENMING_VAR_DIR": str(self.root / "var"),  # one directory for all: uploads are shared
            "WENMING_SECRET_KEY": secrets.token_urlsafe(50),
            "WENMING_FIELD_KEYS": Fernet.generate_key().decode(),
            "WENMING_BLIND_INDEX_KEY": secrets.token_hex(32),
            "WENMING_CACHE_URL": self.redis_url,
            "WENMING_BROKER_URL": self.redis_url,
            "WENMING_BROKER_VISIBILITY_TIMEOUT": "20",  # a killed worker's message comes back within the run
            "WENMING_PERIODIC_SECONDS": "10",
            "WENMING_WEB_WORKERS": "2",
            "WENMING_WEB_THREADS": "4",
            "WENMING_WEB_GRACEFUL_TIMEOUT": "5",
            "WENMING_NOTIFY_BACKEND": "bench.topology.sms.RecordingSms",
            "WENMING_BENCH_SMS_LOG": str(self.sms_log),
            "WENMING_CLIENT_IP_HEADER": "X-Real-IP",
            "WENMING_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "WENMING_LOG_FORMAT": "text",
        })
        return env

    @property
    def sms_log(self) -> Path:
        return self.root / "sms.log"

    def run_step(self, name: str, argv: list[str]) -> None:
        log = self.logs / f"{name}.log"
        with open(log, "wb") as out:
            done = subprocess.run(argv, cwd=REPO_ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT)
        if done.returncode:
            raise RuntimeError(f"{name} failed ({done.returncode}):\n{tail(log)}")

    def django(self, *args: str) -> None:
        """python -m bench.topology.dbside ARGS in the fleet's environment."""
        self.run_step(f"dbside-{args[0]}", [sys.executable, "-m", "bench.topology.dbside", *args])

    # ---- processes -----------------------------------------------------------------------

    def start(self, name: str, argv: list[str], env: dict | None = None) -> Proc:
        log = self.logs / f"{name}.log"
        out = open(log, "ab")  # the child gets its own copy of the descriptor
        popen = subprocess.Popen(argv, cwd=REPO_ROOT, env=env or self.env, stdout=out,
                                 stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        out.close()
        proc = self.procs[name] = Proc(name, popen, log, time.time())
        return proc

    def web(self, name: str, port: int) -> Proc:
        return self.start(name, [str(BIN / "wenming"), "web", f"127.0.0.1:{port}"])

    def worker(self, name: str) -> Proc:
        return self.start(name, [str(BIN / "wenming"), "worker", "--hostname", f"{name}@%h"])

    def beat(self, name: str, own_var_dir: bool = False) -> Proc:
        env = self.env
        if own_var_dir:
            # beat keeps its schedule in VAR_DIR/celerybeat-schedule (a dbm file); a second beat
            # stands for a second machine and must not open the first one's file.
            env = dict(self.env, WENMING_VAR_DIR=str(self.root / f"var-{name}"))
            Path(env["WENMING_VAR_DIR"]).mkdir(exist_ok=True)
        proc = self.start(name, [str(BIN / "wenming"), "beat"], env)
        proc.extra["schedule"] = Path(env["WENMING_VAR_DIR"]) / "celerybeat-schedule"
        return proc

    def wait_beat(self, name: str, timeout: float = 60) -> float:
        """The time beat opened its schedule file, i.e. started its scheduler (beat's own
        "Starting" line is not logged: settings keep celery.beat at WARNING)."""
        proc = self.procs[name]
        deadline = time.time() + timeout
        while time.time() < deadline and proc.popen.poll() is None:
            if list(proc.extra["schedule"].parent.glob(proc.extra["schedule"].name + "*")):
                return time.time()
            time.sleep(0.1)
        raise RuntimeError(f"{name} did not start its scheduler:\n{tail(proc.log)}")

    def beat_sends(self, name: str) -> int:
        """How many due tasks a stopped beat sent, from its schedule file (each entry counts
        its own runs and beat writes the file when it stops)."""
        import shelve

        with shelve.open(str(self.procs[name].extra["schedule"]), flag="r") as store:
            return sum(entry.total_run_count for entry in store.get("entries", {}).values())

    def nginx(self, name: str, port: int, upstreams: list[int]) -> Proc:
        prefix = self.root / "nginx"
        prefix.mkdir(exist_ok=True)
        (prefix / "nginx.conf").write_text(nginx_conf(prefix, port, upstreams))
        return self.start(name, ["nginx", "-p", str(prefix), "-c", str(prefix / "nginx.conf"),
                                 "-e", str(prefix / "error.log")])

    def wait_log(self, name: str, text: str, timeout: float = 60) -> float:
        proc = self.procs[name]
        deadline = time.time() + timeout
        while time.time() < deadline:
            if text in proc.log.read_text(errors="replace"):
                return time.time()
            if proc.popen.poll() is not None:
                break
            time.sleep(0.2)
        raise RuntimeError(f"{name} did not log {text!r}:\n{tail(proc.log)}")

    def wait_http(self, name: str, port: int, path: str, timeout: float = 60) -> None:
        import http.client

        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", path)
                if conn.getresponse().status == 200:
                    return
            except OSError:
                pass
            if self.procs[name].popen.poll() is not None:
                break
            time.sleep(0.3)
        raise RuntimeError(f"{name} did not answer 200 on {path}:\n{tail(self.procs[name].log)}")

    def kill9(self, name: str, *, group: bool) -> float:
        """SIGKILL the process (group=False: the master alone, its children must notice) or
        its whole process group (a machine or container that dies); returns the time."""
        proc = self.procs[name]
        if group:
            os.killpg(proc.pid, signal.SIGKILL)
        else:
            os.kill(proc.pid, signal.SIGKILL)
        proc.killed_at = time.time()
        return proc.killed_at

    def group_gone_after(self, name: str, timeout: float = 15) -> float | None:
        """Seconds until no process of `name`'s group is left (None: still there after timeout)."""
        proc = self.procs[name]
        started = time.time()
        while time.time() - started < timeout:
            proc.popen.poll()  # reap the leader, or it lingers as a zombie of ours
            if not group_alive(proc.pid):
                return time.time() - (proc.killed_at or started)
            time.sleep(0.05)
        return None

    def stop(self, name: str, timeout: float = 15) -> None:
        """SIGTERM the group (each program's own graceful stop), SIGKILL what is left."""
        proc = self.procs[name]
        if proc.stopped_at is None:
            proc.stopped_at = time.time()
        _signal_group(proc.pid, signal.SIGTERM)
        deadline = time.time() + timeout
        while time.time() < deadline and (proc.popen.poll() is None or group_alive(proc.pid)):
            time.sleep(0.1)
        _signal_group(proc.pid, signal.SIGKILL)
        try:
            proc.popen.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass

    # ---- tear-down -----------------------------------------------------------------------

    def close(self) -> str:
        """Stop every process, drop the database, flush the Redis db, remove the directory."""
        for name in reversed(list(self.procs)):
            self.stop(name, timeout=10)
        survivors = [n for n, p in self.procs.items() if group_alive(p.pid)]
        notes = [f"{len(self.procs)} processes stopped" + (f", SURVIVORS {survivors}" if survivors else "")]
        if self.db_created:
            import psycopg

            with psycopg.connect(self.pg_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
            notes.append(f"database {self.db_name} dropped")
        if self.redis is not None and self.env:
            self.redis.flushdb()
            notes.append(f"Redis {self.redis_url} flushed")
        if self.keep:
            notes.append(f"kept {self.root}")
        else:
            shutil.rmtree(self.root, ignore_errors=True)
            notes.append("temporary directory removed")
        return "; ".join(notes)


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # Zombies of our own children count as gone: they hold no port and run nothing.
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid and fields[0] != "Z":
                return True
    return False


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        pass


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def nginx_conf(prefix: Path, port: int, upstreams: list[int]) -> str:
    servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=10s;" for p in upstreams)
    # Started as root, nginx would run its workers as `nobody`, who cannot enter our private
    # temporary directory; they run as whoever runs the benchmark instead.
    user = f"user {pwd.getpwuid(os.geteuid()).pw_name};\n" if os.geteuid() == 0 else ""
    return f"""# written by bench/topology (wenming bench topology); deploy/nginx/ has the production file
{user}daemon off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    # which server answered each request, and whether nginx had to try the next one
    log_format topology '$msec $request_time $status "$upstream_addr" "$upstream_status"';
    access_log {prefix}/access.log topology;
    client_max_body_size 20m;

    upstream wenming {{
        # a server that refuses one connection is left out for 10 s, then tried again
{servers}
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://wenming;
            # No keep-alive to the app servers: a request on a reused connection to a server
            # that has just died may already count as sent, and nginx (rightly) does not resend
            # a POST; a fresh connection fails at connect() and goes to the next server.
            proxy_next_upstream error timeout;
            proxy_next_upstream_tries 2;
            proxy_connect_timeout 2s;
            proxy_read_timeout 60s;
            proxy_set_header Host $host;
            proxy_set_header X-Real-IP $remote_addr;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        }}
    }}
}}
"""
