"""What must hold once the faults stopped and the service had time to converge, each check as counts:
expected, found, missing, doubled (and wrong: present but not as it must be).

Reads the service's database (Django, the suite's own database), its API (the feeds), the ZGW sandbox
(every zaak, through the Zaken API) and the webhook receiver's records. Nothing here re-queues or
repairs anything.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import requests

from acceptance import zaakhistorie
from acceptance.scenarios import Config, Party, make_token

from .load import Flow
from .receiver import Receiver


@dataclass
class Check:
    name: str
    expected: int
    found: int
    missing: int = 0
    doubled: int = 0
    wrong: int = 0
    examples: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.missing or self.doubled or self.wrong) and self.found == self.expected


def _count(name: str, expected: set[str], seen: list[str], examples: list[str] | None = None) -> Check:
    """`seen` may name an expected item more than once (doubled) and items not expected (wrong)."""
    times = Counter(seen)
    missing = expected - set(times)
    doubled = {k for k in expected if times[k] > 1}
    stray = set(times) - expected
    shown = [f"missing {k}" for k in sorted(missing)[:3]] + [f"{times[k]}x {k}" for k in sorted(doubled)[:3]]
    shown += [f"unexpected {k}" for k in sorted(stray)[:3]]
    return Check(
        name,
        len(expected),
        len(expected & set(times)),
        len(missing),
        len(doubled),
        len(stray),
        (examples or []) + shown,
    )


def converged(flows: list[Flow]) -> bool:
    """The cheap part, polled: nothing left in the outbox to do, every voorziening registered."""
    from regiekoppeling.models import OutboxItem, Voorziening

    if OutboxItem.objects.filter(state__in=["pending", "processing"]).exists():
        return False
    expected = {v for f in flows for v in f.voorzieningen}
    registered = Voorziening.objects.filter(uuid__in=expected, registratie="geregistreerd").exclude(zaak_url="")
    return registered.count() == len(expected)


def outbox_left() -> dict[str, int]:
    from django.db.models import Count

    from regiekoppeling.models import OutboxItem

    rows = OutboxItem.objects.exclude(state="done").values("state").annotate(n=Count("id"))
    return {r["state"]: r["n"] for r in rows}


def run_checks(
    flows: list[Flow],
    *,
    api_url: str,
    regie: Party,
    backoffice: Party,
    zgw: zaakhistorie.Zgw,
    sandbox_url: str,
    receiver: Receiver,
) -> list[Check]:
    from regiekoppeling.models import Aanvraag, Document, OutboxItem, Voorziening

    made = [f for f in flows if f.aanvraag]
    checks = [
        _count(
            "API: every aanvraag stored once",
            {f.regie_referentie for f in flows},
            list(
                Aanvraag.objects.filter(regie_referentie__startswith="FS-").values_list("regie_referentie", flat=True)
            ),
        )
    ]
    expected_lines = {v for f in made for v in f.voorzieningen}
    registered = Voorziening.objects.filter(registratie="geregistreerd").exclude(zaak_url="")
    checks.append(
        _count("voorzieningen registered", expected_lines, [str(u) for u in registered.values_list("uuid", flat=True)])
    )
    documents = {u for f in made for g, u in f.berichten if g == "document_toegevoegd"}
    stored = Document.objects.filter(registratie="opgeslagen").exclude(informatieobject="")
    checks.append(
        _count("documents (> 4 MiB) stored", documents, [str(u) for u in stored.values_list("uuid", flat=True)])
    )

    config = Config(base_url=api_url, regie=backoffice, backoffice=backoffice)
    findings = zaakhistorie.check(config, zgw)
    bad = [f for f in findings if f.problems]
    checks.append(
        Check(
            "zaak histories exactly as the lifecycle says",
            len(findings),
            len(findings) - len(bad),
            wrong=len(bad),
            examples=[f"{f.zaak}: {'; '.join(f.problems[:2])}" for f in bad[:3]],
        )
    )
    checks.append(_zaken_check(zgw, sandbox_url))
    feeds = {party.client_id: read_feed(api_url, party) for party in (regie, backoffice)}
    for party_id, feed in feeds.items():
        expected = {f"{g} {u}" for f in made for g, u in f.berichten}
        seen = [f"{b['gebeurtenis']} {b['resourceUrl'].rstrip('/').rsplit('/', 1)[-1]}" for b in feed]
        check = _count(f"feed {party_id}: every bericht once", expected, [s for s in seen if s in expected])
        ids = Counter(b["uuid"] for b in feed)
        check.doubled += sum(1 for n in ids.values() if n > 1)
        checks.append(check)
    summary = receiver.summary()
    for party_id, feed in feeds.items():
        got = summary.get(f"/{party_id}") or {
            "accepted": set(),
            "times": {},
            "bodies": {},
            "unstable": set(),
            "unsigned": 0,
        }
        check = _count(f"webhooks {party_id}: delivered, stable id", {b["uuid"] for b in feed}, sorted(got["accepted"]))
        # The id names the bericht of the feed: the body is that bericht as a Notificaties message.
        by_uuid = {b["uuid"]: b for b in feed}
        other = [i for i, body in got["bodies"].items() if i in by_uuid and not _same_message(body, by_uuid[i])]
        check.wrong += len(got["unstable"]) + got["unsigned"] + len(other)
        redelivered = sum(n - 1 for n in got["times"].values())
        check.examples.insert(0, f"{redelivered} redeliveries (at least once is the promise)")
        check.examples += [f"body of {i} is another bericht" for i in other[:3]]
        checks.append(check)
    dead = list(OutboxItem.objects.filter(state="dead").values_list("handler", "last_error")[:3])
    left = OutboxItem.objects.exclude(state="done").count()
    checks.append(
        Check("outbox: nothing dead or left over", 0, left, wrong=left, examples=[f"{h}: {e[:200]}" for h, e in dead])
    )
    return checks


def _same_message(body: bytes, bericht: dict[str, Any]) -> bool:
    message = json.loads(body)
    fields = ("kanaal", "hoofdObject", "resource", "resourceUrl", "actie", "aanmaakdatum", "kenmerken")
    return all(message.get(f) == bericht.get(f) for f in fields)


def _zaken_check(zgw: zaakhistorie.Zgw, sandbox_url: str) -> Check:
    """Every zaak in the Zaken API belongs to a voorziening (or is the hoofdzaak of an aanvraag), and
    each identificatie names one zaak: a zaak made twice (an answer lost, the POST sent again) shows."""
    from regiekoppeling.models import Aanvraag, Voorziening

    known = set(Voorziening.objects.exclude(zaak_url="").values_list("zaak_url", flat=True))
    known |= set(Aanvraag.objects.exclude(hoofdzaak_url="").values_list("hoofdzaak_url", flat=True))
    zaken = zgw.all(f"{sandbox_url}/zaken/api/v1/zaken")
    check = _count("Zaken API: one zaak per identificatie", known, [z["url"] for z in zaken])
    per_identificatie = Counter(z["identificatie"] for z in zaken)
    twice = [i for i, n in per_identificatie.items() if n > 1]
    check.doubled += len(twice)
    check.examples += [f"identificatie {i} {per_identificatie[i]}x" for i in twice[:3]]
    return check


def read_feed(api_url: str, party: Party) -> list[dict[str, Any]]:
    """The party's whole feed, page by page along `next`, until an empty page."""
    session = requests.Session()
    url = f"{api_url}/berichten?pageSize=100"
    berichten: list[dict[str, Any]] = []
    while True:
        headers = {"Authorization": f"Bearer {make_token(party.client_id, party.secret)}"}
        response = session.get(url, headers=headers, timeout=30)
        response.raise_for_status()
        page = response.json()
        if not page["results"]:
            return berichten
        berichten += page["results"]
        url = page["next"]


def format_table(checks: list[Check]) -> str:
    width = max(len(c.name) for c in checks)
    head = f"{'check':<{width}}  {'expected':>8}  {'found':>7}  {'missing':>7}  {'doubled':>7}  {'wrong':>5}  result"
    lines = [head, "-" * len(head)]
    for c in checks:
        lines.append(
            f"{c.name:<{width}}  {c.expected:>8}  {c.found:>7}  {c.missing:>7}  {c.doubled:>7}  {c.wrong:>5}  "
            + ("ok" if c.ok else "FAIL")
        )
    notes = [f"  {c.name}: {e}" for c in checks for e in c.examples]
    return "\n".join(lines + (["", *notes] if notes else []))
