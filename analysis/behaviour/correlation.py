"""Associations that are not group tests: the phik matrix and the ``id`` leakage check.

Pure functions, no plotting, no I/O. Every result is JSON-ready: plain Python
types, ``None`` instead of NaN, floats rounded so that the same data gives the
same bytes.
"""

from __future__ import annotations

import contextlib
import io
import math
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
from phik import phik_matrix as _phik_matrix
from phik.significance import significance_from_array
from scipy import stats as st
from sklearn.metrics import roc_auc_score

from analysis import glossary as g
from analysis.config import StatsParams
from analysis.sampling import stratified_sample

__all__ = ["LEAK_AUC", "id_leakage", "phik_matrix"]

LEAK_AUC = 0.7
"""Separability (max(AUC, 1 − AUC)) of ``id`` from which the export is said to leak."""


def _round(value: Any, digits: int = 4) -> float | None:
    value = float(value)
    return round(value, digits) if math.isfinite(value) else None


def _sig6(value: Any) -> float | None:
    value = float(value)
    return float(f"{value:.6g}") if math.isfinite(value) else None


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Silence phik's warnings and prints."""
    sink = io.StringIO()
    with warnings.catch_warnings(), contextlib.redirect_stdout(sink), \
            contextlib.redirect_stderr(sink):
        warnings.simplefilter("ignore")
        yield


def _features() -> list[str]:
    return [feature for features in g.GROUPS.values() for feature in features]


def _target_significance(sample: pd.DataFrame, features: list[str]) -> dict[str, Any]:
    """Asymptotic χ² significance of each feature against the target, phik binning."""
    target = sample[g.TARGET].to_numpy(dtype=object)
    out: dict[str, Any] = {}
    for feature in features:
        numeric = feature not in g.CATEGORICAL
        values = sample[feature].to_numpy(dtype=float if numeric else object)
        with _quiet():
            p_value, z = significance_from_array(
                values, target, num_vars=["x"] if numeric else None,
                significance_method="asymptotic")
        out[feature] = {"p_value": _sig6(p_value), "z": _round(z)}
    return out


def _collinear(matrix: pd.DataFrame, features: list[str], limit: float) -> list[dict[str, Any]]:
    pairs = [
        {"a": a, "b": b, "phik": _round(matrix.loc[a, b])}
        for i, a in enumerate(features) for b in features[i + 1:]
        if pd.notna(matrix.loc[a, b]) and matrix.loc[a, b] > limit
    ]
    return sorted(pairs, key=lambda p: -p["phik"])


def phik_matrix(modelled: pd.DataFrame, params: StatsParams, seed: int, n_jobs: int = 1
                ) -> dict[str, Any]:
    """Phik correlation of every glossary feature and the target.

    The 210 pairs are computed on ``n_jobs`` worker processes (phik's own joblib
    loop; each pair's value does not depend on where it is computed).

    Numeric features are ``interval_cols`` (phik's default: 10 equal-width
    bins). The matrix is computed on a stratified sample of at most
    ``params.phik_sample`` clients drawn with ``seed``.

    Significance: phik's ``significance_matrix`` takes about 76 s on the
    1,300 real clients (simulation-based and not seeded), so it is not used.
    Only the target column gets a significance, from phik's asymptotic χ²
    on the same binning (``significance_from_array``, ~0.1 s, deterministic).

    Returns
    -------
    dict
        ``{"columns": [str], "matrix": [[float | None]], "target_phik": {feature: float},
        "target_significance": {feature: {"p_value": float, "z": float}},
        "significance_method": "asymptotic", "collinear": [{"a", "b", "phik"}],
        "collinear_threshold": float, "sample_size": int}``. Collinear pairs are
        feature pairs (the target excluded) with phik above
        ``params.collinear_phik``, strongest first. Phik values have 4 decimals;
        a feature phik cannot measure (a constant) gives ``None``.
    """
    features = _features()
    columns = [*features, g.TARGET]
    rows = modelled[columns].dropna()
    sample = rows.iloc[stratified_sample(rows[g.TARGET], None, params.phik_sample, seed % 2**32)]
    interval = [c for c in features if c not in g.CATEGORICAL]
    with _quiet():
        matrix = _phik_matrix(sample, interval_cols=interval, njobs=n_jobs)
    matrix = matrix.reindex(index=columns, columns=columns)
    return {
        "columns": columns,
        "matrix": [[_round(v) for v in row] for row in matrix.to_numpy(dtype=float)],
        "target_phik": {f: _round(matrix.loc[f, g.TARGET]) for f in features},
        "target_significance": _target_significance(sample, features),
        "significance_method": "asymptotic",
        "collinear": _collinear(matrix, features, params.collinear_phik),
        "collinear_threshold": params.collinear_phik,
        "sample_size": len(sample),
    }


def _ids(clients: pd.DataFrame) -> np.ndarray:
    ids = clients["id"] if "id" in clients.columns else clients.index.to_series()
    return ids.to_numpy(dtype=float)


def id_leakage(clients_all: pd.DataFrame) -> dict[str, Any]:
    """How well ``id`` alone separates declined clients from stable ones.

    ``id`` is used as the score for ``Снизилась`` (``roc_auc_score``); an AUC far
    from 0.5 in either direction means the ids are assigned in blocks by target.

    Returns
    -------
    dict
        ``{"auc": raw AUC, "separability": max(auc, 1 - auc), "spearman": Spearman ρ of
        id with the target (1 = declined), "leak": separability >= LEAK_AUC}``;
        floats with 6 decimals.
    """
    declined = (clients_all[g.TARGET] == g.DECLINED).to_numpy(dtype=int)
    ids = _ids(clients_all)
    auc = float(roc_auc_score(declined, ids))
    separability = max(auc, 1.0 - auc)
    rho = st.spearmanr(ids, declined).statistic
    leak = separability >= LEAK_AUC
    return {
        "auc": _round(auc, 6),
        "separability": _round(separability, 6),
        "spearman": _round(rho, 6),
        "leak": bool(leak),
    }
