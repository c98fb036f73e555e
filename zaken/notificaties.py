"""Messages of the Notificaties API (kanaal `zaken`): stored when they arrive, processed by the outbox.

Receipt (`notificatie_receive`, called by the callback view) stores the message and one outbox item
in one transaction, before the view answers 204; the same message sent again is stored once. The item
runs in the lane of the zaak's aanvraag, after whatever this service is still writing to that zaak, so
a status we set ourselves is known by the time its notification is processed (and is no news).

Processing (`notificatie_process`): a new status is read (one GET; its statustype from the cached
catalogue) and followed (`follow.py`); a zaak that was deleted is shown as such; a change of the zaak
(update, partial_update) is checked by reading the zaak; a new zaak and a resultaat are stored and need
no call. A failure of the Zaken API is retried by the outbox.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from contextlib import ExitStack
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from regiekoppeling.models import OutboxItem
from regiekoppeling.outbox import NotReady, outbox_enqueue

from . import catalogus, follow
from .clients import ZGWRequestError
from .models import NotificatieAbonnement, SyncBron, Toestand, Zaak, ZaakNotificatie
from .registration import Clients, config_for, open_clients

HANDLER = "zaak_notificatie"
KANAAL = "zaken"
RESOURCES = frozenset({"status", "resultaat", "zaak"})
Uitkomst = ZaakNotificatie.Uitkomst


def _sleutel(message: dict[str, Any]) -> str:
    # A status or resultaat is created once and deleted once: its URL and the actie name the event. An
    # update can happen many times, so its moment is part of it.
    parts = [message["resource"], message["resourceUrl"], message["actie"]]
    if message["actie"] not in ("create", "destroy"):
        parts.append(message["aanmaakdatum"])
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


def _zaken_of(abonnement: NotificatieAbonnement) -> QuerySet[Zaak]:
    # A gemeente's abonnement speaks for the zaken of that gemeente only (gemeenten may share a server).
    return Zaak.objects.select_related("aanvraag").filter(aanvraag__gemeente=abonnement.config.gemeente_id)


def notificatie_receive(
    *, abonnement: NotificatieAbonnement, message: dict[str, Any], aanmaakdatum: dt.datetime
) -> ZaakNotificatie | None:
    """Store a (validated) message of kanaal `zaken` with its outbox item; None when it is not about a
    status, resultaat or zaak, or was stored before."""
    if message["kanaal"] != KANAAL or message["resource"] not in RESOURCES:
        return None
    zaak = _zaken_of(abonnement).filter(url=message["hoofdObject"]).first()
    try:
        with transaction.atomic():
            notificatie = ZaakNotificatie.objects.create(
                abonnement=abonnement,
                sleutel=_sleutel(message),
                resource=message["resource"],
                actie=message["actie"],
                resource_url=message["resourceUrl"],
                hoofd_object=message["hoofdObject"],
                aanmaakdatum=aanmaakdatum,
                bericht=message,
                zaak=zaak,
            )
            outbox_enqueue(
                handler=HANDLER, aanvraag=zaak.aanvraag if zaak else None, payload={"notificatie": notificatie.pk}
            )
    except IntegrityError:
        return None  # the same message again (a retry of the Notificaties API)
    return notificatie


def notificatie_process(*, notificatie_id: int, lane: str) -> str:
    """Outbox handler: apply one stored message; returns its outcome."""
    notificatie = ZaakNotificatie.objects.select_related("zaak__aanvraag", "abonnement__config").get(pk=notificatie_id)
    if notificatie.uitkomst != Uitkomst.ONTVANGEN:
        return notificatie.uitkomst  # processed before (a rerun)
    zaak = notificatie.zaak or _zaken_of(notificatie.abonnement).filter(url=notificatie.hoofd_object).first()
    if zaak is None:
        age = (timezone.now() - notificatie.ontvangen_op).total_seconds()
        if age < settings.ZGW_NOTIFICATIE_WACHT_SECONDS:
            # Perhaps our registration of this zaak has not stored its URL yet.
            raise NotReady(f"Zaak {notificatie.hoofd_object} is (nog) niet bekend.")
        return _done(notificatie, Uitkomst.ONBEKEND, "Geen zaak van deze koppeling.")
    if not lane:
        # The zaak became known after the message was stored: continue in the zaak's lane, behind the
        # registration that may still be writing to it.
        with transaction.atomic():
            notificatie.zaak = zaak
            notificatie.save(update_fields=["zaak"])
            outbox_enqueue(handler=HANDLER, aanvraag=zaak.aanvraag, payload={"notificatie": notificatie.pk})
        return Uitkomst.ONTVANGEN
    notificatie.zaak = zaak
    config = config_for(zaak.aanvraag)
    with ExitStack() as stack:
        clients = open_clients(config, stack)
        try:
            uitkomst = _apply(clients, zaak, notificatie)
        except ZGWRequestError as exc:
            follow.sync_failed(zaak=zaak, bron=SyncBron.NOTIFICATIE, detail=str(exc))
            _done(notificatie, Uitkomst.MISLUKT, str(exc))
            raise
    return _done(notificatie, uitkomst, "")


def _apply(clients: Clients, zaak: Zaak, notificatie: ZaakNotificatie) -> str:
    bron = SyncBron.NOTIFICATIE
    if notificatie.resource == "zaak" and notificatie.actie == "destroy":
        return follow.zaak_gone(zaak=zaak, bron=bron)
    if notificatie.resource == "status" and notificatie.actie == "create":
        if notificatie.resource_url == zaak.huidige_status_url:
            return Uitkomst.BEKEND  # ours (or seen already): statuses never change, no call needed
        try:
            status = clients.zaken.get_status(notificatie.resource_url)
        except ZGWRequestError as exc:
            if exc.status != 404:
                raise
            return zaak_check(clients, zaak, bron=bron)  # the status is gone: is the zaak?
        types = catalogus.statustypen(clients.catalogi, zaaktype_url=zaak.zaaktype)
        return follow.zaakstatus_follow(zaak=zaak, status=status, types=types, bron=bron)
    if notificatie.resource == "zaak" and notificatie.actie != "create":
        return zaak_check(clients, zaak, bron=bron)
    # A new zaak of ours is no news, and a resultaat changes no status: the zaak closes with its end
    # status, which has its own message. No call for these.
    return Uitkomst.BEKEND


def zaak_check(clients: Clients, zaak: Zaak, *, bron: str) -> str:
    """Read the zaak itself (a change of the zaak or its resultaat, or a zaak missing from the open
    zaken): gone, or a current status that is news."""
    try:
        remote = clients.zaken.get_zaak(zaak.url)
    except ZGWRequestError as exc:
        if exc.status == 404:
            return follow.zaak_gone(zaak=zaak, bron=bron)
        raise
    status_url = remote.get("status") or ""
    if not status_url:
        return Uitkomst.BEKEND
    if status_url == zaak.huidige_status_url:
        if remote.get("einddatum") and zaak.toestand == Toestand.OPEN:
            follow.zaak_closed_quietly(zaak=zaak)  # closed by our own end status: the parties know
        return Uitkomst.BEKEND
    status = clients.zaken.get_status(status_url)
    types = catalogus.statustypen(clients.catalogi, zaaktype_url=zaak.zaaktype)
    return follow.zaakstatus_follow(zaak=zaak, status=status, types=types, bron=bron)


def _done(notificatie: ZaakNotificatie, uitkomst: str, toelichting: str) -> str:
    notificatie.uitkomst = uitkomst
    notificatie.toelichting = toelichting[:2000]
    notificatie.verwerkt_op = timezone.now()
    notificatie.save(update_fields=["uitkomst", "toelichting", "verwerkt_op", "zaak"])
    return uitkomst


def notificatie_given_up(item: OutboxItem, error: str) -> None:
    """The outbox spent its retries (the Zaken API stayed down): the reconciliation round catches up."""
    notificatie = ZaakNotificatie.objects.filter(pk=item.payload.get("notificatie")).first()
    if notificatie is None or notificatie.uitkomst != Uitkomst.ONTVANGEN:
        return
    if notificatie.zaak is not None:
        follow.sync_failed(zaak=notificatie.zaak, bron=SyncBron.NOTIFICATIE, detail=error)
    _done(notificatie, Uitkomst.MISLUKT, error)
