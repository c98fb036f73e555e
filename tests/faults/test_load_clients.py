"""The fault suite's clients: 1,000 aanvragen need more clients than the test range has BSNs (909 pass
the elfproef), so the suite's 1,000 stopped at flow 909 with StopIteration (seen in `make faults`). A BSN
that comes round again does so a year later, so its lines never overlap (OP043)."""

from __future__ import annotations

from acceptance.scenarios import Party, elfproef
from devserver.faults.load import Load


def test_every_flow_has_a_client_and_a_client_again_comes_a_year_later() -> None:
    load = Load("http://127.0.0.1:1", Party("r", "s"), Party("b", "s"), "0363", patience=1.0)
    clients = [load.client_of(i) for i in range(2000)]

    assert len(load.bsns) == 909 and all(elfproef(b) for b in load.bsns)
    assert len({(bsn, dates.start) for bsn, dates in clients}) == 2000
    first, again, third = clients[5], clients[5 + 909], clients[5 + 2 * 909]
    assert first[0] == again[0] == third[0]
    assert (again[1].start.year - first[1].start.year, third[1].start.year - first[1].start.year) == (1, 2)
    assert first[1].end < again[1].start and again[1].end < third[1].start
