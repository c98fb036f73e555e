import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from regiekoppeling.constants import Rol
from regiekoppeling.credentials import applicatie_create
from regiekoppeling.exceptions import DomainValidationError


class Command(BaseCommand):
    help = (
        "Create an application with a credential (idempotent on the client id) and print it as JSON. The "
        "secret is printed only when the credential is created, this once; it is never shown again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--naam", required=True)
        parser.add_argument("--rol", required=True, choices=Rol.values)
        parser.add_argument(
            "--gemeente", required=True, action="append", help="CBS code of a gemeente it acts for (repeatable)."
        )
        parser.add_argument("--client-id", help="Default: the slug of the name.")
        parser.add_argument(
            "--productenboek-master",
            action="store_true",
            help="A backoffice only: it becomes the master of the productenboek of these gemeenten (API writes).",
        )
        parser.add_argument("--json", action="store_true", help="Accepted for symmetry: the output is always JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = applicatie_create(
                naam=options["naam"],
                rol=options["rol"],
                gemeente_codes=options["gemeente"],
                client_id=options["client_id"],
                productenboek_master=options["productenboek_master"],
            )
        except DomainValidationError as exc:
            raise CommandError(str(exc)) from None
        applicatie = result.credential.applicatie
        out: dict[str, Any] = {
            "naam": applicatie.naam,
            "rol": applicatie.rol,
            "gemeenten": sorted(g.code for g in applicatie.gemeenten.all()),
            "clientId": result.credential.client_id,
            "created": result.created,
            "productenboekMaster": sorted(g.code for g in applicatie.beheerde_productenboeken.all()),
        }
        if result.secret is not None:
            out["secret"] = result.secret
        self.stdout.write(json.dumps(out, indent=2))
