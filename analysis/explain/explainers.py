"""SHAP machinery: which explainer suits an estimator, and how it is run.

* linear estimators: ``shap.LinearExplainer`` with an independent masker;
* tree ensembles: ``shap.TreeExplainer`` (path-dependent);
* anything else: ``shap.PermutationExplainer`` with :class:`BackgroundMasker`,
  one antithetic permutation per client by default;
* :func:`occlusion`: the cheap per-client alternative (score drop when a
  feature is set to a reference value), vectorised over clients.

Everything works on the fitted pipeline's score (``decision_function`` or
P(class 1)) on the preprocessed features, and returns contributions by export
column (one-hot columns summed back into their source).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd
import shap
from shap.utils import _masked_model
from sklearn.metrics.pairwise import rbf_kernel
from sklearn.pipeline import Pipeline
from sklearn.svm import SVC

from analysis.model.features import MODEL_FEATURES, feature_sources

__all__ = [
    "BackgroundMasker",
    "explained_output",
    "explainer_kind",
    "occlusion",
    "shap_by_feature",
    "underlying_pipeline",
]

_LINEAR = ("LogisticRegression", "LinearSVC", "SGDClassifier", "RidgeClassifier")
_TREE = ("DecisionTreeClassifier", "RandomForestClassifier", "ExtraTreesClassifier",
         "HistGradientBoostingClassifier", "GradientBoostingClassifier")
_CHUNK_ROWS = 100_000


class BackgroundMasker:
    """Independent masker over groups of columns (one group per export column).

    ``mask[k]`` True keeps the client's values in group ``k`` (all one-hot
    columns of ``Популярная_категория`` move together, so no masked row mixes
    two categories); masked groups take each background row's values. The
    output has one row per background row; SHAP averages their model outputs.
    """

    immutable_outputs = True
    default_batch_size = 10_000          # all masks of a permutation in one model call

    def __init__(self, background: np.ndarray, groups: Sequence[Sequence[int]]) -> None:
        self.data = np.asarray(background, dtype=float)
        self.columns = np.zeros((len(groups), self.data.shape[1]), dtype=bool)
        for k, group in enumerate(groups):
            self.columns[k, list(group)] = True
        self.shape = (self.data.shape[0], len(groups))

    def mask_shapes(self, x: np.ndarray) -> list[tuple[int]]:
        """One mask entry per group, whatever the number of columns of ``x``."""
        return [(self.shape[1],)]

    def __call__(self, mask: np.ndarray, x: np.ndarray) -> np.ndarray:
        keep = self.columns[np.asarray(mask, dtype=bool)].any(axis=0)
        out = self.data.copy()
        out[:, keep] = np.asarray(x, dtype=float)[keep]
        return out


def _fixed_output(averaged_outs: np.ndarray, last_outs: np.ndarray, outputs: np.ndarray,
                  batch_positions: np.ndarray, varying_rows: np.ndarray,
                  num_varying_rows: np.ndarray, link: Any, linearizing_weights: Any) -> None:
    """shap's result assembly of a masked model (``_build_fixed_single_output``) in numpy.

    shap 0.51 compiles that loop with numba on first use in every process
    (2–5 s, more than the whole permutation explanation of 100 clients). This
    is the same loop for the identity link and one output, with numba's mean
    reproduced exactly: a sequential sum from 0 (``np.add.accumulate`` is
    sequential; ``np.mean`` would sum pairwise and could differ in the last
    bit) divided by the count. Any other case goes to shap's own function.
    """
    if (link is not shap.links.identity or linearizing_weights is not None
            or last_outs.ndim != 1):
        _SHAP_FIXED_OUTPUT(averaged_outs, last_outs, outputs, batch_positions, varying_rows,
                           num_varying_rows, link, linearizing_weights)
        return
    count = last_outs.shape[0]
    for i in range(len(averaged_outs)):
        start, stop = batch_positions[i], batch_positions[i + 1]
        if start < stop:
            if num_varying_rows[i] == count:
                last_outs[:] = outputs[start:stop]
            else:
                last_outs[varying_rows[i]] = outputs[start:stop]
            averaged_outs[i] = np.add.accumulate(last_outs)[-1] / count
        else:
            averaged_outs[i] = averaged_outs[i - 1]


_SHAP_FIXED_OUTPUT = _masked_model._build_fixed_output


@contextmanager
def _numpy_result_assembly() -> Iterator[None]:
    """Use :func:`_fixed_output` inside shap's masked model for the duration of the block."""
    _masked_model._build_fixed_output = _fixed_output
    try:
        yield
    finally:
        _masked_model._build_fixed_output = _SHAP_FIXED_OUTPUT


def underlying_pipeline(model: Any) -> Pipeline:
    """The pipeline inside a ``CalibratedClassifierCV(ensemble=False)`` (or the pipeline)."""
    if isinstance(model, Pipeline):
        return model
    inner = getattr(model, "calibrated_classifiers_", None)
    if not inner or len(inner) != 1:
        raise ValueError("ожидается Pipeline или CalibratedClassifierCV(ensemble=False)")
    return inner[0].estimator


def explainer_kind(estimator: Any) -> str:
    """``linear``, ``tree`` or ``permutation`` for a fitted final estimator."""
    name = type(estimator).__name__
    if name in _LINEAR:
        return "linear"
    return "tree" if name in _TREE else "permutation"


def explained_output(estimator: Any) -> str:
    """``decision_function`` when the estimator has one, else ``predict_proba``."""
    return "decision_function" if hasattr(estimator, "decision_function") else "predict_proba"


def _score_fn(estimator: Any, columns: list[str]) -> Callable[[np.ndarray], np.ndarray]:
    if isinstance(estimator, SVC) and estimator.kernel == "rbf" and hasattr(estimator, "_gamma"):
        sv, coef = estimator.support_vectors_, estimator.dual_coef_[0]
        gamma, intercept = estimator._gamma, estimator.intercept_[0]

        def fast(rows: np.ndarray) -> np.ndarray:  # libsvm predicts row by row: 20× slower
            return rbf_kernel(rows, sv, gamma=gamma) @ coef + intercept

        probe = sv[:5]
        frame = pd.DataFrame(probe, columns=columns)
        if np.allclose(fast(probe), estimator.decision_function(frame), atol=1e-9):
            return fast

    def score(rows: np.ndarray) -> np.ndarray:
        frame = pd.DataFrame(rows, columns=columns)
        if hasattr(estimator, "decision_function"):
            return np.asarray(estimator.decision_function(frame), dtype=float)
        return np.asarray(estimator.predict_proba(frame)[:, 1], dtype=float)

    return score


def _by_source(values: np.ndarray, columns: Sequence[str], sources: dict[str, str],
               index: pd.Index) -> pd.DataFrame:
    frame = pd.DataFrame(values, columns=list(columns), index=index)
    summed = frame.T.groupby([sources[c] for c in columns]).sum().T
    return summed.reindex(columns=list(MODEL_FEATURES), fill_value=0.0)


def shap_by_feature(pipe: Pipeline, X: pd.DataFrame, background: pd.DataFrame, kind: str,
                    seed: int, permutations: int = 1) -> tuple[pd.DataFrame, np.ndarray]:
    """SHAP values of ``pipe``'s score for the rows of ``X``, by export column.

    Returns the values (index of ``X``, columns :data:`MODEL_FEATURES`) and each
    row's base value. ``kind`` is :func:`explainer_kind` of the final estimator;
    ``background`` (raw rows) is the masker's reference sample for the linear
    and permutation explainers.
    """
    pre, estimator = pipe[:-1], pipe[-1]
    Z = pre.transform(X)
    columns = list(Z.columns)
    sources = feature_sources(pipe[0])
    bg = pre.transform(background).to_numpy(dtype=float)
    rows = Z.to_numpy(dtype=float)
    state = np.random.get_state()          # shap's explainers reseed numpy's global RNG
    try:
        if kind == "linear":
            masker = shap.maskers.Independent(bg, max_samples=len(bg))
            found = shap.LinearExplainer(estimator, masker)(rows)
        elif kind == "tree":
            found = shap.TreeExplainer(estimator)(rows)
        else:
            groups = [[i for i, c in enumerate(columns) if sources[c] == f]
                      for f in MODEL_FEATURES]
            masker = BackgroundMasker(bg, groups)
            explainer = shap.PermutationExplainer(_score_fn(estimator, columns), masker,
                                                  seed=seed)
            # row by row through explain_row: Explainer.__call__ (shap 0.51) passes its own
            # result list as ``main_effects``, which then costs 2 × features extra masks a row
            with _numpy_result_assembly():
                found = [explainer.explain_row(
                    row, max_evals=permutations * (2 * len(groups) + 1), main_effects=False,
                    error_bounds=False, batch_size=masker.default_batch_size, outputs=None,
                    silent=True) for row in rows]
    finally:
        np.random.set_state(state)
    if kind == "permutation":
        values = np.array([r["values"] for r in found], dtype=float).reshape(len(rows), -1)
        base = np.array([r["expected_values"] for r in found], dtype=float).reshape(-1)
    else:
        values, base = np.asarray(found.values), np.asarray(found.base_values)
    if values.ndim == 3:                    # (clients, features, classes): take «Снизилась»
        values, base = values[:, :, 1], base[:, 1]
    if kind == "permutation":
        frame = pd.DataFrame(values, index=X.index, columns=list(MODEL_FEATURES))
    else:
        frame = _by_source(values, columns, sources, X.index)
    return frame, base.reshape(-1)


def occlusion(pipe: Pipeline, X: pd.DataFrame, reference: pd.Series) -> pd.DataFrame:
    """Score drop when each export column is set to ``reference``'s value, one at a time.

    Positive values push toward decline. All variants of a chunk of clients
    are scored in one call (at most 100,000 rows).

    Every step of the preprocessor (scaler, one-hot, ordinal) maps one export
    column to its own output columns, element by element. So the chunk is
    transformed once, and each variant copies the transformed reference value
    into the columns of its feature: the same matrix as transforming the
    substituted frame, without 18 more passes of the encoders (whose lookup
    of text values runs in Python, row by row).
    """
    pre, estimator = pipe[:-1], pipe[-1]
    columns = list(pre.get_feature_names_out())
    score = _score_fn(estimator, columns)
    sources = feature_sources(pipe[0])
    groups = [np.array([i for i, c in enumerate(columns) if sources[c] == f], dtype=int)
              for f in MODEL_FEATURES]
    substituted = X.iloc[:1].assign(**{f: reference[f] for f in MODEL_FEATURES})
    ref = pre.transform(substituted).to_numpy(dtype=float)[0]
    variants = len(MODEL_FEATURES) + 1
    step = max(1, _CHUNK_ROWS // variants)
    parts = []
    for start in range(0, len(X), step):
        chunk = X.iloc[start:start + step]
        m = len(chunk)
        z = pre.transform(chunk).to_numpy(dtype=float)
        # the memory layout of the transformer's output (column-major from pandas): BLAS
        # sums in an order that depends on it, and the RBF kernel's scores with it
        stacked = np.empty((variants * m, z.shape[1]), order="F" if z.flags.f_contiguous else "C")
        for j in range(variants):
            stacked[j * m:(j + 1) * m] = z
            if j:
                stacked[j * m:(j + 1) * m, groups[j - 1]] = ref[groups[j - 1]]
        scores = score(stacked).reshape(variants, m)
        parts.append(pd.DataFrame((scores[0] - scores[1:]).T, index=chunk.index,
                                  columns=list(MODEL_FEATURES)))
    return pd.concat(parts)
