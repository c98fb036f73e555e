"""The in-process store: one dict of records per collection, optionally saved to JSON.

Records are kept in API shape (camelCase keys, absolute URLs) plus private keys that start with `_`
(creation order `_seq`, file content `_content`).

Requests run concurrently, as on Open Zaak: `lock` guards each single read or write of the store, not
a whole request, so two requests may both validate before either writes. What Open Zaak's database
keeps unique (`UNIQUE`, its unique constraints) is checked again on every write under the lock: the
loser of a race gets `UniqueViolation` (the server answers 500, as Open Zaak does on an IntegrityError),
where the handler's own validation gives the 400 `unique` when the requests do not overlap.
`before_write` is called before the first write of a request outside the lock (the server spends a
request's latency there: the time a transaction of Open Zaak takes between its checks and its insert).

Persistence: with a `path`, the whole store is written atomically after every request that changed it,
so `make run` restarts keep the zaken. URLs in the file are rewritten if the sandbox comes back on a
different base URL.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

# collection -> API it belongs to (the first path segment of its URL)
COLLECTIONS: dict[str, str] = {
    "catalogussen": "catalogi",
    "zaaktypen": "catalogi",
    "statustypen": "catalogi",
    "roltypen": "catalogi",
    "resultaattypen": "catalogi",
    "informatieobjecttypen": "catalogi",
    "besluittypen": "catalogi",
    "zaken": "zaken",
    "statussen": "zaken",
    "rollen": "zaken",
    "resultaten": "zaken",
    "zaakinformatieobjecten": "zaken",
    "enkelvoudiginformatieobjecten": "documenten",
    "bestandsdelen": "documenten",
    "besluiten": "besluiten",
    "besluitinformatieobjecten": "besluiten",
    "kanaal": "notificaties",
    "abonnement": "notificaties",
}
# collection -> the field sets Open Zaak's database keeps unique (its unique constraints and one-to-ones)
UNIQUE: dict[str, list[tuple[str, ...]]] = {
    "zaken": [("bronorganisatie", "identificatie")],
    "statussen": [("zaak", "_moment")],
    "resultaten": [("zaak",)],
    "zaakinformatieobjecten": [("zaak", "informatieobject")],
    "besluiten": [("verantwoordelijkeOrganisatie", "identificatie")],
    "besluitinformatieobjecten": [("besluit", "informatieobject")],
}
# (collection, field) pairs kept in an index by the field's value: the records that point at one zaak
# (a zaak's statussen, rollen, ...; its deelzaken). Without it, rendering a list page of zaken scans
# every collection once per zaak (seconds per page at 10,000 zaken).
REFERENCES: tuple[tuple[str, str], ...] = (
    ("statussen", "zaak"),
    ("rollen", "zaak"),
    ("resultaten", "zaak"),
    ("zaakinformatieobjecten", "zaak"),
    ("zaken", "hoofdzaak"),
)
_URL = re.compile(r"^(?P<base>https?://[^/]+)/(?P<api>\w+)/api/v1/(?P<coll>\w+)/(?P<uuid>[0-9a-fA-F-]{36})/?$")


class UniqueViolation(Exception):
    """Two writes raced past the validation: the database's unique constraint refuses the second."""


class Store:
    def __init__(self, base_url: str, path: Path | None = None) -> None:
        self.lock = threading.RLock()
        self.before_write: Callable[[], None] = lambda: None
        self.base_url = base_url
        self.path = path
        self.dirty = False
        self._data: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in COLLECTIONS}
        self._counters: dict[str, int] = {}
        self._seq = 0
        self._refs: dict[tuple[str, str], dict[Any, dict[str, dict[str, Any]]]] = {key: {} for key in REFERENCES}
        if path is not None and path.exists():
            self._load(path)

    # --- records -------------------------------------------------------------------------------

    def get(self, collection: str, uid: str) -> dict[str, Any] | None:
        with self.lock:
            return self._data[collection].get(uid.lower())

    def referring(self, collection: str, field: str, value: Any) -> list[dict[str, Any]]:
        """The records of `collection` whose `field` is `value`, in creation order (as `all` filtered)."""
        with self.lock:
            index = self._refs.get((collection, field))
            if index is None:
                return [r for r in self._data[collection].values() if r.get(field) == value]
            # Checked again: a record changed in place before its `put` may still sit under its old value.
            found = [r for r in index.get(value, {}).values() if r.get(field) == value]
            return sorted(found, key=lambda r: r["_seq"])

    def _index(self, collection: str, record: dict[str, Any]) -> None:
        old = self._data[collection].get(record["uuid"])
        for (name, field), index in self._refs.items():
            if name != collection:
                continue
            if old is not None:
                index.get(old.get(field), {}).pop(old["uuid"], None)
            index.setdefault(record.get(field), {})[record["uuid"]] = record

    def _reindex(self) -> None:
        self._refs = {key: {} for key in REFERENCES}
        for collection, field in REFERENCES:
            for record in self._data[collection].values():
                self._refs[(collection, field)].setdefault(record.get(field), {})[record["uuid"]] = record

    def all(self, collection: str) -> list[dict[str, Any]]:
        """In creation order: dicts keep insertion order, and an update keeps a record's place."""
        with self.lock:
            return list(self._data[collection].values())

    def put(self, collection: str, record: dict[str, Any]) -> dict[str, Any]:
        self.before_write()
        with self.lock:
            self._check_unique(collection, record)
            self._keep(collection, record)
        return record

    def put_many(self, collection: str, records: list[dict[str, Any]]) -> None:
        """New records in one go, their unique keys checked in one pass (for seeding large stores:
        `put` checks each record against every other, fine per request, quadratic for 10,000)."""
        self.before_write()
        with self.lock:
            for names in UNIQUE.get(collection, []):
                seen = {tuple(other.get(name) for name in names) for other in self._data[collection].values()}
                for record in records:
                    key = tuple(record.get(name) for name in names)
                    if None in key or "" in key:
                        continue
                    if key in seen:
                        raise UniqueViolation(f"{collection}: {', '.join(names)} {key} bestaat al")
                    seen.add(key)
            for record in records:
                self._keep(collection, record)

    def _keep(self, collection: str, record: dict[str, Any]) -> None:
        if "_seq" not in record:
            self._seq += 1
            record["_seq"] = self._seq
        self._index(collection, record)
        self._data[collection][record["uuid"]] = record
        self.dirty = True

    def _check_unique(self, collection: str, record: dict[str, Any]) -> None:
        for names in UNIQUE.get(collection, []):
            key = tuple(record.get(name) for name in names)
            if None in key or "" in key:
                continue
            for other in self._data[collection].values():
                if other["uuid"] != record["uuid"] and tuple(other.get(name) for name in names) == key:
                    raise UniqueViolation(f"{collection}: {', '.join(names)} {key} bestaat al")

    def delete(self, collection: str, uid: str) -> None:
        self.before_write()
        with self.lock:
            record = self._data[collection].pop(uid, None)
            for (name, field), index in self._refs.items():
                if name == collection and record is not None:
                    index.get(record.get(field), {}).pop(uid, None)
            self.dirty = True

    def next_number(self, key: str) -> int:
        with self.lock:
            self._counters[key] = self._counters.get(key, 0) + 1
            self.dirty = True
            return self._counters[key]

    def clear(self) -> None:
        with self.lock:
            self._data = {name: {} for name in COLLECTIONS}
            self._counters = {}
            self._seq = 0
            self._reindex()
            self.dirty = True

    # --- URLs ----------------------------------------------------------------------------------

    def url(self, collection: str, uid: str) -> str:
        return f"{self.base_url}/{COLLECTIONS[collection]}/api/v1/{collection}/{uid}"

    def resolve(self, url: str | None, collection: str) -> dict[str, Any] | None:
        """The record behind one of our own URLs, or None (another host, another resource, unknown uuid)."""
        if not url:
            return None
        match = _URL.match(url)
        if not match or match["base"] != self.base_url or match["coll"] != collection:
            return None
        if COLLECTIONS.get(collection) != match["api"]:
            return None
        return self.get(collection, match["uuid"])

    def lookup(self, url: str) -> tuple[str, dict[str, Any]] | None:
        """Any record by URL, with its collection (used by `expand`)."""
        match = _URL.match(url or "")
        if not match or match["coll"] not in COLLECTIONS:
            return None
        record = self.resolve(url, match["coll"])
        return (match["coll"], record) if record is not None else None

    # --- persistence ---------------------------------------------------------------------------

    def save_if_dirty(self) -> None:
        with self.lock:
            if self.dirty and self.path is not None:
                self.save()
            self.dirty = False

    def save(self) -> None:
        assert self.path is not None
        with self.lock:
            state = {"baseUrl": self.base_url, "seq": self._seq, "counters": self._counters, "data": self._data}
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # write-then-rename: a crash or kill mid-write never leaves a half file behind
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=self.path.name, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(state, handle, ensure_ascii=False)
            os.replace(tmp, self.path)

    def _load(self, path: Path) -> None:
        text = path.read_text(encoding="utf-8")
        old_base = json.loads(text).get("baseUrl")
        if old_base and old_base != self.base_url:
            text = text.replace(old_base + "/", self.base_url + "/")
        state = json.loads(text)
        for name in COLLECTIONS:
            records = sorted(state["data"].get(name, {}).values(), key=lambda r: r["_seq"])
            self._data[name] = {r["uuid"]: r for r in records}
        self._counters = state.get("counters", {})
        self._seq = state.get("seq", 0)
        self._reindex()
