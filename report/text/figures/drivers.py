"""Captions of the driver figures: SHAP beeswarm, global importance, example waterfalls."""

from __future__ import annotations

from analysis import glossary as g
from analysis.rutext import num, pct, plural
from figures.plans import client_value_text, probability_text, value_text
from report.text.figures._common import Caption, Facts, capital, number, quoted, quoted_all
from report.text.reasons import example_title

__all__ = ["WRITERS"]


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
    parts = ([f"низкие значения {quoted_all(low)}"] if low else []) + (
        [f"высокие — {quoted_all(high)}" if low else f"высокие значения {quoted_all(high)}"]
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
    names = quoted_all(f["top"])
    title = (f"{names} дают {pct(number(f['top_share']), 0)} суммарного вклада признаков в прогноз"
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
    who = (example_title(f) if f["id"] is not None else f"Клиент {f['number']}")
    verb = "повышает" if lead["raises"] else "снижает"
    parts = ([f"риск повышают {quoted_all(f['raise'])}"] if f["raise"] else []) + (
        [f"снижают {quoted_all(f['lower'])}"] if f["lower"] else [])
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


WRITERS = {"shap_bar": _shap_bar, "shap_beeswarm": _shap_beeswarm, "waterfall": _waterfall}
