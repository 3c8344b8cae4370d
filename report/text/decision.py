"""Words of the decision: win-back vs prevention, the offer rule, its sensitivity, the tests.

Every number comes from ``results["segments"]["decision"]``,
``results["segments"]["tests"]`` and the run's parameters.
"""

from __future__ import annotations

from analysis.rutext import money, num, pct, period_label, pp
from report.text.common import R, clients, profit_unit
from report.text.words import CHANNEL_LABELS

__all__ = [
    "ASSUMPTION_WORDS",
    "GROUP_NAMES",
    "decision_section",
    "design_text",
    "exposure_text",
    "group_rows",
    "offer_test_rows",
    "rule_summary",
    "rule_text",
    "sensitivity_rows",
]

GROUP_NAMES = {"winback": "Возврат: активность уже снизилась",
               "prevention": "Профилактика: пока стабильны, но похожи на снизивших"}
ASSUMPTION_WORDS = {
    "prevention_uplift": "доля ожидаемой потери, которую сохраняет предложение (профилактика)",
    "winback_uplift": "доля снизивших клиентов, которых возвращает предложение",
    "offer_cost": "стоимость самого предложения (скидка, баллы, ваучер)",
    "contact_cost": "стоимость контакта по каналу (все каналы сразу)",
}
_CHANNELS = ("site", "personal_account", "push", "newsletter", "email", "sms", "call")


def _decision(results: R) -> R:
    return results["segments"]["decision"]


def exposure_text(results: R) -> str:
    """«420 тыс. ₽ в месяц (90 %-интервал 362–479)» for the prevention group."""
    grp = _decision(results)["groups"]["prevention"]
    unit = profit_unit(results)
    lo, hi = grp["exposure_interval"]
    level = _decision(results)["rule"]["interval_level"]
    return (f"{money(grp['exposure'], unit)} в месяц ({pct(level, 0)}-интервал "
            f"{num(lo)}–{num(hi)})")


def _measured(results: R, name: str) -> bool:
    learning = _decision(results).get("learning") or {}
    return (learning.get("sources") or {}).get(name) == "measured"


def _effect_source(results: R, name: str) -> str:
    """«допущение», or where the measured value comes from."""
    if not _measured(results, name):
        return "допущение"
    period = (_decision(results).get("learning") or {}).get("period") or ""
    return f"измерен по контрольной группе отчёта за {period_label(period)}"


def rule_text(results: R) -> str:
    """The decision rule with its parameters, stated once, each assumed or measured."""
    rule = _decision(results)["rule"]
    unit = profit_unit(results)
    costs = ", ".join(f"{CHANNEL_LABELS[c]} {num(rule[f'cost_{c}'], 3)}" for c in _CHANNELS)
    digits = {name: 1 if _measured(results, name) else 0
              for name in ("prevention_uplift", "winback_uplift")}
    rest = ("Остальные значения — допущения (раздел [decision] в oneclick.toml)"
            if any(digits.values()) else
            "Все значения — допущения по умолчанию (раздел [decision] в oneclick.toml)")
    return (
        "Предложение получает клиент, у которого ожидаемая выгода положительна: "
        "вероятность снижения × прибыль клиента × эффект предложения − стоимость "
        f"(всё в {unit} в месяц). Для профилактики вероятность — оценка модели, эффект — "
        f"{_effect_source(results, 'prevention_uplift')}: предложение сохраняет "
        f"{pct(rule['prevention_uplift'], digits['prevention_uplift'])} ожидаемой "
        "потери. Для возврата снижение уже произошло (вероятность принята равной 1), "
        f"эффект — {_effect_source(results, 'winback_uplift')}: вернётся "
        f"{pct(rule['winback_uplift'], digits['winback_uplift'])} клиентов. "
        f"Стоимость — предложение {num(rule['offer_cost'], 3)} плюс контакт по каналу "
        f"({costs}). {rest}; их влияние показано в таблице чувствительности.")


def rule_summary(results: R) -> str:
    """Page 1's two lines of the rule: what it weighs, each effect and where it comes from.

    The parameters, the channel costs and the sensitivity stand in the segments
    section (:func:`rule_text`); page 1 keeps one PDF page.
    """
    rule = _decision(results)["rule"]
    names = (("профилактика", "prevention_uplift"), ("возврат", "winback_uplift"))
    if not any(_measured(results, name) for _, name in names):
        effects = ", ".join(f"{word} {pct(rule[name], 0)}" for word, name in names)
        effects += "; допущения"
    else:
        period = period_label((_decision(results).get("learning") or {}).get("period") or "")
        effects = "; ".join(
            f"{word} {pct(rule[name], 1)}, измерен за {period}" if _measured(results, name)
            else f"{word} {pct(rule[name], 0)}, допущение" for word, name in names)
    return ("Предложение получает клиент, у которого ожидаемая выгода положительна: "
            f"вероятность снижения × прибыль × эффект ({effects}) − стоимость "
            "([подробнее](#segments)).")


def group_rows(results: R) -> list[R]:
    """Rows of the win-back / prevention table (page 1 and the body)."""
    unit = profit_unit(results)
    rows = []
    for code in ("prevention", "winback"):
        grp = _decision(results)["groups"][code]
        exposed = (exposure_text(results) if code == "prevention"
                   else f"{money(grp['exposure'], unit)} в месяц (известна)")
        rows.append({"code": code, "name": GROUP_NAMES[code], "clients": grp["clients"],
                     "exposure": exposed, "selected": grp["selected"],
                     "selected_profit": money(grp["selected_profit"], unit),
                     "expected_value": money(grp["selected_expected_value"], unit, 1),
                     "test": grp["test"], "control": grp["control"],
                     "selected_cell": f"{num(grp['selected'])} "
                                      f"({money(grp['selected_profit'], unit)})",
                     "sent_cell": f"{num(grp['test'])} / {num(grp['control'])}"})
    return rows


def sensitivity_rows(results: R) -> list[R]:
    """Rows of the sensitivity table: clients selected when one assumption changes."""
    unit = profit_unit(results)
    rule = _decision(results)["rule"]
    groups = _decision(results)["groups"]
    rows = [{"assumption": "как в правиле (по умолчанию)", "value": "—",
             "prevention": groups["prevention"]["selected"],
             "winback": groups["winback"]["selected"],
             "profit": money(groups["prevention"]["selected_profit"]
                             + groups["winback"]["selected_profit"], unit)}]
    for row in _decision(results)["sensitivity"]:
        name, factor = row["assumption"], row["factor"]
        base = rule.get(name)
        value = (f"× {num(factor, 1)}" if base is None
                 else f"{num(base * factor, 3)} (× {num(factor, 1)})")
        sel = row["selected"]
        rows.append({"assumption": ASSUMPTION_WORDS[name], "value": value,
                     "prevention": sel["prevention"]["clients"],
                     "winback": sel["winback"]["clients"],
                     "profit": money(sel["prevention"]["profit"] + sel["winback"]["profit"],
                                     unit)})
    return rows


def design_text(test: R) -> str:
    """What to run for one offer's test: ready, pooled, over months, or the detectable uplift."""
    need = clients(test["n_total"]) if test["n_total"] else "—"
    if test["design"] == "ready":
        return f"Хватает: нужно {need}, получают {num(test['clients'])}."
    pooled = clients(test["pooled_clients"])
    if test["design"] == "pool":
        return (f"Мало для отдельной проверки (нужно {need}); проверять вместе с другими "
                f"предложениями группы как «предложение против его отсутствия»: {pooled} — "
                "достаточно.")
    if test["design"] == "months":
        return (f"Мало для отдельной проверки (нужно {need}); проверять общим тестом группы "
                f"«предложение против его отсутствия» ({pooled} в месяц), накапливая "
                f"{num(test['months'])} мес.")
    smallest = test["pooled_min_detectable_uplift"]
    found = (f"заметен только прирост от {pp(smallest)}" if smallest is not None
             else "не заметен никакой прирост до 100 %")
    months = (f"; прирост на {pp(test['uplift'])} потребует {num(test['months'])} мес. "
              "накопления" if test["months"] else "")
    return (f"Мало для отдельной проверки (нужно {need}). Запускать общий тест группы "
            f"на {pooled} с контролем {pct(test['control_share'], 0)}: при таком размере "
            f"{found} (минимальный обнаружимый эффект, а не цель){months}.")


def offer_test_rows(results: R) -> list[R]:
    """One row per offer test: who, how many in test and control, baseline, design."""
    rows = []
    for t in results["segments"]["tests"]["tests"]:
        source = "наблюдаемая" if t["baseline_source"] == "observed" else "допущение"
        rows.append({"group": GROUP_NAMES[t["group"]].split(":")[0],
                     "offer": t.get("action", t["rule"]),
                     "clients": t["clients"], "control": t["control"],
                     "baseline": f"{pct(t['baseline'], 0)} ({source})",
                     "design": design_text(t)})
    return rows


def decision_section(results: R) -> R:
    """Every computed sentence of the decision part of the segments section."""
    tests = results["segments"]["tests"]
    control = _decision(results)["control"]
    return {
        "decision_rule": rule_text(results),
        "group_rows": group_rows(results),
        "sensitivity_rows": sensitivity_rows(results),
        "test_rows": offer_test_rows(results),
        "tests_note": (
            "Каждое предложение проверяется на тех, кто его получает: "
            f"{pct(control['share'], 0)} из них случайно (зерно {control['seed']}) попадают в "
            "контрольную группу и в этом месяце предложения не получают. Базовая доля для "
            "профилактики — наблюдаемая доля сохранивших активность среди клиентов с похожей "
            "вероятностью; для возврата наблюдений нет, это допущение. "
            f"Предложений-проверок {num(tests['family'])}: уровень значимости с поправкой "
            f"Бонферрони {num(tests['alpha_corrected'], 4)} вместо {num(tests['alpha'], 2)}."),
        "exposure_note": (
            "«Под угрозой» для стабильных клиентов — не наблюдение, а оценка: сумма "
            "вероятность снижения × прибыль, то есть ожидаемая потеря прибыли за месяц, если "
            "снижение активности означает потерю всей прибыли клиента. Интервал показывает "
            "разброс фактической потери при верных вероятностях (клиенты независимы); "
            "неточность самих вероятностей в него не входит. Для снизивших клиентов прибыль "
            "известна, вероятность для них не нужна."),
    }
