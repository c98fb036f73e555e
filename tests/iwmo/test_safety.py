"""Untrusted XML: DOCTYPEs, entities, size and malformed input are refused, and nothing is loaded."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from regiekoppeling.exceptions import DomainValidationError, InvalidParam
from regiekoppeling.iwmo import BerichtTeGroot, parse_verzoek, safexml
from regiekoppeling.iwmo.schemas import DEFAULT_MAX_BYTES

from .conftest import example, shared_iwmo

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<lolz>&lol9;</lolz>
"""


TRUNCATED = example("WMO315")[:-40]  # the last closing tags are missing
NEWLINE = b"\n"


def xxe(system_url: str) -> bytes:
    """A real WMO315 whose Commentaar is an external entity."""
    xml = example("WMO315").replace(b"Commentaar client", b"&xxe;", 1)
    prolog = f'<!DOCTYPE wmo315:Bericht [<!ENTITY xxe SYSTEM "{system_url}">]>\n'.encode()
    return xml.replace(b"<wmo315:Bericht", prolog + b"<wmo315:Bericht", 1)


def refused(xml: bytes) -> InvalidParam:
    with pytest.raises(DomainValidationError) as info:
        parse_verzoek(xml)
    [error] = info.value.params
    return error


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "geheim.txt"
    path.write_text("GEHEIM-1234")
    return path


@pytest.fixture
def no_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Proves a refusal happened before libxml2 saw a byte."""

    def fail(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the parser was reached")

    monkeypatch.setattr(safexml.etree, "fromstring", fail)


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every external load libxml2 attempts passes lxml's resolvers; record them instead of refusing."""
    calls: list[str] = []

    def record(self: Any, url: str, public_id: str, context: Any) -> Any:
        calls.append(url)
        return self.resolve_string("", context)

    monkeypatch.setattr(safexml._RefuseLoads, "resolve", record)
    return calls


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A local HTTP 'server' that only counts connection attempts."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    server.setblocking(False)
    yield server
    server.close()


def connections(server: socket.socket) -> int:
    count = 0
    while True:
        try:
            conn, _ = server.accept()
        except BlockingIOError:
            return count
        conn.close()
        count += 1


@pytest.mark.usefixtures("no_parsing")
class TestRefusedBeforeParsing:
    def test_billion_laughs(self) -> None:
        error = refused(BILLION_LAUGHS)
        assert (error.name, error.code) == ("DOCTYPE", "doctype")
        assert "niet toegestaan" in error.reason

    def test_external_entity(self, secret: Path) -> None:
        error = refused(xxe(secret.as_uri()))
        assert error.code == "doctype"
        assert "GEHEIM" not in error.reason

    def test_etc_passwd(self) -> None:
        assert refused(xxe("file:///etc/passwd")).code == "doctype"

    def test_plain_doctype(self) -> None:
        xml = example("WMO315").replace(b"<wmo315:Bericht", b"<!DOCTYPE wmo315:Bericht>\n<wmo315:Bericht", 1)
        assert refused(xml).code == "doctype"

    def test_doctype_in_utf16(self) -> None:
        xml = b'<?xml version="1.0" encoding="UTF-16"?>\n<!DOCTYPE x [<!ENTITY e "e">]>\n<x>&e;</x>'
        assert refused(xml.decode().encode("utf-16")).code == "doctype"

    def test_oversize(self, settings: Any) -> None:
        settings.IWMO_MAX_BYTES = 1000
        xml = example("WMO315")
        with pytest.raises(BerichtTeGroot) as info:
            parse_verzoek(xml)
        assert (info.value.size, info.value.max_bytes) == (len(xml), 1000)
        assert not isinstance(info.value, DomainValidationError)  # its own answer: 413, not 400

    def test_default_limit_is_25_mib(self) -> None:
        assert DEFAULT_MAX_BYTES == 25 * 1024 * 1024
        with pytest.raises(BerichtTeGroot):
            parse_verzoek(b" " * (DEFAULT_MAX_BYTES + 1))


class TestWhenTheDoctypeSlipsPastTheFirstCheck:
    """Layers 2 and 3 on their own: the parser loads nothing and a DTD found afterwards is refused."""

    @pytest.fixture(autouse=True)
    def _skip_prescan(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(safexml, "mentions_doctype", lambda xml: False)

    def test_external_entity_from_disk(self, secret: Path, loads: list[str]) -> None:
        error = refused(xxe(secret.as_uri()))
        assert error.code == "doctype"
        assert "GEHEIM" not in error.reason
        assert loads == []

    def test_external_entity_and_dtd_over_the_network(self, listener: socket.socket, loads: list[str]) -> None:
        url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        xml = xxe(f"{url}/entity").replace(
            b"<!DOCTYPE wmo315:Bericht [", f'<!DOCTYPE wmo315:Bericht SYSTEM "{url}/dtd" ['.encode()
        )
        assert refused(xml).code == "doctype"
        assert connections(listener) == 0
        assert loads == []

    def test_billion_laughs_is_not_expanded(self, loads: list[str]) -> None:
        # Entities are not substituted, and libxml2's own amplification limit stops the parse.
        error = refused(BILLION_LAUGHS)
        assert error.code == "parse_error"
        assert "amplification" in error.reason
        assert loads == []

    def test_small_internal_entity_is_refused_after_parsing(self, loads: list[str]) -> None:
        xml = example("WMO315").replace(b"Commentaar client", b"&c;", 1)
        xml = xml.replace(b"<wmo315:Bericht", b'<!DOCTYPE wmo315:Bericht [<!ENTITY c "x">]>\n<wmo315:Bericht', 1)
        assert refused(xml).code == "doctype"
        assert loads == []

    def test_the_recorder_would_have_seen_a_load(self, secret: Path, loads: list[str]) -> None:
        """Control: with a careless parser the same document does reach the resolver."""
        careless = etree.XMLParser(load_dtd=True, resolve_entities=True, no_network=True)
        careless.resolvers.add(safexml._RefuseLoads())
        etree.fromstring(xxe(secret.as_uri()), careless)
        assert loads == [secret.as_uri()]


def test_resolver_refuses_if_ever_called(secret: Path) -> None:
    parser = etree.XMLParser(load_dtd=True, resolve_entities=True)
    parser.resolvers.add(safexml._RefuseLoads())
    with pytest.raises(safexml.ExterneBronGeweigerd):
        etree.fromstring(xxe(secret.as_uri()), parser)


@pytest.mark.parametrize(
    ("xml", "name"),
    [
        (b"", "regel 1"),
        (b'{"berichttype": "WMO315"}', "regel 1"),
        (b"<Bericht><Header></Bericht>", "regel 1"),
        (TRUNCATED, f"regel {TRUNCATED.count(NEWLINE) + 1}"),
    ],
    ids=["leeg", "json", "tags", "afgebroken"],
)
def test_malformed(xml: bytes, name: str) -> None:
    error = refused(xml)
    assert (error.name, error.code) == (name, "parse_error")
    assert error.reason.startswith("Geen goedgevormde XML (kolom ")


def test_just_under_the_limit_is_parsed(settings: Any) -> None:
    xml = example("WMO315")
    settings.IWMO_MAX_BYTES = len(xml)
    assert parse_verzoek(xml).header.identificatie == "123456789012"


def test_str_is_not_accepted() -> None:
    with pytest.raises(TypeError):
        parse_verzoek(example("WMO315").decode())  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("xml", "fragment"),
    [
        ((shared_iwmo() / "iwmo-3.2/examples/WMO301.xml").read_bytes(), "wmo301/schema wordt hier niet verwerkt"),
        (
            b'<Bericht xmlns="urn:iets-anders"><Header/></Bericht>',
            "Geen iWmo/iJw 3.2-bericht (namespace urn:iets-anders)",
        ),
        (b"<Bericht/>", "Geen iWmo/iJw 3.2-bericht (namespace geen)"),
        (
            b'<Bericht xmlns="http://www.istandaarden.nl/iwmo/2_1/wmo315/schema"/>',
            "iwmo/2_1/wmo315/schema wordt hier niet verwerkt",
        ),
    ],
    ids=["wmo301", "vreemd", "zonder-namespace", "iwmo-2.1"],
)
def test_unknown_message(xml: bytes, fragment: str) -> None:
    error = refused(xml)
    assert (error.name, error.code) == ("Bericht", "onbekend_bericht")
    assert fragment in error.reason
