"""Plans of the segment figures: the risk × profit map and how each segment differs.

Each segment's size, exposure and profit at risk are sentences of its own
block in the report; a bar chart of those few numbers would only repeat them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes

from analysis import glossary as g
from analysis.rutext import num, pct
from figures import segments as plot
from figures import theme as t
from figures.plans._common import Plan, optional, value_text
from figures.reader import Bundle, Missing

__all__ = ["EXPOSURE_HEIGHT", "exposure_split", "segment_differences", "segment_map"]

MAX_POINTS = 5000
"""Most clients drawn on the map; more are sampled (seeded) and the alt text says so."""
EXPOSURE_HEIGHT = 1.35
"""Inches: page 1's one chart, low enough that the page keeps one PDF page."""
GROUP_ORDER = ("winback", "prevention")
DEFAULT_PROFIT_UNIT = g.CHART.profit_unit
"""Unit of ``Прибыль`` when the bundle does not state one (the export's unit)."""


def profit_unit(b: Bundle) -> str:
    """The unit of profit as the bundle states it, else the export's thousands of roubles."""
    if b.results.get("profit_unit"):
        return str(b.results["profit_unit"])
    for section in ("params", "parameters", "config", "facts"):
        node = b.results.get(section)
        if isinstance(node, dict) and node.get("profit_unit"):
            return str(node["profit_unit"])
    return DEFAULT_PROFIT_UNIT


def _segment_names(b: Bundle) -> tuple[list[str], dict[str, str]]:
    """Segment names in priority order, and code → name."""
    segments = b.segment_section.get("segments") or []
    ordered = sorted(segments, key=lambda s: s.get("priority", 0))
    return [s["name"] for s in ordered], {s.get("code", s["name"]): s["name"] for s in ordered}


def segment_map(b: Bundle) -> Plan:
    """Stable clients: decline probability against profit, coloured by segment.

    The risk × profit cells (``segments.value_at_risk``) are the prevention
    group's, the clients whose activity has not declined yet; the map shows
    the same clients, so that its dots and its caption's counts agree. Clients
    who have already declined are the win-back group: for them the risk has
    come true, and a probability of decline says nothing new.
    """
    sample = b.table("clients_sample")
    if not {"decline_probability", g.PROFIT} <= set(sample.columns):
        raise Missing("tables/clients_sample.csv: decline_probability, Прибыль")
    if g.TARGET in sample.columns:
        sample = sample[sample[g.TARGET] == g.STABLE].reset_index(drop=True)
    cells = b.segment_section.get("value_at_risk") or []
    if not cells:
        raise Missing("segments.value_at_risk")
    limits = b.segment_section.get("value_at_risk_thresholds") or {}
    names, by_code = _segment_names(b)
    segment = sample.get("segment")
    segment = (segment.fillna("").astype(str).map(lambda s: by_code.get(s, s))
               if segment is not None else np.full(len(sample), ""))
    drawn = np.arange(len(sample))
    if len(sample) > MAX_POINTS:
        drawn = np.sort(np.random.default_rng(0).choice(len(sample), MAX_POINTS, replace=False))
    total = sum(c["clients"] for c in cells)
    risk_total = sum(c["profit_at_risk"] for c in cells) or 1.0
    high = [c for c in cells if c["risk"] == "high"]
    n_high = sum(c["clients"] for c in high)
    share_high = sum(c["profit_at_risk"] for c in high) / risk_total
    corner = next((c for c in high if c["profit"] == "high"), None)
    unit = profit_unit(b)
    population = max(total, len(sample))
    shown = len(drawn)
    lines = [(v, label.format(value=pct(v, 0)))
             for k, label in (("risk_medium", g.CHART.risk_medium),
                              ("risk_high", g.CHART.risk_high))
             if (v := limits.get(k)) is not None]
    probability = sample["decline_probability"].to_numpy(float)[drawn]
    profit = sample[g.PROFIT].to_numpy(float)[drawn]
    groups = np.asarray(segment, dtype=object)[drawn]

    def draw(axes: Sequence[Axes]) -> None:
        plot.plot_segment_map(axes[0], probability, profit, groups, names, lines,
                              limits.get("profit_threshold"))
        axes[0].set_ylabel(g.CHART.profit_unit_axis.format(unit=unit))

    return Plan(
        name="segment_map", section="segments", height=4.0,
        facts={"clients": int(total), "high_risk": int(n_high),
               "high_risk_share": float(share_high), "profit_at_risk": float(risk_total),
               "corner": (None if corner is None else
                          {"clients": int(corner["clients"]),
                           "profit_at_risk": float(corner["profit_at_risk"])}),
               "unit": unit, "shown": shown, "population": int(population)},
        draw=draw)


def _difference_rows(segment: dict[str, Any]) -> list[dict[str, Any]]:
    rows = [d for d in segment.get("differences") or []
            if (d.get("effect", d.get("effect_size"))) is not None]
    return rows


def _effect(row: dict[str, Any]) -> float:
    return float(row.get("effect", row.get("effect_size")))


def _strongest(segment: dict[str, Any], rank: int) -> dict[str, Any]:
    """The ``rank``-th strongest difference of a segment (0 the strongest) as facts."""
    rows = sorted(_difference_rows(segment), key=lambda r: -abs(_effect(r)))
    d = rows[min(rank, len(rows) - 1)]
    return {"rank": rank, "segment": segment["name"], "feature": d["feature"],
            "label": d["label"], "segment_median": optional(d["segment_median"]),
            "stable_median": optional(d["stable_median"])}


def segment_differences(b: Bundle) -> Plan:
    """How each segment differs from stable clients (rank-biserial effect per feature)."""
    segments = [s for s in sorted(b.segments(), key=lambda s: s.get("priority", 0))
                if _difference_rows(s)]
    if not segments:
        raise Missing("segments[].differences")
    names, _ = _segment_names(b)
    found = [_strongest(s, rank) for s in segments for rank in (0, 1)]
    first, second = found[0], found[1] if len(segments) == 1 else found[2]
    heights = [len(_difference_rows(s)) + 1 for s in segments]

    def draw(axes: Sequence[Axes]) -> None:
        for ax, s in zip(axes, segments, strict=True):
            rows = _difference_rows(s)
            colour = t.segment_colour(names.index(s["name"]) if s["name"] in names else 0)
            notes = [g.CHART.segment_vs_stable.format(
                segment=value_text(r["feature"], r["segment_median"]),
                stable=value_text(r["feature"], r["stable_median"])) for r in rows]
            plot.plot_segment_differences(ax, [r["label"] for r in rows],
                                          [_effect(r) for r in rows], notes, colour)
            ax.set_title(s["name"], fontsize=8, loc="left")
        for ax in axes[:-1]:
            ax.set_xlabel("")

    return Plan(
        name="segment_differences", section="segments", shape=(len(segments), 1),
        height=min(t.PRINT_HEIGHT, 0.9 + 0.3 * sum(heights)), grid={"height_ratios": heights},
        facts={"first": first, "second": second, "segments": len(segments)},
        draw=draw)


def _group_money(segment: dict[str, Any], group: str) -> float:
    """A segment's money in ``group``: profit (win-back) or exposure (prevention)."""
    part = (segment.get("groups") or {}).get(group) or {}
    return float(part.get("profit" if group == "winback" else "exposure") or 0.0)


def exposure_split(b: Bundle) -> Plan:
    """Page 1's chart: the win-back list's profit and the stable clients' exposure, each
    split by segment and «outside the segments».

    Win-back money is the profit of the clients who have already declined (known);
    prevention money is the exposure ``p × profit`` of the stable ones (an
    estimate). Both are per month, in the profit unit.
    """
    groups = b.get("segments", "decision", "groups")
    segments = sorted(b.segment_section.get("segments") or [],
                      key=lambda s: s.get("priority", 0))
    totals = {grp: float(groups[grp]["profit" if grp == "winback" else "exposure"])
              for grp in GROUP_ORDER}
    inside = {grp: [_group_money(s, grp) for s in segments] for grp in GROUP_ORDER}
    outside = {grp: max(0.0, totals[grp] - sum(inside[grp])) for grp in GROUP_ORDER}
    unit = profit_unit(b)
    parts = [[inside[grp][i] for grp in GROUP_ORDER] for i in range(len(segments))]
    parts.append([outside[grp] for grp in GROUP_ORDER])
    names = [s["name"] for s in segments] + [g.CHART.outside_segments]
    colours = [t.segment_colour(i) for i in range(len(segments))] + [t.MUTED]
    rows = [g.CHART.exposure_winback, g.CHART.exposure_prevention]

    def draw(axes: Sequence[Axes]) -> None:
        plot.plot_exposure_split(axes[0], rows, parts, names, colours,
                                 [num(totals[grp]) for grp in GROUP_ORDER])
        axes[0].set_xlabel(g.CHART.exposure_axis.format(unit=unit))

    return Plan(
        name="exposure_split", section="summary", height=EXPOSURE_HEIGHT,
        facts={"unit": unit,
               "groups": {grp: {"total": totals[grp], "outside": outside[grp],
                                "outside_share": (outside[grp] / totals[grp]
                                                  if totals[grp] > 0 else None),
                                "clients": int(groups[grp]["clients"])}
                          for grp in GROUP_ORDER},
               "segments": [{"name": s["name"],
                             **{grp: inside[grp][i] for grp in GROUP_ORDER}}
                            for i, s in enumerate(segments)]},
        draw=draw)
