"""Candidate model families and the seeded, racing hyperparameter search.

Every family has a documented grid; ``search_iter × share`` configurations are
drawn from it without replacement (:class:`~sklearn.model_selection.ParameterSampler`,
seeded per family) and scored by ROC AUC on the repeated grouped stratified
K-fold of :func:`analysis.model.splits.repeated_kfold` (``cv_folds × cv_repeats``,
duplicate groups never split) of the training part (or of a stratified sample
of ``search_sample`` clients).

The search races the configurations over the repeats (successive halving with
factor 3): every configuration is scored on the first repeat, the best third
continues to the second, and so on; the last repeat is run by the family's
single survivor only. So the reported ``cv_roc_auc_mean ± std`` of each
family's best configuration always comes from the full ``folds × repeats``
cross-validation, while slow families do not pay for it on every
configuration. Slow families (boosting, forest) also draw fewer
configurations (``share``).

These scores *select*: the best of many configurations on the same splits is
optimistic, so they are a selection score, never the model's quality (that is
the untouched hold-out, :mod:`analysis.model.fit`). Which family wins is
decided by :mod:`analysis.model.choice` (ties within the CV's uncertainty go to
the simpler family, ``Family.simplicity``).

Speed: the preprocessor is fitted once per fold and its output reused by every
configuration of that fold (exactly what a per-configuration pipeline would
compute, without refitting it); fits run in parallel (``n_jobs``), the costliest
families' first (``Family.cost``), and are deterministic (fixed ``random_state``
everywhere, each configuration's scores collected in fold order).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, clone
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import ParameterSampler
from sklearn.neighbors import KNeighborsClassifier
from sklearn.svm import SVC, LinearSVC
from sklearn.tree import DecisionTreeClassifier

from analysis.model.choice import Choice, choose_family
from analysis.model.features import build_preprocessor
from analysis.model.splits import Split
from analysis.progress import SEARCH, Progress, no_progress

__all__ = ["FAMILIES", "Family", "SearchResult", "ranking_scores", "sample_configs", "search"]

_ETA = 3


@dataclass(frozen=True)
class Family:
    """A candidate model family.

    Attributes
    ----------
    label_ru
        Name for the report.
    make
        ``make(params, seed)`` builds the estimator.
    grid
        Lists of values per hyperparameter (the documented search space).
    share
        Fraction of ``search_iter`` configurations drawn (slow families draw fewer).
    simplicity
        Rank in the tie-break order (lower = simpler: fewer parameters, exact and
        fast explanations, probabilities that need little calibration); ``None``
        for the baseline, which is a reference and never chosen over a real model.
    cost
        Rough cost of one fit, as a rank (higher = slower; measured on the real
        export: a forest fit ≈ 190 ms, boosting ≈ 80, an RBF SVM ≈ 30, the rest
        ≤ 10). Only the order in which fits are handed to the workers follows it
        (costliest first, so that the last fits of a rung are short and no worker
        idles while another finishes a forest); the scores do not depend on it.
    """

    label_ru: str
    make: Callable[[dict[str, Any], int], BaseEstimator]
    grid: dict[str, list[Any]]
    share: float = 1.0
    simplicity: int | None = None
    cost: int = 1


FAMILIES: dict[str, Family] = {
    "dummy": Family(
        "Базовая модель (доля классов)",
        lambda p, s: DummyClassifier(**p), {"strategy": ["prior"]}),
    # Euclidean distance on standardised features only: brute-force Euclidean search runs
    # on BLAS, Manhattan is 5-10× slower to predict (and so to explain) with no gain in AUC.
    # "distance" weighting returns a training client's own label: harmless here because
    # clients are scored and explained only by models that did not see them (analysis.model.fit)
    "knn": Family(
        "k ближайших соседей",
        lambda p, s: KNeighborsClassifier(algorithm="brute", p=2, **p),
        {"n_neighbors": [11, 15, 21, 25, 31, 41, 51], "weights": ["uniform", "distance"]},
        simplicity=6, cost=2),
    "tree": Family(
        "Дерево решений",
        lambda p, s: DecisionTreeClassifier(random_state=s, **p),
        {"max_depth": [3, 4, 5, 6, 8], "min_samples_leaf": [5, 10, 20, 40],
         "criterion": ["gini", "entropy"], "class_weight": [None, "balanced"]},
        simplicity=3, cost=2),
    "logreg": Family(
        "Логистическая регрессия",
        lambda p, s: LogisticRegression(max_iter=2000, **p),
        {"C": [0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0], "class_weight": [None, "balanced"]},
        simplicity=1),
    "svc_linear": Family(
        "Линейный SVM",
        lambda p, s: LinearSVC(max_iter=20000, random_state=s, **p),
        {"C": [0.003, 0.01, 0.03, 0.1, 0.3, 1.0], "class_weight": [None, "balanced"]},
        simplicity=2),
    "svc_rbf": Family(
        "SVM с RBF-ядром",
        lambda p, s: SVC(kernel="rbf", **p),
        {"C": [0.3, 0.5, 1.0, 2.0, 3.0], "gamma": ["scale", 0.02, 0.03, 0.05],
         "class_weight": [None, "balanced"]}, simplicity=7, cost=3),
    # early stopping off (no internal split on ~1,000 clients), at most 100 iterations
    "hgb": Family(
        "Градиентный бустинг (гистограммный)",
        lambda p, s: HistGradientBoostingClassifier(early_stopping=False, random_state=s, **p),
        {"learning_rate": [0.05, 0.1, 0.2], "max_iter": [50, 100],
         "max_leaf_nodes": [4, 8, 15], "min_samples_leaf": [10, 20, 40],
         "l2_regularization": [0.0, 1.0, 10.0]}, share=0.375, simplicity=5, cost=4),
    # at most 100 trees of bounded depth: fast to fit and to explain (TreeExplainer);
    # on ~1,000 clients 60 trees rank as well as 100-200 (CV ROC AUC within 0.001)
    "forest": Family(
        "Случайный лес",
        lambda p, s: RandomForestClassifier(random_state=s, n_jobs=1, **p),
        {"n_estimators": [60, 100], "max_depth": [6, 8, 10], "min_samples_leaf": [2, 3, 5],
         "max_features": ["sqrt", 0.3]}, share=0.25, simplicity=4, cost=5),
}
_OFFSETS = {name: i for i, name in enumerate(FAMILIES)}


@dataclass(frozen=True)
class SearchResult:
    """What the search found.

    Attributes
    ----------
    candidates
        Per family (in the order asked): name, label_ru, params of the best
        configuration, cv_roc_auc_mean, cv_roc_auc_std (full repeated CV), n_configs,
        cv_diff_to_top and cv_diff_se (paired CV difference to the top family and its
        corrected standard error), tied (ties with the top family).
    tried
        Every configuration scored: family, params, n_folds, cv_roc_auc_mean, cv_roc_auc_std.
    best
        The chosen family (:mod:`analysis.model.choice`: the simplest of those tied
        with the highest mean CV ROC AUC).
    fold_scores
        Full repeated-CV ROC AUC per fold of each family's best configuration.
    choice
        The selection: top family by CV, tied set, paired differences and their SE.
    """

    candidates: list[dict[str, Any]]
    tried: list[dict[str, Any]]
    best: str
    fold_scores: dict[str, list[float]]
    choice: Choice

    @property
    def best_params(self) -> dict[str, Any]:
        """Hyperparameters of the chosen configuration."""
        return next(c["params"] for c in self.candidates if c["name"] == self.best)


def sample_configs(name: str, search_iter: int, seed: int) -> list[dict[str, Any]]:
    """The configurations of family ``name`` tried for ``search_iter`` (seeded, no repeats)."""
    family = FAMILIES[name]
    size = math.prod(len(v) for v in family.grid.values())
    n = min(size, max(1, math.ceil(search_iter * family.share)))
    sampler = ParameterSampler(family.grid, n_iter=n, random_state=seed + _OFFSETS[name])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # grid smaller than n_iter
        return [dict(sorted(p.items())) for p in sampler]


def ranking_scores(estimator: BaseEstimator, X: Any) -> np.ndarray:
    """Scores for ROC AUC: ``decision_function`` when there is one, else P(class 1)."""
    if hasattr(estimator, "decision_function"):
        return np.asarray(estimator.decision_function(X), dtype=float)
    return np.asarray(estimator.predict_proba(X)[:, 1], dtype=float)


def _fold_auc(estimator: BaseEstimator, fold: tuple[np.ndarray, ...]) -> float:
    x_fit, y_fit, x_val, y_val = fold
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fitted = clone(estimator).fit(x_fit, y_fit)
    return float(roc_auc_score(y_val, ranking_scores(fitted, x_val)))


def _folds(X: pd.DataFrame, y: np.ndarray, splits: list[tuple[np.ndarray, np.ndarray]]
           ) -> list[tuple[np.ndarray, ...]]:
    folds = []
    for fit_idx, val_idx in splits:
        pre = build_preprocessor().set_output(transform="default").fit(X.iloc[fit_idx])
        folds.append((pre.transform(X.iloc[fit_idx]), y[fit_idx],
                      pre.transform(X.iloc[val_idx]), y[val_idx]))
    return folds


def _survivors(n: int, repeats: int) -> list[int]:
    counts = [max(1, math.ceil(n / _ETA**r)) for r in range(repeats)]
    if repeats > 1:
        counts[-1] = 1
    return counts


def search(X: pd.DataFrame, y: pd.Series, families: tuple[str, ...], search_iter: int,
           splits: list[Split], folds: int, seed: int, n_jobs: int = 1,
           progress: Progress = no_progress) -> SearchResult:
    """Race ``search_iter`` configurations of each family on ``splits``; see the module docstring.

    ``splits`` are ``repeats`` consecutive blocks of ``folds`` splits
    (:func:`analysis.model.splits.repeated_kfold`); each block is one rung of the race.
    ``progress`` hears of every fit (configuration × fold) as its score comes in,
    in order (:data:`analysis.progress.SEARCH`).
    """
    unknown = [f for f in families if f not in FAMILIES]
    if unknown:
        raise ValueError(f"неизвестные семейства моделей: {unknown}")
    target = np.asarray(y)
    repeats = len(splits) // folds
    data = _folds(X, target, splits)
    configs = {f: sample_configs(f, search_iter, seed) for f in families}
    scores: dict[tuple[str, int], list[float]] = {}
    alive = {f: list(range(len(configs[f]))) for f in families}
    survivors = {f: _survivors(len(configs[f]), repeats) for f in families}
    total, done = sum(sum(survivors[f]) for f in families) * folds, 0
    with Parallel(n_jobs=n_jobs, return_as="generator") as parallel:
        for rung in range(repeats):
            for f in families:
                ranked = sorted(alive[f], key=lambda i, f=f: -np.mean(scores.get((f, i), [0.0])))
                alive[f] = sorted(ranked[: survivors[f][rung]])
            costliest_first = sorted(families, key=lambda f: -FAMILIES[f].cost)
            tasks = [(f, i, k) for f in costliest_first for i in alive[f]
                     for k in range(rung * folds, (rung + 1) * folds)]
            results = parallel(
                delayed(_fold_auc)(FAMILIES[f].make(configs[f][i], seed), data[k])
                for f, i, k in tasks)
            for (f, i, _), auc in zip(tasks, results, strict=True):
                scores.setdefault((f, i), []).append(auc)
                done += 1
                progress(SEARCH, done, total)
    return _summarise(families, configs, scores, alive, folds, repeats)


def _summarise(families: tuple[str, ...], configs: dict[str, list[dict[str, Any]]],
               scores: dict[tuple[str, int], list[float]], alive: dict[str, list[int]],
               folds: int, repeats: int) -> SearchResult:
    tried, candidates, fold_scores = [], [], {}
    for f in families:
        for i, params in enumerate(configs[f]):
            s = scores[(f, i)]
            tried.append({"family": f, "params": params, "n_folds": len(s),
                          "cv_roc_auc_mean": float(np.mean(s)),
                          "cv_roc_auc_std": float(np.std(s))})
        winner = max(alive[f], key=lambda i, f=f: (np.mean(scores[(f, i)]), -i))
        s = scores[(f, winner)]
        if len(s) != folds * repeats:
            raise RuntimeError(
                f"{f}: best configuration scored on {len(s)} of {folds * repeats} folds")
        fold_scores[f] = s
        candidates.append({"name": f, "label_ru": FAMILIES[f].label_ru,
                           "params": configs[f][winner], "cv_roc_auc_mean": float(np.mean(s)),
                           "cv_roc_auc_std": float(np.std(s)), "n_configs": len(configs[f])})
    choice = choose_family(fold_scores, {f: FAMILIES[f].simplicity for f in families}, folds)
    for c in candidates:
        c["cv_diff_to_top"] = choice.difference[c["name"]]
        c["cv_diff_se"] = choice.se[c["name"]]
        c["tied"] = c["name"] in choice.tied
    return SearchResult(candidates, tried, choice.chosen, fold_scores, choice)
