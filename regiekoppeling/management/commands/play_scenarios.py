"""Play the scenarios of the standard against a running regiekoppeling (see `regiekoppeling.scenarios`)."""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from regiekoppeling import scenarios

# Names of environment variables, not secrets.
REGIE_SECRET_ENV = "REGIEKOPPELING_REGIE_SECRET"  # noqa: S105
BACKOFFICE_SECRET_ENV = "REGIEKOPPELING_BACKOFFICE_SECRET"  # noqa: S105


class Command(BaseCommand):
    help = (
        "Play scenarios S1-S9 over HTTP against a running service as a regie and a backoffice application; "
        "print a table and exit non-zero when a scenario fails. Secrets come from the options, else from "
        f"{REGIE_SECRET_ENV} / {BACKOFFICE_SECRET_ENV}, else from this database's credentials."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--base-url", default="http://127.0.0.1:8000/api/v1")
        parser.add_argument("--regie-client-id", default="demo-regie")
        parser.add_argument("--regie-secret", default=os.environ.get(REGIE_SECRET_ENV, ""))
        parser.add_argument("--backoffice-client-id", default="demo-backoffice")
        parser.add_argument("--backoffice-secret", default=os.environ.get(BACKOFFICE_SECRET_ENV, ""))
        parser.add_argument("--gemeente", default="0363", help="CBS code of the gemeente both applications serve.")
        parser.add_argument(
            "--arrangement-zaak",
            choices=["shared", "separate", "observe"],
            help="S8: expect one shared zaak for the arrangement, one zaak per line, or only report. Default: "
            "from this database's ZGW configuration of the gemeente when the secrets came from it, else observe.",
        )
        parser.add_argument("--only", default="", help="Comma-separated scenario codes, e.g. S1,S5.")
        parser.add_argument("--timeout", type=float, default=60.0, help="Seconds to wait for background work.")

    def handle(self, *args: Any, **options: Any) -> None:
        from_db = not (options["regie_secret"] and options["backoffice_secret"])
        regie = self._party(options["regie_client_id"], options["regie_secret"])
        backoffice = self._party(options["backoffice_client_id"], options["backoffice_secret"])
        arrangement_zaak = options["arrangement_zaak"] or (
            self._strategy(options["gemeente"]) if from_db else "observe"
        )
        config = scenarios.Config(
            base_url=options["base_url"],
            regie=regie,
            backoffice=backoffice,
            gemeente=options["gemeente"],
            arrangement_zaak=arrangement_zaak,
            timeout=options["timeout"],
            only=frozenset(c.strip().upper() for c in options["only"].split(",") if c.strip()),
        )
        results = scenarios.play(config, progress=lambda line: self.stderr.write(line))
        self.stdout.write(scenarios.format_table(results))
        failed = scenarios.failed(results)
        if failed:
            raise CommandError(f"{len(failed)} scenario(s) failed: {', '.join(r.code for r in failed)}")

    def _party(self, client_id: str, secret: str) -> scenarios.Party:
        if secret:
            return scenarios.Party(client_id, secret)
        from regiekoppeling.models import Credential

        credential = Credential.objects.filter(client_id=client_id, actief=True).first()
        if credential is None:
            raise CommandError(
                f"No secret for {client_id}: pass it as an option or in the environment, or run this command "
                "with the DATABASE_URL of the server (manage.py demo_setup creates the demo credentials)."
            )
        return scenarios.Party(client_id, credential.secret)

    def _strategy(self, gemeente: str) -> scenarios.ArrangementZaak:
        from zaken.models import ZaakStrategie, ZGWConfig

        config = ZGWConfig.objects.filter(gemeente__code=gemeente).first()
        if config is None:
            return "observe"
        return "shared" if config.strategie == ZaakStrategie.ARRANGEMENT_GEDEELD else "separate"
