"""Plan of the trend figure on page 1: a strip of small charts, one measure each, by month."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from matplotlib.axes import Axes

from analysis import glossary as g
from analysis.rutext import NBSP, month_name, num, pct
from figures import theme as t
from figures.plans._common import Plan
from figures.reader import Bundle, Missing
from figures.trend import MonthSeries, plot_months

__all__ = ["GROUP_COLOURS", "trend"]

GROUP_COLOURS = {"winback": t.DECLINED_COLOUR, "prevention": t.STABLE_COLOUR}
"""Win-back clients have declined (the target's red), prevention clients not yet (blue)."""
GROUPS = tuple(GROUP_COLOURS)
STRIP_HEIGHT = 0.7
"""Inches: a sparkline strip as wide as the text, so that page 1 keeps one PDF page."""


def short_month(period: str) -> str:
    """``2026-11`` → «ноя 26»."""
    year, month = period.split("-")
    return f"{month_name(int(month))[:3]}{NBSP}{year[2:]}"


def _column(points: Sequence[dict[str, Any]], *keys: str) -> list[Any]:
    values = []
    for point in points:
        value: Any = point
        for key in keys:
            value = value.get(key) if isinstance(value, dict) else None
        values.append(value)
    return values


def _uplift(points: Sequence[dict[str, Any]], group: str) -> dict[str, list[Any]]:
    """Pooled uplift of ``group`` (a fraction) with its interval, per month; None if unmeasured."""
    rows = [((p.get("outcome") or {}).get("groups") or {}).get(group) or {} for p in points]
    return {"values": [r.get("uplift") for r in rows],
            "low": [(r.get("interval") or [None, None])[0] for r in rows],
            "high": [(r.get("interval") or [None, None])[1] for r in rows],
            "verdict": [r.get("verdict") for r in rows]}


def _points(values: Sequence[float | None]) -> list[float | None]:
    """Fractions as percentage points, for the uplift panel."""
    return [None if v is None else v * 100 for v in values]


def _ends(values: Sequence[Any]) -> list[Any]:
    """The first and the last value that are present ([None, None] when none is)."""
    present = [v for v in values if v is not None]
    return [present[0], present[-1]] if present else [None, None]


def _facts(points: Sequence[dict[str, Any]], unit: str,
           uplifts: dict[str, dict[str, list[Any]]]) -> dict[str, Any]:
    """First and last value of each measure, and the last month's measured uplifts."""
    last_outcome = points[-1].get("outcome") or {}
    return {
        "points": len(points), "first": points[0]["period"], "last": points[-1]["period"],
        "unit": unit,
        "decline_share": _ends(_column(points, "decline_share")),
        "winback": _ends(_column(points, "exposure", "winback")),
        "prevention": _ends(_column(points, "exposure", "prevention")),
        "roc_auc": _ends(_column(points, "roc_auc")),
        "last_uplift": {group: {"uplift": u["values"][-1], "verdict": u["verdict"][-1]}
                        for group, u in uplifts.items() if u["values"][-1] is not None},
        "last_outcome_period": last_outcome.get("period"),
    }


def trend(b: Bundle) -> Plan:
    """The trend strip: decline share, win-back profit and prevention exposure, the offers'
    measured uplift per group (when any month measured one) and the hold-out ROC AUC."""
    points = b.get("trend", "points")
    if len(points) < 2:
        raise Missing("trend.points (two months or more)")
    months = [short_month(p["period"]) for p in points]
    unit = b.results.get("params", {}).get("profit_unit") or g.CHART.profit_unit
    uplifts = {group: _uplift(points, group) for group in GROUPS}
    share = _column(points, "decline_share")
    exposure = {group: _column(points, "exposure", group) for group in GROUPS}
    auc = _column(points, "roc_auc")
    ci = _column(points, "roc_auc_ci")
    panels: list[tuple[list[MonthSeries], str, str, bool]] = [
        ([MonthSeries(share, t.DECLINED_COLOUR, pct(_ends(share)[1]))],
         g.CHART.trend_decline_panel, "pct", False),
        ([MonthSeries(exposure[group], GROUP_COLOURS[group], num(_ends(exposure[group])[1]))
          for group in GROUPS], g.CHART.trend_exposure_panel.format(unit=unit), "num", False),
    ]
    if any(v is not None for u in uplifts.values() for v in u["values"]):
        panels.append((
            [MonthSeries(_points(u["values"]), GROUP_COLOURS[group],
                         num(_ends(_points(u["values"]))[1], 1, signed=True),
                         _points(u["low"]), _points(u["high"]))
             for group, u in uplifts.items()],
            g.CHART.trend_uplift_panel, "num", True))
    panels.append(([MonthSeries(auc, t.MODEL_COLOUR, num(_ends(auc)[1], 2),
                                [c[0] if c else None for c in ci],
                                [c[1] if c else None for c in ci])],
                   g.CHART.trend_auc_panel, "num", False))

    def draw(axes: Sequence[Axes]) -> None:
        for ax, (series, title, kind, zero) in zip(axes, panels, strict=True):
            plot_months(ax, months, series, title, kind, zero_line=zero)

    facts = _facts(points, unit, uplifts)
    facts["panels"] = len(panels)
    return Plan(name="trend", section="summary", facts=facts, draw=draw,
                shape=(1, len(panels)), height=STRIP_HEIGHT)
