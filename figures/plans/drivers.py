"""Plans of the driver figures: SHAP beeswarm, global importance, example waterfalls."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd
from matplotlib.axes import Axes

from analysis import glossary as g
from analysis.rutext import num, pct, plural
from figures import drivers as plot
from figures.plans._common import Plan, capital, joined, quoted, value_text
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
    if rho[top] is not None:
        title = (f"Чем {'меньше' if rho[top] < 0 else 'больше'} {quoted(g.label(top))}, "
                 "тем выше риск снижения активности")
    else:
        means = shap[top].groupby(values[top].astype(str)).mean()
        title = (f"Сильнее всего прогноз двигает {quoted(g.label(top))}: выше всего риск "
                 f"при значении {quoted(str(means.idxmax()))}")
    numeric = [c for c in shap.columns[:DIRECTION_FEATURES]
               if rho[c] is not None and abs(rho[c]) >= MIN_DIRECTION]
    low = [quoted(g.label(c)) for c in numeric if rho[c] < 0]
    high = [quoted(g.label(c)) for c in numeric if rho[c] > 0]
    parts = ([f"низкие значения {joined(low)}"] if low else []) + (
        [f"высокие — {joined(high)}" if low else f"высокие значения {joined(high)}"]
        if high else [])
    takeaway = (f"Риск снижения активности повышают {', а также '.join(parts)}." if parts else
                "У главных признаков нет однозначного направления влияния на риск.")
    colour = plot.normalise_values(values)

    def draw(axes: Sequence[Axes]) -> None:
        dots = plot.plot_beeswarm(axes[0], shap.to_numpy(), colour, labels)
        bar = axes[0].figure.colorbar(dots, ax=axes[0], shrink=0.7, aspect=30, pad=0.01,
                                      ticks=[0, 1])
        bar.ax.set_yticklabels(["низкое", "высокое"])
        bar.set_label("Значение признака", fontsize=7.5)

    n = len(shap)
    return Plan(
        name="shap_beeswarm", section="drivers", height=4.5, title=title, takeaway=takeaway,
        alt=(f"Точечная диаграмма SHAP: {num(n)} {plural(n, 'клиент', 'клиента', 'клиентов')}, "
             f"{len(labels)} признаков; цвет — значение признака от низкого (фиолетовый) до "
             "высокого (жёлтый), категориальные признаки серые."),
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
    names = joined([quoted(d.get("label") or g.label(d["feature"])) for d in top])
    title = (f"{names} дают {pct(share, 0)} суммарного вклада признаков в прогноз"
             if len(top) > 1 else f"Прогноз определяет прежде всего {names}")
    first = next((d for d in drivers if d.get("declined_median") is not None
                  and d.get("stable_median") is not None), None)
    if first is not None:
        feature = first["feature"]
        takeaway = (f"Главный из них с числовыми значениями, {quoted(g.label(feature))}: "
                    f"{value_text(feature, first['declined_median'])} у снизивших против "
                    f"{value_text(feature, first['stable_median'])} у стабильных (медианы).")
    else:
        takeaway = f"Главный фактор — {quoted(g.label(drivers[0]['feature']))}."
    labels = [d.get("label") or g.label(d["feature"]) for d in drivers]
    importance = [d["mean_abs_shap"] for d in drivers]
    return Plan(
        name="shap_bar", section="drivers", height=min(4.5, 0.8 + 0.27 * len(drivers)),
        title=title, takeaway=takeaway,
        alt=f"Горизонтальные столбцы: среднее |SHAP| для {len(drivers)} главных признаков.",
        draw=lambda axes: _draw_importance(axes[0], labels, importance))


def _draw_importance(ax: Axes, labels: list[str], importance: list[float]) -> None:
    plot.plot_shap_bar(ax, labels, importance)


def _probability(p: float) -> str:
    """A probability as a percentage that never reads as a certain 0 % or 100 %."""
    if p > 0.995:
        return f"больше {pct(0.99, 0)}"
    if p < 0.005:
        return f"меньше {pct(0.01, 0)}"
    return pct(p, 0)


def _client_value(feature: str, value: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value_text(feature, float(value))
    return str(value)


def _waterfall(index: int, example: dict[str, Any]) -> Plan:
    rows = sorted(example["contributions"], key=lambda c: (-abs(c["value"]), c["feature"]))
    if not rows:
        raise Missing(f"shap.examples[{index}].contributions")
    shown, rest = rows[:WATERFALL_ROWS], rows[WATERFALL_ROWS:]
    labels = [f"{c.get('label') or g.label(c['feature'])} = "
              f"{_client_value(c['feature'], c.get('client_value'))}" for c in shown]
    values = [c["value"] for c in shown]
    if rest:
        labels.append(f"Остальные признаки ({len(rest)})")
        values.append(sum(c["value"] for c in rest))
    base, probability = example["base_value"], example.get("probability")
    end = base + sum(c["value"] for c in rows)
    final = f"Прогноз для клиента: {num(end, 2)}" + (
        f", вероятность {_probability(probability)}" if probability is not None else "")
    who = example.get("title") or f"Клиент {example.get('id', index + 1)}"
    lead = shown[0]
    verb = "повышает" if lead["value"] > 0 else "снижает"
    up = [quoted(c.get("label") or g.label(c["feature"])) for c in shown if c["value"] > 0][:3]
    down = [quoted(c.get("label") or g.label(c["feature"])) for c in shown if c["value"] < 0][:3]
    parts = ([f"риск повышают {joined(up)}"] if up else []) + (
        [f"снижают {joined(down)}"] if down else [])
    takeaway = "; ".join(parts)
    risk = (f"вероятность снижения {_probability(probability)}, " if probability is not None
            else "")
    return Plan(
        name=f"waterfall_{index + 1}", section="drivers",
        height=min(4.2, 1.1 + 0.3 * len(labels)),
        title=(f"{who}: {risk}сильнее всего её {verb} "
               f"{quoted(lead.get('label') or g.label(lead['feature']))} "
               f"({_client_value(lead['feature'], lead.get('client_value'))})"),
        takeaway=capital(takeaway) + ".",
        alt=(f"Каскадная диаграмма: как признаки клиента {example.get('id', '')} сдвигают "
             "прогноз от среднего к итоговому значению; красные — к снижению активности, "
             "синие — к прежнему уровню.").replace("клиента  ", "клиента "),
        draw=lambda axes: _draw_waterfall(axes[0], base, labels, values, final))


def _draw_waterfall(ax: Axes, base: float, labels: list[str], values: list[float],
                    final: str) -> None:
    plot.plot_waterfall(ax, base, labels, values, final)


def shap_waterfalls(b: Bundle) -> list[Plan]:
    """One waterfall per example client of ``shap.examples``."""
    return [_waterfall(i, e) for i, e in enumerate(b.get("shap", "examples"))
            if e.get("contributions") and e.get("base_value") is not None]

