"""Plans of the behaviour figures: class balance, distributions, categories, phik, months."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from matplotlib.axes import Axes

from analysis import glossary as g
from analysis.data.quality import shorten_label
from figures import behaviour as plot
from figures import theme as t
from figures.plans._common import Plan, optional
from figures.reader import Bundle, Missing

__all__ = ["categorical_shares", "centres", "monthly_activity", "numeric_boxplots",
           "numeric_histograms", "phik_heatmap", "target_balance"]

TOP_NUMERIC = 8
"""Numeric features shown in the distribution grids (largest |effect| first)."""
MIN_CATEGORY_CLIENTS = 30
"""A category value needs this many clients to be named in a finding."""


def target_balance(b: Bundle) -> Plan:
    """Declined against stable clients, over all clients read."""
    facts = b.get("facts")
    total, declined = int(b.get("facts", "clients_total")), int(b.get("facts", "declined"))
    stable = total - declined
    share = facts.get("decline_share") or declined / total
    modelled = facts.get("clients_modelled", total)
    counts = {g.DECLINED: declined, g.STABLE: stable}
    return Plan(
        name="target_balance", section="behaviour", height=1.8,
        facts={"clients": total, "declined": declined, "stable": stable,
               "decline_share": float(share), "modelled": int(modelled)},
        draw=lambda axes: _draw_balance(axes[0], counts))


def _draw_balance(ax: Axes, counts: dict[str, int]) -> None:
    plot.plot_target_balance(ax, counts)


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


def _grid_draw(rows: list[dict[str, Any]], groups: dict[str, tuple[Any, Any]],
               box: bool) -> Callable[[Sequence[Axes]], None]:
    def draw(axes: Sequence[Axes]) -> None:
        for ax, row in zip(axes, rows, strict=False):
            x, y = groups[row["feature"]]
            if box:
                plot.plot_box(ax, x, y)
            else:
                plot.plot_distribution(ax, x, y)
            ax.set_title(t.wrap(row["label"], 30 if box else 16), fontsize=7.5)
            if row["feature"] == g.PROMO:
                t.ru_ticks(ax.xaxis, "pct")
        for ax in axes[len(rows):]:
            ax.set_visible(False)
        if not box:
            handles, labels = axes[0].get_legend_handles_labels()
            axes[0].figure.legend(handles, labels, loc="outside lower center", ncols=2)
    return draw


def numeric_histograms(b: Bundle) -> Plan:
    """Step histograms of the numeric features that differ most."""
    rows = _top_numeric(b)
    groups = _sample_groups(b, [r["feature"] for r in rows])
    top = rows[0]
    return Plan(
        name="numeric_histograms", section="behaviour", shape=(2, 4), height=4.2,
        facts={"top": {**centres(top), "effect_size": optional(top["effect_size"]),
                       "effect_magnitude": top.get("effect_magnitude") or None},
               "labels": [r["label"] for r in rows]},
        draw=_grid_draw(rows, groups, box=False))


def numeric_boxplots(b: Bundle) -> Plan:
    """Box plots of the same features: where each class's middle half lies."""
    rows = _top_numeric(b)
    groups = _sample_groups(b, [r["feature"] for r in rows])
    n_rows = math.ceil(len(rows) / 2)
    return Plan(
        name="numeric_boxplots", section="behaviour", shape=(n_rows, 2), height=4.4,
        facts={"features": [centres(r) for r in rows]},
        draw=_grid_draw(rows, groups, box=True))


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
        name="categorical_shares", section="behaviour", shape=(len(features), 1), height=4.4,
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


def phik_heatmap(b: Bundle) -> Plan:
    """Phik correlation of the features and the target, lower triangle."""
    columns = b.get("behaviour", "phik", "columns")
    matrix = b.get("behaviour", "phik", "matrix")
    target = {f: v for f, v in b.get("behaviour", "phik", "target_phik").items() if v is not None}
    features = [c for c in columns if c != g.TARGET]
    idx = {c: i for i, c in enumerate(columns)}
    pairs = [(matrix[idx[a]][idx[c]], a, c) for i, a in enumerate(features)
             for c in features[i + 1:] if matrix[idx[a]][idx[c]] is not None]
    if len(target) < 2 or not pairs:
        raise Missing("behaviour.phik (fewer than two measurable features)")
    (f1, v1), (f2, v2) = sorted(target.items(), key=lambda fv: (-fv[1], fv[0]))[:2]
    value, a, c = max(pairs, key=lambda p: (p[0], p[1], p[2]))
    collinear = b.results.get("behaviour", {}).get("phik", {}).get("collinear") or []
    labels = [g.label(col) for col in columns]
    size = b.results["behaviour"]["phik"].get("sample_size")
    return Plan(
        name="phik_heatmap", section="behaviour", height=4.5,
        facts={"target": [[f1, optional(v1)], [f2, optional(v2)]],
               "pair": [a, c, optional(value)], "collinear": len(collinear),
               "columns": len(columns), "sample_size": size or None},
        draw=lambda axes: _draw_phik(axes[0], matrix, labels))


def _draw_phik(ax: Axes, matrix: list[list[float | None]], labels: list[str]) -> None:
    image = plot.plot_phik(ax, matrix, labels, emphasise=g.label(g.TARGET))
    bar = ax.figure.colorbar(image, ax=ax, shrink=0.6, label=g.CHART.phik)
    t.ru_ticks(bar.ax.yaxis, digits=1)


def monthly_activity(b: Bundle) -> Plan:
    """Mean revenue and minutes per month, declined against stable."""
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
    changes = []
    for series in monthly.get("revenue", {}).get("series", []):
        first, last = series["means"][0], series["means"][-1]
        changes.append((series["target"], last / first - 1 if first else math.nan))
    trend = dict(changes)
    revenue_trend = ({"months": len(monthly["revenue"]["periods"]),
                      "declined": optional(trend[g.DECLINED]),
                      "stable": optional(trend[g.STABLE])}
                     if g.DECLINED in trend and g.STABLE in trend else None)

    def draw(axes: Sequence[Axes]) -> None:
        for ax, panel in zip(axes, panels, strict=True):
            series = {s["target"]: s["means"] for s in panel["series"]}
            periods = [p.replace("_", " ") for p in panel["periods"]]
            plot.plot_monthly(ax, periods, series, panel["unit"])
            ax.set_title(g.CHART.revenue_panel if panel is monthly.get("revenue")
                         else g.CHART.minutes_panel, fontsize=8.5)
        axes[0].legend(loc="best")

    return Plan(
        name="monthly_activity", section="behaviour", shape=(1, len(panels)), height=2.8,
        facts={"measure": "minutes" if head is monthly.get("minutes") else "revenue",
               "period": head["periods"][-1], "declined": optional(d), "stable": optional(s),
               "unit": head["unit"], "revenue_trend": revenue_trend},
        draw=draw)

