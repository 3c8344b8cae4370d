"""Words of the segments section: rule definitions, differences, test design, sensitivity."""

from __future__ import annotations

from typing import Any

from analysis import glossary as g
from analysis.rutext import NBSP, money, num, pct, plural, pp, smart_num
from report.text.common import R, clients, profit_unit
from report.text.words import PROFIT_LABELS, RISK_LABELS, SENSITIVITY_WORDS, lower_first

__all__ = [
    "METRIC_WORDS",
    "definition_text",
    "difference_text",
    "experiment_conclusion",
    "segment_blocks",
    "segments_section",
    "sensitivity_sentence",
]

METRIC_WORDS = {"retained_share": "доля клиентов, сохранивших активность"}


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


def experiment_conclusion(test: R) -> str:
    """Whether the segment is large enough for the offer's controlled test."""
    size, uplift = test["segment_clients"], test["uplift"]
    n_control, n_treatment = test["n_control"], test["n_treatment"]
    if size == 0:
        return "Сегмент пуст: проверять предложение не на ком."
    if n_control is None or n_treatment is None:
        return (f"Прирост на {pp(uplift)} проверить нельзя: текущая доля сохранивших "
                f"активность {pct(test['baseline'] or 0.0)}, а целевая должна лежать между "
                "0 и 100 %.")
    need = n_control + n_treatment
    arms = f"{num(n_control)} в контрольной и {num(n_treatment)} в тестовой группе"
    if size >= need:
        return (f"Сегмента хватает: для прироста на {pp(uplift)} нужно {clients(need)} "
                f"({arms}), в сегменте {num(size)}.")
    text = (f"Сегмент слишком мал, чтобы заметить прирост на {pp(uplift)}: нужно "
            f"{clients(need)} ({arms}), а в сегменте {num(size)}.")
    smallest = test["min_detectable_uplift"]
    if smallest is None:
        return text + " При таком размере не заметен никакой прирост."
    return text + f" При таком размере заметен только прирост от {pp(smallest)}"


def sensitivity_sentence(sensitivity: R, step: float) -> str:
    """«при сдвиге порогов на ±10 % размер меняется не больше чем на 12 % — устойчив.»."""
    verdict = SENSITIVITY_WORDS.get(sensitivity["verdict"], sensitivity["verdict"])
    return (f"при сдвиге порогов на ±{pct(step, 0)} размер меняется не больше чем на "
            f"{pct(sensitivity['max_size_change'], 0)} — {verdict}.")


def segment_blocks(results: R) -> list[R]:
    """Per segment: definition, sentence, differences, test metric and conclusion, sensitivity."""
    unit = profit_unit(results)
    step = results["params"]["segments"]["sensitivity_step"]
    blocks = []
    for s in results["segments"]["segments"]:
        test = s["offers"][0]["test"] if s["offers"] else None
        blocks.append({
            "definition": definition_text(s),
            "sentence": (
                f"{clients(s['clients'])} ({pct(s['share'])} всех), средняя вероятность "
                f"снижения {pct(s['mean_probability'])}, средняя прибыль "
                f"{num(s['mean_profit'], 2)}, под угрозой {money(s['profit_at_risk'], unit)}."),
            "differences": [difference_text(d) for d in s["differences"]],
            "metric": METRIC_WORDS.get(test["metric"], test["metric"]) if test else None,
            "conclusion": experiment_conclusion(test) if test else None,
            "sensitivity": sensitivity_sentence(s["sensitivity"], step),
        })
    return blocks


def _cells(results: R) -> list[R]:
    return [{**c, "risk_label": RISK_LABELS.get(c["risk"], c["risk"]),
             "profit_label": PROFIT_LABELS.get(c["profit"], c["profit"])}
            for c in results["segments"]["value_at_risk"]]


def segments_section(results: R) -> R:
    """Every computed sentence of the segments section."""
    seg = results["segments"]
    unit = profit_unit(results)
    cov = seg["coverage"]
    n = len(seg["segments"])
    t = seg["value_at_risk_thresholds"]
    return {
        "segments_conclusion": (
            f"В {num(n)} {plural(n, 'сегменте', 'сегментах', 'сегментах')} — "
            f"{clients(cov['clients_in_segments'])} и "
            f"{pct(cov['share_of_profit_at_risk'])} прибыли под угрозой."),
        "var_cells": _cells(results),
        "var_note": (
            f"Риск высокий — вероятность от {pct(t['risk_high'], 0)}, средний — от "
            f"{pct(t['risk_medium'], 0)}; прибыль высокая — от "
            f"{num(t['profit_threshold'], 2)} ({unit})."),
        "segment_blocks": segment_blocks(results),
        "coverage_sentence": (
            f"Вне сегментов остаются {clients(cov['high_risk_outside'])} с высоким риском "
            f"(под угрозой {money(cov['high_risk_outside_profit_at_risk'], unit)}); они получают "
            "предложения по индивидуальным правилам в списке действий."),
        "tests_caveat": (
            "Эффект предложений из этих данных неизвестен: каждое предложение нужно проверить "
            "контролируемым экспериментом, по одному на сегмент за раз."),
    }
