"""The trend across months: a few figures of every archived month and of this run, a row each.

Pure functions of results dicts: reading the archive (the newest intact revision
of each period, damaged ones passed over) is ``report.archive.listing``'s job
(:func:`report.archive.listing.intact_history`), and this run's own results are
the last point. What a point holds, for each month:

- ``clients`` (``facts.clients_total``), ``declined`` and ``decline_share``;
- ``exposure``: the monthly profit of the win-back list (``winback``) and the
  expected loss among clients still active (``prevention``), from
  ``segments.decision.groups``, in ``profit_unit`` (``params.profit_unit``);
- ``roc_auc`` and ``roc_auc_ci``: the model's hold-out quality
  (``model.quality``; ``model.test_roc_auc`` in revisions older than it);
- ``segments``: clients per segment code;
- ``drift``: features whose distribution moved ``moderate``-ly or ``strong``-ly
  since the revision that month was compared with (None without a comparison);
- ``outcome``: the offers of the month before measured on that month's labels,
  pooled per group (``uplift``, ``interval``, ``verdict``), None without one.

A figure absent from an older revision (schema 1 has no decision groups, no
``model.quality`` and no outcome) is None in its point, never guessed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["DRIFT_WARNINGS", "History", "PastRun", "build_trend", "trend_point"]

DRIFT_WARNINGS = ("moderate", "strong")
"""Drift levels counted as warnings (``analysis.drift.LEVELS`` above ``stable``)."""

GROUPS = ("winback", "prevention")


@dataclass(frozen=True)
class PastRun:
    """One archived month: its period, the revision read and that revision's results."""

    period: str
    revision: str
    results: Mapping[str, Any]


@dataclass(frozen=True)
class History:
    """The archive as the trend sees it: one intact run per period, and what was passed over.

    Attributes
    ----------
    runs
        The newest intact revision of each period, in period order.
    skipped
        Revisions passed over (``revision`` as ``PERIOD/rN``, ``problem``).
    """

    runs: tuple[PastRun, ...] = ()
    skipped: tuple[dict[str, str], ...] = field(default_factory=tuple)


def _number(value: Any) -> float | int | None:
    """``value`` when it is a finite number (not a bool), else None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value if value == value and abs(value) != float("inf") else None


def _dig(data: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(data, Mapping):
            return None
        data = data.get(key)
    return data


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _interval(value: Any) -> list[float] | None:
    if isinstance(value, list | tuple) and len(value) == 2:
        low, high = (_number(v) for v in value)
        if low is not None and high is not None:
            return [low, high]
    return None


def _exposure(results: Mapping[str, Any]) -> dict[str, float | None]:
    groups = _dig(results, "segments", "decision", "groups")
    return {group: _number(_dig(groups, group, "exposure")) for group in GROUPS}


def _quality(results: Mapping[str, Any]) -> tuple[float | None, list[float] | None]:
    model = results.get("model")
    if _number(_dig(model, "quality", "roc_auc")) is not None:
        return _number(model["quality"]["roc_auc"]), _interval(model["quality"].get("ci"))
    return _number(_dig(model, "test_roc_auc")), _interval(_dig(model, "test_roc_auc_ci"))


def _segments(results: Mapping[str, Any]) -> dict[str, int | None]:
    rows = _dig(results, "segments", "segments")
    if not isinstance(rows, list):
        return {}
    return {str(s["code"]): _number(s.get("clients")) for s in rows
            if isinstance(s, Mapping) and s.get("code")}


def _drift(results: Mapping[str, Any]) -> dict[str, int] | None:
    counts = _dig(results, "comparison", "drift_counts")
    if not isinstance(counts, Mapping):
        return None
    return {level: int(_number(counts.get(level)) or 0) for level in DRIFT_WARNINGS}


def _outcome(results: Mapping[str, Any]) -> dict[str, Any] | None:
    outcome = results.get("outcome")
    if not isinstance(outcome, Mapping):
        return None
    groups = {}
    for row in outcome.get("pooled") or []:
        if isinstance(row, Mapping) and row.get("group") in GROUPS:
            groups[row["group"]] = {"uplift": _number(row.get("uplift")),
                                    "interval": _interval(row.get("interval")),
                                    "verdict": row.get("verdict")}
    return {"status": outcome.get("status"),
            "period": _dig(outcome, "assignment", "period"),
            "groups": groups}


def trend_point(results: Mapping[str, Any], period: str, revision: str | None) -> dict[str, Any]:
    """The figures of one month (see the module docstring); ``revision`` None for this run."""
    facts = results.get("facts")
    roc_auc, ci = _quality(results)
    return {
        "period": period,
        "revision": revision,
        "schema_version": _number(results.get("schema_version")),
        "clients": _number(_dig(facts, "clients_total")),
        "declined": _number(_dig(facts, "declined")),
        "decline_share": _number(_dig(facts, "decline_share")),
        "exposure": _exposure(results),
        "profit_unit": _text(_dig(results, "params", "profit_unit")),
        "roc_auc": roc_auc,
        "roc_auc_ci": ci,
        "segments": _segments(results),
        "drift": _drift(results),
        "outcome": _outcome(results),
    }


def _segment_names(results: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    """Segment codes in order of first appearance, each with its latest name."""
    names: dict[str, str] = {}
    for one in results:
        for s in _dig(one, "segments", "segments") or []:
            if isinstance(s, Mapping) and s.get("code"):
                names[str(s["code"])] = str(s.get("name") or s["code"])
    return [{"code": code, "name": name} for code, name in names.items()]


def build_trend(history: History, current: Mapping[str, Any] | None = None,
                period: str | None = None) -> dict[str, Any]:
    """The ``trend`` section: one point per month, this run's last.

    Parameters
    ----------
    history
        The archived months (the caller leaves out the period of ``current`` and
        later ones, so that this run is the last point).
    current
        This run's results (``facts``, ``model``, ``segments``, ``comparison``,
        ``outcome``); None for the archive alone (``oneclick archive trend``).
    period
        This run's month (``YYYY-MM``).

    Returns
    -------
    dict
        ``points`` (:func:`trend_point`, in period order; this run's has
        ``revision`` None), ``segments`` (``code``, ``name`` of every segment
        seen), ``skipped`` (revisions passed over, with the problem).
        JSON-ready and deterministic.
    """
    runs = sorted(history.runs, key=lambda run: run.period)
    points = [trend_point(run.results, run.period, run.revision) for run in runs]
    everything = [run.results for run in runs]
    if current is not None:
        points.append(trend_point(current, period or "", None))
        everything.append(current)
    return {"points": points, "segments": _segment_names(everything),
            "skipped": [dict(s) for s in history.skipped]}
