"""The processing log (Logboek Dataverwerkingen): one record per action per data subject.

Who acts comes from the request in hand (`acting`, set by the API once the caller is authenticated):
the application, the person named in its token (`user_id` / `user_representation`) and the endpoint,
which names the processing activity (LOGBOEK_VERWERKINGSACTIVITEITEN). Work the outbox does later is
logged as regiekoppeling's own (no application), under the activity of its handler.

Where it is written, and what it costs:
- reads: by the API, once per detail or list response: one INSERT of all rows (a bulk insert for a
  page), and one SELECT of the subjects' BSNs by aanvraag id unless the response's objects carry
  their aanvraag already (aanvragen, and voorzieningen and documenten read with it).
- creates and changes: by `outbox_publish`, in the transaction of the change: one INSERT per call,
  the aanvraag is in hand.
- sends (ZGW APIs, webhooks): by the outbox, when an item of a handler registered with `verwerking=` is
  done, in the transaction that marks it done: one INSERT (and one SELECT of the aanvraag).

The subject is `pseudonym(bsn)`, an HMAC-SHA256 with a key from the environment; the log holds no BSN.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import orjson
from django.conf import settings
from django.db import connection
from django.utils import timezone

from . import events, tracecontext
from .models import Aanvraag, Actie, Applicatie, Verwerking
from .models.logboek import uuid7_texts
from .new_rows import rows_insert


@functools.lru_cache(maxsize=4)
def _keyed(key: str) -> hmac.HMAC:
    # The HMAC state after the key, copied per BSN: a page of 100 subjects no longer derives the key's
    # pads 100 times. Keyed by the setting's value, so a changed key (tests) is never stale.
    return hmac.new(key.encode(), digestmod=hashlib.sha256)


def pseudonym(bsn: str) -> str:
    """The subject id of a BSN in the log: keyed, so nobody without the key can test a guessed BSN."""
    keyed = _keyed(settings.LOGBOEK_PSEUDONIEM_KEY).copy()
    keyed.update(bsn.strip().encode())
    return keyed.hexdigest()


def activiteit(name: str) -> str:
    activiteiten = settings.LOGBOEK_VERWERKINGSACTIVITEITEN
    return activiteiten.get(name) or activiteiten["default"]


@dataclass(frozen=True)
class Actor:
    applicatie: Applicatie | None = None
    gebruiker_id: str = ""
    gebruiker_weergave: str = ""
    endpoint: str = ""


_actor: ContextVar[Actor | None] = ContextVar("regiekoppeling_logboek_actor", default=None)


def _claim(claims: dict[str, Any], name: str) -> str:
    value = claims.get(name)
    return value[:255] if isinstance(value, str) else ""


def actor_from_request(*, applicatie: Applicatie, claims: Any, endpoint: str) -> Actor:
    token = claims if isinstance(claims, dict) else {}
    return Actor(applicatie, _claim(token, "user_id"), _claim(token, "user_representation"), endpoint)


def set_actor(actor: Actor | None) -> None:
    """Who acts in this request (the API sets it after authentication; its middleware clears it)."""
    _actor.set(actor)


@contextlib.contextmanager
def acting(actor: Actor | None) -> Iterator[None]:
    token = _actor.set(actor)
    try:
        yield
    finally:
        _actor.reset(token)


Objecten = list[dict[str, str]]


def _row(*, actie: str, aanvraag: tuple[Any, str, int], objecten: Objecten, actor: Actor, naam: str) -> Verwerking:
    aanvraag_uuid, bsn, gemeente_id = aanvraag
    trace = tracecontext.current()
    return Verwerking(
        tijdstip=timezone.now(),
        actie=actie,
        verwerkingsactiviteit=activiteit(naam),
        applicatie=actor.applicatie,
        gebruiker_id=actor.gebruiker_id,
        gebruiker_weergave=actor.gebruiker_weergave,
        betrokkene=pseudonym(bsn),
        gemeente_id=gemeente_id,
        aanvraag_uuid=aanvraag_uuid,
        objecten=objecten,
        endpoint=actor.endpoint,
        trace_id=trace.trace_id,
        span_id=trace.span_id,
    )


Subject = tuple[Any, str, int]  # (aanvraag uuid, client BSN, gemeente id): whom a record is about


def verwerkingen_log_reads(
    *, resource: str, shown: Sequence[tuple[int, str]], subjects: Mapping[int, Subject] | None = None
) -> int:
    """Log a read of `shown` ((aanvraag id, object uuid) of each object in the response): one row per
    subject, in one INSERT whatever the size of the page; the number of rows. The subjects of aanvragen
    the caller already has in hand come in `subjects` (by aanvraag id); the others are read in one
    SELECT."""
    actor = _actor.get()
    if actor is None or not shown:
        return 0
    per_aanvraag: dict[int, Objecten] = {}
    for aanvraag_id, uuid in shown:
        per_aanvraag.setdefault(aanvraag_id, []).append({"type": resource, "uuid": uuid})
    known = {pk: subjects[pk] for pk in per_aanvraag if subjects and pk in subjects}
    missing = [pk for pk in per_aanvraag if pk not in known]
    if missing:
        found = Aanvraag.objects.filter(pk__in=missing).values_list("pk", "uuid", "client_bsn", "gemeente_id")
        known |= {pk: (uuid, bsn, gemeente) for pk, uuid, bsn, gemeente in found}
    rows = [_read_row(known[pk], objecten) for pk, objecten in per_aanvraag.items() if pk in known]
    return _insert_reads(rows, actor=actor, naam=resource)


def _read_row(subject: Subject, objecten: Objecten) -> dict[str, Any]:
    aanvraag_uuid, bsn, gemeente_id = subject
    return {
        "betrokkene": pseudonym(bsn),
        "gemeente_id": gemeente_id,
        "aanvraag_uuid": str(aanvraag_uuid),
        "objecten": objecten,
    }


def _insert_reads(rows: list[dict[str, Any]], *, actor: Actor, naam: str) -> int:
    """Read rows (betrokkene, gemeente_id, aanvraag_uuid, objecten each; a uuid of version 7 each here;
    the rest from the actor) as one INSERT ... SELECT from one JSON parameter: a page of 100 as model
    instances through `bulk_create` cost a third of the list request's CPU (issue 13)."""
    if not rows:
        return 0
    for row, uuid in zip(rows, uuid7_texts(len(rows)), strict=True):
        row["uuid"] = uuid
    table = connection.ops.quote_name(Verwerking._meta.db_table)
    trace = tracecontext.current()
    # The table name is the model's own, quoted; every value is a parameter.
    columns = (
        "uuid, tijdstip, actie, verwerkingsactiviteit, applicatie_id, gebruiker_id, gebruiker_weergave, "
        "betrokkene, gemeente_id, aanvraag_uuid, objecten, endpoint, trace_id, span_id"
    )
    values = "r.uuid, %s, %s, %s, %s, %s, %s, r.betrokkene, r.gemeente_id, r.aanvraag_uuid, r.objecten, %s, %s, %s"
    source = "jsonb_to_recordset(%s::jsonb) AS r(uuid uuid, betrokkene varchar, gemeente_id integer, aanvraag_uuid uuid, objecten jsonb)"
    sql = f"INSERT INTO {table} ({columns}) SELECT {values} FROM {source}"  # noqa: S608
    params: list[Any] = [
        timezone.now(), Actie.LEZEN.value, activiteit(naam), actor.applicatie.pk if actor.applicatie else None,
        actor.gebruiker_id, actor.gebruiker_weergave, actor.endpoint, trace.trace_id, trace.span_id,
        orjson.dumps(rows).decode(),
    ]  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.rowcount)


def verwerkingen_log_inzage(*, bsn: str, shown: Sequence[Verwerking]) -> int:
    """Log a privacy officer's search: it read these records of the person's log. One row per aanvraag
    among them (a subject and a gemeente, as every other row), in one INSERT; the number of rows. A
    search that found nothing read nothing of anyone and leaves no row: the log then holds nothing
    about a BSN that the service never had (and an officer cannot plant the pseudonym of any BSN they
    type)."""
    actor = _actor.get()
    if actor is None or not shown:
        return 0
    per_aanvraag: dict[tuple[Any, int], Objecten] = {}
    for record in shown:
        key = (record.aanvraag_uuid, record.gemeente_id)
        per_aanvraag.setdefault(key, []).append({"type": "verwerking", "uuid": str(record.uuid)})
    rows = [_read_row((aanvraag_uuid, bsn, gemeente), o) for (aanvraag_uuid, gemeente), o in per_aanvraag.items()]
    return _insert_reads(rows, actor=actor, naam="inzage")


def _changed(event: events.Event) -> tuple[str, Objecten] | None:
    """What an event of the domain says was created or changed (None: nothing of a person)."""
    payload = event.payload
    if event.kind == events.AANVRAAG_ONTVANGEN:
        return Actie.AANMAKEN, [{"type": "aanvraag", "uuid": payload["aanvraag"]}]
    if event.kind == events.VOORZIENINGEN_GEWIJZIGD:
        return Actie.WIJZIGEN, [{"type": "voorziening", "uuid": u} for u in payload["voorzieningen"]]
    if event.kind == events.BESCHIKKING_GENOMEN:
        return Actie.AANMAKEN, [{"type": "beschikking", "uuid": payload["beschikking"]}]
    if event.kind == events.DOCUMENT_TOEGEVOEGD:
        return Actie.AANMAKEN, [{"type": "document", "uuid": payload["document"]}]
    if event.kind == events.BERICHT and payload.get("aanvraag"):
        actie = Actie.AANMAKEN if payload["actie"] == "create" else Actie.WIJZIGEN
        return actie, [{"type": payload["resource"], "uuid": payload["uuid"]}]
    return None


def verwerkingen_log_changes(*, aanvraag: Aanvraag, published: Iterable[events.Event]) -> list[Verwerking]:
    """Log the creates and changes a write publishes: one row per action (the write's subject is the
    client of `aanvraag`), in the caller's transaction."""
    per_actie: dict[str, Objecten] = {}
    for event in published:
        changed = _changed(event)
        if changed is None:
            continue
        objecten = per_actie.setdefault(changed[0], [])
        objecten += [o for o in changed[1] if o not in objecten]
    if not per_actie:
        return []
    actor = _actor.get() or Actor()
    subject = (aanvraag.uuid, aanvraag.client_bsn, aanvraag.gemeente_id)
    naam = actor.endpoint or (per_actie.get(Actie.AANMAKEN) or per_actie[Actie.WIJZIGEN])[0]["type"]
    rows = [_row(actie=a, aanvraag=subject, objecten=o, actor=actor, naam=naam) for a, o in per_actie.items()]
    rows_insert(rows)
    return rows


# The payload keys of outbox items that name a record of a person (what was sent).
_SENT_KEYS = {"aanvraag": "aanvraag", "voorzieningen": "voorziening", "beschikking": "beschikking"}
_SENT_KEYS |= {"document": "document", "bericht": "bericht"}


def verwerking_log_send(*, actie: str, handler: str, aanvraag_id: int, payload: dict[str, Any]) -> Verwerking | None:
    """Log that regiekoppeling sent a client's data out (an outbox item of `handler` is done)."""
    subject = Aanvraag.objects.filter(pk=aanvraag_id).values_list("uuid", "client_bsn", "gemeente_id").first()
    if subject is None:
        return None
    objecten: Objecten = []
    for key, kind in _SENT_KEYS.items():
        value = payload.get(key)
        for uuid in value if isinstance(value, list) else [value] if isinstance(value, str) else []:
            objecten.append({"type": kind, "uuid": uuid})
    row = _row(actie=actie, aanvraag=subject, objecten=objecten, actor=Actor(endpoint=handler), naam=handler)
    row.save(force_insert=True)
    return row


def verwerkingen_prune(*, now: Any = None) -> int:
    """Delete the records older than the retention period (LOGBOEK_BEWAARTERMIJN_DAGEN)."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.LOGBOEK_BEWAARTERMIJN_DAGEN)
    deleted, _ = Verwerking.objects.filter(tijdstip__lt=cutoff).delete()
    return deleted
