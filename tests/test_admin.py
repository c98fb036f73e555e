"""The admin: administrators see aanvragen, lines, applications, credentials and the outbox."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from regiekoppeling.models import Aanvraag, Credential, OutboxItem, Voorziening
from tests.conftest import BSN_A, aanvraag_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    user = get_user_model().objects.create_superuser("beheer", "beheer@example.invalid", "x")
    client.force_login(user)
    return client


@pytest.fixture
def aanvraag(regie) -> Aanvraag:
    assert regie.post("/api/v1/aanvragen", aanvraag_body()).status_code == 201
    return Aanvraag.objects.get()


@pytest.mark.parametrize(
    "model",
    [
        "aanvraag",
        "voorziening",
        "applicatie",
        "gemeente",
        "product",
        "outboxitem",
        "idempotencyrecord",
        "terugkoppeling",
        "beschikking",
        "toewijzing",
        "signaal",
        "document",
        "credential",
    ],
)
def test_changelists_load(admin_client, aanvraag, model):
    response = admin_client.get(reverse(f"admin:regiekoppeling_{model}_changelist"))
    assert response.status_code == 200


def test_aanvraag_list_masks_the_bsn(admin_client, aanvraag):
    content = admin_client.get(reverse("admin:regiekoppeling_aanvraag_changelist")).content.decode()
    assert "*****3653" in content
    assert BSN_A not in content


def test_aanvraag_detail_shows_lines_and_outbox(admin_client, aanvraag):
    response = admin_client.get(reverse("admin:regiekoppeling_aanvraag_change", args=[aanvraag.pk]))
    content = response.content.decode()
    assert response.status_code == 200
    assert "02A01" in content or "Individuele begeleiding" in content
    assert "Registratie in de ZGW API" in content


def test_applicatie_detail_shows_credentials(admin_client, regie):
    response = admin_client.get(reverse("admin:regiekoppeling_applicatie_change", args=[regie.applicatie.pk]))
    assert response.status_code == 200
    assert "regie-test" in response.content.decode()


def test_requeue_action(admin_client, aanvraag):
    item = OutboxItem.objects.first()
    OutboxItem.objects.filter(pk=item.pk).update(state="dead", attempts=8, last_error="gave up")

    response = admin_client.post(
        reverse("admin:regiekoppeling_outboxitem_changelist"),
        {"action": "requeue", "_selected_action": [item.pk]},
        follow=True,
    )

    assert response.status_code == 200
    item.refresh_from_db()
    assert (item.state, item.attempts) == ("pending", 0)


# --- credentials: the secret once, never again ----------------------------------------------------------


def secret_on(content: str) -> str:
    found = re.search(r'<code id="secret">([^<]+)</code>', content)
    assert found, "no secret on the page"
    return found.group(1)


def test_no_page_shows_a_secret(admin_client, regie):
    secret = regie.credential.secret
    pages = [
        reverse("admin:regiekoppeling_applicatie_changelist"),
        reverse("admin:regiekoppeling_applicatie_change", args=[regie.applicatie.pk]),
        reverse("admin:regiekoppeling_credential_changelist"),
        reverse("admin:regiekoppeling_credential_change", args=[regie.credential.pk]),
        reverse("admin:regiekoppeling_credential_secret", args=[regie.credential.pk]),
    ]
    for page in pages:
        response = admin_client.get(page)
        assert response.status_code == 200, page
        content = response.content.decode()
        assert secret not in content, page
        assert regie.credential.secret_encrypted not in content, page


def test_a_credential_added_in_the_admin_shows_its_secret_once(admin_client, regie):
    response = admin_client.post(
        reverse("admin:regiekoppeling_credential_add"),
        {"applicatie": regie.applicatie.pk, "client_id": "regie-tweede", "geldig_tot": ""},
    )
    credential = Credential.objects.get(client_id="regie-tweede")
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:regiekoppeling_credential_secret", args=[credential.pk])

    shown = admin_client.get(response["Location"])
    assert "no-store" in shown["Cache-Control"]
    assert secret_on(shown.content.decode()) == credential.secret
    again = admin_client.get(response["Location"]).content.decode()
    assert credential.secret not in again and "al getoond" in again
    change = admin_client.get(reverse("admin:regiekoppeling_credential_change", args=[credential.pk]))
    assert credential.secret not in change.content.decode()


def test_the_rotate_action_asks_the_moment_and_shows_the_new_secret_once(admin_client, regie):
    changelist = reverse("admin:regiekoppeling_credential_changelist")
    chosen = {"action": "rotate", "_selected_action": [regie.credential.pk]}

    asked = admin_client.post(changelist, chosen)
    assert asked.status_code == 200
    assert 'name="oud_geldig_tot"' in asked.content.decode()
    assert Credential.objects.count() == 1

    until = (timezone.localtime() + dt.timedelta(hours=3)).replace(second=0, microsecond=0)
    done = admin_client.post(changelist, {**chosen, "apply": "yes", "oud_geldig_tot": f"{until:%Y-%m-%dT%H:%M}"})
    new = Credential.objects.get(vorige=regie.credential)
    assert done.status_code == 302
    regie.credential.refresh_from_db()
    assert regie.credential.geldig_tot == until

    shown = admin_client.get(done["Location"]).content.decode()
    assert secret_on(shown) == new.secret and new.client_id in shown
    assert new.secret not in admin_client.get(done["Location"]).content.decode()


def test_the_rotate_action_wants_one_credential_and_a_moment(admin_client, regie, backoffice):
    changelist = reverse("admin:regiekoppeling_credential_changelist")
    both = {"action": "rotate", "_selected_action": [regie.credential.pk, backoffice.credential.pk]}
    response = admin_client.post(changelist, both, follow=True)
    assert "precies één" in response.content.decode()
    one = {"action": "rotate", "_selected_action": [regie.credential.pk], "apply": "yes", "oud_geldig_tot": ""}
    response = admin_client.post(changelist, one)
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert Credential.objects.count() == 2


# --- records that change only through the API are read-only ----------------------------------------------

READ_ONLY = [
    "aanvraag",
    "voorziening",
    "terugkoppeling",
    "beschikking",
    "toewijzing",
    "signaal",
    "document",
    "bericht",
]


@pytest.mark.parametrize("model", READ_ONLY)
def test_api_records_cannot_be_added_in_the_admin(admin_client, aanvraag, model):
    assert admin_client.get(reverse(f"admin:regiekoppeling_{model}_add")).status_code == 403
    changelist = admin_client.get(reverse(f"admin:regiekoppeling_{model}_changelist")).content.decode()
    assert "delete_selected" not in changelist


@pytest.mark.parametrize("model", [Aanvraag, Voorziening])
def test_api_records_cannot_be_changed_or_deleted_in_the_admin(admin_client, aanvraag, model):
    obj = model.objects.first()
    name = model._meta.model_name
    change = reverse(f"admin:regiekoppeling_{name}_change", args=[obj.pk])
    page = admin_client.get(change)
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()  # view only
    assert admin_client.post(change, {"status": "ingetrokken"}).status_code == 403
    assert admin_client.get(reverse(f"admin:regiekoppeling_{name}_delete", args=[obj.pk])).status_code == 403
    assert model.objects.filter(pk=obj.pk).exists()
    assert model.objects.get(pk=obj.pk).status == obj.status


def test_the_aanvraag_admin_keeps_its_action(admin_client, aanvraag):
    content = admin_client.get(reverse("admin:regiekoppeling_aanvraag_changelist")).content.decode()
    assert 'value="retry_registration"' in content


def test_issue_11_details_are_shown_without_a_bsn(admin_client, regie, backoffice):
    """Betrokkenen (BSN masked), the granted PGB with its basis, and the aanbieder of a verzoek."""
    from regiekoppeling.models import Beschikking
    from tests.conftest import BSN_B, pgb_line

    budgethouder = {"rol": "budgethouder", "soortRelatie": "14", "bsn": BSN_B, "naam": {"achternaam": "de Vries"}}
    body = aanvraag_body(pgb_line(), betrokkenen=[budgethouder])
    created = regie.post("/api/v1/aanvragen", body).json()
    backoffice.post("/api/v1/terugkoppelingen", {"aanvraag": created["uuid"], "soort": "verwerkbaar"})
    regel = {"voorziening": created["voorzieningen"][0]["uuid"], "uitkomst": "gedeeltelijk_toegekend",
             "pgb": {"bedrag": 5000, "basis": "per_jaar"}}  # fmt: skip
    beschikking = {"aanvraag": created["uuid"], "beschikkingnummer": 5, "datum": "2026-11-20",
                   "ingangsdatum": "2027-01-01", "regels": [regel]}  # fmt: skip
    assert backoffice.post("/api/v1/beschikkingen", beschikking).status_code == 201

    aanvraag = admin_client.get(reverse("admin:regiekoppeling_aanvraag_change", args=[Aanvraag.objects.get().pk]))
    content = aanvraag.content.decode()
    assert "Budgethouder (PGB), als dat niet de client is: de Vries (Bewindvoerder, BSN *****0019)" in content
    assert BSN_B not in content
    shown = admin_client.get(reverse("admin:regiekoppeling_beschikking_change", args=[Beschikking.objects.get().pk]))
    assert shown.status_code == 200
    assert "Per jaar" in shown.content.decode()


def test_the_outbox_list_filters_items_open_too_long(admin_client, settings):
    from datetime import timedelta

    from django.utils import timezone

    from regiekoppeling import outbox
    from regiekoppeling.models import OutboxItem

    settings.OUTBOX_STUCK_SECONDS = 1800
    old, new = (outbox.outbox_enqueue(handler="bericht", aanvraag=None, payload={"gebeurtenis": g}) for g in "ab")
    OutboxItem.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=2))
    url = reverse("admin:regiekoppeling_outboxitem_changelist")
    listed = admin_client.get(url, {"wachttijd": "te_lang"})
    assert listed.status_code == 200
    assert [o.pk for o in listed.context["cl"].result_list] == [old.pk]
    assert "open te lang (meer dan 30 minuten)" in admin_client.get(url).content.decode()
    assert {o.pk for o in admin_client.get(url).context["cl"].result_list} >= {old.pk, new.pk}
