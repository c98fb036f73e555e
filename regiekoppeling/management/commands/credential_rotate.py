import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from regiekoppeling.credentials import credential_rotate
from regiekoppeling.exceptions import DomainValidationError
from regiekoppeling.models import Credential


def _moment(value: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--old-valid-until: not an ISO 8601 moment: {value!r}") from None
    # A moment without an offset is read in the server's time zone (TIME_ZONE).
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


class Command(BaseCommand):
    help = (
        "Rotate a credential: make a new client id and secret for the same application and keep the old one "
        "valid until --old-valid-until (default: a day from now). Prints the new secret, this once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--client-id", required=True, help="The credential to replace.")
        parser.add_argument(
            "--old-valid-until", help="ISO 8601 moment, e.g. 2027-01-31T12:00:00+01:00 ('now': at once)."
        )
        parser.add_argument("--json", action="store_true", help="Accepted for symmetry: the output is always JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        credential = Credential.objects.filter(client_id=options["client_id"]).first()
        if credential is None:
            raise CommandError(f"No credential with client id {options['client_id']!r}.")
        raw = options["old_valid_until"]
        until = None if raw is None else timezone.now() if raw == "now" else _moment(raw)
        try:
            made = credential_rotate(credential=credential, old_valid_until=until)
        except DomainValidationError as exc:
            raise CommandError(str(exc)) from None
        credential.refresh_from_db()
        out = {
            "clientId": made.credential.client_id,
            "secret": made.secret,
            "vorige": {
                "clientId": credential.client_id,
                "geldigTot": credential.geldig_tot.isoformat() if credential.geldig_tot else None,
            },
        }
        self.stdout.write(json.dumps(out, indent=2))
