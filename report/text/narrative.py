"""Sentences and rows of the report, computed from the results bundle.

Nothing here is typed in: every number and every direction word comes from
``results.json`` or the run's parameters, so the text changes when they change.
:func:`narrative` gathers page 1 (here), the body (:mod:`report.text.sections`)
and the comparison (:mod:`report.text.changes`).
"""

from __future__ import annotations

from analysis.glossary import GLOSSARY, label
from analysis.rutext import money, num, pct, plural
from report.text.changes import changes_text
from report.text.common import R, clients, feature_value, lift_claim, lift_row, profit_unit
from report.text.model import model_in_words
from report.text.reasons import direction_text
from report.text.sections import sections

__all__ = ["driver_sentence", "headline", "kpis", "model_in_words", "narrative",
           "quality_line", "segment_rows"]


def headline(results: R) -> str:
    """The one-sentence headline of page 1."""
    f, seg = results["facts"], results["segments"]
    return (f"{pct(f['decline_share'])} постоянных клиентов ({num(f['declined'])} из "
            f"{num(f['clients_total'])}) снизили покупательскую активность; под угрозой "
            f"{money(seg['profit_at_risk_total'], profit_unit(results))} среднемесячной прибыли "
            "(вероятность снижения × прибыль клиента).")


def kpis(results: R) -> list[R]:
    """Three to five key figures for page 1."""
    f, model, seg = results["facts"], results["model"], results["segments"]
    lift = lift_row(model)
    items = [
        {"value": pct(f["decline_share"]), "label": "клиентов снизили активность"},
        {"value": money(seg["profit_at_risk_total"], profit_unit(results)),
         "label": "прибыли под угрозой в месяц"},
    ]
    if lift:
        items.append({"value": pct(lift["recall"], 0), "label": lift_claim(lift)})
    items.append({"value": num(results["actions"]["clients_with_offer"]),
                  "label": "клиентов в списке действий на месяц"})
    return items


def driver_sentence(d: R) -> str:
    """«Страниц за визит: 4 у снижающихся против 8 у стабильных (чем меньше, тем выше риск)»."""
    contrast = ""
    if d.get("declined_median") is not None and d.get("stable_median") is not None:
        contrast = (f": {feature_value(d['feature'], d['declined_median'])} у снижающихся "
                    f"против {feature_value(d['feature'], d['stable_median'])} у стабильных")
    words = direction_text(d)
    direction = f" ({words})" if words else ""
    return f"**{label(d['feature'])}**{contrast}{direction}"


def segment_rows(results: R) -> list[R]:
    """Rows of the page-1 segment table."""
    rows = []
    for s in results["segments"]["segments"]:
        offer = s["offers"][0] if s["offers"] else None
        test = offer["test"] if offer else None
        rows.append({
            "name": s["name"], "clients": s["clients"],
            "profit_at_risk": money(s["profit_at_risk"], profit_unit(results)),
            "offer": offer["action"] if offer else "—",
            "test": _test_cell(test) if test else "—",
        })
    return rows


def _test_cell(test: R) -> str:
    need = clients(test["n_total"]) if test["n_total"] is not None else "—"
    short = "" if test["enough"] else " (в сегменте меньше)"
    return f"A/B, контроль {pct(test['control_share'], 0)}; нужно {need}{short}"


def quality_line(results: R) -> str:
    """One line on data quality for page 1."""
    q = results["quality"]
    excluded = sum(e["count"] for e in q["exclusions"])
    repaired = sum(e["count"] for e in q["repairs"])
    return (f"прочитано {num(q['clients_read'])} клиентов, исключено из модели "
            f"{num(excluded)} {plural(excluded, 'клиент', 'клиента', 'клиентов')}, исправлено "
            f"{num(repaired)} {plural(repaired, 'значение', 'значения', 'значений')}.")


def narrative(results: R) -> R:
    """Every computed sentence and row the templates use."""
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
