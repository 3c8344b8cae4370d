"""Model charts: hold-out curves, confusion matrix, calibration, cumulative gain.

The model is drawn in :data:`figures.theme.MODEL_COLOUR`, chance and perfect
references in grey; red and blue stay the colours of the two classes.

Each function draws on a given ``ax`` from plain data and returns its main
artist (or container); none creates a figure or saves a file.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import Collection
from matplotlib.lines import Line2D

from analysis import glossary as g
from analysis.rutext import num, pct
from figures import theme as t
from figures.draw import plot_heatmap

__all__ = ["plot_calibration", "plot_confusion", "plot_gain", "plot_pr", "plot_roc"]


def _unit_square(ax: Axes, xlabel: str, ylabel: str, legend: str) -> None:
    """Axes of a curve on [0, 1] × [0, 1]: labels, legend, Russian ticks."""
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.01)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(loc=legend)
    t.ru_ticks(ax.xaxis)
    t.ru_ticks(ax.yaxis)


def plot_roc(ax: Axes, fpr: Sequence[float], tpr: Sequence[float], label: str) -> Line2D:
    """ROC curve with the chance diagonal; ``label`` goes into the legend."""
    ax.plot([0, 1], [0, 1], color=t.NEUTRAL, linestyle=":", linewidth=0.9,
            label=g.CHART.chance)
    (line,) = ax.plot(fpr, tpr, color=t.MODEL_COLOUR, label=label, drawstyle="steps-post")
    _unit_square(ax, g.CHART.false_alarm_axis, g.CHART.found_axis, "lower right")
    return line


def plot_pr(ax: Axes, recall: Sequence[float], precision: Sequence[float], label: str,
            base_rate: float | None) -> Line2D:
    """Precision–recall curve with the base rate (a random ranking) as a dotted line."""
    if base_rate is not None:
        ax.axhline(base_rate, color=t.NEUTRAL, linestyle=":", linewidth=0.9,
                   label=g.CHART.base_rate.format(share=pct(base_rate, 0)))
    (line,) = ax.plot(recall, precision, color=t.MODEL_COLOUR, label=label)
    _unit_square(ax, g.CHART.recall_axis, g.CHART.precision_axis, "lower left")
    return line


def plot_confusion(ax: Axes, matrix: Sequence[Sequence[int]]) -> Collection:
    """Confusion matrix ``[[tn, fp], [fn, tp]]`` drawn declined-first, with counts and shares.

    Rows are the actual class, columns the prediction; each cell shows the
    count and its share of the row, and its shade is that share.
    """
    (tn, fp), (fn, tp) = matrix
    cells = np.array([[tp, fn], [fp, tn]], dtype=float)
    rows = cells.sum(axis=1, keepdims=True)
    share = np.divide(cells, rows, out=np.zeros_like(cells), where=rows > 0)
    text = [[f"{num(cells[i, j])}\n{pct(share[i, j], 0)}" for j in range(2)] for i in range(2)]
    names = [t.TARGET_LABELS[t.DECLINED], t.TARGET_LABELS[t.STABLE]]
    mesh = plot_heatmap(ax, share, text, t.MAGNITUDE_CMAP, 0.0, 1.0, names, names)
    ax.tick_params(axis="y", labelrotation=90)
    for label in ax.get_yticklabels():
        label.set_verticalalignment("center")
    ax.set_xlabel(g.CHART.predicted_axis)
    ax.set_ylabel(g.CHART.actual_axis)
    return mesh


def plot_calibration(ax: Axes, prob_pred: Sequence[float], prob_true: Sequence[float]) -> Line2D:
    """Reliability diagram: mean predicted probability per bin against the observed share."""
    ax.plot([0, 1], [0, 1], color=t.NEUTRAL, linestyle=":", linewidth=0.9,
            label=g.CHART.perfect_calibration)
    (line,) = ax.plot(prob_pred, prob_true, color=t.MODEL_COLOUR, marker="o",
                      markersize=4, label=g.CHART.model)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel(g.CHART.probability_axis)
    ax.set_ylabel(g.CHART.observed_axis)
    ax.legend(loc="upper left")
    t.ru_ticks(ax.xaxis)
    t.ru_ticks(ax.yaxis)
    return line


def plot_gain(ax: Axes, top_share: Sequence[float], recall: Sequence[float],
              marked: float | None = None) -> Line2D:
    """Cumulative gain: share of declining clients found among the top-ranked share contacted.

    Parameters
    ----------
    top_share, recall
        Share of clients contacted (highest risk first) and share of all
        declining clients among them.
    marked
        A ``top_share`` to mark with its recall (the one the caption speaks about).
    """
    x = np.concatenate([[0.0], np.asarray(top_share, dtype=float)])
    y = np.concatenate([[0.0], np.asarray(recall, dtype=float)])
    ax.plot([0, 1], [0, 1], color=t.NEUTRAL, linestyle=":", linewidth=0.9,
            label=g.CHART.random_choice)
    (line,) = ax.plot(x, y, color=t.MODEL_COLOUR, marker="o", markersize=3.5,
                      label=g.CHART.by_model)
    if marked is not None and len(x) > 1:
        i = int(np.argmin(np.abs(x[1:] - marked))) + 1
        note = g.CHART.gain_note.format(clients=pct(x[i], 0), found=pct(y[i], 0))
        ax.annotate(note, (x[i], y[i]), xytext=(8, -22), textcoords="offset points",
                    fontsize=t.MIN_FONT)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel(g.CHART.contacted_axis)
    ax.set_ylabel(g.CHART.found_axis)
    ax.legend(loc="lower right")
    t.ru_ticks(ax.xaxis, "pct")
    t.ru_ticks(ax.yaxis, "pct")
    return line
