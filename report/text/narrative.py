"""Sentences and rows of the report, computed from the results bundle.

Nothing here is typed in: every number and every direction word comes from
``results.json`` or the run's parameters, so the text changes when they change.
:func:`narrative` gathers page 1 (here), the body (:mod:`report.text.sections`),
the comparison (:mod:`report.text.changes`), last month's offers measured
(:mod:`report.text.outcome`) and the months of the archive (:mod:`report.text.trend`).
"""

from __future__ import annotations

from analysis.glossary import GLOSSARY, label
from analysis.rutext import money, num, pct, quantity
from report.text.changes import changes_text, skipped_text
from report.text.common import R, profit_unit
from report.text.decision import exposure_text, rule_summary
from report.text.model import model_in_words
from report.text.outcome import outcome_text
from report.text.sections import sections
from report.text.summary import (
    baseline_line,
    drivers_line,
    group_actions,
    model_found,
    outcome_line,
    quality_line,
    unit_assumption,
)
from report.text.trend import trend_text

__all__ = ["headline", "kpis", "model_in_words", "narrative", "page_one_drivers",
           "quality_line"]


def headline(results: R) -> str:
    """The one-sentence headline of page 1: win-back and prevention apart."""
    f = results["facts"]
    groups = results["segments"]["decision"]["groups"]
    win = groups["winback"]
    stable = groups["prevention"]["clients"]
    unit = profit_unit(results)
    return (f"{pct(f['decline_share'])} постоянных клиентов ({num(f['declined'])} из "
            f"{num(f['clients_total'])}) уже снизили покупательскую активность — это список "
            f"возврата с прибылью {money(win['profit'], unit)} в месяц; у "
            f"{quantity(stable, 'клиента', 'клиентов', 'клиентов')}, пока "
            "сохраняющих активность, "
            f"под угрозой по оценке модели {exposure_text(results)}.")


def kpis(results: R) -> list[R]:
    """Key figures for page 1, win-back and prevention apart; ``unit`` (optional) is printed
    smaller after the value, so that a card's number never runs into its neighbour."""
    f = results["facts"]
    groups = results["segments"]["decision"]["groups"]
    unit = profit_unit(results)
    items = [
        {"value": pct(f["decline_share"]), "unit": "",
         "label": "постоянных клиентов уже снизили активность"},
        {"value": num(groups["winback"]["profit"]), "unit": unit,
         "label": "в месяц — прибыль снизивших активность (список возврата)"},
        {"value": num(groups["prevention"]["exposure"]), "unit": unit,
         "label": "в месяц под угрозой у стабильных клиентов (оценка модели)"},
    ]
    found = model_found(results)
    if found:
        items.append({"value": found["value"], "unit": found["unit"], "label": found["label"]})
    return items


PAGE_ONE_DRIVERS = 4
"""Drivers named on page 1 (all of them are in «Что влияет на снижение»)."""


def page_one_drivers(drivers: list[R], limit: int = PAGE_ONE_DRIVERS) -> list[R]:
    """The strongest drivers, one per measure: «Минут на сайте, текущий месяц» is left out
    when «Минут на сайте, предыдущий месяц» is already named (the same measure, two months)."""
    chosen: list[R] = []
    seen: set[str] = set()
    for d in drivers:
        measure = label(d["feature"]).split(",")[0]
        if measure not in seen:
            chosen.append(d)
            seen.add(measure)
        if len(chosen) == limit:
            break
    return chosen


def narrative(results: R) -> R:
    """Every computed sentence and row the templates use."""
    changes = changes_text(results.get("comparison"))
    outcome = outcome_text(results.get("outcome"),
                           (results["segments"].get("decision") or {}).get("learning"),
                           (results.get("history") or {}).get("skipped"))
    text: R = {
        "headline": headline(results),
        "kpis": kpis(results),
        "drivers_line": drivers_line(page_one_drivers(results["drivers"])),
        "decision_rule_short": rule_summary(results),
        "unit_assumption": unit_assumption(results),
        "actions": group_actions(results),
        "quality_line": quality_line(results),
        "baseline": baseline_line(results, changes["summary"] if changes else None),
        "changes": changes["summary"] if changes else None,
        "changes_section": changes,
        "skipped_revisions": skipped_text(results.get("history")),
        "outcome": outcome,
        "outcome_shown": results.get("outcome") is not None,
        "outcome_line": outcome_line(outcome, results.get("outcome") is not None),
        "trend": trend_text(results.get("trend")),
        "glossary": GLOSSARY,
    }
    text.update(sections(results))
    return text
