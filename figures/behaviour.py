"""Behaviour charts: declined against stable clients.

Each function draws on a given ``ax`` from plain data and returns its main
artist (or container); none creates a figure or saves a file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.container import BarContainer
from matplotlib.image import AxesImage
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Polygon

from analysis import glossary as g
from analysis.rutext import num, pct
from figures import theme as t

__all__ = ["plot_box", "plot_category_shares", "plot_distribution", "plot_monthly",
           "plot_phik", "plot_target_balance"]


def plot_target_balance(ax: Axes, counts: Mapping[str, int]) -> BarContainer:
    """Horizontal bars of clients per target class, labelled with count and share.

    Parameters
    ----------
    counts
        ``{"Снизилась": n, "Прежний уровень": m}``; other keys are drawn grey.
    """
    names = list(counts)
    values = np.array([counts[n] for n in names], dtype=float)
    total = values.sum() or 1.0
    colours = [t.TARGET_COLOURS.get(n, t.NEUTRAL) for n in names]
    bars = ax.barh(range(len(names)), values, color=colours, height=0.6)
    ax.set_yticks(range(len(names)), [t.TARGET_LABELS.get(n, n) for n in names])
    ax.invert_yaxis()
    ax.bar_label(bars, [f"{num(v)} ({pct(v / total)})" for v in values], padding=3,
                 fontsize=8)
    ax.set_xlim(0, values.max() * 1.3 if len(values) else 1)
    ax.set_xlabel(g.CHART.clients_axis)
    t.ru_ticks(ax.xaxis)
    return bars


def plot_distribution(ax: Axes, declined: Sequence[float], stable: Sequence[float],
                      bins: int = 20) -> Polygon:
    """Overlaid step histograms (share of each class per bin) of one numeric feature.

    Returns the declined clients' histogram patch.
    """
    x = np.asarray(declined, dtype=float)
    y = np.asarray(stable, dtype=float)
    both = np.concatenate([x, y])
    edges = np.histogram_bin_edges(both[np.isfinite(both)], bins=min(bins, len(np.unique(both))))
    drawn: Polygon | None = None
    for values, target in ((x, t.DECLINED), (y, t.STABLE)):
        weights = np.full(len(values), 1.0 / max(len(values), 1))
        colour = t.TARGET_COLOURS[target]
        _, _, patches = ax.hist(values, bins=edges, weights=weights, histtype="stepfilled",
                                color=colour, alpha=0.18, linewidth=0)
        ax.hist(values, bins=edges, weights=weights, histtype="step", color=colour,
                linewidth=1.3, label=t.TARGET_LABELS[target])
        drawn = drawn or patches[0]
    t.ru_ticks(ax.yaxis, "pct")
    t.ru_ticks(ax.xaxis)
    if drawn is None:
        raise ValueError("plot_distribution drew nothing")
    return drawn


def plot_box(ax: Axes, declined: Sequence[float], stable: Sequence[float]) -> Patch:
    """Side-by-side box plots (declined, then stable) without outlier markers' clutter.

    Returns the declined clients' box.
    """
    data = [np.asarray(declined, dtype=float), np.asarray(stable, dtype=float)]
    parts = ax.boxplot(data, orientation="horizontal", patch_artist=True, widths=0.55,
                       showfliers=True, flierprops={"markersize": 1.5, "alpha": 0.4,
                                                    "markeredgewidth": 0})
    for box, target in zip(parts["boxes"], (t.DECLINED, t.STABLE), strict=True):
        box.set_facecolor(t.TARGET_COLOURS[target])
        box.set_alpha(0.75)
    for median in parts["medians"]:
        median.set_color("white")
        median.set_linewidth(1.6)
    ax.set_yticks([1, 2], [g.CHART.declined, g.CHART.stable_short])
    ax.invert_yaxis()
    t.ru_ticks(ax.xaxis)
    return parts["boxes"][0]


def plot_category_shares(ax: Axes, values: Sequence[str], shares: Sequence[float],
                         clients: Sequence[int], overall: float | None) -> BarContainer:
    """100 % bars per category value: declined share (red) and the rest (blue).

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
    ax.bar_label(bars, [pct(s, 0) for s in share], label_type="center", fontsize=7.5,
                 color="white")
    for p, n in zip(pos, clients, strict=True):
        ax.text(1.01, p, f"{num(n)}", va="center", ha="left", fontsize=7,
                color="#555555", transform=ax.get_yaxis_transform())
    if overall is not None:
        ax.axvline(overall, color=t.HIGHLIGHT, linestyle="--", linewidth=0.9)
    ax.set_xlim(0, 1)
    t.ru_ticks(ax.xaxis, "pct")
    return bars


def plot_phik(ax: Axes, matrix: Sequence[Sequence[float | None]], labels: Sequence[str],
              emphasise: str | None = None) -> AxesImage:
    """Phik heatmap, strictly lower triangle: rows carry «label  N», columns the numbers N.

    The last column (empty below the diagonal) is dropped; cells of 0.5 and
    more are annotated with one decimal. The row labelled ``emphasise`` (the
    target) is set in bold.
    """
    full = np.array([[np.nan if v is None else v for v in row] for row in matrix], dtype=float)
    full[np.triu_indices_from(full, k=0)] = np.nan
    m = full[:, :-1]
    image = ax.imshow(np.ma.masked_invalid(m), cmap="Greys", vmin=0, vmax=1,
                      interpolation="nearest", aspect="auto")
    n = len(labels)
    ax.set_yticks(range(n), [f"{label}  {i + 1}" for i, label in enumerate(labels)],
                  fontsize=6.5)
    ax.set_xticks(range(n - 1), [str(i + 1) for i in range(n - 1)], fontsize=6.5)
    for tick in ax.get_yticklabels():
        if emphasise and tick.get_text().startswith(emphasise):
            tick.set_fontweight("bold")
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    for i, j in zip(*np.nonzero(np.nan_to_num(m) >= 0.5), strict=True):
        ax.text(j, i, num(m[i, j], 1), ha="center", va="center", fontsize=6,
                color="white" if m[i, j] > 0.7 else "black")
    return image


def plot_monthly(ax: Axes, periods: Sequence[str], series: Mapping[str, Sequence[float | None]],
                 unit: str) -> Line2D:
    """Mean value per month, one line per target class, labelled at the last point.

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
    ax.set_ylabel(unit, rotation=0, ha="right", va="center")
    ax.grid(axis="y")
    ax.margins(x=0.12)
    t.ru_ticks(ax.yaxis)
    if first is None:
        raise ValueError("plot_monthly needs at least one series")
    return first
