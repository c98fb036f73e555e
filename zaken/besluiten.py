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

from . import catalogus, mapping, readthrough
from .clients import BesluitenClient, ZGWRequestError
from .models import Besluit, Zaak, ZGWConfig
from .registration import Clients, config_for, create_once, open_clients, status_once
from .statussen import (
    create_resultaat,
    existing_resultaat,
    mapped_statustype,
    record_current_status,
    resolved_resultaattype,
)


class NotReadyError(NotReady):
    """Something this step needs (the zaak, the stored letter) does not exist yet: retry later."""


def _zaak_of_line(regel: BeschikkingRegel) -> Zaak:
    # A deelzaak or own/shared zaak carries the voorziening; the hoofdzaak carries all of them.
    zaak = regel.voorziening.zaken.exclude(soort=Zaak.Soort.HOOFDZAAK).exclude(url="").first()
    if zaak is None:
        raise NotReadyError(f"Voorziening {regel.voorziening.uuid} heeft nog geen zaak.")
    return zaak


def _uitkomst(regels: list[BeschikkingRegel]) -> str:
    """The zaak's outcome (one resultaat per zaak): afgewezen when every line is, else toegekend."""
    afgewezen = all(r.uitkomst == BeschikkingRegel.Uitkomst.AFGEWEZEN for r in regels)
    return Status.AFGEWEZEN if afgewezen else Status.TOEGEKEND


def _regels_toelichting(regels: list[BeschikkingRegel]) -> str:
    """Each line's own outcome when a zaak (shared by an arrangement) covers several: that zaak has one
    resultaat and one besluit, and neither API has a field per line, so the lines are named."""
    if len(regels) < 2:
        return ""
    return ": " + "; ".join(
        f"regel {r.voorziening.volgnummer} ({r.voorziening.product.code or r.voorziening.product.categorie}): "
        f"{r.get_uitkomst_display().lower()}"
        for r in sorted(regels, key=lambda r: r.voorziening.volgnummer)
    )


def _toelichting(beschikking: Beschikking, regels: list[BeschikkingRegel]) -> str:
    """The resultaat's toelichting: the beschikkingnummer and each line's own outcome."""
    return f"Beschikking {beschikking.beschikkingnummer}" + _regels_toelichting(regels)


def beschikking_register(*, beschikking_id: int) -> None:
    """Outbox handler: besluit(en), letter, resultaat and status for one beschikking."""
    beschikking = Beschikking.objects.select_related("aanvraag__gemeente", "brief").get(pk=beschikking_id)
    config = config_for(beschikking.aanvraag)
    regels = list(beschikking.regels.select_related("voorziening__product"))
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
                toelichting = besluit_toelichting(beschikking.beschikkingnummer, index, len(per_zaak))
                toelichting += _regels_toelichting(zaak_regels)
                _ensure_besluit(clients, besluiten, config, beschikking, besluit, zaak_regels, toelichting)
                if letter:
                    _ensure_letter(besluiten, besluit, letter)
                _ensure_outcome(clients, config, beschikking, besluit, zaak_regels)
            except Exception as exc:  # noqa: BLE001 - re-raised below, once every zaak had its turn
                failures.append(exc)
        # Retryable first: a rerun (which skips what is done) may still finish a zaak that was refused.
        if failures:
            raise next((f for f in failures if not isinstance(f, PermanentError)), failures[0])


def besluit_toelichting(beschikkingnummer: int, index: int, total: int) -> str:
    """How a reader of the Besluiten API tells which besluiten form one beschikking: the toelichting
    starts with "Beschikking <nummer>" and, when the beschikking spans several zaken, names its
    parts (identificatie `<nummer>-1` .. `<nummer>-<total>`; with one zaak it is the nummer itself)."""
    text = f"Beschikking {beschikkingnummer}"
    if total > 1:
        text += (
            f" (besluit {index} van {total}: de besluiten {beschikkingnummer}-1 tot en met "
            f"{beschikkingnummer}-{total} vormen samen deze beschikking, met één brief)"
        )
    return text


def _ensure_besluit(
    clients: Clients,
    besluiten: BesluitenClient,
    config: ZGWConfig,
    beschikking: Beschikking,
    besluit: Besluit,
    regels: list[BeschikkingRegel],
    toelichting: str,
) -> None:
    if besluit.url:
        return
    zaaktype = catalogus.zaaktype_by_url(clients.catalogi, besluit.zaak.zaaktype)
    aanvraag = beschikking.aanvraag
    products = [aanvraag.arrangement_product_id, *(r.voorziening.product_id for r in regels)]
    mappings = mapping.for_products(config, products)
    omschrijving = mapping.besluittype(config, [mappings.get(p) for p in products if p is not None])
    besluittype = catalogus.besluittype_url(
        clients.catalogi, catalogus=config.catalogus, omschrijving=omschrijving, zaaktype=zaaktype
    )
    body = {
        "identificatie": besluit.identificatie,
        "verantwoordelijkeOrganisatie": config.bronorganisatie,
        "besluittype": besluittype,
        "zaak": besluit.zaak.url,
        "datum": beschikking.datum.isoformat(),
        "ingangsdatum": beschikking.ingangsdatum.isoformat(),
        "toelichting": toelichting[:1000],
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
    mapped = mapping.state(
        config,
        zaaktype_identificatie=catalogus.identificatie_of(clients.catalogi, zaak.zaaktype),
        wet=beschikking.aanvraag.wet,
        status=uitkomst,
    )
    remote = clients.zaken.get_zaak(zaak.url)
    if not besluit.resultaat_url:
        if remote.get("resultaat"):
            besluit.resultaat_url = remote["resultaat"]  # one resultaat per zaak: it has one already
        else:
            resultaattype = resolved_resultaattype(clients, zaak, mapped.resultaattype)
            besluit.resultaat_url = create_once(
                besluit,
                "resultaat",
                lambda: existing_resultaat(clients, zaak),
                lambda: create_resultaat(
                    clients, zaak, resultaattype=resultaattype, toelichting=_toelichting(beschikking, regels)
                ),
            )
        besluit.save(update_fields=["resultaat_url"])
    if besluit.status_url:
        return
    types = catalogus.statustypen(clients.catalogi, zaaktype_url=zaak.zaaktype)
    if remote.get("einddatum"):
        # Closed already (never a status after the end status): the voorzieningen show where it is.
        record_current_status(clients, zaak, remote, types)
        return
    # Afgewezen ends the lifecycle: the end status closes the zaak. A grant continues (toewijzing,
    # levering), so it gets the mapped status for the granted state (recorded on the lines when unmapped).
    statustype: catalogus.Statustype | None
    if uitkomst == Status.AFGEWEZEN:
        statustype = next((t for t in types if t.is_eindstatus), types[-1])
    else:
        statustype = mapped_statustype(zaak, uitkomst, mapped, types)
    if statustype is None:
        return
    current = remote.get("status") or ""
    datum = ""
    if current and clients.zaken.get_status(current)["statustype"] == statustype.url:
        besluit.status_url = current  # the zaak is there already
    else:
        datum, call = status_once(clients, zaak, besluit, "status", statustype.url)
        besluit.status_url = call()
    besluit.save(update_fields=["status_url"])
    zaak.huidige_status_url = besluit.status_url
    zaak.status_gezet_op = parse_datetime(datum) if datum else timezone.now()
    zaak.save(update_fields=["huidige_status_url", "status_gezet_op"])
    readthrough.zaakstatus_set(zaak=zaak, omschrijving=statustype.omschrijving)
