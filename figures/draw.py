"""Drawing blocks the section plot modules share, drawn with seaborn.

Two kinds of chart recur across sections: the distribution of one value in the
two target classes (numeric features, predicted probabilities) and an
annotated heatmap (φk, the confusion matrix, the example clients'
contributions). Both are seaborn's natural ground; these functions fix their
colours to the theme's palette and write cell labels in Russian number format,
so that every section draws them alike. Each draws on a given ``ax`` and
returns its main artist; none creates a figure.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.collections import Collection
from matplotlib.colors import Colormap, Normalize
from matplotlib.lines import Line2D

from figures import theme as t

__all__ = ["class_legend_handles", "plot_class_distribution", "plot_heatmap"]

_VALUE, _CLASS = "value", "class"


def class_legend_handles() -> list[Line2D]:
    """Legend handles of the two target classes, declined first."""
    return [Line2D([], [], color=t.TARGET_COLOURS[c], linewidth=2, label=t.TARGET_LABELS[c])
            for c in (t.DECLINED, t.STABLE)]


def _edges(values: np.ndarray, bins: int) -> np.ndarray:
    """Bin edges: one bin per whole number for counts with few values, else ``bins`` bins."""
    finite = values[np.isfinite(values)]
    if not len(finite):
        raise ValueError("plot_class_distribution needs at least one finite value")
    low, high = float(finite.min()), float(finite.max())
    if np.all(finite == np.round(finite)) and high - low < 2 * bins:
        return np.arange(low - 0.5, high + 1.5)
    return np.histogram_bin_edges(finite, bins=max(1, min(bins, len(np.unique(finite)))))


def plot_class_distribution(ax: Axes, declined: Sequence[float], stable: Sequence[float],
                            bins: int = 20) -> Collection:
    """Step histograms of one value per target class, each normalised to its own class.

    The y axis is the share of the class's clients in each bin, so classes of
    different sizes compare directly. Returns the declined clients' filled area.
    """
    x = np.asarray(declined, dtype=float)
    y = np.asarray(stable, dtype=float)
    frame = pd.DataFrame({_VALUE: np.concatenate([x, y]),
                          _CLASS: [t.DECLINED] * len(x) + [t.STABLE] * len(y)})
    sns.histplot(frame, x=_VALUE, hue=_CLASS, hue_order=[t.DECLINED, t.STABLE],
                 palette=t.TARGET_COLOURS, bins=_edges(frame[_VALUE].to_numpy(), bins),
                 stat="proportion", common_norm=False, element="step", fill=True, alpha=0.18,
                 linewidth=1.3, legend=False, ax=ax)
    ax.set_xlabel("")
    ax.set_ylabel("")
    t.ru_ticks(ax.yaxis, "pct")
    t.ru_ticks(ax.xaxis)
    filled = [c for c in ax.collections if len(c.get_paths())]
    if not filled:
        raise ValueError("plot_class_distribution drew nothing")
    return filled[-1]  # seaborn draws the last hue level first


def plot_heatmap(ax: Axes, values: np.ndarray, labels: Sequence[Sequence[str]],
                 cmap: Colormap, vmin: float, vmax: float,
                 xticklabels: Sequence[str], yticklabels: Sequence[str],
                 mask: np.ndarray | None = None) -> Collection:
    """An annotated heatmap: one coloured cell per value, its label in readable ink.

    Parameters
    ----------
    values
        ``(rows, columns)`` numbers that set the colours (NaN: empty cell).
    labels
        Same shape: the text of each cell ("" for none).
    cmap, vmin, vmax
        One of the theme's colour maps and its range (symmetric about 0 for a
        diverging map: seaborn's ``center`` would make a colour map of its own).
    mask
        ``True`` where no cell is drawn.

    Returns the cells (a ``QuadMesh``).
    """
    v = np.asarray(values, dtype=float)
    hidden = ~np.isfinite(v) if mask is None else (np.asarray(mask, dtype=bool) | ~np.isfinite(v))
    sns.heatmap(np.where(hidden, np.nan, v), mask=hidden, cmap=cmap, vmin=vmin, vmax=vmax,
                cbar=False, annot=False, linewidths=0.8, linecolor=t.WHITE,
                xticklabels=list(xticklabels), yticklabels=list(yticklabels), ax=ax)
    mesh = ax.collections[-1]
    norm = Normalize(vmin, vmax)
    for (i, j), value in np.ndenumerate(v):
        text = labels[i][j]
        if hidden[i, j] or not text:
            continue
        ax.text(j + 0.5, i + 0.5, text, ha="center", va="center", fontsize=t.MIN_FONT,
                color=t.ink_on(cmap(norm(value))))
    ax.tick_params(length=0)
    return mesh
