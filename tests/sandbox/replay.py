"""Replaying the captured Open Zaak traffic (shared/zgw-samples) against the sandbox.

A `World` builds the state a sample needs, mostly by replaying the samples that created that state in
the capture run, and records which sandbox URL stands for which URL of the capture (uuids differ, and
different samples refer to different zaken). Requests are rewritten onto the sandbox with that map;
datetimes are shifted so that "in the past" stays in the past whatever the clock says.
"""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import requests

from zgw_sandbox import Sandbox
from zgw_sandbox.contract import shared_dir

from .helpers import CLIENT_ID, CRS, SECRET, Zgw

SAMPLES: Path = shared_dir() / "zgw-samples"
CAPTURE = "http://127.0.0.1:8000"
CAT = CAPTURE + "/catalogi/api/v1"
ZRC = CAPTURE + "/zaken/api/v1"
DRC = CAPTURE + "/documenten/api/v1"
BRC = CAPTURE + "/besluiten/api/v1"
LATEST_CAPTURED_MOMENT = datetime(2026, 11, 28, 16, 5, 22, tzinfo=UTC)
_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z")


def load(name: str) -> dict[str, Any]:
    return dict(json.loads((SAMPLES / f"{name}.json").read_text()))


def sample_names() -> list[str]:
    return sorted(p.stem for p in SAMPLES.glob("*.json"))


def jwt_for(name: str) -> str | None:
    """The Authorization header a sample's request stands for."""
    if name == "auth-missing-token-403":
        return None
    iat = time.time() - 7200 if name == "auth-expired-iat-403" else time.time()
    secret = "not-the-configured-secret-0123456789" if name == "auth-wrong-secret-403" else SECRET
    claims = {
        "iss": CLIENT_ID,
        "iat": int(iat),
        "client_id": CLIENT_ID,
        "user_id": "sample",
        "user_representation": "Sample",
    }
    return "Bearer " + jwt.encode(claims, secret, algorithm="HS256")


class World:
    def __init__(self, sandbox: Sandbox, zgw: Zgw) -> None:
        self.sandbox, self.zgw = sandbox, zgw
        seed = sandbox.seed
        self.map: dict[str, str] = {
            f"{CAT}/catalogussen/f631a855-4213-46b7-b5c2-853fa575de18": seed["catalogus"],
            f"{CAT}/zaaktypen/83750674-baaf-4b94-8a3f-0c11a93d4a21": seed["zaaktypen"]["WMO-VOORZIENING"],
            f"{CAT}/zaaktypen/8ad6014a-0085-4b21-a3cf-7de3581fa959": seed["zaaktypen"]["WMO-CONCEPT"],
            f"{CAT}/statustypen/840ee46d-5cd9-4349-92d7-bc09afb329a0": seed["statustypen"]["WMO-VOORZIENING"][
                "Ontvangen"
            ],
            f"{CAT}/statustypen/3ea0c571-460e-4ce6-b438-a6d3acc41b5d": seed["statustypen"]["WMO-VOORZIENING"][
                "In behandeling"
            ],
            # the capture's eindstatus "Beschikt" (volgnummer 3 of 3) is our "Afgehandeld" (6 of 6)
            f"{CAT}/statustypen/811fec7a-0704-4b96-a564-f36393a8e96a": seed["statustypen"]["WMO-VOORZIENING"][
                "Afgehandeld"
            ],
            f"{CAT}/roltypen/ca262917-d7e9-4efb-85fa-7de25fc653fb": seed["roltypen"]["WMO-VOORZIENING"]["initiator"],
            f"{CAT}/resultaattypen/85221036-f844-4ef0-9b55-513ff7797836": seed["resultaattypen"]["WMO-VOORZIENING"][
                "Toegekend"
            ],
            f"{CAT}/resultaattypen/1f260a4b-bfc1-45b6-852e-162efbf99504": seed["resultaattypen"]["WMO-VOORZIENING"][
                "Afgewezen"
            ],
            # "Aanvraagdocument" in the capture is linked to the zaaktype and the besluittype: our "Beschikking"
            f"{CAT}/informatieobjecttypen/3c57dd35-73ee-431b-bed4-d11cc0ea82fa": seed["informatieobjecttypen"][
                "Beschikking"
            ],
            f"{CAT}/besluittypen/58772b51-3f42-4a63-8938-61a5674948ac": seed["besluittypen"]["Beschikking"],
            f"{CAPTURE}/ref/fouten/": f"{sandbox.base_url}/ref/fouten/",
        }
        now = datetime.now(UTC) - timedelta(minutes=10)
        self.shift = min(timedelta(0), now - LATEST_CAPTURED_MOMENT)
        self._done: dict[str, Any] = {}

    # --- rewriting -----------------------------------------------------------------------------

    def rewrite(self, text: str) -> str:
        for old in sorted(self.map, key=len, reverse=True):
            text = text.replace(old, self.map[old])
        text = text.replace(CAPTURE, self.sandbox.base_url)
        return _MOMENT.sub(lambda m: self._moment(m.group(0)), text)

    def _moment(self, value: str) -> str:
        moment = datetime.fromisoformat(value) + self.shift
        return moment.isoformat().replace("+00:00", "Z")

    def request(self, name: str, body: Any = None) -> requests.Response:
        """Send a sample's request (rewritten onto the sandbox) with the contract-checked session."""
        sample = load(name)["request"]
        headers = {k: self.rewrite(v) for k, v in sample["headers"].items() if k != "Authorization"}
        authorization = jwt_for(name)
        payload = sample["body"] if body is None else body
        data = None if payload is None else self.rewrite(json.dumps(payload)).encode()
        session = requests.Session()
        session.hooks = self.zgw.hooks
        with session:
            prepared = requests.Request(sample["method"], self.rewrite(sample["url"]), headers=headers, data=data)
            request = session.prepare_request(prepared)
            if authorization is None:
                request.headers.pop("Authorization", None)
            else:
                request.headers["Authorization"] = authorization
            return session.send(request, timeout=30)

    def replay_ok(self, name: str, capture_url: str | None = None) -> dict[str, Any]:
        """Replay a sample that creates something; map the captured URL of it onto ours."""
        response = self.request(name)
        expected = load(name)["response"]["status"]
        assert response.status_code == expected, (name, response.status_code, response.text)
        data = dict(response.json()) if response.content else {}
        url = capture_url or (load(name)["response"]["body"] or {}).get("url")
        if url and data.get("url"):
            self.map[url] = data["url"]
        return data

    def once(self, key: str, build: Any) -> Any:
        if key not in self._done:
            self._done[key] = build()
        return self._done[key]

    # --- building blocks -----------------------------------------------------------------------

    def zaak_a(self) -> dict[str, Any]:
        return self.once("zaak_a", lambda: self.replay_ok("zaken-create-201"))

    def zaak_b(self) -> dict[str, Any]:
        return self.once("zaak_b", lambda: self.replay_ok("zaken-create-second-201"))

    def _other_zaak(self, key: str, uuid: str) -> dict[str, Any]:
        def build() -> dict[str, Any]:
            zaak = self.zgw.create_zaak(f"ZAAK-SAMPLE-{key.upper()}", bronorganisatie="123456782")
            self.map[f"{ZRC}/zaken/{uuid}"] = zaak["url"]
            return zaak

        return self.once(key, build)

    def zaak_c(self) -> dict[str, Any]:
        return self._other_zaak("zaak_c", "1c081347-7b12-4a85-834b-ec3d63a2ed7a")

    def zaak_d(self) -> dict[str, Any]:
        return self._other_zaak("zaak_d", "0f21bd9b-fe1c-455c-ad35-3bc1fd5764db")

    def many_zaken(self, count: int) -> None:
        for index in range(count):
            self.zgw.create_zaak(f"ZAAK-LIST-{index:04d}")

    def eio_small(self) -> dict[str, Any]:
        return self.once("eio_small", lambda: self.replay_ok("enkelvoudiginformatieobjecten-create-201"))

    def eio_parts(self) -> dict[str, Any]:
        def build() -> dict[str, Any]:
            data = self.replay_ok("enkelvoudiginformatieobjecten-create-bestandsdelen-201")
            self.map[f"{DRC}/bestandsdelen/191b0a79-59b7-4da5-9d95-9b589c7a95fe"] = data["bestandsdelen"][0]["url"]
            self.map["acc1a619815a4606829a0ef285cbad9d"] = data["lock"]
            return data

        return self.once("eio_parts", build)

    def upload_parts(self) -> None:
        document = self.eio_parts()
        for part in document["bestandsdelen"]:
            response = self.zgw.put(
                part["url"],
                files={"inhoud": ("groot.bin", b"x" * part["omvang"], "application/octet-stream")},
                data={"lock": document["lock"]},
            )
            assert response.status_code == 200, response.text

    def unlock_parts(self) -> None:
        self.upload_parts()
        response = self.request("enkelvoudiginformatieobjecten-unlock-204")
        assert response.status_code == 204, response.text

    def unlinked_iot(self) -> None:
        self.map[f"{CAT}/informatieobjecttypen/81602de0-4f9c-47f1-9618-22f16b332cdf"] = self.sandbox.seed[
            "unlinkedInformatieobjecttype"
        ]

    def eio_unlinked(self) -> dict[str, Any]:
        self.unlinked_iot()
        return self.once(
            "eio_unlinked", lambda: self.replay_ok("enkelvoudiginformatieobjecten-create-unlinked-iot-201")
        )

    def iot_concept(self) -> dict[str, Any]:
        return self.once("iot_concept", lambda: self.replay_ok("catalogi-informatieobjecttypen-create-201"))

    def besluit(self) -> dict[str, Any]:
        self.zaak_a()
        return self.once("besluit", lambda: self.replay_ok("besluiten-create-with-zaak-201"))

    def bio(self) -> dict[str, Any]:
        self.besluit()
        self.eio_small()
        return self.once("bio", lambda: self.replay_ok("besluitinformatieobjecten-create-201"))

    def status_a(self) -> dict[str, Any]:
        self.zaak_a()
        return self.once("status_a", lambda: self.replay_ok("statussen-create-201"))

    def rol_a(self) -> dict[str, Any]:
        self.zaak_a()
        return self.once("rol_a", lambda: self.replay_ok("rollen-create-natuurlijk-persoon-201"))

    def resultaat_a(self) -> dict[str, Any]:
        self.zaak_a()
        return self.once("resultaat_a", lambda: self.replay_ok("resultaten-create-201"))

    def zio_a(self) -> dict[str, Any]:
        self.zaak_a()
        self.eio_small()
        return self.once("zio_a", lambda: self.replay_ok("zaakinformatieobjecten-create-201"))

    def close_a(self) -> dict[str, Any]:
        self.status_a()
        self.rol_a()
        self.zio_a()
        self.resultaat_a()
        return self.once("close_a", lambda: self.replay_ok("statussen-create-eindstatus-201"))

    def same_datum_first(self) -> dict[str, Any]:
        self.zaak_b()
        return self.once("same_datum", lambda: self.replay_ok("statussen-create-same-datum-first-201"))

    def same_datum_rejected(self) -> dict[str, Any]:
        """The first status, and the second one with the same datumStatusGezet refused."""
        first = self.same_datum_first()
        response = self.request("statussen-create-same-datum-second-400")
        assert response.status_code == 400, response.text
        return first

    def zio_b(self) -> dict[str, Any]:
        zaak, document = self.zaak_b(), self.eio_small()

        def build() -> dict[str, Any]:
            body = {"zaak": zaak["url"], "informatieobject": document["url"]}
            response = self.zgw.post("/zaken/api/v1/zaakinformatieobjecten", json=body)
            assert response.status_code == 201, response.text
            return dict(response.json())

        return self.once("zio_b", build)

    def zaak_d_ready_but_document_unset(self) -> None:
        """zaak D with a resultaat and a related document whose indicatieGebruiksrecht is not set."""
        zaak = self.zaak_d()
        seed = self.sandbox.seed
        body = {"zaak": zaak["url"], "resultaattype": seed["resultaattypen"]["WMO-VOORZIENING"]["Toegekend"]}
        assert self.zgw.post("/zaken/api/v1/resultaten", json=body).status_code == 201
        document = load("enkelvoudiginformatieobjecten-create-201")["request"]["body"]
        document = {k: v for k, v in document.items() if k != "indicatieGebruiksrecht"}
        created = self.zgw.post(
            "/documenten/api/v1/enkelvoudiginformatieobjecten", json=json.loads(self.rewrite(json.dumps(document)))
        )
        assert created.status_code == 201, created.text
        assert created.json()["indicatieGebruiksrecht"] is None
        body = {"zaak": zaak["url"], "informatieobject": created.json()["url"]}
        assert self.zgw.post("/zaken/api/v1/zaakinformatieobjecten", json=body).status_code == 201

    def map_current_etag(self, state: Any, capture_etag: str) -> None:
        """Map the capture's ETag of zaak A (in `state`, e.g. closed) onto the sandbox's current one."""
        response = self.zgw.get(self.zaak_a()["url"], headers=CRS)
        self.map[capture_etag] = response.headers["ETag"].strip('"')
