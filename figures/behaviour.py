"""Behaviour charts: declined against stable clients.

Each function draws on a given ``ax`` from plain data and returns its main
artist (or container); none creates a figure or saves a file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import Collection
from matplotlib.container import BarContainer
from matplotlib.lines import Line2D

from analysis.rutext import num, pct
from figures import theme as t
from figures.draw import plot_heatmap

__all__ = ["plot_category_shares", "plot_monthly", "plot_phik"]


def plot_category_shares(ax: Axes, values: Sequence[str], shares: Sequence[float],
                         clients: Sequence[int], overall: float | None) -> BarContainer:
    """100 % bars per category value: declined share (red) and the rest (pale blue).

    Parameters
    ----------
    values, shares, clients
        Category values, their decline shares (0..1) and client counts.
    overall
        Decline share of all clients, drawn as a dashed line.

    Returns the declined-share bars.
    """
    share = np.asarray(shares, dtype=float)
    pos = np.arange(len(values))
    bars = ax.barh(pos, share, color=t.DECLINED_COLOUR, height=0.65,
                   label=t.TARGET_LABELS[t.DECLINED])
    ax.barh(pos, 1 - share, left=share, color=t.STABLE_COLOUR, alpha=0.35, height=0.65,
            label=t.TARGET_LABELS[t.STABLE])
    ax.set_yticks(pos, [t.wrap(v, 28) for v in values])
    ax.invert_yaxis()
    ax.bar_label(bars, [pct(s, 0) for s in share], label_type="center", fontsize=t.MIN_FONT,
                 color=t.WHITE)
    for p, n in zip(pos, clients, strict=True):
        ax.text(1.01, p, f"{num(n)}", va="center", ha="left", fontsize=t.MIN_FONT,
                color=t.SECONDARY, transform=ax.get_yaxis_transform())
    if overall is not None:
        ax.axvline(overall, color=t.INK, linestyle="--", linewidth=0.9)
    ax.set_xlim(0, 1)
    t.ru_ticks(ax.xaxis, "pct")
    return bars


def plot_phik(ax: Axes, matrix: Sequence[Sequence[float | None]], labels: Sequence[str]
              ) -> Collection:
    """φk heatmap of a block of columns, strictly lower triangle, every cell labelled.

    Parameters
    ----------
    matrix
        Square φk matrix in the order of ``labels``; the first column is the
        target, so the first column of the drawing reads «how strongly each
        feature goes with the target» and the rest the pairs of features.
    labels
        Column names as the reader knows them (the target first, set in bold).

    The first row and the last column are empty below the diagonal and are
    dropped; rows carry the feature names, columns the same names.
    """
    full = np.array([[np.nan if v is None else v for v in row] for row in matrix], dtype=float)
    block = full[1:, :-1]
    rows, cols = block.shape
    upper = np.triu(np.ones((rows, cols), dtype=bool), k=1)
    text = [[num(v, 2) if np.isfinite(v) else "" for v in row] for row in block]
    mesh = plot_heatmap(ax, block, text, t.MAGNITUDE_CMAP, 0.0, 1.0,
                        [t.wrap(label, 16) for label in labels[:-1]],
                        [t.wrap(label, 30) for label in labels[1:]], mask=upper)
    ax.tick_params(axis="x", labelrotation=90, labeltop=False)
    ax.tick_params(axis="y", labelrotation=0)
    ax.get_xticklabels()[0].set_fontweight("bold")
    return mesh


def plot_monthly(ax: Axes, periods: Sequence[str], series: Mapping[str, Sequence[float | None]]
                 ) -> Line2D:
    """Mean value per month, one line per target class.

    Returns the declined clients' line (or the first line drawn).
    """
    x = np.arange(len(periods))
    first: Line2D | None = None
    for target, means in series.items():
        y = np.array([np.nan if v is None else v for v in means], dtype=float)
        (line,) = ax.plot(x, y, marker="o", markersize=3.5,
                          color=t.TARGET_COLOURS.get(target, t.NEUTRAL),
                          label=t.TARGET_LABELS.get(target, target))
        if first is None or target == t.DECLINED:
            first = line
    ax.set_xticks(x, [t.wrap(p, 12) for p in periods])
    ax.grid(axis="y")
    ax.margins(x=0.12)
    t.ru_ticks(ax.yaxis)
    if first is None:
        raise ValueError("plot_monthly needs at least one series")
    return first
