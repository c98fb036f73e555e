"""The admin shows berichten and abonnementen, never a webhook secret or auth value."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from regiekoppeling.models import Abonnement, Bericht
from tests.berichten.conftest import run_berichten

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    user = get_user_model().objects.create_superuser("beheer", "beheer@example.invalid", "x")
    client.force_login(user)
    return client


def test_berichten_and_abonnementen_in_the_admin(admin_client, regie, aanvraag):
    abonnement = Abonnement.objects.create(
        applicatie=regie.applicatie, callback_url="https://hooks.example.nl/hook", auth="Bearer heel-geheim"
    )
    run_berichten()
    bericht = Bericht.objects.first()
    for name, obj in (("bericht", bericht), ("abonnement", abonnement)):
        assert admin_client.get(reverse(f"admin:regiekoppeling_{name}_changelist")).status_code == 200
        response = admin_client.get(reverse(f"admin:regiekoppeling_{name}_change", args=[obj.pk]))
        assert response.status_code == 200
        content = response.content.decode()
        assert abonnement.secret not in content and "heel-geheim" not in content
