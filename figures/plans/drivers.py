"""Plans of the driver figures: SHAP beeswarm, global importance, example waterfalls."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd
from matplotlib.axes import Axes

from analysis import glossary as g
from analysis.rutext import num
from figures import drivers as plot
from figures.plans._common import Plan, client_value_text, optional, probability_text
from figures.reader import Bundle, Missing

__all__ = ["shap_bar", "shap_beeswarm", "shap_waterfalls"]

TOP_FEATURES = 12
"""Rows of the beeswarm and of the importance bars."""
WATERFALL_ROWS = 8
"""Contributions shown per example client; the rest are summed into one row."""
DIRECTION_FEATURES = 6
"""Top features whose direction (high or low values raise the risk) the takeaway states."""
MIN_DIRECTION = 0.1
"""Smallest |Spearman ρ| of values with SHAP for a direction to be stated."""


def _shap_tables(b: Bundle) -> tuple[pd.DataFrame, pd.DataFrame]:
    shap = b.table("shap_values", index="id")
    values = b.table("shap_features", index="id")
    columns = [c for c in shap.columns if c in values.columns]
    rows = shap.index.intersection(values.index)
    if not columns or not len(rows):
        raise Missing("tables/shap_values.csv ∩ shap_features.csv")
    shap = shap.loc[rows, columns].astype(float)
    order = shap.abs().mean().sort_values(ascending=False, kind="stable").index
    order = list(order[:TOP_FEATURES])
    return shap[order], values.loc[rows, order]


def _direction(shap: pd.Series, values: pd.Series) -> float | None:
    """Spearman ρ of a feature's values with its SHAP; ``None`` for categorical features."""
    numeric = pd.to_numeric(values, errors="coerce")
    if numeric.notna().mean() < 0.95 or numeric.nunique() < 2:
        return None
    rho = shap.corr(numeric, method="spearman")
    return None if rho is None or math.isnan(rho) else float(rho)


def shap_beeswarm(b: Bundle) -> Plan:
    """Each client's SHAP value per feature, coloured by the feature's value."""
    shap, values = _shap_tables(b)
    labels = [g.label(c) for c in shap.columns]
    rho = {c: _direction(shap[c], values[c]) for c in shap.columns}
    top = shap.columns[0]
    riskiest = None
    if rho[top] is None:
        means = shap[top].groupby(values[top].astype(str)).mean()
        riskiest = str(means.idxmax())
    numeric = [c for c in shap.columns[:DIRECTION_FEATURES]
               if rho[c] is not None and abs(rho[c]) >= MIN_DIRECTION]
    colour = plot.normalise_values(values)

    def draw(axes: Sequence[Axes]) -> None:
        dots = plot.plot_beeswarm(axes[0], shap.to_numpy(), colour, labels)
        bar = axes[0].figure.colorbar(dots, ax=axes[0], shrink=0.7, aspect=30, pad=0.01,
                                      ticks=[0, 1])
        bar.ax.set_yticklabels([g.CHART.value_low, g.CHART.value_high])
        bar.set_label(g.CHART.value_colour, fontsize=7.5)

    return Plan(
        name="shap_beeswarm", section="drivers", height=4.5,
        facts={"top": {"feature": top, "rho": rho[top], "riskiest_value": riskiest},
               "risk_with_low": [c for c in numeric if rho[c] < 0],
               "risk_with_high": [c for c in numeric if rho[c] > 0],
               "clients": len(shap), "features": len(labels)},
        draw=draw)


def shap_bar(b: Bundle) -> Plan:
    """Mean |SHAP| per source feature, from the bundle's ``drivers`` ranking."""
    drivers = [d for d in b.get("drivers") if d.get("mean_abs_shap") is not None]
    if not drivers:
        raise Missing("drivers")
    drivers = sorted(drivers, key=lambda d: -d["mean_abs_shap"])[:TOP_FEATURES]
    total = sum(d["mean_abs_shap"] for d in b.get("drivers") if d.get("mean_abs_shap"))
    top = drivers[:3]
    share = sum(d["mean_abs_shap"] for d in top) / total if total else math.nan
    first = next((d for d in drivers if d.get("declined_median") is not None
                  and d.get("stable_median") is not None), None)
    labels = [d.get("label") or g.label(d["feature"]) for d in drivers]
    importance = [d["mean_abs_shap"] for d in drivers]
    return Plan(
        name="shap_bar", section="drivers", height=min(4.5, 0.8 + 0.27 * len(drivers)),
        facts={"top": [d.get("label") or g.label(d["feature"]) for d in top],
               "top_share": optional(share), "lead": drivers[0]["feature"],
               "numeric_lead": (None if first is None else
                                {"feature": first["feature"],
                                 "declined": float(first["declined_median"]),
                                 "stable": float(first["stable_median"])}),
               "features": len(drivers)},
        draw=lambda axes: _draw_importance(axes[0], labels, importance))


def _draw_importance(ax: Axes, labels: list[str], importance: list[float]) -> None:
    plot.plot_shap_bar(ax, labels, importance)


def _row_label(contribution: dict[str, Any]) -> str:
    return contribution.get("label") or g.label(contribution["feature"])


def _waterfall(index: int, example: dict[str, Any]) -> Plan:
    rows = sorted(example["contributions"], key=lambda c: (-abs(c["value"]), c["feature"]))
    if not rows:
        raise Missing(f"shap.examples[{index}].contributions")
    shown, rest = rows[:WATERFALL_ROWS], rows[WATERFALL_ROWS:]
    labels = [g.CHART.client_value.format(
        label=_row_label(c), value=client_value_text(c["feature"], c.get("client_value")))
        for c in shown]
    values = [c["value"] for c in shown]
    if rest:
        labels.append(g.CHART.other_features.format(count=len(rest)))
        values.append(sum(c["value"] for c in rest))
    base, probability = example["base_value"], example.get("probability")
    end = base + sum(c["value"] for c in rows)
    final = g.CHART.client_forecast.format(value=num(end, 2)) + (
        g.CHART.client_probability.format(probability=probability_text(probability))
        if probability is not None else "")
    lead = shown[0]
    return Plan(
        name=f"waterfall_{index + 1}", section="drivers",
        height=min(4.2, 1.1 + 0.3 * len(labels)),
        facts={"number": index + 1, "id": example.get("id"), "kind": example.get("kind"),
               "probability": optional(probability),
               "lead": {"label": _row_label(lead), "feature": lead["feature"],
                        "value": lead.get("client_value"), "raises": lead["value"] > 0},
               "raise": [_row_label(c) for c in shown if c["value"] > 0][:3],
               "lower": [_row_label(c) for c in shown if c["value"] < 0][:3]},
        draw=lambda axes: _draw_waterfall(axes[0], base, labels, values, final))


def _draw_waterfall(ax: Axes, base: float, labels: list[str], values: list[float],
                    final: str) -> None:
    plot.plot_waterfall(ax, base, labels, values, final)


def shap_waterfalls(b: Bundle) -> list[Plan]:
    """One waterfall per example client of ``shap.examples``."""
    return [_waterfall(i, e) for i, e in enumerate(b.get("shap", "examples"))
            if e.get("contributions") and e.get("base_value") is not None]

