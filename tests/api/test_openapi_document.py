"""The OpenAPI document is as precise as the server: closed request schemas, stable enum names,
Dutch summaries and descriptions, the headers the server sends, links, and an example for every
operation that is a real request and a real answer of the standard's steps.

The examples (regiekoppeling/api/openapi_examples.json) are captured from a run of those steps:
`REGENERATE_OPENAPI_EXAMPLES=1 pytest tests/api/test_openapi_document.py -k capture` rewrites them."""

from __future__ import annotations

import json
import os
import re
import uuid
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openapi_schema_validator import OAS30ReadValidator, OAS30WriteValidator, oas30_format_checker
from referencing import Registry, Resource

from regiekoppeling import tracecontext
from regiekoppeling.api.openapi_docs import EXAMPLES_FILE, NULL_OMITTED_IN_EXAMPLES, SUMMARIES
from regiekoppeling.constants import Rol
from regiekoppeling.models import Verwerking
from tests.berichten.conftest import run_berichten
from tests.conftest import BSN_A, Api, aanvraag_body, make_applicatie, pgb_line, zin_line

pytestmark = pytest.mark.django_db

PUBLIC = "https://regiekoppeling.example.nl/api/v1"
METHODS = ("get", "post", "patch", "put", "delete")


@pytest.fixture
def document() -> dict[str, Any]:
    return Client().get("/api/v1/openapi.json").json()


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(p, m, o) for p, ops in document["paths"].items() for m, o in ops.items() if m in METHODS]


def validator(document: dict[str, Any], schema: dict[str, Any], *, writing: bool) -> Any:
    registry: Registry[Any] = Registry().with_resource("urn:doc", Resource.opaque(document))
    ref = {"$ref": "urn:doc#" + schema["$ref"][1:]} if "$ref" in schema else schema
    # readOnly properties are absent from a request, writeOnly ones from an answer.
    return (OAS30WriteValidator if writing else OAS30ReadValidator)(
        ref, registry=registry, format_checker=oas30_format_checker
    )


def test_every_request_schema_is_closed(document):
    schemas = document["components"]["schemas"]
    requests = [n for n, s in schemas.items() if n.endswith("Request")]
    assert len(requests) > 20
    for name in requests:
        assert schemas[name]["additionalProperties"] is False, name
    assert schemas["Verzoek"]["additionalProperties"] is False
    assert schemas["Verzoek"]["properties"]["client"]["additionalProperties"] is False


def test_the_server_refuses_what_a_closed_schema_refuses(regie):
    response = regie.post("/api/v1/aanvragen", aanvraag_body(extraVeld=1))
    assert response.status_code == 400
    assert [p["name"] for p in response.json()["invalidParams"]] == ["extraVeld"]


def test_request_lists_carry_the_bounds_the_server_keeps(document, regie):
    """drf-spectacular left a nested list's bounds out: the document said nothing of the 50 lines."""
    schemas = document["components"]["schemas"]
    aanvraag = schemas["AanvraagInputRequest"]["properties"]
    bounds = {name: (aanvraag[name].get("minItems"), aanvraag[name].get("maxItems")) for name in aanvraag}
    assert {k: v for k, v in bounds.items() if v != (None, None)} == {
        "voorzieningen": (1, 50),
        "betrokkenen": (None, 3),
        "documenten": (None, 10),
    }
    assert schemas["BeschikkingInputRequest"]["properties"]["regels"]["minItems"] == 1
    assert schemas["AntwoordenRequest"]["properties"]["producten"]["minItems"] == 1
    # And the server keeps them: one line more than maxItems, and none, are refused naming the list.
    for lines in ([zin_line()] * 51, []):
        response = regie.post("/api/v1/aanvragen", aanvraag_body(*lines) if lines else aanvraag_body(voorzieningen=[]))
        assert response.status_code == 400
        assert [p["name"] for p in response.json()["invalidParams"]] == ["voorzieningen"]


def test_verzoek_and_herindicatie_have_real_schemas(document):
    schemas = document["components"]["schemas"]
    verzoek = schemas["Verzoek"]
    assert verzoek["required"] == ["berichttype", "header", "client", "producten"]
    assert verzoek["properties"]["header"]["properties"]["identificatie"]["maxLength"] == 12
    assert verzoek["properties"]["client"]["properties"]["bsn"]["pattern"] == "^[0-9]{9}$"
    assert schemas["SignaalInputRequest"]["properties"]["verzoek"]["allOf"] == [
        {"$ref": "#/components/schemas/Verzoek"}
    ]
    zaak = schemas["Herindicatie"]["properties"]["zaak"]
    assert set(zaak["properties"]) == {"url", "identificatie"} and zaak["nullable"] is True


def test_enum_names_are_stable(document):
    names = set(document["components"]["schemas"])
    assert {"TerugkoppelingSoortEnum", "SignaalSoortEnum", "EenheidEnum", "FrequentieEnum"} <= names
    assert not [n for n in names if re.search(r"[0-9a-f]{3}Enum$", n)]
    assert not {"EenhedenEnum", "FrequentiesEnum", "LeveringsvormenEnum"} & names


def test_every_operation_has_a_dutch_summary_and_no_english_defaults(document):
    for path, method, operation in operations(document):
        assert operation.get("summary") == SUMMARIES.get(operation["operationId"]), (method, path)
        assert operation["summary"], (method, path)
    text = json.dumps(document)
    for english in ("A page number", "No response body", "Rejects fields", "Someone besides"):
        assert english not in text


def test_headers_the_server_sends_are_documented(document):
    created = document["paths"]["/aanvragen"]["post"]["responses"]["201"]["headers"]
    assert {"Location", "Idempotent-Replayed", "API-Version"} <= set(created)
    unauthenticated = document["components"]["responses"]["Problem401"]["headers"]
    assert "WWW-Authenticate" in unauthenticated
    for path, method, operation in operations(document):
        if method in ("post", "patch"):
            assert "415" in operation["responses"], (method, path)


def test_traceparent_is_a_documented_header_of_every_operation(document, regie):
    found = [
        [p for p in operation.get("parameters", []) if p["name"] == "traceparent"]
        for _, _, operation in operations(document)
    ]
    assert all(len(f) == 1 for f in found)
    parameter = found[0][0]
    assert all(f == [parameter] for f in found)
    assert (parameter["in"], parameter["required"], parameter["schema"]) == ("header", False, {"type": "string"})
    assert tracecontext.parse(parameter["example"]) is not None
    # What the document promises: the request runs in the caller's trace, and the log records it.
    response = regie.post("/api/v1/aanvragen", aanvraag_body(), HTTP_TRACEPARENT=parameter["example"])
    assert response.status_code == 201
    trace_id = parameter["example"].split("-")[1]
    assert set(Verwerking.objects.values_list("trace_id", flat=True)) == {trace_id}


def test_unauthenticated_answer_has_the_documented_header(regie):
    response = regie.client.get("/api/v1/aanvragen")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="regiekoppeling"'


def test_wrong_content_type_is_the_documented_415(regie):
    headers = regie.headers(HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))
    response = regie.client.generic("POST", "/api/v1/aanvragen", b"x", content_type="text/plain", **headers)
    assert response.status_code == 415
    assert response["Content-Type"].startswith("application/problem+json")


def test_links_point_to_existing_operations(document):
    ids = {o["operationId"] for _, _, o in operations(document)}
    links = [
        (o["operationId"], link)
        for _, _, o in operations(document)
        for r in o["responses"].values()
        for link in r.get("links", {}).values()
    ]
    assert len(links) >= 20
    for source, link in links:
        assert link["operationId"] in ids, (source, link)


def test_every_operation_has_examples_that_fit_its_schemas(document):
    for path, method, operation in operations(document):
        where = f"{method.upper()} {path}"
        body = operation.get("requestBody", {}).get("content", {}).get("application/json")
        if body is not None:
            assert "example" in body, where
            errors = list(validator(document, body["schema"], writing=True).iter_errors(body["example"]))
            assert not errors, (where, [e.message for e in errors[:3]])
        answered = [
            (code, media)
            for code, response in operation["responses"].items()
            if code[0] == "2" and "$ref" not in response
            for media in response.get("content", {}).values()
        ]
        if not answered:  # 204
            continue
        examples = [(code, media) for code, media in answered if "example" in media]
        assert examples, where
        for code, media in examples:
            errors = list(validator(document, media["schema"], writing=False).iter_errors(media["example"]))
            assert not errors, (where, code, [e.message for e in errors[:3]])


# -- capturing the examples ----------------------------------------------------------------------


def _public(value: Any) -> Any:
    text = json.dumps(value).replace("http://testserver/api/v1", PUBLIC)
    return _without_null(json.loads(text))


def _without_null(value: Any) -> Any:
    """See NULL_OMITTED_IN_EXAMPLES."""
    if isinstance(value, dict):
        return {k: _without_null(v) for k, v in value.items() if not (k in NULL_OMITTED_IN_EXAMPLES and v is None)}
    if isinstance(value, list):
        return [_without_null(v) for v in value]
    return value


class Recorder:
    def __init__(self) -> None:
        self.examples: dict[str, dict[str, Any]] = {}

    def __call__(self, operation_id: str, response: Any, request: Any = None, status: int = 0) -> Any:
        assert response.status_code == (status or response.status_code) and response.status_code < 300, (
            operation_id,
            response.content[:500],
        )
        entry: dict[str, Any] = {"response": {"status": response.status_code, "body": _public(response.json())}}
        if request is not None:
            entry["request"] = _public(request)
        self.examples[operation_id] = entry
        return response.json()


def _post(api: Api, rec: Recorder, operation_id: str, path: str, body: Any) -> Any:
    return rec(operation_id, api.post(path, body), request=body)


def _capture(regie: Api, backoffice: Api, gemeente: Any) -> dict[str, dict[str, Any]]:
    rec = Recorder()
    body = aanvraag_body(zin_line(), pgb_line())
    aanvraag = _post(regie, rec, "aanvragen_create", "/api/v1/aanvragen", body)
    zin, pgb = (v["uuid"] for v in aanvraag["voorzieningen"])
    rec("aanvragen_list", regie.get("/api/v1/aanvragen"))
    rec("voorzieningen_list", regie.get("/api/v1/voorzieningen"))
    rec("voorzieningen_retrieve", regie.get(f"/api/v1/voorzieningen/{zin}"))

    terug = {"aanvraag": aanvraag["uuid"], "soort": "verwerkbaar"}
    terugkoppeling = _post(backoffice, rec, "terugkoppelingen_create", "/api/v1/terugkoppelingen", terug)
    rec("terugkoppelingen_list", regie.get("/api/v1/terugkoppelingen"))
    rec("terugkoppelingen_retrieve", regie.get(f"/api/v1/terugkoppelingen/{terugkoppeling['uuid']}"))

    beschikking_body = {
        "aanvraag": aanvraag["uuid"],
        "beschikkingnummer": 20270001,
        "datum": "2026-11-20",
        "ingangsdatum": "2027-01-01",
        "regels": [{"voorziening": zin, "uitkomst": "toegekend"}, {"voorziening": pgb, "uitkomst": "toegekend"}],
    }
    beschikking = _post(backoffice, rec, "beschikkingen_create", "/api/v1/beschikkingen", beschikking_body)
    rec("beschikkingen_list", regie.get("/api/v1/beschikkingen"))
    rec("beschikkingen_retrieve", regie.get(f"/api/v1/beschikkingen/{beschikking['uuid']}"))

    toewijzing_body = {
        "voorziening": zin,
        "toewijzingnummer": 123456789,
        "aanbieder": "12345678",
        "ingangsdatum": "2027-01-01",
        "einddatum": "2027-12-31",
    }
    toewijzing = _post(backoffice, rec, "toewijzingen_create", "/api/v1/toewijzingen", toewijzing_body)
    at = f"/api/v1/toewijzingen/{toewijzing['uuid']}"
    _post(backoffice, rec, "toewijzingen_start_create", f"{at}/start", {"datum": "2027-01-05"})
    rec("toewijzingen_list", regie.get("/api/v1/toewijzingen"))
    _post(backoffice, rec, "toewijzingen_stop_create", f"{at}/stop", {"datum": "2027-06-30", "redenBeeindiging": "19"})
    rec("toewijzingen_retrieve", regie.get(at))

    verzoek = {
        "berichttype": "WMO315",
        "header": {"aanbieder": "42420001", "gemeente": "0363", "identificatie": "315-2026-001",
                   "dagtekening": "2026-11-20"},
        "client": {"bsn": BSN_A, "geboortedatum": "1950-01-01", "geslacht": "2",
                   "naam": {"achternaam": "Jansen", "voornamen": "Maria"}},
        "producten": [{"referentieAanbieder": "ZB-2026-17", "product": {"categorie": "02", "code": "02A01"},
                       "ingangsdatum": "2028-01-01", "einddatum": "2028-12-31",
                       "omvang": {"volume": 2, "eenheid": "04", "frequentie": "2"}, "verwijzer": {"type": "01"}}],
    }  # fmt: skip
    signaal_body = {"soort": "verzoek_om_toewijzing", "verzoek": verzoek, "aanbiederNaam": "Zorg Thuis BV"}
    signaal = _post(backoffice, rec, "signalen_create", "/api/v1/signalen", signaal_body)
    antwoord = {"producten": [{"referentieAanbieder": "ZB-2026-17", "antwoord": "afgewezen", "redenAfwijzing": "2"}]}
    _post(regie, rec, "signalen_antwoord_create", f"/api/v1/signalen/{signaal['uuid']}/antwoord", antwoord)
    herindicatie = backoffice.post(
        "/api/v1/signalen", {"soort": "herindicatie", "voorziening": pgb, "deadline": "2027-10-01"}
    )
    rec("signalen_retrieve", regie.get(f"/api/v1/signalen/{herindicatie.json()['uuid']}"))
    rec("signalen_list", regie.get("/api/v1/signalen", pageSize="1"))

    upload = {"aanvraag": aanvraag["uuid"], "titel": "Verslag keukentafelgesprek", "soort": "Verslag"}
    headers = regie.headers(HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))
    data = {**upload, "bestand": SimpleUploadedFile("verslag.pdf", b"%PDF-1.4 verslag\n", "application/pdf")}
    document = rec("documenten_create", regie.client.post("/api/v1/documenten", data, format="multipart", **headers))
    reference = (
        "https://documenten.example.nl/api/v1/enkelvoudiginformatieobjecten/0c5e0e6c-0ab5-4fd4-9a8b-3d1b1f6f0a11"
    )
    rec.examples["documenten_create"]["request"] = _public({**upload, "informatieobject": reference})
    rec("documenten_list", regie.get("/api/v1/documenten"))
    rec("documenten_retrieve", regie.get(f"/api/v1/documenten/{document['uuid']}"))

    intrekken = regie.post("/api/v1/aanvragen", aanvraag_body(zin_line(), regieReferentie="GP-2026-002")).json()
    _post(regie, rec, "voorzieningen_intrekken_create", f"/api/v1/voorzieningen/{intrekken['voorzieningen'][0]['uuid']}/intrekken",
          {"reden": "De client ziet af van de voorziening."})  # fmt: skip
    rec("aanvragen_retrieve", regie.get(f"/api/v1/aanvragen/{aanvraag['uuid']}"))
    derde = regie.post("/api/v1/aanvragen", aanvraag_body(pgb_line(), regieReferentie="GP-2026-003")).json()
    _post(regie, rec, "aanvragen_intrekken_create", f"/api/v1/aanvragen/{derde['uuid']}/intrekken",
          {"reden": "Verhuisd naar een andere gemeente."})  # fmt: skip

    abonnement_body = {"callbackUrl": "https://regie.example.nl/webhooks/regiekoppeling", "auth": "Bearer geheim-1234"}
    abonnement = _post(regie, rec, "abonnementen_create", "/api/v1/abonnementen", abonnement_body)
    rec("abonnementen_list", regie.get("/api/v1/abonnementen"))
    rec("abonnementen_retrieve", regie.get(f"/api/v1/abonnementen/{abonnement['uuid']}"))
    rec.examples["abonnementen_destroy"] = {}

    run_berichten()
    feed = rec("berichten_list", regie.get("/api/v1/berichten", pageSize="2"))
    rec("berichten_retrieve", regie.get(f"/api/v1/berichten/{feed['results'][0]['uuid']}"))

    gemeente.productenboek_beheerder = backoffice.applicatie
    gemeente.save()
    product_body = {
        "gemeente": "0363", "wet": "WMO", "categorie": "02", "code": "02X99", "omschrijving": "Begeleiding groep",
        "leveringsvormen": ["ZIN"], "eenheden": ["04"], "frequenties": ["2"], "ingangsdatum": "2027-01-01",
    }  # fmt: skip
    product = _post(backoffice, rec, "producten_create", "/api/v1/producten", product_body)
    rec("producten_list", regie.get("/api/v1/producten", pageSize="1"))
    rec("producten_retrieve", regie.get(f"/api/v1/producten/{product['uuid']}"))
    patch = {"einddatum": "2027-12-31"}
    headers = backoffice.headers(HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))
    patched = backoffice.client.patch(
        f"/api/v1/producten/{product['uuid']}", json.dumps(patch), content_type="application/json", **headers
    )
    rec("producten_partial_update", patched, request=patch)
    rec.examples["producten_destroy"] = {}
    content = regie.client.get(f"/api/v1/documenten/{document['uuid']}/inhoud", **regie.headers())
    assert content.status_code == 200, content
    inhoud = b"".join(content.streaming_content).decode()
    rec.examples["documenten_inhoud_retrieve"] = {"response": {"status": 200, "body": inhoud}}
    privacy = Api(make_applicatie("Privacyfunctionaris", Rol.PRIVACY, [gemeente], "privacy-voorbeeld"))
    zoek = {"bsn": BSN_A}
    found = privacy.post("/api/v1/verwerkingen/_zoek", zoek)
    rec("verwerkingen_zoek", found, request=zoek)
    first = rec.examples["verwerkingen_zoek"]["response"]["body"]
    first["results"], first["count"] = first["results"][:1], 1  # one processing is example enough
    served = Client().get("/api/v1/openapi.json").json()
    # The document itself, cut short: an example of it need not hold all of it.
    short = {"openapi": served["openapi"], "info": served["info"], "servers": served["servers"], "paths": {}}
    rec.examples["openapi.json_retrieve"] = {"response": {"status": 200, "body": short}}
    return rec.examples


def test_capture_examples(regie, backoffice, gemeente, settings):
    """Every example comes from a real run of these steps (each answered < 300), one per operation of
    the committed file. `REGENERATE_OPENAPI_EXAMPLES=1` writes the file anew from this run."""
    settings.WEBHOOK_ALLOWED_HOSTS = ["regie.example.nl"]
    examples = _capture(regie, backoffice, gemeente)
    if os.environ.get("REGENERATE_OPENAPI_EXAMPLES"):
        EXAMPLES_FILE.write_text(
            json.dumps(examples, indent=1, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8"
        )
    assert set(examples) == set(json.loads(EXAMPLES_FILE.read_text(encoding="utf-8")))


def test_examples_cover_every_operation(document):
    from regiekoppeling.api.openapi_docs import examples

    assert {o["operationId"] for _, _, o in operations(document)} == set(examples())


def test_the_answer_to_a_verzoek_takes_json_only(document, regie):
    content = document["paths"]["/signalen/{uuid}/antwoord"]["post"]["requestBody"]["content"]
    assert list(content) == ["application/json"]
    headers = regie.headers(HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))
    path = f"/api/v1/signalen/{uuid.uuid4()}/antwoord"
    response = regie.client.generic("POST", path, b"<Antwoord/>", content_type="application/xml", **headers)
    assert response.status_code == 415


@pytest.mark.parametrize(("first", "last"), [(1890, 2026), (1990, 2099), (1999, 2001), (2000, 2000), (1901, 2100)])
def test_year_pattern_matches_exactly_the_range(first, last):
    from regiekoppeling.api.schema import year_pattern

    pattern = re.compile(f"^({year_pattern(first, last)})$")
    assert [y for y in range(1000, 3000) if pattern.match(str(y))] == list(range(first, last + 1))


def test_date_fields_carry_the_range_the_server_enforces(document, regie):
    from regiekoppeling.api.fields import today

    client = document["components"]["schemas"]["ClientRequest"]["properties"]["geboortedatum"]
    pattern = re.compile(client["pattern"])
    this_year = today().year
    assert pattern.match("1890-01-01") and pattern.match(f"{this_year}-01-01")
    assert not pattern.match("1889-12-31") and not pattern.match(f"{this_year + 1}-01-01")
    body = aanvraag_body()
    body["client"]["geboortedatum"] = "1889-12-31"
    response = regie.post("/api/v1/aanvragen", body)
    assert response.status_code == 400
    assert [p["name"] for p in response.json()["invalidParams"]] == ["client.geboortedatum"]
