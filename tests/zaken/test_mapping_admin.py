"""The ZGW-configuratie in the admin: types picked from the catalogue, each mapping validated against it
on save (a form error naming the type, nothing stored), and the check action and health page that flag
mappings which no longer resolve."""

from __future__ import annotations

import html
from typing import Any

import pytest
from django.core.cache import caches
from django.test import Client

from regiekoppeling.models import Product, Voorziening
from tests.conftest import aanvraag_body, zin_line
from zaken.models import ProductMapping, StatustypeMapping, ZGWConfig

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(admin_user: Any) -> Client:
    client = Client()
    client.force_login(admin_user)
    return client


def change_url(config: ZGWConfig) -> str:
    return f"/admin/zaken/zgwconfig/{config.pk}/change/"


def form_data(response: Any) -> dict[str, Any]:
    """What the browser would post back unchanged: the main form's and every inline row's values."""
    data: dict[str, Any] = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        data |= {management.add_prefix(n): management[n].value() for n in management.fields}
        forms += list(formset.forms)
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is None or value is False:
                continue
            data[form.add_prefix(name)] = value
    return data


def options(response: Any, field: str) -> list[str]:
    return [str(value) for value, _ in response.context["adminform"].form.fields[field].choices]


def test_the_types_are_offered_from_the_catalogue(admin, zgw):
    response = admin.get(change_url(zgw))

    assert response.status_code == 200
    assert options(response, "zaaktype_wmo") == ["JW-VOORZIENING", "RK-AANVRAAG", "WMO-VOORZIENING"]  # no concept
    assert options(response, "besluittype") == ["Beschikking"]
    statustype_inline = response.context["inline_admin_formsets"][1].formset
    choices = [str(v) for v, _ in statustype_inline.forms[0].fields["statustype_omschrijving"].choices]
    assert choices == [
        "",
        "Ontvangen",
        "In behandeling",
        "In onderzoek",
        "Besluit genomen",
        "In levering",
        "Afgehandeld",
    ]
    assert b'<option value="In behandeling"' in response.content


def test_a_mapping_that_does_not_resolve_is_shown_and_refused_on_save(admin, zgw):
    row = StatustypeMapping.objects.get(config=zgw, zaaktype="WMO-VOORZIENING", status="in_behandeling")
    row.statustype_omschrijving = "In behandelng"  # typed before: it never existed
    row.save()
    response = admin.get(change_url(zgw))
    assert b"In behandelng (bestaat niet in de catalogus)" in response.content

    response = admin.post(change_url(zgw), form_data(response))

    assert response.status_code == 200  # the form again, with the error
    errors = [
        e
        for f in response.context["inline_admin_formsets"][1].formset.errors
        for e in f.get("statustype_omschrijving", [])
    ]
    assert errors == [
        "Statustype 'In behandelng' bestaat niet bij zaaktype WMO-VOORZIENING; kies een van: Ontvangen, "
        "In behandeling, In onderzoek, Besluit genomen, In levering, Afgehandeld."
    ]


def test_a_statustype_picked_from_the_choices_is_saved(admin, zgw):
    response = admin.get(change_url(zgw))
    data = form_data(response)
    rows = response.context["inline_admin_formsets"][1].formset.forms
    index = next(i for i, f in enumerate(rows) if f.instance.pk and f.instance.status == "in_onderzoek")
    data[f"statustypen-{index}-statustype_omschrijving"] = "In behandeling"

    response = admin.post(change_url(zgw), data)

    assert response.status_code == 302, response.context and response.context["errors"]
    row = StatustypeMapping.objects.get(config=zgw, zaaktype="WMO-VOORZIENING", status="in_onderzoek")
    assert row.statustype_omschrijving == "In behandeling"


def test_a_product_mapping_is_validated_against_its_zaaktype(admin, zgw):
    product = Product.objects.get(wet="WMO", categorie="02", code="02A01")
    response = admin.get(change_url(zgw))
    data = form_data(response)
    data |= {
        "producten-TOTAL_FORMS": "1",
        "producten-0-product": str(product.pk),
        "producten-0-zaaktype": "JW-VOORZIENING",
        "producten-0-informatieobjecttypen": ["Interne notitie"],  # linked to no zaaktype
        "producten-0-besluittype": "",
        "producten-0-strategie": "",
    }

    response = admin.post(change_url(zgw), data)

    assert response.status_code == 200
    (errors,) = response.context["inline_admin_formsets"][0].formset.errors
    assert errors["informatieobjecttypen"] == [
        "Informatieobjecttype 'Interne notitie' is niet gekoppeld aan zaaktype JW-VOORZIENING."
    ]
    assert not ProductMapping.objects.exists()

    data["producten-0-informatieobjecttypen"] = ["Bijlage"]
    response = admin.post(change_url(zgw), data)
    assert response.status_code == 302
    mapping = ProductMapping.objects.get()
    assert (mapping.zaaktype, mapping.informatieobjecttypen) == ("JW-VOORZIENING", ["Bijlage"])


def test_the_check_action_and_the_health_page_flag_what_no_longer_resolves(admin, zgw):
    response = admin.post(
        "/admin/zaken/zgwconfig/", {"action": "check_configuration", "_selected_action": [zgw.pk]}, follow=True
    )
    assert [str(m) for m in response.context["messages"]] == [f"{zgw.gemeente}: de configuratie is in orde."]

    # Renamed in the catalogue after it was mapped (here: the mapping points at a name that is gone).
    StatustypeMapping.objects.filter(config=zgw, status="in_levering").update(statustype_omschrijving="Levering")
    response = admin.post(
        "/admin/zaken/zgwconfig/", {"action": "check_configuration", "_selected_action": [zgw.pk]}, follow=True
    )
    (message,) = [html.unescape(str(m)) for m in response.context["messages"]]
    assert "Statustype 'Levering' (voor status in_levering) bestaat niet bij zaaktype WMO-VOORZIENING" in message

    page = admin.get(f"/admin/zaken/zgwconfig/{zgw.pk}/controle/")
    assert page.status_code == 200
    assert page.context["problems"] == [
        "Statustype 'Levering' (voor status in_levering) bestaat niet bij zaaktype WMO-VOORZIENING; kies een van: "
        "Afgehandeld, Besluit genomen, In behandeling, In levering, In onderzoek, Ontvangen.",
        "Statustype 'Levering' (voor status in_levering) bestaat niet bij zaaktype JW-VOORZIENING; kies een van: "
        "Afgehandeld, Besluit genomen, In behandeling, In levering, In onderzoek, Ontvangen.",
    ]
    assert b'id="problems"' in page.content


def test_the_health_page_needs_the_admin(client, zgw):
    response = client.get(f"/admin/zaken/zgwconfig/{zgw.pk}/controle/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_a_zaak_that_did_not_follow_is_visible_in_the_admin(admin, regie, zgw):
    response = regie.post("/api/v1/aanvragen", aanvraag_body(zin_line(), zin_line()))
    first, second = Voorziening.objects.filter(aanvraag__uuid=response.json()["uuid"]).order_by("volgnummer")
    fout = "Status 'In behandeling' heeft geen statustype-koppeling voor dit zaaktype; de zaak houdt haar status."
    Voorziening.objects.filter(pk=first.pk).update(zaakstatus_fout=fout)

    listed = admin.get("/admin/regiekoppeling/voorziening/", {"zaakstatus_fout__isempty": "0"})
    assert [v.pk for v in listed.context["cl"].result_list] == [first.pk]
    assert fout.encode() in listed.content or html.escape(fout).encode() in listed.content

    page = admin.get(f"/admin/zaken/zgwconfig/{zgw.pk}/controle/")
    assert [v.pk for v in page.context["unfollowed"]] == [first.pk]
    assert str(second.uuid).encode() not in page.content


def test_without_a_readable_catalogue_no_mapping_is_stored(admin, zgw, sandbox):
    caches["zgw"].clear()  # nothing of the catalogue from an earlier test
    sandbox.add_fault("/catalogi/*", "500", method="GET", rate=1.0)
    response = admin.get(change_url(zgw))
    assert response.status_code == 200  # the form, with its values as text
    data = form_data(response)
    rows = response.context["inline_admin_formsets"][1].formset.forms
    index = next(i for i, f in enumerate(rows) if f.instance.pk and f.instance.status == "in_onderzoek")
    data[f"statustypen-{index}-statustype_omschrijving"] = "In onderzoekk"

    response = admin.post(change_url(zgw), data)

    assert response.status_code == 200
    row_errors = response.context["inline_admin_formsets"][1].formset.forms[index].non_field_errors()
    assert [e.split(":")[0] for e in row_errors] == ["Niet opgeslagen"]
    assert "De Catalogi API is niet te lezen" in row_errors[0]
    row = StatustypeMapping.objects.get(config=zgw, zaaktype="WMO-VOORZIENING", status="in_onderzoek")
    assert row.statustype_omschrijving == "In onderzoek"


def test_the_add_page_asks_for_the_catalogue_before_the_mappings(admin, db):
    response = admin.get("/admin/zaken/zgwconfig/add/")
    assert response.status_code == 200
    assert response.context["inline_admin_formsets"] == []
