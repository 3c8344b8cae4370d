"""Sentences and table rows of the report, computed from the results bundle.

Nothing here is typed in: every number and every direction word comes from
``results.json``, so the text changes when the data change.
"""

from __future__ import annotations

from typing import Any

from analysis.glossary import GLOSSARY, label
from report.text.fmt import money, num, pct, plural

__all__ = ["narrative"]

R = dict[str, Any]


def _value(feature: str, value: float | None) -> str:
    if value is None:
        return "—"
    if feature == "Акционные_покупки":
        return pct(value, 0)
    digits = 0 if abs(value) >= 100 or float(value).is_integer() else 1
    return num(value, digits)


def _auc_words(auc: float) -> str:
    for cut, word in ((0.9, "высокое"), (0.8, "хорошее"), (0.7, "умеренное")):
        if auc >= cut:
            return word
    return "слабое"


def _lift_at(model: R, share: float) -> R | None:
    rows = model.get("lift") or []
    return min(rows, key=lambda row: abs(row["top_share"] - share)) if rows else None


def _unit(results: R) -> str:
    return results.get("params", {}).get("profit_unit", "тыс. ₽")


def headline(results: R) -> str:
    """The one-sentence headline of page 1."""
    f, seg = results["facts"], results["segments"]
    return (f"{pct(f['decline_share'])} постоянных клиентов ({num(f['declined'])} из "
            f"{num(f['clients_total'])}) снизили покупательскую активность; под угрозой "
            f"{money(seg['profit_at_risk_total'], _unit(results))} среднемесячной прибыли "
            "(вероятность снижения × прибыль клиента).")


def model_in_words(model: R) -> str:
    """Model quality as a business reader understands it, from the lift table."""
    lift = _lift_at(model, 0.3)
    if lift is None:
        return f"качество модели {_auc_words(model['test_roc_auc'])}"
    return (f"{pct(lift['recall'], 0)} снижающихся клиентов — среди "
            f"{pct(lift['top_share'], 0)} клиентов, которых модель считает самыми рискованными")


def kpis(results: R) -> list[R]:
    """Three to five key figures for page 1."""
    f, model, seg = results["facts"], results["model"], results["segments"]
    lift = _lift_at(model, 0.3)
    items = [
        {"value": pct(f["decline_share"]), "label": "клиентов снизили активность"},
        {"value": money(seg["profit_at_risk_total"], _unit(results)),
         "label": "прибыли под угрозой в месяц"},
    ]
    if lift:
        items.append({"value": pct(lift["recall"], 0),
                      "label": f"снижающихся клиентов — среди {pct(lift['top_share'], 0)} "
                               "самых рискованных по модели"})
    items.append({"value": num(results["actions"]["clients_with_offer"]),
                  "label": "клиентов в списке действий на месяц"})
    return items


def driver_sentence(d: R) -> str:
    """«Страниц за визит: 4 у снижающихся против 8 у стабильных — чем меньше, тем выше риск»."""
    contrast = ""
    if d.get("declined_median") is not None and d.get("stable_median") is not None:
        contrast = (f": {_value(d['feature'], d['declined_median'])} у снижающихся против "
                    f"{_value(d['feature'], d['stable_median'])} у стабильных")
    direction = f" ({d['direction']})" if d.get("direction") else ""
    return f"**{label(d['feature'])}**{contrast}{direction}"


def segment_rows(results: R) -> list[R]:
    """Rows of the page-1 segment table."""
    rows = []
    for s in results["segments"]["segments"]:
        offer = s["offers"][0] if s["offers"] else None
        test = offer["test"] if offer else None
        rows.append({
            "name": s["name"], "clients": s["clients"],
            "profit_at_risk": money(s["profit_at_risk"], _unit(results)),
            "offer": offer["action"] if offer else "—",
            "test": (f"A/B, контроль {pct(test['control_share'], 0)}; нужно "
                     f"{num(test['n_total'])} клиентов" + ("" if test["enough"] else
                                                            " (в сегменте меньше)"))
            if test else "—",
        })
    return rows


def quality_line(results: R) -> str:
    """One line on data quality for page 1."""
    q = results["quality"]
    excluded = sum(e["count"] for e in q["exclusions"])
    repaired = sum(e["count"] for e in q["repairs"])
    return (f"прочитано {num(q['clients_read'])} клиентов, исключено из модели "
            f"{num(excluded)} {plural(excluded, 'клиент', 'клиента', 'клиентов')}, исправлено "
            f"{num(repaired)} {plural(repaired, 'значение', 'значения', 'значений')}.")


def _p(p: float | None) -> str:
    if p is None:
        return "—"
    return "< 0,001" if p < 0.001 else num(p, 3)


def test_row(t: R) -> R:
    """A behaviour-test row for the tables."""
    effect = f"{t['effect_magnitude']} ({'r' if t['effect_name'] == 'rank_biserial' else 'V'}" \
             f" = {num(t['effect_size'], 2)})"
    if t["kind"] == "numeric":
        declined, stable = (_value(t["feature"], t["declined_median"]),
                            _value(t["feature"], t["stable_median"]))
        test = "Манна — Уитни"
    else:
        top = t.get("top_category") or "—"
        declined = f"«{top}»: {pct(t.get('top_category_share'), 0)} снизились"
        stable = f"в среднем {pct(t.get('base_share'), 0)}"
        test = "хи-квадрат"
    return {"label": t["label"], "declined": declined, "stable": stable, "test": test,
            "p": _p(t["p_adjusted"]), "effect": effect}


def narrative(results: R) -> R:
    """Every computed sentence and row the templates use."""
    from report.changes import changes_text
    from report.text.sections import sections

    changes = changes_text(results.get("comparison"))
    text: R = {
        "headline": headline(results),
        "kpis": kpis(results),
        "top_drivers": [driver_sentence(d) for d in results["drivers"][:5]],
        "segment_rows": segment_rows(results),
        "quality_line": quality_line(results),
        "changes": changes["summary"] if changes else None,
        "changes_section": changes,
        "glossary": GLOSSARY,
    }
    text.update(sections(results))
    return text
