"""Segment charts: the risk × profit map and the segments' profiles.

Each function draws on a given ``ax`` from plain data and returns its main
artist (or container); none creates a figure or saves a file.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import PathCollection
from matplotlib.container import BarContainer

from analysis import glossary as g
from figures import theme as t

__all__ = ["plot_segment_bars", "plot_segment_differences", "plot_segment_map"]


def plot_segment_map(ax: Axes, probability: Sequence[float], profit: Sequence[float],
                     segment: Sequence[str], names: Sequence[str],
                     risk_lines: Sequence[tuple[float, str]] = (),
                     profit_line: float | None = None,
                     outside: str = g.CHART.outside_segments) -> PathCollection:
    """Clients as dots: decline probability (x) against profit (y), coloured by segment.

    Parameters
    ----------
    probability, profit, segment
        One entry per client; ``segment`` is the segment name or ``""``.
    names
        Segment names in priority order (the palette follows this order).
    risk_lines
        Probability cut-offs with their labels (vertical dashed lines, labelled on top).
    profit_line
        The profit threshold (a dotted horizontal line).
    outside
        Legend label of clients outside every segment.

    Returns the dots of clients outside the segments (drawn first, grey).
    """
    p = np.asarray(probability, dtype=float)
    y = np.asarray(profit, dtype=float)
    seg = np.asarray(segment, dtype=object)
    none = ~np.isin(seg, list(names))
    dots = ax.scatter(p[none], y[none], s=4, color=t.MUTED, linewidths=0, label=outside)
    for i, name in enumerate(names):
        hit = seg == name
        if hit.any():
            ax.scatter(p[hit], y[hit], s=6, color=t.segment_colour(i), linewidths=0,
                       alpha=0.85, label=t.wrap(name, 34))
    for line, text in risk_lines:
        ax.axvline(line, color=t.HIGHLIGHT, linestyle="--", linewidth=0.8)
        ax.text(line, 1.0, f" {text}", transform=ax.get_xaxis_transform(), ha="left",
                va="bottom", fontsize=7, color="#555555")
    if profit_line is not None:
        ax.axhline(profit_line, color=t.HIGHLIGHT, linestyle=":", linewidth=0.8)
        ax.text(1.0, profit_line, g.CHART.profit_line, transform=ax.get_yaxis_transform(),
                ha="right", va="bottom", fontsize=7, color="#555555")
    ax.set_xlim(0, 1)
    ax.set_xlabel(g.CHART.risk_probability_axis)
    ax.set_ylabel(g.CHART.profit_axis)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), markerscale=2.5)
    t.ru_ticks(ax.xaxis)
    t.ru_ticks(ax.yaxis)
    return dots


def plot_segment_bars(ax: Axes, names: Sequence[str], values: Sequence[float],
                      text: Callable[[float], str], xlabel: str) -> BarContainer:
    """One horizontal bar per segment (palette order), labelled with ``text(value)``."""
    pos = np.arange(len(names))
    v = np.nan_to_num(np.asarray(values, dtype=float))
    colours = [t.segment_colour(i) for i in range(len(names))]
    bars = ax.barh(pos, v, color=colours, height=0.6)
    ax.set_yticks(pos, [t.wrap(n, 22) for n in names])
    ax.invert_yaxis()
    ax.bar_label(bars, [text(x) for x in v], padding=3, fontsize=7.5)
    ax.set_xlim(0, (v.max() if len(v) else 1.0) * 1.35 or 1.0)
    ax.set_xlabel(xlabel)
    t.ru_ticks(ax.xaxis)
    return bars


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
    ax.axvline(0, color=t.HIGHLIGHT, linewidth=0.7)
    for p, x, note in zip(pos, e, notes, strict=True):
        ax.text(-0.03 if x >= 0 else 0.03, p, note, va="center",
                ha="right" if x >= 0 else "left", fontsize=7)
    ax.set_yticks(pos, [t.wrap(lab, 26) for lab in labels], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlim(-1.25, 1.25)
    ax.set_xlabel(g.CHART.difference_axis)
    t.ru_ticks(ax.xaxis)
    return bars
