"""Page 1 as a decision page: the unit's assumption, the model in plain words, what to do
this month per group, what changed (or that this is the baseline), one line on data quality.

Every number comes from ``results.json``: the decision groups, offers and costs
(``segments.decision``), the pooled test of each group on the month's drawn arms
(``segments.tests.groups``), the hold-out lift row (``model.lift``), typical profit
against revenue (``facts.money``) and the data-quality log (``quality``). The
words avoid the jargon of the body (no ROC, AUC, SHAP or «A/B»): the body explains
the method; page 1 says what to do and how it will be checked.
"""

from __future__ import annotations

from analysis.glossary import GLOSSARY, label
from analysis.rutext import money, num, pct, plural, pp, quantity, trimmed
from report.text.common import R, feature_value, lift_row, profit_unit
from report.text.markdown import md_escape
from report.text.reasons import direction_text
from report.text.words import CHANNEL_LABELS, count, lower_first

__all__ = [
    "ACTION_GROUPS",
    "LABEL_REPAIRS",
    "baseline_line",
    "drivers_line",
    "group_actions",
    "model_found",
    "outcome_line",
    "quality_line",
    "unit_assumption",
]

ACTION_GROUPS = ("winback", "prevention")
"""Page 1's order: the clients who already declined first (known money), then prevention."""
GROUP_TITLES = {"winback": "Возврат", "prevention": "Профилактика"}
GROUP_WHO = {"winback": ("снизивших активность", "прибыль отобранных"),
             "prevention": ("стабильных клиентов", "под угрозой у отобранных")}
MEASURE_WORDS = {"winback": "вернувших прежнюю активность",
                 "prevention": "сохранивших прежнюю активность"}
BASELINE_WORDS = {"observed": "наблюдаемая доля у похожих клиентов",
                  "assumed": "допущение"}
OFFERS_SHOWN = 1
"""Offers of a group named on page 1 (the rest counted as «ещё N»); all are in the body."""
LABEL_REPAIRS = frozenset({"typo", "case"})
"""Repairs of how a label is spelled (a typo in a category or period name, case, spaces):
nothing is wrong with the clients' numbers, so page 1 counts them apart from real problems."""
_LABEL_COLUMNS = {"Период": "период", "Популярная_категория": "категория",
                  "Тип сервиса": "тип сервиса", "Разрешить сообщать": "согласие на сообщения"}


def unit_assumption(results: R) -> str:
    """The assumed profit unit and what it implies, in plain words (Markdown-safe)."""
    unit = profit_unit(results)
    head = (f"**Единица прибыли — допущение:** в выгрузке она не указана, принята «{unit}» "
            "(параметр profit_unit).")
    m = (results.get("facts") or {}).get("money") or {}
    share, scale = m.get("profit_to_revenue"), m.get("unit_in_roubles")
    if share is None or not scale:
        return head
    text = (f" Тогда у типичного клиента прибыль {money(m['profit_median'], unit, 1)} в "
            f"месяц при выручке {money(m['revenue_median'], m.get('revenue_unit') or '₽')} — "
            f"{pct(share, 0)} выручки")
    if share > 0.5 and scale > 1:
        text += (f", для магазина необычно много; если в выгрузке прибыль в рублях, все её "
                 f"суммы в отчёте в {num(scale)} раз меньше")
    return head + text + "."


def model_found(results: R) -> R | None:
    """«89 из 122»: declining hold-out clients found among the top-ranked share, exactly.

    Returns ``None`` when the bundle has no lift row with the counts (an older bundle).
    """
    row = lift_row(results.get("model") or {})
    if row is None or row.get("found") is None or not row.get("declined"):
        return None
    return {"found": row["found"], "declined": row["declined"], "top_share": row["top_share"],
            "value": num(row["found"]), "unit": f"из {num(row['declined'])}",
            "label": (f"снизивших клиентов — в первых {pct(row['top_share'], 0)} списка по "
                      "риску (проверено на новых для модели клиентах)")}


def _offer_names(results: R) -> dict[tuple[str, str], str]:
    tests = (results["segments"].get("tests") or {}).get("tests") or []
    return {(t["group"], t["rule"]): t.get("action") or t["rule"] for t in tests}


def _channels(channels: R) -> str:
    parts = sorted(channels.items(), key=lambda kv: (-kv[1], kv[0]))
    if len(parts) == 1:
        return CHANNEL_LABELS.get(parts[0][0], parts[0][0])
    return ", ".join(f"{CHANNEL_LABELS.get(c, c)} {num(n)}" for c, n in parts)


def _offers(results: R, group: str) -> str:
    names = _offer_names(results)
    mine = [o for o in results["segments"]["decision"]["control"]["by_offer"]
            if o["group"] == group and o["test"] > 0]
    mine.sort(key=lambda o: (-o["test"], o["rule"]))
    shown = [f"«{md_escape(names.get((group, o['rule']), o['rule']))}» — {num(o['test'])} "
             f"({_channels(o.get('channels') or {})})" for o in mine[:OFFERS_SHOWN]]
    rest = mine[OFFERS_SHOWN:]
    if rest:
        n = len(rest)
        shown.append(f"ещё {quantity(n, 'предложение', 'предложения', 'предложений')} — "
                     f"{num(sum(o['test'] for o in rest))}")
    return "; ".join(shown)


def _cost(results: R, group: str) -> str:
    """«26,3 тыс. ₽ (допущения: 0,1 тыс. ₽ за предложение плюс контакт по каналу)»; the
    cost of each channel stands in the segments section."""
    decision = results["segments"]["decision"]
    rule, grp = decision["rule"], decision["groups"][group]
    unit = profit_unit(results)
    basis = (f"допущения: {trimmed(rule['offer_cost'], 3)} {unit} за предложение плюс "
             "контакт по каналу")
    if grp.get("test_cost") is None:
        return basis
    return f"{money(grp['test_cost'], unit, 1)} за месяц ({basis})"


def _test(results: R, group: str) -> str:
    """The group's pooled test on the drawn arms and the smallest uplift it detects."""
    pooled = ((results["segments"].get("tests") or {}).get("groups") or {}).get(group)
    compare = f"через месяц сравним долю {MEASURE_WORDS[group]} с контрольной группой"
    if pooled is None:
        return compare + "."
    base = (f"без предложения ожидается {pct(pooled['baseline'], 0)}, "
            f"{BASELINE_WORDS[pooled['baseline_source']]}")
    mde = pooled["min_detectable_uplift"]
    if mde is None:
        return (f"{compare} ({base}); при таких группах проверка не заметит даже наибольшего "
                "эффекта — результат придётся накапливать несколько месяцев.")
    found = (f"{compare} ({base}); на {num(pooled['test'])} и {num(pooled['control'])} "
             f"клиентах проверка заметит прирост от {pp(mde)}")
    if pooled["powered"]:
        return (found + f" — этого хватает, чтобы увидеть заложенные {pp(pooled['uplift'])} "
                "прироста.")
    months = pooled.get("months")
    if months and months <= 12:
        return (found + f", заложенные {pp(pooled['uplift'])} — за {num(months)} "
                f"{plural(months, 'месяц', 'месяца', 'месяцев')} накопления.")
    return (found + f"; меньший, как заложенные {pp(pooled['uplift'])}, она не отличит от "
            "случайности.")


def group_actions(results: R) -> list[R]:
    """«What to do this month», one entry per group: who (how many, of whom, their money),
    which offers through which channels, what it costs, how it will be measured (a test
    that runs on the arms drawn this month, with the smallest effect it detects)."""
    decision = results["segments"]["decision"]
    unit = profit_unit(results)
    out = []
    for group in ACTION_GROUPS:
        grp = decision["groups"][group]
        who_words, money_words = GROUP_WHO[group]
        selected = grp["selected"]
        if not selected:
            out.append({"code": group, "title": GROUP_TITLES[group], "who": (
                f"правило не отобрало никого из {count(grp['clients'], 'client_gen')}: ожидаемая "
                "выгода ни у кого не превышает стоимости предложения"), "offers": None,
                "cost": None, "test": None})
            continue
        amount = grp["selected_profit"] if group == "winback" else grp["selected_exposure"]
        who = (f"{num(grp['test'])} из {num(grp['clients'])} {who_words} "
               f"{plural(grp['test'], 'получит', 'получат', 'получат')} предложение, ещё "
               f"{num(grp['control'])} — контрольная группа без него ({money_words} "
               f"{money(amount, unit)} в месяц)")
        out.append({"code": group, "title": GROUP_TITLES[group], "who": who,
                    "offers": _offers(results, group) or None, "cost": _cost(results, group),
                    "test": _test(results, group)})
    return out


def drivers_line(drivers: list[R]) -> str:
    """The strongest drivers in one sentence of medians: «страниц за визит 5 против 10; …»
    (Markdown; labels escaped)."""
    parts = []
    for d in drivers:
        name = md_escape(lower_first(label(d["feature"])))
        a, b = d.get("declined_median"), d.get("stable_median")
        if a is None or b is None:
            words = direction_text(d)
            parts.append(f"{name} ({md_escape(words)})" if words else name)
            continue
        unit = GLOSSARY[d["feature"]].unit if d["feature"] in GLOSSARY else ""
        unit = f"\u00a0{unit}" if unit else ""
        parts.append(md_escape(f"{name} {feature_value(d['feature'], a)} против "
                               f"{feature_value(d['feature'], b)}{unit}"))
    return "; ".join(parts) + "."


OUTCOME_GROUP_WORDS = {"winback": "возврат", "prevention": "профилактика"}


def outcome_line(outcome: R, shown: bool) -> str | None:
    """Last month's offers measured, one line (``outcome`` is
    :func:`report.text.outcome.outcome_text`'s): «**[Эффект предложений, октябрь 2026](#outcome):**
    возврат +3,6 п. п., эффект не обнаружен; профилактика …»; when an earlier report exists
    but nothing was measured, why (``shown``: the bundle has an ``outcome``); None on a first
    run (the baseline line says when the offers will be measured)."""
    if not outcome.get("measured"):
        return outcome.get("status") if shown else None
    cells = [f"{word} {outcome['by_group'][code]}" for code, word in OUTCOME_GROUP_WORDS.items()
             if code in outcome["by_group"]]
    return f"**{outcome['column']}:** " + "; ".join(cells) + "."


def baseline_line(results: R, changes_summary: str | None) -> str:
    """What changed since the last report, or that this report is the baseline."""
    if changes_summary:
        return f"**Что изменилось с прошлого отчёта.** {changes_summary}"
    skipped = ((results.get("history") or {}).get("skipped")) or []
    if skipped:
        return ("**Сравнения с прошлым отчётом нет:** прошлые ревизии архива повреждены "
                "(oneclick archive verify); этот отчёт — новая точка отсчёта.")
    return ("**Это первый отчёт — точка отсчёта.** Со следующего месяца здесь будет видно, "
            "стало ли лучше или хуже, и каков результат предложений этого месяца.")


def _label_repairs(repairs: list[R]) -> str | None:
    labels = [r for r in repairs if r["code"] in LABEL_REPAIRS]
    if not labels:
        return None
    where: list[str] = []
    for r in labels:
        column = r.get("column") or ""
        place = _LABEL_COLUMNS.get(column) or lower_first(label(column)) if column else ""
        if place and place not in where:
            where.append(place)
    rows = sum(r["count"] for r in labels)
    kinds = quantity(len(labels), "опечатка", "опечатки", "опечаток")
    verb = plural(len(labels), "исправлена", "исправлены", "исправлены")
    named = f" ({', '.join(where)})" if where else ""
    return (f"{verb} {kinds} в названиях{named} в {num(rows)} "
            f"{plural(rows, 'строке', 'строках', 'строках')} — на цифры они не влияют")


def quality_line(results: R) -> str:
    """One line on data quality that counts real problems apart from label typos."""
    q = results["quality"]
    excluded = sum(e["count"] for e in q["exclusions"])
    real = [r for r in q["repairs"] if r["code"] not in LABEL_REPAIRS]
    outliers = sum(r["count"] for r in real if r["code"] == "revenue_outlier")
    other = sum(r["count"] for r in real if r["code"] != "revenue_outlier")
    parts = [f"прочитано {count(q['clients_read'], 'client')}",
             f"исключено из модели {num(excluded)}"]
    if outliers:
        verb = plural(outliers, "заменён", "заменены", "заменено")
        parts.append(f"{verb} {quantity(outliers, 'выброс', 'выброса', 'выбросов')} выручки")
    if other:
        parts.append(f"исправлено ещё {count(other, 'value')}")
    duplicates = [w for w in q.get("warnings", []) if w["code"] == "duplicate_clients"]
    if duplicates:
        pairs = sum(len(w["details"].get("sets") or []) for w in duplicates)
        parts.append(f"{count(pairs, 'pair')} повторяющихся клиентов учтены при проверке "
                     "модели")
    labels = _label_repairs(q["repairs"])
    if labels:
        parts.append(labels)
    return "; ".join(parts) + "."
