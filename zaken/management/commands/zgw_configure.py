import json
import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from regiekoppeling.models import Gemeente
from zaken.demo import zgw_configure


class Command(BaseCommand):
    help = (
        "Point a gemeente at a set of ZGW APIs under one base URL (Open Zaak layout: /zaken/api/v1/, ...). "
        "The secret comes from the environment variable ZGW_CLIENT_SECRET."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--gemeente", default="0363", help="CBS code of the gemeente")
        parser.add_argument("--base-url", required=True)
        parser.add_argument("--client-id", required=True)
        parser.add_argument("--catalogus", required=True, help="URL of the catalogus")
        parser.add_argument("--rsin", required=True, help="bronorganisatie (RSIN) of the gemeente")

    def handle(self, *args: Any, **options: Any) -> None:
        secret = os.environ.get("ZGW_CLIENT_SECRET", "")
        if not secret:
            raise CommandError("Set ZGW_CLIENT_SECRET.")
        gemeente = Gemeente.objects.filter(code=options["gemeente"]).first()
        if gemeente is None:
            raise CommandError(f"Unknown gemeente {options['gemeente']}.")
        config = zgw_configure(
            gemeente=gemeente,
            base_url=options["base_url"],
            client_id=options["client_id"],
            secret=secret,
            catalogus=options["catalogus"],
            bronorganisatie=options["rsin"],
        )
        self.stdout.write(json.dumps({"gemeente": gemeente.code, "strategie": config.strategie}))
