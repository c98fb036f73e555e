"""Documenten API client (enkelvoudiginformatieobjecten, bestandsdelen)."""

from __future__ import annotations

from typing import IO, Any

from zaken.clients import JSON, ZGWClient


class DocumentenClient(ZGWClient):
    def create_enkelvoudiginformatieobject(self, body: JSON) -> JSON:
        return self.call("POST", "enkelvoudiginformatieobjecten", json=body)

    def find_enkelvoudiginformatieobject(self, *, identificatie: str, bronorganisatie: str) -> JSON | None:
        params = {"identificatie": identificatie, "bronorganisatie": bronorganisatie}
        found = list(self.list_all("enkelvoudiginformatieobjecten", params))
        return found[0] if found else None

    def get_enkelvoudiginformatieobject(self, url: str) -> JSON:
        return self.call("GET", url)

    def upload_bestandsdeel(self, url: str, *, lock: str, chunk: bytes, filename: str) -> JSON:
        # multipart/form-data with the part's bytes and the lock, as the standard prescribes.
        files: dict[str, Any] = {"inhoud": (filename or "bestand", chunk, "application/octet-stream")}
        return self.call("PUT", url, data={"lock": lock}, files=files)

    def unlock(self, url: str, *, lock: str) -> None:
        self.call("POST", f"{url.rstrip('/')}/unlock", json={"lock": lock})


def read_exactly(stream: IO[bytes], size: int) -> bytes:
    data = stream.read(size)
    if len(data) != size:
        raise ValueError(f"Expected {size} bytes, got {len(data)}.")
    return data
