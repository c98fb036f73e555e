"""The recovery branches of the registration steps pinned one by one (issue 15), with fakes of the Zaken
API client at the exact answer: a refusal that is ours to recover from is recovered, any other is raised."""

from __future__ import annotations

import datetime as dt
import uuid
from types import SimpleNamespace
from typing import Any

import pytest

from zaken import registration
from zaken.clients import ZGWRequestError

ZAAK_URL = "http://zaken.example/zaken/api/v1/zaken/1"
ZIO_URL = "http://zaken.example/zaken/api/v1/zaakinformatieobjecten/1"
INFORMATIEOBJECT = "http://documenten.example/documenten/api/v1/enkelvoudiginformatieobjecten/1"


def refused(code: str) -> ZGWRequestError:
    body = {"detail": "Invalid input.", "invalidParams": [{"name": "identificatie", "code": code, "reason": "x"}]}
    return ZGWRequestError("POST", "http://zaken.example/", 400, body)


class FakeZaak:
    def __init__(self, pogingen: list[str] | None = None) -> None:
        self.url = ""
        self.rol_url = ""
        self.zaaktype = "http://catalogi.example/catalogi/api/v1/zaaktypen/1"
        self.identificatie = "RK-0123456789ABCDEF-1"
        self.pogingen = list(pogingen or [])
        self.saved: list[list[str]] = []
        self.marked_with_row = False

    def save(self, *, update_fields: list[str]) -> None:
        self.saved.append(list(update_fields))


class FakeZaken:
    def __init__(self, *, error: ZGWRequestError | None = None, found: dict[str, Any] | None = None) -> None:
        self.error, self.found = error, found
        self.finds: list[str] = []
        self.creates = 0
        self.listed = 0

    def find_zaak(self, *, identificatie: str, bronorganisatie: str) -> dict[str, Any] | None:
        self.finds.append(identificatie)
        return self.found

    def create_zaak(self, body: Any) -> dict[str, Any]:
        self.creates += 1
        if self.error:
            raise self.error
        return {"url": ZAAK_URL}

    def list_zaakinformatieobjecten(self, *, zaak: str) -> list[dict[str, Any]]:
        self.listed += 1
        return [self.found] if self.found else []

    def create_zaakinformatieobject(self, **kwargs: Any) -> dict[str, Any]:
        self.creates += 1
        if self.error:
            raise self.error
        return {"url": ZIO_URL}


CONFIG = SimpleNamespace(bronorganisatie="123456782", vertrouwelijkheidaanduiding="vertrouwelijk")
ZAAK_BODY = registration._zaak_body  # the real one; the steps below run with an empty body


@pytest.fixture(autouse=True)
def no_body(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registration, "_zaak_body", lambda aanvraag, zaak, config: {})


def ensure(zaken: FakeZaken, zaak: FakeZaak) -> None:
    registration.ensure_zaak(SimpleNamespace(zaken=zaken), CONFIG, None, zaak)  # type: ignore[arg-type]


def test_a_new_zaak_is_created_after_a_committed_marker() -> None:
    zaak, zaken = FakeZaak(), FakeZaken()
    ensure(zaken, zaak)
    assert (zaak.url, zaken.creates, zaken.finds) == (ZAAK_URL, 1, [])
    assert zaak.saved == [["pogingen"], ["url"]] and zaak.pogingen == ["zaak"]


def test_a_zaak_whose_row_was_written_with_its_marker_in_this_run_is_created_at_once() -> None:
    # The plan wrote the row and its "zaak" marker in one transaction: no second marker, no lookup.
    zaak, zaken = FakeZaak(pogingen=["zaak"]), FakeZaken()
    zaak.marked_with_row = True
    ensure(zaken, zaak)
    assert (zaak.url, zaken.creates, zaken.finds) == (ZAAK_URL, 1, [])
    assert zaak.saved == [["url"]]


def test_a_zaak_sent_before_is_looked_up_and_not_created() -> None:
    zaak, zaken = FakeZaak(pogingen=["zaak"]), FakeZaken(found={"url": ZAAK_URL})
    ensure(zaken, zaak)
    assert (zaak.url, zaken.creates, zaken.finds) == (ZAAK_URL, 0, [zaak.identificatie])


def test_a_zaak_sent_before_but_not_found_is_created() -> None:
    zaak, zaken = FakeZaak(pogingen=["zaak"]), FakeZaken()
    ensure(zaken, zaak)
    assert (zaak.url, zaken.creates, len(zaken.finds)) == (ZAAK_URL, 1, 1)


def test_a_zaak_with_a_url_is_left_alone() -> None:
    zaak, zaken = FakeZaak(), FakeZaken()
    zaak.url = ZAAK_URL
    ensure(zaken, zaak)
    assert (zaken.creates, zaken.finds, zaak.saved) == (0, [], [])


def test_identificatie_niet_uniek_that_cannot_be_found_is_raised() -> None:
    error = refused("identificatie-niet-uniek")
    zaak, zaken = FakeZaak(), FakeZaken(error=error)
    with pytest.raises(ZGWRequestError) as info:
        ensure(zaken, zaak)
    assert info.value is error
    assert str(error) == "POST http://zaken.example/ answered 400: Invalid input."
    assert (zaak.url, zaken.finds) == ("", [zaak.identificatie])


def test_another_refusal_is_raised_without_looking_up() -> None:
    zaak, zaken = FakeZaak(), FakeZaken(error=refused("invalid"), found={"url": ZAAK_URL})
    with pytest.raises(ZGWRequestError):
        ensure(zaken, zaak)
    assert (zaak.url, zaken.finds) == ("", [])


def test_the_zaak_omschrijving_is_cut_at_the_80_characters_the_zaken_api_allows() -> None:
    line = SimpleNamespace(product=SimpleNamespace(omschrijving="Hulp bij het huishouden, " * 4))
    aanvraag = SimpleNamespace(
        uuid=uuid.UUID("12345678-1234-5678-1234-567812345678"),
        aangemaakt_op=dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC),
        gezinsplan_zaak="",
        get_wet_display=lambda: "Wmo",
    )
    zaak = FakeZaak()
    zaak.zaaktype, zaak.hoofdzaak = "http://catalogi.example/zaaktypen/1", None  # type: ignore[attr-defined]
    zaak.voorzieningen = SimpleNamespace(select_related=lambda *fields: [line])  # type: ignore[attr-defined]
    body = ZAAK_BODY(aanvraag, zaak, CONFIG)  # type: ignore[arg-type]
    assert body["omschrijving"] == ("Wmo: " + "Hulp bij het huishouden, " * 4)[:80]
    assert len(body["omschrijving"]) == 80
    assert body["toelichting"] == "Aanvraag 12345678-1234-5678-1234-567812345678 via de regiekoppeling"
    assert "hoofdzaak" not in body and "relevanteAndereZaken" not in body


def relate(zaken: FakeZaken) -> SimpleNamespace:
    relation = SimpleNamespace(url="", save=lambda update_fields: None)
    document = SimpleNamespace(pk=7, informatieobject=INFORMATIEOBJECT, titel="Brief")
    clients = SimpleNamespace(zaken=zaken)
    registration._relate_locked(clients, FakeZaak(), document, relation)  # type: ignore[arg-type]
    return relation


def test_a_relation_refused_as_unique_is_taken_when_found() -> None:
    found = {"url": ZIO_URL, "informatieobject": INFORMATIEOBJECT}
    assert relate(FakeZaken(error=refused("unique"), found=found)).url == ZIO_URL


def test_a_relation_refused_as_unique_but_not_found_is_raised() -> None:
    error = refused("unique")
    with pytest.raises(ZGWRequestError) as info:
        relate(FakeZaken(error=error))
    assert info.value is error


def test_a_relation_refused_otherwise_is_raised_even_when_one_exists() -> None:
    found = {"url": ZIO_URL, "informatieobject": INFORMATIEOBJECT}
    zaken = FakeZaken(error=refused("invalid"), found=found)
    with pytest.raises(ZGWRequestError):
        relate(zaken)
    assert zaken.listed == 0


def test_a_relation_for_another_informatieobject_is_not_taken() -> None:
    other = {"url": ZIO_URL, "informatieobject": INFORMATIEOBJECT + "-other"}
    with pytest.raises(ZGWRequestError):
        relate(FakeZaken(error=refused("unique"), found=other))


STATUS_URL = "http://zaken.example/zaken/api/v1/statussen/1"
STATUSTYPE = "http://catalogi.example/catalogi/api/v1/statustypen/1"


class FakeStatussen:
    """The Zaken API's statussen: `existing` are listed; a create answers `error` or a new status."""

    def __init__(self, *, error: ZGWRequestError | None = None, existing: list[str] | None = None) -> None:
        self.error, self.existing = error, list(existing or [])
        self.sent: list[str] = []
        self.listed = 0

    def list_statussen(self, *, zaak: str) -> list[dict[str, Any]]:
        self.listed += 1
        return [{"url": url, "statustype": STATUSTYPE} for url in self.existing]

    def create_status(self, *, zaak: str, statustype: str, datum: str, toelichting: str = "") -> dict[str, Any]:
        self.sent.append(datum)
        if self.error:
            raise self.error
        return {"url": STATUS_URL}


def status(zaken: FakeStatussen, zaak: FakeZaak, *, save: bool = True) -> tuple[str, str]:
    datum, call = registration.status_once(
        SimpleNamespace(zaken=zaken),  # type: ignore[arg-type]
        zaak,  # type: ignore[arg-type]
        zaak,  # type: ignore[arg-type]
        "status:x",
        STATUSTYPE,
        save=save,
    )
    return datum, call()


def test_a_first_status_keeps_its_datum_in_the_committed_marker_and_creates() -> None:
    zaak, zaken = FakeZaak(pogingen=["zaak"]), FakeStatussen()
    datum, url = status(zaken, zaak)
    assert url == STATUS_URL and zaken.sent == [datum] and zaken.listed == 0
    assert zaak.pogingen == ["zaak", f"status:x@{datum}"] and zaak.saved == [["pogingen"]]
    assert dt.datetime.fromisoformat(datum) <= dt.datetime.now(dt.UTC)


def test_without_save_the_marker_is_left_to_the_caller() -> None:
    zaak = FakeZaak()
    datum, _ = status(FakeStatussen(), zaak, save=False)
    assert zaak.pogingen == [f"status:x@{datum}"] and zaak.saved == []


def test_a_retry_sends_the_recorded_datum_again_after_looking() -> None:
    recorded = "2026-11-30T10:00:00.123456Z"
    zaak, zaken = FakeZaak(pogingen=[f"status:x@{recorded}"]), FakeStatussen()
    assert status(zaken, zaak) == (recorded, STATUS_URL)
    assert zaken.listed == 1 and zaken.sent == [recorded] and zaak.saved == []


def test_a_retry_that_finds_the_status_sends_nothing() -> None:
    zaak, zaken = FakeZaak(pogingen=["status:x@2026-11-30T10:00:00Z"]), FakeStatussen(existing=["s1", "s2"])
    assert status(zaken, zaak)[1] == "s2"  # the latest
    assert zaken.sent == []


def test_a_bare_marker_of_an_earlier_release_counts_as_sent_before() -> None:
    zaak, zaken = FakeZaak(pogingen=["status:x"]), FakeStatussen(existing=["s1"])
    datum, url = status(zaken, zaak)
    assert url == "s1" and zaken.sent == [] and zaak.pogingen == ["status:x", f"status:x@{datum}"]


def test_a_taken_datum_means_an_earlier_attempt_was_stored_after_all() -> None:
    zaken = FakeStatussen(error=refused("unique"))
    zaak = FakeZaak()

    def stored_meanwhile(*, zaak: str) -> list[dict[str, Any]]:
        zaken.listed += 1
        return [{"url": "late", "statustype": STATUSTYPE}]

    zaken.list_statussen = stored_meanwhile  # type: ignore[method-assign]
    assert status(zaken, zaak)[1] == "late"
    assert zaken.listed == 1


@pytest.mark.parametrize("code", ["unique", "date-in-future"])
def test_a_refusal_not_explained_by_an_earlier_attempt_is_raised(code: str) -> None:
    zaken = FakeStatussen(error=refused(code), existing=[])
    with pytest.raises(ZGWRequestError):
        status(zaken, FakeZaak())
    assert zaken.listed == (1 if code == "unique" else 0)


ROLTYPE = "http://catalogi.example/catalogi/api/v1/roltypen/1"
ROL_URL = "http://zaken.example/zaken/api/v1/rollen/1"
CLIENT_BSN = "999993653"


class FakeRollen:
    """The Zaken API's rollen: `listed` before a create, `after` once a refusal was answered."""

    def __init__(self, *, listed: list[Any], after: list[Any] | None = None, error: ZGWRequestError | None = None):
        self.listed, self.after, self.error = listed, after, error
        self.creates = 0

    def list_rollen(self, *, zaak: str) -> list[dict[str, Any]]:
        return self.after if self.after is not None and self.creates else self.listed

    def create_rol(self, body: Any) -> dict[str, Any]:
        self.creates += 1
        if self.error:
            raise self.error
        return {"url": ROL_URL}


def a_rol(url: str, bsn: str = CLIENT_BSN, roltype: str = ROLTYPE) -> dict[str, Any]:
    return {"url": url, "roltype": roltype, "betrokkeneIdentificatie": {"inpBsn": bsn}}


def rol(rollen: FakeRollen, zaak: FakeZaak, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr(registration.catalogus, "roltype_url", lambda client, **kwargs: ROLTYPE)
    aanvraag = SimpleNamespace(
        client_bsn=CLIENT_BSN,
        client_achternaam="Jansen",
        client_voorvoegsel="",
        client_voornamen="Maria",
        client_geboortedatum=dt.date(1950, 1, 1),
    )
    config = SimpleNamespace(roltype_omschrijving_generiek="initiator")
    clients = SimpleNamespace(zaken=rollen, catalogi=None)
    step = registration.rol_step(clients, config, aanvraag, zaak)  # type: ignore[arg-type]
    assert step is not None
    return step.call()


def test_a_retry_takes_the_rol_of_this_client_not_someone_elses(monkeypatch: pytest.MonkeyPatch) -> None:
    zaak = FakeZaak(pogingen=["zaak", "rol"])
    rollen = FakeRollen(
        listed=[a_rol("someone-else", bsn="999990019"), a_rol("other-type", roltype="x"), a_rol("ours")]
    )
    assert rol(rollen, zaak, monkeypatch) == "ours"
    assert rollen.creates == 0


def test_a_second_initiator_refused_means_the_earlier_attempt_was_stored(monkeypatch: pytest.MonkeyPatch) -> None:
    # The late first POST landed between the retry's look and its own POST.
    refused = ZGWRequestError("POST", "x", 400, {"invalidParams": [{"name": "roltype", "code": "max-occurences"}]})
    rollen = FakeRollen(listed=[], after=[a_rol("late")], error=refused)
    assert rol(rollen, FakeZaak(pogingen=["zaak", "rol"]), monkeypatch) == "late"


@pytest.mark.parametrize(
    ("code", "after"), [("max-occurences", [a_rol("someone-else", bsn="999990019")]), ("unique", [a_rol("late")])]
)
def test_other_refusals_or_someone_elses_initiator_are_raised(code: str, after: list, monkeypatch) -> None:
    refused = ZGWRequestError("POST", "x", 400, {"invalidParams": [{"name": "roltype", "code": code}]})
    with pytest.raises(ZGWRequestError):
        rol(FakeRollen(listed=[], after=after, error=refused), FakeZaak(pogingen=["zaak"]), monkeypatch)
