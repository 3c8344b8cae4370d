"""The one visual theme of the report's charts: the palette, the colour maps, fonts and sizes.

Every colour a chart may draw is named here once, by what it means, and every
plot helper takes its colours from here (a test draws every figure plan and
checks that each colour it finds is in :data:`PALETTE` and each colour map in
:data:`COLOUR_MAPS`):

* the target classes: red :data:`DECLINED_COLOUR` means «активность
  снизилась», blue :data:`STABLE_COLOUR` «прежний уровень», in every chart;
* the model: :data:`MODEL_COLOUR` (near black) for its curves and for the
  chosen model, never red, so that red keeps meaning the declining clients;
* the groups of the decision: win-back clients are declining clients and
  prevention clients are stable ones, so :data:`GROUP_COLOURS` reuses the two
  class colours;
* segments: :data:`SEGMENT_PALETTE`, a small fixed set in priority order with
  no red, blue or grey;
* greys for what is context (clients outside every segment, chance lines,
  reference lines) and for ink (text, axes).

Sizes are chosen for an A4 page: a figure is as wide as the text column
(7 in, printed at 100 %) and no text in it is smaller than :data:`MIN_FONT`
(8 pt) at that size.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import matplotlib as mpl
from matplotlib.colors import Colormap, LinearSegmentedColormap, to_hex
from matplotlib.ticker import FuncFormatter

from analysis import glossary as g
from analysis.data.quality import shorten_label
from analysis.rutext import NBSP, num, pct, smart_num

__all__ = [
    "COLOUR_MAPS", "DECLINED", "DECLINED_COLOUR", "DIVERGING_CMAP", "DPI", "GRID_COLOUR",
    "GROUP_COLOURS", "INK", "MAGNITUDE_CMAP", "MIN_FONT", "MODEL_COLOUR", "MUTED", "NEUTRAL",
    "PALETTE", "PRINT_HEIGHT", "PRINT_WIDTH", "SECONDARY", "SEGMENT_PALETTE", "STABLE",
    "STABLE_COLOUR", "TARGET_COLOURS", "TARGET_LABELS", "VALUE_CMAP", "WHITE", "WIDTH",
    "ink_on", "rc", "ru_ticks", "segment_colour", "style", "wrap",
]

DECLINED = g.DECLINED
STABLE = g.STABLE

# ---- the palette: every colour a chart may draw ---------------------------------------------
DECLINED_COLOUR = "#d9534f"
"""Red: clients whose activity declined (and SHAP pushes toward decline)."""
STABLE_COLOUR = "#2c7fb8"
"""Blue: clients at the previous level (and SHAP pushes away from decline)."""
MODEL_COLOUR = "#262626"
"""Near black: the model's curves and the chosen model."""
TARGET_COLOURS: dict[str, str] = {DECLINED: DECLINED_COLOUR, STABLE: STABLE_COLOUR}
TARGET_LABELS: dict[str, str] = {DECLINED: g.CHART.declined, STABLE: g.CHART.stable}
GROUP_COLOURS: dict[str, str] = {"winback": DECLINED_COLOUR, "prevention": STABLE_COLOUR}
"""Decision groups by code: win-back clients have declined, prevention clients have not."""

SEGMENT_PALETTE: tuple[str, ...] = (
    "#7b3294", "#e08214", "#1b9e77", "#a6761d", "#e7298a", "#66a61e")
"""Segments in priority order; no red, blue or grey, which mean classes and context."""

INK = "#333333"
"""Text, ticks, axes and reference lines (thresholds, zero)."""
SECONDARY = "#666666"
"""Secondary text: counts beside bars, labels of reference lines."""
NEUTRAL = "#9e9e9e"
"""Grey: chance lines, categorical values in the SHAP beeswarm."""
MUTED = "#c7c7c7"
"""Light grey: clients outside every segment, the rest of a 100 % bar."""
GRID_COLOUR = "#e6e6e6"
WHITE = "#ffffff"
"""Background, and text on dark cells or bars."""

PALETTE: frozenset[str] = frozenset(to_hex(c) for c in (
    DECLINED_COLOUR, STABLE_COLOUR, MODEL_COLOUR, *SEGMENT_PALETTE,
    INK, SECONDARY, NEUTRAL, MUTED, GRID_COLOUR, WHITE))
"""Every colour a chart may draw (lower-case ``#rrggbb``), transparency aside."""

# ---- colour maps: every continuous scale a chart may draw ------------------------------------
MAGNITUDE_CMAP: Colormap = LinearSegmentedColormap.from_list(
    "oneclick_magnitude", [WHITE, MODEL_COLOUR])
"""0 → 1 strengths (φk, shares of a confusion matrix): white to the model's near black."""
DIVERGING_CMAP: Colormap = LinearSegmentedColormap.from_list(
    "oneclick_diverging", [STABLE_COLOUR, WHITE, DECLINED_COLOUR])
"""Signed contributions: blue lowers the risk of decline, red raises it, white is zero."""
VALUE_CMAP = "viridis"
"""A feature's value (low → high) in the SHAP beeswarm: deliberately neither red nor blue,
which there mean the direction of the contribution."""
COLOUR_MAPS: frozenset[str] = frozenset({MAGNITUDE_CMAP.name, DIVERGING_CMAP.name, VALUE_CMAP})
"""Names of every colour map a chart may use."""

# ---- sizes ----------------------------------------------------------------------------------
WIDTH = 7.0
"""Figure width in inches: the text width of the A4 page (180 mm), so printed at 100 %."""
PRINT_WIDTH = 180 / 25.4
"""Widest a figure is printed, in inches (the A4 text column, ``report/render/assets``)."""
PRINT_HEIGHT = 110 / 25.4
"""Tallest a figure is printed, in inches (``img { max-height: 110mm }`` in print.css).

A plan taller than this is scaled down in the PDF (and its text with it), so
every plan's height stays at or under it (``tests/test_figures.py``)."""
MIN_FONT = 8.0
"""Smallest text, in points, at the size a figure is printed."""
DPI = 180

_RC: dict[str, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 8.5,
    "axes.titlesize": 9,
    "axes.titleweight": "bold",
    "axes.labelsize": 8.5,
    "xtick.labelsize": MIN_FONT,
    "ytick.labelsize": MIN_FONT,
    "legend.fontsize": MIN_FONT,
    "legend.title_fontsize": MIN_FONT,
    "legend.frameon": False,
    "figure.titlesize": 10,
    "text.color": INK,
    "axes.labelcolor": INK,
    "axes.titlecolor": INK,
    "xtick.color": INK,
    "ytick.color": INK,
    "axes.edgecolor": INK,
    "axes.facecolor": WHITE,
    "figure.facecolor": WHITE,
    "savefig.facecolor": WHITE,
    "legend.edgecolor": MUTED,
    "patch.edgecolor": INK,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": False,
    "grid.color": GRID_COLOUR,
    "grid.linewidth": 0.6,
    "lines.linewidth": 1.6,
    "lines.color": MODEL_COLOUR,
    "axes.prop_cycle": mpl.cycler(color=[MODEL_COLOUR, *SEGMENT_PALETTE]),
    "axes.unicode_minus": True,
    "axes.formatter.use_locale": False,
    "figure.dpi": DPI,
    "savefig.dpi": DPI,
    "figure.constrained_layout.use": True,
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


def ink_on(fill: Any) -> str:
    """Text colour readable on a cell or bar of colour ``fill``: white on dark, ink on light."""
    r, gr, b = mpl.colors.to_rgb(fill)
    return WHITE if 0.2126 * r + 0.7152 * gr + 0.0722 * b < 0.5 else INK


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
