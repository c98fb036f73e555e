"""The processes of the fault suite: its own PostgreSQL and Redis, the ZGW sandbox (as slow as Open
Zaak), gunicorn with two web processes, three Celery worker processes and beat, under the launcher's
`Supervisor`, which restarts a worker or beat that dies. Everything runs in a temporary directory and
dies with the suite (process groups, PR_SET_PDEATHSIG)."""

from __future__ import annotations

import json
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from devserver.launcher import HOST, Supervisor, wait_for_http

from .servers import Postgres, Redis

WORKERS = 3
WEB_PROCESSES = 2
ZGW_CLIENT_ID = "regiekoppeling"
# The environment of the outer process that must not leak into the suite's processes.
FOREIGN_ENV = ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "SECRET_KEY", "DJANGO_SETTINGS_MODULE", "DEBUG")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


class Cluster:
    def __init__(self, workdir: Path, *, log: Path) -> None:
        self.workdir = workdir
        self.log = log
        self.postgres: Postgres | None = None
        self.redis: Redis | None = None
        self.supervisor: Supervisor | None = None
        self.failure: str = ""
        self._stop = threading.Event()
        self._monitor = threading.Thread(target=self._watch, name="supervisor", daemon=True)
        self.port = free_port()
        self.sandbox_url = ""
        self.zgw_secret = secrets.token_urlsafe(32)
        self.demo: dict[str, Any] = {}
        self.killed: set[int] = set()  # worker pids this run has SIGKILLed

    @property
    def api_url(self) -> str:
        return f"http://{HOST}:{self.port}/api/v1"

    def env(self) -> dict[str, str]:
        assert self.postgres is not None and self.redis is not None
        env = {k: v for k, v in os.environ.items() if k not in FOREIGN_ENV}
        env.update(
            {
                "DATABASE_URL": self.postgres.url,
                "REDIS_URL": self.redis.url,
                "CELERY_BROKER_URL": self.redis.broker_url,
                "REGIEKOPPELING_DATA_DIR": str(self.workdir),
                "PRIVATE_MEDIA_ROOT": str(self.workdir / "private-media"),
                "ALLOW_DEV_SECRET": "1",
                "DEBUG": "0",
                "LOG_LEVEL": "WARNING",
                "PYTHONUNBUFFERED": "1",
                "API_PUBLIC_URL": self.api_url,
                "WEBHOOK_ALLOWED_HOSTS": HOST,
                "ZGW_SANDBOX_LATENCY": "open-zaak",
                "ZGW_SANDBOX_SECRET": self.zgw_secret,
                "ZGW_CLIENT_SECRET": self.zgw_secret,
                # Retries come round in seconds rather than minutes, so that the suite converges in
                # minutes; the mechanism (backoff in the row, sweeper, pause per server) is the product's.
                "OUTBOX_BACKOFF_BASE_SECONDS": "2",
                "OUTBOX_BACKOFF_CAP_SECONDS": "20",
                "OUTBOX_SWEEP_INTERVAL_SECONDS": "5",
                "ZGW_PAUSE_MAX_SECONDS": "20",
            }
        )
        return env

    def start(self) -> None:
        self.workdir.chmod(0o755)  # the postgres OS user (when we run as root) must reach its pgdata
        self.postgres = Postgres(self.workdir)
        self.postgres.start()
        self.redis = Redis(self.workdir)
        # Enough restarts for every kill of the run; a process that keeps dying on its own still shows.
        self.supervisor = Supervisor(self.env(), restart_limit=1000)
        python = sys.executable
        run = self.supervisor.run
        run("migrate", [python, "manage.py", "migrate", "--no-input", "-v", "0"], log=self.log)
        self.demo = json.loads(run("demo_setup", [python, "manage.py", "demo_setup", "--json"], stdout=subprocess.PIPE))
        self._start_sandbox()
        gunicorn = [python, "-m", "gunicorn", "config.wsgi:application", "-c", "python:config.gunicorn"]
        self.supervisor.spawn(
            "gunicorn", [*gunicorn, "--bind", f"{HOST}:{self.port}", "--workers", str(WEB_PROCESSES)], log=self.log
        )
        for n in range(1, WORKERS + 1):
            # --pool=solo: the worker process is the one that runs the task, so a SIGKILL of it is a
            # kill mid-task, and the supervisor starts it again.
            self.supervisor.spawn(
                f"worker-{n}",
                [
                    python,
                    "-m",
                    "celery",
                    "-A",
                    "config",
                    "worker",
                    "--pool=solo",
                    "-n",
                    f"worker{n}@%h",
                    "-l",
                    "WARNING",
                ],
                log=self.log,
                restart=True,
            )
        beat = [python, "-m", "celery", "-A", "config", "beat", "-l", "WARNING"]
        self.supervisor.spawn(
            "beat", [*beat, "-s", str(self.workdir / "celerybeat-schedule")], log=self.log, restart=True
        )
        wait_for_http(f"{self.api_url}/aanvragen", self.supervisor)
        self._monitor.start()

    def _start_sandbox(self) -> None:
        assert self.supervisor is not None
        python, port = sys.executable, free_port()
        self.supervisor.spawn(
            "zgw sandbox",
            [python, "-m", "zgw_sandbox", "--port", str(port), "--client-id", ZGW_CLIENT_ID, "--quiet"],
            stdout=subprocess.DEVNULL,
        )
        self.sandbox_url = f"http://{HOST}:{port}"
        wait_for_http(f"{self.sandbox_url}/catalogi/api/v1/catalogussen", self.supervisor)
        from zgw_sandbox import seed_urls

        seed = seed_urls(self.sandbox_url)
        gemeente = self.demo["gemeente"]["code"]
        manage = [python, "manage.py"]
        self.supervisor.run(
            "zgw_configure",
            [
                *manage,
                "zgw_configure",
                "--gemeente",
                gemeente,
                "--base-url",
                self.sandbox_url,
                "--client-id",
                ZGW_CLIENT_ID,
                "--catalogus",
                seed["catalogus"],
                "--rsin",
                seed["rsin"],
            ],
            stdout=subprocess.DEVNULL,
        )
        self.supervisor.run(
            "zgw_notificaties",
            [
                *manage,
                "zgw_notificaties",
                "--gemeente",
                gemeente,
                "--client-id",
                ZGW_CLIENT_ID,
                "--notificaties-url",
                f"{self.sandbox_url}/notificaties/api/v1/",
                "--callback-url",
                f"{self.api_url}/zgw-notificaties",
            ],
            stdout=subprocess.DEVNULL,
        )

    def _watch(self) -> None:
        assert self.supervisor is not None
        while not self._stop.wait(0.5):
            try:
                self.supervisor.check_alive()
            except RuntimeError as exc:
                self.failure = str(exc)
                # Stay: the processes this thread restarted die with it (PR_SET_PDEATHSIG is per thread).
                self._stop.wait()

    def party(self, rol: str) -> tuple[str, str]:
        """(client id, secret) of the demo application with this role."""
        app = next(a for a in self.demo["applicaties"] if a["rol"] == rol)
        return str(app["clientId"]), str(app["secret"])

    # --- faults --------------------------------------------------------------------------------

    def kill_worker_mid_task(self, rng: random.Random, timeout: float = 60.0) -> str:
        """SIGKILL a worker process that holds a claimed outbox item right now (so mid-task); after
        `timeout` seconds without one, any worker."""
        assert self.supervisor is not None and self.postgres is not None
        import psycopg

        supervisor = self.supervisor

        def alive() -> dict[int, str]:
            # Read again on every round: a worker killed a moment ago comes back under a new pid. One
            # killed but not yet reaped still polls as running (and its claim still names it): skipped.
            return {
                p.pid: n
                for n, p in supervisor.children
                if n.startswith("worker-") and p.poll() is None and p.pid not in self.killed
            }

        deadline = time.monotonic() + timeout
        busy: list[int] = []
        workers = alive()
        while not busy and time.monotonic() < deadline:
            workers = alive()
            try:
                with psycopg.connect(self.postgres.url, connect_timeout=2) as conn:
                    claimed = conn.execute(
                        "SELECT claimed_by FROM regiekoppeling_outboxitem WHERE state = 'processing'"
                    ).fetchall()
            except psycopg.Error:
                claimed = []
            busy = [int(c.rpartition(":")[2]) for (c,) in claimed if c.rpartition(":")[2].isdigit()]
            busy = [pid for pid in busy if pid in workers]
            if not busy:
                time.sleep(0.05)
        while not workers and time.monotonic() < deadline + timeout / 2:  # all were just killed: their restart
            time.sleep(0.05)
            workers = alive()
        if not workers:
            raise RuntimeError(f"no worker process alive to kill for {timeout * 1.5:.0f} s")
        pid = rng.choice(busy) if busy else rng.choice(sorted(workers))
        os.kill(pid, signal.SIGKILL)
        self.killed.add(pid)
        return f"SIGKILL {workers[pid]} (pid {pid}){' mid-task' if busy else ' (idle)'}"

    def stop(self) -> None:
        self._stop.set()
        try:
            if self.supervisor is not None:
                self.supervisor.stop()
        finally:
            if self.redis is not None:
                self.redis.stop()
            if self.postgres is not None:
                self.postgres.stop()
