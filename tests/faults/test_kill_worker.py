"""The fault plan's SIGKILL of a worker: when every worker was killed a moment ago, it waits for their
restart and kills one of the new processes. It used to keep the pids of before, waited its whole minute
for one of them to be busy, then failed with `IndexError` (seen in `make faults --aanvragen 300`: three
kills in 1.4 s, then the next)."""

from __future__ import annotations

import random
import subprocess
import threading
import time
from types import SimpleNamespace

import pytest

from devserver.faults.cluster import Cluster


def _cluster(children: list) -> Cluster:
    cluster = Cluster.__new__(Cluster)
    cluster.killed = set()
    cluster.supervisor = SimpleNamespace(children=children)  # type: ignore[assignment]
    # No database to ask which worker is busy (refused at once): the kill then takes any live worker.
    cluster.postgres = SimpleNamespace(url="postgresql://postgres@127.0.0.1:1/none")  # type: ignore[assignment]
    return cluster


def test_a_worker_restarted_after_the_kills_is_the_one_killed() -> None:
    dead = subprocess.Popen(["true"])
    dead.wait()
    children = [("worker-1", dead)]
    restarted: list[subprocess.Popen] = []

    def restart() -> None:
        time.sleep(0.3)
        restarted.append(subprocess.Popen(["sleep", "30"]))
        children.append(("worker-1", restarted[0]))

    threading.Thread(target=restart).start()
    try:
        said = _cluster(children).kill_worker_mid_task(random.Random(1), timeout=0.5)
        assert restarted and said == f"SIGKILL worker-1 (pid {restarted[0].pid}) (idle)"
        assert restarted[0].wait(timeout=5) == -9
    finally:
        for _, proc in children:
            proc.kill()


def test_no_worker_coming_back_is_a_clear_error() -> None:
    dead = subprocess.Popen(["true"])
    dead.wait()
    began = time.monotonic()
    with pytest.raises(RuntimeError, match="no worker process alive to kill"):
        _cluster([("worker-1", dead)]).kill_worker_mid_task(random.Random(1), timeout=0.4)
    assert 0.5 < time.monotonic() - began < 5


class _Unreaped:
    """A worker process as the supervisor sees it between the SIGKILL and its reaping: still running."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(["sleep", "30"])
        self.pid = self.proc.pid

    def poll(self) -> None:
        return None


def test_a_worker_killed_but_not_yet_reaped_is_not_killed_again() -> None:
    first, second = _Unreaped(), _Unreaped()
    cluster = _cluster([("worker-1", first), ("worker-2", second)])
    try:
        said = [cluster.kill_worker_mid_task(random.Random(1), timeout=0.2) for _ in range(2)]
        assert sorted(said) == [
            f"SIGKILL worker-1 (pid {first.pid}) (idle)",
            f"SIGKILL worker-2 (pid {second.pid}) (idle)",
        ]
        with pytest.raises(RuntimeError, match="no worker process alive"):
            cluster.kill_worker_mid_task(random.Random(1), timeout=0.2)  # both killed, neither comes back
    finally:
        for worker in (first, second):
            worker.proc.kill()
            worker.proc.wait()
