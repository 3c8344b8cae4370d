"""The figures' captions: each figure's title (the finding), takeaway and alt text.

The figures stage draws the PNGs and, for each, records ``facts``: the numbers
and codes its captions need (``figures/index.json``). This module writes the
Russian sentences from them, so that the figures stage holds no prose:
:func:`caption` for one figure, :func:`with_captions` for a figure spec as the
documents use it. Numbers are formatted with :mod:`analysis.rutext`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from analysis import glossary as g
from analysis.rutext import NBSP, num, pct, plural, pp, smart_num
from figures.plans import client_value_text, probability_text, value_text

__all__ = ["QUALITY_WORDS", "Caption", "caption", "with_captions"]

Facts = Mapping[str, Any]

QUALITY_WORDS = ((0.9, "отлично"), (0.8, "хорошо"), (0.7, "удовлетворительно"),
                 (0.0, "слабо"))
"""ROC AUC from which the separation is described by each word (a common rule of thumb).

A private copy until the report's one vocabulary of AUC words is on main."""
CALIBRATED_GAP = 0.05
"""Mean |predicted − observed| per bin up to which probabilities are called calibrated."""
_IN_PERIOD = {"текущий_месяц": "в текущем месяце", "предыдущий_месяц": "в предыдущем месяце",
              "препредыдущий_месяц": "в препредыдущем месяце"}


@dataclass(frozen=True)
class Caption:
    """The three texts of one figure: finding, one sentence for the reader, alt text."""

    title: str
    takeaway: str
    alt: str


# --- small text helpers ---------------------------------------------------------------------

def _n(value: float | None) -> float:
    """A fact's number; a missing one (``None``) is NaN, as the formatters expect."""
    return math.nan if value is None else float(value)


def compare(a: float, b: float, less: str = "меньше", more: str = "больше",
            same: str = "столько же") -> str:
    """The word for ``a`` against ``b``."""
    if math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12):
        return same
    return less if a < b else more


def quoted(text: str) -> str:
    """«text»."""
    return f"«{text}»"


def joined(items: Sequence[str], last: str = "и") -> str:
    """«a», «b» и «c» style enumeration of already formatted items."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {last} {items[-1]}"


def signed_pct(share: float, digits: int = 1) -> str:
    """``0.05`` → «+5,0 %», ``-0.05`` → «−5,0 %»."""
    return ("+" if share > 0 else "") + pct(share, digits)


def capital(text: str) -> str:
    """First letter upper case, the rest untouched (unlike ``str.capitalize``)."""
    return text[:1].upper() + text[1:]


def _quoted_all(labels: Sequence[str]) -> str:
    return joined([quoted(label) for label in labels])


def _clients(n: int, genitive: bool = False) -> str:
    """«201 клиент» (nominative) or «у 201 клиента» style genitive."""
    forms = ("клиента", "клиентов", "клиентов") if genitive else ("клиент", "клиента", "клиентов")
    return f"{num(n)} {plural(n, *forms)}"


def _money(value: float, unit: str) -> str:
    return f"{num(value, 1)}{NBSP}{unit}"


def quality_word(auc: float) -> str:
    """How well a ROC AUC separates the classes, in one word."""
    return next(word for cut, word in QUALITY_WORDS if auc >= cut)


# --- behaviour ------------------------------------------------------------------------------

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
    d, s = _n(row["declined"]), _n(row["stable"])
    how = "в среднем " if row["mean"] else ""
    return (f"У снизивших активность {how}{compare(d, s)} {quoted(row['label'])}: "
            f"{value_text(row['feature'], d)} против {value_text(row['feature'], s)} "
            "у стабильных")


def _numeric_histograms(f: Facts) -> Caption:
    top, labels = f["top"], f["labels"]
    side = "левее" if _n(top["declined"]) < _n(top["stable"]) else "правее"
    words = f"эффект {top['effect_magnitude']}, " if top.get("effect_magnitude") else ""
    magnitude = f"{words}r = {num(top['effect_size'], 2)}"
    return Caption(
        title=contrast_title(top),
        takeaway=(f"Сильнее всего распределения расходятся по признаку {quoted(top['label'])} "
                  f"({magnitude}): у снизивших активность оно сдвинуто {side}."),
        alt=(f"{len(labels)} гистограмм (доля клиентов по интервалам значений) для клиентов со "
             f"сниженной и прежней активностью: {_quoted_all(labels)}."))


def _numeric_boxplots(f: Facts) -> Caption:
    rows = f["features"]
    lower = [r["label"] for r in rows if _n(r["declined"]) < _n(r["stable"])]
    higher = [r["label"] for r in rows if _n(r["declined"]) > _n(r["stable"])]
    word, bigger = ("ниже", lower) if len(lower) >= len(higher) else ("выше", higher)
    other = higher if bigger is lower else lower
    rest = (f"; {'выше' if word == 'ниже' else 'ниже'} — {_quoted_all(other)}" if other else "")
    return Caption(
        title=(f"У снизивших активность {word} {len(bigger)} из {len(rows)} показателей "
               "с наибольшим различием"),
        takeaway=f"{word.capitalize()} у снизивших: {_quoted_all(bigger)}{rest}.",
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
             f"признаков {_quoted_all(f['labels'])}."))


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
    d, s, unit = _n(f["declined"]), _n(f["stable"]), f["unit"]
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
                    f"снизивших изменилась на {signed_pct(_n(trend['declined']))}, стабильных "
                    f"— на {signed_pct(_n(trend['stable']))}.")
    subject = "проводят на сайте" if minutes else "приносят"
    return Caption(
        title=(f"Снизившие активность {subject} {compare(d, s)} {what.split()[0]} {when}: "
               f"{smart_num(d)} против {smart_num(s)} {unit}"),
        takeaway=takeaway,
        alt=("Линейные графики по месяцам: средняя выручка и минуты на сайте у клиентов со "
             "сниженной и прежней активностью."))


# --- model ----------------------------------------------------------------------------------

def _model_comparison(f: Facts) -> Caption:
    chosen, rival, baseline, n = f["chosen"], f["rival"], f["baseline"], f["candidates"]
    parts = []
    if rival is not None:
        gap = rival["gap"]
        if abs(gap) <= rival["spread"]:
            parts.append(f"разница с моделью {quoted(rival['label'])} ({num(gap, 3)}) "
                         "меньше разброса между повторами кросс-валидации")
        else:
            word = "опережает" if gap > 0 else "уступает"
            parts.append(f"модель {word} {quoted(rival['label'])} на {num(abs(gap), 3)}, "
                         "больше разброса между повторами")
    if baseline is not None:
        parts.append(f"у модели без признаков, {quoted(baseline['label'])}, ROC AUC "
                     f"{num(baseline['auc'], 2)}")
    takeaway = "; ".join(parts) or f"Сравнивалась одна модель, {quoted(chosen['label'])}"
    return Caption(
        title=(f"Выбрана модель {quoted(chosen['label'])}: ROC AUC на кросс-валидации "
               f"{num(chosen['auc'], 3)} ± {num(chosen['std'], 3)}"),
        takeaway=capital(takeaway) + ".",
        alt=(f"Горизонтальные столбцы: средний ROC AUC на кросс-валидации и его разброс для "
             f"{n} {plural(n, 'модели', 'моделей', 'моделей')}; выбранная выделена тёмным."))


def _roc_pr(f: Facts) -> Caption:
    auc, ci, lift, base = f["auc"], f["ci"], f["lift"], f["base_rate"]
    ci_text = g.CHART.ci.format(low=num(ci[0], 2), high=num(ci[1], 2)) if ci else ""
    if lift is not None:
        takeaway = (f"Среди {pct(lift['top_share'], 0)} клиентов с наибольшим риском модель "
                    f"находит {pct(lift['recall'], 0)} всех снизивших — в "
                    f"{num(lift['lift'], 1)} раза больше, чем при случайном выборе.")
    elif f["pr_auc"] is not None and base:
        takeaway = (f"Площадь под кривой точность–полнота {num(f['pr_auc'], 2)} "
                    f"при доле снизивших {pct(base, 0)} у случайного ранжирования.")
    else:
        takeaway = f"Площадь под ROC-кривой на отложенной выборке {num(auc, 3)}{ci_text}."
    return Caption(
        title=(f"Модель {quality_word(auc)} отделяет снизивших от стабильных: ROC AUC "
               f"{num(auc, 2)} на отложенной выборке{ci_text}"),
        takeaway=takeaway,
        alt=("ROC-кривая и кривая точность–полнота модели на отложенной выборке; пунктир — "
             "случайное угадывание."))


def _confusion_matrix(f: Facts) -> Caption:
    tn, fp, fn, tp, threshold = f["tn"], f["fp"], f["fn"], f["tp"], f["threshold"]
    caught, flagged = tp + fn, tp + fp
    at = f"При пороге {num(threshold, 2)} модель" if threshold is not None else "Модель"
    return Caption(
        title=(f"{at} находит {num(tp)} из {num(caught)} снизивших на отложенной выборке "
               f"({pct(tp / max(caught, 1), 0)})"),
        takeaway=(f"Из {num(flagged)} клиентов, отмеченных моделью, активность действительно "
                  f"снизилась у {num(tp)} ({pct(tp / max(flagged, 1), 0)}); ложных тревог "
                  f"{num(fp)}, это {pct(fp / max(fp + tn, 1), 0)} стабильных клиентов."),
        alt=(f"Матрица ошибок: верно найдены {num(tp)}, пропущены {num(fn)}, ложные тревоги "
             f"{num(fp)}, верно оставлены {num(tn)}."))


def _calibration(f: Facts) -> Caption:
    mean_gap, bias = f["mean_gap"], f["bias"]
    if mean_gap <= CALIBRATED_GAP:
        title = ("Предсказанные вероятности совпадают с фактической долей снизивших: "
                 f"в среднем расхождение {pp(mean_gap)}")
    elif abs(bias) < mean_gap / 2:
        title = ("Предсказанные вероятности то выше, то ниже фактической доли снизивших: "
                 f"в среднем на {pp(mean_gap)}")
    else:
        word = "завышает" if bias > 0 else "занижает"
        title = f"Модель {word} вероятность снижения активности: в среднем на {pp(mean_gap)}"
    tail = f"; оценка Брайера {num(f['brier'], 3)}" if f["brier"] is not None else ""
    return Caption(
        title=title,
        takeaway=(f"Сильнее всего прогноз расходится с фактом около вероятности "
                  f"{num(f['worst_predicted'], 2)}: снизилась активность у "
                  f"{pct(f['worst_observed'], 0)} клиентов{tail}."),
        alt=(f"Калибровочная кривая по {f['bins']} интервалам прогноза (пунктир — идеальная "
             "калибровка) и распределение прогнозов у снизивших и стабильных клиентов."))


# --- drivers --------------------------------------------------------------------------------

def _shap_beeswarm(f: Facts) -> Caption:
    top = f["top"]
    name = quoted(g.label(top["feature"]))
    if top["rho"] is not None:
        title = (f"Чем {'меньше' if top['rho'] < 0 else 'больше'} {name}, "
                 "тем выше риск снижения активности")
    else:
        title = (f"Сильнее всего прогноз двигает {name}: выше всего риск "
                 f"при значении {quoted(top['riskiest_value'])}")
    low = [g.label(c) for c in f["risk_with_low"]]
    high = [g.label(c) for c in f["risk_with_high"]]
    parts = ([f"низкие значения {_quoted_all(low)}"] if low else []) + (
        [f"высокие — {_quoted_all(high)}" if low else f"высокие значения {_quoted_all(high)}"]
        if high else [])
    takeaway = (f"Риск снижения активности повышают {', а также '.join(parts)}." if parts else
                "У главных признаков нет однозначного направления влияния на риск.")
    n = f["clients"]
    return Caption(
        title=title, takeaway=takeaway,
        alt=(f"Точечная диаграмма SHAP: {num(n)} {plural(n, 'клиент', 'клиента', 'клиентов')}, "
             f"{f['features']} признаков; цвет — значение признака от низкого (фиолетовый) до "
             "высокого (жёлтый), категориальные признаки серые."))


def _shap_bar(f: Facts) -> Caption:
    names = _quoted_all(f["top"])
    title = (f"{names} дают {pct(_n(f['top_share']), 0)} суммарного вклада признаков в прогноз"
             if len(f["top"]) > 1 else f"Прогноз определяет прежде всего {names}")
    first = f["numeric_lead"]
    if first is not None:
        feature = first["feature"]
        takeaway = (f"Главный из них с числовыми значениями, {quoted(g.label(feature))}: "
                    f"{value_text(feature, first['declined'])} у снизивших против "
                    f"{value_text(feature, first['stable'])} у стабильных (медианы).")
    else:
        takeaway = f"Главный фактор — {quoted(g.label(f['lead']))}."
    return Caption(
        title=title, takeaway=takeaway,
        alt=f"Горизонтальные столбцы: среднее |SHAP| для {f['features']} главных признаков.")


def _waterfall(f: Facts) -> Caption:
    probability, lead = f["probability"], f["lead"]
    who = f["title"] or f"Клиент {f['id'] if f['id'] is not None else f['number']}"
    verb = "повышает" if lead["raises"] else "снижает"
    parts = ([f"риск повышают {_quoted_all(f['raise'])}"] if f["raise"] else []) + (
        [f"снижают {_quoted_all(f['lower'])}"] if f["lower"] else [])
    risk = (f"вероятность снижения {probability_text(probability)}, "
            if probability is not None else "")
    client = f" {f['id']}" if f["id"] is not None else ""
    return Caption(
        title=(f"{who}: {risk}сильнее всего её {verb} {quoted(lead['label'])} "
               f"({client_value_text(lead['feature'], lead['value'])})"),
        takeaway=capital("; ".join(parts)) + ".",
        alt=(f"Каскадная диаграмма: как признаки клиента{client} сдвигают прогноз от среднего "
             "к итоговому значению; красные — к снижению активности, синие — к прежнему "
             "уровню."))


# --- segments -------------------------------------------------------------------------------

def _segment_map(f: Facts) -> Caption:
    unit, corner = f["unit"], f["corner"]
    takeaway = capital(f"{_clients(f['high_risk'])} с высоким риском при {num(f['clients'])} "
                       "всего.")
    if corner is not None:
        who = _clients(corner["clients"], genitive=True)
        takeaway = (f"Высокий риск и высокая прибыль — у {who}: на них приходится "
                    f" {_money(corner['profit_at_risk'], unit)} прибыли под риском "
                    f"из {_money(f['profit_at_risk'], unit)}.")
    shown, population = f["shown"], f["population"]
    subset = f" (случайная выборка из {num(population)})" if shown < population else ""
    return Caption(
        title=(f"Клиенты с высоким риском — {num(f['high_risk'])} из {num(f['clients'])} — "
               f"несут {pct(f['high_risk_share'], 0)} прибыли под риском"),
        takeaway=takeaway,
        alt=(f"Точечная диаграмма: вероятность снижения активности и прибыль {_clients(shown)}"
             f"{subset}; цветом выделены сегменты, пунктир — пороги риска и прибыли."))


def _segment_profiles(f: Facts) -> Caption:
    top, unit, share = f["top"], f["unit"], f["share"]
    probabilities = f["mean_probability"]
    if share is not None and f["clients_in_segments"] is not None:
        takeaway = (f"Вместе сегменты охватывают {_clients(f['clients_in_segments'])} "
                    f"и {pct(share, 0)} всей прибыли под риском.")
    elif share is not None:
        takeaway = f"Вместе сегменты несут {pct(share, 0)} всей прибыли под риском."
    else:
        takeaway = "Средняя вероятность снижения: " + ", ".join(
            f"{quoted(name)} — {pct(p, 0)}" for name, p in probabilities) + "."
    return Caption(
        title=(f"Больше всего прибыли под риском у сегмента {quoted(top['name'])}: "
               f"{_money(top['profit_at_risk'], unit)} у "
               f"{_clients(top['clients'], genitive=True)}"),
        takeaway=takeaway,
        alt=(f"Горизонтальные столбцы для {len(probabilities)} сегментов: средняя вероятность "
             "снижения активности и прибыль под риском."))


def _difference(d: Facts) -> str:
    """A segment's ``rank``-th strongest difference from stable clients as a clause."""
    values = (f"{value_text(d['feature'], d['segment_median'])} против "
              f"{value_text(d['feature'], d['stable_median'])} у стабильных")
    if d["rank"] == 0:
        return (f"сегмент {quoted(d['segment'])} сильнее всего отличается от стабильных "
                f"клиентов по признаку {quoted(d['label'])}: {values}")
    return (f"второе по силе отличие сегмента {quoted(d['segment'])} — "
            f"{quoted(d['label'])}: {values}")


def _segment_differences(f: Facts) -> Caption:
    return Caption(
        title=capital(_difference(f["first"])),
        takeaway=capital(_difference(f["second"])) + ".",
        alt=(f"Горизонтальные столбцы для {f['segments']} сегментов: ранговая бисериальная "
             "корреляция признаков сегмента со стабильными клиентами, подписаны медианы."))


WRITERS: dict[str, Callable[[Facts], Caption]] = {
    "target_balance": _target_balance,
    "numeric_histograms": _numeric_histograms,
    "numeric_boxplots": _numeric_boxplots,
    "categorical_shares": _categorical_shares,
    "phik_heatmap": _phik_heatmap,
    "monthly_activity": _monthly_activity,
    "model_comparison": _model_comparison,
    "roc_pr": _roc_pr,
    "confusion_matrix": _confusion_matrix,
    "calibration": _calibration,
    "shap_bar": _shap_bar,
    "shap_beeswarm": _shap_beeswarm,
    "waterfall": _waterfall,
    "segment_map": _segment_map,
    "segment_profiles": _segment_profiles,
    "segment_differences": _segment_differences,
}
"""Caption writer per figure kind; ``waterfall_1``, ``waterfall_2``… share ``waterfall``."""


def caption(name: str, facts: Facts) -> Caption:
    """Title, takeaway and alt text of figure ``name`` from its facts.

    Raises
    ------
    KeyError
        For a figure name this module has no captions for.
    """
    kind = name.rstrip("0123456789").rstrip("_") if name.startswith("waterfall_") else name
    return WRITERS[kind](facts)


def with_captions(spec: Mapping[str, Any]) -> dict[str, Any]:
    """A figure spec (``name``, ``path``, ``section``, ``facts``) with its three texts added."""
    text = caption(spec["name"], spec.get("facts") or {})
    return {**spec, "title": text.title, "takeaway": text.takeaway, "alt": text.alt}
