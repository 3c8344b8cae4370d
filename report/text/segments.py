"""Words of the segments section: rule definitions, differences, test design, sensitivity."""

from __future__ import annotations

from typing import Any

from analysis import glossary as g
from analysis.rutext import NBSP, money, num, pct, quantity, smart_num
from report.text.common import R, clients, profit_unit
from report.text.markdown import md_escape
from report.text.words import PROFIT_LABELS, RISK_LABELS, SENSITIVITY_WORDS, TERMS, lower_first

__all__ = [
    "ARM_LABELS",
    "GROUP_LABELS",
    "METRIC_WORDS",
    "definition_text",
    "difference_text",
    "rules_sentence",
    "segment_blocks",
    "segments_section",
    "sensitivity_sentence",
]

METRIC_WORDS = {"retained_share": "доля клиентов, сохранивших активность",
                "returned_share": "доля клиентов, вернувших прежнюю активность"}
GROUP_LABELS = {"winback": "возврат (активность уже снизилась)",
                "prevention": "профилактика (пока стабилен)"}
ARM_LABELS = {"test": "тест", "control": "контроль (без предложения)", "": ""}


def _quoted(values: Any) -> str:
    return " или ".join(f"«{v}»" for v in values)


def _threshold(value: Any) -> str:
    if isinstance(value, list | tuple):
        return _quoted(value)
    return num(value, 2) if isinstance(value, float) else str(value)


def definition_text(segment: R) -> str:
    """The rule of a segment with its thresholds, from its code and ``thresholds``."""
    t = segment.get("thresholds") or {}
    if segment.get("code") == "promo_risk":
        return (f"Доля покупок по акции не ниже {pct(t['promo_high'], 0)} и вероятность "
                f"снижения активности не ниже {num(t['probability_high'], 2)}")
    if segment.get("code") == "electronics_decline":
        return (f"Любимая категория — {_quoted(t['electronics_categories'])}, и активность уже "
                "снизилась или вероятность её снижения не ниже "
                f"{num(t['probability_high'], 2)}")
    shown = "; ".join(f"{k} = {_threshold(v)}" for k, v in t.items())
    return f"Правило «{segment.get('name') or segment.get('code')}»" + (
        f": {shown}" if shown else "")


def _value(feature: str, value: float) -> str:
    if feature == g.PROMO:
        return pct(value, 0)
    unit = g.GLOSSARY[feature].unit if feature in g.GLOSSARY else ""
    return smart_num(value) + (f"{NBSP}{unit}" if unit else "")


def difference_text(d: R) -> str:
    """«страниц за визит: 4 против 9 у стабильных»."""
    return (f"{lower_first(g.label(d['feature']))}: {_value(d['feature'], d['segment_median'])} "
            f"против {_value(d['feature'], d['stable_median'])} у стабильных")


def sensitivity_sentence(sensitivity: R, step: float) -> str:
    """«при сдвиге порогов на ±10 % размер меняется не больше чем на 12 % — устойчив.»."""
    verdict = SENSITIVITY_WORDS.get(sensitivity["verdict"], sensitivity["verdict"])
    return (f"при сдвиге порогов на ±{pct(step, 0)} размер меняется не больше чем на "
            f"{pct(sensitivity['max_size_change'], 0)} — {verdict}.")


def _group_sentence(s: R, unit: str) -> str:
    grp = s["groups"]
    win, prev = grp["winback"], grp["prevention"]
    return (f"{clients(s['clients'])} ({pct(s['share'])} всех): "
            f"{num(win['clients'])} уже снизили активность (возврат, прибыль "
            f"{money(win['profit'], unit)} в месяц), {num(prev['clients'])} пока стабильны "
            f"(профилактика, под угрозой по оценке {money(prev['exposure'], unit)} в месяц); "
            f"средняя прибыль {num(s['mean_profit'], 2)}.")


def segment_blocks(results: R) -> list[R]:
    """Per segment: definition, sentence, differences, sensitivity."""
    unit = profit_unit(results)
    step = results["params"]["segments"]["sensitivity_step"]
    return [{"definition": definition_text(s), "sentence": _group_sentence(s, unit),
             "differences": [difference_text(d) for d in s["differences"]],
             "sensitivity": sensitivity_sentence(s["sensitivity"], step)}
            for s in results["segments"]["segments"]]


def _cells(results: R) -> list[R]:
    return [{**c, "risk_label": RISK_LABELS.get(c["risk"], c["risk"]),
             "profit_label": PROFIT_LABELS.get(c["profit"], c["profit"])}
            for c in results["segments"]["value_at_risk"]]


def rules_sentence(results: R) -> str:
    """Which catalogue rules the data contradict, so they are not offered (Markdown).

    The offer names and features come from the offer catalogue, a file: escaped.
    """
    off = [c for c in results["segments"].get("rule_checks", []) if not c["fires"]]
    if not off:
        return "Все правила каталога предложений согласуются с данными."
    parts = []
    for c in off:
        if c["kind"] == "feature":
            want = "больше" if c["direction"] == "high" else "меньше"
            parts.append(f"«{md_escape(c.get('action', c['rule']))}» (правило рассчитано на "
                         f"тех, у кого «{md_escape(lower_first(g.label(c['feature'])))}» {want}, "
                         f"а у {TERMS['declined_gen']} клиентов наоборот: "
                         f"r = {num(c['effect'], 2)})")
        else:
            parts.append(f"«{md_escape(c.get('action', c['rule']))}» (условие реже встречается "
                         f"у {TERMS['declined_gen']} клиентов)")
    return ("Правило срабатывает, только если данные указывают в ту же сторону; не "
            "предлагается: " + "; ".join(parts) + ".")


def segments_section(results: R) -> R:
    """Every computed sentence of the segments section."""
    seg = results["segments"]
    unit = profit_unit(results)
    cov = seg["coverage"]
    n = len(seg["segments"])
    t = seg["value_at_risk_thresholds"]
    names = {s["code"]: s["name"] for s in seg["segments"]}
    order = " → ".join(f"«{md_escape(names[c])}»" for c in seg.get("priority", names))
    inside = sum(s["clients"] for s in seg["segments"])
    return {
        "segments_conclusion": (
            f"В {quantity(n, 'сегменте', 'сегментах', 'сегментах')} — "
            f"{clients(inside)}; сегменты не пересекаются: клиент, подходящий под оба "
            f"правила, относится к первому по приоритету ({order}; таких "
            f"{num(seg.get('overlap_resolved', 0))}). Внутри сегментов клиенты, "
            f"{TERMS['declined']}, "
            "(возврат) и стабильные (профилактика) считаются отдельно."),
        "var_cells": _cells(results),
        "var_note": (
            "Только стабильные клиенты (профилактика): для снизивших снижение уже известно. "
            f"Риск высокий — вероятность от {pct(t['risk_high'], 0)}, средний — от "
            f"{pct(t['risk_medium'], 0)}; прибыль высокая — от "
            f"{num(t['profit_threshold'], 2)} ({unit}). Уровни риска описательные; кому "
            "делать предложение, решает одно правило ожидаемой выгоды (ниже)."),
        "segment_blocks": segment_blocks(results),
        "rules_sentence": rules_sentence(results),
        "coverage_sentence": (
            f"Вне сегментов остаются {clients(cov['high_risk_outside'])} из стабильных "
            f"с высоким риском (под угрозой по оценке "
            f"{money(cov['high_risk_outside_profit_at_risk'], unit)}); предложение им "
            "назначает то же правило ожидаемой выгоды."),
        "tests_caveat": (
            "Эффект предложений из этих данных неизвестен: заложенные эффекты — допущения, "
            "а контрольные группы этого месяца позволят измерить их в следующем отчёте."),
    }
