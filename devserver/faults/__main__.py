"""`python -m devserver.faults [--aanvragen 1000] [--outage 180] [--rate 0.1] [--kills 12]` (`make faults`).

Starts its own PostgreSQL, Redis, ZGW sandbox, gunicorn (2 web processes), 3 Celery workers and beat
in a temporary directory; subscribes a webhook receiver for both parties; sends the aanvragen while the
fault plan runs (`chaos.py`); stops the faults; waits, re-queuing nothing, until the outbox is drained
and every voorziening is registered (the time to converge); then prints the checks (`checks.py`).
Exits 0 when every check holds, 1 when one fails, 2 when the run itself broke. Every process it
started is stopped at the end, also on Ctrl-C or SIGTERM, and dies with it on SIGKILL.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path
from types import FrameType

from acceptance import zaakhistorie
from acceptance.scenarios import Party

from . import checks
from .chaos import Chaos, Plan
from .cluster import ZGW_CLIENT_ID, Cluster
from .load import Client, Flow, Load, Stats
from .receiver import Receiver


class Stopped(Exception):
    pass


def _raise(signum: int, frame: FrameType | None) -> None:
    raise Stopped(signal.Signals(signum).name)


def say(text: str) -> None:
    print(text, flush=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m devserver.faults", description=__doc__.split("\n")[0])
    parser.add_argument("--aanvragen", type=int, default=1000)
    parser.add_argument("--outage", type=float, default=180.0, help="seconds the ZGW APIs answer only 503")
    parser.add_argument("--rate", type=float, default=0.1, help="share of ZGW calls that fail during the run")
    parser.add_argument("--kills", type=int, default=12, help="worker processes killed with SIGKILL mid-task")
    parser.add_argument("--webhook-fail-rate", type=float, default=0.2)
    parser.add_argument("--clients", type=int, default=4, help="parallel API clients")
    parser.add_argument("--converge-timeout", type=float, default=900.0)
    parser.add_argument(
        "--tail-share",
        type=float,
        default=0.1,
        help="after the load and the outage, the ZGW faults stay until this share of the outbox is left ...",
    )
    parser.add_argument("--fault-tail", type=float, default=120.0, help="... or at most this many seconds")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="also write the checks and figures to this file")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (logs)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _raise)
    workdir = Path(tempfile.mkdtemp(prefix="rk-faults-"))
    cluster = Cluster(workdir, log=workdir / "processes.log")
    receiver = Receiver(fail_rate=args.webhook_fail_rate, seed=args.seed)
    status = 2
    try:
        started = time.monotonic()
        cluster.start()
        say(f"faults: up in {time.monotonic() - started:.0f} s; API {cluster.api_url}, work dir {workdir}")
        status = run(args, cluster, receiver)
    except Stopped as stop:
        say(f"faults: {stop}, stopping")
    except Exception as exc:  # noqa: BLE001 - reported, then everything is stopped
        say(f"faults: the run broke: {type(exc).__name__}: {exc}")
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)
        receiver.stop()
        cluster.stop()
        if status == 0 and not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            say(f"faults: logs kept in {workdir}")
    return status


def subscribe(cluster: Cluster, receiver: Receiver, parties: list[Party]) -> None:
    """An abonnement per party, delivering to its own path of the receiver."""
    for party in parties:
        client = Client(cluster.api_url, party, Stats(), patience=60)
        made = client.post("/abonnementen", Flow(0, "", ""), json={"callbackUrl": receiver.url(f"/{party.client_id}")})
        receiver.secrets[f"/{party.client_id}"] = made["secret"]


def run(args: argparse.Namespace, cluster: Cluster, receiver: Receiver) -> int:
    regie, backoffice = (Party(*cluster.party(rol)) for rol in ("regie", "backoffice"))
    receiver.start()
    subscribe(cluster, receiver, [regie, backoffice])
    load = Load(cluster.api_url, regie, backoffice, cluster.demo["gemeente"]["code"], patience=args.outage + 300)
    sent = [0]
    chaos = Chaos(
        cluster, Plan(args.aanvragen, args.rate, args.outage, args.kills, seed=args.seed), say, lambda: sent[0]
    )

    chaos.start()
    try:
        return play(args, cluster, receiver, load, chaos, sent)
    finally:
        cluster.stop()  # before the chaos thread ends: the servers it restarted die with it
        chaos.close()


def play(
    args: argparse.Namespace, cluster: Cluster, receiver: Receiver, load: Load, chaos: Chaos, sent: list[int]
) -> int:
    regie, backoffice = load.regie, load.backoffice

    def progress(done: int) -> None:
        sent[0] = done
        if done % max(1, args.aanvragen // 10) == 0:
            say(f"faults: {done}/{args.aanvragen} aanvragen done ({load.stats.retries} requests sent again)")

    os.environ.update(cluster.env())
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    import django

    django.setup()
    load_started = time.monotonic()
    flows = load.run(args.aanvragen, args.clients, progress, chaos.gate)
    load_seconds = time.monotonic() - load_started
    chaos.finished.wait()
    chaos.outage_over.wait()
    # The workers lag behind the API: most ZGW calls come after the last aanvraag. The flaky ZGW APIs
    # stay until the bulk of that work went through them.
    chaos.log(
        f"load done; ZGW faults stay until {args.tail_share:.0%} or less of the outbox is left, "
        f"at most {args.fault_tail:.0f} s"
    )
    wait_backlog(args.tail_share, args.fault_tail)
    chaos.stop_faults()
    fired = ", ".join(f"{kind} {n}" for kind, n in sorted(chaos.counts.items()))
    chaos.log(f"all faults stopped (ZGW calls failed: {fired}); waiting for the service to converge")
    faults_stopped = time.monotonic()
    converge_seconds = wait_converged(flows, faults_stopped, args.converge_timeout, cluster)
    zgw = zaakhistorie.Zgw(ZGW_CLIENT_ID, cluster.zgw_secret)
    found = checks.run_checks(
        flows,
        api_url=cluster.api_url,
        regie=regie,
        backoffice=backoffice,
        zgw=zgw,
        sandbox_url=cluster.sandbox_url,
        receiver=receiver,
    )
    refused = [f for f in flows if f.error]
    found.insert(
        0,
        checks.Check(
            "load: every flow answered",
            len(flows),
            len(flows) - len(refused),
            wrong=len(refused),
            examples=[f"{f.kind} #{f.index}: {f.error}" for f in refused[:3]],
        ),
    )
    if chaos.error or cluster.failure:
        found.append(checks.Check("fault plan and processes", 1, 0, wrong=1, examples=[chaos.error or cluster.failure]))
    say("")
    say("Events:")
    for event in chaos.events:
        say(f"  {event}")
    say("")
    say(checks.format_table(found))
    say("")
    kinds = {k: sum(f.kind == k for f in flows) for k in dict.fromkeys(f.kind for f in flows)}
    say(
        f"aanvragen {len(flows)} ({', '.join(f'{k} {n}' for k, n in kinds.items())}); "
        f"API requests {load.stats.requests}, sent again {load.stats.retries}; load {load_seconds:.0f} s"
    )
    converge = (
        f"{converge_seconds:.0f} s" if converge_seconds is not None else f"not within {args.converge_timeout:.0f} s"
    )
    say(f"time to converge after the faults stopped: {converge}")
    ok = all(c.ok for c in found) and converge_seconds is not None
    say("RESULT: " + ("every check holds" if ok else "FAILED"))
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "ok": ok,
                    "convergeSeconds": converge_seconds,
                    "loadSeconds": load_seconds,
                    "requests": load.stats.requests,
                    "retries": load.stats.retries,
                    "events": chaos.events,
                    "zgwFaults": chaos.counts,
                    "checks": [c.__dict__ | {"ok": c.ok} for c in found],
                },
                indent=2,
            )
        )
    return 0 if ok else 1


def wait_backlog(share: float, timeout: float) -> None:
    """Until at most `share` of all outbox items is still to do (or `timeout` seconds)."""
    from django.db import DatabaseError, close_old_connections

    from regiekoppeling.models import OutboxItem

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        close_old_connections()
        try:
            total = OutboxItem.objects.count()
            left = OutboxItem.objects.filter(state__in=["pending", "processing"]).count()
        except DatabaseError:
            left, total = 1, 0
        if total and left <= share * total:
            return
        time.sleep(2)


def wait_converged(flows: list[Flow], since: float, timeout: float, cluster: Cluster) -> float | None:
    from django.db import close_old_connections

    last_report = 0.0
    while time.monotonic() - since < timeout:
        close_old_connections()
        if checks.converged(flows):
            return time.monotonic() - since
        if time.monotonic() - last_report > 30:
            last_report = time.monotonic()
            say(f"faults: converging ... outbox not done: {checks.outbox_left()}")
        if cluster.failure:
            say(f"faults: {cluster.failure}")
            return None
        threading.Event().wait(2)
    return None


if __name__ == "__main__":
    sys.exit(main())
