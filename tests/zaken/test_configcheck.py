"""A gemeente's ZGW configuration is checked against its catalogue: what cannot work is refused, with
the reason, before any aanvraag depends on it; the demo configuration of every strategy works."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

from zaken.admin import ZGWConfigAdmin
from zaken.configcheck import zgw_config_problems
from zaken.models import StatustypeMapping, ZaakStrategie, ZGWConfig

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("strategie", [s for s, _ in ZaakStrategie.choices])
def test_the_demo_configuration_of_every_strategy_works(zgw, strategie):
    zgw.strategie = strategie
    assert zgw_config_problems(config=zgw) == []


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"zaaktype_jw": "BESTAAT-NIET"}, "Zaktype 'BESTAAT-NIET' bestaat niet"),
        ({"zaaktype_wmo": "WMO-CONCEPT"}, "Zaaktype 'WMO-CONCEPT' is nog niet gepubliceerd (concept)"),
        ({"roltype_omschrijving_generiek": "belanghebbende"}, "geen roltype 'belanghebbende'"),
        ({"besluittype": "Bestaat niet"}, "Besluittype 'Bestaat niet' bestaat niet"),
        ({"informatieobjecttype_bijlage": "Interne notitie"}, "'Interne notitie' is niet gekoppeld aan zaaktype"),
        (
            {"strategie": ZaakStrategie.HOOFDZAAK, "hoofdzaaktype": ""},
            "zaaktype JW-VOORZIENING staat niet in de deelzaaktypen van hoofdzaaktype WMO-VOORZIENING",
        ),
    ],
)
def test_what_cannot_work_is_named(zgw, change, reason):
    for name, value in change.items():
        setattr(zgw, name, value)
    problems = zgw_config_problems(config=zgw)
    assert any(reason.replace("Zaktype", "Zaaktype") in p for p in problems), problems


def test_a_statustype_the_mapping_names_must_exist(zgw):
    StatustypeMapping.objects.filter(config=zgw, zaaktype="WMO-VOORZIENING", status="in_behandeling").update(
        statustype_omschrijving="In behandelng"
    )
    (problem,) = zgw_config_problems(config=zgw)
    assert problem.startswith("Statustype 'In behandelng' (voor status in_behandeling) bestaat niet bij zaaktype")
    assert "In behandeling" in problem  # the choices are named


def test_the_command_refuses_and_stores_nothing(gemeente, sandbox, monkeypatch):
    monkeypatch.setenv("ZGW_CLIENT_SECRET", "sandbox-test-secret-0123456789abcdef")
    args = ["--gemeente", gemeente.code, "--base-url", sandbox.base_url, "--client-id", "regiekoppeling-test"]
    args += ["--catalogus", sandbox.seed["catalogus"], "--rsin", sandbox.seed["rsin"]]

    with pytest.raises(CommandError, match="cannot work:\n- Strategie hoofdzaak: zaaktype WMO-VOORZIENING"):
        call_command("zgw_configure", *args, "--strategie", "hoofdzaak", "--hoofdzaaktype", "JW-VOORZIENING")
    assert not ZGWConfig.objects.exists()

    call_command("zgw_configure", *args, "--strategie", "hoofdzaak")  # RK-AANVRAAG lists both
    assert ZGWConfig.objects.get().strategie == ZaakStrategie.HOOFDZAAK


def test_the_admin_form_refuses_with_the_reasons(zgw, admin_user, rf):
    from django.contrib.admin.sites import site

    model_admin = ZGWConfigAdmin(ZGWConfig, site)
    request = rf.get("/")
    request.user = admin_user
    form_class = model_admin.get_form(request, zgw)
    data = {f: getattr(zgw, f) for f in form_class.base_fields if not f.endswith("_service") and f != "gemeente"}
    data |= {f"{f}": getattr(zgw, f"{f}_id") for f in form_class.base_fields if f.endswith("_service")}
    data |= {"gemeente": zgw.gemeente_id, "zaaktype_wmo": "BESTAAT-NIET"}

    form = form_class(data=data, instance=zgw)

    assert not form.is_valid()
    assert any("Zaaktype 'BESTAAT-NIET' bestaat niet" in e for e in form.non_field_errors()), form.errors
    zgw.refresh_from_db()
    assert zgw.zaaktype_wmo == "WMO-VOORZIENING"


def test_the_command_checks_a_stored_configuration(zgw, capsys):
    call_command("zgw_configure", "--gemeente", zgw.gemeente.code, "--check")
    assert json.loads(capsys.readouterr().out) == {"gemeente": zgw.gemeente.code, "problemen": []}

    StatustypeMapping.objects.filter(config=zgw, zaaktype="JW-VOORZIENING", status="ontvangen").update(
        statustype_omschrijving="Binnen"
    )
    with pytest.raises(CommandError, match="1 problem"):
        call_command("zgw_configure", "--gemeente", zgw.gemeente.code, "--check")
    (problem,) = json.loads(capsys.readouterr().out)["problemen"]
    assert problem.startswith("Statustype 'Binnen' (voor status ontvangen) bestaat niet bij zaaktype JW-VOORZIENING")


def test_the_command_names_what_it_needs(gemeente):
    with pytest.raises(CommandError, match="Required: --base-url, --client-id, --catalogus, --rsin"):
        call_command("zgw_configure", "--gemeente", gemeente.code)
