import json
import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from zaken.abonnement import abonnement_check, abonnement_configure, abonnement_register
from zaken.clients import ZGWRequestError, ZGWUnavailableError
from zaken.models import NotificatieAbonnement, ZGWConfig


class Command(BaseCommand):
    help = (
        "Register (or with --check only check) the abonnement on kanaal 'zaken' at a gemeente's Notificaties "
        "API, so that every status, resultaat and zaak change reaches --callback-url (this service's "
        "/api/v1/zgw-notificaties). Idempotent: a registered abonnement that is right is left alone. The "
        "secret for the Notificaties API comes from NOTIFICATIES_CLIENT_SECRET (default ZGW_CLIENT_SECRET)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--gemeente", default="0363", help="CBS code of the gemeente")
        parser.add_argument("--notificaties-url", help="root of the Notificaties API (…/api/v1/)")
        parser.add_argument("--client-id", help="client id at the Notificaties API")
        parser.add_argument("--callback-url", help="public URL of /api/v1/zgw-notificaties of this service")
        parser.add_argument("--check", action="store_true", help="only check the registered abonnement")

    def handle(self, *args: Any, **options: Any) -> None:
        config = ZGWConfig.objects.select_related("gemeente").filter(gemeente__code=options["gemeente"]).first()
        if config is None:
            raise CommandError(f"Gemeente {options['gemeente']} has no ZGW configuration (run zgw_configure first).")
        if options["check"]:
            abonnement = NotificatieAbonnement.objects.filter(config=config).first()
            if abonnement is None:
                raise CommandError("No abonnement configured for this gemeente.")
            problems = self._run(abonnement_check, abonnement)
            if problems:
                raise CommandError("The abonnement is not right:\n- " + "\n- ".join(problems))
            self.stdout.write(json.dumps({"gemeente": config.gemeente.code, "abonnement": abonnement.abonnement_url}))
            return
        missing = [
            f"--{n.replace('_', '-')}" for n in ("notificaties_url", "client_id", "callback_url") if not options[n]
        ]
        secret = os.environ.get("NOTIFICATIES_CLIENT_SECRET") or os.environ.get("ZGW_CLIENT_SECRET", "")
        if missing or not secret:
            raise CommandError("Needed: " + ", ".join([*missing, *([] if secret else ["NOTIFICATIES_CLIENT_SECRET"])]))
        abonnement = abonnement_configure(
            config=config,
            notificaties_url=options["notificaties_url"],
            client_id=options["client_id"],
            secret=secret,
            callback_url=options["callback_url"],
        )
        registered = self._run(abonnement_register, abonnement)
        self.stdout.write(
            json.dumps(
                {"gemeente": config.gemeente.code, "abonnement": abonnement.abonnement_url, "geregistreerd": registered}
            )
        )

    def _run(self, step: Any, abonnement: NotificatieAbonnement) -> Any:
        try:
            return step(abonnement=abonnement)
        except (ZGWRequestError, ZGWUnavailableError) as exc:
            raise CommandError(f"The Notificaties API: {exc}") from exc
