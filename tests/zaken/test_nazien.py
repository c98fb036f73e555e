"""The reconciliation's removal of rollen a late POST added (zaken/nazien.py), branch by branch, with a
fake Zaken API client over a zaak registered through the sandbox."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest

from regiekoppeling.models import Aanvraag
from tests.conftest import aanvraag_body, zin_line
from tests.zaken.conftest import run_outbox
from zaken import nazien
from zaken.clients import ZGWRequestError, ZGWUnavailableError
from zaken.models import Zaak, ZGWConfig
from zaken.registration import ROL_NAZIEN

pytestmark = pytest.mark.django_db

ROLTYPE = "http://catalogi.example/roltypen/1"


def rol(url: str, *, bsn: str = "999993653", roltype: str = ROLTYPE) -> dict[str, Any]:
    return {"url": url, "roltype": roltype, "betrokkeneIdentificatie": {"inpBsn": bsn}}


class FakeZaken:
    def __init__(self, rollen: list[dict[str, Any]], *, refuse: bool = False, down: bool = False) -> None:
        self.rollen, self.refuse, self.down = rollen, refuse, down
        self.deleted: list[str] = []

    def list_rollen(self, *, zaak: str) -> list[dict[str, Any]]:
        if self.down:
            raise ZGWUnavailableError("GET rollen answered 503")
        return self.rollen

    def delete_rol(self, url: str) -> None:
        if self.refuse:
            raise ZGWRequestError("DELETE", url, 403, {"detail": "Gesloten zaak"})
        self.deleted.append(url)


@pytest.fixture
def zaak(regie, zgw) -> Zaak:
    response = regie.post("/api/v1/aanvragen", aanvraag_body(zin_line()))
    assert response.status_code == 201
    aanvraag = Aanvraag.objects.get(uuid=response.json()["uuid"])
    assert run_outbox(aanvraag, "zaak_registratie") == ["done"]
    (registered,) = Zaak.objects.filter(aanvraag=aanvraag)
    registered.rol_url = "ours"
    registered.save(update_fields=["rol_url"])
    return registered


def mark(zaak: Zaak, *, ago: float) -> None:
    moment = (dt.datetime.now(dt.UTC) - dt.timedelta(seconds=ago)).isoformat()
    zaak.pogingen = [*zaak.pogingen, f"{ROL_NAZIEN}{moment}"]
    zaak.save(update_fields=["pogingen"])


def run(zaken: FakeZaken) -> int:
    config = ZGWConfig.objects.get()
    return nazien.rollen_nazien(clients=SimpleNamespace(zaken=zaken), config=config)  # type: ignore[arg-type]


def marked(zaak: Zaak) -> bool:
    zaak.refresh_from_db()
    return any(p.startswith(ROL_NAZIEN) for p in zaak.pogingen)


def test_only_the_same_roltype_for_the_same_person_is_removed_once_the_doubt_is_over(zaak, settings):
    settings.ZGW_LATE_ANSWER_SECONDS = 60
    mark(zaak, ago=61)
    others = [rol("other-bsn", bsn="999990019"), rol("other-type", roltype="http://catalogi.example/roltypen/2")]
    zaken = FakeZaken([rol("late"), rol("ours"), *others])
    assert run(zaken) == 1
    assert zaken.deleted == ["late"]
    assert not marked(zaak)
    assert run(zaken) == 0 and zaken.deleted == ["late"]  # not looked at again


def test_a_doubt_not_over_yet_is_left_for_a_later_round(zaak, settings):
    settings.ZGW_LATE_ANSWER_SECONDS = 60
    mark(zaak, ago=120)
    mark(zaak, ago=30)  # a later retry doubted again: the latest moment counts
    zaken = FakeZaken([rol("late"), rol("ours")])
    assert run(zaken) == 0 and zaken.deleted == []
    assert marked(zaak)


def test_a_zaak_without_a_mark_is_not_read(zaak, settings):
    settings.ZGW_LATE_ANSWER_SECONDS = 0
    zaken = FakeZaken([rol("late"), rol("ours")], down=True)
    assert run(zaken) == 0


def test_without_our_own_rol_in_the_listing_nothing_is_removed(zaak, settings):
    settings.ZGW_LATE_ANSWER_SECONDS = 0
    mark(zaak, ago=1)
    zaken = FakeZaken([rol("late"), rol("someone-elses-copy")])
    assert run(zaken) == 0 and zaken.deleted == []
    assert not marked(zaak)


def test_a_rol_without_a_bsn_is_never_taken_for_ours(zaak, settings):
    settings.ZGW_LATE_ANSWER_SECONDS = 0
    mark(zaak, ago=1)
    zaken = FakeZaken([rol("ours", bsn=""), rol("late", bsn="")])
    assert run(zaken) == 0 and zaken.deleted == []


def test_a_refused_removal_is_logged_and_not_tried_again(zaak, settings, caplog):
    settings.ZGW_LATE_ANSWER_SECONDS = 0
    mark(zaak, ago=1)
    assert run(FakeZaken([rol("ours"), rol("late")], refuse=True)) == 0
    assert "doubled rol late" in caplog.text and "not removed" in caplog.text
    assert not marked(zaak)


def test_an_unavailable_zaken_api_keeps_the_mark(zaak, settings):
    settings.ZGW_LATE_ANSWER_SECONDS = 0
    mark(zaak, ago=1)
    with pytest.raises(ZGWUnavailableError):
        run(FakeZaken([rol("ours"), rol("late")], down=True))
    assert marked(zaak)
