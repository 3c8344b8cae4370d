"""A faster score for histogram gradient boosting, for the permutation explainer.

The permutation explainer scores each client's masked rows (hundreds per
client) with the model, so on a large export with a boosting model almost all
of its time is ``HistGradientBoostingClassifier.decision_function``.
scikit-learn walks the trees one at a time over all rows, so every tree reads
the whole block of rows from memory again; :func:`boosting_score` walks every
tree for one row before going to the next (the row stays in cache), compiled
with numba. It adds the same leaf values in the same order to the same
baseline in float64, so the scores are bit-identical to scikit-learn's
(``analysis.explain.explainers`` checks it on sample rows before using it and
falls back to scikit-learn otherwise). About three times faster on a million
rows; compiling costs about half a second once per process.

Only a fitted binary classifier with numeric features (no native categorical
splits) is handled; anything else returns ``None``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["boosting_score", "probe_rows"]

_WALK: Any = None


def _compiled() -> Any:
    """The numba kernel, compiled on first use (numba imported only then)."""
    global _WALK
    if _WALK is None:
        import numba

        @numba.njit(nogil=True, cache=False)
        def walk(rows: np.ndarray, starts: np.ndarray, feature: np.ndarray,
                 threshold: np.ndarray, left: np.ndarray, right: np.ndarray,
                 leaf: np.ndarray, value: np.ndarray, missing_left: np.ndarray,
                 baseline: float) -> np.ndarray:  # pragma: no cover - compiled
            out = np.empty(rows.shape[0])
            for i in range(rows.shape[0]):
                total = baseline
                for t in range(starts.shape[0]):
                    k = starts[t]
                    node = 0
                    while not leaf[k + node]:
                        x = rows[i, feature[k + node]]
                        go_left = missing_left[k + node] if np.isnan(x) else (
                            x <= threshold[k + node])
                        node = left[k + node] if go_left else right[k + node]
                    total += value[k + node]
                out[i] = total
            return out

        _WALK = walk
    return _WALK


def boosting_score(estimator: Any) -> Callable[[np.ndarray], np.ndarray] | None:
    """``decision_function`` of a fitted binary ``HistGradientBoostingClassifier``, or None.

    The returned function takes a 2-D float array of the estimator's input
    columns and returns the raw score (log-odds) of every row.
    """
    from sklearn.ensemble import HistGradientBoostingClassifier

    if not isinstance(estimator, HistGradientBoostingClassifier):
        return None
    predictors = getattr(estimator, "_predictors", None)
    categorical = getattr(estimator, "is_categorical_", None)
    if (not predictors or getattr(estimator, "n_trees_per_iteration_", 0) != 1
            or (categorical is not None and bool(np.any(categorical)))):
        return None
    try:  # scikit-learn's private tree records: another layout means no fast path
        trees = [p[0].nodes for p in predictors]
        nodes = np.concatenate(trees)
        starts = np.cumsum([0] + [len(t) for t in trees[:-1]]).astype(np.int64)
        arrays = (starts, nodes["feature_idx"].astype(np.int64),
                  nodes["num_threshold"].astype(np.float64), nodes["left"].astype(np.int64),
                  nodes["right"].astype(np.int64), nodes["is_leaf"].astype(np.bool_),
                  nodes["value"].astype(np.float64),
                  nodes["missing_go_to_left"].astype(np.bool_))
        baseline = float(np.asarray(estimator._baseline_prediction, dtype=np.float64).ravel()[0])
    except (AttributeError, IndexError, KeyError, TypeError, ValueError):
        return None

    def score(rows: np.ndarray) -> np.ndarray:
        data = np.ascontiguousarray(rows, dtype=np.float64)
        return _compiled()(data, *arrays, baseline)

    return score


def probe_rows(estimator: Any, width: int) -> np.ndarray:
    """Rows that reach every side of the boosting model's splits (threshold, next float, NaN).

    Only called once :func:`boosting_score` has read the trees.
    """
    nodes = np.concatenate([p[0].nodes for p in estimator._predictors])
    splits = nodes[~nodes["is_leaf"].astype(bool)]
    rows = np.zeros((2 * len(splits) + 1, width))
    for k, (f, t) in enumerate(zip(splits["feature_idx"], splits["num_threshold"], strict=True)):
        rows[2 * k, f], rows[2 * k + 1, f] = t, np.nextafter(t, np.inf)
    rows[-1] = np.nan
    return rows
