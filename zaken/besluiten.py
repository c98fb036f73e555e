"""A beschikking in the ZGW APIs: a besluit per zaak, the letter related to each, resultaat and status.

A besluit has one `zaak`, fixed at creation (DOMAIN.md section 5). Voorzieningen sharing a zaak
(arrangement, hoofdzaak) get one besluit there; voorzieningen in separate zaken get one besluit per
zaak, each with its own identificatie derived from the beschikkingnummer, and the same letter.
Like registration, every result is stored at once and every POST is preceded by a committed marker.
"""

from __future__ import annotations

from collections import defaultdict
from contextlib import ExitStack

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from regiekoppeling.lifecycle.states import Status
from regiekoppeling.models import Beschikking, BeschikkingRegel
from regiekoppeling.outbox import NotReady, PermanentError

from . import catalogus, readthrough
from .clients import BesluitenClient, ZGWRequestError
from .models import Besluit, Zaak, ZGWConfig
from .registration import Clients, config_for, create_once, existing_status, now_iso, open_clients, status_mapping
from .statussen import create_resultaat, existing_resultaat, record_current_status


class NotReadyError(NotReady):
    """Something this step needs (the zaak, the stored letter) does not exist yet: retry later."""


def _zaak_of_line(regel: BeschikkingRegel) -> Zaak:
    # A deelzaak or own/shared zaak carries the voorziening; the hoofdzaak carries all of them.
    zaak = regel.voorziening.zaken.exclude(soort=Zaak.Soort.HOOFDZAAK).exclude(url="").first()
    if zaak is None:
        raise NotReadyError(f"Voorziening {regel.voorziening.uuid} heeft nog geen zaak.")
    return zaak


def _uitkomst(regels: list[BeschikkingRegel]) -> str:
    afgewezen = all(r.uitkomst == BeschikkingRegel.Uitkomst.AFGEWEZEN for r in regels)
    return "Afgewezen" if afgewezen else "Toegekend"


def beschikking_register(*, beschikking_id: int) -> None:
    """Outbox handler: besluit(en), letter, resultaat and status for one beschikking."""
    beschikking = Beschikking.objects.select_related("aanvraag__gemeente", "brief").get(pk=beschikking_id)
    config = config_for(beschikking.aanvraag)
    regels = list(beschikking.regels.select_related("voorziening"))
    per_zaak: dict[Zaak, list[BeschikkingRegel]] = defaultdict(list)
    for regel in regels:
        per_zaak[_zaak_of_line(regel)].append(regel)
    letter = beschikking.brief.informatieobject if beschikking.brief else ""
    if beschikking.brief and not letter:
        raise NotReadyError("De beschikkingsbrief staat nog niet in de Documenten API.")
    with ExitStack() as stack:
        clients = open_clients(config, stack)
        besluiten = stack.enter_context(BesluitenClient.for_service(config.besluiten_service))
        several = len(per_zaak) > 1
        failures: list[Exception] = []
        for index, (zaak, zaak_regels) in enumerate(sorted(per_zaak.items(), key=lambda kv: kv[0].pk), start=1):
            identificatie = (
                f"{beschikking.beschikkingnummer}-{index}" if several else str(beschikking.beschikkingnummer)
            )
            besluit, _ = Besluit.objects.get_or_create(
                beschikking=beschikking, zaak=zaak, defaults={"identificatie": identificatie}
            )
            # A failure on one zaak does not keep the others from their besluit, letter and outcome.
            try:
                _ensure_besluit(clients, besluiten, config, beschikking, besluit)
                if letter:
                    _ensure_letter(besluiten, besluit, letter)
                _ensure_outcome(clients, config, beschikking, besluit, zaak_regels)
            except Exception as exc:  # noqa: BLE001 - re-raised below, once every zaak had its turn
                failures.append(exc)
        # Retryable first: a rerun (which skips what is done) may still finish a zaak that was refused.
        if failures:
            raise next((f for f in failures if not isinstance(f, PermanentError)), failures[0])


def _ensure_besluit(
    clients: Clients, besluiten: BesluitenClient, config: ZGWConfig, beschikking: Beschikking, besluit: Besluit
) -> None:
    if besluit.url:
        return
    zaaktype = catalogus.zaaktype_by_url(clients.catalogi, besluit.zaak.zaaktype)
    besluittype = catalogus.besluittype_url(
        clients.catalogi, catalogus=config.catalogus, omschrijving=config.besluittype, zaaktype=zaaktype
    )
    body = {
        "identificatie": besluit.identificatie,
        "verantwoordelijkeOrganisatie": config.bronorganisatie,
        "besluittype": besluittype,
        "zaak": besluit.zaak.url,
        "datum": beschikking.datum.isoformat(),
        "ingangsdatum": beschikking.ingangsdatum.isoformat(),
        "toelichting": f"Beschikking {beschikking.beschikkingnummer}"[:1000],
    }
    if beschikking.vervaldatum:
        body["vervaldatum"] = beschikking.vervaldatum.isoformat()
        body["vervalreden"] = "tijdelijk"

    def find() -> str | None:
        found = besluiten.find_besluit(
            identificatie=besluit.identificatie, verantwoordelijke_organisatie=config.bronorganisatie
        )
        return str(found["url"]) if found else None

    def create() -> str:
        try:
            return str(besluiten.create_besluit(body)["url"])
        except ZGWRequestError as exc:
            if exc.has_code("identificatie-niet-uniek") and (found := find()):
                return found
            raise

    besluit.url = create_once(besluit, "besluit", find, create)
    besluit.save(update_fields=["url"])


def _ensure_letter(besluiten: BesluitenClient, besluit: Besluit, letter: str) -> None:
    if besluit.brief_url:
        return

    def find() -> str | None:
        matches = [
            b for b in besluiten.list_besluitinformatieobjecten(besluit=besluit.url) if b["informatieobject"] == letter
        ]
        return str(matches[0]["url"]) if matches else None

    besluit.brief_url = create_once(
        besluit,
        "brief",
        find,
        lambda: str(besluiten.create_besluitinformatieobject(besluit=besluit.url, informatieobject=letter)["url"]),
    )
    besluit.save(update_fields=["brief_url"])


def _ensure_outcome(
    clients: Clients, config: ZGWConfig, beschikking: Beschikking, besluit: Besluit, regels: list[BeschikkingRegel]
) -> None:
    """The resultaat and the status the beschikking brings, as far as the zaak does not have them yet."""
    if besluit.resultaat_url and besluit.status_url:
        return  # a rerun: both were done before
    zaak = besluit.zaak
    uitkomst = _uitkomst(regels)
    remote = clients.zaken.get_zaak(zaak.url)
    if not besluit.resultaat_url:
        if remote.get("resultaat"):
            besluit.resultaat_url = remote["resultaat"]  # one resultaat per zaak: it has one already
        else:
            resultaattype = catalogus.resultaattype_url(
                clients.catalogi, zaaktype_url=zaak.zaaktype, omschrijving=uitkomst
            )
            besluit.resultaat_url = create_once(
                besluit,
                "resultaat",
                lambda: existing_resultaat(clients, zaak),
                lambda: create_resultaat(
                    clients,
                    zaak,
                    resultaattype=resultaattype,
                    toelichting=f"Beschikking {beschikking.beschikkingnummer}",
                ),
            )
        besluit.save(update_fields=["resultaat_url"])
    if besluit.status_url:
        return
    if remote.get("einddatum"):
        # Closed already (never a status after the end status): the voorzieningen show where it is.
        types = catalogus.statustypen(clients.catalogi, zaaktype_url=zaak.zaaktype)
        record_current_status(clients, zaak, remote, types)
        return
    # Afgewezen ends the lifecycle: the end status closes the zaak. A grant continues (toewijzing,
    # levering), so it gets the mapped status for the granted state, if one is configured.
    types = catalogus.statustypen(clients.catalogi, zaaktype_url=zaak.zaaktype)
    if uitkomst == "Afgewezen":
        statustype: catalogus.Statustype | None = next((t for t in types if t.is_eindstatus), types[-1])
    else:
        identificatie = config.zaaktype_for(beschikking.aanvraag.wet)
        omschrijving = status_mapping(config, identificatie, Status.TOEGEKEND)
        statustype = (
            catalogus.statustype(clients.catalogi, zaaktype_url=zaak.zaaktype, omschrijving=omschrijving)
            if omschrijving
            else None
        )
    if statustype is None:
        return
    current = remote.get("status") or ""
    datum = ""
    if current and clients.zaken.get_status(current)["statustype"] == statustype.url:
        besluit.status_url = current  # the zaak is there already
    else:
        datum = now_iso()
        besluit.status_url = create_once(
            besluit,
            "status",
            lambda: existing_status(clients, zaak, statustype.url),
            lambda: str(clients.zaken.create_status(zaak=zaak.url, statustype=statustype.url, datum=datum)["url"]),
        )
    besluit.save(update_fields=["status_url"])
    zaak.huidige_status_url = besluit.status_url
    zaak.status_gezet_op = parse_datetime(datum) if datum else timezone.now()
    zaak.save(update_fields=["huidige_status_url", "status_gezet_op"])
    readthrough.zaakstatus_set(zaak=zaak, omschrijving=statustype.omschrijving)
