"""Scenario player: plays the scenarios of the standard (DOMAIN.md S1-S9) over real HTTP against a
running regiekoppeling, as a regieapplicatie and a backofficeapplicatie would, and reports per scenario.

Plain `requests`, no Django and nothing of the product: it only needs the API's base URL and the two
parties' ZGW credentials. `python -m acceptance` is its command line.

    results = play(Config(base_url="http://127.0.0.1:8000/api/v1",
                          regie=Party("demo-regie", "..."), backoffice=Party("demo-backoffice", "...")))
    print(format_table(results))        # scenario, steps, result, time; then notes and failures

Every step asserts the HTTP status and the fields that matter (`Scenario.expect`, `Scenario.check`);
what the worker does in the background (zaken, documents, berichten) is polled for, bounded by
`Config.timeout`. A failing step ends its scenario with the step's name and what was seen; the other
scenarios still run (each uses its own client, so they do not depend on each other).

Data: every independent scenario has its own test BSN (999990000-999999999, elfproef; a random
start per run, so reruns against the same server never collide on OP043), dates in the next
calendar year, and fresh random beschikking- and toewijzingnummers.
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets
import time
import urllib.parse
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

import jwt
import requests

T = TypeVar("T")
JSON = dict[str, Any]
ArrangementZaak = Literal["shared", "separate", "observe"]

AANBIEDER = "42420001"  # AGB code of the provider in the 315 and the toewijzingen
AANBIEDER_NAAM = "Thuiszorg De Linde"  # its name, as the backoffice knows it (the 315 has only the AGB code)
PDF = b"%PDF-1.4\n% regiekoppeling scenario player\n"


def make_token(client_id: str, secret: str) -> str:
    """A ZGW-style JWT (HS256) as any client of the API makes it: client_id, iss and iat."""
    claims = {
        "iss": client_id,
        "client_id": client_id,
        "iat": int(time.time()),
        "user_id": "",
        "user_representation": "",
    }
    return jwt.encode(claims, secret, algorithm="HS256")


# --- configuration and results ------------------------------------------------------------------


@dataclass(frozen=True)
class Party:
    client_id: str
    secret: str


@dataclass(frozen=True)
class Config:
    base_url: str  # e.g. http://127.0.0.1:8000/api/v1
    regie: Party
    backoffice: Party
    gemeente: str = "0363"
    # S8: "shared" when the gemeente's strategy gives an arrangement one zaak, "separate" when every
    # line gets its own, "observe" to report what happens without asserting either.
    arrangement_zaak: ArrangementZaak = "observe"
    timeout: float = 60.0  # bound of every wait for background work
    poll_interval: float = 0.3
    only: frozenset[str] = frozenset()  # scenario codes to play (empty: all)
    request_timeout: float = 30.0


@dataclass
class Result:
    code: str
    title: str
    steps: int = 0
    outcome: Literal["ok", "FAIL", "skip"] = "ok"
    seconds: float = 0.0
    failure: str = ""
    notes: list[str] = field(default_factory=list)


class StepFailed(Exception):
    def __init__(self, step: str, detail: str) -> None:
        super().__init__(f"step '{step}': {detail}")
        self.step = step
        self.detail = detail


class Skipped(Exception):
    """The scenario cannot be played against this server (the reason says why)."""


# --- HTTP ---------------------------------------------------------------------------------------


class Api:
    """One party's view of the API: a fresh ZGW JWT on every call, an Idempotency-Key on every POST."""

    def __init__(self, config: Config, party: Party, name: str) -> None:
        self.base_url = config.base_url.rstrip("/")
        self.party = party
        self.name = name
        self.timeout = config.request_timeout
        self.session = requests.Session()

    def url(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else f"{self.base_url}{path}"

    def _headers(self, **extra: str) -> dict[str, str]:
        token = make_token(self.party.client_id, self.party.secret)
        return {"Authorization": f"Bearer {token}", "Accept": "application/json", **extra}

    def get(self, path: str, **params: str) -> requests.Response:
        return self.get_with(path, {}, **params)

    def get_with(self, path: str, headers: dict[str, str], **params: str) -> requests.Response:
        """A GET with extra headers (If-None-Match)."""
        return self.session.get(
            self.url(path), params=params or None, headers=self._headers(**headers), timeout=self.timeout
        )

    def patch(self, path: str, body: JSON) -> requests.Response:
        return self.session.patch(self.url(path), json=body, headers=self._headers(), timeout=self.timeout)

    def post(self, path: str, body: JSON, *, key: str | None = None) -> requests.Response:
        headers = self._headers(**{"Idempotency-Key": key or str(uuid.uuid4())})
        return self.session.post(self.url(path), json=body, headers=headers, timeout=self.timeout)

    def post_file(self, path: str, fields: dict[str, str], filename: str, content: bytes) -> requests.Response:
        headers = self._headers(**{"Idempotency-Key": str(uuid.uuid4())})
        files = {"bestand": (filename, content, "application/pdf")}
        return self.session.post(self.url(path), data=fields, files=files, headers=headers, timeout=self.timeout)

    def post_xml(self, path: str, xml: bytes) -> requests.Response:
        headers = self._headers(**{"Idempotency-Key": str(uuid.uuid4()), "Content-Type": "application/xml"})
        return self.session.post(self.url(path), data=xml, headers=headers, timeout=self.timeout)


def dig(body: Any, path: str) -> Any:
    """`dig(body, "voorzieningen.0.pgb.bedrag")`; a missing part gives the `MISSING` marker."""
    current = body
    for part in path.split("."):
        if isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        elif isinstance(current, dict) and part in current:
            current = current[part]
        else:
            return MISSING
    return current


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


MISSING = _Missing()


def last_part(url: Any) -> str:
    """The uuid at the end of a resource URL."""
    return str(url).rstrip("/").rsplit("/", 1)[-1]


def _shorten(text: str, limit: int = 600) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + " ..."


# --- one scenario's steps -----------------------------------------------------------------------


class Scenario:
    """The context of one scenario: both parties, the data helpers, and the named steps."""

    def __init__(self, player: Player, result: Result) -> None:
        self.player = player
        self.config = player.config
        self.regie = player.regie
        self.backoffice = player.backoffice
        self.result = result
        self._steps: list[str] = []

    # The tiny assertion helpers. Each names its step; the scenario's step count is the number of
    # distinct step names it passed through.

    def _enter(self, step: str) -> None:
        if step not in self._steps:
            self._steps.append(step)
            self.result.steps = len(self._steps)

    def check(self, step: str, condition: bool, detail: str) -> None:
        self._enter(step)
        if not condition:
            raise StepFailed(step, detail)

    def expect(self, step: str, response: requests.Response, status: int, fields: JSON | None = None) -> Any:
        """The response has this status and, for each dotted path in `fields`, this value."""
        self._enter(step)
        what = f"{response.request.method} {response.request.url}"
        if response.status_code != status:
            raise StepFailed(
                step, f"{what}: expected HTTP {status}, got {response.status_code}: {_shorten(response.text)}"
            )
        try:
            body = response.json() if response.content else {}
        except ValueError:
            raise StepFailed(step, f"{what}: the answer is not JSON: {_shorten(response.text)}") from None
        return self.fields(step, body, fields or {}, what)

    def fields(self, step: str, body: Any, fields: JSON, what: str = "answer") -> Any:
        """For each dotted path in `fields` (`"voorzieningen.0.pgb.bedrag"`), `body` has this value."""
        self._enter(step)
        wrong = [
            f"{path} = {dig(body, path)!r}, expected {expected!r}"
            for path, expected in fields.items()
            if dig(body, path) != expected
        ]
        if wrong:
            raise StepFailed(step, f"{what}: " + "; ".join(wrong))
        return body

    def wait(
        self,
        step: str,
        fetch: Callable[[], T],
        done: Callable[[T], bool],
        broken: Callable[[T], str | None] = lambda _: None,
        describe: Callable[[T], str] = repr,
    ) -> T:
        """Poll `fetch` until `done`, at most `Config.timeout` seconds; `broken` ends it early."""
        self._enter(step)
        deadline = time.monotonic() + self.config.timeout
        while True:
            value = fetch()
            if done(value):
                return value
            problem = broken(value)
            if problem:
                raise StepFailed(step, problem)
            if time.monotonic() > deadline:
                raise StepFailed(
                    step, f"not within {self.config.timeout:.0f} s; last seen: {_shorten(describe(value))}"
                )
            time.sleep(self.config.poll_interval)

    def note(self, text: str) -> None:
        self.result.notes.append(text)

    # data of this scenario

    def bsn(self) -> str:
        return self.player.next_bsn()

    @property
    def dates(self) -> Dates:
        return self.player.dates

    def nummer(self) -> int:
        """A fresh beschikking- or toewijzingnummer (1..999999999)."""
        return 1 + secrets.randbelow(999_999_998)


@dataclass(frozen=True)
class Dates:
    today: dt.date
    start: dt.date  # 1 January of next year: always in the future
    end: dt.date

    @classmethod
    def from_today(cls, today: dt.date | None = None) -> Dates:
        today = today or dt.date.today()
        return cls(today, dt.date(today.year + 1, 1, 1), dt.date(today.year + 1, 12, 31))


# --- test BSNs ----------------------------------------------------------------------------------

BSN_FIRST, BSN_LAST = 999_990_000, 999_999_999
NOT_A_BSN = "999999991"  # nine digits that fail the elfproef


def elfproef(bsn: str) -> bool:
    if len(bsn) != 9 or not bsn.isdigit() or set(bsn) == {"0"}:
        return False
    total = sum(int(d) * w for d, w in zip(bsn[:8], range(9, 1, -1), strict=True)) - int(bsn[8])
    return total % 11 == 0


def bsn_series(start: int) -> Iterator[str]:
    """Test BSNs from `start` on, wrapping within 999990000-999999999, each passing the elfproef."""
    span = BSN_LAST - BSN_FIRST + 1
    for i in range(span):
        candidate = str(BSN_FIRST + (start - BSN_FIRST + i) % span)
        if elfproef(candidate):
            yield candidate


# --- request bodies -----------------------------------------------------------------------------


def client(bsn: str, achternaam: str, *, geboortedatum: str = "1948-03-12", geslacht: str = "2") -> JSON:
    return {"bsn": bsn, "geboortedatum": geboortedatum, "geslacht": geslacht, "achternaam": achternaam}


def zin_line(dates: Dates, product: tuple[str, str], omvang: tuple[int, str, str] = (4, "04", "2")) -> JSON:
    volume, eenheid, frequentie = omvang
    return {
        "product": {"categorie": product[0], "code": product[1]},
        "leveringsvorm": "ZIN",
        "omvang": {"volume": volume, "eenheid": eenheid, "frequentie": frequentie},
        "ingangsdatum": dates.start.isoformat(),
        "einddatum": dates.end.isoformat(),
    }


def pgb_line(dates: Dates, bedrag: int, *, categorie: str = "01", basis: str = "per_maand") -> JSON:
    return {
        "product": {"categorie": categorie},
        "leveringsvorm": "PGB",
        "pgb": {"bedrag": bedrag, "basis": basis, "tariefreferentie": f"TARIEF-{dates.start.year}-HH"},
        "ingangsdatum": dates.start.isoformat(),
        "einddatum": dates.end.isoformat(),
    }


def aanvraag_body(sc: Scenario, cli: JSON, *lines: JSON, **extra: Any) -> JSON:
    return {
        "gemeente": sc.config.gemeente,
        "wet": "WMO",
        "regieReferentie": f"GP-{sc.result.code}-{uuid.uuid4().hex[:8]}",
        "client": cli,
        "voorzieningen": list(lines),
        **extra,
    }


# The verzoek om toewijzing as a care provider sends it (iWmo 3.2, WMO315), two products.
WMO315_TEMPLATE = """<?xml version="1.0" encoding="UTF-8"?>
<wmo315:Bericht xmlns:iwmo="http://www.istandaarden.nl/iwmo/3_2/basisschema/schema"
                xmlns:wmo315="http://www.istandaarden.nl/iwmo/3_2/wmo315/schema">
  <wmo315:Header>
    <wmo315:BerichtCode>444</wmo315:BerichtCode>
    <wmo315:BerichtVersie>3</wmo315:BerichtVersie>
    <wmo315:BerichtSubversie>2</wmo315:BerichtSubversie>
    <wmo315:Afzender>{aanbieder}</wmo315:Afzender>
    <wmo315:Ontvanger>{gemeente}</wmo315:Ontvanger>
    <wmo315:BerichtIdentificatie>
      <iwmo:Identificatie>{identificatie}</iwmo:Identificatie>
      <iwmo:Dagtekening>{dagtekening}</iwmo:Dagtekening>
    </wmo315:BerichtIdentificatie>
    <wmo315:XsdVersie>
      <iwmo:BasisschemaXsdVersie>1.0.0</iwmo:BasisschemaXsdVersie>
      <iwmo:BerichtXsdVersie>1.0.0</iwmo:BerichtXsdVersie>
    </wmo315:XsdVersie>
  </wmo315:Header>
  <wmo315:Client>
    <wmo315:Bsn>{bsn}</wmo315:Bsn>
    <wmo315:Geboortedatum>
      <iwmo:Datum>{geboortedatum}</iwmo:Datum>
    </wmo315:Geboortedatum>
    <wmo315:Geslacht>{geslacht}</wmo315:Geslacht>
    <wmo315:Naam>
      <iwmo:Geslachtsnaam>
        <iwmo:Achternaam>{achternaam}</iwmo:Achternaam>
      </iwmo:Geslachtsnaam>
    </wmo315:Naam>
    <wmo315:AangevraagdeProducten>
      <wmo315:AangevraagdProduct>
        <wmo315:ReferentieAanbieder>{referentie_1}</wmo315:ReferentieAanbieder>
        <wmo315:Product>
          <iwmo:Categorie>02</iwmo:Categorie>
          <iwmo:Code>02A01</iwmo:Code>
        </wmo315:Product>
        <wmo315:ToewijzingIngangsdatum>{ingangsdatum}</wmo315:ToewijzingIngangsdatum>
        <wmo315:ToewijzingEinddatum>{einddatum}</wmo315:ToewijzingEinddatum>
        <wmo315:Omvang>
          <iwmo:Volume>3</iwmo:Volume>
          <iwmo:Eenheid>04</iwmo:Eenheid>
          <iwmo:Frequentie>2</iwmo:Frequentie>
        </wmo315:Omvang>
        <wmo315:Verwijzer>
          <iwmo:Type>02</iwmo:Type>
          <iwmo:Naam>Huisartsenpraktijk De Linde</iwmo:Naam>
        </wmo315:Verwijzer>
        <wmo315:Commentaar>Begeleiding na ontslag uit het ziekenhuis</wmo315:Commentaar>
      </wmo315:AangevraagdProduct>
      <wmo315:AangevraagdProduct>
        <wmo315:ReferentieAanbieder>{referentie_2}</wmo315:ReferentieAanbieder>
        <wmo315:Product>
          <iwmo:Categorie>07</iwmo:Categorie>
          <iwmo:Code>07A01</iwmo:Code>
        </wmo315:Product>
        <wmo315:ToewijzingIngangsdatum>{ingangsdatum}</wmo315:ToewijzingIngangsdatum>
        <wmo315:ToewijzingEinddatum>{einddatum}</wmo315:ToewijzingEinddatum>
        <wmo315:Omvang>
          <iwmo:Volume>2</iwmo:Volume>
          <iwmo:Eenheid>16</iwmo:Eenheid>
          <iwmo:Frequentie>2</iwmo:Frequentie>
        </wmo315:Omvang>
        <wmo315:Verwijzer>
          <iwmo:Type>02</iwmo:Type>
          <iwmo:Naam>Huisartsenpraktijk De Linde</iwmo:Naam>
        </wmo315:Verwijzer>
      </wmo315:AangevraagdProduct>
    </wmo315:AangevraagdeProducten>
  </wmo315:Client>
</wmo315:Bericht>
"""


def wmo315(
    *,
    gemeente: str,
    cli: JSON,
    dates: Dates,
    referenties: tuple[str, str],
    identificatie: str,
    aanbieder: str = AANBIEDER,
) -> bytes:
    """A WMO315 for the client `cli` (the shape of `client()`): 02A01 and 07A01 requested."""
    xml = WMO315_TEMPLATE.format(
        aanbieder=aanbieder,
        gemeente=gemeente,
        identificatie=identificatie,
        dagtekening=dates.today.isoformat(),
        bsn=cli["bsn"],
        geboortedatum=cli["geboortedatum"],
        geslacht=cli["geslacht"],
        achternaam=cli["achternaam"],
        referentie_1=referenties[0],
        referentie_2=referenties[1],
        ingangsdatum=dates.start.isoformat(),
        einddatum=dates.end.isoformat(),
    )
    return xml.encode()


# --- shared steps -------------------------------------------------------------------------------


def submit(sc: Scenario, step: str, body: JSON) -> JSON:
    """The regie sends an aanvraag: 201, Location, status ontvangen, every line as sent."""
    response = sc.regie.post("/aanvragen", body)
    created = sc.expect(step, response, 201, {"status": "ontvangen", "gemeente": body["gemeente"], "wet": body["wet"]})
    sc.check(step, response.headers.get("Location") == created["url"], f"Location {response.headers.get('Location')}")
    sc.check(step, len(created["voorzieningen"]) == len(body["voorzieningen"]), "number of voorzieningen differs")
    for sent, line in zip(body["voorzieningen"], created["voorzieningen"], strict=True):
        sc.check(step, line["status"] == "ontvangen", f"voorziening {line['volgnummer']} status {line['status']}")
        sc.check(step, line["leveringsvorm"] == sent["leveringsvorm"], f"leveringsvorm {line['leveringsvorm']}")
        sc.check(step, line["product"]["categorie"] == sent["product"]["categorie"], f"product {line['product']}")
        for name in ("ingangsdatum", "einddatum", "omvang"):
            if name in sent:
                sc.check(step, line[name] == sent[name], f"{name} {line[name]!r}, sent {sent[name]!r}")
    return created


def read_aanvraag(sc: Scenario, api: Api, step: str, aanvraag: JSON, fields: JSON | None = None) -> JSON:
    return sc.expect(step, api.get(f"/aanvragen/{aanvraag['uuid']}"), 200, {"uuid": aanvraag["uuid"], **(fields or {})})


def wait_registered(sc: Scenario, aanvraag: JSON) -> JSON:
    """The worker registered every voorziening in the ZGW APIs: `registratie: geregistreerd` and a zaak."""

    def fetch() -> JSON:
        return read_aanvraag(sc, sc.regie, "worker: voorzieningen registered in the Zaken API", aanvraag)

    def broken(body: JSON) -> str | None:
        failed = [v for v in body["voorzieningen"] if v["registratie"] == "mislukt"]
        return f"registratie mislukt: {failed[0]['registratieFouten']}" if failed else None

    body = sc.wait(
        "worker: voorzieningen registered in the Zaken API",
        fetch,
        lambda b: all(v["registratie"] == "geregistreerd" and v["zaak"] for v in b["voorzieningen"]),
        broken,
        lambda b: str([(v["volgnummer"], v["registratie"], v["zaak"]) for v in b["voorzieningen"]]),
    )
    for line in body["voorzieningen"]:
        zaak = line["zaak"]
        sc.check(
            "worker: voorzieningen registered in the Zaken API", bool(zaak["url"] and zaak["identificatie"]), str(zaak)
        )
    return body


def attach(sc: Scenario, api: Api, aanvraag: JSON, titel: str, *, soort: str = "") -> JSON:
    """POST /documenten as multipart, then wait until the worker stored it in the Documenten API."""
    fields = {"aanvraag": aanvraag["uuid"], "titel": titel, **({"soort": soort} if soort else {})}
    step = f"{api.name}: POST /documenten '{titel}' (multipart)"
    filename = titel.lower().replace(" ", "-") + ".pdf"
    document = sc.expect(
        step,
        api.post_file("/documenten", fields, filename, PDF + titel.encode()),
        201,
        {"titel": titel, "aanvraag": aanvraag["url"], "bestandsnaam": filename, "formaat": "application/pdf"},
    )
    if soort:
        sc.check(step, document["soort"] == soort, f"soort {document['soort']!r}")
    return wait_stored(sc, api, document, titel)


def wait_stored(sc: Scenario, api: Api, document: JSON, titel: str) -> JSON:
    """Wait until the worker stored the document in the Documenten API."""
    step = f"worker: '{titel}' stored in the Documenten API"
    return sc.wait(
        step,
        lambda: sc.expect(step, api.get(f"/documenten/{document['uuid']}"), 200),
        lambda d: d["registratie"] == "opgeslagen" and bool(d["informatieobject"]),
        lambda d: f"opslag mislukt: {d['registratieFouten']}" if d["registratie"] == "mislukt" else None,
        lambda d: f"registratie={d['registratie']} informatieobject={d['informatieobject']!r}",
    )


def feedback(sc: Scenario, aanvraag: JSON, soort: str, **extra: Any) -> JSON:
    body = {"aanvraag": aanvraag["uuid"], "soort": soort, **extra}
    return sc.expect(
        f"backoffice: terugkoppeling {soort}",
        sc.backoffice.post("/terugkoppelingen", body),
        201,
        {"soort": soort, "aanvraag": aanvraag["url"]},
    )


class Feed:
    """One party's berichten about one aanvraag, read with the cursor: `next` is followed on every
    poll, so a later read starts where the previous one ended."""

    def __init__(self, sc: Scenario, api: Api, aanvraag: JSON) -> None:
        self.sc = sc
        self.api = api
        self.aanvraag = aanvraag
        self.next = f"/berichten?aanvraag={aanvraag['uuid']}&pageSize=100"
        self.seen: list[JSON] = []

    def _read(self, step: str) -> list[JSON]:
        page = self.sc.expect(step, self.api.get(self.next), 200)
        self.sc.check(step, bool(page.get("next")), "the feed gives no next link")
        self.next = page["next"]
        self.seen += page["results"]
        return self.seen

    def wait_for(self, *gebeurtenissen: str) -> list[JSON]:
        step = f"{self.api.name}: berichten {', '.join(gebeurtenissen)} in the feed"
        seen = self.sc.wait(
            step,
            lambda: self._read(step),
            lambda s: set(gebeurtenissen) <= {b["gebeurtenis"] for b in s},
            describe=lambda s: str([b["gebeurtenis"] for b in s]),
        )
        bsn = self.aanvraag["client"]["bsn"]
        for bericht in seen:
            self.sc.check(step, last_part(bericht["hoofdObject"]) == self.aanvraag["uuid"], f"hoofdObject {bericht}")
            self.sc.check(step, bsn not in str(bericht), "a BSN in the feed")
        return seen

    def one(self, gebeurtenis: str) -> JSON:
        return next(b for b in self.seen if b["gebeurtenis"] == gebeurtenis)


def grant(sc: Scenario, aanvraag: JSON, regels: list[JSON], **extra: Any) -> JSON:
    """The backoffice's beschikking on the aanvraag (after `verwerkbaar`)."""
    body = {
        "aanvraag": aanvraag["uuid"],
        "beschikkingnummer": sc.nummer(),
        "datum": sc.dates.today.isoformat(),
        "ingangsdatum": sc.dates.start.isoformat(),
        "vervaldatum": sc.dates.end.isoformat(),
        "regels": regels,
        **extra,
    }
    return sc.expect(
        "backoffice: POST /beschikkingen",
        sc.backoffice.post("/beschikkingen", body),
        201,
        {
            "beschikkingnummer": body["beschikkingnummer"],
            "aanvraag": aanvraag["url"],
            "regels.0.uitkomst": regels[0]["uitkomst"],
        },
    )


def assign(sc: Scenario, voorziening: JSON, aanbieder: str = AANBIEDER) -> JSON:
    body = {
        "voorziening": voorziening["uuid"],
        "toewijzingnummer": sc.nummer(),
        "aanbieder": aanbieder,
        "ingangsdatum": sc.dates.start.isoformat(),
        "einddatum": sc.dates.end.isoformat(),
    }
    return sc.expect(
        "backoffice: POST /toewijzingen",
        sc.backoffice.post("/toewijzingen", body),
        201,
        {"toewijzingnummer": body["toewijzingnummer"], "aanbieder": aanbieder, "voorziening": voorziening["url"]},
    )


def line_status(sc: Scenario, api: Api, step: str, voorziening: JSON, status: str) -> JSON:
    return sc.expect(step, api.get(f"/voorzieningen/{voorziening['uuid']}"), 200, {"status": status})


# --- the scenarios ------------------------------------------------------------------------------


def s1_zin(sc: Scenario) -> None:
    """S1: a ZIN-voorziening: aanvraag, read back, zaak in the ZGW APIs, a document attached."""
    cli = client(sc.bsn(), "Jansen")
    body = aanvraag_body(sc, cli, zin_line(sc.dates, ("02", "02A01")))
    key = str(uuid.uuid4())
    response = sc.regie.post("/aanvragen", body, key=key)
    created = sc.expect("regie: POST /aanvragen (ZIN)", response, 201, {"status": "ontvangen"})
    sc.check("regie: POST /aanvragen (ZIN)", response.headers.get("Location") == created["url"], "Location header")

    replay = sc.regie.post("/aanvragen", body, key=key)
    sc.expect("regie: same Idempotency-Key replays the answer", replay, 201, {"uuid": created["uuid"]})
    sc.check(
        "regie: same Idempotency-Key replays the answer",
        replay.headers.get("Idempotent-Replayed") == "true",
        f"Idempotent-Replayed: {replay.headers.get('Idempotent-Replayed')}",
    )

    sent = body["voorzieningen"][0]
    read_aanvraag(
        sc,
        sc.regie,
        "regie: GET the aanvraag back",
        created,
        {
            "client.bsn": cli["bsn"],
            "regieReferentie": body["regieReferentie"],
            "voorzieningen.0.leveringsvorm": "ZIN",
            "voorzieningen.0.product.code": "02A01",
            "voorzieningen.0.omvang": sent["omvang"],
            "voorzieningen.0.ingangsdatum": sent["ingangsdatum"],
            "voorzieningen.0.einddatum": sent["einddatum"],
            "voorzieningen.0.pgb": None,
        },
    )
    registered = wait_registered(sc, created)
    sc.note(f"zaak {registered['voorzieningen'][0]['zaak']['identificatie']}")
    document = attach(sc, sc.regie, created, "Verslag keukentafelgesprek")
    again = read_aanvraag(sc, sc.regie, "regie: the aanvraag lists the document", created)
    sc.check(
        "regie: the aanvraag lists the document",
        document["uuid"] in {d["uuid"] for d in again["documenten"]},
        str(again["documenten"]),
    )


def s2_pgb(sc: Scenario) -> None:
    """S2: a PGB-voorziening with its PGB bedrag, as the backoffice needs it for the TKB."""
    cli = client(sc.bsn(), "de Vries", geslacht="1")
    bedrag = 125_000 + secrets.randbelow(100) * 100  # eurocent
    # The budgethouder is not the client here (a bewindvoerder), so the TKB names someone else.
    budgethouder = {
        "rol": "budgethouder",
        "soortRelatie": "14",
        "bsn": sc.bsn(),
        "naam": {"voornamen": "Karel", "achternaam": "Smit"},
    }
    vertegenwoordiger = {**budgethouder, "rol": "wettelijk_vertegenwoordiger", "vertegenwoordiging": "07"}
    step = "API: a budgethouder without a PGB line is refused, naming the field"
    refused = sc.expect(
        step,
        sc.regie.post(
            "/aanvragen",
            aanvraag_body(sc, cli, zin_line(sc.dates, ("02", "02A01")), betrokkenen=[budgethouder]),
        ),
        400,
    )
    names = [(p.get("name"), p.get("code")) for p in refused.get("invalidParams", [])]
    sc.check(step, names == [("betrokkenen.0.rol", "zonder_pgb")], f"invalidParams {names}")
    # The budgetplan comes inside the aanvraag (base64), so the zaak and its document are registered together.
    budgetplan = {
        "titel": "Budgetplan",
        "bestandsnaam": "budgetplan.pdf",
        "formaat": "application/pdf",
        "inhoud": base64.b64encode(PDF + b"Budgetplan").decode(),
    }
    body = aanvraag_body(
        sc, cli, pgb_line(sc.dates, bedrag), betrokkenen=[budgethouder, vertegenwoordiger], documenten=[budgetplan]
    )
    created = submit(sc, "regie: POST /aanvragen (PGB, budgethouder, vertegenwoordiger, budgetplan)", body)
    shown = [(d["titel"], d["bestandsnaam"], d["bestandsomvang"]) for d in created["documenten"]]
    sc.check(
        "regie: POST /aanvragen with the budgetplan inside",
        shown == [("Budgetplan", "budgetplan.pdf", len(PDF + b"Budgetplan"))],
        f"documenten {shown}",
    )
    sc.check(
        "regie: POST /aanvragen (PGB, budgethouder, vertegenwoordiger)",
        created["betrokkenen"] == [budgethouder, vertegenwoordiger],
        f"betrokkenen {created['betrokkenen']}",
    )
    expected_pgb = {
        "bedrag": bedrag,
        "basis": "per_maand",
        "ingangsdatum": sc.dates.start.isoformat(),  # defaults to the period of the line
        "einddatum": sc.dates.end.isoformat(),
        "tariefreferentie": f"TARIEF-{sc.dates.start.year}-HH",
    }
    fields = {"voorzieningen.0.pgb": expected_pgb, "voorzieningen.0.budget": None, "voorzieningen.0.omvang": None}
    sc.fields("regie: POST /aanvragen (PGB)", created, fields)
    line = read_aanvraag(sc, sc.regie, "regie: GET the aanvraag back", created, fields)["voorzieningen"][0]
    sc.check("regie: GET the aanvraag back", type(line["pgb"]["bedrag"]) is int, "bedrag is not an integer")
    sc.expect(
        "backoffice: GET /voorzieningen/{uuid} shows the PGB bedrag",
        sc.backoffice.get(f"/voorzieningen/{line['uuid']}"),
        200,
        {"leveringsvorm": "PGB", "pgb.bedrag": bedrag, "pgb.basis": "per_maand"},
    )
    sc.expect(
        "backoffice: GET the aanvraag shows the budgethouder for the TKB",
        sc.backoffice.get(f"/aanvragen/{created['uuid']}"),
        200,
        {"betrokkenen.0.rol": "budgethouder", "betrokkenen.0.bsn": budgethouder["bsn"]},
    )
    registered = wait_registered(sc, created)
    sc.note(f"bedrag {bedrag} eurocent per maand; zaak {registered['voorzieningen'][0]['zaak']['identificatie']}")
    wait_stored(sc, sc.regie, created["documenten"][0], "Budgetplan")


def s3_technical_feedback(sc: Scenario) -> None:
    """S3: technical feedback, synchronously by the API and afterwards by the backoffice."""
    invalid = aanvraag_body(sc, client(NOT_A_BSN, "Fout"), zin_line(sc.dates, ("02", "02A01")))
    refused = sc.expect(
        "API: an aanvraag with a wrong BSN is refused at once", sc.regie.post("/aanvragen", invalid), 400
    )
    names = [p.get("name") for p in refused.get("invalidParams", [])]
    sc.check("API: an aanvraag with a wrong BSN is refused at once", "client.bsn" in names, f"invalidParams {names}")

    goed = submit(
        sc,
        "regie: POST two aanvragen",
        aanvraag_body(sc, client(sc.bsn(), "Bakker"), zin_line(sc.dates, ("02", "02A02"))),
    )
    fout = submit(
        sc,
        "regie: POST two aanvragen",
        aanvraag_body(sc, client(sc.bsn(), "Visser"), zin_line(sc.dates, ("03", "03A01"))),
    )

    step = "backoffice: GET /aanvragen?gemeente&gewijzigdVanaf lists both"
    found = _list_all(sc, step, "/aanvragen", gemeente=sc.config.gemeente, gewijzigdVanaf=goed["aangemaaktOp"])
    sc.check(step, {goed["uuid"], fout["uuid"]} <= found, "not both aanvragen in the list")
    later = sc.expect(step, sc.backoffice.get("/aanvragen", gewijzigdVanaf="2999-01-01T00:00:00Z"), 200)
    sc.check(step, later["results"] == [], f"gewijzigdVanaf in the future still lists {len(later['results'])}")

    verwerkbaar = feedback(sc, goed, "verwerkbaar")
    sc.check(
        "backoffice: terugkoppeling verwerkbaar",
        sorted(verwerkbaar["voorzieningen"]) == sorted(v["url"] for v in goed["voorzieningen"]),
        f"voorzieningen {verwerkbaar['voorzieningen']}",
    )
    step = "backoffice: a retourcode outside the iWmo code list (WJ001) is refused"
    unknown = [{"code": "9999", "pad": "voorzieningen.0.product", "tekst": "Geen bestaande retourcode"}]
    response = sc.backoffice.post(
        "/terugkoppelingen", {"aanvraag": fout["uuid"], "soort": "niet_verwerkbaar", "fouten": unknown}
    )
    refused = sc.expect(step, response, 400)
    names = [(p.get("name"), p.get("code")) for p in refused.get("invalidParams", [])]
    sc.check(step, names == [("fouten.0.code", "onbekende_retourcode")], f"invalidParams {names}")
    fouten = [{"code": "9019", "pad": "voorzieningen.0.product", "tekst": "Product niet ingekocht door de gemeente"}]
    niet = feedback(sc, fout, "niet_verwerkbaar", fouten=fouten)
    sc.check("backoffice: terugkoppeling niet_verwerkbaar", niet["fouten"] == fouten, f"fouten {niet['fouten']}")

    read_aanvraag(
        sc,
        sc.regie,
        "regie: sees in_behandeling",
        goed,
        {"status": "in_behandeling", "voorzieningen.0.status": "in_behandeling"},
    )
    read_aanvraag(
        sc,
        sc.regie,
        "regie: sees niet_verwerkbaar",
        fout,
        {"status": "niet_verwerkbaar", "voorzieningen.0.status": "niet_verwerkbaar"},
    )
    sc.expect(
        "regie: reads the fouten",
        sc.regie.get(f"/terugkoppelingen/{niet['uuid']}"),
        200,
        {"soort": "niet_verwerkbaar", "fouten": fouten},
    )
    feed = Feed(sc, sc.regie, goed)
    feed.wait_for("aanvraag_ontvangen", "terugkoppeling_verwerkbaar")
    sc.check(
        "regie: berichten aanvraag_ontvangen, terugkoppeling_verwerkbaar in the feed",
        last_part(feed.one("terugkoppeling_verwerkbaar")["resourceUrl"]) == verwerkbaar["uuid"],
        "resourceUrl is not the terugkoppeling",
    )
    Feed(sc, sc.regie, fout).wait_for("terugkoppeling_niet_verwerkbaar")


def s4_afgewezen(sc: Scenario) -> None:
    """S4: functional feedback: afgewezen with a reden, before any beschikking."""
    aanvraag = submit(
        sc,
        "regie: POST /aanvragen",
        aanvraag_body(sc, client(sc.bsn(), "Smit"), zin_line(sc.dates, ("04", "04A01"), (3, "14", "4"))),
    )
    feedback(sc, aanvraag, "verwerkbaar")
    line = aanvraag["voorzieningen"][0]
    toelichting = "Kortdurend verblijf past niet: mantelzorger kan ondersteuning thuis bieden."
    afgewezen = feedback(
        sc, aanvraag, "afgewezen", voorzieningen=[line["uuid"]], redenAfwijzing="7", toelichting=toelichting
    )
    sc.check(
        "backoffice: terugkoppeling afgewezen",
        afgewezen["voorzieningen"] == [line["url"]],
        str(afgewezen["voorzieningen"]),
    )
    line_status(sc, sc.regie, "regie: the voorziening is afgewezen", line, "afgewezen")
    read_aanvraag(sc, sc.regie, "regie: the aanvraag is afgewezen", aanvraag, {"status": "afgewezen"})
    sc.expect(
        "regie: reads the reden",
        sc.regie.get(f"/terugkoppelingen/{afgewezen['uuid']}"),
        200,
        {"soort": "afgewezen", "redenAfwijzing": "7", "toelichting": toelichting},
    )
    Feed(sc, sc.regie, aanvraag).wait_for("terugkoppeling_afgewezen")


def s5_beschikking(sc: Scenario) -> None:
    """S5: a beschikking with its letter over three lines, then toewijzing, start and stop of the ZIN line."""
    lines = [
        zin_line(sc.dates, ("02", "02A01")),
        pgb_line(sc.dates, 90_000),
        zin_line(sc.dates, ("07", "07A01"), (2, "16", "2")),
    ]
    aanvraag = submit(
        sc, "regie: POST /aanvragen (ZIN, PGB, ZIN)", aanvraag_body(sc, client(sc.bsn(), "Mulder"), *lines)
    )
    zin, pgb, dagbesteding = aanvraag["voorzieningen"]
    wait_registered(sc, aanvraag)
    feedback(sc, aanvraag, "verwerkbaar")

    brief = attach(sc, sc.backoffice, aanvraag, "Beschikking Wmo", soort="Beschikking")
    # Where the zaak of the line to be rejected stands right before the beschikking (checked at the end).
    zaak_before = line_status(
        sc, sc.regie, "regie: zaak status before the beschikking", dagbesteding, "in_behandeling"
    )["zaak"]
    granted_pgb = {
        "bedrag": 1_080_000,
        "basis": "per_jaar",
        "ingangsdatum": sc.dates.start.isoformat(),
        "einddatum": sc.dates.end.isoformat(),
        "tariefreferentie": f"TARIEF-{sc.dates.start.year}-HH",
    }
    regels = [
        {
            "voorziening": zin["uuid"],
            "uitkomst": "toegekend",
            "omvang": {"volume": 4, "eenheid": "04", "frequentie": "2"},
        },
        # Granted in the shape it was asked: bedrag, basis and period (what the TKB needs).
        {"voorziening": pgb["uuid"], "uitkomst": "toegekend", "pgb": granted_pgb},
        {
            "voorziening": dagbesteding["uuid"],
            "uitkomst": "afgewezen",
            "reden": "Voorliggende voorziening: dagactiviteit in de wijk",
        },
    ]
    beschikking = grant(sc, aanvraag, regels, brief=brief["uuid"], toelichting="Scenario S5")
    sc.check("backoffice: POST /beschikkingen", beschikking["brief"] == brief["url"], f"brief {beschikking['brief']}")
    sc.check("backoffice: POST /beschikkingen", len(beschikking["regels"]) == 3, "not three regels")

    seen = sc.expect(
        "regie: reads the beschikking",
        sc.regie.get(f"/beschikkingen/{beschikking['uuid']}"),
        200,
        {
            "beschikkingnummer": beschikking["beschikkingnummer"],
            "brief": brief["url"],
            "vervaldatum": sc.dates.end.isoformat(),
        },
    )
    outcome = {last_part(r["voorziening"]): r for r in seen["regels"]}
    step = "regie: reads the beschikking (granted pgb and omvang in the aanvraag's shapes)"
    sc.check(step, outcome[pgb["uuid"]]["pgb"] == granted_pgb, f"regel {outcome[pgb['uuid']]}")
    sc.check(step, outcome[zin["uuid"]]["omvang"] == regels[0]["omvang"], f"regel {outcome[zin['uuid']]}")
    sc.check(step, outcome[zin["uuid"]]["pgb"] is None, f"regel {outcome[zin['uuid']]}")
    sc.check(
        "regie: reads the beschikking", outcome[dagbesteding["uuid"]]["uitkomst"] == "afgewezen", "afgewezen regel"
    )
    read_aanvraag(
        sc,
        sc.regie,
        "regie: states per line",
        aanvraag,
        {
            "status": "gedeeltelijk_toegekend",
            "voorzieningen.0.status": "toegekend",
            "voorzieningen.1.status": "toegekend",
            "voorzieningen.2.status": "afgewezen",
        },
    )

    toewijzing = assign(sc, zin)
    line_status(sc, sc.regie, "regie: the ZIN line is toegewezen", zin, "toegewezen")
    start = sc.expect(
        "backoffice: start of delivery (305)",
        sc.backoffice.post(f"/toewijzingen/{toewijzing['uuid']}/start", {"datum": sc.dates.start.isoformat()}),
        200,
        {"startDatum": sc.dates.start.isoformat()},
    )
    line_status(sc, sc.regie, "regie: the ZIN line is in_levering", zin, "in_levering")
    stop = sc.expect(
        "backoffice: stop of delivery (307)",
        sc.backoffice.post(
            f"/toewijzingen/{start['uuid']}/stop", {"datum": sc.dates.end.isoformat(), "redenBeeindiging": "19"}
        ),
        200,
        {"stopDatum": sc.dates.end.isoformat(), "redenBeeindiging": "19"},
    )
    line_status(sc, sc.regie, "regie: the ZIN line is beeindigd", zin, "beeindigd")
    sc.expect(
        "regie: reads the toewijzing",
        sc.regie.get(f"/toewijzingen/{stop['uuid']}"),
        200,
        {
            "toewijzingnummer": toewijzing["toewijzingnummer"],
            "startDatum": sc.dates.start.isoformat(),
            "stopDatum": sc.dates.end.isoformat(),
        },
    )
    Feed(sc, sc.regie, aanvraag).wait_for("beschikking", "toewijzing", "levering_gestart", "levering_gestopt")
    sc.note(f"beschikking {beschikking['beschikkingnummer']}, toewijzing {toewijzing['toewijzingnummer']}")
    zaak_follows_beschikking(sc, dagbesteding, zaak_before, beschikking)


def zaak_follows_beschikking(sc: Scenario, line: JSON, before: JSON, beschikking: JSON) -> None:
    """Afgewezen ends the lifecycle: the rejected line's zaak gets the end status, and the read-through
    says when (any status set because of the beschikking is set after the beschikking was made)."""
    step = "worker: the rejected line's zaak follows the beschikking (status, statusGezetOp)"
    after = sc.wait(
        step,
        lambda: sc.expect(step, sc.regie.get(f"/voorzieningen/{line['uuid']}"), 200)["zaak"],
        lambda zaak: zaak["status"] != before["status"],
        describe=str,
    )
    gezet = after["statusGezetOp"]
    sc.check(
        step,
        gezet is not None
        and dt.datetime.fromisoformat(gezet) >= dt.datetime.fromisoformat(beschikking["aangemaaktOp"]),
        f"zaak status {before['status']!r} -> {after['status']!r} after the beschikking of {beschikking['aangemaaktOp']}, "
        f"but statusGezetOp is still {gezet} (it was {before['statusGezetOp']} for {before['status']!r})",
    )


def s6_herindicatie(sc: Scenario) -> None:
    """S6: the backoffice signals that a running grant needs re-assessment; the regie gets the details."""
    aanvraag = submit(
        sc,
        "regie: POST /aanvragen",
        aanvraag_body(sc, client(sc.bsn(), "de Boer"), zin_line(sc.dates, ("03", "03A01"), (2, "04", "2"))),
    )
    line = aanvraag["voorzieningen"][0]
    registered = wait_registered(sc, aanvraag)["voorzieningen"][0]
    feedback(sc, aanvraag, "verwerkbaar")
    beschikking = grant(sc, aanvraag, [{"voorziening": line["uuid"], "uitkomst": "toegekend"}])
    toewijzing = assign(sc, line, aanbieder="87654321")

    deadline = (sc.dates.end - dt.timedelta(days=42)).isoformat()
    body = {"soort": "herindicatie", "voorziening": line["uuid"], "deadline": deadline, "toelichting": "Einde in zicht"}
    signaal = sc.expect(
        "backoffice: POST /signalen herindicatie",
        sc.backoffice.post("/signalen", body),
        201,
        {"soort": "herindicatie", "bron": "backoffice", "voorziening": line["url"], "deadline": deadline},
    )
    sc.expect(
        "regie: reads the herindicatie with its details",
        sc.regie.get(f"/signalen/{signaal['uuid']}"),
        200,
        {
            "soort": "herindicatie",
            "deadline": deadline,
            "herindicatie.beschikkingnummer": beschikking["beschikkingnummer"],
            "herindicatie.toewijzingnummer": toewijzing["toewijzingnummer"],
            "herindicatie.aanbieder": "87654321",
            "herindicatie.leveringsvorm": "ZIN",
            "herindicatie.omvang": {"volume": 2, "eenheid": "04", "frequentie": "2"},
            "herindicatie.einddatum": sc.dates.end.isoformat(),
            "herindicatie.zaak.url": registered["zaak"]["url"],
        },
    )
    seen = Feed(sc, sc.regie, aanvraag).wait_for("herindicatie")
    bericht = next(b for b in seen if b["gebeurtenis"] == "herindicatie")
    sc.check(
        "regie: berichten herindicatie in the feed",
        last_part(bericht["resourceUrl"]) == signaal["uuid"] and bericht["kenmerken"].get("soort") == "herindicatie",
        str(bericht),
    )


def s7_verzoek_om_toewijzing(sc: Scenario) -> None:
    """S7: a provider's WMO315, forwarded as raw XML; the regie honours one product and rejects the other."""
    cli = client(sc.bsn(), "Kok", geboortedatum="1956-09-30", geslacht="1")
    earlier = submit(
        sc,
        "regie: an earlier aanvraag for the client",
        aanvraag_body(sc, cli, zin_line(sc.dates, ("01", "01A01"), (3, "04", "2"))),
    )
    tag = uuid.uuid4().hex[:8].upper()
    referenties = (f"RA-{tag}-1", f"RA-{tag}-2")
    xml = wmo315(
        gemeente=sc.config.gemeente, cli=cli, dates=sc.dates, referenties=referenties, identificatie=f"S7{tag}"
    )

    signaal = sc.expect(
        "backoffice: POST /signalen WMO315 as application/xml",
        sc.backoffice.post_xml(f"/signalen?aanbiederNaam={urllib.parse.quote(AANBIEDER_NAAM)}", xml),
        201,
        {"soort": "verzoek_om_toewijzing", "aanvraag": earlier["url"], "gemeente": sc.config.gemeente},
    )
    producten = {p["referentieAanbieder"]: p for p in signaal["producten"]}
    sc.check(
        "backoffice: POST /signalen WMO315 as application/xml", set(producten) == set(referenties), str(list(producten))
    )
    sc.check(
        "backoffice: POST /signalen WMO315 as application/xml",
        all(p["antwoord"] == "" for p in producten.values()),
        "already answered",
    )
    # Who asks, and which message: the regie judges knowing the aanbieder.
    regie_view = sc.expect(
        "regie: reads the verzoek with the aanbieder and the message identity",
        sc.regie.get(f"/signalen/{signaal['uuid']}"),
        200,
        {
            "soort": "verzoek_om_toewijzing",
            "bericht": {
                "berichttype": "WMO315",
                "identificatie": f"S7{tag}",
                "dagtekening": sc.dates.today.isoformat(),
                "aanbieder": {"agbCode": AANBIEDER, "naam": AANBIEDER_NAAM},
            },
        },
    )
    inhoud = {p["referentieAanbieder"]: p["inhoud"] for p in regie_view["producten"]}
    sc.check(
        "regie: reads the verzoek",
        dig(inhoud.get(referenties[0]), "product.code") == "02A01"
        and dig(inhoud.get(referenties[1]), "omvang.eenheid") == "16",
        f"inhoud {inhoud}",
    )

    antwoorden = [
        {"referentieAanbieder": referenties[0], "antwoord": "gehonoreerd", "toelichting": "Past in het gezinsplan"},
        {
            "referentieAanbieder": referenties[1],
            "antwoord": "afgewezen",
            "redenAfwijzing": "3",
            "toelichting": "Geen contract",
        },
    ]
    answered = sc.expect(
        "regie: POST /signalen/{uuid}/antwoord",
        sc.regie.post(f"/signalen/{signaal['uuid']}/antwoord", {"producten": antwoorden}),
        200,
    )
    by_ref = {p["referentieAanbieder"]: p for p in answered["producten"]}
    honoured, rejected = by_ref[referenties[0]], by_ref[referenties[1]]
    sc.check(
        "regie: POST /signalen/{uuid}/antwoord",
        honoured["antwoord"] == "gehonoreerd" and bool(honoured["voorziening"]),
        str(honoured),
    )
    sc.check(
        "regie: POST /signalen/{uuid}/antwoord",
        rejected["antwoord"] == "afgewezen" and rejected["voorziening"] is None,
        str(rejected),
    )

    step = "regie: the honoured product is a voorziening of a new aanvraag"
    nieuw = sc.expect(
        step,
        sc.regie.get(api_path(honoured["voorziening"])),
        200,
        {"leveringsvorm": "ZIN", "product.code": "02A01", "aanbieder": AANBIEDER, "status": "ontvangen",
         "omvang": {"volume": 3, "eenheid": "04", "frequentie": "2"}, "ingangsdatum": sc.dates.start.isoformat()},
    )  # fmt: skip
    sc.check(step, nieuw["aanvraag"] != earlier["url"], "the voorziening was added to the earlier aanvraag")
    new_aanvraag = sc.expect(step, sc.regie.get(api_path(nieuw["aanvraag"])), 200, {"client.bsn": cli["bsn"]})

    step = "backoffice: reads the answer per product"
    read = sc.expect(step, sc.backoffice.get(f"/signalen/{signaal['uuid']}"), 200)
    by_ref = {p["referentieAanbieder"]: p for p in read["producten"]}
    sc.fields(step, by_ref, {
        f"{referenties[0]}.antwoord": "gehonoreerd",
        f"{referenties[0]}.voorziening": honoured["voorziening"],
        f"{referenties[1]}.antwoord": "afgewezen",
        f"{referenties[1]}.redenAfwijzing": "3",
        f"{referenties[1]}.toelichting": "Geen contract",
    })  # fmt: skip
    # What the backoffice sends back to the aanbieder: a 319 with the reden for the rejected product; the
    # honoured one waits for its toewijzing (the 301 carries the toewijzingnummer and the ReferentieAanbieder).
    sc.fields(step, by_ref, {
        f"{referenties[1]}.antwoordAanAanbieder.soort": "afgewezen",
        f"{referenties[1]}.antwoordAanAanbieder.bericht": "319",
        f"{referenties[1]}.antwoordAanAanbieder.verzoekAntwoord": "1",
        f"{referenties[1]}.antwoordAanAanbieder.redenAfwijzing": "3",
        f"{referenties[0]}.antwoordAanAanbieder.soort": "wacht_op_toewijzing",
    })  # fmt: skip
    Feed(sc, sc.backoffice, earlier).wait_for("verzoek_om_toewijzing", "verzoek_beantwoord")
    Feed(sc, sc.backoffice, new_aanvraag).wait_for("aanvraag_ontvangen")
    wait_registered(sc, new_aanvraag)

    feedback(sc, new_aanvraag, "verwerkbaar")
    grant(sc, new_aanvraag, [{"voorziening": nieuw["uuid"], "uitkomst": "toegekend"}])
    toewijzing = assign(sc, nieuw)
    step = "backoffice: the honoured product answers the aanbieder with the toewijzingnummer (301)"
    read = sc.expect(step, sc.backoffice.get(f"/signalen/{signaal['uuid']}"), 200)
    by_ref = {p["referentieAanbieder"]: p for p in read["producten"]}
    sc.fields(step, by_ref[referenties[0]]["antwoordAanAanbieder"], {
        "soort": "toegewezen",
        "bericht": "301",
        "referentieAanbieder": referenties[0],
        "toewijzingnummer": toewijzing["toewijzingnummer"],
        "voorzieningStatus": "toegewezen",
    })  # fmt: skip


def s8_arrangement(sc: Scenario) -> None:
    """S8: an arrangement (categorie 10) of two products; its lines share one zaak where the strategy says so."""
    body = aanvraag_body(
        sc,
        client(sc.bsn(), "Dekker"),
        zin_line(sc.dates, ("02", "02A01")),
        zin_line(sc.dates, ("07", "07A01"), (3, "16", "2")),
        isArrangement=True,
        arrangementProduct={"categorie": "10", "code": "10A01"},
    )
    created = submit(sc, "regie: POST /aanvragen (arrangement)", body)
    sc.fields(
        "regie: POST /aanvragen (arrangement)",
        created,
        {"isArrangement": True, "arrangementProduct.categorie": "10", "arrangementProduct.code": "10A01"},
    )
    registered = wait_registered(sc, created)
    zaken = [v["zaak"]["url"] for v in registered["voorzieningen"]]
    ids = sorted({v["zaak"]["identificatie"] for v in registered["voorzieningen"]})
    shared = len(set(zaken)) == 1
    mode = sc.config.arrangement_zaak
    step = {
        "shared": "worker: the lines share one zaak",
        "separate": "worker: every line has its own zaak (strategy does not share)",
        "observe": "worker: zaken of the arrangement",
    }[mode]
    if mode == "shared":
        sc.check(step, shared, f"zaken {ids}")
    elif mode == "separate":
        sc.check(step, len(set(zaken)) == len(zaken), f"zaken {ids}")
    else:
        sc.check(step, all(zaken), f"zaken {ids}")
    how = f"one shared zaak {ids[0]}" if shared else f"a zaak per line ({', '.join(ids)})"
    sc.note(
        {"shared": "strategy shares: ", "separate": "strategy per voorziening: ", "observe": "observed: "}[mode] + how
    )
    if shared:
        arrangement_outcome_per_line(sc, registered)


def arrangement_outcome_per_line(sc: Scenario, aanvraag: JSON) -> None:
    """One beschikking granting one line of the shared zaak and refusing the other: each line keeps its own
    outcome, both still show the one zaak, and that zaak follows the beschikking without a problem."""
    first, second = aanvraag["voorzieningen"]
    registered = first["zaak"]
    feedback(sc, aanvraag, "verwerkbaar")
    before = zaak_moved(sc, "worker: the shared zaak follows verwerkbaar", aanvraag, registered)
    grant(
        sc,
        aanvraag,
        [
            {"voorziening": first["uuid"], "uitkomst": "toegekend", "omvang": first["omvang"]},
            {"voorziening": second["uuid"], "uitkomst": "afgewezen", "reden": "Scenario S8: een regel afgewezen"},
        ],
    )
    step = "worker: each line of the arrangement keeps its own outcome on the shared zaak"
    body = read_aanvraag(sc, sc.regie, step, aanvraag)
    zaak_moved(sc, step, aanvraag, before)
    statuses = [(v["volgnummer"], v["status"]) for v in body["voorzieningen"]]
    sc.check(step, statuses == [(1, "toegekend"), (2, "afgewezen")], f"statuses {statuses}")


def zaak_moved(sc: Scenario, step: str, aanvraag: JSON, before: JSON) -> JSON:
    """Wait until the lines' one zaak has a newer status than `before` (a problem recorded on a line, a
    state the zaak cannot follow, ends the wait); return that zaak as the lines show it."""

    def fetch() -> JSON:
        return read_aanvraag(sc, sc.regie, step, aanvraag)

    def zaken(body: JSON) -> list[JSON]:
        return [v["zaak"] for v in body["voorzieningen"]]

    def problem(body: JSON) -> str | None:
        fouten = [z.get("statusFout") for z in zaken(body) if z.get("statusFout")]
        return f"the zaak did not follow: {fouten[0]}" if fouten else None

    body = sc.wait(
        step,
        fetch,
        lambda b: all(z["statusGezetOp"] != before["statusGezetOp"] for z in zaken(b)),
        problem,
        lambda b: str(zaken(b)),
    )
    shown = {(z["url"], z["status"], z["statusGezetOp"]) for z in zaken(body)}
    sc.check(step, len(shown) == 1, f"the lines show different zaken: {shown}")
    return zaken(body)[0]


def s9_productenboek(sc: Scenario) -> None:
    """S9: productenboek sync. The regie reads the productenboek (then 304 on the same ETag), the backoffice
    that is its master adds a product and ends it, and the regie picks both up through gewijzigdVanaf, a new
    ETag and a bericht about the product in its feed."""
    gemeente = sc.config.gemeente
    step = "regie: GET /producten"
    response = sc.regie.get("/producten", gemeente=gemeente, wet="WMO", pageSize="100")
    page = sc.expect(step, response, 200)
    codes = {(p["categorie"], p["code"]) for p in page["results"]}
    sc.check(step, ("02", "02A01") in codes, f"02A01 not in {sorted(codes)[:10]}")
    etag = response.headers.get("ETag", "")
    sc.check(step, bool(etag), "no ETag")

    step = "regie: GET /producten with If-None-Match answers 304"
    same = sc.regie.get_with("/producten", {"If-None-Match": etag}, gemeente=gemeente, wet="WMO", pageSize="100")
    sc.check(step, same.status_code == 304, f"expected HTTP 304, got {same.status_code}: {_shorten(same.text)}")

    # A moment just before the change, by the server's clock (its Date header), not the player's.
    since = response.headers.get("Date")
    moment = dt.datetime.strptime(since, "%a, %d %b %Y %H:%M:%S GMT").replace(tzinfo=dt.UTC) if since else None
    vanaf = (moment or dt.datetime.now(dt.UTC)) - dt.timedelta(seconds=1)
    code = f"S{secrets.token_hex(2).upper()}"
    body = {
        "gemeente": gemeente,
        "wet": "WMO",
        "categorie": "02",
        "code": code,
        "omschrijving": f"Begeleiding S9 {code}",
        "leveringsvormen": ["ZIN"],
        "eenheden": ["04"],
        "frequenties": ["2", "4"],
        "ingangsdatum": sc.dates.start.isoformat(),
    }
    product = sc.expect(
        "backoffice (master): POST /producten", sc.backoffice.post("/producten", body), 201, {"code": code}
    )
    path = api_path(product["url"])
    sc.expect(
        "backoffice (master): PATCH einddatum ends it",
        sc.backoffice.patch(path, {"einddatum": sc.dates.end.isoformat()}),
        200,
        {"einddatum": sc.dates.end.isoformat()},
    )

    step = "regie: GET /producten?gewijzigdVanaf sees the new product"
    recent = sc.expect(step, sc.regie.get("/producten", gewijzigdVanaf=vanaf.strftime("%Y-%m-%dT%H:%M:%SZ")), 200)
    found = [p for p in recent["results"] if p["uuid"] == product["uuid"]]
    sc.check(step, len(found) == 1 and found[0]["einddatum"] == sc.dates.end.isoformat(), f"not in {recent}")

    step = "regie: the old ETag now answers 200 with a new one"
    after = sc.regie.get_with("/producten", {"If-None-Match": etag}, gemeente=gemeente, wet="WMO", pageSize="100")
    sc.check(step, after.status_code == 200 and after.headers.get("ETag") != etag, f"HTTP {after.status_code}")

    step = "regie: a bericht about the product in its feed"

    def berichten() -> list[JSON]:
        seen: list[JSON] = []
        page = sc.expect(step, sc.regie.get("/berichten", resource="product", pageSize="100"), 200)
        while True:
            seen += [b for b in page["results"] if last_part(b["resourceUrl"]) == product["uuid"]]
            if not page["results"] or not page.get("next"):
                return seen
            page = sc.expect(step, sc.regie.get(page["next"]), 200)

    seen = sc.wait(step, berichten, lambda s: {"create", "partial_update"} <= {b["actie"] for b in s})
    sc.check(step, all(b["kenmerken"].get("gemeente") == gemeente for b in seen), f"kenmerken {seen}")
    sc.note(f"product {code}: created and ended by the backoffice, seen by the regie (gewijzigdVanaf, ETag, bericht)")


# --- helpers of the helpers ---------------------------------------------------------------------


def api_path(url: str) -> str:
    """A resource URL of the answer as a path under the base URL (the server may know itself by
    another host name than the one the player uses)."""
    marker = "/api/v1"
    return url.split(marker, 1)[1] if marker in url else url


def _list_all(sc: Scenario, step: str, path: str, **params: str) -> set[str]:
    """Every uuid of a list (the backoffice's view), following `next`."""
    found: set[str] = set()
    page = sc.expect(step, sc.backoffice.get(path, pageSize="100", **params), 200)
    while True:
        found |= {r["uuid"] for r in page["results"]}
        if not page.get("next"):
            return found
        page = sc.expect(step, sc.backoffice.get(page["next"]), 200)


# --- the player ---------------------------------------------------------------------------------

SCENARIOS: list[tuple[str, str, Callable[[Scenario], None]]] = [
    ("S1", "ZIN-voorziening: aanvraag, zaak, document", s1_zin),
    ("S2", "PGB-voorziening with the PGB bedrag", s2_pgb),
    ("S3", "Technical feedback (verwerkbaar / niet)", s3_technical_feedback),
    ("S4", "Functional feedback: afgewezen", s4_afgewezen),
    ("S5", "Beschikking with letter; toewijzing, start, stop", s5_beschikking),
    ("S6", "Herindicatie signal", s6_herindicatie),
    ("S7", "Verzoek om toewijzing (WMO315 XML) and answer", s7_verzoek_om_toewijzing),
    ("S8", "Arrangement (categorie 10)", s8_arrangement),
    ("S9", "Productenboek sync", s9_productenboek),
]


class Player:
    """Plays the scenarios one after another. With `zaak_check` (a function that returns the problems
    in the history of the zaken made since an ISO moment, see `zaakhistorie.scenario_check`), a scenario
    whose API answers were right still fails when one of its zaken is wrong in the ZGW APIs."""

    def __init__(
        self,
        config: Config,
        *,
        bsn_start: int | None = None,
        today: dt.date | None = None,
        zaak_check: Callable[[str], list[str]] | None = None,
    ) -> None:
        self.config = config
        self.zaak_check = zaak_check
        self.regie = Api(config, config.regie, "regie")
        self.backoffice = Api(config, config.backoffice, "backoffice")
        self.dates = Dates.from_today(today)
        start = bsn_start if bsn_start is not None else BSN_FIRST + secrets.randbelow(BSN_LAST - BSN_FIRST + 1)
        self._bsns = bsn_series(start)

    def next_bsn(self) -> str:
        return next(self._bsns)

    def play_one(self, code: str, title: str, scenario: Callable[[Scenario], None]) -> Result:
        result = Result(code, title)
        started = time.monotonic()
        # A second earlier, for the server's clock: everything this scenario makes is after it.
        since = (dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)).isoformat().replace("+00:00", "Z")
        try:
            scenario(Scenario(self, result))
            if self.zaak_check is not None:
                problems = self.zaak_check(since)
                if problems:
                    raise StepFailed("zaak history in the ZGW APIs", "; ".join(problems[:5]))
        except StepFailed as exc:
            result.outcome, result.failure = "FAIL", str(exc)
        except Skipped as exc:
            result.outcome, result.failure = "skip", str(exc)
        except requests.RequestException as exc:
            result.outcome, result.failure = "FAIL", f"HTTP error: {exc}"
        except Exception as exc:  # noqa: BLE001 - an unexpected answer shape is a failure of the scenario, not of the player
            result.outcome, result.failure = "FAIL", f"{type(exc).__name__}: {exc}"
        result.seconds = time.monotonic() - started
        return result

    def play(self, progress: Callable[[str], None] = lambda _: None) -> list[Result]:
        results = []
        for code, title, scenario in SCENARIOS:
            if self.config.only and code not in self.config.only:
                continue
            progress(f"{code} {title} ...")
            result = self.play_one(code, title, scenario)
            progress(f"{code} {result.outcome} ({result.steps} steps, {result.seconds:.1f} s)")
            results.append(result)
        return results


def play(config: Config, progress: Callable[[str], None] = lambda _: None, **kwargs: Any) -> list[Result]:
    return Player(config, **kwargs).play(progress)


def failed(results: list[Result]) -> list[Result]:
    return [r for r in results if r.outcome == "FAIL"]


def format_table(results: list[Result]) -> str:
    width = max([len(f"{r.code}  {r.title}") for r in results] + [8])
    lines = [
        f"{'scenario':<{width}}  {'steps':>5}  {'result':<6}  {'time':>7}",
        f"{'-' * width}  {'-' * 5}  {'-' * 6}  {'-' * 7}",
    ]
    for r in results:
        lines.append(f"{r.code + '  ' + r.title:<{width}}  {r.steps:>5}  {r.outcome:<6}  {r.seconds:>5.1f} s")
    counts = {o: sum(r.outcome == o for r in results) for o in ("ok", "FAIL", "skip")}
    total = sum(r.seconds for r in results)
    lines.append(f"{counts['ok']} ok, {counts['FAIL']} failed, {counts['skip']} skipped in {total:.1f} s")
    details = [f"  {r.code}: {note}" for r in results for note in r.notes]
    details += [f"  {r.code} {r.outcome}: {r.failure}" for r in results if r.failure]
    return "\n".join(lines + (["", *details] if details else []))
