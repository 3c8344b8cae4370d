"""The one visual theme of the report's charts: colours, fonts and sizes.

Every chart uses the same two colours for the target classes, so a reader
learns once that red means «активность снизилась» and blue «прежний уровень».
Segments get a categorical palette that avoids both. Sizes are chosen for an
A4 page: a figure is as wide as the text column (about 7 in) and its fonts are
8–9 pt when printed at that width.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import matplotlib as mpl
from matplotlib.ticker import FuncFormatter

from analysis import glossary as g
from analysis.data.quality import shorten_label
from analysis.rutext import NBSP, num, pct, smart_num

__all__ = [
    "DECLINED", "DECLINED_COLOUR", "DPI", "GRID_COLOUR", "HIGHLIGHT", "MUTED", "NEUTRAL",
    "SEGMENT_PALETTE", "STABLE", "STABLE_COLOUR", "TARGET_COLOURS", "TARGET_LABELS",
    "VALUE_CMAP", "WIDTH", "rc", "ru_ticks", "segment_colour", "style", "wrap",
]

DECLINED = g.DECLINED
STABLE = g.STABLE
DECLINED_COLOUR = "#d9534f"
STABLE_COLOUR = "#2c7fb8"
TARGET_COLOURS: dict[str, str] = {DECLINED: DECLINED_COLOUR, STABLE: STABLE_COLOUR}
TARGET_LABELS: dict[str, str] = {DECLINED: g.CHART.declined, STABLE: g.CHART.stable}

NEUTRAL = "#9e9e9e"
"""Grey: clients outside every segment, categorical values in a SHAP beeswarm."""
MUTED = "#c7c7c7"
"""Light grey: candidates that were not chosen, reference areas."""
HIGHLIGHT = "#3a3a3a"
"""Near black: the chosen model, reference lines."""
GRID_COLOUR = "#e6e6e6"

SEGMENT_PALETTE: tuple[str, ...] = (
    "#7b3294", "#e08214", "#1b9e77", "#a6761d", "#e7298a", "#66a61e")
"""Segments in priority order; no red or blue, which mean the target classes."""

VALUE_CMAP = "viridis"
"""Feature value (low → high) in the SHAP beeswarm; deliberately not red/blue."""

WIDTH = 7.0
"""Figure width in inches: the text width of an A4 page with 2 cm margins."""
DPI = 180

_RC: dict[str, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 8.5,
    "axes.titlesize": 9,
    "axes.titleweight": "bold",
    "axes.labelsize": 8.5,
    "xtick.labelsize": 7.5,
    "ytick.labelsize": 7.5,
    "legend.fontsize": 7.5,
    "legend.frameon": False,
    "figure.titlesize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": "#555555",
    "axes.grid": False,
    "grid.color": GRID_COLOUR,
    "grid.linewidth": 0.6,
    "lines.linewidth": 1.6,
    "axes.unicode_minus": True,
    "axes.formatter.use_locale": False,
    "figure.dpi": DPI,
    "savefig.dpi": DPI,
    "figure.constrained_layout.use": True,
    "image.cmap": VALUE_CMAP,
    "svg.hashsalt": "oneclick",
    "path.simplify": True,
    "text.parse_math": False,  # labels come from the data: "$" is a character, not TeX
}


def rc() -> dict[str, Any]:
    """The theme as matplotlib ``rcParams`` (a copy)."""
    return dict(_RC)


@contextmanager
def style() -> Iterator[None]:
    """Apply the theme within a ``with`` block, restoring the caller's settings after."""
    with mpl.rc_context(_RC):
        yield


def segment_colour(index: int) -> str:
    """Colour of the ``index``-th segment (priority order), cycling the palette."""
    return SEGMENT_PALETTE[index % len(SEGMENT_PALETTE)]


def wrap(text: str, width: int = 24) -> str:
    """Break a label into lines of at most ``width`` characters (words kept whole).

    A label longer than :data:`analysis.data.quality.LABEL_LIMIT` characters is
    cut first, ending in «…» (the data-quality log says so), and then shown on
    at most two lines, long words broken, so that no value from the data can
    stretch a chart.
    """
    short = shorten_label(text)
    if short == text:
        return "\n".join(textwrap.wrap(text, width=width, break_long_words=False)) or text
    lines = textwrap.wrap(short, width=width)
    if len(lines) > 2:
        lines = [lines[0], lines[1][:width - 1].rstrip() + "…"]
    return "\n".join(lines)


def ru_ticks(axis: Any, kind: str = "num", digits: int | None = None) -> None:
    """Russian tick labels (decimal comma, «%» after a space) on a matplotlib axis.

    Parameters
    ----------
    axis
        ``ax.xaxis`` or ``ax.yaxis``.
    kind
        ``"num"`` for plain numbers, ``"pct"`` for fractions shown as percentages.
    digits
        Fixed decimals; ``None`` lets :func:`analysis.rutext.smart_num` decide.
    """
    def text(value: float, _pos: int | None) -> str:
        if kind == "pct":
            return pct(value, digits) if digits is not None else f"{smart_num(value * 100)}{NBSP}%"
        return smart_num(value) if digits is None else num(value, digits)

    axis.set_major_formatter(FuncFormatter(text))
