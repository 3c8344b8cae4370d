"""Small pieces shared by the report's sentences: value display, units, the lift sentence."""

from __future__ import annotations

from typing import Any

from analysis import glossary as g
from analysis.rutext import num, pct, period_label, quantity

__all__ = ["LIFT_SHARE", "R", "clients", "feature_value", "lift_claim", "lift_row",
           "lift_sentence",
           "p_value", "profit_unit", "report_title", "running_header"]

R = dict[str, Any]
LIFT_SHARE = 0.3
"""Share of top-ranked clients the lift sentence speaks about (nearest row of the lift table)."""


def report_title(period: str) -> str:
    """The report's title: «Активность клиентов — ноябрь 2026» (``period`` is ``YYYY-MM``)."""
    return f"Активность клиентов — {period_label(period)}"


def running_header(period: str, revision: str) -> str:
    """The line on top of the page and of every PDF page: «В один клик», period, revision."""
    return f"«В один клик» · {period_label(period)} · ревизия {revision}"


def profit_unit(results: R) -> str:
    """The unit of profit shown in the report (``params.profit_unit``)."""
    return results.get("params", {}).get("profit_unit", "тыс. ₽")


def feature_value(feature: str, value: float | None) -> str:
    """A feature's value as the tables show it (shares of promo purchases as percentages)."""
    if value is None:
        return "—"
    if feature == g.PROMO:
        return pct(value, 0)
    digits = 0 if abs(value) >= 100 or float(value).is_integer() else 1
    return num(value, digits)


def clients(n: int) -> str:
    """«1 клиент», «3 клиента», «1 297 клиентов»."""
    return quantity(n, "клиент", "клиента", "клиентов")


def p_value(p: float | None) -> str:
    """«< 0,001» or the p-value with three decimals."""
    if p is None:
        return "—"
    return "< 0,001" if p < 0.001 else num(p, 3)


def lift_row(model: R, share: float = LIFT_SHARE) -> R | None:
    """The row of the hold-out lift table nearest to ``share`` (ties: the smaller share)."""
    rows = model.get("lift") or []
    if not rows:
        return None
    return min(rows, key=lambda row: (abs(row["top_share"] - share), row["top_share"]))


def lift_claim(row: R) -> str:
    """The lift sentence without its number: «снизивших активность клиентов — среди 30 % клиентов,
    которых модель считает самыми рискованными» (a KPI label under the recall)."""
    return (f"снизивших активность клиентов — среди {pct(row['top_share'], 0)} клиентов, которых "
            "модель считает самыми рискованными")


def lift_sentence(row: R) -> str:
    """«80 % снизивших активность клиентов — среди 30 % клиентов, которых модель считает самыми
    рискованными»: the one wording of the lift at the top share."""
    return f"{pct(row['recall'], 0)} {lift_claim(row)}"
