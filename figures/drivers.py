"""Driver charts: SHAP beeswarm, global importance and single-client waterfalls.

Each function draws on a given ``ax`` from plain data and returns its main
artist (or container); none creates a figure or saves a file. SHAP values are
contributions toward «активность снизилась»: positive pushes the risk up
(drawn red), negative pushes it down (drawn blue).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.collections import PathCollection
from matplotlib.container import BarContainer

from analysis import glossary as g
from analysis.rutext import num
from figures import theme as t

__all__ = ["normalise_values", "plot_beeswarm", "plot_shap_bar", "plot_waterfall"]


def normalise_values(values: pd.DataFrame) -> np.ndarray:
    """Feature values scaled to 0..1 per column by rank; NaN for non-numeric columns.

    Ranks (not min–max) keep one extreme client from washing out the colours.
    """
    out = np.full(values.shape, np.nan)
    for j, column in enumerate(values.columns):
        numeric = pd.to_numeric(values[column], errors="coerce")
        if numeric.notna().mean() < 0.95 or numeric.nunique() < 2:
            continue
        out[:, j] = numeric.rank(pct=True, method="average").to_numpy(dtype=float)
    return out


def _jitter(x: np.ndarray, rng: np.random.Generator, width: float = 0.38) -> np.ndarray:
    """Vertical offsets whose spread follows the local density of ``x`` (a cheap swarm)."""
    finite = np.isfinite(x)
    if finite.sum() < 2 or np.ptp(x[finite]) == 0:
        return rng.uniform(-width, width, len(x)) * 0.5
    counts, edges = np.histogram(x[finite], bins=40)
    which = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, len(counts) - 1)
    spread = 0.25 + 0.75 * np.sqrt(counts[which] / counts.max())
    return rng.uniform(-1, 1, len(x)) * width * spread


def plot_beeswarm(ax: Axes, shap: np.ndarray, colour: np.ndarray, labels: Sequence[str],
                  seed: int = 0) -> PathCollection:
    """One row per feature (first on top): each client a dot at its SHAP value.

    Parameters
    ----------
    shap
        ``(clients, features)`` SHAP values toward decline.
    colour
        Same shape, feature values scaled to 0..1 (see :func:`normalise_values`);
        NaN draws the dot grey (categorical features).
    labels
        Row labels, in column order.
    seed
        Seed of the vertical jitter, so the same data gives the same picture.

    Returns the coloured dots (for a colour bar).
    """
    rng = np.random.default_rng(seed)
    xs, ys, cs, gx, gy = [], [], [], [], []
    for j in range(shap.shape[1]):
        x = shap[:, j]
        y = j + _jitter(x, rng)
        grey = np.isnan(colour[:, j])
        gx.append(x[grey])
        gy.append(y[grey])
        xs.append(x[~grey])
        ys.append(y[~grey])
        cs.append(colour[~grey, j])
    ax.scatter(np.concatenate(gx), np.concatenate(gy), s=3, color=t.NEUTRAL, alpha=0.6,
               linewidths=0, rasterized=False)
    dots = ax.scatter(np.concatenate(xs), np.concatenate(ys), c=np.concatenate(cs), s=3,
                      cmap=t.VALUE_CMAP, vmin=0, vmax=1, alpha=0.8, linewidths=0)
    ax.axvline(0, color=t.HIGHLIGHT, linewidth=0.7)
    ax.set_yticks(range(len(labels)), [t.wrap(lab, 30) for lab in labels], fontsize=7)
    ax.set_ylim(len(labels) - 0.5, -0.5)
    ax.set_xlabel(g.CHART.shap_axis)
    ax.grid(axis="y")
    t.ru_ticks(ax.xaxis)
    return dots


def plot_shap_bar(ax: Axes, labels: Sequence[str], importance: Sequence[float]) -> BarContainer:
    """Mean |SHAP| per feature as horizontal bars, most important on top."""
    pos = np.arange(len(labels))
    bars = ax.barh(pos, importance, color=t.HIGHLIGHT, height=0.6)
    ax.set_yticks(pos, [t.wrap(lab, 34) for lab in labels], fontsize=7)
    ax.invert_yaxis()
    ax.bar_label(bars, [num(v, 3) for v in importance], padding=3, fontsize=7)
    ax.set_xlim(0, max(importance, default=1.0) * 1.2)
    ax.set_xlabel(g.CHART.shap_bar_axis)
    t.ru_ticks(ax.xaxis)
    return bars


def plot_waterfall(ax: Axes, base: float, labels: Sequence[str], values: Sequence[float],
                   final_label: str) -> BarContainer:
    """Contributions stacked from the base value to the client's prediction.

    Parameters
    ----------
    base
        The explainer's expected value (the average prediction).
    labels, values
        Contribution rows, top first (e.g. «Страниц за визит = 3»), and their SHAP values.
    final_label
        Legend text of the client's prediction line, e.g. with the probability.
    """
    v = np.asarray(values, dtype=float)
    starts = base + np.concatenate([[0.0], np.cumsum(v)[:-1]])
    colours = [t.DECLINED_COLOUR if x > 0 else t.STABLE_COLOUR for x in v]
    pos = np.arange(len(v))
    bars = ax.barh(pos, v, left=starts, color=colours, height=0.6)
    ax.bar_label(bars, [("+" if x > 0 else "") + num(x, 2) for x in v], padding=2,
                 fontsize=7)
    ax.set_yticks(pos, [t.wrap(lab, 40) for lab in labels], fontsize=7)
    ax.invert_yaxis()
    end = base + float(v.sum())
    ax.axvline(base, color=t.NEUTRAL, linestyle=":", linewidth=1.0,
               label=g.CHART.base_value.format(value=num(base, 2)))
    ax.axvline(end, color=t.HIGHLIGHT, linestyle="--", linewidth=0.9, label=final_label)
    ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), fontsize=7)
    lo = min(base, float((starts + np.minimum(v, 0)).min()))
    hi = max(base, float((starts + np.maximum(v, 0)).max()))
    pad = (hi - lo) * 0.15 or 0.05
    ax.set_xlim(lo - pad, hi + pad)
    ax.set_xlabel(g.CHART.contribution_axis)
    t.ru_ticks(ax.xaxis)
    return bars
