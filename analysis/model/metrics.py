"""Threshold choice and hold-out metrics; pure functions of labels and probabilities.

The positive class is ``Снизилась`` (1). A client is flagged when its
probability is at least the threshold.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from sklearn.calibration import calibration_curve
from sklearn.metrics import (
    average_precision_score,
    brier_score_loss,
    confusion_matrix,
    f1_score,
    precision_recall_curve,
    precision_score,
    recall_score,
    roc_auc_score,
    roc_curve,
)

from analysis import glossary as g

__all__ = [
    "CI_LEVEL",
    "LIFT_SHARES",
    "bootstrap_auc_ci",
    "choose_threshold",
    "holdout_metrics",
    "lift_table",
    "r6",
]

LIFT_SHARES = (0.1, 0.2, 0.3, 0.5)
CI_LEVEL = 0.95
MAX_CURVE_POINTS = 200
_BOOT_CHUNK = 50


def r6(value: Any) -> float:
    """A plain float rounded to 6 decimals (no ``-0.0``), for deterministic JSON."""
    rounded = round(float(value), 6)
    return 0.0 if rounded == 0 else rounded


def choose_threshold(y: np.ndarray, proba: np.ndarray, rule: str = "f1",
                     miss_cost: float = 5.0) -> float:
    """Decision threshold from (out-of-fold) probabilities.

    ``rule="f1"`` maximises F1 of the positive class; ``rule="cost"`` minimises
    ``miss_cost × missed + offers made`` (a missed declining client costs
    ``miss_cost`` offers). Ties go to the higher threshold (fewer offers). The
    threshold is placed halfway between the last flagged and the next
    probability and rounded to 6 decimals, so applying the rounded value
    reproduces the chosen split exactly.
    """
    y = np.asarray(y, dtype=int)
    proba = np.asarray(proba, dtype=float)
    levels = np.unique(proba)[::-1]                      # candidate cut points, high to low
    order = np.searchsorted(-levels, -proba)              # level index of each client
    positives = np.bincount(order, weights=y, minlength=len(levels))
    counts = np.bincount(order, minlength=len(levels))
    tp = np.cumsum(positives)
    flagged = np.cumsum(counts)
    fn = y.sum() - tp
    if rule == "f1":
        gain = 2 * tp / (flagged + y.sum())
    elif rule == "cost":
        gain = -(miss_cost * fn + flagged)
    else:
        raise ValueError(f"unknown threshold rule {rule!r}")
    best = int(np.argmax(gain))                           # first = highest threshold
    if rule == "cost" and -(miss_cost * y.sum()) >= gain[best]:
        return 1.0                                        # contacting nobody is cheapest
    lower = levels[best + 1] if best + 1 < len(levels) else 0.0
    threshold = round((levels[best] + lower) / 2, 6)
    if not lower < threshold <= levels[best]:
        threshold = float(levels[best])
    return float(threshold)


def _group_counts(groups: np.ndarray, draws: np.ndarray, n_groups: int) -> np.ndarray:
    rows = np.repeat(np.arange(draws.shape[0]), draws.shape[1])
    flat = rows * n_groups + groups[draws].ravel()
    return np.bincount(flat, minlength=draws.shape[0] * n_groups).reshape(-1, n_groups)


def _strata(y: np.ndarray, groups: np.ndarray | None) -> tuple[np.ndarray, np.ndarray,
                                                                 np.ndarray]:
    """Group code per row (first-appearance order), and the groups of each class stratum."""
    if groups is None:
        codes = np.arange(len(y))
    else:
        codes, _ = pd.factorize(np.asarray(groups))
    label = np.rint(np.bincount(codes, weights=y) / np.bincount(codes)).astype(int)
    ids = np.arange(len(label))
    return codes, ids[label == 1], ids[label == 0]


def _level_counts(draws: np.ndarray, stratum: np.ndarray, codes: np.ndarray,
                  levels: np.ndarray, n_levels: int, rows: np.ndarray) -> np.ndarray:
    """Per resample, how often each distinct score is drawn among ``rows``."""
    drawn = _group_counts(np.arange(len(stratum)), draws, len(stratum))  # (b, groups)
    weight = np.zeros((draws.shape[0], codes.max() + 1))
    weight[:, stratum] = drawn
    w = weight[:, codes[rows]]                                          # (b, rows)
    flat = (np.arange(draws.shape[0])[:, None] * n_levels + levels[rows][None, :]).ravel()
    return np.bincount(flat, weights=w.ravel(),
                       minlength=draws.shape[0] * n_levels).reshape(-1, n_levels)


def bootstrap_auc_ci(y: np.ndarray, proba: np.ndarray, n_boot: int, seed: int,
                     level: float = CI_LEVEL, groups: np.ndarray | None = None
                     ) -> tuple[float, float]:
    """Percentile CI of ROC AUC from a stratified bootstrap of groups.

    Groups (duplicate clients; ``None``: every client its own group) are
    resampled, positives and negatives separately (a group's class is its
    clients' rounded mean label), so each resample keeps the hold-out's class
    sizes when groups are single clients. Vectorised Mann–Whitney: scores are
    ranked once; each resample only counts how often each distinct score is
    drawn in either class.
    """
    y = np.asarray(y, dtype=int)
    levels, inverse = np.unique(np.asarray(proba, dtype=float), return_inverse=True)
    codes, pos_groups, neg_groups = _strata(y, groups)
    pos_rows, neg_rows = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    singletons = len(pos_groups) + len(neg_groups) == len(y)
    mixed = bool(np.isin(codes[pos_rows], neg_groups).any()
                 or np.isin(codes[neg_rows], pos_groups).any())
    rng = np.random.default_rng(seed)
    aucs = []
    for start in range(0, n_boot, _BOOT_CHUNK):
        b = min(_BOOT_CHUNK, n_boot - start)
        p_draw = rng.integers(0, len(pos_groups), (b, len(pos_groups)))
        n_draw = rng.integers(0, len(neg_groups), (b, len(neg_groups)))
        if singletons:
            p_counts = _group_counts(inverse[pos_rows], p_draw, len(levels))
            n_counts = _group_counts(inverse[neg_rows], n_draw, len(levels))
        else:
            both = [(p_draw, pos_groups), (n_draw, neg_groups)]
            p_counts = sum(_level_counts(d, g_, codes, inverse, len(levels), pos_rows)
                           for d, g_ in (both if mixed else both[:1]))
            n_counts = sum(_level_counts(d, g_, codes, inverse, len(levels), neg_rows)
                           for d, g_ in (both if mixed else both[1:]))
        below = np.cumsum(n_counts, axis=1) - n_counts
        wins = (p_counts * (below + 0.5 * n_counts)).sum(axis=1)
        aucs.append(wins / (p_counts.sum(axis=1) * n_counts.sum(axis=1)))
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(np.concatenate(aucs), [tail, 100 - tail])
    return float(low), float(high)


def _downsample(*columns: np.ndarray) -> list[list[float]]:
    n = len(columns[0])
    keep = np.unique(np.linspace(0, n - 1, min(n, MAX_CURVE_POINTS)).round().astype(int))
    return [[r6(v) for v in column[keep]] for column in columns]


def lift_table(y: np.ndarray, proba: np.ndarray,
               shares: tuple[float, ...] = LIFT_SHARES) -> list[dict[str, float]]:
    """Recall, precision and lift among the top ``share`` of clients ranked by risk.

    Each row also counts the declining clients found among those ``clients``
    (``found``) and all declining clients (``declined``): ``recall`` is their
    ratio, so page 1 can say «89 из 122» exactly. Ties in probability are
    broken by position, so the table is deterministic.
    """
    y = np.asarray(y, dtype=int)
    order = np.lexsort((np.arange(len(y)), -np.asarray(proba, dtype=float)))
    found = np.cumsum(y[order])
    base = y.mean()
    rows = []
    for share in shares:
        k = max(1, math.ceil(share * len(y)))
        precision = found[k - 1] / k
        rows.append({"top_share": r6(share), "clients": k,
                     "recall": r6(found[k - 1] / y.sum()), "precision": r6(precision),
                     "lift": r6(precision / base), "found": int(found[k - 1]),
                     "declined": int(y.sum())})
    return rows


def holdout_metrics(y: np.ndarray, proba: np.ndarray, threshold: float, n_boot: int,
                    seed: int, groups: np.ndarray | None = None) -> dict[str, Any]:
    """Every hold-out figure of the report (JSON-ready, rounded to 6 decimals).

    ``groups`` (duplicate group per client) makes the ROC AUC interval a bootstrap of groups.
    """
    y = np.asarray(y, dtype=int)
    proba = np.asarray(proba, dtype=float)
    flagged = (proba >= threshold).astype(int)
    tn, fp, fn, tp = confusion_matrix(y, flagged, labels=[0, 1]).ravel()
    low, high = bootstrap_auc_ci(y, proba, n_boot, seed, groups=groups)
    prob_true, prob_pred = calibration_curve(y, proba, n_bins=10, strategy="quantile")
    fpr, tpr, _ = roc_curve(y, proba)
    precision, recall, _ = precision_recall_curve(y, proba)
    lift = lift_table(y, proba)
    roc_fpr, roc_tpr = _downsample(fpr, tpr)
    pr_recall, pr_precision = _downsample(recall[::-1], precision[::-1])
    return {
        "test_roc_auc": r6(roc_auc_score(y, proba)),
        "test_roc_auc_ci": [r6(low), r6(high)],
        "test_roc_auc_ci_level": CI_LEVEL,
        "test_pr_auc": r6(average_precision_score(y, proba)),
        "test_f1": r6(f1_score(y, flagged, zero_division=0)),
        "test_precision": r6(precision_score(y, flagged, zero_division=0)),
        "test_recall": r6(recall_score(y, flagged, zero_division=0)),
        "test_brier": r6(brier_score_loss(y, proba)),
        "test_positive_share": r6(y.mean()),
        "confusion_matrix": {
            "labels": [g.STABLE, g.DECLINED],
            "matrix": [[int(tn), int(fp)], [int(fn), int(tp)]],
        },
        "calibration": {"prob_pred": [r6(v) for v in prob_pred],
                        "prob_true": [r6(v) for v in prob_true]},
        "roc_curve": {"fpr": roc_fpr, "tpr": roc_tpr},
        "pr_curve": {"recall": pr_recall, "precision": pr_precision},
        "lift": lift,
    }
