"""Plans of the segment figures: risk × profit map, segment sizes and risk, profiles."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes

from analysis import glossary as g
from analysis.rutext import NBSP, num, pct, plural
from figures import segments as plot
from figures import theme as t
from figures.plans._common import Plan, capital, quoted, value_text
from figures.reader import Bundle, Missing

__all__ = ["segment_differences", "segment_map", "segment_profiles"]

MAX_POINTS = 5000
"""Most clients drawn on the map; more are sampled (seeded) and the alt text says so."""
DEFAULT_PROFIT_UNIT = "тыс. ₽"
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


def _money(value: float, unit: str) -> str:
    return f"{num(value, 1)}{NBSP}{unit}"


def _clients(n: int, genitive: bool = False) -> str:
    """«201 клиент» (nominative) or «у 201 клиента» style genitive."""
    forms = ("клиента", "клиентов", "клиентов") if genitive else ("клиент", "клиента", "клиентов")
    return f"{num(n)} {plural(n, *forms)}"


def _segment_names(b: Bundle) -> tuple[list[str], dict[str, str]]:
    """Segment names in priority order, and code → name."""
    segments = b.segment_section.get("segments") or []
    ordered = sorted(segments, key=lambda s: s.get("priority", 0))
    return [s["name"] for s in ordered], {s.get("code", s["name"]): s["name"] for s in ordered}


def segment_map(b: Bundle) -> Plan:
    """Every sampled client: decline probability against profit, coloured by segment."""
    sample = b.table("clients_sample")
    if not {"decline_probability", g.PROFIT} <= set(sample.columns):
        raise Missing("tables/clients_sample.csv: decline_probability, Прибыль")
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
    takeaway = capital(f"{_clients(n_high)} с высоким риском при {num(total)} всего.")
    if corner is not None:
        who = _clients(corner["clients"], genitive=True)
        takeaway = (f"Высокий риск и высокая прибыль — у {who}: на них приходится "
                    f" {_money(corner['profit_at_risk'], unit)} прибыли под риском "
                    f"из {_money(risk_total, unit)}.")
    population = max(b.results.get("facts", {}).get("clients_modelled", 0), len(sample))
    shown = len(drawn)
    subset = f" (случайная выборка из {num(population)})" if shown < population else ""
    lines = [(v, f"{word} риск от {num(v, 2)}")
             for k, word in (("risk_medium", "средний"), ("risk_high", "высокий"))
             if (v := limits.get(k)) is not None]
    probability = sample["decline_probability"].to_numpy(float)[drawn]
    profit = sample[g.PROFIT].to_numpy(float)[drawn]
    groups = np.asarray(segment, dtype=object)[drawn]

    def draw(axes: Sequence[Axes]) -> None:
        plot.plot_segment_map(axes[0], probability, profit, groups, names, lines,
                              limits.get("profit_threshold"))
        axes[0].set_ylabel(f"Среднемесячная прибыль, {unit}")

    return Plan(
        name="segment_map", section="segments", height=3.6,
        title=(f"Клиенты с высоким риском — {num(n_high)} из {num(total)} — несут "
               f"{pct(share_high, 0)} прибыли под риском"),
        takeaway=takeaway,
        alt=(f"Точечная диаграмма: вероятность снижения активности и прибыль {_clients(shown)}"
             f"{subset}; цветом выделены сегменты, пунктир — пороги риска и прибыли."),
        draw=draw)


def segment_profiles(b: Bundle) -> Plan:
    """Mean decline probability and profit at risk of each segment."""
    segments = sorted(b.segments(), key=lambda s: s.get("priority", 0))
    unit = profit_unit(b)
    names = [s["name"] for s in segments]
    top = max(segments, key=lambda s: s.get("profit_at_risk") or 0.0)
    coverage = b.segment_section.get("coverage") or {}
    total = b.segment_section.get("profit_at_risk_total")
    share = coverage.get("share_of_profit_at_risk")
    if share is None and total:
        share = sum(s.get("profit_at_risk") or 0.0 for s in segments) / total
    if share is not None and coverage.get("clients_in_segments") is not None:
        takeaway = (f"Вместе сегменты охватывают {_clients(coverage['clients_in_segments'])} "
                    f"и {pct(share, 0)} всей прибыли под риском.")
    elif share is not None:
        takeaway = f"Вместе сегменты несут {pct(share, 0)} всей прибыли под риском."
    else:
        takeaway = "Средняя вероятность снижения: " + ", ".join(
            f"{quoted(s['name'])} — {pct(s.get('mean_probability'), 0)}" for s in segments) + "."

    def draw(axes: Sequence[Axes]) -> None:
        plot.plot_segment_bars(axes[0], names, [s.get("mean_probability") for s in segments],
                               lambda v: pct(v, 0), "Средняя вероятность снижения")
        axes[0].set_xlim(0, 1.18)
        axes[0].set_xticks([0, 0.25, 0.5, 0.75, 1])
        t.ru_ticks(axes[0].xaxis, "pct")
        plot.plot_segment_bars(axes[1], names, [s.get("profit_at_risk") for s in segments],
                               lambda v: num(v, 1), f"Прибыль под риском, {unit}")
        axes[1].set_yticklabels([])
        axes[1].tick_params(axis="y", left=False)

    return Plan(
        name="segment_profiles", section="segments", shape=(1, 2),
        height=min(4.0, 1.3 + 0.45 * len(segments)),
        title=(f"Больше всего прибыли под риском у сегмента {quoted(top['name'])}: "
               f"{_money(top.get('profit_at_risk') or 0.0, unit)} у "
               f"{_clients(top.get('clients', 0), genitive=True)}"),
        takeaway=takeaway,
        alt=(f"Горизонтальные столбцы для {len(segments)} сегментов: средняя вероятность "
             "снижения активности и прибыль под риском."),
        draw=draw)


def _difference_rows(segment: dict[str, Any]) -> list[dict[str, Any]]:
    rows = [d for d in segment.get("differences") or []
            if (d.get("effect", d.get("effect_size"))) is not None]
    return rows


def _effect(row: dict[str, Any]) -> float:
    return float(row.get("effect", row.get("effect_size")))


def _strongest(segment: dict[str, Any], rank: int) -> str:
    """The ``rank``-th strongest difference of a segment as a clause."""
    rows = sorted(_difference_rows(segment), key=lambda r: -abs(_effect(r)))
    d = rows[min(rank, len(rows) - 1)]
    values = (f"{value_text(d['feature'], d['segment_median'])} против "
              f"{value_text(d['feature'], d['stable_median'])} у стабильных")
    if rank == 0:
        return (f"сегмент {quoted(segment['name'])} сильнее всего отличается от стабильных "
                f"клиентов по признаку {quoted(d['label'])}: {values}")
    return (f"второе по силе отличие сегмента {quoted(segment['name'])} — "
            f"{quoted(d['label'])}: {values}")


def segment_differences(b: Bundle) -> Plan:
    """How each segment differs from stable clients (rank-biserial effect per feature)."""
    segments = [s for s in sorted(b.segments(), key=lambda s: s.get("priority", 0))
                if _difference_rows(s)]
    if not segments:
        raise Missing("segments[].differences")
    names, _ = _segment_names(b)
    sentences = [_strongest(s, rank) for s in segments for rank in (0, 1)]
    first, second = sentences[0], sentences[1] if len(segments) == 1 else sentences[2]
    heights = [len(_difference_rows(s)) + 1 for s in segments]

    def draw(axes: Sequence[Axes]) -> None:
        for ax, s in zip(axes, segments, strict=True):
            rows = _difference_rows(s)
            colour = t.segment_colour(names.index(s["name"]) if s["name"] in names else 0)
            notes = [f"{value_text(r['feature'], r['segment_median'])} против "
                     f"{value_text(r['feature'], r['stable_median'])}" for r in rows]
            plot.plot_segment_differences(ax, [r["label"] for r in rows],
                                          [_effect(r) for r in rows], notes, colour)
            ax.set_title(s["name"], fontsize=8, loc="left")
        for ax in axes[:-1]:
            ax.set_xlabel("")

    return Plan(
        name="segment_differences", section="segments", shape=(len(segments), 1),
        height=min(4.5, 0.9 + 0.3 * sum(heights)), grid={"height_ratios": heights},
        title=capital(first),
        takeaway=capital(second) + ".",
        alt=(f"Горизонтальные столбцы для {len(segments)} сегментов: ранговая бисериальная "
             "корреляция признаков сегмента со стабильными клиентами, подписаны медианы."),
        draw=draw)
