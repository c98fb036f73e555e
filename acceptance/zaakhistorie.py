"""The lifecycle check of every zaak: what the service registered, read back from the ZGW APIs.

It asks the service (as a backoffice, which sees every aanvraag of its gemeente) for its voorzieningen
and beschikkingen, then reads each zaak, its statussen, resultaat and besluiten from the ZGW APIs with
a ZGW client id and secret of their own, and checks the whole history:

- every voorziening has its zaak, and an identificatie names one zaak only (hoofdzaken included);
- the statussen are exactly a sequence the lifecycle gives for the present states of the voorzieningen
  the zaak follows (`levensloop.expected_histories`: no step missing, none twice, none out of order),
  with the statustype mapping per zaaktype identificatie (`--statustypen`; default the demo mapping);
- the statussen follow the catalogue forward (strictly rising volgnummer: no step twice, none back);
- at most one end status, and nothing after it; `einddatum` is set exactly when the zaak is closed;
- exactly one resultaat on a closed zaak, at most one on an open one;
- a rol, and no person twice in one roltype (a rol made again after a lost answer);
- every zaak a beschikking covers has a besluit for it, with the letter when the beschikking has one;
  the besluiten of one beschikking are recognisable as one (identificatie the beschikkingnummer, or
  `<nummer>-<n>` and "besluit n van N" in the toelichting when it covers N zaken);
- what the service shows as the voorziening's zaakstatus is the zaak's current status.

Plain HTTP (no Django, nothing of the product), so it runs against any ZGW server, Open Zaak included:
`python -m acceptance zaken --zgw-client-id ID --zgw-secret SECRET`.
"""

from __future__ import annotations

import itertools
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests

from . import levensloop
from .scenarios import Api, Config, make_token

JSON = dict[str, Any]
CRS = {"Accept-Crs": "EPSG:4326", "Content-Crs": "EPSG:4326"}


@dataclass
class Finding:
    zaak: str  # identificatie (or url)
    problems: list[str] = field(default_factory=list)
    history: list[str] = field(default_factory=list)


class Zgw:
    """Reads the ZGW APIs with a fresh ZGW JWT per call; catalogue objects are read once."""

    def __init__(self, client_id: str, secret: str, timeout: float = 30.0) -> None:
        self.client_id, self.secret, self.timeout = client_id, secret, timeout
        self.session = requests.Session()
        self._cache: dict[str, JSON] = {}

    def get(self, url: str, **params: str) -> Any:
        headers = {"Authorization": f"Bearer {make_token(self.client_id, self.secret)}", "Accept": "application/json"}
        if "/zaken/api/" in url:
            headers |= CRS
        response = self.session.get(url, params=params or None, headers=headers, timeout=self.timeout)
        response.raise_for_status()
        return response.json()

    def cached(self, url: str) -> JSON:
        if url not in self._cache:
            self._cache[url] = self.get(url)
        return self._cache[url]

    def all(self, url: str, **params: str) -> list[JSON]:
        page = self.get(url, **params)
        if isinstance(page, list):
            return page  # some collections are not paginated (besluitinformatieobjecten, ...)
        results = list(page["results"])
        while page.get("next"):
            page = self.get(page["next"])
            results += page["results"]
        return results


def _api_root(zaak_url: str, api: str) -> str:
    root = zaak_url.split("/zaken/api/v1/")[0]
    return f"{root}/{api}/api/v1"


def _all_of_service(api: Api, path: str, **params: str) -> list[JSON]:
    results: list[JSON] = []
    response = api.get(path, pageSize="100", **params)
    while True:
        response.raise_for_status()
        page = response.json()
        results += page["results"]
        if not page.get("next"):
            return results
        response = api.get(page["next"])  # Api.get takes a full URL as it is


@dataclass(frozen=True)
class Expectation:
    """What the check needs to know of the service's configuration: the statustype per lifecycle state
    per zaaktype identificatie ("*": every other zaaktype; an empty name is "no status change"), and
    whether registration sets an initial status."""

    statustypen: dict[str, dict[str, str]] = field(default_factory=lambda: {"*": levensloop.DEMO_STATUSTYPEN})
    initial_status: bool = True

    def mapping(self, zaaktype_identificatie: str) -> dict[str, str]:
        return self.statustypen.get(zaaktype_identificatie) or self.statustypen.get("*") or {}


def check_zaak(zgw: Zgw, url: str, line_states: list[str] | None = None, expect: Expectation | None = None) -> Finding:
    """The problems of one zaak; with `line_states` (the states of the voorzieningen it follows) also
    whether its whole status history is one the lifecycle gives for them."""
    zaak = zgw.get(url)
    finding = Finding(zaak.get("identificatie") or url)
    statussen = sorted(zgw.all(_api_root(url, "zaken") + "/statussen", zaak=url), key=lambda s: s["datumStatusGezet"])
    types = [zgw.cached(s["statustype"]) for s in statussen]
    finding.history = [t["omschrijving"] for t in types]
    if line_states:
        finding.problems += _sequence_problems(zgw, zaak, finding.history, line_states, expect or Expectation())
    numbers = [t["volgnummer"] for t in types]
    if not statussen:
        finding.problems.append("geen status")
    if any(b <= a for a, b in itertools.pairwise(numbers)):
        finding.problems.append(f"statussen niet oplopend: {finding.history}")
    ends = [i for i, t in enumerate(types) if t.get("isEindstatus")]
    if len(ends) > 1:
        finding.problems.append(f"{len(ends)} eindstatussen")
    if ends and ends[0] != len(types) - 1:
        finding.problems.append(f"status na de eindstatus: {finding.history}")
    closed = bool(ends)
    if bool(zaak.get("einddatum")) != closed:
        finding.problems.append(f"einddatum {zaak.get('einddatum')!r} bij {'gesloten' if closed else 'open'} zaak")
    resultaten = zgw.all(_api_root(url, "zaken") + "/resultaten", zaak=url)
    if (closed and len(resultaten) != 1) or len(resultaten) > 1:
        finding.problems.append(f"{len(resultaten)} resultaten bij een {'gesloten' if closed else 'open'} zaak")
    finding.problems += _rol_problems(zgw.all(_api_root(url, "zaken") + "/rollen", zaak=url))
    return finding


def _rol_problems(rollen: list[JSON]) -> list[str]:
    """The client's rol is there, and once: a rol made again after a lost answer shows as doubled."""
    if not rollen:
        return ["geen rol"]
    per_person = Counter(
        (r.get("roltype"), bsn) for r in rollen if (bsn := (r.get("betrokkeneIdentificatie") or {}).get("inpBsn"))
    )
    doubled = max(per_person.values(), default=0)
    return [f"{doubled} rollen van één roltype voor dezelfde persoon"] if doubled > 1 else []


def _sequence_problems(
    zgw: Zgw, zaak: JSON, history: list[str], line_states: list[str], expect: Expectation
) -> list[str]:
    zaaktype = zgw.cached(zaak["zaaktype"])
    catalogue = zgw.all(zaaktype["url"].split("/zaaktypen/")[0] + "/statustypen", zaaktype=zaaktype["url"])
    statustypen = [
        levensloop.Statustype(str(t["omschrijving"]), int(t["volgnummer"]), bool(t.get("isEindstatus")))
        for t in catalogue
    ]
    if not statustypen:
        return [f"zaaktype {zaaktype.get('identificatie')} heeft geen statustypen"]
    try:
        expected = levensloop.expected_histories(
            line_states,
            statustypen,
            expect.mapping(str(zaaktype.get("identificatie", ""))),
            initial_status=expect.initial_status,
        )
    except ValueError as exc:
        return [f"verwachte statusgeschiedenis onbekend: {exc}"]
    return levensloop.history_problems(history, expected)


def check(config: Config, zgw: Zgw, *, aangemaakt_vanaf: str = "", expect: Expectation | None = None) -> list[Finding]:
    """Every zaak of every voorziening the backoffice of `config` sees (made since `aangemaakt_vanaf`,
    an ISO time, when given); findings with problems first."""
    backoffice = Api(config, config.backoffice, "backoffice")
    since = {"aangemaaktVanaf": aangemaakt_vanaf} if aangemaakt_vanaf else {}
    voorzieningen = _all_of_service(backoffice, "/voorzieningen", **since)
    findings: list[Finding] = []
    zaak_of: dict[str, str] = {}
    follows: dict[str, list[str]] = defaultdict(list)  # zaak url -> states of the lines it follows
    states_of_aanvraag: dict[str, list[str]] = defaultdict(list)
    for line in voorzieningen:
        states_of_aanvraag[line["aanvraag"]].append(line["status"])
        if not line.get("zaak"):
            findings.append(Finding(f"voorziening {line['uuid']}", [f"geen zaak (registratie {line['registratie']})"]))
            continue
        zaak_of[line["url"]] = line["zaak"]["url"]
        follows[line["zaak"]["url"]].append(line["status"])
    for aanvraag in _all_of_service(backoffice, "/aanvragen", **since):
        if aanvraag.get("hoofdzaak"):  # it follows every line of its aanvraag
            follows[aanvraag["hoofdzaak"]["url"]] = states_of_aanvraag[aanvraag["url"]]
    by_url = {url: check_zaak(zgw, url, follows[url], expect) for url in sorted(follows)}
    for line in voorzieningen:
        shown, finding = (line.get("zaak") or {}).get("status"), by_url.get((line.get("zaak") or {}).get("url", ""))
        if finding is not None and finding.history and shown != finding.history[-1]:
            finding.problems.append(f"voorziening {line['uuid']} toont zaakstatus {shown!r}")
    for url, finding in by_url.items():
        root = _api_root(url, "zaken")
        same = zgw.get(root + "/zaken", identificatie=finding.zaak)["count"]
        if same != 1:
            finding.problems.append(f"{same} zaken met identificatie {finding.zaak}")
    besluiten_root = {url: _api_root(url, "besluiten") for url in by_url}
    covered: dict[str, list[JSON]] = defaultdict(list)
    parts: dict[str, int] = {}  # beschikking uuid -> number of zaken (so besluiten) it covers
    for beschikking in _all_of_service(backoffice, "/beschikkingen"):
        zaken = {zaak_of.get(r["voorziening"]) for r in beschikking["regels"]} - {None}
        parts[beschikking["uuid"]] = len(zaken)
        for zaak_url in zaken:
            covered[str(zaak_url)].append(beschikking)
    for url, beschikkingen in covered.items():
        besluiten = zgw.all(besluiten_root[url] + "/besluiten", zaak=url)
        counts = Counter(str(b.get("identificatie", "")).split("-")[0] for b in besluiten)
        for beschikking in beschikkingen:
            nummer = str(beschikking["beschikkingnummer"])
            if counts[nummer] != 1:
                by_url[url].problems.append(f"{counts[nummer]} besluiten voor beschikking {nummer}")
                continue
            besluit = next(b for b in besluiten if str(b["identificatie"]).split("-")[0] == nummer)
            by_url[url].problems += _one_beschikking_problems(besluit, nummer, parts[beschikking["uuid"]])
            if beschikking.get("brief"):
                letters = zgw.all(besluiten_root[url] + "/besluitinformatieobjecten", besluit=besluit["url"])
                if len(letters) != 1:
                    by_url[url].problems.append(f"besluit {besluit['identificatie']} heeft {len(letters)} brieven")
    findings += by_url.values()
    return sorted(findings, key=lambda f: (not f.problems, f.zaak))


def _one_beschikking_problems(besluit: JSON, nummer: str, parts: int) -> list[str]:
    """Besluiten of one beschikking are recognisable as one: identificatie the beschikkingnummer (one
    zaak) or `<nummer>-<n>` (several), and a toelichting that names the beschikking and its parts."""
    identificatie, toelichting = str(besluit["identificatie"]), str(besluit.get("toelichting", ""))
    problems = []
    if parts == 1 and identificatie != nummer:
        problems.append(f"besluit {identificatie}: verwacht identificatie {nummer} (één besluit)")
    if parts > 1 and not (identificatie.startswith(f"{nummer}-") and f" van {parts}" in toelichting):
        problems.append(f"besluit {identificatie}: geen deel 1..{parts} van beschikking {nummer} ({toelichting!r})")
    if not toelichting.startswith(f"Beschikking {nummer}"):
        problems.append(f"besluit {identificatie}: toelichting noemt beschikking {nummer} niet ({toelichting!r})")
    return problems


def format_findings(findings: list[Finding]) -> str:
    bad = [f for f in findings if f.problems]
    lines = [f"{len(findings)} zaken checked, {len(bad)} with problems"]
    for finding in findings:
        mark = "FAIL" if finding.problems else "ok  "
        lines.append(f"{mark} {finding.zaak:<28} {' > '.join(finding.history)}")
        lines += [f"       - {p}" for p in finding.problems]
    return "\n".join(lines)


def scenario_check(
    config: Config, zgw: Zgw, *, timeout: float, expect: Expectation | None = None
) -> Callable[[str], list[str]]:
    """For the player: the problems of the zaken made since a moment, once the workers had `timeout`
    seconds to finish (the check repeats while it finds problems)."""

    def problems_since(moment: str) -> list[str]:
        deadline = time.monotonic() + timeout
        while True:
            found = [
                f"{f.zaak}: {p}" for f in check(config, zgw, aangemaakt_vanaf=moment, expect=expect) for p in f.problems
            ]
            if not found or time.monotonic() >= deadline:
                return found
            time.sleep(0.5)

    return problems_since
