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
    calibrated probability is a strictly increasing sigmoid of that score, so
    the sign and order of contributions carry over. One-hot columns are summed
    back into ``Популярная_категория``.

Explainer by estimator
    * linear (logistic regression, linear SVM): ``shap.LinearExplainer`` with an
      independent masker over the background sample;
    * tree (tree, forest, boosting): ``shap.TreeExplainer`` (path-dependent);
    * anything else (k-NN, RBF SVM): ``shap.PermutationExplainer``, one antithetic
      permutation per client (exact up to pairwise interactions; five for the
      example clients), players = the 18 export columns (a category's one-hot
      columns are masked together), masker = a stratified, seeded background
      sample of ``min(background, permutation_background)`` clients. The masker
      is :class:`~analysis.explain.explainers.BackgroundMasker`, the computation of
      ``shap.maskers.Independent`` without its numba delta-masking (about 3 s
      of compilation per process); shap's result assembly, which numba would
      also compile on first use (2–5 s), runs as the same loop in numpy
      (:func:`analysis.explain.explainers._fixed_output`, bit-identical). The RBF
      SVM's score is computed with the kernel in numpy (checked against
      ``decision_function``): libsvm predicts row by row and is about 20× slower.

Global ranking
    A stratified, seeded sample of at most ``explain_sample`` clients
    (``permutation_sample`` for the permutation explainer, which costs about
    ``2 × features × background`` model evaluations per client); at most
    2,000 of them are returned for the beeswarm.

Reasons for every client
    SHAP values when they are exact and cheap (linear always; trees when there
    are at most ``explain_sample`` clients). Otherwise occlusion against the
    typical stable client: a feature's contribution is how much the score drops
    when the client's value is replaced by the stable clients' median (numeric)
    or most common value (categorical) — the contrast the reason text states.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split
from threadpoolctl import threadpool_limits

from analysis.config import ShapParams
from analysis.explain.explainers import (
    BackgroundMasker,
    explained_output,
    explainer_kind,
    occlusion,
    shap_by_feature,
    underlying_pipeline,
)
from analysis.explain.reasons import (
    driver_table,
    example_record,
    reason_frame,
    reference_client,
    value_json,
)
from analysis.model.features import MODEL_FEATURES
from analysis.model.metrics import r6

__all__ = [
    "BackgroundMasker",
    "Explanation",
    "explain",
    "explained_output",
    "explainer_kind",
    "underlying_pipeline",
]

_EXAMPLE_PERMUTATIONS = 5
MAX_BEESWARM = 2000


@dataclass(frozen=True)
class Explanation:
    """What the explanation stage hands on.

    Attributes
    ----------
    summary
        JSON-ready: explainer, explained output, sizes, ``drivers`` (global
        ranking) and ``examples`` (waterfall data of 2–3 clients).
    shap_values
        SHAP values by export column (most important first) for the explained
        sample (index ``id``, at most 2,000 clients): the beeswarm's dots.
    base_values
        Each explained client's base value (mean score over the background or,
        for trees, over the training data): ``base + shap_values.sum(axis=1)``
        is the client's score.
    feature_values
        The explained clients' feature values, same rows and columns as ``shap_values``.
    contributions
        Per-client contributions used for the reasons (SHAP or occlusion).
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
    reasons: pd.DataFrame


def _sample(ids: pd.Index, y: pd.Series, size: int, seed: int) -> pd.Index:
    if len(ids) <= size:
        return ids
    picked, _ = train_test_split(ids, train_size=size, stratify=y.loc[ids], random_state=seed)
    return ids[ids.isin(picked)]


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
            threshold: float = 0.5) -> Explanation:
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
    """
    params = params or ShapParams()
    with threadpool_limits(1):
        return _explain(scorers, X, y, params, seed, probability, example_ids, threshold)


def _explain(scorers: Sequence[tuple[Any, pd.Index]], X: pd.DataFrame, y: pd.Series,
             params: ShapParams, seed: int, probability: pd.Series | None,
             example_ids: pd.Index | None, threshold: float) -> Explanation:
    pipes = [(underlying_pipeline(m), pd.Index(ids)) for m, ids in scorers]
    covered = pipes[0][1].append([ids for _, ids in pipes[1:]])
    if covered.has_duplicates or not covered.sort_values().equals(X.index.sort_values()):
        raise ValueError("каждый клиент должен объясняться ровно одной моделью")
    kind = explainer_kind(pipes[0][0][-1])
    output = explained_output(pipes[0][0][-1])
    reference = reference_client(X, y)
    permutation = kind == "permutation"
    rows = min(params.background, params.permutation_background) if permutation \
        else params.background
    background = X.loc[_sample(X.index, y, rows, seed)]
    size = params.permutation_sample if permutation else params.explain_sample
    sample = _sample(X.index, y, size, seed)
    exact_all = kind == "linear" or (kind == "tree" and len(X) <= params.explain_sample)

    def run(ids: pd.Index, permutations: int = 1) -> tuple[pd.DataFrame, pd.Series]:
        values, bases = [], []
        for pipe, own in pipes:
            part = ids[ids.isin(own)]
            if len(part):
                v, b = shap_by_feature(pipe, X.loc[part], background, kind, seed, permutations)
                values.append(v)
                bases.append(pd.Series(b, index=part))
        return pd.concat(values).loc[ids], pd.concat(bases).loc[ids]

    if exact_all:
        all_values, all_base = run(X.index)
        contributions, method = all_values, "shap"
        values, base = all_values.loc[sample], all_base.loc[sample]
    else:
        values, base = run(sample)
        contributions = pd.concat([occlusion(p, X.loc[ids], reference) for p, ids in pipes])
        contributions, method = contributions.loc[X.index], "occlusion"
    drivers = driver_table(values, X, y)
    order = [d["feature"] for d in drivers]
    reasons = reason_frame(contributions, X, y, drivers)

    examples = []
    if probability is not None and params.example_clients:
        candidates = example_ids if example_ids is not None else X.index
        picks = _examples(probability, pd.Index(candidates), threshold, params.example_clients)
        ids = pd.Index([cid for _, cid in picks])
        ex_values, ex_base = ((all_values.loc[ids], all_base.loc[ids]) if exact_all
                              else run(ids, _EXAMPLE_PERMUTATIONS))
        examples = [example_record(cid, name, float(probability.loc[cid]),
                                   float(ex_base.loc[cid]), ex_values.loc[cid].reindex(order),
                                   X.loc[cid]) for name, cid in picks]
    estimator = pipes[0][0][-1]
    shown = _sample(values.index, y, MAX_BEESWARM, seed)
    summary = {
        "explainer": kind,
        "explainer_class": {"linear": "LinearExplainer", "tree": "TreeExplainer",
                            "permutation": "PermutationExplainer"}[kind],
        "estimator": type(estimator).__name__,
        "output": output,
        "models_explained": len(pipes),
        "n_explained": len(values),
        "background_size": len(background) if kind != "tree" else 0,
        "permutations": 1 if permutation else None,
        "example_permutations": _EXAMPLE_PERMUTATIONS if permutation else None,
        "reasons_method": method,
        "reference": {f: value_json(reference[f]) for f in MODEL_FEATURES},
        "base_value": r6(base.mean()),
        "drivers": drivers,
        "examples": examples,
    }
    return Explanation(summary, values.loc[shown, order], base.loc[shown],
                       X.loc[shown, order], contributions, reasons)
