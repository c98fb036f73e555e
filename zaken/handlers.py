"""Outbox handlers of the zaken side: thin, they take the item's ids and call one service.

All of them write to the zaken of one aanvraag, so they share the lane "zaak" (with the documenten
handler): one writer per aanvraag's zaken at a time, in the order the items were created.
"""

from __future__ import annotations

from regiekoppeling import events
from regiekoppeling.models import Aanvraag, Actie, Beschikking, OutboxItem
from regiekoppeling.outbox import handler

from . import notificaties, readthrough
from .besluiten import beschikking_register
from .registration import aanvraag_register
from .statussen import zaakstatus_update


def _aanvraag_id(item: OutboxItem) -> int:
    # Published items carry their aanvraag; the payload names it as well (for items queued by hand).
    return item.aanvraag_id or Aanvraag.objects.only("pk").get(uuid=item.payload["aanvraag"]).pk


def registratie_given_up(item: OutboxItem, error: str) -> None:
    # Retried until the budget was spent: the lines no longer say "wacht" but what happened.
    if item.aanvraag_id is not None:
        readthrough.registration_failed(
            aanvraag=Aanvraag.objects.get(pk=item.aanvraag_id),
            fouten=[
                {"detail": f"Opgegeven, een beheerder kan het opnieuw proberen: {error}"[:500], "invalid_params": []}
            ],
        )


@handler(
    "zaak_registratie",
    on=[events.AANVRAAG_ONTVANGEN],
    label="Registratie in de ZGW API's",
    lane="zaak",
    on_dead=registratie_given_up,
    verwerking=Actie.VERZENDEN_ZGW,
)
def handle_registratie(item: OutboxItem) -> None:
    aanvraag_register(aanvraag_id=_aanvraag_id(item))


@handler(
    "besluit",
    on=[events.BESCHIKKING_GENOMEN],
    label="Beschikking als besluit registreren",
    lane="zaak",
    verwerking=Actie.VERZENDEN_ZGW,
)
def handle_besluit(item: OutboxItem) -> None:
    beschikking = Beschikking.objects.only("pk").get(uuid=item.payload["beschikking"])
    beschikking_register(beschikking_id=beschikking.pk)


@handler(
    "zaak_status",
    on=[events.VOORZIENINGEN_GEWIJZIGD],
    label="Zaakstatus bijwerken",
    lane="zaak",
    verwerking=Actie.VERZENDEN_ZGW,
)
def handle_zaak_status(item: OutboxItem) -> None:
    zaakstatus_update(
        aanvraag_id=_aanvraag_id(item),
        voorziening_uuids=list(item.payload.get("voorzieningen", [])),
        statussen=item.payload.get("statussen"),
    )


@handler(
    notificaties.HANDLER,
    label="Notificatie van de Zaken API verwerken",
    lane="zaak",
    on_dead=notificaties.notificatie_given_up,
)
def handle_notificatie(item: OutboxItem) -> None:
    notificaties.notificatie_process(notificatie_id=int(item.payload["notificatie"]), lane=item.lane)
