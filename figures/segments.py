"""Segment charts: the risk × profit map and how each segment differs from stable clients.

Each function draws on a given ``ax`` from plain data and returns its main
artist (or container); none creates a figure or saves a file.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import PathCollection
from matplotlib.container import BarContainer
from matplotlib.ticker import NullLocator

from analysis import glossary as g
from analysis.rutext import smart_num
from figures import theme as t

__all__ = ["plot_exposure_split", "plot_segment_differences", "plot_segment_map"]


PROBABILITY_TICKS = (0.01, 0.1, 0.3, 0.5, 0.7, 0.9, 0.99)
"""Ticks of the map's log-odds probability axis."""
PROBABILITY_CLIP = 0.003
"""Probabilities are drawn within [clip, 1 − clip]: the log-odds of 0 and 1 are infinite."""


def plot_segment_map(ax: Axes, probability: Sequence[float], profit: Sequence[float],
                     segment: Sequence[str], names: Sequence[str],
                     risk_lines: Sequence[tuple[float, str]] = (),
                     profit_line: float | None = None,
                     outside: str = g.CHART.outside_segments) -> PathCollection:
    """Clients as dots: decline probability (x) against profit (y), coloured by segment.

    The probability axis is on the log-odds scale, so that the many clients
    the model is almost sure of (near 0 or 100 %) spread out instead of piling
    up on the edge; dots are half transparent where they still overlap.

    Parameters
    ----------
    probability, profit, segment
        One entry per client; ``segment`` is the segment name or ``""``.
    names
        Segment names in priority order (the palette follows this order).
    risk_lines
        Probability cut-offs with their labels (vertical dashed lines, labelled
        above the plot, so no label covers a dot).
    profit_line
        The profit threshold (a dotted horizontal line, named in the legend).
    outside
        Legend label of clients outside every segment.

    Returns the dots of clients outside the segments (drawn first, grey).
    """
    p = np.clip(np.asarray(probability, dtype=float), PROBABILITY_CLIP, 1 - PROBABILITY_CLIP)
    y = np.asarray(profit, dtype=float)
    seg = np.asarray(segment, dtype=object)
    none = ~np.isin(seg, list(names))
    dots = ax.scatter(p[none], y[none], s=5, color=t.MUTED, alpha=0.7, linewidths=0,
                      label=outside)
    for i, name in enumerate(names):
        hit = seg == name
        if hit.any():
            ax.scatter(p[hit], y[hit], s=7, color=t.segment_colour(i), linewidths=0,
                       alpha=0.7, label=t.wrap(name, 40))
    ax.set_xscale("logit")
    odds = np.log(p / (1 - p)) if len(p) else np.zeros(1)
    low, high = min(float(odds.min()), -2.0) - 0.3, max(float(odds.max()), 2.0) + 0.3
    ax.set_xlim(1 / (1 + np.exp(-low)), 1 / (1 + np.exp(-high)))
    ax.set_xticks(PROBABILITY_TICKS)
    ax.xaxis.set_minor_locator(NullLocator())
    t.ru_ticks(ax.xaxis, "pct")
    for k, (line, text) in enumerate(sorted(risk_lines)):
        ax.axvline(line, color=t.INK, linestyle="--", linewidth=0.8)
        first = k == 0 and len(risk_lines) > 1  # the lower cut-off is labelled to its left
        ax.text(line, 1.0, f" {text} " if not first else f"{text} ",
                transform=ax.get_xaxis_transform(), ha="right" if first else "left",
                va="bottom", fontsize=t.MIN_FONT, color=t.SECONDARY)
    if profit_line is not None:
        ax.axhline(profit_line, color=t.INK, linestyle=":", linewidth=0.8,
                   label=g.CHART.profit_line)
    ax.set_xlabel(g.CHART.risk_probability_axis)
    ax.set_ylabel(g.CHART.profit_axis)
    ax.figure.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncols=2,
                     markerscale=2.2)
    t.ru_ticks(ax.yaxis)
    return dots


def plot_segment_differences(ax: Axes, labels: Sequence[str], effects: Sequence[float],
                             notes: Sequence[str], colour: str) -> BarContainer:
    """How a segment differs from stable clients: rank-biserial effect per feature.

    Parameters
    ----------
    labels, effects
        Feature labels and effects in −1..1 (``> 0``: higher in the segment).
    notes
        Text at each bar, e.g. «5 против 10», written on the other side of zero.
    colour
        The segment's colour.
    """
    e = np.nan_to_num(np.asarray(effects, dtype=float))
    pos = np.arange(len(e))
    bars = ax.barh(pos, e, color=colour, height=0.6, alpha=0.85)
    ax.axvline(0, color=t.INK, linewidth=0.7)
    for p, x, note in zip(pos, e, notes, strict=True):
        ax.text(-0.03 if x >= 0 else 0.03, p, note, va="center",
                ha="right" if x >= 0 else "left", fontsize=t.MIN_FONT)
    ax.set_yticks(pos, [t.wrap(lab, 26) for lab in labels])
    ax.invert_yaxis()
    ax.set_xlim(-1.25, 1.25)
    ax.set_xlabel(g.CHART.difference_axis)
    t.ru_ticks(ax.xaxis)
    return bars


def plot_exposure_split(ax: Axes, rows: Sequence[str], parts: Sequence[Sequence[float]],
                        names: Sequence[str], colours: Sequence[str],
                        totals: Sequence[str]) -> BarContainer:
    """Money by group, each bar split by segment: horizontal stacked bars.

    Parameters
    ----------
    rows
        One label per bar (top to bottom).
    parts
        Per stack (segment, then the rest), its value in each row.
    names, colours
        Per stack, its legend label and colour.
    totals
        Written at the end of each bar (already formatted).

    A part wide enough (over 8 % of the longest bar) carries its value.
    Returns the bars of the first stack.
    """
    pos = np.arange(len(rows))
    left = np.zeros(len(rows))
    widest = max(float(np.sum(parts, axis=0).max()) if len(parts) else 0.0, 1e-9)
    bars = []
    for values, name, colour in zip(parts, names, colours, strict=True):
        v = np.asarray(values, dtype=float)
        bar = ax.barh(pos, v, left=left, color=colour, height=0.62, label=name,
                      edgecolor=t.WHITE, linewidth=0.6)
        for x, w, p in zip(left, v, pos, strict=True):
            if w > 0.08 * widest:
                ax.text(x + w / 2, p, smart_num(w), ha="center", va="center",
                        fontsize=t.MIN_FONT, color=t.ink_on(colour))
        bars.append(bar)
        left = left + v
    for p, x, text in zip(pos, left, totals, strict=True):
        ax.text(x + 0.01 * widest, p, f" {text}", ha="left", va="center", fontsize=t.MIN_FONT,
                color=t.INK)
    ax.set_yticks(pos, [t.wrap(r, 30) for r in rows])
    ax.invert_yaxis()
    ax.set_xlim(0, widest * 1.16)
    ax.tick_params(axis="y", length=0)
    ax.grid(axis="x")
    ax.set_axisbelow(True)
    t.ru_ticks(ax.xaxis)
    ax.figure.legend(*ax.get_legend_handles_labels(), loc="outside lower center",
                     ncols=min(len(names), 3))
    return bars[0]
