"""Command line of the acceptance tools, against a running service (HTTP only).

    python -m acceptance play  [--base-url URL] [--only S1,S5] [--arrangement-zaak shared|separate|observe]
    python -m acceptance token demo-regie          # a bearer token for one of the demo applications
    python -m acceptance zaken [--zgw-client-id ID --zgw-secret SECRET]   # the lifecycle check of every zaak

Credentials: `--regie-secret` / `--backoffice-secret`, else REGIEKOPPELING_REGIE_SECRET /
REGIEKOPPELING_BACKOFFICE_SECRET, else the demo file that `make run` writes (`.data/demo.json`, or
`$REGIEKOPPELING_DATA_DIR/demo.json`; `--demo FILE` names another). The demo file also tells which zaak
an arrangement gets, unless `--arrangement-zaak` says so.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any, cast

from . import scenarios, zaakhistorie

# Names of environment variables, not secrets.
REGIE_SECRET_ENV = "REGIEKOPPELING_REGIE_SECRET"  # noqa: S105
BACKOFFICE_SECRET_ENV = "REGIEKOPPELING_BACKOFFICE_SECRET"  # noqa: S105


def default_demo_file() -> Path:
    data_dir = os.environ.get("REGIEKOPPELING_DATA_DIR") or Path(__file__).resolve().parent.parent / ".data"
    return Path(data_dir) / "demo.json"


def read_demo(path: Path) -> dict[str, Any]:
    try:
        return cast(dict[str, Any], json.loads(path.read_text()))
    except FileNotFoundError:
        return {}


class CommandError(Exception):
    pass


def secret_for(client_id: str, given: str, demo: dict[str, Any], demo_path: Path) -> str:
    if given:
        return given
    for app in demo.get("applicaties", []):
        if app["clientId"] == client_id:
            return str(app["secret"])
    raise CommandError(
        f"no secret for {client_id}: pass it as an option or in the environment, or start `make run` "
        f"(it writes the demo credentials to {demo_path})"
    )


def zgw_credentials(args: argparse.Namespace, demo: dict[str, Any]) -> tuple[str, str]:
    """The ZGW client for reading zaken back: from the options, else the demo file's sandbox client."""
    zgw = demo.get("zgw") or {}
    return args.zgw_client_id or zgw.get("clientId", ""), args.zgw_secret or zgw.get("secret", "")


def expectation(args: argparse.Namespace) -> zaakhistorie.Expectation:
    """The statustype mapping the service was configured with (`--statustypen`, a JSON file
    {"<zaaktype identificatie>" or "*": {"<state>": "<statustype omschrijving>"}}), else the demo's."""
    initial = not args.no_initial_status
    if not args.statustypen:
        return zaakhistorie.Expectation(initial_status=initial)
    try:
        mapping = json.loads(Path(args.statustypen).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CommandError(f"--statustypen {args.statustypen}: {exc}") from exc
    if not isinstance(mapping, dict) or not all(isinstance(v, dict) for v in mapping.values()):
        raise CommandError("--statustypen: expected {zaaktype: {state: statustype}}")
    return zaakhistorie.Expectation(statustypen=mapping, initial_status=initial)


def _expectation_options(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--statustypen",
        default="",
        help='JSON file {"<zaaktype identificatie>" or "*": {"<state>": "<statustype>"}} as the service maps '
        "them (default: the demo mapping), for the expected status history of each zaak",
    )
    command.add_argument(
        "--no-initial-status", action="store_true", help="the service sets no initial status on registration"
    )


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="python -m acceptance", description=__doc__.split("\n")[0])
    main.add_argument("--demo", type=Path, default=None, help="demo file of `make run` (default .data/demo.json)")
    commands = main.add_subparsers(dest="command", required=True)

    play = commands.add_parser("play", help="play scenarios S1-S9; exits non-zero when one fails")
    play.add_argument("--base-url", default="http://127.0.0.1:8000/api/v1")
    play.add_argument("--regie-client-id", default="demo-regie")
    play.add_argument("--regie-secret", default=os.environ.get(REGIE_SECRET_ENV, ""))
    play.add_argument("--backoffice-client-id", default="demo-backoffice")
    play.add_argument("--backoffice-secret", default=os.environ.get(BACKOFFICE_SECRET_ENV, ""))
    play.add_argument("--gemeente", default="0363", help="CBS code of the gemeente both applications serve")
    play.add_argument(
        "--arrangement-zaak",
        choices=["shared", "separate", "observe"],
        help="S8: expect one shared zaak for the arrangement, one zaak per line, or only report "
        "(default: what the demo file says, else observe)",
    )
    play.add_argument("--only", default="", help="comma-separated scenario codes, e.g. S1,S5")
    play.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for background work")
    play.add_argument(
        "--zgw-client-id", default="", help="check every scenario's zaken in the ZGW APIs (default: the demo file's)"
    )
    play.add_argument("--zgw-secret", default=os.environ.get("ZGW_CLIENT_SECRET", ""), help="or ZGW_CLIENT_SECRET")
    _expectation_options(play)

    zaken = commands.add_parser("zaken", help="read every zaak back from the ZGW APIs and check its history")
    zaken.add_argument("--base-url", default="http://127.0.0.1:8000/api/v1")
    zaken.add_argument("--backoffice-client-id", default="demo-backoffice")
    zaken.add_argument("--backoffice-secret", default=os.environ.get(BACKOFFICE_SECRET_ENV, ""))
    zaken.add_argument("--zgw-client-id", default="", help="default: the demo file's ZGW client")
    zaken.add_argument("--zgw-secret", default=os.environ.get("ZGW_CLIENT_SECRET", ""), help="or ZGW_CLIENT_SECRET")
    _expectation_options(zaken)
    zaken.add_argument(
        "--wait",
        type=float,
        default=0.0,
        help="seconds to repeat the check while it finds problems (the workers may still be busy)",
    )

    token = commands.add_parser("token", help="print a bearer token (valid for an hour) for a client id")
    token.add_argument("client_id", nargs="?", default="demo-regie")
    token.add_argument("--secret", default="", help="default: the demo file's secret for this client id")
    return main


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    demo_path = args.demo or default_demo_file()
    demo = read_demo(demo_path)
    try:
        if args.command == "token":
            print(scenarios.make_token(args.client_id, secret_for(args.client_id, args.secret, demo, demo_path)))
            return 0
        if args.command == "zaken":
            return check_zaken(args, demo, demo_path)
        config = scenarios.Config(
            base_url=args.base_url,
            regie=scenarios.Party(
                args.regie_client_id, secret_for(args.regie_client_id, args.regie_secret, demo, demo_path)
            ),
            backoffice=scenarios.Party(
                args.backoffice_client_id,
                secret_for(args.backoffice_client_id, args.backoffice_secret, demo, demo_path),
            ),
            gemeente=args.gemeente,
            arrangement_zaak=args.arrangement_zaak or demo.get("arrangementZaak", "observe"),
            timeout=args.timeout,
            only=frozenset(c.strip().upper() for c in args.only.split(",") if c.strip()),
        )
        expect = expectation(args)
    except CommandError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    zgw_id, zgw_secret = zgw_credentials(args, demo)
    check = (
        zaakhistorie.scenario_check(config, zaakhistorie.Zgw(zgw_id, zgw_secret), timeout=args.timeout, expect=expect)
        if zgw_id and zgw_secret
        else None
    )
    if check is None:
        print("note: no ZGW credentials, so the zaken are not read back (--zgw-client-id)", file=sys.stderr)
    results = scenarios.play(config, progress=lambda line: print(line, file=sys.stderr, flush=True), zaak_check=check)
    print(scenarios.format_table(results))
    failed = scenarios.failed(results)
    if failed:
        print(f"{len(failed)} scenario(s) failed: {', '.join(r.code for r in failed)}", file=sys.stderr)
        return 1
    return 0


def check_zaken(args: argparse.Namespace, demo: dict[str, Any], demo_path: Path) -> int:
    client_id, secret = zgw_credentials(args, demo)
    if not (client_id and secret):
        raise CommandError(f"no ZGW credentials: pass --zgw-client-id and --zgw-secret (none in {demo_path})")
    backoffice = scenarios.Party(
        args.backoffice_client_id, secret_for(args.backoffice_client_id, args.backoffice_secret, demo, demo_path)
    )
    config = scenarios.Config(base_url=args.base_url, regie=backoffice, backoffice=backoffice)
    expect = expectation(args)
    deadline = time.monotonic() + args.wait
    while True:
        findings = zaakhistorie.check(config, zaakhistorie.Zgw(client_id, secret), expect=expect)
        if not any(f.problems for f in findings) or time.monotonic() >= deadline:
            break
        time.sleep(1)
    print(zaakhistorie.format_findings(findings))
    return 1 if any(f.problems for f in findings) else 0


if __name__ == "__main__":
    sys.exit(main())
