"""Timestamps as the API shows them: DRF's DateTimeField, ISO 8601 in the current time zone, UTC as `Z`.

From a datetime, or from PostgreSQL's own text of a `timestamptz` (the rows of `page_parts`). A page
of aanvragen holds ~800 timestamps; reading each into a datetime (~0.85 us) and writing it back in
the zone (~1.15 us) was a tenth of the page's CPU. From the text, only the hour needs the zone: a
UTC hour is one local hour with one offset, looked up once per hour and zone, and the minutes,
seconds and fraction are the text's own (with the fraction's trailing zeros that PostgreSQL leaves
off put back, as `isoformat` writes six digits). Anything else (a zone whose offset is not a whole
number of hours, a session not in UTC, a year outside 1..9999) goes the datetime way.
`tests/api/test_moments.py` holds the two ways equal, over PostgreSQL's own texts.
"""

from __future__ import annotations

import datetime
import functools

_HOUR = datetime.timedelta(hours=1)


def iso(value: datetime.datetime | str | None, zone: datetime.tzinfo) -> str | None:
    """`value` (a datetime, or PostgreSQL's text of a timestamptz) as DRF shows it in `zone`."""
    if not value:
        return None
    if isinstance(value, str):
        return _from_text(value, zone)
    shown = value.astimezone(zone).isoformat()
    return shown[:-6] + "Z" if shown.endswith("+00:00") else shown


def _from_text(text: str, zone: datetime.tzinfo) -> str | None:
    # A UTC session writes 'YYYY-MM-DD HH:MM:SS+00' or 'YYYY-MM-DD HH:MM:SS.ffffff+00', the
    # fraction without its trailing zeros.
    if len(text) in (22, *range(24, 30)) and text[10] == " " and text[13] == ":" and text.endswith("+00"):
        local = _local_hour(text[:13], zone)
        if local is not None:
            rest = text[13:-3]  # ':MM:SS' or ':MM:SS.f' to ':MM:SS.ffffff'
            return f"{local[0]}{rest.ljust(13, '0') if len(rest) > 6 else rest}{local[1]}"
    return iso(datetime.datetime.fromisoformat(text), zone)


@functools.lru_cache(maxsize=16384)
def _local_hour(utc_hour: str, zone: datetime.tzinfo) -> tuple[str, str] | None:
    """('YYYY-MM-DDTHH' of the local hour, its offset as DRF writes it) of the UTC hour
    'YYYY-MM-DD HH' in `zone`; None where the minutes would change too."""
    try:
        moment = datetime.datetime.fromisoformat(f"{utc_hour}:00:00+00:00").astimezone(zone)
    except (ValueError, OverflowError):
        return None
    offset = moment.utcoffset()
    if offset is None or offset % _HOUR:
        return None
    shown = moment.isoformat()  # 'YYYY-MM-DDTHH:00:00+01:00'
    return shown[:13], "Z" if shown.endswith("+00:00") else shown[19:]
