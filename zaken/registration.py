"""Registration of an aanvraag in the ZGW APIs: zaak(en), initial status, initiator rol, documents.

Every remote result is stored the moment it exists, and every POST is preceded by a committed
"attempted" marker. A rerun after a failure at any step therefore continues where it stopped: it
skips what is stored, and looks up what was sent but never answered (a zaak by its identificatie,
a status, rol or zaakinformatieobject by listing the zaak's), so nothing is created twice.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from functools import partial

from django.db import connection, transaction
from django.utils import timezone

from documenten.clients import DocumentenClient
from documenten.upload import document_failed, mark_uploads, upload_step
from regiekoppeling import selectors
from regiekoppeling.lifecycle.states import Status
from regiekoppeling.models import Aanvraag, Document, Voorziening
from regiekoppeling.outbox import NotReady, PermanentError

from . import catalogus, configcache, mapping, readthrough
from .clients import JSON, CatalogiClient, ZaakBody, ZakenClient, ZGWRequestError, ZGWUnavailableError
from .concurrent import Calls, Remote, run_now
from .models import Besluit, Zaak, ZaakDocument, ZGWConfig

logger = logging.getLogger(__name__)

# How often a running registration looks for documents uploaded since it started (they go along with
# it instead of waiting for their own item). Each look is a query on the thread that stores every
# result: looking after every result made it the largest part of that thread's work.
POLL_DOCUMENTS_SECONDS = 0.05


@dataclass
class Clients:
    zaken: ZakenClient
    catalogi: CatalogiClient


def open_clients(config: ZGWConfig, stack: ExitStack) -> Clients:
    """Fresh clients (fresh JWTs) per unit of work, with their sessions kept open across its calls."""
    return Clients(
        zaken=stack.enter_context(ZakenClient.for_service(config.zaken_service)),
        catalogi=stack.enter_context(CatalogiClient.for_service(config.catalogi_service)),
    )


def config_for(aanvraag: Aanvraag) -> ZGWConfig:
    """The gemeente's configuration with its services (kept per process: `configcache`); read only."""
    config = configcache.config_of(aanvraag.gemeente_id)
    if config is None:
        raise PermanentError(f"Geen ZGW-configuratie voor gemeente {aanvraag.gemeente.code}.")
    return config


# --- the plan: which zaken, deterministic so a rerun finds the same rows --------------------------


def _identificatie(aanvraag: Aanvraag, suffix: str) -> str:
    return f"RK-{aanvraag.uuid.hex[:16].upper()}-{suffix}"


def zaken_plan(*, aanvraag: Aanvraag, config: ZGWConfig, clients: Clients) -> list[Zaak]:
    """The zaken of an aanvraag (`mapping.plan`: per product, then the gemeente); hoofdzaak first. A new
    row is written with its lines and the marker of its create in one transaction: the marker commits
    before the POST, as every step's does, without a statement of its own."""
    lines = list(aanvraag.voorzieningen.select_related("product"))  # the product names the zaak
    existing = {z.identificatie: z for z in Zaak.objects.filter(aanvraag=aanvraag)}

    def type_url(identificatie: str) -> str:
        return str(catalogus.zaaktype(clients.catalogi, catalogus=config.catalogus, identificatie=identificatie)["url"])

    planned = mapping.plan(config, aanvraag, lines)
    plan: list[Zaak] = []
    hoofdzaak = None
    deel = [p for p in planned if p.deelzaak]
    if deel:
        hoofdtype = config.hoofdzaaktype or config.zaaktype_for(aanvraag.wet)
        hoofd_lines = [v for p in deel for v in p.lines]
        hoofdzaak = _planned(aanvraag, "H", Zaak.Soort.HOOFDZAAK, type_url(hoofdtype), hoofd_lines, None, existing)
        plan.append(hoofdzaak)
    for p in planned:
        soort = Zaak.Soort.DEELZAAK if p.deelzaak else Zaak.Soort.GEDEELD if p.gedeeld else Zaak.Soort.EIGEN
        plan.append(
            _planned(
                aanvraag, p.suffix, soort, type_url(p.zaaktype), p.lines, hoofdzaak if p.deelzaak else None, existing
            )
        )
    return plan


def _planned(
    aanvraag: Aanvraag,
    suffix: str,
    soort: str,
    zaaktype_url: str,
    lines: list[Voorziening],
    hoofdzaak: Zaak | None,
    existing: dict[str, Zaak],
) -> Zaak:
    # The row and its lines in one transaction: a crash between the two (the fault suite killed a worker
    # there) left a zaak without lines, registered on the rerun while its lines never learnt of it.
    zaak = existing.get(_identificatie(aanvraag, suffix))
    with transaction.atomic():
        if zaak is None:
            zaak = Zaak.objects.create(
                identificatie=_identificatie(aanvraag, suffix),
                aanvraag=aanvraag,
                soort=soort,
                zaaktype=zaaktype_url,
                hoofdzaak=hoofdzaak,
                pogingen=["zaak"],
            )
            zaak.marked_with_row = True
            zaak.voorzieningen.add(*lines)  # a new zaak has none: no need to read them first, as set() does
            # Its lines as if prefetched, with their products: the zaak's body needs no query of its own.
            shown = selectors.answered_with(zaak.voorzieningen.all(), lines)
            zaak._prefetched_objects_cache = {"voorzieningen": shown}  # type: ignore[attr-defined]
        elif not zaak.voorzieningen.exists():
            # Left so by a release that committed the row alone: heal it on the rerun.
            zaak.voorzieningen.add(*lines)
    return zaak


# --- steps ----------------------------------------------------------------------------------------


def _mark_attempt(zaak: Zaak | Besluit, step: str, *, save: bool = True) -> bool:
    """Record (committed) that `step` is about to be sent; True when it was sent before. With `save`
    False the caller commits the marker itself, together with other fields, before the call goes out."""
    if step in zaak.pogingen:
        return True
    zaak.pogingen = [*zaak.pogingen, step]
    if save:
        zaak.save(update_fields=["pogingen"])
    return False


def _zaak_body(aanvraag: Aanvraag, zaak: Zaak, config: ZGWConfig) -> ZaakBody:
    prefetched = "voorzieningen" in getattr(zaak, "_prefetched_objects_cache", {})
    lines = list(zaak.voorzieningen.all() if prefetched else zaak.voorzieningen.select_related("product"))
    names = ", ".join(v.product.omschrijving for v in lines)
    body: ZaakBody = {
        "identificatie": zaak.identificatie,
        "bronorganisatie": config.bronorganisatie,
        "verantwoordelijkeOrganisatie": config.bronorganisatie,
        "zaaktype": zaak.zaaktype,
        "startdatum": timezone.localdate(aanvraag.aangemaakt_op).isoformat(),
        "omschrijving": f"{aanvraag.get_wet_display()}: {names}"[:80],
        "toelichting": f"Aanvraag {aanvraag.uuid} via de regiekoppeling"[:1000],
        "vertrouwelijkheidaanduiding": config.vertrouwelijkheidaanduiding,
        "kenmerken": [{"kenmerk": str(aanvraag.uuid), "bron": "regiekoppeling"}],
    }
    if zaak.hoofdzaak is not None:
        body["hoofdzaak"] = zaak.hoofdzaak.url
    if aanvraag.gezinsplan_zaak:
        body["relevanteAndereZaken"] = [{"url": aanvraag.gezinsplan_zaak, "aardRelatie": "bijdrage"}]
    return body


def zaak_step(
    clients: Clients, config: ZGWConfig, aanvraag: Aanvraag, zaak: Zaak, *, save: bool = True
) -> Remote[str] | None:
    """The zaak's create (or the lookup of one sent before), after its committed marker; None when stored.
    With `save` False its store only sets the URL: the caller commits it (with the next markers)."""
    if zaak.url:
        return None
    # Marked with its row in this run: the first attempt (once: a later step on this object asks again).
    sent_before = False if zaak.marked_with_row else _mark_attempt(zaak, "zaak")
    zaak.marked_with_row = False
    body = _zaak_body(aanvraag, zaak, config)

    def call() -> str:
        found = None
        if sent_before:
            found = clients.zaken.find_zaak(identificatie=zaak.identificatie, bronorganisatie=config.bronorganisatie)
        if found is None:
            try:
                found = clients.zaken.create_zaak(body)
            except ZGWRequestError as exc:
                # Our own identificatie is already taken: an earlier attempt created it after all.
                if not exc.has_code("identificatie-niet-uniek"):
                    raise
                found = clients.zaken.find_zaak(
                    identificatie=zaak.identificatie, bronorganisatie=config.bronorganisatie
                )
                if found is None:
                    raise
        return str(found["url"])

    def store(url: str) -> None:
        zaak.url = url
        if save:
            zaak.save(update_fields=["url"])

    return Remote(call, store)


def ensure_zaak(clients: Clients, config: ZGWConfig, aanvraag: Aanvraag, zaak: Zaak) -> None:
    run_now(zaak_step(clients, config, aanvraag, zaak))


def initial_statustype(clients: Clients, config: ZGWConfig, aanvraag: Aanvraag, zaak: Zaak) -> catalogus.Statustype:
    """The statustype the zaak starts in. Unmapped (or mapped to "no change"): the zaaktype's first
    statustype. A name the catalogue does not know is a CatalogusError, shown as a failed registration
    on the lines."""
    wanted_state = mapping.state(
        config,
        zaaktype_identificatie=catalogus.identificatie_of(clients.catalogi, zaak.zaaktype),
        wet=aanvraag.wet,
        status=Status.ONTVANGEN,
    )
    return catalogus.statustype(
        clients.catalogi, zaaktype_url=zaak.zaaktype, omschrijving=wanted_state.statustype or None
    )


def initial_status_step(
    clients: Clients, config: ZGWConfig, aanvraag: Aanvraag, zaak: Zaak, *, wanted: catalogus.Statustype | None = None
) -> tuple[catalogus.Statustype, Remote[str] | None]:
    """The statustype the zaak starts in (`wanted`, when looked up before), and the call that sets it
    (None: set already, or not ours to set). Its marker is set on the object only: the caller commits it
    with the zaak's URL before the call."""
    if wanted is None:
        wanted = initial_statustype(clients, config, aanvraag, zaak)
    if zaak.status_url or not config.initiele_status_zetten:
        return wanted, None

    datum, call = status_once(
        clients,
        zaak,
        zaak,
        "status",
        wanted.url,
        toelichting="Aanvraag ontvangen via de regiekoppeling",
        save=False,  # committed by the caller with the zaak's URL
    )

    def store(url: str) -> None:
        zaak.status_url = url
        zaak.huidige_status_url = zaak.status_url
        zaak.status_gezet_op = dt.datetime.fromisoformat(datum)
        zaak.save(update_fields=["status_url", "huidige_status_url", "status_gezet_op"])

    return wanted, Remote(call, store)


def existing_status(clients: Clients, zaak: Zaak, statustype: str) -> str | None:
    """The zaak's latest status of this statustype (one sent before whose answer was lost), if any."""
    found = [s for s in clients.zaken.list_statussen(zaak=zaak.url) if s["statustype"] == statustype]
    return str(found[-1]["url"]) if found else None


# The marker of a rol made while an earlier POST of it might still be stored (with the moment it was made).
ROL_NAZIEN = "rol:nazien@"


def rol_bsn(rol: JSON) -> str:
    """The BSN of a natuurlijk persoon's rol as the Zaken API shows it ('' for any other)."""
    return str((rol.get("betrokkeneIdentificatie") or {}).get("inpBsn") or "")


def rol_type(clients: Clients, config: ZGWConfig, zaak: Zaak) -> str:
    return catalogus.roltype_url(
        clients.catalogi, zaaktype_url=zaak.zaaktype, omschrijving_generiek=config.roltype_omschrijving_generiek
    )


def rol_step(
    clients: Clients, config: ZGWConfig, aanvraag: Aanvraag, zaak: Zaak, *, roltype: str | None = None
) -> Remote[str] | None:
    """The initiator's rol (`roltype`, when looked up before), after its marker (committed by the caller)."""
    if zaak.rol_url:
        return None
    if roltype is None:
        roltype = rol_type(clients, config, zaak)
    body: JSON = {
        "zaak": zaak.url,
        "roltype": roltype,
        "betrokkeneType": "natuurlijk_persoon",
        "roltoelichting": "Client van de aanvraag",
        "betrokkeneIdentificatie": {
            "inpBsn": aanvraag.client_bsn,
            "geslachtsnaam": aanvraag.client_achternaam[:200],
            "voorvoegselGeslachtsnaam": aanvraag.client_voorvoegsel[:80],
            "voornamen": aanvraag.client_voornamen[:200],
            "geboortedatum": aanvraag.client_geboortedatum.isoformat(),
        },
    }

    in_doubt: list[bool] = []

    def find() -> str | None:
        # Ours: this roltype for this client (another system may have put someone else in a rol).
        bsn = aanvraag.client_bsn
        rollen = clients.zaken.list_rollen(zaak=zaak.url)
        matches = [r for r in rollen if r.get("roltype") == roltype and rol_bsn(r) == bsn]
        return str(matches[0]["url"]) if matches else None

    # One initiator per zaak (Open Zaak's `max-occurences`). A rol of any other kind has nothing to be
    # refused by: one not found after an earlier attempt may yet come, so the reconciliation looks later.
    call = attempt_once(
        zaak,
        "rol",
        find,
        lambda: str(clients.zaken.create_rol(body)["url"]),
        save=False,
        taken=("max-occurences",),
        missing=lambda: in_doubt.append(True),
    )

    def store(url: str) -> None:
        zaak.rol_url = url
        fields = ["rol_url"]
        if in_doubt:
            zaak.pogingen = [*zaak.pogingen, f"{ROL_NAZIEN}{now_iso()}"]
            fields.append("pogingen")
        zaak.save(update_fields=fields)

    return Remote(call, store)


def document_belongs(zaak: Zaak, document: Document) -> bool:
    """A document of the aanvraag goes to every zaak; one attached to a voorziening only to its zaak."""
    return document.voorziening_id is None or zaak.voorzieningen.filter(pk=document.voorziening_id).exists()


def _lock(key: str) -> None:
    # A session-level advisory lock, not a transaction, so the attempt markers inside still commit
    # before each POST.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(hashtextextended(%s, 0))", [key])


def _unlock(key: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", [key])


def relate_document(clients: Clients, zaak: Zaak, document: Document) -> None:
    """One zaakinformatieobject per (zaak, document); the pair row is claimed first."""
    # One worker at a time per (zaak, document): the registration and a document item may both get
    # here, and two concurrent POSTs would relate the document twice.
    key = f"zaakdocument:{zaak.pk}:{document.pk}"
    _lock(key)
    try:
        relation, _ = ZaakDocument.objects.get_or_create(zaak=zaak, document=document)
        if not relation.url:
            _relate_locked(clients, zaak, document, relation)
    finally:
        _unlock(key)


# The pair's row (made, or found as it is) and, when its relation is still to be sent, the zaak's
# marker for it: one statement, committed before the call. As `get_or_create` and `_mark_attempt` it
# was five (a SELECT, then BEGIN, INSERT, COMMIT, and the marker's UPDATE) between a document's answer
# and its relation's call, on the thread every result waits for (bench/README.md, "registration.py").
_CLAIM_RELATION = """
WITH relation AS (
    INSERT INTO {relations} AS r (zaak_id, document_id, url) VALUES (%(zaak)s, %(document)s, '')
    ON CONFLICT (zaak_id, document_id) DO UPDATE SET url = r.url
    RETURNING r.id, r.url
), marked AS (
    UPDATE {zaken} SET pogingen = %(pogingen)s::jsonb
     WHERE id = %(zaak)s AND %(mark)s AND EXISTS (SELECT 1 FROM relation WHERE url = '')
)
SELECT id, url FROM relation
"""


def _relation_step(document: Document) -> str:
    """The attempt marker of a document's relation on its zaak (`Zaak.pogingen`)."""
    return f"document:{document.pk}"


def _relation_claimed(zaak: Zaak, document: Document) -> tuple[ZaakDocument, bool]:
    """The pair's row, and whether its relation was sent before; marked (committed) when it is to be sent."""
    step = _relation_step(document)
    sent_before = step in zaak.pogingen
    pogingen = zaak.pogingen if sent_before else [*zaak.pogingen, step]
    sql = _CLAIM_RELATION.format(relations=ZaakDocument._meta.db_table, zaken=Zaak._meta.db_table)
    with connection.cursor() as cursor:
        pairs: dict[str, int | str | bool] = {
            "zaak": zaak.pk,
            "document": document.pk,
            "pogingen": json.dumps(pogingen),
            "mark": not sent_before,
        }
        cursor.execute(sql, pairs)
        relation_id, url = cursor.fetchone()
    if not url:
        zaak.pogingen = pogingen
    return ZaakDocument(id=relation_id, zaak=zaak, document=document, url=url), sent_before


def relation_step(clients: Clients, zaak: Zaak, document: Document) -> Remote[str] | None:
    """`relate_document` split at its call: the pair's lock is held until the call has ended."""
    key = f"zaakdocument:{zaak.pk}:{document.pk}"
    _lock(key)
    try:
        relation, sent_before = _relation_claimed(zaak, document)
        remote = None if relation.url else _relation_remote(clients, zaak, document, relation, sent_before=sent_before)
    except BaseException:
        _unlock(key)
        raise
    if remote is None:
        _unlock(key)
        return None
    remote.finish = lambda: _unlock(key)
    return remote


def _relate_locked(clients: Clients, zaak: Zaak, document: Document, relation: ZaakDocument) -> None:
    run_now(_relation_remote(clients, zaak, document, relation))


def _relation_remote(
    clients: Clients, zaak: Zaak, document: Document, relation: ZaakDocument, *, sent_before: bool | None = None
) -> Remote[str]:
    """The relation's call; `sent_before`: its marker was set by the caller (`_relation_claimed`),
    else it is set here."""
    step = _relation_step(document)

    def find() -> str | None:
        matches = [
            z
            for z in clients.zaken.list_zaakinformatieobjecten(zaak=zaak.url)
            if z["informatieobject"] == document.informatieobject
        ]
        return str(matches[0]["url"]) if matches else None

    def create() -> str:
        body = clients.zaken.create_zaakinformatieobject(
            zaak=zaak.url, informatieobject=document.informatieobject, titel=document.titel
        )
        return str(body["url"])

    def store(url: str) -> None:
        relation.url = url
        relation.save(update_fields=["url"])

    # 'unique': related by an earlier attempt whose answer was lost.
    if sent_before is None:
        return Remote(attempt_once(zaak, step, find, create, taken=("unique",)), store)
    return Remote(sent_once(sent_before, find, create, taken=("unique",)), store)


def attempt_once(
    zaak: Zaak | Besluit,
    step: str,
    find: Callable[[], str | None],
    create: Callable[[], str],
    *,
    save: bool = True,
    taken: tuple[str, ...] = (),
    missing: Callable[[], None] | None = None,
) -> Callable[[], str]:
    """Record (committed, in this thread) that `step` is sent; the call then looks up what an earlier
    attempt sent, or creates."""
    return sent_once(_mark_attempt(zaak, step, save=save), find, create, taken=taken, missing=missing)


def sent_once(
    sent_before: bool,
    find: Callable[[], str | None],
    create: Callable[[], str],
    *,
    taken: tuple[str, ...] = (),
    missing: Callable[[], None] | None = None,
) -> Callable[[], str]:
    """The call of a step: after an earlier attempt, what it stored (if `find` finds it; else `missing`
    is told); then the create. A POST we gave up on may be stored after our look: a refusal with a code
    of `taken` (what the Zaken API keeps unique) means it was, and `find` gives it."""

    def call() -> str:
        if sent_before:
            found = find()
            if found:
                return found
            if missing is not None:
                missing()
        try:
            return create()
        except ZGWRequestError as exc:
            found = find() if any(exc.has_code(code) for code in taken) else None
            if found is None:
                raise
            return found

    return call


def create_once(zaak: Zaak | Besluit, step: str, find: Callable[[], str | None], create: Callable[[], str]) -> str:
    return attempt_once(zaak, step, find, create)()


def status_once(
    clients: Clients,
    zaak: Zaak,
    marked: Zaak | Besluit,
    step: str,
    statustype: str,
    *,
    toelichting: str = "",
    save: bool = True,
) -> tuple[str, Callable[[], str]]:
    """A status's create as `attempt_once`, with its datumStatusGezet kept in the marker (on `marked`)
    and sent again by every attempt. A POST that times out may still be stored by the server after the
    retry looked for it and made its own (the fault suite saw 'Ontvangen' twice): Open Zaak refuses a
    second status of one zaak with the same datumStatusGezet ('unique'), so only one of them is kept.
    Returns the datum and the call."""
    prefix = f"{step}@"
    datum = next((p.removeprefix(prefix) for p in marked.pogingen if p.startswith(prefix)), "")
    # A bare marker was written by a release that did not keep the datum: sent before, with another one.
    sent_before = bool(datum) or step in marked.pogingen
    if not datum:
        datum = now_iso()
        marked.pogingen = [*marked.pogingen, prefix + datum]
        if save:
            marked.save(update_fields=["pogingen"])

    def create() -> str:
        body = clients.zaken.create_status(zaak=zaak.url, statustype=statustype, datum=datum, toelichting=toelichting)
        return str(body["url"])

    # This datum taken ('unique'): an earlier attempt was stored after all (after we gave up on it).
    return datum, sent_once(sent_before, lambda: existing_status(clients, zaak, statustype), create, taken=("unique",))


def now_iso() -> str:
    # Microseconds: two statussen of one zaak may not share a datumStatusGezet.
    return dt.datetime.now(dt.UTC).isoformat().replace("+00:00", "Z")


# --- the unit of work -----------------------------------------------------------------------------


def aanvraag_register(*, aanvraag_id: int) -> None:
    """Register every zaak of the aanvraag with its status and rol, and its documents (outbox handler)."""
    aanvraag = Aanvraag.objects.select_related("gemeente").get(pk=aanvraag_id)
    try:
        config = config_for(aanvraag)
        with ExitStack() as stack:
            clients = open_clients(config, stack)
            plan = zaken_plan(aanvraag=aanvraag, config=config, clients=clients)
            _Registration(aanvraag, config, clients, plan, stack).run()
    except PermanentError as exc:
        registration_failed(aanvraag=aanvraag, error=exc)
        raise
    except (ZGWUnavailableError, OSError) as exc:
        # Retried by the outbox; meanwhile the lines say why they are still waiting.
        readthrough.registration_delayed(aanvraag=aanvraag, detail=f"Vertraagd, wordt opnieuw geprobeerd: {exc}")
        raise


class _Registration:
    """The steps of one registration as a graph, each started once what it needs is stored.

    The zaken first (a deelzaak once its hoofdzaak exists); per zaak then its initial status, rol and a
    relation to each document at the same time. Documents need no zaak: those of the aanvraag, and those
    that arrive while this runs (they would otherwise wait for a worker behind it in their lane), go to
    the Documenten API meanwhile, and are related as soon as both exist. The calls run on the pool of
    `zaken.concurrent`; every database write (the marker before a call, its result after) is made here,
    in this thread. A document that fails is left to its own outbox item, which says so.
    """

    def __init__(self, aanvraag: Aanvraag, config: ZGWConfig, clients: Clients, plan: list[Zaak], stack: ExitStack):
        self.aanvraag, self.config, self.clients, self.plan, self.stack = aanvraag, config, clients, plan, stack
        self.calls = Calls()
        self.documenten: DocumentenClient | None = None
        self.seen: set[int] = set()
        self.stored: list[Document] = []
        self.related: set[tuple[int, int]] = set()
        self.ahead: dict[int, tuple[catalogus.Statustype, str]] = {}  # `_look_ahead`, by zaak id
        self.document_types: tuple[str, str] | None = None

    def run(self) -> None:
        for zaak in self.plan:
            if zaak.hoofdzaak_id is None:
                step = zaak_step(self.clients, self.config, self.aanvraag, zaak, save=False)
                self._then(step, partial(self._zaak_created, zaak))
        self._poll_documents()
        self._look_ahead()
        self.calls.run(poll=self._poll_documents, poll_seconds=POLL_DOCUMENTS_SECONDS)

    def _look_ahead(self) -> None:
        """What each zaak's status and rol need (the mapping's statustype, the catalogue's URLs), looked up
        while the zaken's POSTs are on their way: between a zaak's answer and its status's call (the
        critical path) only their markers are written. A lookup that fails is left to that moment, where
        its error is kept as every step's is."""
        for zaak in self.plan:
            if zaak.url:  # created before this run: its steps were prepared when `run` found it
                continue
            try:
                self.ahead[zaak.pk] = (
                    initial_statustype(self.clients, self.config, self.aanvraag, zaak),
                    rol_type(self.clients, self.config, zaak),
                )
            except (PermanentError, ZGWUnavailableError, OSError) as exc:
                logger.info("lookups of zaak %s left to its answer: %r", zaak.pk, exc)

    def _then(self, remote: Remote[str] | None, after: Callable[[], None]) -> None:
        """Start `remote`; `after` runs once its result is stored (at once when there is nothing to send)."""
        if remote is None:
            after()
            return

        def store(value: str) -> None:
            remote.store(value)
            after()

        self.calls.start(Remote(remote.call, store, remote.finish, remote.failed))

    def _zaak_created(self, zaak: Zaak) -> None:
        # The zaak's URL and the markers of its status and rol in one UPDATE, committed before any of
        # them goes out (three, one after another, were most of the time between the zaak's answer and
        # its status's call, the critical path). Stored even when preparing a step fails.
        wanted, roltype = self.ahead.get(zaak.pk, (None, None))
        try:
            wanted, status = initial_status_step(self.clients, self.config, self.aanvraag, zaak, wanted=wanted)
            rol = rol_step(self.clients, self.config, self.aanvraag, zaak, roltype=roltype)
        finally:
            zaak.save(update_fields=["url", "pogingen"])
        for deelzaak in self.plan:
            if deelzaak.hoofdzaak_id == zaak.pk:
                step = zaak_step(self.clients, self.config, self.aanvraag, deelzaak, save=False)
                self._then(step, partial(self._zaak_created, deelzaak))
        waiting = [status, rol]

        def done() -> None:
            waiting.pop()
            if not waiting:  # status and rol stored: the lines show the zaak
                omschrijving = wanted.omschrijving if self.config.initiele_status_zetten else None
                readthrough.zaak_registered(zaak=zaak, status_omschrijving=omschrijving)

        self._then(status, done)  # first: the longest call after the zaak, the critical path
        self._then(rol, done)
        for document in self.stored:
            self._relate(zaak, document)

    def _poll_documents(self) -> None:
        fresh = (
            self.aanvraag.documenten.exclude(pk__in=self.seen)
            .exclude(informatieobject="", registratie=Document.Registratie.MISLUKT)
            .select_related("aanvraag__gemeente", "indiener")
        )
        documents = list(fresh)
        self.seen.update(d.pk for d in documents)
        mark_uploads([d for d in documents if not d.informatieobject])  # one statement, before their calls
        for document in documents:
            if document.informatieobject:
                self._document_stored(document)
                continue
            if self.documenten is None:
                service = self.config.documenten_service
                self.documenten = self.stack.enter_context(DocumentenClient.for_service(service))
            try:
                if self.document_types is None:  # the same for every document of the aanvraag
                    self.document_types = mapping.document_types(self.config, self.aanvraag)
                step = upload_step(
                    self.clients.catalogi,
                    self.documenten,
                    document,
                    self.config,
                    types=self.document_types,
                    marked=True,
                )
            except (PermanentError, NotReady, ZGWUnavailableError, OSError) as exc:
                _document_left(document, exc)
                continue
            step.failed = partial(_document_left, document)
            self._then(step, partial(self._document_stored, document))

    def _document_stored(self, document: Document) -> None:
        self.stored.append(document)
        for zaak in self.plan:
            if zaak.url:
                self._relate(zaak, document)

    def _relate(self, zaak: Zaak, document: Document) -> None:
        if (zaak.pk, document.pk) in self.related or not document_belongs(zaak, document):
            return
        self.related.add((zaak.pk, document.pk))
        self.calls.start(relation_step(self.clients, zaak, document))


def _document_left(document: Document, error: Exception) -> None:
    # The document's own outbox item (next in the lane) tries again and reports; a refusal is shown now.
    if isinstance(error, PermanentError):
        document_failed(document, error)
    logger.warning("document %s not stored with the registration, left to its own item: %r", document.pk, error)


def registration_failed(*, aanvraag: Aanvraag, error: PermanentError) -> None:
    """Show the refusal on every line not yet registered; an administrator re-queues after fixing."""
    details = error.details if isinstance(error.details, list) else []
    readthrough.registration_failed(aanvraag=aanvraag, fouten=[{"detail": str(error), "invalid_params": details}])
