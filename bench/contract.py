"""The bench result contract: the JSON every benchmark writes with `--json PATH` (bench/README.md).

`validate` returns one message per problem, each naming the field by its path (`tables[0].rows[2]`), so
that `make bench` can say exactly what a benchmark got wrong. Keys the contract does not name are
allowed (a benchmark may keep extra detail there); every key it names is required, lists may be empty.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

SCALES = ("linear", "log", "symlog")
# A plain file name: the plots of all benchmarks land in one directory next to RESULTS.md.
PLOT_FILE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*\.png")

Check = Callable[[Any, str, list[str]], None]


def _is_number(value: Any) -> bool:
    # bool is an int subclass; a `true` where a number belongs is a mistake, not a 1.
    return isinstance(value, int | float) and not isinstance(value, bool)


def _string(value: Any, path: str, errors: list[str]) -> None:
    if not isinstance(value, str) or not value.strip():
        errors.append(f"{path}: expected a non-empty string, got {value!r}")


def _number(value: Any, path: str, errors: list[str]) -> None:
    if not _is_number(value):
        errors.append(f"{path}: expected a number, got {value!r}")


def _number_or_null(value: Any, path: str, errors: list[str]) -> None:
    if value is not None and not _is_number(value):
        errors.append(f"{path}: expected a number or null, got {value!r}")


def _boolean(value: Any, path: str, errors: list[str]) -> None:
    if not isinstance(value, bool):
        errors.append(f"{path}: expected true or false, got {value!r}")


def _cell(value: Any, path: str, errors: list[str]) -> None:
    if value is not None and not isinstance(value, str) and not _is_number(value):
        errors.append(f"{path}: expected a string, a number or null, got {value!r}")


def _text_or_number(value: Any, path: str, errors: list[str]) -> None:
    if not _is_number(value):
        _string(value, path, errors)


def _timestamp(value: Any, path: str, errors: list[str]) -> None:
    if not isinstance(value, str):
        errors.append(f"{path}: expected an ISO 8601 time such as 2026-11-30T13:10:00Z, got {value!r}")
        return
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        errors.append(f"{path}: not an ISO 8601 time: {value!r}")
        return
    if parsed.tzinfo is None:
        errors.append(f"{path}: the time has no zone (write it in UTC, ending in Z): {value!r}")


def _scale(value: Any, path: str, errors: list[str]) -> None:
    if value not in SCALES:
        errors.append(f"{path}: expected one of {', '.join(SCALES)}, got {value!r}")


def _plot_file(value: Any, path: str, errors: list[str]) -> None:
    if not isinstance(value, str) or not PLOT_FILE.fullmatch(value):
        errors.append(f"{path}: expected a plain file name ending in .png (no directory), got {value!r}")


def _fields(data: Any, path: str, errors: list[str], spec: dict[str, Check]) -> bool:
    """Checks an object's named fields; False when `data` is not an object at all."""
    if not isinstance(data, dict):
        errors.append(f"{path or 'the result'}: expected an object, got {type(data).__name__}")
        return False
    prefix = f"{path}." if path else ""
    for key, check in spec.items():
        if key not in data:
            errors.append(f"{prefix}{key}: missing")
        else:
            check(data[key], f"{prefix}{key}", errors)
    return True


def _list_of(check: Check) -> Check:
    def check_list(value: Any, path: str, errors: list[str]) -> None:
        if not isinstance(value, list):
            errors.append(f"{path}: expected a list, got {type(value).__name__}")
            return
        for index, item in enumerate(value):
            check(item, f"{path}[{index}]", errors)

    return check_list


def _object(spec: dict[str, Check], extra: Callable[[dict[str, Any], str, list[str]], None] | None = None) -> Check:
    def check_object(value: Any, path: str, errors: list[str]) -> None:
        if _fields(value, path, errors, spec) and extra is not None:
            extra(value, path, errors)

    return check_object


def _rows_match_columns(table: dict[str, Any], path: str, errors: list[str]) -> None:
    columns, rows = table.get("columns"), table.get("rows")
    if not isinstance(columns, list) or not isinstance(rows, list):
        return
    if not columns:
        errors.append(f"{path}.columns: a table needs at least one column")
    for index, row in enumerate(rows):
        if isinstance(row, list) and len(row) != len(columns):
            errors.append(f"{path}.rows[{index}]: {len(row)} cells for {len(columns)} columns")


def _x_matches_y(series: dict[str, Any], path: str, errors: list[str]) -> None:
    x, y = series.get("x"), series.get("y")
    if isinstance(x, list) and isinstance(y, list):
        if len(x) != len(y):
            errors.append(f"{path}: x has {len(x)} values, y has {len(y)}")
        elif not x:
            errors.append(f"{path}: a series without points")


def _plot_has_series(plot: dict[str, Any], path: str, errors: list[str]) -> None:
    if isinstance(plot.get("series"), list) and not plot["series"]:
        errors.append(f"{path}.series: a plot needs at least one series")


TABLE = _object(
    {"title": _string, "columns": _list_of(_string), "rows": _list_of(_list_of(_cell))},
    _rows_match_columns,
)
ANCHOR = _object({"what": _string, "value": _text_or_number, "source": _string})
AIM = _object({"aim": _string, "value": _number_or_null, "unit": _string, "met": _boolean})
SERIES = _object({"label": _string, "x": _list_of(_number), "y": _list_of(_number_or_null)}, _x_matches_y)
PLOT = _object(
    {
        "file": _plot_file,
        "title": _string,
        "xlabel": _string,
        "ylabel": _string,
        "xscale": _scale,
        "yscale": _scale,
        "series": _list_of(SERIES),
    },
    _plot_has_series,
)
RESULT: dict[str, Check] = {
    "benchmark": _string,
    "title": _string,
    "command": _string,
    "started": _timestamp,
    "seconds": _number,
    "tables": _list_of(TABLE),
    "anchors": _list_of(ANCHOR),
    "aims": _list_of(AIM),
    "plots": _list_of(PLOT),
    "notes": _list_of(_string),
}


def validate(data: Any, *, benchmark: str) -> list[str]:
    """Every way `data` breaks the contract; empty when it is a valid result of `benchmark`."""
    errors: list[str] = []
    if not _fields(data, "", errors, RESULT):
        return errors
    if isinstance(data.get("benchmark"), str) and data["benchmark"] != benchmark:
        errors.append(f"benchmark: expected {benchmark!r} (its id in the registry), got {data['benchmark']!r}")
    if _is_number(data.get("seconds")) and data["seconds"] < 0:
        errors.append(f"seconds: negative ({data['seconds']})")
    plots = data.get("plots")
    if isinstance(plots, list):
        files = [plot.get("file") for plot in plots if isinstance(plot, dict)]
        for index, name in enumerate(files):
            if name in files[:index]:
                errors.append(f"plots[{index}].file: {name!r} is used by an earlier plot")
    return errors
