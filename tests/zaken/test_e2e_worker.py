"""End to end with a real Celery worker, Redis, PostgreSQL and the sandbox over HTTP: an aanvraag
goes in through the API, and zaken, rollen, statussen and documents come out, checked through the
ZGW API itself. One test per zaak strategy."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile

from regiekoppeling.models import Aanvraag, Document, OutboxItem, Voorziening
from tests.conftest import BSN_A, aanvraag_body, pgb_line, test_database_url, zin_line
from tests.waiting import wait_for
from tests.zaken.conftest import ZgwReader
from zaken.models import ZaakStrategie

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("private-media")


@pytest.fixture
def worker(django_db_setup: None, media_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[subprocess.Popen[str]]:
    """A real worker on the test database; it shares the private media directory with this process."""
    monkeypatch.setattr(Document._meta.get_field("inhoud"), "storage", FileSystemStorage(location=str(media_dir)))
    env = {
        **os.environ,
        "DATABASE_URL": test_database_url(),
        "ALLOW_DEV_SECRET": "1",
        "PRIVATE_MEDIA_ROOT": str(media_dir),
        "ZGW_CACHE_BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-l", "WARNING"],
        cwd=REPO,
        env=env,
        text=True,
    )
    yield proc
    proc.terminate()
    proc.wait(20)


def registered(aanvraag: Aanvraag) -> bool:
    states = set(Voorziening.objects.filter(aanvraag=aanvraag).values_list("registratie", flat=True))
    assert "mislukt" not in states, list(Voorziening.objects.filter(aanvraag=aanvraag).values("registratie_fouten"))
    return states == {"geregistreerd"}


def documents_done(aanvraag: Aanvraag) -> bool:
    items = OutboxItem.objects.filter(aanvraag=aanvraag, handler="document")
    assert not items.filter(state="dead").exists(), list(items.values("last_error"))
    return items.exists() and not items.exclude(state="done").exists()


def linked_documents(reader: ZgwReader, zaak_url: str) -> set[str]:
    return {z["informatieobject"] for z in reader.json("/zaken/api/v1/zaakinformatieobjecten", zaak=zaak_url)}


@pytest.mark.parametrize(
    ("strategie", "arrangement", "expected_zaken"),
    [
        (ZaakStrategie.PER_VOORZIENING, False, 2),
        (ZaakStrategie.PER_VOORZIENING, True, 1),  # an arrangement shares one zaak by default
        (ZaakStrategie.HOOFDZAAK, False, 3),
    ],
)
def test_aanvraag_to_zaken_through_a_real_worker(regie, zgw, reader, worker, strategie, arrangement, expected_zaken):
    zgw.strategie = strategie
    zgw.save()
    extra = {"isArrangement": True, "arrangementProduct": {"categorie": "10", "code": "10A01"}} if arrangement else {}
    lines = (
        [zin_line(), zin_line(product={"categorie": "07", "code": "07A01"})]
        if arrangement
        else [zin_line(), pgb_line()]
    )
    response = regie.post("/api/v1/aanvragen", aanvraag_body(*lines, **extra))
    assert response.status_code == 201
    aanvraag = Aanvraag.objects.get(uuid=response.json()["uuid"])
    for titel in ("Verslag keukentafelgesprek", "Budgetplan"):
        upload = regie.client.post(
            "/api/v1/documenten",
            {
                "aanvraag": str(aanvraag.uuid),
                "titel": titel,
                "bestand": SimpleUploadedFile(
                    f"{titel}.pdf", b"%PDF-1.4 " + titel.encode(), content_type="application/pdf"
                ),
            },
            format="multipart",
            **regie.headers(HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4())),
        )
        assert upload.status_code == 201, upload.content

    assert wait_for(lambda: registered(aanvraag), timeout=30, interval=0.2), "timed out waiting for registration"
    assert wait_for(lambda: documents_done(aanvraag), timeout=30, interval=0.2), "timed out waiting for documents"

    zaken = reader.zaken(f"RK-{aanvraag.uuid.hex[:16].upper()}")
    assert len(zaken) == expected_zaken
    documents = {d.informatieobject for d in Document.objects.filter(aanvraag=aanvraag)}
    assert len(documents) == 2 and "" not in documents
    for zaak in zaken:
        rollen = reader.json("/zaken/api/v1/rollen", zaak=zaak["url"])["results"]
        assert [r["betrokkeneIdentificatie"]["inpBsn"] for r in rollen] == [BSN_A]
        assert reader.json("/zaken/api/v1/statussen", zaak=zaak["url"])["count"] == 1
    assert wait_for(
        lambda: all(linked_documents(reader, zaak["url"]) == documents for zaak in zaken), timeout=30, interval=0.2
    ), "timed out waiting for zaakinformatieobjecten"
    body = regie.get(f"/api/v1/aanvragen/{aanvraag.uuid}").json()
    assert all(v["zaak"]["url"] in {z["url"] for z in zaken} for v in body["voorzieningen"])
