"""CLI: `python -m zgw_sandbox --port 8001 --client-id X --secret Y [--data PATH]`.

Prints one JSON line on stdout (base URL, API roots and the seed URLs) so a launcher can configure
itself, then serves until SIGINT or SIGTERM. The secret can also come from ZGW_SANDBOX_SECRET, which
keeps it out of the process list.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from . import latency
from .server import DEFAULT_CHUNK_SIZE, start_sandbox


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m zgw_sandbox", description="ZGW sandbox (development only)")
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="bind address, also used in every URL; /_sandbox/ has no auth, keep it local",
    )
    parser.add_argument("--port", type=int, default=8001, help="0 picks a free port (see baseUrl in the output)")
    parser.add_argument("--client-id", required=True, help="ZGW client_id accepted in the JWT")
    parser.add_argument("--secret", default=os.environ.get("ZGW_SANDBOX_SECRET"), help="its secret (or env)")
    parser.add_argument("--client", action="append", default=[], metavar="ID=SECRET", help="another client")
    parser.add_argument("--data", type=Path, help="JSON file that keeps the data across restarts")
    parser.add_argument("--notification-callback", help="URL to POST Notificaties API messages to")
    parser.add_argument(
        "--notification-authorization",
        default=os.environ.get("ZGW_SANDBOX_NOTIFICATION_AUTHORIZATION"),
        help="literal Authorization header for notifications (default: a ZGW JWT of --client-id)",
    )
    parser.add_argument("--chunk-size", type=int, default=DEFAULT_CHUNK_SIZE, help="bestandsdeel size in bytes")
    parser.add_argument("--quiet", action="store_true", help="no access log on stderr")
    parser.add_argument(
        "--latency",
        default=os.environ.get("ZGW_SANDBOX_LATENCY", ""),
        help="answer as slowly as Open Zaak ('open-zaak') or per call ('POST statussen=0.09,...')",
    )
    args = parser.parse_args(argv)
    if not args.secret:
        parser.error("--secret (or ZGW_SANDBOX_SECRET) is required")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    clients = {args.client_id: args.secret}
    for extra in args.client:
        client_id, _, secret = extra.partition("=")
        clients[client_id] = secret
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    sandbox = start_sandbox(
        args.host,
        args.port,
        clients=clients,
        data_path=args.data,
        notification_callback=args.notification_callback,
        notification_auth=args.notification_authorization,
        chunk_size=args.chunk_size,
        log_requests=not args.quiet,
    )
    if args.latency:
        sandbox.set_latency(latency.parse(args.latency))
    print(json.dumps(sandbox.seed), flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        sandbox.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
