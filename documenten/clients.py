"""Documenten API client (enkelvoudiginformatieobjecten, bestandsdelen)."""

from __future__ import annotations

from typing import IO, Any

import requests

from zaken.clients import JSON, ZGWClient, ZGWRequestError, ZGWUnavailableError


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


def open_download(client: DocumentenClient, url: str) -> requests.Response:
    """The content of an enkelvoudiginformatieobject as a streamed response (the caller closes it).
    Errors are translated like every call: 4xx permanent, 5xx and timeouts retryable."""
    target = f"{url.rstrip('/')}/download"
    try:
        response = client.request("GET", target, headers={"Accept": "application/octet-stream"}, stream=True)
    except (requests.Timeout, requests.ConnectionError) as exc:
        raise ZGWUnavailableError(f"GET {target}: {exc.__class__.__name__}") from exc
    if response.status_code >= 500:
        response.close()
        raise ZGWUnavailableError(f"GET {target} answered {response.status_code}")
    if response.status_code >= 400:
        body = response.text[:500]
        response.close()
        raise ZGWRequestError("GET", target, response.status_code, body)
    return response
