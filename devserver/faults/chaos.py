"""The fault plan of a run: what breaks, and when (as a share of the aanvragen sent so far).

- the ZGW sandbox answers a share (`rate`) of all calls with a 500, drops the connection after the
  write was stored (reset after commit), or answers only after the service's timeout (the write still
  happens), for the whole load;
- worker processes are killed with SIGKILL while they hold a claimed outbox item;
- Redis is killed and started again (what was queued since its last save is gone);
- PostgreSQL stops at once (immediate shutdown, as a crash) and starts again, with recovery;
- one outage of the ZGW APIs: every call answers 503 for `outage` seconds.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests

from .cluster import Cluster


@dataclass
class Plan:
    aanvragen: int
    rate: float
    outage: float
    kills: int
    redis_restarts: int = 1
    postgres_restarts: int = 1
    seed: int = 1

    def steps(self) -> list[tuple[float, str]]:
        """(share of the aanvragen sent, what) in order."""
        steps = [(0.1 + 0.8 * (i + 1) / (self.kills + 1), "kill") for i in range(self.kills)]
        steps += [(0.3 + 0.4 * i / max(1, self.redis_restarts), "redis") for i in range(self.redis_restarts)]
        steps += [(0.55 + 0.3 * i / max(1, self.postgres_restarts), "postgres") for i in range(self.postgres_restarts)]
        steps.append((0.6, "outage"))
        return sorted(steps)


@dataclass
class Chaos:
    cluster: Cluster
    plan: Plan
    say: Callable[[str], None]
    sent: Callable[[], int]
    events: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)  # ZGW faults fired, per kind

    def __post_init__(self) -> None:
        self.rng = random.Random(self.plan.seed)  # noqa: S311 - fault injection, not crypto
        self.outage_over = threading.Event()
        self.finished = threading.Event()
        self.release = threading.Event()
        self.error = ""
        self._thread = threading.Thread(target=self._run, name="chaos", daemon=True)
        self._started = time.monotonic()
        self._begun = threading.Condition()
        self._begun_up_to = 0.0  # aanvragen (as a count) up to which every step of the plan has begun

    def log(self, text: str) -> None:
        line = f"[{time.monotonic() - self._started:7.1f} s] {text}"
        self.events.append(line)
        self.say(line)

    def _control(self, method: str, path: str, json: Any = None) -> None:
        response = requests.request(method, f"{self.cluster.sandbox_url}/_sandbox/{path}", json=json, timeout=10)
        response.raise_for_status()

    def rate_faults(self) -> None:
        """The flaky ZGW APIs: together about `rate` of all calls fail, in three ways."""
        rate = self.plan.rate
        for kind, share, extra in (
            ("500", 0.4, {}),
            ("reset_after_commit", 0.4, {}),
            ("timeout", 0.2, {"seconds": 12}),
        ):
            rule = {"path": "/*", "kind": kind, "method": "*", "rate": rate * share, "seed": self.rng.randrange(10**6)}
            self._control("POST", "faults", {**rule, **extra})

    def stop_faults(self) -> None:
        self.fired()
        self._control("DELETE", "faults")

    def fired(self) -> None:
        """Add what the sandbox's rules did so far to the counts (the rules go when they are cleared)."""
        response = requests.get(f"{self.cluster.sandbox_url}/_sandbox/faults", timeout=10)
        response.raise_for_status()
        for rule in response.json():
            self.counts[rule["kind"]] = self.counts.get(rule["kind"], 0) + int(rule["fired"])

    def start(self) -> None:
        self.rate_faults()
        self.log(f"ZGW faults on: {self.plan.rate:.0%} of calls (500, reset after commit, timeout 12 s)")
        self._thread.start()

    def gate(self, index: int) -> None:
        """Called by the load before it starts aanvraag `index`: waits until every step planned at or
        before that point has begun. On a fast machine the load would otherwise be sent before the
        faults come (42 aanvragen took 6 s in a quiet CI run), and no request would meet a restart."""
        with self._begun:
            self._begun.wait_for(lambda: self._begun_up_to > index)

    def _open_gate(self, up_to: float) -> None:
        with self._begun:
            self._begun_up_to = up_to
            self._begun.notify_all()

    def _run(self) -> None:
        try:
            steps = self.plan.steps()
            for number, (share, what) in enumerate(steps):
                self._open_gate(share * self.plan.aanvragen)
                while self.sent() < share * self.plan.aanvragen:
                    time.sleep(0.1)
                # The load goes on while this step runs (a restart meets requests), up to the next step.
                following = steps[number + 1][0] if number + 1 < len(steps) else None
                self._open_gate(float("inf") if following is None else following * self.plan.aanvragen)
                getattr(self, f"do_{what}")()
        except Exception as exc:  # noqa: BLE001 - reported as the run's failure, with what was done
            self.error = f"{type(exc).__name__}: {exc}"
            self.log(f"fault plan failed: {self.error}")
            self.outage_over.set()
        finally:
            self._open_gate(float("inf"))
            self.finished.set()
        # PR_SET_PDEATHSIG fires when the *thread* that started a child ends: the PostgreSQL and Redis
        # this thread started again must live until the suite stops them.
        self.release.wait()

    def close(self) -> None:
        self.release.set()

    def do_kill(self) -> None:
        self.log(self.cluster.kill_worker_mid_task(self.rng))

    def do_redis(self) -> None:
        assert self.cluster.redis is not None
        self.log("Redis: SIGKILL")
        self.cluster.redis.restart(down_seconds=2)
        self.log("Redis: started again")

    def do_postgres(self) -> None:
        assert self.cluster.postgres is not None
        self.log("PostgreSQL: immediate shutdown")
        self.cluster.postgres.restart(down_seconds=3)
        self.log("PostgreSQL: started again (after recovery)")

    def do_outage(self) -> None:
        self._control("POST", "faults", {"path": "/*", "kind": "503", "method": "*", "rate": 1.0})
        self.log(f"ZGW outage: every call 503 for {self.plan.outage:.0f} s")
        threading.Thread(target=self._end_outage, name="outage", daemon=True).start()

    def _end_outage(self) -> None:
        time.sleep(self.plan.outage)
        try:
            self.stop_faults()
            self.rate_faults()
            self.log("ZGW outage over (the rate faults stay)")
        except requests.RequestException as exc:
            self.error = f"ending the outage: {exc}"
        self.outage_over.set()
