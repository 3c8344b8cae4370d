"""Captions of the behaviour figures: class balance, distributions, categories, phik, months."""

from __future__ import annotations

import math

from analysis import glossary as g
from analysis.rutext import num, pct, plural, pp, smart_num
from figures.plans import value_text
from report.text.figures._common import (
    Caption,
    Facts,
    compare,
    number,
    quoted,
    quoted_all,
    signed_pct,
)
from report.text.words import effect_word

__all__ = ["WRITERS", "contrast_title"]


_IN_PERIOD = {"текущий_месяц": "в текущем месяце", "предыдущий_месяц": "в предыдущем месяце",
              "препредыдущий_месяц": "в препредыдущем месяце"}


def _target_balance(f: Facts) -> Caption:
    total, declined, stable = f["clients"], f["declined"], f["stable"]
    modelled = f["modelled"]
    ratio = stable / declined if declined else math.inf
    return Caption(
        title=(f"Активность снизилась у {pct(f['decline_share'])} клиентов: {num(declined)} "
               f"из {num(total)}"),
        takeaway=(f"На каждого клиента со сниженной активностью приходится {num(ratio, 1)} "
                  f"клиента с прежним уровнем; в модели участвуют {num(modelled)} "
                  f"{plural(modelled, 'клиент', 'клиента', 'клиентов')} из {num(total)}."),
        alt=(f"Горизонтальные столбцы: {num(declined)} клиентов со сниженной активностью "
             f"и {num(stable)} с прежним уровнем."))


def contrast_title(row: Facts) -> str:
    """«У снизивших активность меньше «Страниц за визит»: 5 против 10 у стабильных»."""
    d, s = number(row["declined"]), number(row["stable"])
    how = "в среднем " if row["mean"] else ""
    return (f"У снизивших активность {how}{compare(d, s)} {quoted(row['label'])}: "
            f"{value_text(row['feature'], d)} против {value_text(row['feature'], s)} "
            "у стабильных")


def _numeric_histograms(f: Facts) -> Caption:
    top, labels = f["top"], f["labels"]
    side = "левее" if number(top["declined"]) < number(top["stable"]) else "правее"
    effect = top.get("effect_magnitude")
    words = f"эффект {effect_word(effect)}, " if effect else ""
    magnitude = f"{words}r = {num(top['effect_size'], 2)}"
    return Caption(
        title=contrast_title(top),
        takeaway=(f"Сильнее всего распределения расходятся по признаку {quoted(top['label'])} "
                  f"({magnitude}): у снизивших активность оно сдвинуто {side}."),
        alt=(f"{len(labels)} гистограмм (доля клиентов по интервалам значений) для клиентов со "
             f"сниженной и прежней активностью: {quoted_all(labels)}."))


def _numeric_boxplots(f: Facts) -> Caption:
    rows = f["features"]
    lower = [r["label"] for r in rows if number(r["declined"]) < number(r["stable"])]
    higher = [r["label"] for r in rows if number(r["declined"]) > number(r["stable"])]
    word, bigger = ("ниже", lower) if len(lower) >= len(higher) else ("выше", higher)
    other = higher if bigger is lower else lower
    rest = (f"; {'выше' if word == 'ниже' else 'ниже'} — {quoted_all(other)}" if other else "")
    return Caption(
        title=(f"У снизивших активность {word} {len(bigger)} из {len(rows)} показателей "
               "с наибольшим различием"),
        takeaway=f"{word.capitalize()} у снизивших: {quoted_all(bigger)}{rest}.",
        alt=(f"Диаграммы размаха для {len(rows)} признаков: клиенты со сниженной активностью "
             "(красные) и с прежней (синие)."))


def _categorical_shares(f: Facts) -> Caption:
    named, wide, narrow = f["named"], f["widest"], f["narrowest"]
    takeaway = (f"Доля снизивших сильнее всего различается по признаку "
                f"{quoted(wide['label'])}: {pp(wide['gap'])} между {quoted(wide['first'])}"
                f" и {quoted(wide['last'])}")
    if narrow is not None:
        takeaway += f", слабее всего — по признаку {quoted(narrow['label'])}: {pp(narrow['gap'])}"
    return Caption(
        title=(f"{named['label']} {quoted(named['value'])}: активность снизилась у "
               f"{pct(named['decline_share'], 0)} клиентов против {pct(f['overall'], 0)} "
               "в среднем"),
        takeaway=takeaway if takeaway.endswith(".") else takeaway + ".",
        alt=("Горизонтальные столбцы: доля клиентов со сниженной активностью по значениям "
             f"признаков {quoted_all(f['labels'])}."))


def _phik_heatmap(f: Facts) -> Caption:
    (f1, v1), (f2, v2) = f["target"]
    a, c, value = f["pair"]
    note = (f"; пар выше порога коллинеарности — {f['collinear']}" if f["collinear"]
            else "; пар выше порога коллинеарности нет")
    size = f.get("sample_size")
    return Caption(
        title=(f"Сильнее всего с активностью связаны {quoted(g.label(f1))} и "
               f"{quoted(g.label(f2))}: φk {num(v1, 2)} и {num(v2, 2)}"),
        takeaway=(f"Сильнее всего связаны между собой {quoted(g.label(a))} и "
                  f"{quoted(g.label(c))} (φk {num(value, 2)}){note}."),
        alt=(f"Тепловая карта коэффициента φk для {f['columns']} признаков"
             + (f" по {num(size)} клиентам" if size else "") + "; столбцы пронумерованы "
             "как строки, значения от 0,5 подписаны."))


def _monthly_activity(f: Facts) -> Caption:
    d, s, unit = number(f["declined"]), number(f["stable"]), f["unit"]
    period = f["period"]
    when = _IN_PERIOD.get(period, f"в периоде «{period}»")
    minutes = f["measure"] == "minutes"
    what = "времени на сайте" if minutes else "выручки"
    takeaway = (f"У снизивших активность {what} {compare(d, s)} {when}: {smart_num(d)} "
                f"против {smart_num(s)} {unit}.")
    trend = f.get("revenue_trend")
    if trend is not None:
        n = trend["months"]
        takeaway = (f"За {n} {plural(n, 'месяц', 'месяца', 'месяцев')} средняя выручка "
                    f"снизивших изменилась на {signed_pct(number(trend['declined']))}, стабильных "
                    f"— на {signed_pct(number(trend['stable']))}.")
    subject = "проводят на сайте" if minutes else "приносят"
    return Caption(
        title=(f"Снизившие активность {subject} {compare(d, s)} {what.split()[0]} {when}: "
               f"{smart_num(d)} против {smart_num(s)} {unit}"),
        takeaway=takeaway,
        alt=("Линейные графики по месяцам: средняя выручка и минуты на сайте у клиентов со "
             "сниженной и прежней активностью."))


WRITERS = {"target_balance": _target_balance, "numeric_histograms": _numeric_histograms,
           "numeric_boxplots": _numeric_boxplots, "categorical_shares": _categorical_shares,
           "phik_heatmap": _phik_heatmap, "monthly_activity": _monthly_activity}
