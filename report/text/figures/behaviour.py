"""Captions of the behaviour figures: distributions, categories, phik, months."""

from __future__ import annotations

from analysis import glossary as g
from analysis.rutext import num, pct, plural, pp
from figures.plans import value_text
from report.text.figures._common import (
    Caption,
    Facts,
    compare,
    number,
    pair,
    quoted,
    quoted_all,
    signed_pct,
)
from report.text.words import effect_word

__all__ = ["WRITERS", "contrast_title"]


_IN_PERIOD = {"текущий_месяц": "в текущем месяце", "предыдущий_месяц": "в предыдущем месяце",
              "препредыдущий_месяц": "в препредыдущем месяце"}


def contrast_title(row: Facts) -> str:
    """«У снизивших активность меньше «Страниц за визит»: медиана 5 против 10 у стабильных»."""
    d, s = number(row["declined"]), number(row["stable"])
    statistic = "в среднем" if row["mean"] else "медиана"
    return (f"У снизивших активность {compare(d, s)} {quoted(row['label'])}: {statistic} "
            f"{value_text(row['feature'], d)} против {value_text(row['feature'], s)} "
            "у стабильных")


def _numeric_histograms(f: Facts) -> Caption:
    top, labels = f["top"], f["labels"]
    fewer = number(top["declined"]) < number(top["stable"])
    effect = top.get("effect_magnitude")
    words = f"эффект {effect_word(effect)}, " if effect else ""
    magnitude = f"{words}r = {num(top['effect_size'], 2)}"
    return Caption(
        title=contrast_title(top),
        takeaway=(f"У снизивших активность значения {quoted(top['label'])} в основном "
                  f"{'меньше' if fewer else 'больше'}, чем у стабильных; ни по одному другому "
                  f"признаку группы не расходятся так сильно ({magnitude})."),
        alt=(f"Как распределены значения {len(labels)} признаков с наибольшим различием "
             f"({quoted_all(labels)}): доля клиентов каждой группы по интервалам значений, "
             "красным — снизившие активность, синим — стабильные. Чем меньше области "
             "перекрываются, тем надёжнее признак отличает одних от других."))


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
        alt=(f"Доля снизивших активность (красная часть полосы) для каждого значения признаков "
             f"{quoted_all(f['labels'])}; пунктир — доля по всем клиентам, справа — число "
             "клиентов. Значения, у которых красная часть заметно длиннее пунктира, указывают "
             "на группы с повышенным риском."))


def _phik_heatmap(f: Facts) -> Caption:
    (f1, v1), (f2, v2) = f["target"]
    a, c, value = f["pair"]
    note = (f"; пар выше порога коллинеарности — {f['collinear']}" if f["collinear"]
            else "; пар выше порога коллинеарности нет")
    size = f.get("sample_size")
    shown, columns = f.get("shown", f["columns"]), f["columns"]
    which = (f"{shown - 1} признаков из {columns - 1}, сильнее всего связанных с активностью"
             if shown < columns else f"все {columns - 1} признаков")
    return Caption(
        title=(f"Сильнее всего с активностью связаны {quoted(g.label(f1))} и "
               f"{quoted(g.label(f2))}: φk {num(v1, 2)} и {num(v2, 2)}"),
        takeaway=(f"Сильнее всего связаны между собой {quoted(g.label(a))} и "
                  f"{quoted(g.label(c))} (φk {num(value, 2)}){note}."),
        alt=(f"Сила связи φk (0 — связи нет, 1 — полная) для {which}"
             + (f", по {num(size)} клиентам" if size else "") + ". Первый столбец — связь "
             "признака с активностью, остальные клетки — признаков между собой: сильно "
             "связанные признаки несут одну и ту же информацию."))


def _revenue_sentence(trend: Facts) -> str:
    """How the two groups' mean revenue changed, the paradox said when there is one."""
    n, d, s = trend["months"], number(trend["declined"]), number(trend["stable"])
    months = f"{n} {plural(n, 'месяц', 'месяца', 'месяцев')}"
    if d > 0 and d > s:
        return (f"Выручка не выдаёт снижения активности: за {months} средняя выручка снизивших "
                f"выросла на {pct(d)}, больше, чем у стабильных ({signed_pct(s)}).")
    return (f"За {months} средняя выручка снизивших изменилась на {signed_pct(d)}, "
            f"стабильных — на {signed_pct(s)}.")


def _monthly_activity(f: Facts) -> Caption:
    d, s, unit = number(f["declined"]), number(f["stable"]), f["unit"]
    d_text, s_text = pair(d, s)
    period = f["period"]
    when = _IN_PERIOD.get(period, f"в периоде «{period}»")
    minutes = f["measure"] == "minutes"
    what = "времени на сайте" if minutes else "выручки"
    subject = "проводят на сайте" if minutes else "приносят"
    title = (f"Снизившие активность {subject} {compare(d, s)} {what.split()[0]} {when}: "
             f"в среднем {d_text} против {s_text} {unit}")
    trend = f.get("revenue_trend")
    if trend is not None and minutes and d < s and number(trend["declined"]) > max(
            number(trend["stable"]), 0):
        n = trend["months"]
        title = (f"Снизившие активность проводят на сайте меньше времени, но их выручка растёт "
                 f"быстрее: {signed_pct(number(trend['declined']))} против "
                 f"{signed_pct(number(trend['stable']))} за {n} "
                 f"{plural(n, 'месяц', 'месяца', 'месяцев')}")
        takeaway = (f"{when.capitalize()} у снизивших в среднем {d_text} {unit} на сайте "
                    f"против {s_text} {unit} у стабильных, а выручка снижения "
                    "активности пока не показывает: его видно по поведению на сайте, "
                    "а не по деньгам.")
    elif trend is not None:
        takeaway = _revenue_sentence(trend)
    else:
        takeaway = (f"У снизивших активность {what} {compare(d, s)} {when}: в среднем "
                    f"{d_text} против {s_text} {unit}.")
    return Caption(
        title=title, takeaway=takeaway,
        alt=("Средняя выручка и среднее время на сайте по месяцам у снизивших активность "
             "(красным) и стабильных клиентов (синим): видно, в каких месяцах и по какому "
             "показателю группы расходятся."))


WRITERS = {"numeric_histograms": _numeric_histograms, "categorical_shares": _categorical_shares,
           "phik_heatmap": _phik_heatmap, "monthly_activity": _monthly_activity}
