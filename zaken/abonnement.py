"""Our abonnement on kanaal `zaken` at a gemeente's Notificaties API: configured, registered, checked.

The token the Notificaties API must send back is made here, shown to nobody, stored encrypted and as a
digest (the callback view finds the abonnement by the digest). Registering again (a changed callback
URL, an abonnement removed at the other side) sends the same token.
"""

from __future__ import annotations

import hashlib
import secrets
from contextlib import ExitStack

from django.db import transaction
from django.utils import timezone
from zgw_consumers.constants import APITypes

from regiekoppeling.crypto import decrypt_secret, encrypt_secret

from .clients import NotificatiesClient, ZGWRequestError, service_upsert
from .models import NotificatieAbonnement, ZGWConfig

KANAAL = "zaken"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def abonnement_configure(
    *, config: ZGWConfig, notificaties_url: str, client_id: str, secret: str, callback_url: str
) -> NotificatieAbonnement:
    """The Notificaties API of the gemeente and our callback; a new token only for a new abonnement."""
    service = service_upsert(
        slug=f"notificaties-{config.gemeente.code}",
        label=f"Notificaties API ({config.gemeente.naam})",
        api_type=APITypes.nrc,
        api_root=notificaties_url.rstrip("/") + "/",
        client_id=client_id,
        secret=secret,
    )
    abonnement = NotificatieAbonnement.objects.filter(config=config).first()
    if abonnement is None:
        token = secrets.token_urlsafe(32)
        return NotificatieAbonnement.objects.create(
            config=config,
            notificaties_service=service,
            callback_url=callback_url,
            token_encrypted=encrypt_secret(token),
            token_digest=_digest(token),
        )
    if abonnement.callback_url != callback_url:
        abonnement.abonnement_url = ""  # registered for another URL: register again
    abonnement.notificaties_service = service
    abonnement.callback_url = callback_url
    abonnement.save()
    return abonnement


def abonnement_check(*, abonnement: NotificatieAbonnement) -> list[str]:
    """What is wrong with the registered abonnement (empty: it is there, for our callback and kanaal)."""
    if not abonnement.abonnement_url:
        return ["Het abonnement is niet geregistreerd."]
    with ExitStack() as stack:
        client = stack.enter_context(NotificatiesClient.for_service(abonnement.notificaties_service))
        try:
            remote = client.get_abonnement(abonnement.abonnement_url)
        except ZGWRequestError as exc:
            return [f"Het abonnement is niet te lezen: {exc}"]
    problems = []
    if remote.get("callbackUrl") != abonnement.callback_url:
        problems.append(f"callbackUrl is {remote.get('callbackUrl')!r}, verwacht {abonnement.callback_url!r}.")
    if KANAAL not in [k.get("naam") for k in remote.get("kanalen", [])]:
        problems.append(f"Het abonnement heeft kanaal '{KANAAL}' niet.")
    return problems


def abonnement_register(*, abonnement: NotificatieAbonnement) -> bool:
    """Register the abonnement unless the registered one is right; True when it was (re)registered."""
    if abonnement.abonnement_url and not abonnement_check(abonnement=abonnement):
        NotificatieAbonnement.objects.filter(pk=abonnement.pk).update(gecontroleerd_op=timezone.now())
        return False
    config = abonnement.config
    with ExitStack() as stack:
        client = stack.enter_context(NotificatiesClient.for_service(abonnement.notificaties_service))
        kanalen = {k.get("naam") for k in client.list_kanalen()}
        if KANAAL not in kanalen:
            raise ZGWRequestError("GET", "kanaal", 400, {"detail": f"Kanaal '{KANAAL}' bestaat niet."})
        created = client.create_abonnement(
            callback_url=abonnement.callback_url,
            auth=f"Token {decrypt_secret(abonnement.token_encrypted)}",
            kanaal=KANAAL,
            filters={"bronorganisatie": config.bronorganisatie},
        )
    abonnement.abonnement_url = str(created["url"])
    abonnement.gecontroleerd_op = timezone.now()
    abonnement.save(update_fields=["abonnement_url", "gecontroleerd_op"])
    return True
