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
    ``permutation_background`` rows from the background; ``large_export_background``
    rows above ``model.large_export_clients`` clients, see «Large exports»). The
    background is a stratified, seeded sample of ``background`` clients: all of
    them on an export of that size or less. A client's values add up to its score
    minus the base value, so a client scored above the base has at least one
    feature with a positive value: its reasons are its positive values,
    largest first (:func:`analysis.explain.reasons.reason_frame`).

Tasks, workers and seeds
    The clients of scorer ``k`` (in the order of ``X``) are cut into chunks of
    :data:`CHUNK_CLIENTS`; each (scorer, chunk) is one task, run on ``n_jobs``
    worker processes (joblib, one BLAS/OpenMP thread each) and collected in
    order. The chunk size is a constant, never derived from ``n_jobs``, so the
    values are the same for any number of workers. Chunk 0 of scorer ``k`` is
    seeded with ``seed + k`` (so an export whose scorers all have at most
    :data:`CHUNK_CLIENTS` clients gets the values of one call per scorer);
    chunk ``j ≥ 1`` with the first 64-bit word of
    ``numpy.random.SeedSequence([seed, k, j])`` (:func:`chunk_seed`).

Large exports
    Above ``large_export_clients`` clients the permutation explainer draws
    ``large_export_background`` background rows per client instead of
    ``permutation_background``: the cost per client is proportional to the
    draw. The draw used is ``background_per_client`` of the summary. Measured
    on 25,000 clients of a 100,000-client demo export (boosting): the first
    reason of a 20-row estimate and of an independent one (another seed)
    agree for 71 % of clients; with 10 rows for 66 %, with 5 for 60 %, with 3
    for 55 %; the global ranking kept its order at 10, 5 and 3. The default,
    10 rows, is the smallest draw within 5 points of the 20-row seed noise,
    at about half the cost per client.

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
from joblib import Parallel, delayed
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
    "CHUNK_CLIENTS",
    "Explanation",
    "background_draw",
    "chunk_seed",
    "explain",
    "explained_output",
    "explainer_kind",
    "underlying_pipeline",
]


CHUNK_CLIENTS = 10_000
"""Clients of one SHAP task (fixed: the values never depend on ``n_jobs``)."""


def chunk_seed(seed: int, scorer: int, chunk: int) -> int:
    """Seed of chunk ``chunk`` of scorer ``scorer``: ``seed + scorer`` for chunk 0.

    Later chunks take the first 64-bit word of ``SeedSequence([seed, scorer, chunk])``.
    """
    if chunk == 0:
        return seed + scorer
    state = np.random.SeedSequence([seed, scorer, chunk]).generate_state(1, dtype=np.uint64)
    return int(state[0])


def background_draw(params: ShapParams, n_clients: int,
                    large_export_clients: int | None = None) -> int:
    """Background rows drawn per client: fewer above ``large_export_clients`` clients."""
    if large_export_clients is not None and n_clients > large_export_clients:
        return params.large_export_background
    return params.permutation_background


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
            threshold: float = 0.5, progress: Progress = no_progress, n_jobs: int = 1,
            large_export_clients: int | None = None) -> Explanation:
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
        Told of the clients explained so far, after each task (a chunk of one
        scorer's clients, in order; :data:`analysis.progress.SHAP`).
    n_jobs
        Worker processes of the permutation explainer (the values do not depend on it).
    large_export_clients
        Above this many clients, ``params.large_export_background`` rows are
        drawn per client (``None``: never).
    """
    params = params or ShapParams()
    draw = background_draw(params, len(X), large_export_clients)
    with threadpool_limits(1):
        return _explain(scorers, X, y, params, seed, probability, example_ids, threshold,
                        progress, n_jobs, draw)


def _explain_chunk(pipe: Any, rows: pd.DataFrame, background: pd.DataFrame, kind: str,
                   seed: int, permutations: int, draw: int) -> tuple[pd.DataFrame, np.ndarray]:
    """One task: SHAP values of ``rows`` (run in a worker, one thread)."""
    with threadpool_limits(1):
        return shap_by_feature(pipe, rows, background, kind, seed, permutations, draw)


def _tasks(pipes: Sequence[tuple[Any, pd.Index]], index: pd.Index
           ) -> list[tuple[int, int, pd.Index]]:
    """(scorer, chunk, ids) of every task: each scorer's clients in the order of ``index``."""
    tasks = []
    for k, (_, own) in enumerate(pipes):
        part = index[index.isin(own)]
        for j, start in enumerate(range(0, len(part), CHUNK_CLIENTS)):
            tasks.append((k, j, part[start:start + CHUNK_CLIENTS]))
    return tasks


def _explain(scorers: Sequence[tuple[Any, pd.Index]], X: pd.DataFrame, y: pd.Series,
             params: ShapParams, seed: int, probability: pd.Series | None,
             example_ids: pd.Index | None, threshold: float,
             progress: Progress = no_progress, n_jobs: int = 1,
             draw: int | None = None) -> Explanation:
    pipes = [(underlying_pipeline(m), pd.Index(ids)) for m, ids in scorers]
    covered = pipes[0][1].append([ids for _, ids in pipes[1:]])
    if covered.has_duplicates or not covered.sort_values().equals(X.index.sort_values()):
        raise ValueError("каждый клиент должен объясняться ровно одной моделью")
    kind = explainer_kind(pipes[0][0][-1])
    output = explained_output(pipes[0][0][-1])
    permutation = kind == "permutation"
    draw = params.permutation_background if draw is None else draw
    background = X.loc[_sample(X.index, y, params.background, seed)]
    tasks = _tasks(pipes, X.index)
    values, bases, done = [], [], 0
    jobs = n_jobs if permutation and len(tasks) > 1 else 1   # linear SHAP is instant
    with Parallel(n_jobs=jobs, return_as="generator") as parallel:
        found = parallel(delayed(_explain_chunk)(pipes[k][0], X.loc[ids], background, kind,
                                                 chunk_seed(seed, k, j), params.permutations,
                                                 draw)
                         for k, j, ids in tasks)
        for v, b in found:
            values.append(v)
            bases.append(pd.Series(b, index=v.index))
            done += len(v)
            progress(SHAP, done, len(X))
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
        "background_per_client": min(draw, len(background)) if permutation else None,
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
