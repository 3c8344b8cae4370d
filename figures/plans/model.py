"""Plans of the model figures: hold-out curves, confusion matrix, calibration.

The candidates' selection scores are a table of the model section, not a
chart: a bar chart of the same numbers would only repeat it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes

from analysis import glossary as g
from analysis.rutext import num
from figures import model as plot
from figures import theme as t
from figures.draw import class_legend_handles, plot_class_distribution
from figures.plans._common import Plan, optional
from figures.reader import Bundle, Missing, need

__all__ = ["calibration", "confusion_matrix", "roc_pr"]

LIFT_SHARE = 0.3
"""Share of top-ranked clients the lift sentence speaks about (nearest row of the table)."""


def confusion_counts(cm: Any) -> tuple[int, int, int, int]:
    """``(tn, fp, fn, tp)`` from ``[[tn, fp], [fn, tp]]`` or from
    ``{"labels": [...], "matrix": [[...], [...]]}`` (rows actual, columns predicted, in
    the order of ``labels``; «Снизилась» is the positive class).
    """
    if isinstance(cm, dict):
        matrix = need(cm, "matrix")
        labels = cm.get("labels") or [g.STABLE, g.DECLINED]
        pos = labels.index(g.DECLINED) if g.DECLINED in labels else 1
        neg = 1 - pos
        return (int(matrix[neg][neg]), int(matrix[neg][pos]), int(matrix[pos][neg]),
                int(matrix[pos][pos]))
    (tn, fp), (fn, tp) = cm
    return int(tn), int(fp), int(fn), int(tp)


def _base_rate(b: Bundle) -> float | None:
    model = b.results.get("model", {})
    if model.get("test_positive_share") is not None:
        return float(model["test_positive_share"])
    if model.get("confusion_matrix"):
        tn, fp, fn, tp = confusion_counts(model["confusion_matrix"])
        return (fn + tp) / max(tn + fp + fn + tp, 1)
    return b.results.get("facts", {}).get("decline_share_modelled")


def roc_pr(b: Bundle) -> Plan:
    """Hold-out ROC and precision–recall curves."""
    model = b.get("model")
    fpr, tpr = b.get("model", "roc_curve", "fpr"), b.get("model", "roc_curve", "tpr")
    auc = b.get("model", "test_roc_auc")
    ci = model.get("test_roc_auc_ci") or [None, None]
    ci_text = (g.CHART.ci.format(low=num(ci[0], 2), high=num(ci[1], 2))
               if None not in ci else "")
    pr = model.get("pr_curve") or {}
    base = _base_rate(b)
    lift = model.get("lift") or []
    row = (min(lift, key=lambda r: (abs(r["top_share"] - LIFT_SHARE), r["top_share"]))
           if lift else None)
    panels = 2 if pr.get("precision") and pr.get("recall") else 1

    def draw(axes: Sequence[Axes]) -> None:
        plot.plot_roc(axes[0], fpr, tpr, g.CHART.roc_legend.format(auc=num(auc, 3), ci=ci_text))
        axes[0].set_title(g.CHART.roc_panel, fontsize=8.5)
        if panels == 2:
            pr_auc = model.get("test_pr_auc")
            plot.plot_pr(axes[1], pr["recall"], pr["precision"],
                         g.CHART.pr_legend.format(auc=num(pr_auc, 3)) if pr_auc is not None
                         else g.CHART.model, base)
            axes[1].set_title(g.CHART.pr_panel, fontsize=8.5)

    return Plan(
        name="roc_pr", section="model", shape=(1, panels), height=3.5,
        facts={"auc": float(auc),
               "ci": [float(ci[0]), float(ci[1])] if None not in ci else None,
               "lift": (None if row is None else
                        {k: float(row[k]) for k in ("top_share", "recall", "lift")}),
               "pr_auc": optional(model.get("test_pr_auc")), "base_rate": optional(base)},
        draw=draw)


def confusion_matrix(b: Bundle) -> Plan:
    """Hold-out confusion matrix at the chosen threshold."""
    tn, fp, fn, tp = confusion_counts(b.get("model", "confusion_matrix"))
    threshold = b.results["model"].get("threshold")
    lift = b.results["model"].get("lift") or []
    return Plan(
        name="confusion_matrix", section="model", height=3.0,
        facts={"tn": tn, "fp": fp, "fn": fn, "tp": tp, "threshold": optional(threshold)},
        shape=(1, 2 if lift else 1),
        draw=lambda axes: _draw_confusion(axes, [[tn, fp], [fn, tp]], lift))


def _draw_confusion(axes: Sequence[Axes], matrix: list[list[int]],
                    lift: list[dict[str, Any]]) -> None:
    plot.plot_confusion(axes[0], matrix)
    axes[0].set_title(g.CHART.confusion_panel, fontsize=8.5)
    if lift:
        rows = sorted(lift, key=lambda r: r["top_share"])
        plot.plot_gain(axes[1], [r["top_share"] for r in rows], [r["recall"] for r in rows],
                       LIFT_SHARE)
        axes[1].set_title(g.CHART.gain_panel, fontsize=8.5)


def calibration(b: Bundle) -> Plan:
    """Reliability diagram of the hold-out probabilities."""
    pred = np.asarray(b.get("model", "calibration", "prob_pred"), dtype=float)
    true = np.asarray(b.get("model", "calibration", "prob_true"), dtype=float)
    gaps = pred - true
    mean_gap, bias = float(np.abs(gaps).mean()), float(gaps.mean())
    worst = int(np.argmax(np.abs(gaps)))
    brier = b.results["model"].get("test_brier")
    threshold = b.results["model"].get("threshold")
    spread = _probabilities(b)
    return Plan(
        name="calibration", section="model", height=3.2,
        facts={"mean_gap": mean_gap, "bias": bias, "worst_predicted": float(pred[worst]),
               "worst_observed": float(true[worst]), "bins": len(pred),
               "brier": optional(brier)},
        shape=(1, 2 if spread else 1),
        draw=lambda axes: _draw_calibration(axes, pred, true, spread, threshold))


def _probabilities(b: Bundle) -> tuple[np.ndarray, np.ndarray] | None:
    """Predicted probabilities of declined and stable clients from the clients sample."""
    try:
        sample = b.table("clients_sample")
    except Missing:
        return None
    if not {"decline_probability", g.TARGET} <= set(sample.columns):
        return None
    declined = sample[g.TARGET] == g.DECLINED
    p = sample["decline_probability"]
    return p[declined].dropna().to_numpy(float), p[~declined].dropna().to_numpy(float)


def _draw_calibration(axes: Sequence[Axes], pred: np.ndarray, true: np.ndarray,
                      spread: tuple[np.ndarray, np.ndarray] | None,
                      threshold: float | None) -> None:
    plot.plot_calibration(axes[0], pred, true)
    axes[0].set_title(g.CHART.calibration_panel, fontsize=8.5)
    if spread is not None:
        plot_class_distribution(axes[1], *spread)
        if threshold is not None:
            axes[1].axvline(threshold, color=t.INK, linestyle="--", linewidth=0.9)
            axes[1].text(threshold, 0.98, " " + g.CHART.threshold.format(value=num(threshold, 2)),
                         transform=axes[1].get_xaxis_transform(), ha="left", va="top",
                         fontsize=t.MIN_FONT, color=t.SECONDARY)
        axes[1].figure.legend(handles=class_legend_handles(), loc="outside lower center",
                              ncols=2)
        axes[1].set_xlabel(g.CHART.probability_axis)
        axes[1].set_ylabel(g.CHART.class_share_axis)
        axes[1].set_title(g.CHART.spread_panel, fontsize=8.5)
