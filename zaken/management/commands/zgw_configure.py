import json
import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from regiekoppeling.models import Gemeente
from zaken.configcheck import zgw_config_problems
from zaken.demo import zgw_configure
from zaken.models import ZaakStrategie, ZGWConfig


class Command(BaseCommand):
    help = (
        "Point a gemeente at a set of ZGW APIs under one base URL (Open Zaak layout: /zaken/api/v1/, ...). "
        "The secret comes from the environment variable ZGW_CLIENT_SECRET. The configuration is checked against "
        "the catalogue first and refused, with the reasons, when it cannot work. With --check: only check the "
        "gemeente's stored configuration and its mappings against the catalogue as it is now (exit 1 on problems)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--gemeente", default="0363", help="CBS code of the gemeente")
        parser.add_argument("--check", action="store_true", help="check the stored configuration; change nothing")
        parser.add_argument("--base-url")
        parser.add_argument("--client-id")
        parser.add_argument("--catalogus", help="URL of the catalogus")
        parser.add_argument("--rsin", help="bronorganisatie (RSIN) of the gemeente")
        parser.add_argument("--hoofdzaaktype", default="RK-AANVRAAG", help="zaaktype of the hoofdzaak (strategy)")
        parser.add_argument("--strategie", choices=[c for c, _ in ZaakStrategie.choices], default="")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["check"]:
            self.check_stored(options["gemeente"])
            return
        missing = [f"--{n.replace('_', '-')}" for n in ("base_url", "client_id", "catalogus", "rsin") if not options[n]]
        if missing:
            raise CommandError(f"Required: {', '.join(missing)} (or --check).")
        secret = os.environ.get("ZGW_CLIENT_SECRET", "")
        if not secret:
            raise CommandError("Set ZGW_CLIENT_SECRET.")
        gemeente = Gemeente.objects.filter(code=options["gemeente"]).first()
        if gemeente is None:
            raise CommandError(f"Unknown gemeente {options['gemeente']}.")
        with transaction.atomic():
            config = zgw_configure(
                gemeente=gemeente,
                base_url=options["base_url"],
                client_id=options["client_id"],
                secret=secret,
                catalogus=options["catalogus"],
                bronorganisatie=options["rsin"],
                hoofdzaaktype=options["hoofdzaaktype"],
            )
            if options["strategie"]:
                config.strategie = options["strategie"]
                config.save(update_fields=["strategie"])
            problems = zgw_config_problems(config=config)
            if problems:
                # Nothing is stored: a configuration that cannot work is refused with its reasons.
                raise CommandError("This configuration cannot work:\n- " + "\n- ".join(problems))
        self.stdout.write(json.dumps({"gemeente": gemeente.code, "strategie": config.strategie}))

    def check_stored(self, code: str) -> None:
        """Print the problems of the gemeente's configuration as JSON; exit 1 when there are any."""
        config = ZGWConfig.objects.filter(gemeente__code=code).first()
        if config is None:
            raise CommandError(f"Gemeente {code} has no ZGW configuration.")
        problems = zgw_config_problems(config=config)
        self.stdout.write(json.dumps({"gemeente": code, "problemen": problems}, ensure_ascii=False))
        if problems:
            raise CommandError(f"{len(problems)} problem(s) in the configuration of gemeente {code}.")
