"""A voorziening as the API shows it, written by PostgreSQL: the list page's JSON per row.

`representations.voorziening_shown` builds a line's dict in Python from a model instance; for a list
page of 100 that was a third of the request's CPU (the instances, their fields' conversion, the dict,
the links, the timestamps: bench/README.md, "lists.py"). Here the page's query carries each line's
JSON as text (`json_build_object`, in C), and the renderer writes it as it is (`orjson.Fragment`).
The shape is the same function's, value for value: `tests/api/test_sqlshapes.py` holds the two equal
over every branch, in two time zones, and the timestamps' text over a range of moments.

Not here: a line whose registration failed (`registratieFouten` is DRF's own field tree, camelCased):
its JSON is null, and the page shows it through `voorziening_shown` (rare, and never many).
"""

from __future__ import annotations

import re
from typing import Any

from django.db.models.expressions import RawSQL

from ..models import Aanvraag, Product, Voorziening
from .links import PLACEHOLDER, detail_url

V = Voorziening._meta.db_table  # the page query's own table: Django leaves it unaliased


class Sql:
    """A fragment of SQL with its parameters, in order."""

    def __init__(self) -> None:
        self.params: list[Any] = []

    def param(self, value: Any) -> str:
        self.params.append(value)
        return "%s"


_ZONE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_+/-]{0,63}")


def moment(column: str, zone: str) -> str:
    """`representations._iso`: the moment in `zone`, ISO 8601 as Python's `isoformat` writes it
    (microseconds only when there are any, the offset as +hh:mm, and :ss when it has seconds), UTC
    as `Z`; null stays null. The zone is written into the SQL (it is used six times): a name of the
    time zone database, from the settings, checked."""
    if not _ZONE_NAME.fullmatch(zone):
        raise ValueError(f"not a time zone name: {zone!r}")
    local = f"({column} AT TIME ZONE '{zone}')"
    offset = f"({local} - ({column} AT TIME ZONE 'UTC'))"
    size = f"(CASE WHEN {offset} < interval '0' THEN -{offset} ELSE {offset} END)"
    return (
        f"(CASE WHEN {column} IS NULL THEN NULL ELSE to_char({local}, 'YYYY-MM-DD\"T\"HH24:MI:SS')"
        f" || CASE WHEN to_char({column}, 'US') = '000000' THEN '' ELSE '.' || to_char({column}, 'US') END"
        f" || CASE WHEN {offset} = interval '0' THEN 'Z'"
        f" ELSE CASE WHEN {offset} < interval '0' THEN '-' ELSE '+' END || to_char({size}, 'HH24:MI')"
        f" || CASE WHEN extract(second FROM {size}) = 0 THEN '' ELSE to_char({size}, ':SS') END END END)"
    )


def day(column: str) -> str:
    """`representations._date`: ISO 8601, null stays null."""
    return f"to_char({column}, 'YYYY-MM-DD')"


def _object(pairs: list[tuple[str, str]]) -> str:
    return "json_build_object(" + ", ".join(f"'{key}', {value}" for key, value in pairs) + ")"


def _nested(pairs: list[tuple[str, str]], *, empty: dict[str, str]) -> str:
    """`serializers._nested`: the object, or null when every value is null or empty text."""
    blank = " AND ".join(
        f"({value} IS NULL OR {value} = '')" if empty.get(key) == "text" else f"{value} IS NULL" for key, value in pairs
    )
    return f"(CASE WHEN {blank} THEN NULL ELSE {_object(pairs)} END)"


def _link(sql: Sql, context: Any, view_name: str, uuid: str) -> str:
    before, after = detail_url(context, view_name, PLACEHOLDER).split(PLACEHOLDER)
    return f"({sql.param(before)} || {uuid}::text || {sql.param(after)})"


def voorziening_json(context: Any, zone: str) -> RawSQL:
    """The JSON text of `representations.voorziening_shown` for each row of a voorzieningen queryset
    (null for a line with registration errors); `context`: the request's, for the links; `zone`: the
    time zone the response shows moments in."""
    sql = Sql()
    p, a = Product._meta.db_table, Aanvraag._meta.db_table
    # Table names of our models, not input.
    shown_product = "json_build_object('categorie', p.categorie, 'code', p.code, 'omschrijving', p.omschrijving)"
    product = f"(SELECT {shown_product} FROM {p} p WHERE p.id = {V}.product_id)"  # noqa: S608
    aanvraag_uuid = f"(SELECT a.uuid FROM {a} a WHERE a.id = {V}.aanvraag_id)"  # noqa: S608
    text = {"eenheid": "text", "frequentie": "text", "type": "text", "naam": "text", "zorgverlenerscode": "text"}
    pairs = [
        ("url", _link(sql, context, "voorziening-detail", f"{V}.uuid")),
        ("uuid", f"{V}.uuid::text"),
        ("aanvraag", _link(sql, context, "aanvraag-detail", aanvraag_uuid)),
        ("volgnummer", f"{V}.volgnummer"),
        ("product", product),
        ("leveringsvorm", f"{V}.leveringsvorm"),
        (
            "omvang",
            _nested(
                [
                    ("volume", f"{V}.omvang_volume"),
                    ("eenheid", f"{V}.omvang_eenheid"),
                    ("frequentie", f"{V}.omvang_frequentie"),
                ],
                empty=text,
            ),
        ),
        ("budget", f"{V}.budget"),
        (
            "pgb",
            f"(CASE WHEN {V}.leveringsvorm <> 'PGB' OR {V}.pgb_bedrag IS NULL THEN NULL ELSE "
            + _object(
                [
                    ("bedrag", f"{V}.pgb_bedrag"),
                    ("basis", f"{V}.pgb_basis"),
                    ("ingangsdatum", day(f"{V}.pgb_periode_ingangsdatum")),
                    ("einddatum", day(f"{V}.pgb_periode_einddatum")),
                    ("tariefreferentie", f"{V}.pgb_tariefreferentie"),
                ]
            )
            + " END)",
        ),
        ("ingangsdatum", day(f"{V}.ingangsdatum")),
        ("einddatum", day(f"{V}.einddatum")),
        ("aanbieder", f"{V}.aanbieder"),
        (
            "verwijzer",
            _nested(
                [
                    ("type", f"{V}.verwijzer_type"),
                    ("naam", f"{V}.verwijzer_naam"),
                    ("zorgverlenerscode", f"{V}.verwijzer_zorgverlenerscode"),
                ],
                empty=text,
            ),
        ),
        ("toelichting", f"{V}.toelichting"),
        ("referentieAanbieder", f"{V}.referentie_aanbieder"),
        ("status", f"{V}.status"),
        ("redenIntrekking", f"{V}.reden_intrekking"),
        (
            "zaak",
            f"(CASE WHEN {V}.zaak_url = '' THEN NULL ELSE "
            + _object(
                [
                    ("url", f"{V}.zaak_url"),
                    ("identificatie", f"{V}.zaak_identificatie"),
                    ("status", f"{V}.zaakstatus"),
                    ("statusGezetOp", moment(f"{V}.zaakstatus_gezet_op", "UTC")),
                    ("statusFout", f"{V}.zaakstatus_fout"),
                    ("toestand", f"CASE WHEN {V}.zaak_toestand = '' THEN 'open' ELSE {V}.zaak_toestand END"),
                ]
            )
            + " END)",
        ),
        ("registratie", f"{V}.registratie"),
        ("registratieFouten", "'[]'::json"),
        ("aangemaaktOp", moment(f"{V}.aangemaakt_op", zone)),
        ("gewijzigdOp", moment(f"{V}.gewijzigd_op", zone)),
    ]
    shown = f"(CASE WHEN {V}.registratie_fouten = '[]'::jsonb THEN ({_object(pairs)})::text END)"
    # Only our own column names, literals and the checked zone are in the text; the links are parameters.
    return RawSQL(shown, sql.params)  # noqa: S611
