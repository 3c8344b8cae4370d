"""«Результат предложений прошлого месяца»: words for the ``outcome`` section of the results.

:func:`outcome_text` turns ``results["outcome"]``
(:func:`analysis.comparison.previous_outcome`) into page 1's column of the
win-back / prevention table (a sentence on a first run), the section's
sentences and its table rows. Every number comes from the section;
the offer texts come from the offer catalogue (data) and are left to the
template to escape.
"""

from __future__ import annotations

from analysis.rutext import num, pct, period_label, plural, pp
from report.text.common import R, clients, p_value
from report.text.decision import GROUP_NAMES
from report.text.words import count

__all__ = ["GROUP_SHORT", "OUTCOME_STATUS", "VERDICT_WORDS", "learning_text", "outcome_text",
           "verdict_text"]

GROUP_SHORT = {code: name.split(":")[0] for code, name in GROUP_NAMES.items()}
SHARE_WORDS = {"winback": "вернулись к прежнему уровню",
               "prevention": "сохранили прежний уровень"}
VERDICT_WORDS = {
    "effect": "эффект есть",
    "harm": "предложение навредило",
    "unconfirmed": "есть признаки эффекта, но с поправкой на число проверенных предложений "
                   "он не подтверждён",
    "none": "эффект не обнаружен",
    "unmeasurable": "не измерить: в одной из групп нет клиентов в этой выгрузке",
}
OUTCOME_STATUS = {
    "same_period": "в архиве до этого отчёта есть только отчёт за этот же месяц — "
                   "результат предложений измеряется на выгрузке следующего месяца",
    "no_scores": "в отчёте за {period} нет списка действий (scores.csv)",
    "no_assignment": "в списке действий отчёта за {period} нет контрольных групп (отчёт "
                     "сделан прежней версией инструмента или предложения никому не назначены)",
    "no_common_clients": "ни одного клиента из списка действий отчёта за {period} нет в этой "
                         "выгрузке",
}
SHORT_VERDICTS = {"effect": "эффект есть", "harm": "навредило", "unconfirmed": "не подтверждён",
                  "none": "эффект не обнаружен", "unmeasurable": "не измерить"}
"""The verdicts in page 1's column."""
POOLED_WORDS = "все предложения группы"
_NEXT_MONTH = ("Результат предложений этого месяца будет измерен в следующем отчёте: "
               "получившие предложение будут сравнены с контрольной группой.")


def _interval(row: R) -> str:
    low, high = row["interval"]
    return f"от {num(low * 100, 1, signed=True)} до {pp(high, signed=True)}"


def _mde(row: R) -> str:
    mde = row["min_detectable_uplift"]
    if mde is None:
        return "при таком размере групп не заметен даже наибольший возможный эффект"
    return f"при таком размере заметен только эффект от {pp(mde)}"


def _sentence(text: str) -> str:
    return text if text.endswith(".") else text + "."


def verdict_text(row: R) -> str:
    """The verdict in plain words: «эффект не обнаружен; при таком размере заметен только …»."""
    verdict = row["verdict"]
    words = VERDICT_WORDS[verdict]
    if verdict == "effect":
        return f"{words}: доля выше на {pp(row['uplift'])}"
    if verdict == "harm":
        return f"{words}: доля ниже на {pp(-row['uplift'])}"
    if verdict == "none":
        return f"{words}; {_mde(row)}"
    return words


def _arms(row: R) -> str:
    return f"{num(row['test']['measured'])} / {num(row['control']['measured'])}"


def _row(row: R) -> R:
    measured = row["p_value"] is not None
    missing = (row["test"]["missing"], row["control"]["missing"])
    return {"group": GROUP_SHORT.get(row["group"], row["group"]),
            "offer": row["action"] or POOLED_WORDS,
            "arms": _arms(row),
            "missing": f"{num(missing[0])} / {num(missing[1])}" if any(missing) else "—",
            "shares": f"{pct(row['test']['share'])} / {pct(row['control']['share'])}",
            "uplift": (f"{pp(row['uplift'], signed=True)} ({_interval(row)})"
                       if measured else "—"),
            "p": (f"{p_value(row['p_value'])} ({p_value(row['p_adjusted'])})"
                  if measured else "—"),
            "verdict": verdict_text(row), "code": row["verdict"]}


def _level(level: float) -> str:
    return pct(level, 0)


def _pooled_sentence(row: R, level: float) -> str:
    group = GROUP_SHORT.get(row["group"], row["group"])
    if row["p_value"] is None:
        return _sentence(f"{group}: {verdict_text(row)}")
    return _sentence(
        f"{group}: {SHARE_WORDS.get(row['group'], 'прежний уровень')} "
        f"{pct(row['test']['share'])} получивших предложение против "
        f"{pct(row['control']['share'])} в контрольной группе — "
        f"{pp(row['uplift'], signed=True)} ({_level(level)}-интервал {_interval(row)}; "
        f"p = {p_value(row['p_value'])}): {verdict_text(row)}")


def _cell(row: R) -> str:
    """The page-1 cell of a group: «+8,7 п. п., эффект есть»."""
    if row["p_value"] is None:
        return SHORT_VERDICTS[row["verdict"]]
    return f"{pp(row['uplift'], signed=True)}, {SHORT_VERDICTS[row['verdict']]}"


def _clients_note(outcome: R) -> str:
    c = outcome["clients"]
    where = outcome["assignment"]
    text = (f"В отчёте за {period_label(where['period'])}, ревизия {where['revision']}, "
            f"правило отобрало {clients(c['assigned'])} — получивших предложение и "
            f"контрольных; в этой выгрузке есть {num(c['measured'])}")
    if c["missing"]:
        text += (f"; не нашлось в ней: {clients(c['missing'])} — "
                 "они не входят в доли и посчитаны в таблице отдельно")
    gap = outcome.get("months")
    if gap and gap > 1:
        text += f". Между отчётами {num(gap)} {plural(gap, 'месяц', 'месяца', 'месяцев')}"
    return text + "."


def _method_note(outcome: R) -> str:
    m = outcome["method"]
    fam = outcome["families"]
    return (f"Доля «{m['metric']}» сейчас у получивших предложение и у контрольной группы "
            "того же предложения; разница — в процентных пунктах. "
            f"{pct(m['level'], 0)}-интервал разницы — гибридный метод Ньюкомба (интервалы "
            "Уилсона для каждой доли): он годится и для малых групп, и для долей около 0 "
            "или 100 %. p — точный тест Фишера; в скобках — с поправкой Холма на "
            f"{count(fam['offers']['tests'], 'tested_offer')} (общие проверки групп — "
            f"отдельное семейство из {num(fam['pooled']['tests'])}); вывод «эффект есть» — "
            f"при скорректированном p < {num(m['alpha'], 2)}. Наименьший заметный эффект — "
            f"при мощности {pct(m['power'], 0)} и уровне α/m, m — число проверок "
            "(нормальное приближение). "
            "Контроль каждого предложения — случайная доля его получателей, поэтому общая "
            "проверка группы сравнивает одинаковые смеси предложений. В столбцах через «/» — "
            "получившие предложение и контрольная группа; «нет в выгрузке» — клиенты списка "
            "действий, которых нет в этой выгрузке (в доли не входят).")


_ASSUMPTION_GROUP = {"prevention_uplift": "профилактики", "winback_uplift": "возврата"}


def _learned(name: str, entry: R) -> str:
    group = _ASSUMPTION_GROUP.get(name, name)
    if entry["value"] is None:
        return (f"для {group} эффект не подтверждён — правило оставило допущение "
                f"{pct(entry['assumed'], 0)}")
    return (f"для {group} правило взяло измеренный эффект {pct(entry['value'])} вместо "
            f"допущения {pct(entry['assumed'], 0)}")


def learning_text(learning: R | None) -> str | None:
    """Which assumptions of this month's rule the measurement replaced (None when unknown)."""
    if not learning:
        return None
    if not learning.get("enabled"):
        return ("Допущения правила этого месяца по этим измерениям не меняются "
                "(параметр decision.learn_from_outcome выключен).")
    entries = learning.get("assumptions") or {}
    if not entries:
        return None
    parts = "; ".join(_learned(name, entry) for name, entry in sorted(entries.items()))
    caveat = (" Измеренный эффект — точечная оценка, выбранная потому, что он подтверждён; "
              "такие оценки чаще завышены, чем занижены."
              if any(e["value"] is not None for e in entries.values()) else "")
    return f"Обучение на результатах включено: {parts}.{caveat}"


def _skipped(outcome: R, skipped: list[R]) -> str | None:
    if not skipped:
        return None
    names = ", ".join(s["revision"] for s in skipped)
    what = "Повреждённая ревизия" if len(skipped) == 1 else "Повреждённые ревизии"
    verb = "пропущена" if len(skipped) == 1 else "пропущены"
    return (f"{what} архива {names} {verb} (проверка: oneclick archive verify); назначения "
            f"прочитаны из целой ревизии {outcome['assignment']['path']}.")


def outcome_text(outcome: R | None, learning: R | None = None,
                 skipped: list[R] | None = None) -> R:
    """Page-1 line and the section's content from ``results["outcome"]``.

    Returns
    -------
    dict
        ``line`` (page 1 on a first run: when the offers will be measured;
        None once there is a section), ``column`` and ``by_group`` (page 1's
        column of the group table when measured: the header linking to the
        section, a cell per group), ``measured`` (bool), ``status`` (one
        sentence when nothing was measured), ``conclusion``, ``clients_note``
        (with the damaged revisions ``skipped`` on the way, ``history.skipped``),
        ``method_note``, ``uplift_header`` (safe), ``learning`` (safe; which
        assumptions of this month's rule ``learning`` — ``segments.decision.learning``
        — replaced, or None), ``rows`` (per offer) and ``pooled_rows`` (per
        group): formatted cells, with ``offer`` raw from the catalogue.
    """
    if outcome is None:
        return {"line": _NEXT_MONTH, "measured": False, "status": _NEXT_MONTH}
    if outcome["status"] != "measured":
        why = OUTCOME_STATUS[outcome["status"]].format(
            period=period_label(outcome["assignment"]["period"]))
        status = f"Результат предложений прошлого месяца не измерен: {why}."
        return {"line": status, "measured": False, "status": status}
    pooled, level = outcome["pooled"], outcome["method"]["level"]
    return {
        "line": None, "measured": True, "status": None,
        "column": (f"[Эффект предложений, {period_label(outcome['assignment']['period'])}]"
                   "(#outcome)"),
        "by_group": {r["group"]: _cell(r) for r in pooled},
        "conclusion": " ".join(_pooled_sentence(r, level) for r in pooled),
        "clients_note": " ".join(filter(None, [_clients_note(outcome),
                                               _skipped(outcome, skipped or [])])),
        "method_note": _method_note(outcome),
        "rows": [_row(r) for r in outcome["offers"]],
        "pooled_rows": [_row(r) for r in pooled],
        "uplift_header": f"Разница ({pct(outcome['method']['level'], 0)}-интервал)",
        "learning": learning_text(learning),
    }
