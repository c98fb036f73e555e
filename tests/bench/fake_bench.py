"""A fake benchmark for tests/bench/test_run_all.py, never in bench/run_all.py's registry.

Takes `--short` and `--json PATH` like a real one. What it does depends on the id run_all gave it (the
name of the JSON file): `fake` reports what it was given (its database, its Redis database and broker)
in a result that keeps the contract, and leaves a key in its Redis database; `fake_failing` exits with
status 3; `fake_malformed` writes a result without aims and with a short row; `fake_silent` exits 0
without writing; `fake_slow` sleeps past any test's timeout.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

import psycopg
import redis


def result(benchmark: str) -> dict[str, object]:
    with psycopg.connect(os.environ["DATABASE_URL"]) as conn:
        row = conn.execute("SELECT current_database()").fetchone()
    redis.Redis.from_url(os.environ["REDIS_URL"]).set("fake-bench-was-here", "1")
    clients = [1, 8, 32]
    p95 = [12.5, 40.0, 160.0]
    return {
        "benchmark": benchmark,
        "title": "A fake benchmark",
        "command": "python -m tests.bench.fake_bench --short",
        "started": dt.datetime.now(dt.UTC).isoformat().replace("+00:00", "Z"),
        "seconds": 0.5,
        "tables": [
            {
                "title": "Latency",
                "columns": ["clients", "req/s", "p95 ms"],
                "rows": [[c, round(c / (p / 1000), 1), p] for c, p in zip(clients, p95, strict=True)],
            }
        ],
        "anchors": [{"what": "Open Zaak POST /zaken p95 at 8 clients", "value": "392 ms", "source": "issue 13"}],
        "aims": [
            {"aim": "p95 < 50 ms at 8 clients", "value": p95[1], "unit": "ms", "met": p95[1] < 50},
            {"aim": "p95 < 100 ms at 32 clients", "value": p95[2], "unit": "ms", "met": p95[2] < 100},
        ],
        "plots": [
            {
                "file": f"{benchmark}_latency.png",
                "title": "Latency against concurrency",
                "xlabel": "clients",
                "ylabel": "ms",
                "xscale": "log",
                "yscale": "linear",
                "series": [{"label": "p95", "x": clients, "y": p95}],
            }
        ],
        "notes": [
            f"database {row[0] if row else None}",
            f"REDIS_URL {os.environ['REDIS_URL']}",
            f"CELERY_BROKER_URL {os.environ['CELERY_BROKER_URL']}",
            f"short {'--short' in sys.argv}",
        ],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--short", action="store_true")
    parser.add_argument("--json", type=Path, required=True)
    args = parser.parse_args()
    benchmark = args.json.stem
    if benchmark == "fake_failing":
        print("fake_failing: giving up", file=sys.stderr)
        return 3
    if benchmark == "fake_slow":
        print(f"fake_slow: pid {os.getpid()}", flush=True)
        time.sleep(600)
    if benchmark == "fake_silent":
        return 0
    data = result(benchmark)
    if benchmark == "fake_malformed":
        del data["aims"]
        data["tables"][0]["rows"][1] = [8, 200.0]  # type: ignore[index]
    args.json.write_text(json.dumps(data))
    print(f"{benchmark}: wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
