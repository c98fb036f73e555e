"""Lifecycle changes to the Zaken API: the mapped status, and resultaat plus end status where the
lifecycle ends (afgewezen, ingetrokken, niet verwerkbaar, beeindigd).

A zaak shared by several voorzieningen follows them together: it moves when their common state does
(`aanvraag_status_from_lines`), and closes only when all of them are done.
"""

from __future__ import annotations

from contextlib import ExitStack

from regiekoppeling.lifecycle.states import Status, aanvraag_status_from_lines
from regiekoppeling.models import Aanvraag

from . import catalogus, readthrough
from .clients import JSON
from .models import Zaak, ZGWConfig
from .registration import Clients, config_for, create_once, now_iso, open_clients, status_mapping

# Terminal states and the resultaat (omschrijving of the resultaattype) that closes the zaak.
_RESULTAAT: dict[str, str] = {
    Status.AFGEWEZEN: "Afgewezen",
    Status.NIET_VERWERKBAAR: "Afgewezen",
    Status.INGETROKKEN: "Ingetrokken",
    Status.BEEINDIGD: "Toegekend",
}


class ZaakNotRegisteredError(Exception):
    """The zaak does not exist yet (registration still running): retry later."""


def zaakstatus_update(*, aanvraag_id: int, voorziening_uuids: list[str]) -> None:
    """Outbox handler for `zaak_status`: bring the zaken of these voorzieningen up to date."""
    aanvraag = Aanvraag.objects.select_related("gemeente").get(pk=aanvraag_id)
    config = config_for(aanvraag)
    lines = list(aanvraag.voorzieningen.filter(uuid__in=voorziening_uuids))
    zaken = list(
        Zaak.objects.filter(voorzieningen__in=lines).exclude(soort=Zaak.Soort.HOOFDZAAK).distinct().order_by("id")
    )
    if not zaken or any(not z.url for z in zaken):
        raise ZaakNotRegisteredError(f"Aanvraag {aanvraag.uuid} is nog niet (volledig) geregistreerd.")
    with ExitStack() as stack:
        clients = open_clients(config, stack)
        for zaak in zaken:
            _follow(clients, config, aanvraag, zaak)


def _follow(clients: Clients, config: ZGWConfig, aanvraag: Aanvraag, zaak: Zaak) -> None:
    target = aanvraag_status_from_lines(list(zaak.voorzieningen.values_list("status", flat=True)))
    types = catalogus.statustypen(clients.catalogi, zaaktype_url=zaak.zaaktype)
    if target in _RESULTAAT:
        remote = clients.zaken.get_zaak(zaak.url)
        if remote.get("einddatum"):
            return  # closed already (by a beschikking, or an earlier run)
        _ensure_resultaat(clients, zaak, remote, _RESULTAAT[target])
        wanted: catalogus.Statustype | None = next((t for t in types if t.is_eindstatus), types[-1])
    else:
        omschrijving = status_mapping(config, config.zaaktype_for(aanvraag.wet), target)
        wanted = next((t for t in types if t.omschrijving == omschrijving), None) if omschrijving else None
    if wanted is None:
        return  # nothing mapped for this state: the zaak keeps its status
    current = clients.zaken.get_status(zaak.huidige_status_url) if zaak.huidige_status_url else None
    if current is not None and current["statustype"] == wanted.url:
        return
    step = f"status:{target}"
    url = create_once(
        zaak,
        step,
        lambda: _existing_status(clients, zaak, wanted.url),
        lambda: str(clients.zaken.create_status(zaak=zaak.url, statustype=wanted.url, datum=now_iso())["url"]),
    )
    zaak.huidige_status_url = url
    zaak.save(update_fields=["huidige_status_url"])
    readthrough.zaakstatus_set(zaak=zaak, omschrijving=wanted.omschrijving)


def _existing_status(clients: Clients, zaak: Zaak, statustype: str) -> str | None:
    found = [s for s in clients.zaken.list_statussen(zaak=zaak.url) if s["statustype"] == statustype]
    return str(found[-1]["url"]) if found else None


def _ensure_resultaat(clients: Clients, zaak: Zaak, remote: JSON, omschrijving: str) -> None:
    if remote.get("resultaat"):
        return  # one resultaat per zaak; a beschikking may have set it
    resultaattype = catalogus.resultaattype_url(clients.catalogi, zaaktype_url=zaak.zaaktype, omschrijving=omschrijving)
    create_once(
        zaak,
        "resultaat",
        lambda: next((str(r["url"]) for r in clients.zaken.list_resultaten(zaak=zaak.url)), None),
        lambda: str(clients.zaken.create_resultaat(zaak=zaak.url, resultaattype=resultaattype)["url"]),
    )
