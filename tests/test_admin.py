"""The admin: administrators see aanvragen, lines, applications, credentials and the outbox."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from regiekoppeling.models import Aanvraag, OutboxItem
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
