from typing import Any

from django.core.management.base import BaseCommand

from regiekoppeling.credentials import credentials_reencrypt


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored credential secret with the first key of CREDENTIAL_ENCRYPTION_KEYS "
        "(rotation of the encryption key: put the new key first, run this, then drop the old key)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"{credentials_reencrypt()} credential(s) re-encrypted with the current key.")
