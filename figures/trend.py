"""The trend across months: one small line chart per measure, all on the same months.

Each function draws on a given ``ax`` from plain data and returns its lines;
none creates a figure or saves a file.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from figures import theme as t

__all__ = ["MonthSeries", "plot_months"]

MAX_MONTH_TICKS = 6
"""At most this many month labels under a panel (every k-th month beyond)."""


@dataclass(frozen=True)
class MonthSeries:
    """One line of a panel: a value per month (None where the month has none).

    Attributes
    ----------
    values
        One value per month, in month order.
    colour
        A theme colour.
    end_label
        Written beside the last value (already formatted), or "".
    low, high
        An interval per month, drawn as a vertical bar, or None.
    """

    values: Sequence[float | None]
    colour: str
    end_label: str = ""
    low: Sequence[float | None] | None = None
    high: Sequence[float | None] | None = None


def _array(values: Sequence[float | None]) -> np.ndarray:
    return np.array([math.nan if v is None else float(v) for v in values], dtype=float)


def _label_room(ax: Axes, months: Sequence[str]) -> int:
    """How many month labels fit side by side under ``ax`` at the tick font (2 at least).

    The panel's width comes from its place in the figure; a label is taken as wide as
    0.6 em a character plus a gap of one em, which errs on the wide side for this font.
    """
    width_pt = ax.get_position().width * ax.figure.get_figwidth() * 72
    label_pt = (max(len(m) for m in months) * 0.6 + 1.0) * t.MIN_FONT
    return max(2, int(width_pt // label_pt))


def _month_ticks(ax: Axes, months: Sequence[str]) -> None:
    most = min(MAX_MONTH_TICKS, _label_room(ax, months))
    step = max(1, math.ceil((len(months) - 1) / max(1, most - 1)))
    shown = list(range(len(months) - 1, -1, -step))[::-1]  # the last month always labelled
    ax.set_xticks(shown, [months[i] for i in shown])
    ax.set_xlim(-0.4, len(months) - 0.6 + 0.9)  # room for the labels at the last point


def plot_months(ax: Axes, months: Sequence[str], series: Sequence[MonthSeries], title: str,
                kind: str = "num", zero_line: bool = False) -> list[Line2D]:
    """A sparkline-style panel: each series as a line with dots, its last value labelled.

    Parameters
    ----------
    months
        Short month labels, one per point.
    series
        The lines; with two or more they are shifted a little sideways so that
        their interval bars do not hide each other.
    title
        The measure, written small above the panel.
    kind
        Tick format of the values: ``"num"`` or ``"pct"`` (:func:`figures.theme.ru_ticks`).
    zero_line
        Draw a dotted line at 0 (for differences such as an uplift).
    """
    x = np.arange(len(months), dtype=float)
    shifts = np.linspace(-0.08, 0.08, len(series)) if len(series) > 1 else [0.0]
    lines = []
    if zero_line:
        ax.axhline(0, color=t.NEUTRAL, linestyle=":", linewidth=0.8)
    for one, shift in zip(series, shifts, strict=True):
        y = _array(one.values)
        if one.low is not None and one.high is not None:
            low, high = _array(one.low), _array(one.high)
            ax.vlines(x + shift, low, high, color=one.colour, alpha=0.45, linewidth=1.0)
        (line,) = ax.plot(x + shift, y, color=one.colour, marker="o", markersize=2.8,
                          linewidth=1.2)
        lines.append(line)
        finite = np.flatnonzero(np.isfinite(y))
        if one.end_label and len(finite):
            last = finite[-1]
            ax.annotate(one.end_label, (x[last] + shift, y[last]), xytext=(5, 0),
                        textcoords="offset points", va="center", fontsize=t.MIN_FONT,
                        color=one.colour)
    _month_ticks(ax, months)
    ax.margins(y=0.2)  # no dot on the frame
    ax.set_title(title, fontsize=t.MIN_FONT, loc="left", fontweight="normal")
    ax.yaxis.set_major_locator(MaxNLocator(nbins=3))
    t.ru_ticks(ax.yaxis, kind)
    ax.tick_params(labelsize=t.MIN_FONT, length=2, pad=1.5)
    ax.grid(axis="y")
    return lines
