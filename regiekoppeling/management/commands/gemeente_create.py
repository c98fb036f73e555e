import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from regiekoppeling.credentials import gemeente_create
from regiekoppeling.exceptions import DomainValidationError


class Command(BaseCommand):
    help = "Create a gemeente (idempotent on its code) and print it as JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--code", required=True, help="CBS gemeentecode, 4 digits.")
        parser.add_argument("--naam", required=True)
        parser.add_argument("--json", action="store_true", help="Accepted for symmetry: the output is always JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            gemeente, created = gemeente_create(code=options["code"], naam=options["naam"])
        except DomainValidationError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(json.dumps({"code": gemeente.code, "naam": gemeente.naam, "created": created}, indent=2))
