import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from regiekoppeling.credentials import gemeente_create
from regiekoppeling.exceptions import DomainValidationError
from regiekoppeling.productenboek import categorie_rows, products_seed


class Command(BaseCommand):
    help = "Create a gemeente (idempotent on its code) and print it as JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--code", required=True, help="CBS gemeentecode, 4 digits.")
        parser.add_argument("--naam", required=True)
        parser.add_argument(
            "--productenboek-categorieen",
            action="store_true",
            help="Seed its productenboek with every iWmo/iJw 3.2 categorie (categorie-only products) it lacks.",
        )
        parser.add_argument("--json", action="store_true", help="Accepted for symmetry: the output is always JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            gemeente, created = gemeente_create(code=options["code"], naam=options["naam"])
        except DomainValidationError as exc:
            raise CommandError(str(exc)) from None
        out: dict[str, Any] = {"code": gemeente.code, "naam": gemeente.naam, "created": created}
        if options["productenboek_categorieen"]:
            out["productenToegevoegd"] = products_seed(gemeente=gemeente, rows=categorie_rows())
        self.stdout.write(json.dumps(out, indent=2))
