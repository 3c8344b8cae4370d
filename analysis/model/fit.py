"""Model selection, threshold, calibration, hold-out evaluation and scoring.

The order of events is fixed so that the hold-out part cannot influence any choice:

Every split below keeps a duplicate group (``groups``, :mod:`analysis.data.duplicates`)
on one side; they are all made by :mod:`analysis.model.splits`.

1. ``id`` and row order are refused (:func:`analysis.model.features.check_feature_frame`).
2. Stratified grouped hold-out split: ``test_size`` of the groups, shuffled,
   ``random_state=seed`` (:func:`analysis.model.splits.holdout_split`).
3. Model selection on the training part only (:mod:`analysis.model.search`): each
   family's best configuration by repeated grouped CV ROC AUC; the family with
   the best mean wins unless simpler families tie with it within the CV's
   uncertainty (:mod:`analysis.model.choice`): then the simplest of them.
   These CV scores select, so they are reported as a *selection score*
   (``selection_cv_roc_auc_*``), never as the model's quality.
4. Calibration: the chosen pipeline wrapped in
   ``CalibratedClassifierCV(method="sigmoid", ensemble=False)`` with a grouped
   stratified 5-fold (precomputed splits of the data it is fitted on):
   one pipeline fitted on all its training data plus a sigmoid fitted on its
   out-of-fold scores. The sigmoid is strictly increasing, so the calibrated
   model ranks clients as the pipeline does, and SHAP can explain the
   pipeline's own score.
5. Cross-fitting on the training part (:func:`cross_fit`): the calibrated
   model is refitted on every split of the search's repeated CV (same seed,
   same splits; what ``cross_val_predict`` does, once per repeat, keeping the
   fold models). It gives the calibrated model's own repeated-CV ROC AUC
   (``selection_cv_roc_auc_mean``, also under its former name
   ``cv_roc_auc_mean``; equal to the pipeline's up to ties) and out-of-fold
   calibrated probabilities, on which the threshold is chosen — F1-optimal or
   cost-optimal (``threshold_rule``) over all repeats pooled; ``cv_f1`` is the
   mean F1 of the repeats at that threshold.
6. Hold-out, touched once, after 3–5: the calibrated model fitted on the
   training part scores the test part; see :func:`analysis.model.metrics.holdout_metrics`.
   Its ROC AUC, with a bootstrap interval over groups, is **the model's
   quality** (``results["quality"]``): no choice was made on these clients, so
   it estimates the whole procedure — search, choice, calibration — on new clients.
7. Final model: the same calibrated pipeline refitted on all modelled clients:
   the saved model, for next month's export and for clients outside the
   modelled set (:func:`decline_probability`, scored in chunks of 100,000).

Per-client probabilities of the modelled clients (:attr:`ModelRun.probability`)
are out-of-sample: training clients get their out-of-fold probability from the
first repeat of step 5, test clients their hold-out probability from step 6.
An in-sample score of the refitted model would be optimistic for clients it
has memorised (a distance-weighted k-NN returns the client's own label, a
forest nearly so), which would inflate the profit at risk. The models that
produced these probabilities are kept (:attr:`ModelRun.scorers`) and explain
the same clients. Training clients outside the search sample (only when the
training part exceeds ``search_sample``) are scored by the step-6 model;
``in_sample_scores`` counts those of them that the step-6 model was fitted on
(none when ``fit_sample`` ≤ ``search_sample``, see «Large exports» below).

Large exports: every cost grows at most linearly in the number of clients.
The search and the cross-fitting (steps 3 and 5) already run on a stratified
sample of groups holding at most ``search_sample`` training clients; the hold-out model
(step 6) and the final model (step 7) are fitted on stratified samples of at
most ``fit_sample`` clients (of the training part, of all modelled clients),
while every client is still scored, in chunks of 100,000. With the defaults
(both 20,000) the hold-out model is fitted on exactly the search sample, so
the training clients outside it get an out-of-sample probability too. Above
``large_export_clients`` modelled clients only ``large_export_families``
compete: k-NN scores a client against every training client and keeps the
training set in the model, an RBF SVM fits in O(n²–n³) and scores against
thousands of support vectors, and both are explained by the permutation
explainer, so scoring and explaining every client of a large export would cost
(clients × sample) distance or kernel evaluations, 19 times over for the
per-client reasons. The search's cross-validation is repeated
``large_export_cv_repeats`` times (1 by default) instead of ``cv_repeats``: on a
sample of up to ``search_sample`` clients every fold already holds thousands of
clients, so further repeats move the scores little while multiplying the cost
of the search and of the cross-fitting (step 5 refits the calibrated model on
every split). The restriction, the repeats and the sample sizes are recorded in
``results["model"]["large_export"]`` and named in the report's method list
(the method list of the report). Below the threshold nothing changes: the
samples are the whole parts and every family competes.

Native thread pools (OpenMP, BLAS) are limited to one thread inside this
stage: parallelism comes from ``n_jobs`` worker processes. On small data this
is faster (two OpenMP threads made one boosting fit up to 60× slower on a
busy two-core machine) and it keeps results identical for any ``n_jobs``.
"""

from __future__ import annotations

import pickle
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator
from sklearn.calibration import CalibratedClassifierCV
from sklearn.metrics import f1_score, roc_auc_score
from threadpoolctl import threadpool_limits

from analysis import glossary as g
from analysis.config import ModelParams
from analysis.model.features import (
    build_pipeline,
    check_feature_frame,
    feature_frame,
    target_vector,
)
from analysis.model.metrics import choose_threshold, holdout_metrics, r6
from analysis.model.search import FAMILIES, search
from analysis.model.splits import group_codes, holdout_split, kfold, repeated_kfold, subsample
from analysis.model.summary import clean_params as _clean
from analysis.model.summary import model_results
from analysis.progress import CROSS_FIT, Progress, no_progress

__all__ = [
    "PROBABILITY",
    "CrossFit",
    "ModelRun",
    "calibrated",
    "candidate_families",
    "cross_fit",
    "decline_probability",
    "effective_params",
    "fit_model",
    "load_model",
    "run_model",
    "save_model",
]

PROBABILITY = "decline_probability"
CALIBRATION_FOLDS = 5
CHUNK = 100_000


@dataclass
class ModelRun:
    """Everything the model stage hands on.

    Attributes
    ----------
    results
        The ``model`` section of ``results.json`` (plain types, rounded, deterministic).
    search_log
        Every configuration tried (family, params, n_folds, CV mean and std), for the appendix.
    final_model
        Calibrated pipeline refitted on all modelled clients.
    probability
        Out-of-sample probability of ``Снизилась`` per modelled client (index ``id``).
    scorers
        Which calibrated model produced which clients' probability: the first
        repeat's fold models, then the training-part model (test clients and
        training clients outside the search sample). Explanations use the same models.
    train_ids, test_ids
        The hold-out split.
    timings
        Seconds per step (not part of ``results``: they change from run to run).
    """

    results: dict[str, Any]
    search_log: list[dict[str, Any]]
    final_model: CalibratedClassifierCV
    probability: pd.Series
    scorers: list[tuple[Any, pd.Index]]
    train_ids: pd.Index
    test_ids: pd.Index
    timings: dict[str, float] = field(default_factory=dict)


def calibrated(estimator: BaseEstimator, params: ModelParams, y: pd.Series,
               groups: np.ndarray | None = None, n_jobs: int = 1) -> CalibratedClassifierCV:
    """The chosen pipeline wrapped for sigmoid (or isotonic) calibration, ``ensemble=False``.

    The calibration CV is the grouped stratified K-fold of the clients it will be
    fitted on (``y``, ``groups``: same order), precomputed, so no duplicate group
    is split between the pipeline's fit and the scores the sigmoid is fitted on.
    """
    cv = kfold(y, groups, CALIBRATION_FOLDS, params.seed)
    return CalibratedClassifierCV(build_pipeline(estimator), method=params.calibration,
                                  cv=cv, ensemble=False, n_jobs=n_jobs)


def decline_probability(model: Any, X: pd.DataFrame, chunk: int = CHUNK) -> pd.Series:
    """P(``Снизилась``) for every row of ``X``, scored in chunks of ``chunk`` rows.

    Returns a Series named ``decline_probability`` with the index of ``X``.
    """
    check_feature_frame(X)
    parts = [model.predict_proba(X.iloc[i:i + chunk])[:, 1] for i in range(0, len(X), chunk)]
    values = np.concatenate(parts) if parts else np.empty(0)
    return pd.Series(values, index=X.index, name=PROBABILITY)


def _subset(X: pd.DataFrame, y: pd.Series, groups: np.ndarray, size: int, seed: int
            ) -> tuple[pd.DataFrame, pd.Series, np.ndarray]:
    """A stratified sample of groups with at most ``size`` clients (all when fewer)."""
    keep = subsample(y, groups, size, seed)
    if len(keep) == len(X):
        return X, y, groups
    return X.iloc[keep], y.iloc[keep], groups[keep]


def _fit_fold(estimator: BaseEstimator, params: ModelParams, X: pd.DataFrame, y: pd.Series,
              groups: np.ndarray, fit_idx: np.ndarray, val_idx: np.ndarray
              ) -> tuple[Any, np.ndarray]:
    y_fit = y.iloc[fit_idx]
    model = calibrated(estimator, params, y_fit, groups[fit_idx]).fit(X.iloc[fit_idx], y_fit)
    return model, model.predict_proba(X.iloc[val_idx])[:, 1]


@dataclass(frozen=True)
class CrossFit:
    """The calibrated model refitted on every split of the search's repeated CV.

    Attributes
    ----------
    scorers
        The first repeat's fold models, each with the clients it did not see.
    oof
        One out-of-fold probability vector (in the order of ``X``) per repeat.
    fold_auc
        ROC AUC of the calibrated model on each split (folds × repeats).
    """

    scorers: list[tuple[Any, pd.Index]]
    oof: list[np.ndarray]
    fold_auc: list[float]


def cross_fit(estimator: BaseEstimator, X: pd.DataFrame, y: pd.Series, params: ModelParams,
              groups: np.ndarray | None = None, progress: Progress = no_progress) -> CrossFit:
    """Fit the calibrated pipeline on each split of the search CV (same seed, same splits).

    ``progress`` hears of every split fitted, in order (:data:`analysis.progress.CROSS_FIT`).
    """
    groups = group_codes(groups, len(X))
    splits = repeated_kfold(y, groups, params.cv_folds, params.cv_repeats, params.seed)
    fitted = []
    with threadpool_limits(1):
        for model_proba in Parallel(n_jobs=params.n_jobs, return_as="generator")(
                delayed(_fit_fold)(estimator, params, X, y, groups, fit_idx, val_idx)
                for fit_idx, val_idx in splits):
            fitted.append(model_proba)
            progress(CROSS_FIT, len(fitted), len(splits))
    oof = [np.empty(len(X)) for _ in range(params.cv_repeats)]
    fold_auc = []
    for k, ((_, val_idx), (_, proba)) in enumerate(zip(splits, fitted, strict=True)):
        oof[k // params.cv_folds][val_idx] = proba
        fold_auc.append(float(roc_auc_score(y.iloc[val_idx], proba)))
    scorers = [(model, X.index[val_idx])
               for (_, val_idx), (model, _) in zip(splits[:params.cv_folds], fitted, strict=False)]
    return CrossFit(scorers, oof, fold_auc)


def effective_params(params: ModelParams, n_clients: int) -> ModelParams:
    """``params`` as used on ``n_clients`` modelled clients.

    Above ``params.large_export_clients`` the search's cross-validation is repeated
    ``large_export_cv_repeats`` times instead of ``cv_repeats`` (its sample holds up to
    ``search_sample`` clients, so one repeat already measures each fold on thousands
    of clients; see «Large exports» in the module docstring). Below it: ``params``.
    """
    if n_clients <= params.large_export_clients:
        return params
    return params.model_copy(update={"cv_repeats": params.large_export_cv_repeats})


def candidate_families(params: ModelParams, n_clients: int) -> tuple[str, ...]:
    """The families that compete on ``n_clients`` modelled clients.

    All of ``params.families`` up to ``params.large_export_clients`` clients;
    above it only those also in ``params.large_export_families`` (all of them
    if none is, so that a run never ends without a model).
    """
    if n_clients <= params.large_export_clients:
        return tuple(params.families)
    kept = tuple(f for f in params.families if f in params.large_export_families)
    return kept or tuple(f for f in params.large_export_families if f in FAMILIES)


def fit_model(X: pd.DataFrame, y: pd.Series, params: ModelParams | None = None,
              groups: pd.Series | None = None, progress: Progress = no_progress) -> ModelRun:
    """Select, calibrate, evaluate and refit the model; see the module docstring.

    Parameters
    ----------
    X
        Feature frame (:func:`analysis.model.features.feature_frame`), index ``id``.
        A column that looks like an identifier raises
        :class:`analysis.model.features.LeakageError`.
    y
        1 for ``Снизилась``, 0 otherwise, same index as ``X``.
    groups
        Duplicate group per client (``ClientData.groups``, indexed by ``id``);
        ``None``: every client is its own group.
    progress
        Told how far the search and the cross-fitting have got (:mod:`analysis.progress`).
    """
    params = params or ModelParams()
    check_feature_frame(X)
    if not X.index.equals(y.index):
        raise ValueError("X и y должны иметь один и тот же индекс (id)")
    codes = group_codes(None if groups is None else groups.reindex(X.index), len(X))
    with threadpool_limits(1):
        return _fit(X, y, codes, effective_params(params, len(X)), progress)


def _fit(X: pd.DataFrame, y: pd.Series, groups: np.ndarray, params: ModelParams,
         progress: Progress = no_progress) -> ModelRun:
    clock, timings = time.perf_counter(), {}

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[name] = round(now - clock, 3)
        clock = now

    train_pos, test_pos = holdout_split(y, groups, params.test_size, params.seed)
    X_train, X_test, y_train, y_test = (X.iloc[train_pos], X.iloc[test_pos],
                                        y.iloc[train_pos], y.iloc[test_pos])
    g_train, g_test = groups[train_pos], groups[test_pos]
    X_search, y_search, g_search = _subset(X_train, y_train, g_train, params.search_sample,
                                           params.seed)
    families = candidate_families(params, len(X))
    splits = repeated_kfold(y_search, g_search, params.cv_folds, params.cv_repeats, params.seed)
    found = search(X_search, y_search, families, params.search_iter, splits, params.cv_folds,
                   params.seed, params.n_jobs, progress)
    estimator = FAMILIES[found.best].make(found.best_params, params.seed)
    lap("search")

    cross = cross_fit(estimator, X_search, y_search, params, g_search, progress)
    oof, scorers = cross.oof, cross.scorers
    threshold = choose_threshold(np.tile(y_search.to_numpy(), len(oof)), np.concatenate(oof),
                                 params.threshold_rule, params.miss_cost)
    f1_repeats = [f1_score(y_search, (p >= threshold).astype(int), zero_division=0) for p in oof]
    lap("threshold")

    X_fit, y_fit, g_fit = _subset(X_train, y_train, g_train, params.fit_sample, params.seed)
    train_model = calibrated(estimator, params, y_fit, g_fit, params.n_jobs).fit(X_fit, y_fit)
    p_test = decline_probability(train_model, X_test)
    holdout = holdout_metrics(y_test.to_numpy(), p_test.to_numpy(), threshold,
                              params.bootstrap, params.seed, groups=g_test)
    lap("holdout")

    X_all, y_all, g_all = _subset(X, y, groups, params.fit_sample, params.seed)
    final_model = calibrated(estimator, params, y_all, g_all, params.n_jobs).fit(X_all, y_all)
    rest = X_train.index.difference(X_search.index)
    scorers.append((train_model, X_test.index.append(rest)))
    probability = pd.concat([
        pd.Series(oof[0], index=X_search.index), p_test,
        decline_probability(train_model, X_train.loc[rest])]).reindex(X.index)
    lap("final")

    results = model_results(found, cross.fold_auc, f1_repeats, threshold, holdout, params,
                            groups, len(X_test))
    results.update({
        "train_size": len(X_train),
        "test_size": len(X_test),
        "test_groups": len(np.unique(g_test)),
        "search_sample_size": len(X_search),
        "in_sample_scores": len(rest.intersection(X_fit.index)),
        "positive_class": g.DECLINED,
    })
    if len(X) > params.large_export_clients:
        # only on large exports, so that the results of a small export keep their bytes
        results["large_export"] = {
            "threshold_clients": params.large_export_clients,
            "families": list(families),
            "excluded_families": [f for f in params.families if f not in families],
            "fit_sample_size": len(X_fit),
            "final_fit_size": len(X_all),
            "cv_repeats": params.cv_repeats,
        }
    log = [{**t, "params": _clean(t["params"]), "cv_roc_auc_mean": r6(t["cv_roc_auc_mean"]),
            "cv_roc_auc_std": r6(t["cv_roc_auc_std"])} for t in found.tried]
    results["search_log"] = log
    return ModelRun(results, log, final_model, probability.rename(PROBABILITY), scorers,
                    X_train.index.sort_values(), X_test.index.sort_values(), timings)


def run_model(clients: pd.DataFrame, params: ModelParams | None = None,
              groups: pd.Series | None = None, progress: Progress = no_progress) -> ModelRun:
    """:func:`fit_model` on the modelled clients of ``ClientData.modelled``
    (``groups``: ``ClientData.groups``)."""
    return fit_model(feature_frame(clients), target_vector(clients), params, groups, progress)


def save_model(model: Any, path: Path) -> Path:
    """Write a fitted model with :func:`joblib.dump` (the run's only file output here)."""
    path = Path(path)
    joblib.dump(model, path, protocol=pickle.HIGHEST_PROTOCOL)
    return path


def load_model(path: Path) -> Any:
    """Read a model written by :func:`save_model` (trusted files only: it unpickles)."""
    return joblib.load(Path(path))
