"""Model charts: the candidates compared, hold-out curves, confusion matrix, calibration.

Each function draws on a given ``ax`` from plain data and returns its main
artist (or container); none creates a figure or saves a file.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.container import BarContainer
from matplotlib.image import AxesImage
from matplotlib.lines import Line2D

from analysis import glossary as g
from analysis.rutext import num, pct
from figures import theme as t

__all__ = ["plot_calibration", "plot_confusion", "plot_gain", "plot_model_comparison",
           "plot_pr", "plot_roc"]


def plot_model_comparison(ax: Axes, labels: Sequence[str], means: Sequence[float],
                          stds: Sequence[float], chosen: int | None) -> BarContainer:
    """Horizontal bars of CV ROC AUC (mean ± std), best at the top, the chosen one dark.

    Parameters
    ----------
    labels, means, stds
        Candidate names (Russian), CV ROC AUC means and standard deviations.
    chosen
        Index (in the given order) of the chosen model, or ``None``.
    """
    order = np.argsort(-np.asarray(means, dtype=float), kind="stable")
    mean = np.asarray(means, dtype=float)[order]
    std = np.nan_to_num(np.asarray(stds, dtype=float)[order])
    colours = [t.HIGHLIGHT if i == chosen else t.MUTED for i in order]
    pos = np.arange(len(order))
    bars = ax.barh(pos, mean, xerr=std, color=colours, height=0.6,
                   error_kw={"elinewidth": 0.9, "capsize": 2, "ecolor": "#555555"})
    ax.set_yticks(pos, [labels[i] for i in order])
    ax.invert_yaxis()
    ax.bar_label(bars, [f"{num(m, 3)} ± {num(s, 3)}" for m, s in zip(mean, std, strict=True)],
                 padding=4, fontsize=7)
    ax.axvline(0.5, color=t.NEUTRAL, linestyle=":", linewidth=0.9)
    low = min(0.45, float(np.nanmin(mean - std)) - 0.02) if len(mean) else 0.45
    ax.set_xlim(low, 1.08)
    ax.set_xlabel(g.CHART.cv_auc_axis)
    t.ru_ticks(ax.xaxis)
    return bars


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
    (line,) = ax.plot(fpr, tpr, color=t.DECLINED_COLOUR, label=label, drawstyle="steps-post")
    _unit_square(ax, g.CHART.false_alarm_axis, g.CHART.found_axis, "lower right")
    return line


def plot_pr(ax: Axes, recall: Sequence[float], precision: Sequence[float], label: str,
            base_rate: float | None) -> Line2D:
    """Precision–recall curve with the base rate (a random ranking) as a dotted line."""
    if base_rate is not None:
        ax.axhline(base_rate, color=t.NEUTRAL, linestyle=":", linewidth=0.9,
                   label=g.CHART.base_rate.format(share=pct(base_rate, 0)))
    (line,) = ax.plot(recall, precision, color=t.DECLINED_COLOUR, label=label)
    _unit_square(ax, g.CHART.recall_axis, g.CHART.precision_axis, "lower left")
    return line


def plot_confusion(ax: Axes, matrix: Sequence[Sequence[int]]) -> AxesImage:
    """Confusion matrix ``[[tn, fp], [fn, tp]]`` drawn declined-first, with counts and shares.

    Rows are the actual class, columns the prediction; each cell shows the
    count and its share of the row.
    """
    (tn, fp), (fn, tp) = matrix
    cells = np.array([[tp, fn], [fp, tn]], dtype=float)
    rows = cells.sum(axis=1, keepdims=True)
    share = np.divide(cells, rows, out=np.zeros_like(cells), where=rows > 0)
    image = ax.imshow(share, cmap="Greys", vmin=0, vmax=1.4)
    names = [t.TARGET_LABELS[t.DECLINED], t.TARGET_LABELS[t.STABLE]]
    ax.set_xticks([0, 1], names)
    ax.set_yticks([0, 1], names)
    ax.set_xlabel(g.CHART.predicted_axis)
    ax.set_ylabel(g.CHART.actual_axis)
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    for i in range(2):
        for j in range(2):
            ax.text(j, i, f"{num(cells[i, j])}\n{pct(share[i, j], 0)}", ha="center",
                    va="center", fontsize=9, color="white" if share[i, j] > 0.6 else "black")
    return image


def plot_calibration(ax: Axes, prob_pred: Sequence[float], prob_true: Sequence[float]) -> Line2D:
    """Reliability diagram: mean predicted probability per bin against the observed share."""
    ax.plot([0, 1], [0, 1], color=t.NEUTRAL, linestyle=":", linewidth=0.9,
            label=g.CHART.perfect_calibration)
    (line,) = ax.plot(prob_pred, prob_true, color=t.DECLINED_COLOUR, marker="o",
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
    (line,) = ax.plot(x, y, color=t.DECLINED_COLOUR, marker="o", markersize=3.5,
                      label=g.CHART.by_model)
    if marked is not None and len(x) > 1:
        i = int(np.argmin(np.abs(x[1:] - marked))) + 1
        note = g.CHART.gain_note.format(clients=pct(x[i], 0), found=pct(y[i], 0))
        ax.annotate(note, (x[i], y[i]), xytext=(8, -22), textcoords="offset points", fontsize=7.5)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel(g.CHART.contacted_axis)
    ax.set_ylabel(g.CHART.found_axis)
    ax.legend(loc="lower right")
    t.ru_ticks(ax.xaxis, "pct")
    t.ru_ticks(ax.yaxis, "pct")
    return line
