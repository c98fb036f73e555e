"""The lifecycle check's expected status sequence (acceptance.levensloop, acceptance.zaakhistorie):
each zaak's whole status history against what the lifecycle gives for the states of its lines. Wrong
histories are fed to the check through a ZGW double that answers from a dict (no server)."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from acceptance import levensloop, scenarios, zaakhistorie
from regiekoppeling.lifecycle.states import TRANSITIONS, Status, aanvraag_status_from_lines
from zaken.demo import DEMO_STATUSTYPEN

ROOT = "https://zgw.example/zaken/api/v1"
CATALOGI = "https://zgw.example/catalogi/api/v1"
ZAAKTYPE = f"{CATALOGI}/zaaktypen/wmo"
ZAAK = f"{ROOT}/zaken/z1"
NAMES = ["Ontvangen", "In behandeling", "In onderzoek", "Besluit genomen", "In levering", "Afgehandeld"]


class Fake(zaakhistorie.Zgw):
    """A zaak whose status history is `history` (statustype omschrijvingen, oldest first); `more` adds
    other zaken (url -> history) of the same zaaktype."""

    def __init__(
        self,
        history: list[str],
        *,
        closed: bool | None = None,
        resultaten: int | None = None,
        more: dict[str, list[str]] | None = None,
        rollen: list[Any] | None = None,
    ) -> None:
        super().__init__("test", "secret")
        statustypen = [
            {
                "url": f"{CATALOGI}/statustypen/{n}",
                "omschrijving": name,
                "volgnummer": n,
                "isEindstatus": n == len(NAMES),
                "zaaktype": ZAAKTYPE,
            }
            for n, name in enumerate(NAMES, start=1)
        ]
        self.answers: dict[tuple[str, tuple[tuple[str, str], ...]], Any] = {
            (ZAAKTYPE, ()): {"url": ZAAKTYPE, "identificatie": "WMO-VOORZIENING"},
            (f"{CATALOGI}/statustypen", (("zaaktype", ZAAKTYPE),)): {"results": statustypen, "next": None},
        }
        self.answers |= {(str(t["url"]), ()): t for t in statustypen}
        self.add_zaak(ZAAK, history, closed, resultaten)
        if rollen is not None:
            self.answers[(f"{ROOT}/rollen", (("zaak", ZAAK),))] = {"results": rollen, "next": None}
        for url, other in (more or {}).items():
            self.add_zaak(url, other, None, None)

    def add_zaak(self, url: str, history: list[str], closed: bool | None, resultaten: int | None) -> None:
        closed = "Afgehandeld" in history if closed is None else closed
        identificatie = url.rsplit("/", 1)[-1].upper()
        self.answers |= {
            (url, ()): {
                "url": url,
                "identificatie": identificatie,
                "zaaktype": ZAAKTYPE,
                "einddatum": "2027-01-01" * closed,
            },
            (f"{ROOT}/zaken", (("identificatie", identificatie),)): {"count": 1},
            (f"{ROOT}/statussen", (("zaak", url),)): {
                "results": [
                    {"statustype": f"{CATALOGI}/statustypen/{NAMES.index(name) + 1}", "datumStatusGezet": f"T{i:02}"}
                    for i, name in enumerate(history)
                ],
                "next": None,
            },
            (f"{ROOT}/rollen", (("zaak", url),)): {"results": [rol()], "next": None},
            (f"{ROOT}/resultaten", (("zaak", url),)): {
                "results": [{"url": "r"}] * (int(closed) if resultaten is None else resultaten),
                "next": None,
            },
        }

    def get(self, url: str, **params: str) -> Any:
        return self.answers[(url, tuple(sorted(params.items())))]


def rol(roltype: str = "initiator", bsn: str = "999993653") -> dict[str, Any]:
    return {"url": f"{ROOT}/rollen/{roltype}-{bsn}", "roltype": roltype, "betrokkeneIdentificatie": {"inpBsn": bsn}}


def test_a_missing_or_doubled_rol_fails():
    def rol_problems(rollen: list[Any]) -> list[str]:
        return zaakhistorie.check_zaak(Fake(["Ontvangen"], rollen=rollen), ZAAK, ["ontvangen"]).problems

    assert rol_problems([rol()]) == []
    assert rol_problems([]) == ["geen rol"]
    assert rol_problems([rol(), rol()]) == ["2 rollen van één roltype voor dezelfde persoon"]
    # Someone else in the same roltype, or the client in another: not a double.
    assert rol_problems([rol(), rol(bsn="999990019"), rol("behandelaar")]) == []


def problems(history: list[str], lines: list[str]) -> list[str]:
    return zaakhistorie.check_zaak(Fake(history), ZAAK, lines).problems


# --- the copy of the lifecycle in the checker is the product's ---------------------------------------


def test_the_checker_knows_the_products_lifecycle():
    assert {k: set(v) for k, v in levensloop.OVERGANGEN.items()} == {
        str(k): {str(t) for t in v} for k, v in TRANSITIONS.items()
    }
    assert levensloop.EINDE == {str(s) for s, targets in TRANSITIONS.items() if not targets}
    assert levensloop.DEMO_STATUSTYPEN == {str(k): v for k, v in DEMO_STATUSTYPEN.items()}
    for size in (1, 2, 3):
        for states in itertools.product([str(s) for s in Status], repeat=size):
            assert levensloop.common_state(states) == aanvraag_status_from_lines(list(states)), states


# --- right histories pass ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lines", "history"),
    [
        (["ontvangen"], ["Ontvangen"]),
        (["niet_verwerkbaar"], ["Ontvangen", "Afgehandeld"]),
        (["ingetrokken"], ["Ontvangen", "In behandeling", "Afgehandeld"]),
        (["afgewezen"], ["Ontvangen", "In behandeling", "In onderzoek", "Afgehandeld"]),
        (["toegewezen"], ["Ontvangen", "In behandeling", "Besluit genomen"]),  # toegewezen: no status change
        (["in_levering"], ["Ontvangen", "In behandeling", "Besluit genomen", "In levering"]),
        (["beeindigd"], ["Ontvangen", "In behandeling", "Besluit genomen", "In levering", "Afgehandeld"]),
        (["beeindigd"], ["Ontvangen", "In behandeling", "Besluit genomen", "Afgehandeld"]),  # PGB: no levering
        # A shared zaak follows the common state of its lines.
        (["toegekend", "afgewezen"], ["Ontvangen", "In behandeling", "Besluit genomen"]),
        (["beeindigd", "afgewezen"], ["Ontvangen", "In behandeling", "Besluit genomen", "Afgehandeld"]),
        (["in_behandeling", "toegekend"], ["Ontvangen", "In behandeling"]),
        (["in_levering", "in_levering", "toegekend"], ["Ontvangen", "In behandeling", "Besluit genomen"]),
        (["ingetrokken", "ingetrokken"], ["Ontvangen", "Afgehandeld"]),
    ],
)
def test_a_history_the_lifecycle_gives_passes(lines, history):
    assert problems(history, lines) == []


# --- wrong histories fail, each in its own words ----------------------------------------------------


def test_a_missing_step_fails():
    found = problems(["Ontvangen", "Besluit genomen", "In levering"], ["in_levering"])
    assert found == [
        "ontbrekende stap(pen) ['In behandeling']: verwacht Ontvangen > In behandeling > Besluit genomen > In levering"
    ]
    # The step of the present state itself missing: still open although the line moved on.
    assert problems(["Ontvangen", "In behandeling"], ["toegekend"]) == [
        "ontbrekende stap(pen) ['Besluit genomen']: verwacht Ontvangen > In behandeling > Besluit genomen"
    ]
    # A line that has ended on a zaak without the end status.
    found = problems(["Ontvangen", "In behandeling"], ["afgewezen"])
    assert any(p.startswith("ontbrekende stap(pen) ['Afgehandeld']") for p in found), found


def test_a_second_end_status_fails():
    found = problems(["Ontvangen", "In behandeling", "Afgehandeld", "Afgehandeld"], ["afgewezen"])
    assert "2 eindstatussen" in found
    assert "statusgeschiedenis wijkt af: verwacht Ontvangen > In behandeling > Afgehandeld" in found


def test_a_status_after_the_end_status_fails():
    # What Open Zaak accepted in issue 8: a late "Besluit genomen" on a closed zaak reopens it.
    history = ["Ontvangen", "In behandeling", "Afgehandeld", "Besluit genomen"]
    found = zaakhistorie.check_zaak(Fake(history, closed=False), ZAAK, ["afgewezen"]).problems
    assert f"status na de eindstatus: {history}" in found
    assert "statusgeschiedenis wijkt af: verwacht Ontvangen > In behandeling > Afgehandeld" in found


def test_a_wrong_order_fails():
    found = problems(["Ontvangen", "Besluit genomen", "In behandeling"], ["toegekend"])
    assert "statusgeschiedenis wijkt af: verwacht Ontvangen > In behandeling > Besluit genomen" in found
    assert any(p.startswith("statussen niet oplopend") for p in found), found


def test_a_step_the_lines_never_reached_fails():
    # In order, nothing twice, nothing missing: but the only line is still in behandeling.
    assert problems(["Ontvangen", "In behandeling", "Besluit genomen"], ["in_behandeling"]) == [
        "statusgeschiedenis wijkt af: verwacht Ontvangen > In behandeling"
    ]


def test_a_shared_zaak_that_closed_while_a_line_runs_fails():
    found = problems(["Ontvangen", "In behandeling", "Besluit genomen", "Afgehandeld"], ["beeindigd", "in_levering"])
    assert any(p.startswith("statusgeschiedenis wijkt af: verwacht Ontvangen > In behandeling") for p in found), found
    assert not any(p.endswith("Afgehandeld") for p in found), found  # no expected history closes it


# --- the mapping is the service's, per zaaktype ----------------------------------------------------


def test_the_mapping_per_zaaktype_decides_the_steps():
    # This zaaktype maps "in behandeling" to no status change: the zaak goes straight to its decision.
    expect = zaakhistorie.Expectation(
        statustypen={"WMO-VOORZIENING": {**levensloop.DEMO_STATUSTYPEN, "in_behandeling": ""}}
    )
    fake = Fake(["Ontvangen", "Besluit genomen"])
    assert zaakhistorie.check_zaak(fake, ZAAK, ["toegekend"], expect).problems == []
    assert zaakhistorie.check_zaak(Fake(["Ontvangen", "Besluit genomen"]), ZAAK, ["toegekend"]).problems


def test_a_mapping_the_catalogue_cannot_meet_is_said():
    expect = zaakhistorie.Expectation(statustypen={"*": {"toegekend": "Toegekend"}})
    assert zaakhistorie.check_zaak(Fake(["Ontvangen"]), ZAAK, ["toegekend"], expect).problems == [
        "verwachte statusgeschiedenis onbekend: statustype(n) ['Toegekend'] bestaan niet bij het zaaktype"
    ]


def test_without_an_initial_status_the_history_starts_at_the_first_change():
    expect = zaakhistorie.Expectation(initial_status=False)
    assert zaakhistorie.check_zaak(Fake(["In behandeling"]), ZAAK, ["in_behandeling"], expect).problems == []
    assert zaakhistorie.check_zaak(Fake([]), ZAAK, ["ontvangen"], expect).problems == ["geen status"]


# --- the whole check: which lines a zaak follows --------------------------------------------------


def test_a_hoofdzaak_follows_every_line_of_its_aanvraag(monkeypatch):
    # Two deelzaken, one per line, and the hoofdzaak (ZAAK) of their aanvraag: it stands at the lines'
    # common state, which is still "in behandeling" while one line is.
    deel = {
        f"{ROOT}/zaken/d1": ["Ontvangen", "In behandeling", "Besluit genomen"],
        f"{ROOT}/zaken/d2": ["Ontvangen", "In behandeling"],
    }
    lines = [
        {"url": f"v{n}", "uuid": f"v{n}", "aanvraag": "a1", "status": state, "registratie": "geregistreerd",
         "zaak": {"url": url, "status": history[-1]}}
        for n, ((url, history), state) in enumerate(zip(deel.items(), ["toegekend", "in_behandeling"], strict=True))
    ]  # fmt: skip
    service = {
        "/voorzieningen": lines,
        "/aanvragen": [{"url": "a1", "hoofdzaak": {"url": ZAAK}}],
        "/beschikkingen": [],
    }
    monkeypatch.setattr(zaakhistorie, "_all_of_service", lambda api, path, **params: service[path])
    party = scenarios.Party("backoffice", "secret")
    config = scenarios.Config(base_url="http://service/api/v1", regie=party, backoffice=party)

    def findings(hoofdzaak: list[str]) -> dict[str, list[str]]:
        found = zaakhistorie.check(config, Fake(hoofdzaak, more=deel))
        return {f.zaak: f.problems for f in found}

    assert findings(["Ontvangen", "In behandeling"]) == {"Z1": [], "D1": [], "D2": []}
    # Following only the line that is furthest, it would have moved on: wrong for the aanvraag.
    assert findings(["Ontvangen", "In behandeling", "Besluit genomen"])["Z1"] == [
        "statusgeschiedenis wijkt af: verwacht Ontvangen > In behandeling"
    ]
