"""PNG plots of the benchmark results (matplotlib, Agg backend: no display needed)."""

from __future__ import annotations

import math
import textwrap
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # before pyplot is imported: files only, never a window

import matplotlib.pyplot as plt  # after the backend is chosen (ruff sorts no import above it)
from matplotlib.ticker import LogFormatter

SIZE_INCHES = (7.0, 4.2)
DPI = 110
TITLE_CHARS = 72  # per line of a title at this size


def _values(values: list[float | None]) -> list[float]:
    # A missing measurement (null) is a gap in the line, not a zero.
    return [math.nan if value is None else float(value) for value in values]


class PlainLogFormatter(LogFormatter):
    """Log-axis labels as the figures people quote (1, 8, 32, 1,000,000) instead of 10^0 or 2x10^0;
    which ticks get a label is still LogFormatter's choice (minor ones only on a narrow range)."""

    def _num_to_string(self, x: float, vmin: float, vmax: float) -> str:
        return f"{x:,.0f}" if x >= 1 else f"{x:g}"


def draw(plot: dict[str, Any], path: Path) -> None:
    """Writes one plot of the contract (`plots[]` of a result) to `path`."""
    figure, axes = plt.subplots(figsize=SIZE_INCHES, dpi=DPI)
    try:
        for series in plot["series"]:
            axes.plot(_values(series["x"]), _values(series["y"]), marker="o", label=series["label"])
        axes.set_title("\n".join(textwrap.wrap(plot["title"], TITLE_CHARS)))  # a long title is cut at the edge
        axes.set_xlabel(plot["xlabel"])
        axes.set_ylabel(plot["ylabel"])
        axes.set_xscale(plot["xscale"])
        axes.set_yscale(plot["yscale"])
        for axis, scale in ((axes.xaxis, plot["xscale"]), (axes.yaxis, plot["yscale"])):
            if scale == "log":
                axis.set_major_formatter(PlainLogFormatter())
                axis.set_minor_formatter(PlainLogFormatter(labelOnlyBase=False))
        axes.grid(True, which="both", alpha=0.3)
        axes.legend()
        figure.tight_layout()
        figure.savefig(path, format="png")
    finally:
        plt.close(figure)


def remove_stale(directory: Path, keep: list[Path]) -> list[Path]:
    """Removes the PNGs in `directory` that this run did not draw: RESULTS.md is rewritten as a whole,
    so a plot of an earlier run would be an orphan (or, worse, look current)."""
    stale = sorted(set(directory.glob("*.png")) - set(keep))
    for path in stale:
        path.unlink()
    return stale
