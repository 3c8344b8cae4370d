"""The model and explanation stages as one call, shaped for the results bundle.

:func:`fit_and_explain` runs :func:`analysis.model.fit.run_model` and then
:func:`analysis.explain.explanation.explain` with the model's own scorers (each client
explained by the model that produced its out-of-sample probability) and
returns what :mod:`analysis.run` puts into ``results.json``, ``scores.csv``
and ``tables/``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import pandas as pd

from analysis.config import Config
from analysis.explain.explanation import explain
from analysis.model.features import feature_frame, target_vector
from analysis.model.fit import run_model
from analysis.progress import Progress, no_progress

__all__ = ["Fitted", "fit_and_explain"]


@dataclass(frozen=True)
class Fitted:
    """Model and explanations of one run.

    Attributes
    ----------
    summary
        ``results["model"]``: selection, CV, threshold, hold-out metrics, search log.
    drivers
        ``results["drivers"]``: global SHAP ranking with direction and contrast.
    shap_summary
        ``results["shap"]``: explainer, explained output, sizes, example waterfalls.
    probability
        Out-of-sample ``decline_probability`` of every modelled client (index ``id``).
    shap_by_feature
        Each modelled client's SHAP values toward decline by source column, from
        the model that scored the client (month-to-month changes credited to
        their months).
    reasons
        Reason records per client (``reason_k_<field>``, no words: see
        :mod:`analysis.explain.reasons`).
    tables
        ``shap_values`` and ``shap_features``: the beeswarm sample (≤ 2,000 clients).
    model
        The calibrated model refitted on all modelled clients (for ``model.joblib``).
    timings
        Seconds per step.
    """

    summary: dict[str, Any]
    drivers: list[dict[str, Any]]
    shap_summary: dict[str, Any]
    probability: pd.Series
    shap_by_feature: pd.DataFrame
    reasons: pd.DataFrame
    tables: dict[str, pd.DataFrame]
    model: Any
    timings: dict[str, float]


def fit_and_explain(clients: pd.DataFrame, config: Config,
                    groups: pd.Series | None = None,
                    progress: Progress = no_progress) -> Fitted:
    """Select, evaluate and refit the model on ``clients`` (modelled), then explain it.

    ``groups`` (``ClientData.groups``) keeps each duplicate group on one side of every split;
    ``progress`` is told how far the search, the cross-fitting and SHAP have got.
    """
    run = run_model(clients, config.model, groups, progress)
    start = time.perf_counter()
    found = explain(run.scorers, feature_frame(clients), target_vector(clients), config.shap,
                    config.model.seed, run.probability, run.test_ids, run.results["threshold"],
                    progress, config.model.n_jobs, config.model.large_export_clients)
    timings = {**run.timings, "shap": round(time.perf_counter() - start, 3)}
    shap_summary = {k: v for k, v in found.summary.items() if k != "drivers"}
    return Fitted(
        summary=run.results, drivers=found.summary["drivers"], shap_summary=shap_summary,
        probability=run.probability, shap_by_feature=found.contributions,
        reasons=found.reasons,
        tables={"shap_values": found.shap_values, "shap_features": found.feature_values},
        model=run.final_model, timings=timings)
