"""The hand-written representations (api/representations.py) render byte for byte what the serializers
they replace render (the serializers stay the OpenAPI document's shapes), over every branch: ZIN and
PGB lines, verwijzer, betrokkenen, an arrangement, registered zaken, failed registrations, documents
with and without a line, empty and set dates, and UTC shown as `Z`."""

from __future__ import annotations

import datetime
import json
import uuid
from typing import Any

import pytest
from django.conf import settings
from django.db.models import F
from django.utils import timezone
from rest_framework.test import APIRequestFactory

from regiekoppeling import page_parts
from regiekoppeling.api.berichten import BerichtSerializer
from regiekoppeling.api.renderers import CamelCaseJSONRenderer
from regiekoppeling.api.representations import shown_many, shown_one
from regiekoppeling.api.serializers import AanvraagSerializer, DocumentSerializer, VoorzieningSerializer
from regiekoppeling.models import Aanvraag, Bericht, Document, OutboxItem, Voorziening
from regiekoppeling.selectors import (
    aanvragen_shown_to,
    aanvragen_visible_to,
    documenten_visible_to,
    voorzieningen_visible_to,
)
from tests.conftest import BSN_B, aanvraag_body, pgb_line, zin_line

pytestmark = pytest.mark.django_db

SERIALIZERS: dict[type, Any] = {
    Aanvraag: AanvraagSerializer,
    Voorziening: VoorzieningSerializer,
    Document: DocumentSerializer,
}
FOUT = {"detail": "De Zaken API weigerde.", "invalid_params": [{"name": "zaak_type", "code": "invalid", "reason": "r"}]}


def rendered(data: Any) -> bytes:
    return bytes(CamelCaseJSONRenderer().render(data))


def context() -> dict[str, Any]:
    return {"request": APIRequestFactory().get("/api/v1/aanvragen", HTTP_HOST="testserver")}


@pytest.fixture
def variety(regie) -> list[Any]:
    """Aanvragen, lines and documents over every branch of the representation."""
    budgethouder = {
        "rol": "budgethouder",
        "soortRelatie": "14",
        "bsn": BSN_B,
        "naam": {"voornamen": "Piet", "voorvoegsel": "de", "achternaam": "Vries"},
        "telefoon": "0612345678",
        "email": "piet@example.nl",
    }
    bodies = [
        aanvraag_body(),
        aanvraag_body(
            zin_line(verwijzer={"type": "02", "zorgverlenerscode": "01234567"}, aanbieder="12345678"),
            pgb_line(pgb={"bedrag": 99, "basis": "per_jaar", "ingangsdatum": "2027-02-01", "tariefreferentie": "T-1"}),
            zin_line(product={"categorie": "02"}, omvang=None, budget=1500, toelichting="budget, geen omvang"),
            betrokkenen=[
                budgethouder,
                {
                    "rol": "wettelijk_vertegenwoordiger",
                    "soortRelatie": "11",
                    "vertegenwoordiging": "06",
                    "naam": {"achternaam": "Bakker"},
                },
                {"rol": "contactpersoon", "soortRelatie": "16", "naam": {"achternaam": "Jansen"}},
            ],
            toelichting="Met betrokkenen",
            gezinsplanZaak="https://zaken.example.nl/zaken/api/v1/zaken/1",
        ),
        aanvraag_body(
            zin_line(product={"categorie": "10", "code": "10A01"}),
            zin_line(product={"categorie": "10", "code": "10A01"}, ingangsdatum="2027-03-01"),
            isArrangement=True,
            arrangementProduct={"categorie": "10", "code": "10A01"},
        ),
    ]
    for body in bodies:
        body["voorzieningen"] = [{k: v for k, v in line.items() if v is not None} for line in body["voorzieningen"]]
        response = regie.post("/api/v1/aanvragen", body)
        assert response.status_code == 201, response.content
    aanvragen = list(Aanvraag.objects.order_by("id"))
    lines = list(Voorziening.objects.order_by("id"))
    moment = datetime.datetime(2027, 1, 5, 9, 30, 15, 123456, tzinfo=datetime.UTC)
    Voorziening.objects.filter(pk=lines[1].pk).update(
        einddatum=None
    )  # an open end (a rule forbids it via the API here)
    Voorziening.objects.filter(pk=lines[2].pk).update(
        zaak_url="https://zaken.example.nl/zaken/api/v1/zaken/2", zaak_identificatie="ZAAK-2", zaakstatus="Ontvangen",
        zaakstatus_gezet_op=moment, registratie="geregistreerd", referentie_aanbieder="REF-9",
    )  # fmt: skip
    Voorziening.objects.filter(pk=lines[3].pk).update(
        zaak_url="https://zaken.example.nl/zaken/api/v1/zaken/3", zaak_identificatie="ZAAK-3",
        zaakstatus_fout="onbekend statustype", zaak_toestand="afgesloten", status="ingetrokken",
        reden_intrekking="verhuisd", registratie="mislukt", registratie_fouten=[FOUT],
    )  # fmt: skip
    Aanvraag.objects.filter(pk=aanvragen[2].pk).update(
        hoofdzaak_url="https://zaken.example.nl/zaken/api/v1/zaken/9", hoofdzaak_identificatie="ZAAK-9"
    )
    for n, (aanvraag, line) in enumerate([(aanvragen[1], None), (aanvragen[1], lines[2]), (aanvragen[2], lines[4])]):
        Document.objects.create(
            aanvraag=aanvraag, voorziening=line, indiener=aanvraag.indiener, titel=f"Bijlage {n}",
            beschrijving="b" * n, soort="Beschikking" if n else "", auteur="K. Werker", bestandsnaam=f"b{n}.pdf",
            formaat="application/pdf", bestandsomvang=None if n == 2 else 1234 * n,
            informatieobject="https://drc.example.nl/enkelvoudiginformatieobjecten/1" if n == 1 else "",
            registratie="mislukt" if n == 2 else "wacht", registratie_fouten=[FOUT] if n == 2 else [],
        )  # fmt: skip
    applicatie = aanvragen[0].indiener
    return [
        *aanvragen_visible_to(applicatie).order_by("id"),
        *voorzieningen_visible_to(applicatie).order_by("id"),
        *documenten_visible_to(applicatie).order_by("id"),
    ]


@pytest.mark.parametrize("zone", ["Europe/Amsterdam", "UTC"])
def test_each_object_renders_as_its_serializer(variety, zone):
    with timezone.override(zone):
        for instance in variety:
            ctx = context()
            expected = rendered(SERIALIZERS[type(instance)](instance, context=ctx).data)
            assert rendered(shown_one(instance, ctx)) == expected, type(instance).__name__


def test_a_page_renders_as_the_serializers_list(variety):
    for kind in (Aanvraag, Voorziening, Document):
        page = [o for o in variety if type(o) is kind]
        ctx = context()
        expected = rendered(SERIALIZERS[kind](page, many=True, context=ctx).data)
        assert rendered(shown_many(page, ctx)) == expected


def test_the_variety_covers_every_branch(variety):
    """The fixture holds what the comparison needs to mean something (a branch missing here would
    pass untested)."""
    body = json.loads(rendered(shown_many(variety, context())))
    aanvragen = [o for o in body if "client" in o]
    lines = [o for o in body if "volgnummer" in o]
    documents = [o for o in body if "inhoud" in o]
    assert {a["arrangementProduct"] is None for a in aanvragen} == {True, False}
    assert {a["hoofdzaak"] is None for a in aanvragen} == {True, False}
    assert {a["gezinsplanZaak"] is None for a in aanvragen} == {True, False}
    assert {len(a["betrokkenen"]) for a in aanvragen} >= {0, 3}
    assert {len(a["documenten"]) for a in aanvragen} >= {0, 1, 2}
    assert {line["leveringsvorm"] for line in lines} == {"ZIN", "PGB"}
    for key in ("omvang", "pgb", "verwijzer", "zaak", "budget", "einddatum"):
        assert {line[key] is None for line in lines} == {True, False}, key
    assert {bool(line["registratieFouten"]) for line in lines} == {True, False}
    assert {line["zaak"]["toestand"] for line in lines if line["zaak"]} == {"open", "afgesloten"}
    assert {d["voorziening"] is None for d in documents} == {True, False}
    assert {d["informatieobject"] is None for d in documents} == {True, False}
    assert {d["bestandsomvang"] is None for d in documents} == {True, False}
    assert documents[2]["registratieFouten"][0]["invalidParams"][0]["name"] == "zaak_type"


def test_the_page_parts_are_the_orms_rows(variety, django_assert_num_queries):
    """`page_parts` (one statement each, written once) reads what the ORM's `values_list(named=True)`
    reads, column for column (a uuid and a timestamp as PostgreSQL's text) and in the same order, and
    only for the ids it is given."""
    ids = [o.pk for o in variety if type(o) is Aanvraag]
    product = {f"shown_product_{name}": F(f"product__{name}") for name in page_parts.PRODUCT_SHOWN}
    orm_lines = (
        Voorziening.objects.filter(aanvraag_id__in=ids)
        .annotate(**product)
        .values_list(*(f.attname for f in Voorziening._meta.concrete_fields), *product, named=True)
    )
    orm_documents = Document.objects.filter(aanvraag_id__in=ids).values_list(*page_parts.DOCUMENT_SHOWN, named=True)
    with django_assert_num_queries(2):
        lines, documents = page_parts.lines_of(ids), page_parts.documenten_of(ids)
    for read, orm in ((lines, orm_lines), (documents, orm_documents)):
        got = [row for rows in read.values() for row in rows]
        assert [as_values(row._asdict()) for row in got] == [as_values(row._asdict()) for row in orm]
        assert all(isinstance(row.uuid, str) and isinstance(row.aangemaakt_op, str) for row in got)
        assert {row.aanvraag_id for row in got} <= set(ids)
        assert all(row.aanvraag_id == aanvraag for aanvraag, rows in read.items() for row in rows)
    assert any(row.registratie_fouten for rows in lines.values() for row in rows)  # the JSON decoded
    assert len({len(rows) for rows in documents.values()}) == 2
    assert set(page_parts.lines_of(ids[:1])) == {ids[0]}
    with django_assert_num_queries(0):
        assert page_parts.lines_of([]) == {} and page_parts.documenten_of([]) == {}
        assert page_parts.related_of([]) == ({}, {}, {})


def test_a_pages_aanvragen_are_rows_of_their_own_columns(variety, regie, andere_regie, django_assert_num_queries):
    """`aanvragen_shown_to` yields rows (`page_parts.ShownRows`), not instances: per aanvraag the
    values of its own columns as an instance has them (JSON decoded), its `pk`, in the queryset's order
    and scope, in one query."""
    instances = list(aanvragen_visible_to(regie.applicatie).order_by("-id"))
    with django_assert_num_queries(1):
        rows = list(aanvragen_shown_to(regie.applicatie).order_by("-id"))
    assert len(rows) == len(instances) == 3
    columns = [f.attname for f in Aanvraag._meta.concrete_fields]
    for row, instance in zip(rows, instances, strict=True):
        assert row.pk == instance.pk and page_parts.is_row_of(row, Aanvraag)
        assert {name: getattr(row, name) for name in columns} == {name: getattr(instance, name) for name in columns}
    assert any(isinstance(row.betrokkenen, list) and row.betrokkenen for row in rows)  # decoded, not text
    assert not page_parts.is_row_of(instances[0], Aanvraag) and not page_parts.is_row_of(rows[0], Voorziening)
    assert not page_parts.is_row_of((1, 2), Aanvraag)
    assert list(aanvragen_shown_to(andere_regie.applicatie)) == []  # the scope holds


def test_what_a_page_shows_of_other_tables_is_read_in_one_statement(variety, django_assert_num_queries):
    aanvragen = [o for o in variety if type(o) is Aanvraag]
    with django_assert_num_queries(1):
        related = page_parts.related_of(aanvragen)
    assert related.gemeenten == {a.gemeente_id: a.gemeente.code for a in aanvragen}
    assert related.applicaties == {a.indiener_id: a.indiener.naam for a in aanvragen}
    products = {a.arrangement_product for a in aanvragen if a.arrangement_product}
    assert products and related.producten == {
        p.pk: {"categorie": p.categorie, "code": p.code, "omschrijving": p.omschrijving} for p in products
    }


def as_values(row: dict[str, Any]) -> dict[str, Any]:
    """A row's uuids as UUIDs and its timestamps (`...+00`, `timestamptz` as text) as datetimes."""

    def value(name: str, v: Any) -> Any:
        if isinstance(v, str) and name in ("uuid", "aangemaakt_op", "gewijzigd_op", "zaakstatus_gezet_op"):
            return uuid.UUID(v) if name == "uuid" else datetime.datetime.fromisoformat(v)
        return v

    return {name: value(name, v) for name, v in row.items()}


def serialized(instance: Any) -> Any:
    """What the serializer renders for `instance`, with the API's links (they start at its public URL,
    API_PUBLIC_URL; the factory's request at testserver)."""
    body = rendered(SERIALIZERS[type(instance)](instance, context=context()).data).decode()
    return json.loads(body.replace("http://testserver/api/v1/", f"{settings.API_PUBLIC_URL}/"))


@pytest.mark.parametrize("path", ["/api/v1/aanvragen", "/api/v1/voorzieningen", "/api/v1/documenten"])
def test_the_api_answers_with_them(regie, variety, path):
    """List (the aanvragen's lines read as rows, `selectors.lines_shown_of`) and detail over HTTP, each
    from the lighter querysets of `selectors.*_shown_to`: what the serializers render from the full ones."""
    kind = {"/api/v1/aanvragen": Aanvraag, "/api/v1/voorzieningen": Voorziening, "/api/v1/documenten": Document}[path]
    expected = [serialized(o) for o in sorted((o for o in variety if type(o) is kind), key=lambda o: -o.pk)]
    assert regie.get(path).json()["results"] == expected
    for one in expected:
        assert regie.get(f"{path}/{one['uuid']}").json() == one


# --- the berichten feed ------------------------------------------------------------------------------


@pytest.fixture
def berichten(regie, backoffice, variety) -> list[Any]:
    """The feed of the backoffice after the variety's aanvragen, plus berichten over every branch of the
    representation: kenmerken with snake_case keys, a number and a null, another offset."""
    from tests.berichten.conftest import run_berichten

    run_berichten()
    ontvanger = Bericht.objects.filter(ontvanger__naam="Backoffice").first()
    assert ontvanger is not None, "the variety gave the backoffice no bericht"
    used = Bericht.objects.filter(ontvanger=ontvanger.ontvanger).values("bron")
    bronnen = list(OutboxItem.objects.exclude(pk__in=used)[:2])
    assert len(bronnen) == 2
    for n, kenmerken in enumerate([{}, {"zaak_identificatie": "ZAAK-1", "aantal": 3, "leeg": None, "a_b_c": "x_y"}]):
        Bericht.objects.create(
            ontvanger=ontvanger.ontvanger, bron=bronnen[n], aanvraag=None, kanaal="regiekoppeling",
            hoofd_object=f"https://example.nl/api/v1/producten/{n}", resource="product", resource_url="https://x/y",
            actie="update", gebeurtenis=f"product_{n}", kenmerken=kenmerken,
            aanmaakdatum=datetime.datetime(2027, 6, 1, 12, 0, n, 5 * n, tzinfo=datetime.timezone(datetime.timedelta(hours=2))),
        )  # fmt: skip
    return list(Bericht.objects.filter(ontvanger=ontvanger.ontvanger).order_by("id"))


@pytest.mark.parametrize("zone", ["Europe/Amsterdam", "UTC"])
def test_a_bericht_renders_as_its_serializer(berichten, zone):
    assert len(berichten) >= 4
    with timezone.override(zone):
        for bericht in berichten:
            ctx = context()
            assert rendered(shown_one(bericht, ctx)) == rendered(BerichtSerializer(bericht, context=ctx).data)
    last = json.loads(rendered(shown_one(berichten[-1], context())))
    assert last["kenmerken"] == {"zaakIdentificatie": "ZAAK-1", "aantal": "3", "leeg": None, "aBC": "x_y"}
    assert last["aanmaakdatum"] == "2027-06-01T10:00:01.000005Z"


def test_the_feed_answers_with_them(backoffice, berichten):
    expected = [serialized_bericht(b) for b in berichten]
    page = backoffice.get("/api/v1/berichten", pageSize=100).json()
    assert page["results"] == expected
    assert backoffice.get(f"/api/v1/berichten/{expected[0]['uuid']}").json() == expected[0]


def serialized_bericht(bericht: Bericht) -> Any:
    body = rendered(BerichtSerializer(bericht, context=context()).data).decode()
    return json.loads(body.replace("http://testserver/api/v1/", f"{settings.API_PUBLIC_URL}/"))
