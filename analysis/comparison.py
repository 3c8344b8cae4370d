"""This run against an archived revision: the ``comparison`` and ``outcome`` sections.

:func:`compare_runs` reads the previous revision through
:mod:`analysis.results.store` and measures the change with the pure functions
of :mod:`analysis.drift`; :func:`compare_revisions` does the same for two
archived revisions (``oneclick compare``). :func:`previous_outcome` reads the
previous period's action list and measures its offers on this month's labels
(:mod:`analysis.segments.outcome`).
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
from analysis.segments.outcome import ASSIGNMENT_COLUMNS, measure_outcome

__all__ = ["compare_revisions", "compare_runs", "previous_outcome"]


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
        raise InputError(str(rev_b), "нет списка действий (scores-codes.csv или scores.csv)",
                         "папку опубликованной ревизии")
    clients_b = read_clients_sample(rev_b)
    if clients_b is None:
        raise InputError(str(rev_b), f"нет файла {SAMPLE_TABLE}", "папку опубликованной ревизии")
    comparison = compare_runs(rev_a, results_b, clients_b, scores_b, params)
    comparison["current"] = {**revision_label(rev_b), **_basis(clients_b, len(scores_b))}
    return comparison


def _months_between(earlier: str, later: str | None) -> int | None:
    """Whole months from ``earlier`` to ``later`` (``YYYY-MM``); None when either is not a month."""
    try:
        (y0, m0), (y1, m1) = (map(int, p.split("-")) for p in (earlier, later or ""))
    except ValueError:
        return None
    return (y1 - y0) * 12 + (m1 - m0)


def _offer_actions(results: Results | dict[str, Any]) -> dict[str, str]:
    tests = ((results.get("segments") or {}).get("tests") or {}).get("tests") or []
    return {t["rule"]: t["action"] for t in tests if t.get("rule") and t.get("action")}


def previous_outcome(previous_dir: Path, period: str | None, labels: pd.Series,
                     alpha: float, power: float) -> dict[str, Any]:
    """The ``outcome`` section: the previous period's offers measured on this month's labels.

    Parameters
    ----------
    previous_dir
        The revision compared with (``ARCHIVE/YYYY-MM/rN``), already verified.
    period
        This report's month; the outcome is measured only when the previous
        revision's period is earlier (a rerun of the same month measures nothing).
    labels
        This month's target of every client read, index ``id``.
    alpha, power
        As in :func:`analysis.segments.outcome.measure_outcome`.

    Returns
    -------
    dict
        ``assignment`` {path, period, revision}; ``months`` from its period to
        ``period`` (None when either is unknown); ``status``: ``measured``,
        ``same_period`` (the previous revision is not of an earlier month),
        ``no_scores`` (it has no action list), ``no_assignment`` (its action
        list holds no test/control assignment: an older version of the tool, or
        no offer was selected), ``no_common_clients`` (none of its selected
        clients is in this export); with ``measured``, the fields of
        :func:`~analysis.segments.outcome.measure_outcome`.
    """
    label = revision_label(previous_dir)
    where = {"path": Path(previous_dir).relative_to(Path(previous_dir).parent.parent).as_posix(),
             "period": label["period"], "revision": label["revision"]}
    out: dict[str, Any] = {"assignment": where, "months": _months_between(label["period"], period)}
    if out["months"] is None or out["months"] < 1:
        return {**out, "status": "same_period"}
    scores = read_scores(previous_dir)
    if scores is None:
        return {**out, "status": "no_scores"}
    if not set(ASSIGNMENT_COLUMNS) <= set(scores.columns) \
            or not scores["tested_offer"].fillna("").ne("").any():
        return {**out, "status": "no_assignment"}
    measured = measure_outcome(scores, labels, alpha=alpha, power=power,
                               actions=_offer_actions(read_results(previous_dir)))
    if not measured["clients"]["measured"]:
        return {**out, "status": "no_common_clients", "clients": measured["clients"]}
    return {**out, "status": "measured", **measured}
