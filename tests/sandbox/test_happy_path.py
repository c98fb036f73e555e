"""The full path the service will take for one voorziening, every exchange checked against the standard:
zaak with own identificatie -> status -> rol -> documents (base64, and bestandsdelen in 2 parts) ->
zaakinformatieobject -> besluit + besluitinformatieobject -> resultaat -> eindstatus -> zaak closed."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import Any

from zgw_sandbox import Sandbox

from .helpers import BSN, CRS, RSIN, Receiver, Zgw


def moment(minutes_ago: int) -> str:
    value = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=minutes_ago)
    return value.isoformat().replace("+00:00", "Z")


def created(response: Any) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    assert response.headers["Location"] == response.json()["url"]
    return dict(response.json())


def test_voorziening_from_aanvraag_to_closed_zaak(sandbox: Sandbox, zgw: Zgw, receiver: Receiver) -> None:
    seed = sandbox.seed
    statustypen = seed["statustypen"]["WMO-VOORZIENING"]
    sandbox.set_chunk_size(600)  # 1000 bytes -> two bestandsdelen

    # the catalogue, looked up the way the service configures itself
    zaaktypen = zgw.get(
        "/catalogi/api/v1/zaaktypen",
        params={"catalogus": seed["catalogus"], "identificatie": "WMO-VOORZIENING", "status": "definitief"},
    ).json()
    assert [z["url"] for z in zaaktypen["results"]] == [seed["zaaktypen"]["WMO-VOORZIENING"]]
    volgorde = zgw.get("/catalogi/api/v1/statustypen", params={"zaaktype": seed["zaaktypen"]["WMO-VOORZIENING"]})
    assert [s["volgnummer"] for s in volgorde.json()["results"]] == [6, 5, 4, 3, 2, 1]
    assert [s["isEindstatus"] for s in volgorde.json()["results"]] == [True] + [False] * 5

    # 1. zaak with our own identificatie
    zaak = created(
        zgw.post(
            "/zaken/api/v1/zaken",
            headers=CRS,
            json={
                "identificatie": "WMO-2026-000123",
                "bronorganisatie": RSIN,
                "verantwoordelijkeOrganisatie": RSIN,
                "zaaktype": seed["zaaktypen"]["WMO-VOORZIENING"],
                "omschrijving": "Aanvraag scootmobiel",
                "startdatum": "2026-01-05",
                "kenmerken": [{"kenmerk": "VZ-123", "bron": "regiekoppeling"}],
            },
        )
    )
    assert (zaak["einddatumGepland"], zaak["uiterlijkeEinddatumAfdoening"]) == ("2026-02-16", "2026-03-02")
    assert zaak["kenmerken"] == [{"kenmerk": "VZ-123", "bron": "regiekoppeling"}]

    # 2. first status, 3. initiator
    status = created(
        zgw.post(
            "/zaken/api/v1/statussen",
            json={"zaak": zaak["url"], "statustype": statustypen["Ontvangen"], "datumStatusGezet": moment(30)},
        )
    )
    rol = created(
        zgw.post(
            "/zaken/api/v1/rollen",
            json={
                "zaak": zaak["url"],
                "betrokkeneType": "natuurlijk_persoon",
                "roltype": seed["roltypen"]["WMO-VOORZIENING"]["initiator"],
                "roltoelichting": "Aanvrager",
                "betrokkeneIdentificatie": {"inpBsn": BSN, "geslachtsnaam": "Jansen"},
            },
        )
    )
    assert (rol["omschrijving"], rol["omschrijvingGeneriek"]) == ("Initiator", "initiator")

    # 4a. a small document as base64
    aanvraag_bytes = b"Aanvraag scootmobiel\n"
    aanvraag = created(
        zgw.post(
            "/documenten/api/v1/enkelvoudiginformatieobjecten",
            json={
                "bronorganisatie": RSIN,
                "creatiedatum": "2026-01-05",
                "titel": "Aanvraag",
                "auteur": "regiekoppeling",
                "taal": "dut",
                "formaat": "text/plain",
                "bestandsnaam": "aanvraag.txt",
                "inhoud": base64.b64encode(aanvraag_bytes).decode(),
                "informatieobjecttype": seed["informatieobjecttypen"]["Aanvraag"],
                "indicatieGebruiksrecht": False,
            },
        )
    )
    assert aanvraag["bestandsomvang"] == len(aanvraag_bytes)
    assert aanvraag["inhoud"] == aanvraag["url"] + "/download?versie=1"
    assert zgw.get(aanvraag["inhoud"], headers={"Accept": "*/*"}).content == aanvraag_bytes

    # 4b. a larger document in bestandsdelen: two parts, uploaded as multipart, then unlocked
    plan_bytes = bytes(range(256)) * 3 + b"\r\n--boundary-like--\r\n" + b"z" * 210
    plan = created(
        zgw.post(
            "/documenten/api/v1/enkelvoudiginformatieobjecten",
            json={
                "bronorganisatie": RSIN,
                "creatiedatum": "2026-01-05",
                "titel": "Budgetplan",
                "auteur": "regiekoppeling",
                "taal": "dut",
                "formaat": "application/pdf",
                "bestandsnaam": "budgetplan.pdf",
                "inhoud": None,
                "bestandsomvang": len(plan_bytes),
                "informatieobjecttype": seed["informatieobjecttypen"]["Budgetplan"],
                "indicatieGebruiksrecht": False,
            },
        )
    )
    assert plan["locked"] is True and plan["inhoud"] is None
    assert [(p["volgnummer"], p["omvang"]) for p in plan["bestandsdelen"]] == [(1, 600), (2, len(plan_bytes) - 600)]
    offset = 0
    for part in plan["bestandsdelen"]:
        chunk = plan_bytes[offset : offset + part["omvang"]]
        offset += part["omvang"]
        uploaded = zgw.put(
            part["url"], files={"inhoud": ("deel.bin", chunk, "application/octet-stream")}, data={"lock": plan["lock"]}
        )
        assert uploaded.status_code == 200, uploaded.text
        assert uploaded.json()["voltooid"] is True
    assert zgw.post(plan["url"] + "/unlock", json={"lock": plan["lock"]}).status_code == 204
    plan = zgw.get(plan["url"]).json()
    assert (plan["locked"], plan["bestandsdelen"], plan["bestandsomvang"]) == (False, [], len(plan_bytes))
    assert zgw.get(plan["inhoud"], headers={"Accept": "application/octet-stream"}).content == plan_bytes

    # 5. relate both documents to the zaak
    for document in (aanvraag, plan):
        created(
            zgw.post(
                "/zaken/api/v1/zaakinformatieobjecten", json={"zaak": zaak["url"], "informatieobject": document["url"]}
            )
        )
    relaties = zgw.get("/zaken/api/v1/zaakinformatieobjecten", params={"zaak": zaak["url"]}).json()
    assert [r["informatieobject"] for r in relaties] == [aanvraag["url"], plan["url"]]

    # 6. besluit with the beschikking attached
    beschikking = created(
        zgw.post(
            "/documenten/api/v1/enkelvoudiginformatieobjecten",
            json={
                "bronorganisatie": RSIN,
                "creatiedatum": "2026-01-20",
                "titel": "Beschikking",
                "auteur": "regiekoppeling",
                "taal": "dut",
                "inhoud": base64.b64encode(b"Toegekend").decode(),
                "informatieobjecttype": seed["informatieobjecttypen"]["Beschikking"],
                "indicatieGebruiksrecht": False,
            },
        )
    )
    besluit = created(
        zgw.post(
            "/besluiten/api/v1/besluiten",
            json={
                "identificatie": "BESLUIT-WMO-2026-000123",
                "verantwoordelijkeOrganisatie": RSIN,
                "besluittype": seed["besluittypen"]["Beschikking"],
                "zaak": zaak["url"],
                "datum": "2026-01-20",
                "ingangsdatum": "2026-02-01",
            },
        )
    )
    created(
        zgw.post(
            "/besluiten/api/v1/besluitinformatieobjecten",
            json={"besluit": besluit["url"], "informatieobject": beschikking["url"]},
        )
    )
    assert zgw.get("/besluiten/api/v1/besluiten", params={"zaak": zaak["url"]}).json()["count"] == 1
    created(
        zgw.post(
            "/zaken/api/v1/zaakinformatieobjecten", json={"zaak": zaak["url"], "informatieobject": beschikking["url"]}
        )
    )

    # 7. resultaat, 8. eindstatus
    resultaat = created(
        zgw.post(
            "/zaken/api/v1/resultaten",
            json={"zaak": zaak["url"], "resultaattype": seed["resultaattypen"]["WMO-VOORZIENING"]["Toegekend"]},
        )
    )
    eind = created(
        zgw.post(
            "/zaken/api/v1/statussen",
            json={"zaak": zaak["url"], "statustype": statustypen["Afgehandeld"], "datumStatusGezet": moment(1)},
        )
    )

    # 9. the zaak is closed, with the derived archive fields
    closed = zgw.read_zaak(zaak["url"])
    einddatum = eind["datumStatusGezet"][:10]
    assert closed["status"] == eind["url"]
    assert closed["resultaat"] == resultaat["url"]
    assert closed["einddatum"] == einddatum
    assert closed["archiefnominatie"] == "vernietigen"
    assert closed["startdatumBewaartermijn"] == einddatum
    assert closed["archiefactiedatum"] == str(int(einddatum[:4]) + 15) + einddatum[4:]
    assert closed["rollen"] == [rol["url"]]
    assert len(closed["zaakinformatieobjecten"]) == 3
    statussen = zgw.get("/zaken/api/v1/statussen", params={"zaak": zaak["url"]}).json()["results"]
    assert {s["url"]: s["indicatieLaatstGezetteStatus"] for s in statussen} == {status["url"]: False, eind["url"]: True}

    # found again by identificatie, as the service does after a timeout
    found = zgw.get(
        "/zaken/api/v1/zaken", params={"identificatie": "WMO-2026-000123", "bronorganisatie": RSIN}, headers=CRS
    ).json()
    assert [z["url"] for z in found["results"]] == [zaak["url"]]
    by_bsn = zgw.get(
        "/zaken/api/v1/zaken", params={"rol__betrokkeneIdentificatie__natuurlijkPersoon__inpBsn": BSN}, headers=CRS
    ).json()
    assert by_bsn["count"] == 1

    # one notification per write, in order, on the right kanalen
    sandbox.flush_notifications()
    sent = [(m["json"]["kanaal"], m["json"]["resource"], m["json"]["actie"]) for m in receiver.received]
    assert sent == [
        ("zaken", "zaak", "create"),
        ("zaken", "status", "create"),
        ("zaken", "rol", "create"),
        ("documenten", "enkelvoudiginformatieobject", "create"),
        ("documenten", "enkelvoudiginformatieobject", "create"),
        ("zaken", "zaakinformatieobject", "create"),
        ("zaken", "zaakinformatieobject", "create"),
        ("documenten", "enkelvoudiginformatieobject", "create"),
        ("besluiten", "besluit", "create"),
        ("besluiten", "besluitinformatieobject", "create"),
        ("zaken", "zaakinformatieobject", "create"),
        ("zaken", "resultaat", "create"),
        ("zaken", "status", "create"),
    ]


def test_deelzaak_and_relevante_andere_zaken(zgw: Zgw) -> None:
    hoofdzaak = zgw.create_zaak("HOOFD-1", zaaktype="RK-AANVRAAG")  # lists JW-VOORZIENING as a deelzaaktype
    deelzaak = zgw.create_zaak("DEEL-1", zaaktype="JW-VOORZIENING", hoofdzaak=hoofdzaak["url"])
    assert deelzaak["hoofdzaak"] == hoofdzaak["url"]
    assert zgw.read_zaak(hoofdzaak["url"])["deelzaken"] == [deelzaak["url"]]

    # a deelzaak cannot be a hoofdzaak itself
    response = zgw.post(
        "/zaken/api/v1/zaken",
        headers=CRS,
        json={
            "bronorganisatie": RSIN,
            "verantwoordelijkeOrganisatie": RSIN,
            "zaaktype": zgw.seed["zaaktypen"]["WMO-VOORZIENING"],
            "startdatum": "2026-01-05",
            "hoofdzaak": deelzaak["url"],
        },
    )
    assert response.status_code == 400
    assert response.json()["invalidParams"][0]["code"] == "deelzaak-als-hoofdzaak"

    relevant = [{"url": deelzaak["url"], "aardRelatie": "vervolg"}]
    patched = zgw.patch(hoofdzaak["url"], json={"relevanteAndereZaken": relevant}, headers=CRS)
    assert patched.status_code == 200, patched.text
    assert patched.json()["relevanteAndereZaken"] == relevant
    assert zgw.read_zaak(hoofdzaak["url"])["relevanteAndereZaken"] == relevant

    bad = zgw.patch(
        hoofdzaak["url"], json={"relevanteAndereZaken": [{"url": deelzaak["url"], "aardRelatie": "x"}]}, headers=CRS
    )
    assert bad.status_code == 400
    assert [(p["name"], p["code"]) for p in bad.json()["invalidParams"]] == [
        ("relevanteAndereZaken.0.aardRelatie", "invalid_choice")
    ]
