"""The load of the fault suite: aanvragen of mixed kinds, sent over HTTP by a regie and a backoffice
that behave as a careful client must: every POST carries an Idempotency-Key, and a request that got no
usable answer (connection error, timeout, 5xx, 409 "still running") is sent again with the same key
and the same body until it is answered. A 4xx other than that is a finding, not retried.

Each flow records what it made (aanvraag, voorzieningen, the objects of the berichten it caused), so
that the checks know exactly what must exist afterwards.
"""

from __future__ import annotations

import datetime as dt
import itertools
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import requests

from acceptance.scenarios import AANBIEDER, Dates, Party, bsn_series, client, make_token, pgb_line, zin_line

JSON = dict[str, Any]
KINDS = ("zin", "pgb", "arrangement", "document", "beschikking", "toewijzing", "signaal")
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# Over 4 MiB: the worker stores it in the Documenten API in bestandsdelen.
LARGE_DOCUMENT = 4 * 1024 * 1024 + 512 * 1024


class Refused(Exception):
    """The API answered a request of a flow with a 4xx: the flow stops there."""


@dataclass
class Flow:
    index: int
    kind: str
    regie_referentie: str
    aanvraag: str = ""
    voorzieningen: list[str] = field(default_factory=list)
    # (gebeurtenis, uuid of the resource the bericht points at): each must be in both feeds once
    berichten: list[tuple[str, str]] = field(default_factory=list)
    error: str = ""
    retries: int = 0
    bsn: str = ""
    dates: Dates | None = None


def period(flow: Flow) -> Dates:
    assert flow.dates is not None, "Load.run gives every flow its period"
    return flow.dates


@dataclass
class Stats:
    requests: int = 0
    retries: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, retried: bool) -> None:
        with self.lock:
            self.requests += 1
            self.retries += retried


class Client:
    """One party over HTTP, retrying what got no usable answer for at most `patience` seconds."""

    def __init__(self, base_url: str, party: Party, stats: Stats, patience: float) -> None:
        self.base_url = base_url.rstrip("/")
        self.party = party
        self.stats = stats
        self.patience = patience
        self.local = threading.local()

    @property
    def session(self) -> requests.Session:
        if not hasattr(self.local, "session"):
            self.local.session = requests.Session()
        return self.local.session  # type: ignore[no-any-return]

    def post(self, path: str, flow: Flow, *, json: JSON | None = None, **kwargs: Any) -> JSON:
        key = str(uuid.uuid4())
        deadline = time.monotonic() + self.patience
        for attempt in itertools.count():
            headers = {
                "Authorization": f"Bearer {make_token(self.party.client_id, self.party.secret)}",
                "Accept": "application/json",
                "Idempotency-Key": key,
            }
            self.stats.count(attempt > 0)
            flow.retries += attempt > 0
            try:
                response = self.session.post(f"{self.base_url}{path}", json=json, headers=headers, timeout=30, **kwargs)
            except requests.RequestException as exc:
                problem = f"{type(exc).__name__}"
            else:
                if response.status_code in (200, 201):
                    return response.json()  # type: ignore[no-any-return]
                if response.status_code not in RETRY_STATUSES and not _in_progress(response):
                    raise Refused(f"POST {path}: {response.status_code} {response.text[:300]}")
                problem = f"HTTP {response.status_code}"
            if time.monotonic() > deadline:
                raise Refused(f"POST {path}: no answer within {self.patience:.0f} s (last: {problem})")
            time.sleep(min(5.0, 0.25 * 2 ** min(attempt, 5)))
        raise AssertionError("unreachable")


def _in_progress(response: requests.Response) -> bool:
    # The first request with this key is still running (or was cut off and is being rolled back).
    return response.status_code == 409 and "idempotency-in-progress" in response.text


@dataclass
class Load:
    base_url: str
    regie: Party
    backoffice: Party
    gemeente: str
    patience: float
    stats: Stats = field(default_factory=Stats)

    def __post_init__(self) -> None:
        self.dates = Dates.from_today()
        self.regie_api = Client(self.base_url, self.regie, self.stats, self.patience)
        self.backoffice_api = Client(self.base_url, self.backoffice, self.stats, self.patience)
        self.bsns = list(bsn_series(999_990_000 + secrets.randbelow(9_000)))
        self.run_id = uuid.uuid4().hex[:6]

    def client_of(self, index: int) -> tuple[str, Dates]:
        """The client of flow `index` and its period. The test range holds 909 BSNs; flows beyond them
        take them round again a year later each time, so no line overlaps one of the same client
        (OP043 would refuse a PGB and a ZIN of one product in one period)."""
        bsn = self.bsns[index % len(self.bsns)]
        later = index // len(self.bsns)
        start = self.dates.start.replace(year=self.dates.start.year + later)
        return bsn, Dates(self.dates.today, start, self.dates.end.replace(year=self.dates.end.year + later))

    def run(
        self,
        count: int,
        clients: int,
        progress: Callable[[int], None],
        gate: Callable[[int], None] = lambda index: None,
    ) -> list[Flow]:
        """Plays `count` flows on `clients` threads; `gate(index)` may hold a flow back until the fault
        plan has caught up with it."""
        flows = [Flow(i, KINDS[i % len(KINDS)], f"FS-{self.run_id}-{i:05d}") for i in range(count)]
        for flow in flows:
            flow.bsn, flow.dates = self.client_of(flow.index)
        done = itertools.count(1)
        lock = threading.Lock()

        def play(flow: Flow) -> None:
            gate(flow.index)
            try:
                getattr(self, f"flow_{flow.kind}")(flow)
            except Refused as exc:
                flow.error = str(exc)
            except Exception as exc:  # noqa: BLE001 - a broken answer ends the flow and is reported
                flow.error = f"{type(exc).__name__}: {exc}"
            with lock:
                progress(next(done))

        with ThreadPoolExecutor(clients, thread_name_prefix="load") as pool:
            list(pool.map(play, flows))
        return flows

    # --- the steps ---------------------------------------------------------------------------

    def submit(self, flow: Flow, *lines: JSON, **extra: Any) -> JSON:
        body = {
            "gemeente": self.gemeente,
            "wet": "WMO",
            "regieReferentie": flow.regie_referentie,
            "client": client(flow.bsn, "Fouttolerant"),
            "voorzieningen": list(lines),
            **extra,
        }
        created = self.regie_api.post("/aanvragen", flow, json=body)
        flow.aanvraag = created["uuid"]
        flow.voorzieningen = [v["uuid"] for v in created["voorzieningen"]]
        flow.berichten.append(("aanvraag_ontvangen", created["uuid"]))
        return created

    def verwerkbaar(self, flow: Flow) -> None:
        body = {"aanvraag": flow.aanvraag, "soort": "verwerkbaar"}
        made = self.backoffice_api.post("/terugkoppelingen", flow, json=body)
        flow.berichten.append(("terugkoppeling_verwerkbaar", made["uuid"]))

    def beschikking(self, flow: Flow, regels: list[JSON]) -> None:
        body = {
            "aanvraag": flow.aanvraag,
            "beschikkingnummer": 1 + secrets.randbelow(999_999_998),
            "datum": period(flow).today.isoformat(),
            "ingangsdatum": period(flow).start.isoformat(),
            "vervaldatum": period(flow).end.isoformat(),
            "regels": regels,
        }
        made = self.backoffice_api.post("/beschikkingen", flow, json=body)
        flow.berichten.append(("beschikking", made["uuid"]))

    def toewijzing(self, flow: Flow, voorziening: str) -> JSON:
        body = {
            "voorziening": voorziening,
            "toewijzingnummer": 1 + secrets.randbelow(999_999_998),
            "aanbieder": AANBIEDER,
            "ingangsdatum": period(flow).start.isoformat(),
            "einddatum": period(flow).end.isoformat(),
        }
        made = self.backoffice_api.post("/toewijzingen", flow, json=body)
        flow.berichten.append(("toewijzing", made["uuid"]))
        return made

    def granted_zin(self, flow: Flow) -> str:
        """An aanvraag of one ZIN line, verwerkbaar and granted; returns the line's uuid."""
        self.submit(flow, zin_line(period(flow), ("02", "02A01")))
        self.verwerkbaar(flow)
        line = flow.voorzieningen[0]
        self.beschikking(flow, [{"voorziening": line, "uitkomst": "toegekend"}])
        return line

    # --- the kinds -----------------------------------------------------------------------------

    def flow_zin(self, flow: Flow) -> None:
        self.submit(flow, zin_line(period(flow), ("02", "02A01")))

    def flow_pgb(self, flow: Flow) -> None:
        self.submit(flow, pgb_line(period(flow), 125_000))

    def flow_arrangement(self, flow: Flow) -> None:
        self.submit(
            flow,
            zin_line(period(flow), ("02", "02A01")),
            zin_line(period(flow), ("07", "07A01"), (3, "16", "2")),
            isArrangement=True,
            arrangementProduct={"categorie": "10", "code": "10A01"},
        )

    def flow_document(self, flow: Flow) -> None:
        self.submit(flow, zin_line(period(flow), ("02", "02A01")))
        content = b"%PDF-1.4\n% regiekoppeling fault suite\n" + secrets.token_bytes(LARGE_DOCUMENT)
        made = self.regie_api.post(
            "/documenten",
            flow,
            data={"aanvraag": flow.aanvraag, "titel": "Verslag keukentafelgesprek"},
            files={"bestand": ("verslag.pdf", content, "application/pdf")},
        )
        flow.berichten.append(("document_toegevoegd", made["uuid"]))

    def flow_beschikking(self, flow: Flow) -> None:
        self.submit(flow, zin_line(period(flow), ("02", "02A01")), pgb_line(period(flow), 90_000))
        self.verwerkbaar(flow)
        zin, pgb = flow.voorzieningen
        self.beschikking(
            flow,
            [
                {"voorziening": zin, "uitkomst": "toegekend"},
                {"voorziening": pgb, "uitkomst": "afgewezen", "reden": "Voorliggende voorziening"},
            ],
        )

    def flow_toewijzing(self, flow: Flow) -> None:
        made = self.toewijzing(flow, self.granted_zin(flow))
        body = {"datum": period(flow).start.isoformat()}
        started = self.backoffice_api.post(f"/toewijzingen/{made['uuid']}/start", flow, json=body)
        flow.berichten.append(("levering_gestart", started["uuid"]))

    def flow_signaal(self, flow: Flow) -> None:
        line = self.granted_zin(flow)
        self.toewijzing(flow, line)
        body = {
            "soort": "herindicatie",
            "voorziening": line,
            "deadline": (period(flow).end - dt.timedelta(days=42)).isoformat(),
            "toelichting": "Einde in zicht",
        }
        made = self.backoffice_api.post("/signalen", flow, json=body)
        flow.berichten.append(("herindicatie", made["uuid"]))
