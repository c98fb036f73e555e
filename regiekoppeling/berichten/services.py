"""Writes of the berichten side: the fan-out of an event to the parties' feeds and their webhooks,
and the abonnementen."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db import connection, transaction

from ..exceptions import DomainValidationError, InvalidParam
from ..models import Aanvraag, Abonnement, Applicatie, Bericht, Gemeente, OutboxItem
from ..outbox import outbox_enqueue_many
from . import selectors
from .callbacks import CallbackRefused, check_callback_url
from .links import resource_url

KANAAL = "voorzieningen"
WEBHOOK = "webhook"  # the handler that delivers one bericht to one abonnement


def _lock_feeds() -> None:
    # Ids come from a sequence, but concurrent transactions may commit out of id order: a reader whose
    # cursor passed id 10 would never see an id 9 committed later. Fan-outs therefore take turns
    # (a transaction-scoped lock, held for a few INSERTs), so every feed becomes visible in id order.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended('regiekoppeling:berichten-feed', 0))")


@transaction.atomic
def berichten_fan_out(*, item: OutboxItem) -> list[Bericht]:
    """Turn one `bericht` outbox item into a Bericht per party that may see it, and queue one webhook
    delivery per (bericht, active abonnement). A rerun creates only what is missing."""
    payload = item.payload
    url = resource_url(payload["resource"], payload["uuid"])
    aanvraag: Aanvraag | None = None
    if payload.get("aanvraag"):
        aanvraag = Aanvraag.objects.get(uuid=payload["aanvraag"])
        hoofd_object = resource_url("aanvraag", str(aanvraag.uuid))
        ontvangers = selectors.ontvangers_of(aanvraag)
    else:  # about the productenboek of a gemeente: the product is its own main object
        hoofd_object = url
        ontvangers = selectors.regie_of(Gemeente.objects.get(code=payload["kenmerken"]["gemeente"]))
    _lock_feeds()
    done = set(Bericht.objects.filter(bron=item).values_list("ontvanger_id", flat=True))
    berichten = Bericht.objects.bulk_create(
        [
            Bericht(
                ontvanger=ontvanger,
                bron=item,
                aanvraag=aanvraag,
                kanaal=KANAAL,
                hoofd_object=hoofd_object,
                resource=payload["resource"],
                resource_url=url,
                actie=payload["actie"],
                # The moment of the event, not of the fan-out: a rerun gives the same message.
                aanmaakdatum=item.created_at,
                kenmerken=payload.get("kenmerken") or {},
                gebeurtenis=payload["gebeurtenis"],
            )
            for ontvanger in ontvangers
            if ontvanger.pk not in done
        ]
    )
    _queue_webhooks(aanvraag, berichten)
    return berichten


def _queue_webhooks(aanvraag: Aanvraag | None, berichten: list[Bericht]) -> None:
    per_applicatie: defaultdict[int, list[Abonnement]] = defaultdict(list)
    for abonnement in selectors.abonnementen_receiving({b.ontvanger_id for b in berichten}):
        per_applicatie[abonnement.applicatie_id].append(abonnement)
    work: list[tuple[str, dict[str, Any]]] = [
        (WEBHOOK, {"bericht": str(bericht.uuid), "abonnement": str(abonnement.uuid)})
        for bericht in berichten
        for abonnement in per_applicatie[bericht.ontvanger_id]
    ]
    if work:
        outbox_enqueue_many(aanvraag=aanvraag, work=work)


def abonnement_create(*, applicatie: Applicatie, callback_url: str, auth: str = "") -> Abonnement:
    try:
        check_callback_url(callback_url)
    except CallbackRefused as exc:
        raise DomainValidationError([InvalidParam("callbackUrl", "niet_toegestaan", str(exc))]) from None
    except OSError:  # DNS: an address we cannot check is an address we do not call
        reason = "De host van de callbackUrl is niet te vinden (DNS)."
        raise DomainValidationError([InvalidParam("callbackUrl", "onbekende_host", reason)]) from None
    return Abonnement.objects.create(applicatie=applicatie, callback_url=callback_url, auth=auth)


def abonnement_delete(*, abonnement: Abonnement) -> None:
    """Unsubscribe: deliveries still queued for it are dropped when their turn comes."""
    abonnement.actief = False
    abonnement.save(update_fields=["actief"])
