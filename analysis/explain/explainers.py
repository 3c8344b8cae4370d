"""SHAP machinery: which explainer suits an estimator, and how it is run.

Players
    The export's source columns, :data:`EXPLAINED_FEATURES`: every model input
    except the derived month-on-month changes (:data:`DERIVED`), which are
    exact functions of their sources (``Выручка_изменение`` = current −
    previous month, ``Минут_изменение`` likewise). A change is explained
    *through its sources*: in every masked row it is recomputed from the
    source values that row carries, so SHAP never scores an impossible row
    (a change that does not match its months), and the change's effect is
    credited to the months it is computed from. One-hot columns of
    ``Популярная_категория`` move together as one player.

Explainers (both on the pipeline's score after preprocessing)
    * linear estimators: exact Shapley values of the linear score with
      independent features over the background sample, ``w · (z − E z)``,
      with each change's weight moved onto its sources (the score is still
      linear in them);
    * anything else (trees, k-NN, RBF SVM): :func:`permutation_shap`, the
      antithetic permutation estimator of ``shap.PermutationExplainer``,
      vectorised over all clients of a call: each client gets its own random
      orders of the players and its own draw of background rows (seeded);
      each masked row takes the client's values for the kept players and a
      background row's values for the rest. Each permutation's contributions
      add up exactly to the client's score minus the whole background's mean
      score (the base value). The draws keep the cost bounded while the
      background stays the whole reference population: a sampling error of
      one client does not repeat for the next, so the global ranking averages
      it away instead of inheriting one small background's quirks.

Values are returned by source column (:data:`EXPLAINED_FEATURES`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics.pairwise import rbf_kernel
from sklearn.pipeline import Pipeline
from sklearn.svm import SVC

from analysis import glossary as g
from analysis.explain.boosting import boosting_score, probe_rows
from analysis.model.features import MODEL_FEATURES, feature_sources

__all__ = [
    "DERIVED",
    "EXPLAINED_FEATURES",
    "explained_output",
    "explainer_kind",
    "permutation_shap",
    "shap_by_feature",
    "underlying_pipeline",
]

DERIVED: dict[str, tuple[str, str]] = {
    g.REVENUE_CHANGE: (g.REVENUE_COLUMNS[2], g.REVENUE_COLUMNS[1]),
    g.MINUTES_CHANGE: (g.MINUTES_COLUMNS[1], g.MINUTES_COLUMNS[0]),
}
"""Derived column → (minuend, subtrahend): the change is their difference."""
EXPLAINED_FEATURES: tuple[str, ...] = tuple(f for f in MODEL_FEATURES if f not in DERIVED)

_LINEAR = ("LogisticRegression", "LinearSVC", "SGDClassifier", "RidgeClassifier")
_CHUNK_ROWS = 400_000
FAST_BOOSTING_CLIENTS = 1_000
"""A call explaining this many clients scores a boosting model with
:func:`analysis.explain.boosting.boosting_score` (same values, ~3 × faster); a smaller
call keeps scikit-learn's, which is as fast there without numba's compiling (~0.5 s)
and memory (~150 MB) in the worker."""
_DRAW_BLOCK = 4_000_000  # random numbers drawn at once for the background draws


def underlying_pipeline(model: Any) -> Pipeline:
    """The pipeline inside a ``CalibratedClassifierCV(ensemble=False)`` (or the pipeline)."""
    if isinstance(model, Pipeline):
        return model
    inner = getattr(model, "calibrated_classifiers_", None)
    if not inner or len(inner) != 1:
        raise ValueError("ожидается Pipeline или CalibratedClassifierCV(ensemble=False)")
    return inner[0].estimator


def explainer_kind(estimator: Any) -> str:
    """``linear`` (exact) or ``permutation`` for a fitted final estimator."""
    return "linear" if type(estimator).__name__ in _LINEAR else "permutation"


def explained_output(estimator: Any) -> str:
    """``decision_function`` when the estimator has one, else ``predict_proba``."""
    return "decision_function" if hasattr(estimator, "decision_function") else "predict_proba"


def _score_fn(estimator: Any, columns: list[str], clients: int = 0
              ) -> Callable[[np.ndarray], np.ndarray]:
    # the pipeline hands the estimator an array (analysis.model.features.build_pipeline);
    # an estimator fitted on a frame (a model saved before) is given one, with its names
    named = list(columns) if hasattr(estimator, "feature_names_in_") else None

    def as_input(rows: np.ndarray) -> Any:
        return rows if named is None else pd.DataFrame(rows, columns=named)

    if isinstance(estimator, SVC) and estimator.kernel == "rbf" and hasattr(estimator, "_gamma"):
        sv, coef = estimator.support_vectors_, estimator.dual_coef_[0]
        gamma, intercept = estimator._gamma, estimator.intercept_[0]

        def fast(rows: np.ndarray) -> np.ndarray:  # libsvm predicts row by row: 20× slower
            return rbf_kernel(rows, sv, gamma=gamma) @ coef + intercept

        probe = sv[:5]
        if np.allclose(fast(probe), estimator.decision_function(as_input(probe)), atol=1e-9):
            return fast

    boosting = (boosting_score(estimator)
                if named is None and clients >= FAST_BOOSTING_CLIENTS else None)
    if boosting is not None:  # the same sums in the same order: must be bit-identical
        probe = probe_rows(estimator, len(columns))
        if np.array_equal(boosting(probe), estimator.decision_function(probe)):
            return boosting

    def score(rows: np.ndarray) -> np.ndarray:
        if hasattr(estimator, "decision_function"):
            return np.asarray(estimator.decision_function(as_input(rows)), dtype=float)
        return np.asarray(estimator.predict_proba(as_input(rows))[:, 1], dtype=float)

    return score


@dataclass(frozen=True)
class _Layout:
    """Where each player and each derived column sits among the transformed columns.

    ``derived`` holds, per derived column, ``(column, plus, minus, a, b, c)``:
    its transformed value is ``a · z[plus] + b · z[minus] + c``.
    """

    groups: list[np.ndarray]
    derived: list[tuple[int, int, int, float, float, float]]


def _layout(pipe: Pipeline, columns: Sequence[str]) -> _Layout:
    sources = feature_sources(pipe[0])
    groups = [np.array([i for i, c in enumerate(columns) if sources[c] == f], dtype=int)
              for f in EXPLAINED_FEATURES]
    scaler = pipe[0].named_transformers_["num"]
    names = list(scaler.feature_names_in_)
    position = {sources[c]: i for i, c in enumerate(columns) if c.startswith("num__")}
    derived = []
    for d, (plus, minus) in DERIVED.items():
        mean = dict(zip(names, scaler.mean_, strict=True))
        scale = dict(zip(names, scaler.scale_, strict=True))
        a, b = scale[plus] / scale[d], -scale[minus] / scale[d]
        c = (mean[plus] - mean[minus] - mean[d]) / scale[d]
        derived.append((position[d], position[plus], position[minus], a, b, c))
    return _Layout(groups, derived)


def _recompute(rows: np.ndarray, layout: _Layout) -> None:
    """Set each derived column of ``rows`` (any leading shape) from its sources, in place."""
    for col, plus, minus, a, b, c in layout.derived:
        rows[..., col] = a * rows[..., plus] + b * rows[..., minus] + c


def _check_derived(Z: np.ndarray, layout: _Layout) -> None:
    again = Z.copy()
    _recompute(again, layout)
    if not np.allclose(again, Z, rtol=1e-7, atol=1e-7):
        raise ValueError("производные признаки не совпадают с разностью своих источников")


def _draws(rng: np.random.Generator, n: int, size: int, per_row: int) -> np.ndarray:
    """``argsort(rng.random((n, size)), axis=1)[:, :per_row]``, a block of rows at a time.

    The same numbers in the same order (``rng`` ends in the same state), without
    holding n × size random numbers and their ranks (3 GB at 100,000 clients and a
    background of 2,000). Each row's ``per_row`` smallest are found by partition and
    then ordered.
    """
    drawn = np.empty((n, per_row), dtype=np.intp)
    block = max(1, _DRAW_BLOCK // size)
    for start in range(0, n, block):
        u = rng.random((min(block, n - start), size))
        smallest = np.argpartition(u, per_row - 1, axis=1)[:, :per_row]
        order = np.argsort(np.take_along_axis(u, smallest, axis=1), axis=1)
        drawn[start:start + len(u)] = np.take_along_axis(smallest, order, axis=1)
    return drawn


def permutation_shap(score: Callable[[np.ndarray], np.ndarray], rows: np.ndarray,
                     background: np.ndarray, groups: Sequence[np.ndarray],
                     permutations: int, seed: int, draw: int | None = None,
                     fix: Callable[[np.ndarray], None] | None = None
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Antithetic permutation Shapley values of ``score`` for every row of ``rows``.

    Parameters
    ----------
    score
        Model score of a 2-D array of transformed rows.
    rows, background
        Transformed rows to explain (n × p) and the background (B × p).
    groups
        Column indices of each player; columns in no group are set by ``fix``.
    permutations
        Antithetic pairs (an order and its reverse) per row.
    seed
        Seed of the orders and of the background draws (each row draws its own).
    draw
        Background rows per explained row, drawn without replacement from
        ``background`` for each row (all of them when ``None`` or larger). The
        masked rows of one explained row all use its draw; the empty
        coalition is valued at the whole background's mean score, so the
        estimate stays unbiased for the whole background and every row's
        values share one base value.
    fix
        Called on every array of masked rows (shape ``(…, p)``) to recompute
        the columns that are functions of the players' columns.

    Returns
    -------
    values, base
        ``values`` (n × players) and the base value of every row (the
        background's mean score); each row's values add up exactly to its
        score minus the base.
    """
    n, p = rows.shape
    m, size = len(groups), len(background)
    per_row = size if draw is None else min(draw, size)
    member = np.zeros((m, p), dtype=bool)
    for k, group in enumerate(groups):
        member[k, group] = True
    base = float(np.mean(score(background)))
    full = score(rows)
    rng = np.random.default_rng(seed)
    drawn = (np.tile(np.arange(size), (n, 1)) if per_row == size else
             _draws(rng, n, size, per_row))
    orders = [rng.permuted(np.tile(np.arange(m), (n, 1)), axis=1) for _ in range(permutations)]
    orders += [order[:, ::-1] for order in orders]
    values = np.zeros((n, m))
    step = max(1, _CHUNK_ROWS // max(1, (m - 1) * per_row))
    prefix = np.tri(m - 1, m, 0, dtype=bool)          # row k keeps the first k + 1 players
    for order in orders:
        for start in range(0, n, step):
            part, chosen = rows[start:start + step], order[start:start + step]
            c = len(part)
            keep_players = np.zeros((c, m - 1, m), dtype=bool)
            np.put_along_axis(keep_players, np.broadcast_to(chosen[:, None, :], keep_players.shape),
                              np.broadcast_to(prefix, keep_players.shape), axis=2)
            keep = (keep_players[..., None] & member).any(axis=2)     # (c, m-1, p)
            reference = background[drawn[start:start + step]]          # (c, rows, p)
            masked = np.where(keep[:, :, None, :], part[:, None, None, :], reference[:, None])
            if fix is not None:
                fix(masked)
            out = score(masked.reshape(-1, p)).reshape(c, m - 1, per_row)
            steps = np.concatenate([np.full((c, 1), base), out.mean(axis=2),
                                    full[start:start + step, None]], axis=1)
            np.add.at(values, (np.arange(start, start + c)[:, None], chosen),
                      np.diff(steps, axis=1))
    return values / len(orders), np.full(n, base)


def _linear_shap(estimator: Any, Z: np.ndarray, background: np.ndarray, layout: _Layout
                 ) -> tuple[np.ndarray, np.ndarray]:
    coef = np.asarray(estimator.coef_, dtype=float).reshape(-1).copy()
    intercept = float(np.asarray(estimator.intercept_, dtype=float).reshape(-1)[0])
    shift = 0.0
    for col, plus, minus, a, b, c in layout.derived:   # the score is linear in the sources
        coef[plus] += a * coef[col]
        coef[minus] += b * coef[col]
        shift += c * coef[col]
        coef[col] = 0.0
    centre = background.mean(axis=0)
    per_column = coef * (Z - centre)
    values = np.stack([per_column[:, group].sum(axis=1) for group in layout.groups], axis=1)
    base = float(centre @ coef + intercept + shift)
    return values, np.full(len(Z), base)


def shap_by_feature(pipe: Pipeline, X: pd.DataFrame, background: pd.DataFrame, kind: str,
                    seed: int, permutations: int = 1, draw: int | None = None
                    ) -> tuple[pd.DataFrame, np.ndarray]:
    """SHAP values of ``pipe``'s score for the rows of ``X``, by source column.

    Returns the values (index of ``X``, columns :data:`EXPLAINED_FEATURES`) and
    each row's base value. ``kind`` is :func:`explainer_kind` of the final
    estimator; ``background`` (raw rows) is the reference population; the
    permutation explainer draws ``draw`` of its rows for each client.
    """
    pre, estimator = pipe[:-1], pipe[-1]
    columns = [str(c) for c in pre.get_feature_names_out()]
    layout = _layout(pipe, columns)
    rows = np.asarray(pre.transform(X), dtype=float)
    bg = np.asarray(pre.transform(background), dtype=float)
    _check_derived(rows, layout)
    if kind == "linear":
        values, base = _linear_shap(estimator, rows, bg, layout)
    else:
        score = _score_fn(estimator, columns, len(rows))
        values, base = permutation_shap(score, rows, bg, layout.groups, permutations, seed, draw,
                                        lambda a: _recompute(a, layout))
    return pd.DataFrame(values, index=X.index, columns=list(EXPLAINED_FEATURES)), base
