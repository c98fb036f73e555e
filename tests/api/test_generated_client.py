"""A Python client generated from the served document (openapi-python-client, at test time, never
committed) round-trips every resource against the live service: create through the client, read back
through the client, compare. A document that drifts from the server breaks generation or parsing here."""

from __future__ import annotations

import importlib
import inspect
import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from django.utils import timezone
from zgw_consumers.constants import APITypes
from zgw_consumers.models import Service

from regiekoppeling.api.openapi_docs import examples
from regiekoppeling.constants import Rol
from regiekoppeling.tokens import make_token
from tests.berichten.conftest import run_berichten
from tests.conftest import make_applicatie

PACKAGE = "regiekoppeling_client"
DOCUMENTEN = "https://documenten.example.nl/api/v1/"


@pytest.fixture
def generated(tmp_path: Path, live_server: Any, settings: Any) -> Iterator[Any]:
    settings.API_PUBLIC_URL = f"{live_server.url}/api/v1"
    document = tmp_path / "openapi.json"
    document.write_text(requests.get(f"{live_server.url}/api/v1/openapi.json", timeout=30).text)
    generator = Path(sys.executable).with_name("openapi-python-client")
    env = {**os.environ, "PATH": f"{generator.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    out = tmp_path / PACKAGE
    run = subprocess.run(
        [str(generator), "generate", "--path", str(document), "--output-path", str(out), "--meta", "none"],
        capture_output=True, text=True, timeout=300, env=env,
    )  # fmt: skip
    assert run.returncode == 0 and out.is_dir(), run.stdout[-3000:] + run.stderr[-3000:]
    _import_unset(out)
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]
        shutil.rmtree(out, ignore_errors=True)


def _import_unset(out: Path) -> None:
    """openapi-python-client 0.29.1 writes `body: A | B | Unset` for a request with two media types
    (POST /documenten: multipart and JSON) without importing `Unset`; add the import it forgot."""
    for path in (out / "api").rglob("*.py"):
        text = path.read_text()
        if "| Unset" in text and "Unset\n" not in text and ", Unset" not in text:
            path.write_text("from ...types import Unset\n" + text)


def module(package: Any, tag: str, operation: str) -> Any:
    return importlib.import_module(f"{PACKAGE}.api.{tag}.{operation.replace('.', '_')}")


def model(name: str) -> Any:
    return getattr(importlib.import_module(f"{PACKAGE}.models"), name)


class Caller:
    """Calls generated operations as one application; every call must succeed and parse."""

    def __init__(self, package: Any, base_url: str, client_id: str, secret: str) -> None:
        self.package = package
        self.client = package.AuthenticatedClient(base_url=base_url, token=make_token(client_id, secret))

    def __call__(self, tag: str, operation: str, status: int, **kwargs: Any) -> Any:
        call = module(self.package, tag, operation)
        if "idempotency_key" in inspect.signature(call.sync_detailed).parameters:
            kwargs["idempotency_key"] = str(uuid.uuid4())
        response = call.sync_detailed(client=self.client, **kwargs)
        assert response.status_code == status, (operation, response.status_code, response.content[:800])
        assert response.parsed is not None, (operation, response.content[:800])
        return response.parsed


def body(operation: str, **changes: Any) -> dict[str, Any]:
    """The document's own request example of `operation`, with the references of this run."""
    return {**json.loads(json.dumps(examples()[operation]["request"])), **changes}


def same(created: Any, read: Any) -> None:
    """What was created is what is read back, field for field (as the client parsed both)."""
    assert type(created) is type(read)
    assert created.to_dict() == read.to_dict()


def act_then_read(actor: Caller, reader: Caller, tag: str, operation: str, request: str, on: Any) -> Any:
    """An action on a resource (its example body), then the resource read back: the same."""
    done = actor(tag, operation, 200, uuid=on, body=model(request).from_dict(body(operation)))
    same(done, reader(tag, f"{tag}_retrieve", 200, uuid=on))
    return done


@pytest.mark.django_db(transaction=True)
def test_every_resource_round_trips_through_a_generated_client(generated, live_server, gemeente, settings):
    settings.WEBHOOK_ALLOWED_HOSTS = ["regie.example.nl"]
    Service.objects.create(label="Documenten", slug="drc", api_type=APITypes.drc, api_root=DOCUMENTEN)
    base = f"{live_server.url}/api/v1"
    regie_cred = make_applicatie("Regie", Rol.REGIE, [gemeente], "client-regie")
    backoffice_cred = make_applicatie("Backoffice", Rol.BACKOFFICE, [gemeente], "client-backoffice")
    gemeente.productenboek_beheerder = backoffice_cred.applicatie
    gemeente.save()
    regie = Caller(generated, base, regie_cred.client_id, regie_cred.secret)
    backoffice = Caller(generated, base, backoffice_cred.client_id, backoffice_cred.secret)

    request = model("AanvraagInputRequest").from_dict(body("aanvragen_create"))
    aanvraag = regie("aanvragen", "aanvragen_create", 201, body=request)
    same(aanvraag, regie("aanvragen", "aanvragen_retrieve", 200, uuid=aanvraag.uuid))
    assert aanvraag.client.bsn == request.client.bsn
    zin, pgb = (v.uuid for v in aanvraag.voorzieningen)
    same(aanvraag.voorzieningen[0], regie("voorzieningen", "voorzieningen_retrieve", 200, uuid=zin))

    terug = model("TerugkoppelingInputRequest").from_dict(body("terugkoppelingen_create", aanvraag=str(aanvraag.uuid)))
    terugkoppeling = backoffice("terugkoppelingen", "terugkoppelingen_create", 201, body=terug)
    same(terugkoppeling, regie("terugkoppelingen", "terugkoppelingen_retrieve", 200, uuid=terugkoppeling.uuid))

    regels = [{"voorziening": str(zin), "uitkomst": "toegekend"}, {"voorziening": str(pgb), "uitkomst": "toegekend"}]
    besluit = body("beschikkingen_create", aanvraag=str(aanvraag.uuid), regels=regels)
    beschikking = backoffice(
        "beschikkingen", "beschikkingen_create", 201, body=model("BeschikkingInputRequest").from_dict(besluit)
    )
    same(beschikking, regie("beschikkingen", "beschikkingen_retrieve", 200, uuid=beschikking.uuid))
    assert beschikking.beschikkingnummer == besluit["beschikkingnummer"]

    toewijzen = model("ToewijzingInputRequest").from_dict(body("toewijzingen_create", voorziening=str(zin)))
    toewijzing = backoffice("toewijzingen", "toewijzingen_create", 201, body=toewijzen)
    gestart = act_then_read(
        backoffice, regie, "toewijzingen", "toewijzingen_start_create", "StartRequest", toewijzing.uuid
    )
    assert gestart.toewijzingnummer == toewijzen.toewijzingnummer

    verzoek = model("SignaalInputRequest").from_dict(body("signalen_create"))
    signaal = backoffice("signalen", "signalen_create", 201, body=verzoek)
    beantwoord = act_then_read(regie, regie, "signalen", "signalen_antwoord_create", "AntwoordenRequest", signaal.uuid)
    assert beantwoord.producten[0].antwoord == "afgewezen"

    reference = f"{DOCUMENTEN}enkelvoudiginformatieobjecten/{uuid.uuid4()}"
    document_body = body("documenten_create", aanvraag=str(aanvraag.uuid), informatieobject=reference)
    document = regie(
        "documenten", "documenten_create", 201, body=model("DocumentInputRequest").from_dict(document_body)
    )
    same(document, regie("documenten", "documenten_retrieve", 200, uuid=document.uuid))
    assert document.informatieobject == reference

    abonnement = regie(
        "abonnementen", "abonnementen_create", 201,
        body=model("AbonnementInputRequest").from_dict(body("abonnementen_create")),
    )  # fmt: skip
    read = regie("abonnementen", "abonnementen_retrieve", 200, uuid=abonnement.uuid)
    assert (read.uuid, read.callback_url) == (abonnement.uuid, abonnement.callback_url)

    product_body = body("producten_create", code="02Y01", ingangsdatum=timezone.localdate().isoformat())
    product = backoffice(
        "producten", "producten_create", 201, body=model("ProductInputRequest").from_dict(product_body)
    )
    same(product, regie("producten", "producten_retrieve", 200, uuid=product.uuid))

    run_berichten()
    feed = regie("berichten", "berichten_list", 200)
    assert feed.results, "the feed has the berichten of this run"
    same(feed.results[0], regie("berichten", "berichten_retrieve", 200, uuid=feed.results[0].uuid))
    listed = regie("aanvragen", "aanvragen_list", 200)
    assert [a.uuid for a in listed.results] == [aanvraag.uuid]
