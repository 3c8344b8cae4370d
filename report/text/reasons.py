"""Words of the drivers, of each client's reasons and of the example clients.

:mod:`analysis.explain.reasons` returns records (a direction code; per client
the feature, the side of the reference, the client's value and the reference
value); this module turns them into the sentences of the report and of the
action list. Numbers go through :mod:`analysis.rutext`.

A numeric reason is worded by its ``side``, which the records set to the
feature's direction (:func:`analysis.explain.reasons.reason_frame`): one
feature has one wording in a whole action list («мало страниц за визит», never
also «много страниц за визит»), and the client's value is on that side of the
stable clients' one.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from analysis import glossary as g
from analysis.explain.reasons import TOP_REASONS, reason_columns
from analysis.rutext import NBSP, num, pct, trimmed
from report.text.words import lower_first

__all__ = ["DIRECTION_WORDS", "direction_text", "drivers_conclusion", "example_summary",
           "example_title", "rank_text", "reason_text", "reason_texts"]

DIRECTION_WORDS = {"low": "чем меньше, тем выше риск", "high": "чем больше, тем выше риск",
                   "ambiguous": "связь неоднозначна"}
_EXAMPLE_KINDS = {"highest": "с наибольшим риском", "borderline": "у порога решения",
                  "lowest": "с наименьшим риском", "quantile": ""}


def direction_text(driver: dict[str, Any]) -> str:
    """How a driver acts: «чем меньше, тем выше риск» or «выше риск при значении «…»»."""
    code = driver.get("direction") or ""
    if code == "category":
        return f"выше риск при значении «{driver.get('level')}»" if driver.get("level") else ""
    return DIRECTION_WORDS.get(code, code)


def rank_text(driver: dict[str, Any]) -> str:
    """The driver's place: «1» when its rank is resolved, «4–5, наравне» inside a set."""
    if driver.get("rank") is None:
        return ""
    if driver.get("tier_size", 1) == 1:
        return str(driver["rank"])
    return f"{driver['tier_first']}–{driver['tier_last']}, наравне"


def _tiers(drivers: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    tiers: list[list[dict[str, Any]]] = []
    for d in drivers:
        if tiers and d.get("tier") is not None and tiers[-1][0].get("tier") == d.get("tier"):
            tiers[-1].append(d)
        else:
            tiers.append([d])
    return tiers


def drivers_conclusion(drivers: list[dict[str, Any]], level: float | None,
                       resamples: int | None, top: int = 3) -> str:
    """The strongest drivers, as an ordered list where the order is resolved and sets where not.

    «Сильнее всего на прогноз влияет «A»; следующие — «B» и «C» (наравне: порядок между ними
    данные не устанавливают).» The tiers cover at least ``top`` drivers.
    """
    parts, shown = [], 0
    for tier in _tiers(drivers):
        if shown >= top:
            break
        names = [f"«{g.label(d['feature'])}»" for d in tier]
        if len(names) == 1:
            parts.append(names[0])
        else:
            parts.append(f"{', '.join(names[:-1])} и {names[-1]} (наравне)")
        shown += len(tier)
    if not parts:
        return ""
    text = f"Сильнее всего на прогноз влияет {parts[0]}"
    if len(parts) > 1:
        text += f", затем {', затем '.join(parts[1:])}"
    text += "."
    if level is not None and resamples:
        text += (f" Место признака — по среднему |SHAP| всех оценённых клиентов; «наравне» — "
                 f"признаки, чьи {pct(level, 0)} интервалы мест (бутстреп по клиентам, "
                 f"{num(resamples)} повторов) пересекаются: порядок между ними данные не "
                 "устанавливают.")
    return text


def _term(feature: str) -> g.Term:
    return g.GLOSSARY.get(feature, g.Term(feature, f"низкое значение «{feature}»",
                                          f"высокое значение «{feature}»"))


def _unit(feature: str) -> str:
    term = g.GLOSSARY.get(feature)
    return f"{NBSP}{term.unit}" if term and term.unit else ""


def reason_text(feature: str, side: str, value: Any, reference: float,
                share: float | None = None) -> str:
    """One reason of one client.

    Numeric (``side`` low/high): «мало страниц за визит: 3 против 5 у стабильных
    клиентов»; categorical (``side`` category): «популярная категория «…»: снижение
    у 45 % таких клиентов против 38 % в среднем». ``""`` without a feature.
    """
    if not feature:
        return ""
    if side == "category":
        return (f"{lower_first(g.label(feature))} «{value}»: снижение у {pct(share, 0)} таких "
                f"клиентов против {pct(reference, 0)} в среднем")
    term, unit = _term(feature), _unit(feature)
    phrase = term.low if side == "low" else term.high
    return (f"{phrase}: {trimmed(value)}{unit} против {trimmed(reference)}{unit} "
            "у стабильных клиентов")


def reason_texts(records: pd.DataFrame) -> pd.DataFrame:
    """``reason_1`` … ``reason_3`` texts from the reason records of the action list.

    Each distinct record is worded once (a million clients share a few thousand).
    """
    out = {}
    for k in range(1, TOP_REASONS + 1):
        names = reason_columns(k)
        columns = [records[names[f]].tolist()
                   for f in ("feature", "side", "value", "reference", "share")]
        cache: dict[tuple[Any, ...], str] = {}
        texts = []
        for feature, side, value, reference, share in zip(*columns, strict=True):
            if not feature:
                texts.append("")
                continue
            key = (feature, side, value, reference, share if side == "category" else None)
            text = cache.get(key)
            if text is None:
                text = cache[key] = reason_text(feature, side, value, reference, share)
            texts.append(text)
        out[f"reason_{k}"] = texts
    return pd.DataFrame(out, index=records.index)


def example_title(example: dict[str, Any]) -> str:
    """«Клиент 215348 с наибольшим риском»."""
    return f"Клиент {int(example['id'])} {_EXAMPLE_KINDS.get(example.get('kind', ''), '')}".strip()


def _shown(contribution: dict[str, Any]) -> str:
    value = contribution.get("client_value")
    if isinstance(value, str):
        return f"«{value}»"
    return f"{trimmed(value)}{_unit(contribution['feature'])}"


def example_summary(example: dict[str, Any]) -> str:
    """Title, probability and the two features that raise and lower the risk most."""
    ranked = example.get("contributions") or []
    up = [f"«{g.label(c['feature'])}» ({_shown(c)})" for c in ranked if c["value"] > 0]
    down = [f"«{g.label(c['feature'])}» ({_shown(c)})" for c in ranked if c["value"] < 0]
    parts = ([f"риск сильнее всего повышают {', '.join(up[:2])}"] if up else []) + (
        [f"снижают {', '.join(down[:2])}"] if down else [])
    text = f"{example_title(example)}: вероятность снижения {pct(example['probability'], 0)}"
    return text + (f"; {'; '.join(parts)}." if parts else ".")
