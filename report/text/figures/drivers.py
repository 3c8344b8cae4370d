"""Captions of the driver figures: the SHAP beeswarm and the example clients side by side."""

from __future__ import annotations

from analysis import glossary as g
from analysis.rutext import num, plural
from figures.plans import client_value_text, probability_text
from report.text.figures._common import Caption, Facts, capital, joined, quoted, quoted_all

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
        alt=(f"Каждая точка — один из {num(n)} {plural(n, 'клиента', 'клиентов', 'клиентов')}: "
             "насколько признак сдвигает его прогноз к снижению активности (вправо) или к "
             "прежнему уровню (влево); цвет — значение признака у клиента, от низкого "
             "(фиолетовый) до высокого (жёлтый), категориальные признаки серые. Так видно не "
             f"только, какие из {f['features']} признаков важнее, но и в какую сторону они "
             "действуют."))


_HOW_MANY = {2: "двух", 3: "трёх", 4: "четырёх", 5: "пяти"}


def _client(facts: Facts) -> str:
    """«клиента 215460»: an example client in the genitive."""
    return f"клиента {facts['id']}" if facts["id"] is not None else "клиента"


def _lead_title(clients: list[Facts]) -> str:
    """What moves the examples' forecasts most: one feature for all, or each client's own."""
    n = len(clients)
    lead = clients[0]["lead"]
    if n == 1:
        value = client_value_text(lead["feature"], lead["value"])
        verb = "повышает" if lead["raises"] else "снижает"
        return (f"У {_client(clients[0])} риск снижения сильнее всего {verb} "
                f"{quoted(lead['label'])} ({value})")
    if len({c["lead"]["feature"] for c in clients}) > 1:
        return "Прогноз разных клиентов определяют разные признаки: " + "; ".join(
            f"у {_client(c)} — {quoted(c['lead']['label'])}" for c in clients)
    values = joined([client_value_text(lead["feature"], c["lead"]["value"]) for c in clients])
    ways = ", но в разные стороны" if len({c["lead"]["raises"] for c in clients}) > 1 else ""
    return (f"Прогноз всех {_HOW_MANY.get(n, num(n))} клиентов сильнее всего сдвигает "
            f"{quoted(lead['label'])} ({values}){ways}")


def _shap_examples(f: Facts) -> Caption:
    clients = f["clients"]
    n = len(clients)
    contrast = f.get("contrast")
    if contrast is not None:
        hi, lo, feature = contrast["high"], contrast["low"], contrast["feature"]
        takeaway = (f"Сильнее всего клиенты расходятся по признаку {quoted(contrast['label'])}: "
                    f"у {_client(hi)} ({client_value_text(feature, hi['value'])}) вклад "
                    f"{num(hi['contribution'], 2, signed=True)}, у {_client(lo)} "
                    f"({client_value_text(feature, lo['value'])}) — "
                    f"{num(lo['contribution'], 2, signed=True)}.")
    else:
        one = clients[0]
        parts = ([f"риск повышают {quoted_all(one['raise'])}"] if one.get("raise") else []) + (
            [f"снижают {quoted_all(one['lower'])}"] if one.get("lower") else [])
        takeaway = (capital("; ".join(parts)) + "." if parts and n == 1 else
                    "У этих клиентов признаки сдвигают прогноз одинаково.")
    probabilities = ", ".join(probability_text(c["probability"]) for c in clients
                              if c["probability"] is not None)
    return Caption(
        title=_lead_title(clients), takeaway=takeaway,
        alt=(f"Для {n} {plural(n, 'клиента', 'клиентов', 'клиентов')} из примеров"
             + (f" (вероятность снижения {probabilities})" if probabilities else "")
             + " — значение каждого главного признака и его вклад в прогноз: красные клетки "
             "повышают риск снижения, синие снижают, чем насыщеннее цвет, тем сильнее. "
             "Сравнение столбцов показывает, почему модель оценила этих клиентов "
             "по-разному."))


WRITERS = {"shap_beeswarm": _shap_beeswarm, "shap_examples": _shap_examples}
