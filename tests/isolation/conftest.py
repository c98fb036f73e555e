"""Two gemeenten, each with a regie, a second regie, a backoffice (master of its productenboek) and a
privacy officer, and every kind of record of the API made through the API itself: the world the
isolation suite attacks across the boundary."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile

from regiekoppeling.constants import Rol
from regiekoppeling.demo import products_load
from regiekoppeling.models import Abonnement, Bericht, Document, Gemeente, Product
from tests.berichten.conftest import receiver, run_berichten  # noqa: F401  (a fixture, re-exported)
from tests.conftest import Api, aanvraag_body, make_applicatie, pgb_line, zin_line

PDF = b"%PDF-1.4 isolation\n"
# Official test BSNs (elfproef) used nowhere else, not even in the OpenAPI document's examples.
BSN_AMSTERDAM = "999990032"
BSN_ROTTERDAM = "999990056"


@dataclass
class Tenant:
    """One gemeente's applications and the uuids of what they made."""

    code: str
    bsn: str
    regie: Api
    regie2: Api
    backoffice: Api
    privacy: Api
    ids: dict[str, str] = field(default_factory=dict)

    @property
    def apis(self) -> dict[str, Api]:
        return {"regie": self.regie, "regie2": self.regie2, "backoffice": self.backoffice, "privacy": self.privacy}


@dataclass
class World:
    a: Tenant
    b: Tenant

    def uuids(self, tenant: Tenant) -> set[str]:
        """Every uuid of a record of this tenant (the feed's berichten and the webhooks included)."""
        apps = [api.applicatie for api in tenant.apis.values()]
        found = set(tenant.ids.values())
        found |= {str(u) for u in Bericht.objects.filter(ontvanger__in=apps).values_list("uuid", flat=True)}
        found |= {str(u) for u in Abonnement.objects.filter(applicatie__in=apps).values_list("uuid", flat=True)}
        return found


def upload(api: Api, aanvraag: str, titel: str = "Verslag", key: str | None = None) -> Any:
    data = {"aanvraag": aanvraag, "titel": titel, "bestand": SimpleUploadedFile("v.pdf", PDF, "application/pdf")}
    headers = api.headers(HTTP_IDEMPOTENCY_KEY=key or str(uuid.uuid4()))
    return api.client.post("/api/v1/documenten", data, format="multipart", **headers)


def ok(response: Any) -> dict[str, Any]:
    assert response.status_code in (200, 201), response.content
    return dict(response.json())


def verzoek(code: str, bsn: str, referentie: str = "REF-1") -> dict[str, Any]:
    """A 315 (JSON form) the backoffice forwards: the aanbieder asks to deliver a product."""
    return {
        "berichttype": "WMO315",
        "header": {"aanbieder": "42420001", "gemeente": code, "identificatie": "AB12", "dagtekening": "2026-11-20"},
        "client": {"bsn": bsn, "geboortedatum": "1950-01-01", "geslacht": "2", "naam": {"achternaam": "Jansen"}},
        "producten": [
            {
                "referentieAanbieder": referentie,
                "product": {"categorie": "02", "code": "02A01"},
                "ingangsdatum": "2029-01-01",
                "einddatum": "2029-12-31",
                "omvang": {"volume": 2, "eenheid": "04", "frequentie": "2"},
                "verwijzer": {"type": "01", "naam": "Wijkteam"},
            }
        ],
    }


def _tenant(code: str, naam: str, bsn: str) -> Tenant:
    gemeente = Gemeente.objects.create(code=code, naam=naam)
    products_load(gemeente=gemeente)

    def app(rol: str, name: str) -> Api:
        return Api(make_applicatie(f"{name} {naam}", rol, [gemeente], f"{name}-{code}"))

    tenant = Tenant(
        code, bsn, app(Rol.REGIE, "regie"), app(Rol.REGIE, "regie2"), app(Rol.BACKOFFICE, "backoffice"),
        app(Rol.PRIVACY, "privacy"),
    )  # fmt: skip
    gemeente.productenboek_beheerder = tenant.backoffice.applicatie
    gemeente.save()
    _populate(tenant)
    return tenant


def _populate(t: Tenant) -> None:
    client = {"bsn": t.bsn, "geboortedatum": "1950-01-01", "geslacht": "2", "achternaam": "Jansen"}
    later = {"ingangsdatum": "2028-01-01", "einddatum": "2028-06-30"}
    body = aanvraag_body(zin_line(), zin_line(**later), pgb_line(), gemeente=t.code, client=client)
    # 1: through the whole life: terugkoppeling, beschikking, toewijzing, signalen, document.
    a1 = ok(t.regie.post("/api/v1/aanvragen", {**body, "regieReferentie": f"REF-{t.code}-1"}))
    zin, zin2, pgb = (v["uuid"] for v in a1["voorzieningen"])
    t.ids |= {"aanvraag": a1["uuid"], "voorziening": zin, "voorziening_vrij": zin2, "voorziening_pgb": pgb}
    t.ids["document"] = ok(upload(t.regie, a1["uuid"]))["uuid"]
    verwerkbaar = {"aanvraag": a1["uuid"], "soort": "verwerkbaar"}
    t.ids["terugkoppeling"] = ok(t.backoffice.post("/api/v1/terugkoppelingen", verwerkbaar))["uuid"]
    regels = [{"voorziening": v, "uitkomst": "toegekend"} for v in (zin, zin2, pgb)]
    besluit = {"aanvraag": a1["uuid"], "beschikkingnummer": 1, "datum": "2026-11-20", "ingangsdatum": "2027-01-01"}
    t.ids["beschikking"] = ok(t.backoffice.post("/api/v1/beschikkingen", {**besluit, "regels": regels}))["uuid"]
    toewijzing = {"voorziening": zin, "toewijzingnummer": 1001, "aanbieder": "12345678", "ingangsdatum": "2027-01-01"}
    t.ids["toewijzing"] = ok(t.backoffice.post("/api/v1/toewijzingen", toewijzing))["uuid"]
    herindicatie = {"soort": "herindicatie", "voorziening": zin}
    t.ids["signaal"] = ok(t.backoffice.post("/api/v1/signalen", herindicatie))["uuid"]
    t315 = {"soort": "verzoek_om_toewijzing", "verzoek": verzoek(t.code, t.bsn)}
    t.ids["signaal_verzoek"] = ok(t.backoffice.post("/api/v1/signalen", t315))["uuid"]
    # 2: just received (to withdraw, or to answer with a terugkoppeling).
    a2 = ok(t.regie.post("/api/v1/aanvragen", {**body, "regieReferentie": f"REF-{t.code}-2"} | _period(2030)))
    t.ids |= {"aanvraag_nieuw": a2["uuid"], "voorziening_nieuw": a2["voorzieningen"][0]["uuid"]}
    # 3: verwerkbaar, waiting for its beschikking.
    a3 = ok(t.regie.post("/api/v1/aanvragen", {**body, "regieReferentie": f"REF-{t.code}-3"} | _period(2031)))
    ok(t.backoffice.post("/api/v1/terugkoppelingen", {"aanvraag": a3["uuid"], "soort": "verwerkbaar"}))
    t.ids |= {"aanvraag_verwerkbaar": a3["uuid"], "voorziening_verwerkbaar": a3["voorzieningen"][0]["uuid"]}
    t.ids["document_verwerkbaar"] = ok(upload(t.backoffice, a3["uuid"], "Brief"))["uuid"]
    product = {"gemeente": t.code, "wet": "WMO", "categorie": "02", "code": "02X01", "omschrijving": "Eigen product",
               "ingangsdatum": "2027-01-01"}  # fmt: skip
    t.ids["product"] = ok(t.backoffice.post("/api/v1/producten", product))["uuid"]
    t.ids["product_boek"] = str(Product.objects.get(gemeente__code=t.code, code="02A01").uuid)


def _period(year: int) -> dict[str, Any]:
    return {"voorzieningen": [zin_line(ingangsdatum=f"{year}-01-01", einddatum=f"{year}-12-31")]}


@pytest.fixture
def private_media(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> Any:
    monkeypatch.setattr(Document._meta.get_field("inhoud"), "storage", FileSystemStorage(location=str(tmp_path)))
    return tmp_path


@pytest.fixture
def world(db: None, private_media: Any, receiver: Any) -> Iterator[World]:  # noqa: F811  (the fixture above)
    world = World(_tenant("0363", "Amsterdam", BSN_AMSTERDAM), _tenant("0599", "Rotterdam", BSN_ROTTERDAM))
    for tenant in (world.a, world.b):
        for name, api in tenant.apis.items():
            hook = {"callbackUrl": f"{receiver.url}/{tenant.code}/{name}"}
            tenant.ids[f"abonnement_{name}"] = ok(api.post("/api/v1/abonnementen", hook))["uuid"]
    run_berichten()
    for tenant in (world.a, world.b):
        bericht = Bericht.objects.filter(ontvanger=tenant.regie.applicatie).order_by("id").first()
        assert bericht is not None
        tenant.ids["bericht"] = str(bericht.uuid)
    yield world
