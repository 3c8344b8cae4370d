"""Driver charts: the SHAP beeswarm and the example clients' contributions.

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
from matplotlib.collections import Collection, PathCollection

from analysis import glossary as g
from figures import theme as t
from figures.draw import plot_heatmap

__all__ = ["normalise_values", "plot_beeswarm", "plot_contributions"]


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
    ax.axvline(0, color=t.INK, linewidth=0.7)
    ax.set_yticks(range(len(labels)), [t.wrap(lab, 30) for lab in labels])
    ax.set_ylim(len(labels) - 0.5, -0.5)
    ax.set_xlabel(g.CHART.shap_axis)
    ax.grid(axis="y")
    t.ru_ticks(ax.xaxis)
    return dots


def plot_contributions(ax: Axes, features: Sequence[str], clients: Sequence[str],
                       values: np.ndarray, notes: Sequence[Sequence[str]]) -> Collection:
    """Several clients' SHAP contributions side by side: one column per client.

    Parameters
    ----------
    features
        Row labels (features, and a last row for the rest summed), top first.
    clients
        Column labels (client and prediction).
    values
        ``(features, clients)`` contributions toward decline; NaN leaves a cell empty.
    notes
        Same shape: the text of each cell (the client's value and its contribution).

    Red cells raise the risk of decline, blue cells lower it, on one scale
    symmetric about zero for all clients. Returns the cells.
    """
    v = np.asarray(values, dtype=float)
    top = float(np.nanmax(np.abs(v))) if np.isfinite(v).any() else 1.0
    mesh = plot_heatmap(ax, v, notes, t.DIVERGING_CMAP, -top or -1.0, top or 1.0,
                        list(clients), [t.wrap(f, 30) for f in features])
    ax.xaxis.tick_top()
    ax.tick_params(axis="x", labelrotation=0, labelbottom=False, labeltop=True)
    ax.tick_params(axis="y", labelrotation=0)
    ax.set_xlabel(g.CHART.contributions_axis)
    return mesh
