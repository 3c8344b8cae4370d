"""Plans of the behaviour figures: class balance, distributions, categories, phik, months."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator

from analysis import glossary as g
from analysis.data.quality import shorten_label
from figures import behaviour as plot
from figures import theme as t
from figures.draw import class_legend_handles, plot_class_distribution
from figures.plans._common import Plan, optional
from figures.reader import Bundle, Missing

__all__ = ["categorical_shares", "centres", "monthly_activity", "numeric_histograms",
           "phik_heatmap"]

TOP_NUMERIC = 6
"""Numeric features shown in the distribution grid (largest |effect| first)."""
GRID_COLUMNS = 3
"""Panels per row of the distribution grid: at 8 pt, three fit the A4 width."""
PHIK_FEATURES = 10
"""Features of the φk block: those most associated with the target, and the strongest pair."""
MIN_CATEGORY_CLIENTS = 30
"""A category value needs this many clients to be named in a finding."""


def _top_numeric(b: Bundle) -> list[dict[str, Any]]:
    rows = [r for r in b.get("behaviour", "tests")
            if r.get("kind") == "numeric" and r.get("effect_size") is not None]
    if not rows:
        raise Missing("behaviour.tests (numeric)")
    rows.sort(key=lambda r: (-abs(r["effect_size"]), r["feature"]))
    return rows[:TOP_NUMERIC]


def _centres(row: dict[str, Any]) -> tuple[float, float, bool]:
    """Declined and stable centres: medians, or means (``True``) when the medians tie."""
    d, s = row.get("declined_median"), row.get("stable_median")
    if d is None or s is None or math.isclose(d, s):
        dm, sm = row.get("declined_mean"), row.get("stable_mean")
        if dm is not None and sm is not None:
            return dm, sm, True
    return (d if d is not None else math.nan), (s if s is not None else math.nan), False


def centres(row: dict[str, Any]) -> dict[str, Any]:
    """A test row's feature, label and class centres as facts.

    ``mean`` says the centres are means (the medians tie), else they are medians.
    """
    d, s, mean = _centres(row)
    return {"feature": row["feature"], "label": row["label"], "declined": optional(d),
            "stable": optional(s), "mean": mean}


def _sample_groups(b: Bundle, features: Sequence[str]) -> dict[str, tuple[Any, Any]]:
    sample = b.table("clients_sample")
    missing = [f for f in (*features, g.TARGET) if f not in sample.columns]
    if missing:
        raise Missing(f"tables/clients_sample.csv: {missing}")
    declined = sample[g.TARGET] == g.DECLINED
    return {f: (sample.loc[declined, f].dropna().to_numpy(float),
                sample.loc[~declined, f].dropna().to_numpy(float)) for f in features}


def _grid_draw(rows: list[dict[str, Any]], groups: dict[str, tuple[Any, Any]]
               ) -> Callable[[Sequence[Axes]], None]:
    def draw(axes: Sequence[Axes]) -> None:
        for ax, row in zip(axes, rows, strict=False):
            plot_class_distribution(ax, *groups[row["feature"]])
            ax.set_title(t.wrap(row["label"], 24), fontsize=8.5)
            ax.xaxis.set_major_locator(MaxNLocator(4))
            if row["feature"] == g.PROMO:
                t.ru_ticks(ax.xaxis, "pct")
        for ax in axes[len(rows):]:
            ax.set_visible(False)
        axes[0].figure.legend(handles=class_legend_handles(), loc="outside lower center",
                              ncols=2)
    return draw


def numeric_histograms(b: Bundle) -> Plan:
    """Distributions of the numeric features that differ most, declined against stable."""
    rows = _top_numeric(b)
    groups = _sample_groups(b, [r["feature"] for r in rows])
    top = rows[0]
    n_rows = math.ceil(len(rows) / GRID_COLUMNS)
    return Plan(
        name="numeric_histograms", section="behaviour", shape=(n_rows, GRID_COLUMNS),
        height=0.6 + 1.75 * n_rows,
        facts={"top": {**centres(top), "effect_size": optional(top["effect_size"]),
                       "effect_magnitude": top.get("effect_magnitude") or None},
               "labels": [r["label"] for r in rows]},
        draw=_grid_draw(rows, groups))


def categorical_shares(b: Bundle) -> Plan:
    """Decline share per service type, message permission and favourite category."""
    features = b.get("behaviour", "breakdowns", "features")
    overall = b.get("behaviour", "breakdowns", "overall", "decline_share")
    features = [f for f in features if f.get("rows")]
    if not features:
        raise Missing("behaviour.breakdowns.features")
    named = [(f, r) for f in features for r in f["rows"] if r["clients"] >= MIN_CATEGORY_CLIENTS]
    feat, row = max(named or [(f, r) for f in features for r in f["rows"]],
                    key=lambda fr: abs(fr[1]["decline_share"] - overall))
    spreads = sorted(
        ((f["rows"][0]["decline_share"] - f["rows"][-1]["decline_share"], f) for f in features),
        key=lambda sf: -sf[0])
    (top_gap, top_f), (low_gap, low_f) = spreads[0], spreads[-1]

    def draw(axes: Sequence[Axes]) -> None:
        for ax, f in zip(axes, features, strict=True):
            rows = f["rows"]
            plot.plot_category_shares(ax, [r["value"] for r in rows],
                                      [r["decline_share"] for r in rows],
                                      [r["clients"] for r in rows], overall)
            ax.set_title(f["label"], fontsize=8, loc="left")
        for ax in axes[:-1]:
            ax.tick_params(labelbottom=False)
        axes[-1].set_xlabel(g.CHART.category_axis)

    return Plan(
        name="categorical_shares", section="behaviour", shape=(len(features), 1),
        height=t.PRINT_HEIGHT,
        grid={"height_ratios": [len(f["rows"]) + 1 for f in features]},
        facts={"named": {"label": feat["label"], "value": shorten_label(row["value"]),
                         "decline_share": optional(row["decline_share"])},
               "overall": optional(overall),
               "widest": {"label": top_f["label"], "gap": optional(top_gap),
                          "first": shorten_label(top_f["rows"][0]["value"]),
                          "last": shorten_label(top_f["rows"][-1]["value"])},
               "narrowest": ({"label": low_f["label"], "gap": optional(low_gap)}
                             if low_f is not top_f else None),
               "labels": [f["label"] for f in features]},
        draw=draw)


def _phik_block(columns: list[str], target: dict[str, float],
                pairs: list[tuple[float, str, str]], collinear: list[dict[str, Any]]
                ) -> list[str]:
    """The columns the φk chart shows: the target, then the features it goes with most.

    The members of the strongest pair and of every pair above the collinearity
    threshold are always in, so the chart shows what its caption names.
    """
    ranked = sorted(target, key=lambda f: (-target[f], f))
    must = set(pairs[0][1:])
    must.update(f for pair in collinear for f in (pair["a"], pair["b"]))
    chosen = [f for f in ranked if f in must]
    chosen += [f for f in ranked if f not in must][:max(PHIK_FEATURES - len(chosen), 0)]
    features = [f for f in columns if f in set(chosen)]
    features.sort(key=lambda f: (-target.get(f, 0.0), f))
    return [g.TARGET, *features]


def phik_heatmap(b: Bundle) -> Plan:
    """Phik of the features most associated with the target, and of their pairs."""
    columns = b.get("behaviour", "phik", "columns")
    matrix = b.get("behaviour", "phik", "matrix")
    target = {f: v for f, v in b.get("behaviour", "phik", "target_phik").items() if v is not None}
    features = [c for c in columns if c != g.TARGET]
    idx = {c: i for i, c in enumerate(columns)}
    pairs = [(matrix[idx[a]][idx[c]], a, c) for i, a in enumerate(features)
             for c in features[i + 1:] if matrix[idx[a]][idx[c]] is not None]
    if len(target) < 2 or not pairs or g.TARGET not in idx:
        raise Missing("behaviour.phik (fewer than two measurable features)")
    (f1, v1), (f2, v2) = sorted(target.items(), key=lambda fv: (-fv[1], fv[0]))[:2]
    pairs.sort(key=lambda p: (-p[0], p[1], p[2]))
    value, a, c = pairs[0]
    collinear = b.results.get("behaviour", {}).get("phik", {}).get("collinear") or []
    shown = _phik_block(columns, target, pairs, collinear)
    block = [[matrix[idx[r]][idx[col]] for col in shown] for r in shown]
    labels = [g.label(col) for col in shown]
    size = b.results["behaviour"]["phik"].get("sample_size")
    return Plan(
        name="phik_heatmap", section="behaviour", height=t.PRINT_HEIGHT,
        facts={"target": [[f1, optional(v1)], [f2, optional(v2)]],
               "pair": [a, c, optional(value)], "collinear": len(collinear),
               "columns": len(columns), "shown": len(shown), "sample_size": size or None},
        draw=lambda axes: plot.plot_phik(axes[0], block, labels))


def _trend(panel: dict[str, Any]) -> dict[str, Any] | None:
    """Relative change of each class's mean from the first month to the last, or ``None``."""
    change = {}
    for series in panel.get("series", []):
        first, last = series["means"][0], series["means"][-1]
        change[series["target"]] = (last / first - 1 if first and last is not None
                                    else math.nan)
    if g.DECLINED not in change or g.STABLE not in change:
        return None
    return {"months": len(panel["periods"]), "declined": optional(change[g.DECLINED]),
            "stable": optional(change[g.STABLE])}


def monthly_activity(b: Bundle) -> Plan:
    """Mean revenue and minutes per month, declined against stable, and how each changed."""
    monthly = b.get("behaviour", "monthly")
    panels = [monthly[k] for k in ("revenue", "minutes") if monthly.get(k)]
    if not panels:
        raise Missing("behaviour.monthly")

    def last_gap(panel: dict[str, Any]) -> tuple[float, float, float]:
        means = {s["target"]: s["means"] for s in panel["series"]}
        d, s = means[g.DECLINED][-1], means[g.STABLE][-1]
        return abs(d - s) / max(abs(s), 1e-9), d, s

    head = max(panels, key=lambda p: last_gap(p)[0])
    _, d, s = last_gap(head)
    trends = {k: _trend(monthly[k]) for k in ("revenue", "minutes") if monthly.get(k)}

    def draw(axes: Sequence[Axes]) -> None:
        for ax, panel in zip(axes, panels, strict=True):
            series = {s["target"]: s["means"] for s in panel["series"]}
            periods = [p.replace("_", " ") for p in panel["periods"]]
            plot.plot_monthly(ax, periods, series)
            title = (g.CHART.revenue_panel if panel is monthly.get("revenue")
                     else g.CHART.minutes_panel)
            ax.set_title(f"{title}, {panel['unit']}", fontsize=8.5)
        axes[0].legend(loc="best")

    return Plan(
        name="monthly_activity", section="behaviour", shape=(1, len(panels)), height=2.8,
        facts={"measure": "minutes" if head is monthly.get("minutes") else "revenue",
               "period": head["periods"][-1], "declined": optional(d), "stable": optional(s),
               "unit": head["unit"], "revenue_trend": trends.get("revenue"),
               "minutes_trend": trends.get("minutes")},
        draw=draw)

