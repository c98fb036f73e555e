from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from regiekoppeling.models import Credential
from regiekoppeling.tokens import make_token


class Command(BaseCommand):
    help = "Print a fresh ZGW-style JWT for a stored client id (for curl and scripts)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("client_id")

    def handle(self, *args: Any, **options: Any) -> None:
        credential = Credential.objects.geldig().filter(client_id=options["client_id"]).first()
        if credential is None:
            raise CommandError(f"No valid (active, unexpired) credential with client id {options['client_id']!r}.")
        self.stdout.write(make_token(credential.client_id, credential.secret))
