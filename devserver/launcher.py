"""Run regiekoppeling locally, with embedded PostgreSQL/Redis unless DATABASE_URL/REDIS_URL are set.

    python -m devserver.launcher run             # make run: migrate, demo data, gunicorn, worker, beat
    python -m devserver.launcher exec -- CMD...  # make test: CMD with the services in its environment

`run` stops everything it started on Ctrl-C (SIGINT), SIGTERM or SIGHUP, and also when one of its
processes dies. `exec` returns the exit status of CMD and then stops the services it started.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import FrameType
from typing import Any

from devserver import services as devservices

BASE_DIR = devservices.BASE_DIR
HOST = "127.0.0.1"
START_TIMEOUT = 60.0
RESTART_LIMIT = 10  # a worker or beat that keeps dying is a problem to show, not to hide
STOP_TIMEOUT = 20.0


class Stop(Exception):
    """Raised by the signal handler in the main thread: unwinds whatever runs into the shutdown path."""


def _raise_stop(signum: int, frame: FrameType | None) -> None:
    raise Stop(signal.Signals(signum).name)


def _say(text: str = "") -> None:
    print(text, flush=True)


def child_env(services: devservices.Services) -> dict[str, str]:
    env = dict(os.environ)
    env.update(services.env)
    if not env.get("SECRET_KEY"):
        # Local use only: settings refuse the built-in dev secret unless told so. DEBUG stays off,
        # so that errors look as in production (problem+json, no debug pages).
        env["ALLOW_DEV_SECRET"] = "1"  # noqa: S105 (a flag, not a secret)
        env["DEBUG"] = "0"
    env.setdefault("PYTHONUNBUFFERED", "1")  # keep the children's lines in order in one terminal
    return env


class Supervisor:
    """The child processes of `run` (and of the benchmarks in bench/), each in its own session, so that
    a Ctrl-C in the terminal reaches only the launcher, which then stops them in order (web first,
    servers last)."""

    def __init__(self, env: dict[str, str], *, restart_limit: int = RESTART_LIMIT) -> None:
        self.env = env
        self.restart_limit = restart_limit  # the fault suite kills workers on purpose, many times
        self.children: list[tuple[str, subprocess.Popen[str]]] = []
        # name -> (args, kwargs, restarts so far, when the next start is due or None)
        self._restartable: dict[str, tuple[list[str], dict[str, Any], int, float | None]] = {}

    def spawn(
        self, name: str, args: list[str], *, log: Path | None = None, restart: bool = False, **kwargs: Any
    ) -> subprocess.Popen[str]:
        """Start a child; with `log`, its stdout and stderr are appended to that file. With `restart`,
        a child that dies is started again (with a back-off) instead of stopping everything."""
        if restart:
            self._restartable[name] = (args, {"log": log, **kwargs}, 0, None)
        return self._start(name, args, log=log, **kwargs)

    def _start(self, name: str, args: list[str], *, log: Path | None = None, **kwargs: Any) -> subprocess.Popen[str]:
        env = kwargs.pop("env", self.env)
        cwd = kwargs.pop("cwd", BASE_DIR)
        with contextlib.ExitStack() as stack:
            if log is not None:
                kwargs.update(stdout=stack.enter_context(log.open("ab")), stderr=subprocess.STDOUT)
            proc = subprocess.Popen(  # noqa: S603
                args,
                cwd=cwd,
                env=env,
                text=True,
                start_new_session=True,
                preexec_fn=devservices.die_with_parent,
                **kwargs,
            )
        self.children = [(n, p) for n, p in self.children if n != name or p.poll() is None] + [(name, proc)]
        return proc

    def run(self, name: str, args: list[str], **kwargs: Any) -> str:
        """A one-off step; returns its stdout when captured."""
        proc = self.spawn(name, args, **kwargs)
        out, _ = proc.communicate()
        if proc.returncode != 0:
            raise RuntimeError(f"{name} failed with exit status {proc.returncode}")
        return out or ""

    def check_alive(self) -> None:
        """Raise when a child exited; a restartable one is started again after a back-off (1, 2, 4 ...
        30 s), and only gives up after `restart_limit` restarts."""
        now = time.monotonic()
        for name, proc in list(self.children):
            if name in self._restartable and proc.poll() is not None:
                args, kwargs, restarts, due = self._restartable[name]
                if due is None:
                    if restarts >= self.restart_limit:
                        raise RuntimeError(f"{name} exited {restarts + 1} times (last status {proc.returncode})")
                    delay = min(30.0, 2.0**restarts)
                    _say(f"launcher: {name} (pid {proc.pid}) exited with status {proc.returncode}; "
                         f"restarting in {delay:.0f} s")  # fmt: skip
                    self._restartable[name] = (args, kwargs, restarts, now + delay)
                elif now >= due:
                    new = self._start(name, args, **kwargs)
                    self._restartable[name] = (args, kwargs, restarts + 1, None)
                    _say(f"launcher: {name} restarted (pid {new.pid})")
                continue
            if proc.returncode is None and proc.poll() is not None:
                raise RuntimeError(f"{name} (pid {proc.pid}) exited unexpectedly with status {proc.returncode}")

    def stop(self) -> None:
        running = [(name, proc) for name, proc in self.children if proc.poll() is None]
        for _, proc in running:
            # To the main process only, which stops its own workers (like systemd's KillMode=mixed):
            # gunicorn stops gracefully, the celery worker does a warm shutdown (finishes running
            # tasks), beat exits.
            proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        for name, proc in running:
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _say(f"launcher: {name} (pid {proc.pid}) did not stop in time, killing it")
                _signal_group(proc, signal.SIGKILL)
                proc.wait()
            # Then the rest of its group: no pool process or gunicorn worker may outlive its parent.
            _signal_group(proc, signal.SIGKILL)


def _signal_group(proc: subprocess.Popen[str], sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)  # start_new_session: the group id is the child's pid
    except ProcessLookupError:
        pass


def _check_port_free(port: int) -> None:
    # Fail fast and clearly; otherwise gunicorn retries for a while, and whatever already listens
    # there could even answer the readiness check below.
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn: TIME_WAIT is no conflict
        try:
            sock.bind((HOST, port))
        except OSError:
            raise RuntimeError(f"port {port} on {HOST} is in use; choose another one with PORT=...") from None


def _sandbox_wanted() -> bool:
    # `make run` is a development launcher: without ZGW services of its own it brings the sandbox.
    # Production configures Service rows for Open Zaak and never runs this launcher.
    return os.environ.get("ZGW_SANDBOX", "1") != "0"


def _start_zgw_sandbox(
    supervisor: Supervisor, data: Path, port: int, demo: dict[str, Any], api_port: int
) -> tuple[str, str]:
    """Start the ZGW sandbox (data kept in the data dir), point the demo gemeente at it and subscribe
    the service to its notifications (kanaal zaken); returns its base URL and the zaak strategy."""
    from zgw_sandbox import seed_urls

    _check_port_free(port)
    secret_file = data / "zgw-sandbox-secret"
    if not secret_file.exists():
        secret_file.write_text(secrets.token_urlsafe(32))
        secret_file.chmod(0o600)
    env = {"ZGW_SANDBOX_SECRET": secret_file.read_text().strip(), "ZGW_CLIENT_SECRET": secret_file.read_text().strip()}
    python = sys.executable
    supervisor.spawn(
        "zgw sandbox",
        [
            *(python, "-m", "zgw_sandbox", "--port", str(port), "--client-id", "regiekoppeling"),
            *("--data", str(data / "zgw-sandbox.json"), "--quiet"),
        ],
        env={**supervisor.env, **env},
        stdout=subprocess.DEVNULL,
    )
    base_url = f"http://{HOST}:{port}"
    wait_for_http(f"{base_url}/catalogi/api/v1/catalogussen", supervisor)
    seed = seed_urls(base_url)
    configured = supervisor.run(
        "zgw_configure",
        [
            *(python, "manage.py", "zgw_configure", "--gemeente", demo["gemeente"]["code"], "--base-url", base_url),
            *("--client-id", "regiekoppeling", "--catalogus", seed["catalogus"], "--rsin", seed["rsin"]),
        ],
        env={**supervisor.env, **env},
        stdout=subprocess.PIPE,
    )
    # The sandbox sends a notification on every status, resultaat and zaak write to its abonnementen.
    supervisor.run(
        "zgw_notificaties",
        [
            *(python, "manage.py", "zgw_notificaties", "--gemeente", demo["gemeente"]["code"]),
            *("--notificaties-url", f"{base_url}/notificaties/api/v1/", "--client-id", "regiekoppeling"),
            *("--callback-url", f"http://{HOST}:{api_port}/api/v1/zgw-notificaties"),
        ],
        env={**supervisor.env, **env},
        stdout=subprocess.DEVNULL,
    )
    return base_url, json.loads(configured)["strategie"]


def write_demo_file(data: Path, demo: dict[str, Any], strategie: str | None) -> Path:
    """The demo credentials for the tools that talk to the API from outside (`python -m acceptance`),
    readable by this user only."""
    path = data / "demo.json"
    content = dict(demo)
    if strategie is not None:
        content["arrangementZaak"] = "separate" if strategie == "arrangement_gesplitst" else "shared"
        # The sandbox's client, for reading the zaken back (`python -m acceptance zaken`).
        secret = (data / "zgw-sandbox-secret").read_text().strip()
        content["zgw"] = {"clientId": "regiekoppeling", "secret": secret}
    path.touch(mode=0o600)
    path.chmod(0o600)
    path.write_text(json.dumps(content, indent=2))
    return path


def wait_for_http(url: str, supervisor: Supervisor) -> None:
    """Wait until `url` answers at all (an error status counts); RuntimeError when one of the
    supervisor's children dies first or after START_TIMEOUT."""
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        supervisor.check_alive()
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 (our own http://127.0.0.1 URL)
                return
        except urllib.error.HTTPError:
            return  # 401/403 without a token: the app answers
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not answer within {START_TIMEOUT:.0f} s") from None
            time.sleep(0.2)


def _banner(port: int, demo: dict[str, Any], services: devservices.Services, supervisor: Supervisor) -> str:
    base = f"http://{HOST}:{port}"
    python = shlex.quote(os.path.relpath(sys.executable)) if Path.cwd() == BASE_DIR else shlex.quote(sys.executable)
    # The token command reads the demo file this launcher wrote (`python -m acceptance`, run from the
    # repository); a data directory other than the default is named.
    data = Path(services.env["REGIEKOPPELING_DATA_DIR"]).resolve()
    demo_option = "" if data == (BASE_DIR / ".data").resolve() else f" --demo {shlex.quote(str(data / 'demo.json'))}"
    in_repo = "" if Path.cwd() == BASE_DIR else f"cd {shlex.quote(str(BASE_DIR))} && "
    manage = "manage.py" if Path.cwd() == BASE_DIR else shlex.quote(str(BASE_DIR / "manage.py"))
    manage_env = "ALLOW_DEV_SECRET=1 " if not os.environ.get("SECRET_KEY") else ""
    manage_env += f"DATABASE_URL={shlex.quote(services.env['DATABASE_URL'])}"
    body = json.dumps(
        {
            "gemeente": demo["gemeente"]["code"],
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
    )
    lines = [
        "=" * 100,
        "regiekoppeling is running. Ctrl-C stops everything.",
        "",
        f"  API root    {base}/api/v1/aanvragen",
        f"  OpenAPI     {base}/api/v1/openapi.json",
        f"  Admin       {base}/admin/   username={demo['admin']['username']} password={demo['admin']['password']}",
        "",
        f"  Gemeente    {demo['gemeente']['code']} {demo['gemeente']['naam']}",
        *(f"  {a['rol']:<11} client_id={a['clientId']} secret={a['secret']}" for a in demo["applicaties"]),
        "",
        *(f"  {line}" for line in services.describe()),
        "  Processes   " + ", ".join(f"{name} pid {p.pid}" for name, p in supervisor.children if p.poll() is None),
        f"  Data dir    {services.env['REGIEKOPPELING_DATA_DIR']}",
        f"  manage.py   {manage_env} {python} {manage} <command>",
        "",
        "Try it (a token is valid for an hour):",
        f"  TOKEN=$({in_repo}{python} -m acceptance{demo_option} token demo-regie)",
        f'  curl -s -H "Authorization: Bearer $TOKEN" {base}/api/v1/aanvragen',
        f'  curl -s -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" \\\n'
        f'       -H "Idempotency-Key: $(cat /proc/sys/kernel/random/uuid)" -d {shlex.quote(body)} {base}/api/v1/aanvragen',
        "",
        "The privacy officer (demo-privacy) looks up every processing of one citizen's data (BSN in the body):",
        f"  TOKEN=$({in_repo}{python} -m acceptance{demo_option} token demo-privacy)",
        f'  curl -s -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" \\\n'
        f"""       -d '{{"bsn": "999993653"}}' {base}/api/v1/verwerkingen/_zoek""",
        "=" * 100,
    ]
    return "\n".join(lines)


def run(port: int) -> int:
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _raise_stop)
    services: devservices.Services | None = None
    supervisor: Supervisor | None = None
    status = 0
    try:
        started = time.monotonic()
        _check_port_free(port)
        services = devservices.start()
        env = child_env(services)
        # Berichten link to resources by absolute URL: point them at this local server.
        env.setdefault("API_PUBLIC_URL", f"http://{HOST}:{port}/api/v1")
        supervisor = Supervisor(env)
        python = sys.executable
        supervisor.run("migrate", [python, "manage.py", "migrate", "--no-input", "-v", "1"])
        supervisor.run("collectstatic", [python, "manage.py", "collectstatic", "--no-input", "-v", "0"])
        demo = json.loads(
            supervisor.run("demo_setup", [python, "manage.py", "demo_setup", "--json"], stdout=subprocess.PIPE)
        )
        data = Path(services.env["REGIEKOPPELING_DATA_DIR"])
        zgw, strategie = (
            _start_zgw_sandbox(supervisor, data, port + 1, demo, port) if _sandbox_wanted() else (None, None)
        )
        write_demo_file(data, demo, strategie)
        supervisor.spawn(
            "gunicorn",
            [
                *(python, "-m", "gunicorn", "config.wsgi:application"),
                *("-c", "python:config.gunicorn", "--bind", f"{HOST}:{port}", "--workers", "2"),
            ],
        )
        # The worker and beat are restarted when they die: their work is in the outbox, nothing is lost.
        supervisor.spawn(
            "celery worker",
            [python, "-m", "celery", "-A", "config", "worker", "--pool=prefork", "-c", "2", "-l", "INFO"],
            restart=True,
        )
        supervisor.spawn(
            "celery beat",
            [python, "-m", "celery", "-A", "config", "beat", "-l", "INFO", "-s", str(data / "celerybeat-schedule")],
            restart=True,
        )
        wait_for_http(f"http://{HOST}:{port}/api/v1/aanvragen", supervisor)
        _say(_banner(port, demo, services, supervisor))
        if zgw:
            _say(f"  ZGW sandbox {zgw} (development double of Open Zaak; ZGW_SANDBOX=0 to leave it off)")
        _say(f"launcher: up in {time.monotonic() - started:.1f} s")
        while True:
            supervisor.check_alive()
            time.sleep(0.5)
    except Stop as stop:
        _say(f"\nlauncher: {stop}, stopping")
    except (RuntimeError, OSError, ValueError) as exc:
        _say(f"launcher: {exc}; stopping")
        status = 1
    finally:
        # From here on a second Ctrl-C must not cut the shutdown short; every wait below is bounded.
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            # os.write: print() from a signal handler can collide with a print() in progress.
            signal.signal(sig, lambda signum, frame: os.write(sys.stdout.fileno(), b"launcher: already stopping\n"))
        if supervisor is not None:
            supervisor.stop()
        if services is not None:
            services.stop()
        _say("launcher: stopped")
    return status


def exec_(command: list[str]) -> int:
    services = devservices.start()
    try:
        for line in services.describe():
            print(f"launcher: {line}", file=sys.stderr, flush=True)
        # Same process group: a Ctrl-C reaches the command itself (pytest prints its summary), the
        # launcher only waits for it. A Python handler, not SIG_IGN: ignored signals stay ignored in
        # the exec'd child.
        signal.signal(signal.SIGINT, lambda signum, frame: None)
        proc = subprocess.Popen(command, env=child_env(services))  # noqa: S603
        signal.signal(signal.SIGTERM, lambda signum, frame: proc.send_signal(signum))
        signal.signal(signal.SIGHUP, lambda signum, frame: proc.send_signal(signum))
        status = proc.wait()
        return 128 - status if status < 0 else status  # killed by a signal: the shell's convention
    finally:
        services.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devserver.launcher", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="action", required=True)
    sub.add_parser("run", help="run the application (make run)")
    exec_parser = sub.add_parser("exec", help="run a command with the services in its environment (make test)")
    exec_parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    if args.action == "run":
        return run(int(os.environ.get("PORT") or 8000))
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("exec needs a command, e.g. exec -- pytest")
    return exec_(command)


if __name__ == "__main__":
    sys.exit(main())
