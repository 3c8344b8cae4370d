"""This run against an archived revision: the ``comparison`` section of the results.

:func:`compare_runs` reads the previous revision through
:mod:`analysis.results.store` and measures the change with the pure functions
of :mod:`analysis.drift`; :func:`compare_revisions` does the same for two
archived revisions (``oneclick compare``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from analysis.config import CompareParams
from analysis.drift import (
    LEVELS,
    PSI_BINS,
    _r6,
    category_changes,
    decline_shares,
    feature_drift,
    model_summary,
    moved_to_high_risk,
    score_previous_model,
    segment_changes,
)
from analysis.errors import InputError
from analysis.results import files
from analysis.results.contract import Results
from analysis.results.store import (
    SAMPLE_TABLE,
    read_clients_sample,
    read_results,
    read_scores,
    revision_label,
)

__all__ = ["compare_revisions", "compare_runs"]


def _population(results: Results | dict[str, Any], scores: pd.DataFrame | None) -> int | None:
    if scores is not None:
        return len(scores)
    facts = results.get("facts") or {}
    return facts.get("clients_modelled")


def _basis(sample: pd.DataFrame | None, population: int | None) -> dict[str, Any]:
    if sample is None:
        return {"source": SAMPLE_TABLE, "clients": None, "population": population,
                "is_sample": None}
    is_sample = population is not None and len(sample) < population
    return {"source": SAMPLE_TABLE, "clients": len(sample), "population": population,
            "is_sample": bool(is_sample)}


def compare_runs(previous_dir: Path, current_results: dict[str, Any],
                 current_clients: pd.DataFrame, current_scores: pd.DataFrame,
                 params: CompareParams | None = None) -> dict[str, Any]:
    """Compare this run with an archived revision.

    Parameters
    ----------
    previous_dir
        The previous revision folder (``ARCHIVE/YYYY-MM/rN``), e.g. from
        ``report.archive.listing.intact_previous``.
    current_results
        This run's results (``facts``, ``model``, ``segments``, ``params``).
    current_clients
        This run's modelled clients (index ``id``, export columns and target).
    current_scores
        This run's action list (``id``, ``risk_level``, ``profit_at_risk`` …).
    params
        Drift thresholds.

    Returns
    -------
    dict
        The ``comparison``: ``previous`` {path, period, revision}; ``current``
        {clients}; ``data``
        (where the previous distribution comes from: ``clients``,
        ``population``, ``is_sample``); ``decline_share``; ``model`` {previous,
        current}; ``previous_model_on_current`` {roc_auc, clients,
        unseen_roc_auc, unseen_clients, error, warnings}; ``drift``
        (:func:`feature_drift`); ``drift_counts``;
        ``new_categories``; ``vanished_categories``; ``segments``;
        ``profit_at_risk_total``; ``moved_to_high_risk`` (None without the
        previous ``scores.csv``); ``params``; ``profit_unit``; ``problems``
        (what could not be compared and why). JSON-ready, deterministic.

    Raises
    ------
    InputError
        When ``previous_dir`` has no readable ``results.json``.
    """
    params = params or CompareParams()
    previous_dir = Path(previous_dir)
    previous_results = read_results(previous_dir)
    previous_scores = read_scores(previous_dir)
    sample = read_clients_sample(previous_dir)
    problems = []
    if sample is None:
        problems.append("no_clients_sample")
        drift: list[dict[str, Any]] = []
    else:
        drift = feature_drift(sample, current_clients, params)
    if previous_scores is None:
        problems.append("no_scores")
        moved = None
    else:
        moved = moved_to_high_risk(previous_scores, current_scores)
    counts = {level: sum(1 for d in drift if d["level"] == level) for level in LEVELS}
    before_total = (previous_results.get("segments") or {}).get("profit_at_risk_total")
    now_total = (current_results.get("segments") or {}).get("profit_at_risk_total")
    return {
        "previous": revision_label(previous_dir),
        "data": _basis(sample, _population(previous_results, previous_scores)),
        "current": {"clients": len(current_clients)},
        "decline_share": decline_shares(previous_results, current_results),
        "model": {"previous": model_summary(previous_results),
                  "current": model_summary(current_results)},
        "previous_model_on_current": score_previous_model(
            previous_dir / files.MODEL, current_clients,
            None if previous_scores is None else pd.Index(previous_scores["id"])),
        "drift": drift,
        "drift_counts": counts,
        "new_categories": category_changes(drift, "new_values", "current"),
        "vanished_categories": category_changes(drift, "vanished_values", "previous"),
        "segments": segment_changes(previous_results, current_results),
        "profit_at_risk_total": {
            "previous": _r6(before_total), "current": _r6(now_total),
            "change": _r6(now_total - before_total)
            if before_total is not None and now_total is not None else None},
        "moved_to_high_risk": moved,
        "params": {**params.model_dump(mode="json"), "psi_bins": PSI_BINS},
        "profit_unit": (current_results.get("params") or {}).get("profit_unit", "тыс. ₽"),
        "problems": problems,
    }


def _require_revision(path: Path) -> Path:
    path = Path(path)
    if not path.is_dir():
        raise InputError(str(path), "папка ревизии не найдена",
                         "папку опубликованной ревизии отчёта (ARCHIVE/ГГГГ-ММ/rN)")
    return path


def compare_revisions(rev_a: Path, rev_b: Path, params: CompareParams | None = None
                      ) -> dict[str, Any]:
    """``oneclick compare REV_A REV_B``: compare two archived revisions (A earlier).

    B's ``tables/clients_sample.csv`` stands for B's clients (drift and the
    scoring of A's model), B's ``scores.csv`` for its risk levels. The result
    is that of :func:`compare_runs` plus ``current`` {path, period, revision,
    clients, population, is_sample}.

    Raises
    ------
    InputError
        When a folder, B's ``results.json``, ``scores.csv`` or clients sample is missing.
    """
    rev_a, rev_b = _require_revision(rev_a), _require_revision(rev_b)
    results_b = read_results(rev_b)
    scores_b = read_scores(rev_b)
    if scores_b is None:
        raise InputError(str(rev_b), "нет файла scores.csv", "папку опубликованной ревизии")
    clients_b = read_clients_sample(rev_b)
    if clients_b is None:
        raise InputError(str(rev_b), f"нет файла {SAMPLE_TABLE}", "папку опубликованной ревизии")
    comparison = compare_runs(rev_a, results_b, clients_b, scores_b, params)
    comparison["current"] = {**revision_label(rev_b), **_basis(clients_b, len(scores_b))}
    return comparison
