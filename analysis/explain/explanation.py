"""SHAP explanations of the chosen model: global drivers, client reasons, examples.

Which model explains which client
    Each client is explained by the model that produced its probability
    (:attr:`analysis.model.fit.ModelRun.scorers`): training clients by the fold
    model that did not see them, test clients by the training-part model. No
    client is explained by a model that memorised it (a forest's or a
    distance-weighted k-NN's in-sample output is close to the client's own label).

What is explained
    The uncalibrated pipeline's score, on the features after preprocessing:
    ``decision_function`` (log-odds for logistic regression and boosting,
    the margin for SVMs) or P(``Снизилась``) (tree, forest, k-NN). The
    calibrated probability is an increasing function of that score, so the
    sign and order of contributions carry over. Players are the source
    columns; the month-on-month changes are explained through their sources
    (see :mod:`analysis.explain.explainers`).

Every scored client
    Every client gets its own SHAP values: exact for linear models, the
    antithetic permutation estimator for every other model (``permutations``
    pairs of orders per client, each client with its own seeded draw of
    ``permutation_background`` rows from the background). The background is
    a stratified, seeded sample of ``background`` clients: all of them on an
    export of that size or less. A client's values add up to its score
    minus the base value, so a client scored above the base has at least one
    feature with a positive value: its reasons are its positive values,
    largest first (:func:`analysis.explain.reasons.reason_frame`).

Global ranking
    Mean |SHAP| over all scored clients, with bootstrap rank intervals and
    tiers (:mod:`analysis.explain.ranking`); at most ``explain_sample``
    clients are returned for the beeswarm.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from analysis.config import ShapParams
from analysis.explain.explainers import (
    DERIVED,
    EXPLAINED_FEATURES,
    explained_output,
    explainer_kind,
    shap_by_feature,
    underlying_pipeline,
)
from analysis.explain.ranking import rank_intervals
from analysis.explain.reasons import (
    driver_table,
    example_record,
    reason_frame,
    reference_client,
    value_json,
)
from analysis.model.metrics import r6
from analysis.progress import SHAP, Progress, no_progress
from analysis.sampling import stratified_sample

__all__ = [
    "Explanation",
    "explain",
    "explained_output",
    "explainer_kind",
    "underlying_pipeline",
]


@dataclass(frozen=True)
class Explanation:
    """What the explanation stage hands on.

    Attributes
    ----------
    summary
        JSON-ready: explainer, explained output, sizes, ``drivers`` (global
        ranking) and ``examples`` (waterfall data of 2–3 clients).
    shap_values
        SHAP values by source column (most important first) for a stratified
        sample of at most ``explain_sample`` clients (index ``id``): the beeswarm's dots.
    base_values
        Each explained client's base value (mean score over the background or,
        for trees, over the training data): ``base + shap_values.sum(axis=1)``
        is the client's score.
    feature_values
        The explained clients' feature values, same rows and columns as ``shap_values``.
    contributions
        SHAP values of every scored client by source column (index ``id``).
    contribution_base
        Each scored client's base value: ``contribution_base + contributions.sum(axis=1)``
        is the client's explained score.
    reasons
        Per client, reason records ``reason_k_<field>`` (k = 1 … 3; see
        :mod:`analysis.explain.reasons`): features pushing toward decline,
        strongest first; empty when fewer.
    """

    summary: dict[str, Any]
    shap_values: pd.DataFrame
    base_values: pd.Series
    feature_values: pd.DataFrame
    contributions: pd.DataFrame
    contribution_base: pd.Series
    reasons: pd.DataFrame


def _sample(ids: pd.Index, y: pd.Series, size: int, seed: int) -> pd.Index:
    return ids[stratified_sample(y.loc[ids], None, size, seed)]


def _examples(probability: pd.Series, candidates: pd.Index, threshold: float, count: int
              ) -> list[tuple[str, Any]]:
    scores = probability.loc[candidates].sort_index()
    order = scores.sort_values(ascending=False, kind="stable")
    borderline = (scores - threshold).abs().sort_values(kind="stable").index[0]
    picks = [("highest", order.index[0]), ("borderline", borderline), ("lowest", order.index[-1])]
    extra = [("quantile", order.index[int(q * (len(order) - 1))])
             for q in np.linspace(0, 1, max(0, count - 3) + 2)[1:-1]]
    chosen, seen = [], set()
    for kind, cid in picks + extra:
        if cid not in seen and len(chosen) < count:
            chosen.append((kind, cid))
            seen.add(cid)
    return chosen


def explain(scorers: Sequence[tuple[Any, pd.Index]], X: pd.DataFrame, y: pd.Series,
            params: ShapParams | None = None, seed: int = 0,
            probability: pd.Series | None = None, example_ids: pd.Index | None = None,
            threshold: float = 0.5, progress: Progress = no_progress) -> Explanation:
    """Explain every client of ``X`` with its scorer; see the module docstring.

    Parameters
    ----------
    scorers
        ``(model, ids)`` pairs: which fitted model explains which clients. One
        pair ``(final_model, X.index)`` explains everything with one model.
    X, y
        Feature frame and target (1 = ``Снизилась``) of all clients; ``y``
        gives the stable clients' typical values and the stratification.
    probability, example_ids, threshold
        Clients' probabilities, the candidates for the waterfall examples
        (e.g. the test clients) and the decision threshold (for «borderline»).
    progress
        Told of the clients explained so far, after each scorer's clients
        (:data:`analysis.progress.SHAP`).
    """
    params = params or ShapParams()
    with threadpool_limits(1):
        return _explain(scorers, X, y, params, seed, probability, example_ids, threshold,
                        progress)


def _explain(scorers: Sequence[tuple[Any, pd.Index]], X: pd.DataFrame, y: pd.Series,
             params: ShapParams, seed: int, probability: pd.Series | None,
             example_ids: pd.Index | None, threshold: float,
             progress: Progress = no_progress) -> Explanation:
    pipes = [(underlying_pipeline(m), pd.Index(ids)) for m, ids in scorers]
    covered = pipes[0][1].append([ids for _, ids in pipes[1:]])
    if covered.has_duplicates or not covered.sort_values().equals(X.index.sort_values()):
        raise ValueError("каждый клиент должен объясняться ровно одной моделью")
    kind = explainer_kind(pipes[0][0][-1])
    output = explained_output(pipes[0][0][-1])
    permutation = kind == "permutation"
    background = X.loc[_sample(X.index, y, params.background, seed)]
    values, bases = [], []
    for k, (pipe, own) in enumerate(pipes):
        part = X.index[X.index.isin(own)]
        if len(part):
            v, b = shap_by_feature(pipe, X.loc[part], background, kind, seed + k,
                                   params.permutations, params.permutation_background)
            values.append(v)
            bases.append(pd.Series(b, index=part))
            progress(SHAP, sum(len(b) for b in bases), len(X))
    all_values, all_base = pd.concat(values).loc[X.index], pd.concat(bases).loc[X.index]
    drivers = driver_table(all_values, X, y)
    ranks = rank_intervals(all_values, params.rank_resamples, params.rank_level, seed)
    for d in drivers:
        d |= ranks[d["feature"]]
    order = [d["feature"] for d in drivers]
    reasons = reason_frame(all_values, X, y, drivers)
    reference = reference_client(X, y)

    examples = []
    if probability is not None and params.example_clients:
        candidates = example_ids if example_ids is not None else X.index
        picks = _examples(probability, pd.Index(candidates), threshold, params.example_clients)
        examples = [example_record(cid, name, float(probability.loc[cid]),
                                   float(all_base.loc[cid]), all_values.loc[cid].reindex(order),
                                   X.loc[cid]) for name, cid in picks]
    estimator = pipes[0][0][-1]
    shown = _sample(X.index, y, params.explain_sample, seed)
    summary = {
        "explainer": kind,
        "explainer_class": "exact linear" if kind == "linear" else "antithetic permutation",
        "estimator": type(estimator).__name__,
        "output": output,
        "models_explained": len(pipes),
        "n_explained": len(all_values),
        "background_size": len(background),
        "background_per_client": (min(params.permutation_background, len(background))
                                  if permutation else None),
        "permutations": params.permutations if permutation else None,
        "derived_features": {d: list(s) for d, s in DERIVED.items()},
        "derived_method": "sources",
        "rank_resamples": params.rank_resamples,
        "rank_level": params.rank_level,
        "reasons_method": "shap",
        "reference": {f: value_json(reference[f]) for f in EXPLAINED_FEATURES},
        "base_value": r6(all_base.mean()),
        "drivers": drivers,
        "examples": examples,
    }
    return Explanation(summary, all_values.loc[shown, order], all_base.loc[shown],
                       X.loc[shown, order], all_values, all_base, reasons)
