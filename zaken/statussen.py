"""Lifecycle changes to the Zaken API: the mapped status, and resultaat plus end status where the
lifecycle ends (afgewezen, ingetrokken, niet verwerkbaar, beeindigd).

A zaak shared by several voorzieningen follows them together: it moves when their common state does
(`aanvraag_status_from_lines`), and closes only when all of them are done.

Items of one aanvraag run in order (the outbox lane), and each carries the state of every line right
after its change: so each item moves the zaak to the step of its own change, and the history shows
every step. A step is only ever taken forward (a higher volgnummer than the zaak's current status), and
never on a closed zaak: an item that comes late changes nothing that a later one already did.
"""

from __future__ import annotations

from contextlib import ExitStack

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from regiekoppeling.lifecycle.states import Status, aanvraag_status_from_lines
from regiekoppeling.models import Aanvraag
from regiekoppeling.outbox import NotReady

from . import catalogus, mapping, readthrough
from .clients import JSON, ZGWRequestError
from .models import Zaak, ZGWConfig
from .registration import Clients, config_for, create_once, open_clients, status_once

# Terminal states: they close the zaak with a resultaat and the end status.
_TERMINAL = frozenset({Status.AFGEWEZEN, Status.NIET_VERWERKBAAR, Status.INGETROKKEN, Status.BEEINDIGD})


class ZaakNotRegisteredError(NotReady):
    """The zaak does not exist yet (registration still running): retry later."""


def zaakstatus_update(
    *, aanvraag_id: int, voorziening_uuids: list[str], statussen: dict[str, str] | None = None
) -> None:
    """Outbox handler for `zaak_status`: bring the zaken of these voorzieningen up to date."""
    aanvraag = Aanvraag.objects.select_related("gemeente").get(pk=aanvraag_id)
    config = config_for(aanvraag)
    lines = list(aanvraag.voorzieningen.filter(uuid__in=voorziening_uuids))
    zaken = list(
        Zaak.objects.filter(voorzieningen__in=lines).exclude(soort=Zaak.Soort.HOOFDZAAK).distinct().order_by("id")
    )
    if not zaken or any(not z.url for z in zaken):
        raise ZaakNotRegisteredError(f"Aanvraag {aanvraag.uuid} is nog niet (volledig) geregistreerd.")
    # The hoofdzaak (strategy hoofdzaak) stands for the whole aanvraag: it follows all its lines, after
    # its deelzaken (so it closes only once every line has ended, when their deelzaken are closed).
    hoofdzaak = Zaak.objects.filter(aanvraag=aanvraag, soort=Zaak.Soort.HOOFDZAAK).exclude(url="").first()
    with ExitStack() as stack:
        clients = open_clients(config, stack)
        for zaak in [*zaken, *([hoofdzaak] if hoofdzaak else [])]:
            _follow(clients, config, aanvraag, zaak, statussen or {})


def _follow(clients: Clients, config: ZGWConfig, aanvraag: Aanvraag, zaak: Zaak, statussen: dict[str, str]) -> None:
    """Bring the zaak to the step of this change (its lines' states right after it; their states now
    for an item without them): read where the zaak is, and write only what is missing and ahead."""
    now = dict(zaak.voorzieningen.values_list("uuid", "status"))
    target = aanvraag_status_from_lines([statussen.get(str(u), s) for u, s in now.items()])
    remote = clients.zaken.get_zaak(zaak.url)
    types = catalogus.statustypen(clients.catalogi, zaaktype_url=zaak.zaaktype)
    if remote.get("einddatum"):
        # Closed (by a beschikking, or an earlier run whose answer was lost): our lifecycle never
        # reopens a zaak; the voorzieningen show where it is.
        record_current_status(clients, zaak, remote, types)
        return
    mapped = mapping.state(
        config,
        zaaktype_identificatie=catalogus.identificatie_of(clients.catalogi, zaak.zaaktype),
        wet=aanvraag.wet,
        status=target,
    )
    wanted: catalogus.Statustype | None
    if target in _TERMINAL:
        _ensure_resultaat(clients, zaak, remote, mapped.resultaattype)  # before the end status
        wanted = next((t for t in types if t.is_eindstatus), types[-1])
    else:
        wanted = mapped_statustype(zaak, target, mapped, types)
    if wanted is None:
        return
    readthrough.zaakstatus_resolved(zaak=zaak)
    current_url = remote.get("status") or ""
    current_type = clients.zaken.get_status(current_url)["statustype"] if current_url else ""
    current = next((t for t in types if t.url == current_type), None)
    if current is not None and current.volgnummer >= wanted.volgnummer:
        # There already, or further: never a step back, never the same step twice.
        record_current_status(clients, zaak, remote, types)
        return
    step = f"status:{target}"
    # The datum is also our record of when it was set: a notification of an older status is no news.
    datum, call = status_once(clients, zaak, zaak, step, wanted.url)
    url = call()
    zaak.huidige_status_url = url
    zaak.status_gezet_op = parse_datetime(datum)
    zaak.save(update_fields=["huidige_status_url", "status_gezet_op"])
    readthrough.zaakstatus_set(zaak=zaak, omschrijving=wanted.omschrijving)


def mapped_statustype(
    zaak: Zaak, target: str, mapped: mapping.StateMapping, types: list[catalogus.Statustype]
) -> catalogus.Statustype | None:
    """The statustype this state maps to; None (recorded on the lines when it is not deliberate) when
    the zaak keeps its status. A name the zaaktype lacks is recorded and refused (the item goes dead
    with the reason; an administrator re-queues it after fixing the mapping), never passed over."""
    label = Status(target).label
    if not mapped.mapped:
        readthrough.zaakstatus_failed(
            zaak=zaak,
            detail=f"Status '{label}' heeft geen statustype-koppeling voor dit zaaktype; de zaak houdt haar status.",
        )
        return None
    if not mapped.statustype:
        return None  # deliberately "no status change" for this state
    wanted = next((t for t in types if t.omschrijving == mapped.statustype), None)
    if wanted is None:
        detail = (
            f"Statustype '{mapped.statustype}' (voor status '{label}') bestaat niet bij het zaaktype; "
            f"kies een van: {', '.join(t.omschrijving for t in types)}."
        )
        readthrough.zaakstatus_failed(zaak=zaak, detail=detail)
        raise catalogus.CatalogusError(detail)
    return wanted


def record_current_status(clients: Clients, zaak: Zaak, remote: JSON, types: list[catalogus.Statustype]) -> None:
    """Copy the zaak's current status into our records when it is not what we last recorded (set by an
    earlier run whose answer was lost, or by another system)."""
    current_url = remote.get("status") or ""
    if not current_url or current_url == zaak.huidige_status_url:
        return
    status = clients.zaken.get_status(current_url)
    statustype = next((t for t in types if t.url == status["statustype"]), None)
    gezet = parse_datetime(status.get("datumStatusGezet") or "")
    zaak.huidige_status_url = current_url
    zaak.status_gezet_op = gezet or timezone.now()
    zaak.save(update_fields=["huidige_status_url", "status_gezet_op"])
    readthrough.zaakstatus_set(
        zaak=zaak, omschrijving=statustype.omschrijving if statustype else "", gezet_op=gezet if gezet else None
    )


def _ensure_resultaat(clients: Clients, zaak: Zaak, remote: JSON, omschrijving: str) -> None:
    if remote.get("resultaat"):
        return  # one resultaat per zaak; a beschikking may have set it
    resultaattype = resolved_resultaattype(clients, zaak, omschrijving)
    create_once(
        zaak,
        "resultaat",
        lambda: existing_resultaat(clients, zaak),
        lambda: create_resultaat(clients, zaak, resultaattype=resultaattype),
    )


def resolved_resultaattype(clients: Clients, zaak: Zaak, omschrijving: str) -> str:
    """The resultaattype's URL; one the zaaktype lacks is recorded on the lines, then refused."""
    try:
        return catalogus.resultaattype_url(clients.catalogi, zaaktype_url=zaak.zaaktype, omschrijving=omschrijving)
    except catalogus.CatalogusError as exc:
        readthrough.zaakstatus_failed(zaak=zaak, detail=str(exc))
        raise


def existing_resultaat(clients: Clients, zaak: Zaak) -> str | None:
    return next((str(r["url"]) for r in clients.zaken.list_resultaten(zaak=zaak.url)), None)


def create_resultaat(clients: Clients, zaak: Zaak, *, resultaattype: str, toelichting: str = "") -> str:
    """One resultaat per zaak: when the Zaken API says the zaak has one already (`unique`), that is it."""
    try:
        return str(
            clients.zaken.create_resultaat(zaak=zaak.url, resultaattype=resultaattype, toelichting=toelichting)["url"]
        )
    except ZGWRequestError as exc:
        if exc.has_code("unique") and (found := existing_resultaat(clients, zaak)):
            return found
        raise
