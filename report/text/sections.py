"""Conclusions and rows of the report body, computed from the results bundle.

Each section's words live in their own module (:mod:`report.text.behaviour`,
:mod:`report.text.model`, :mod:`report.text.segments`, :mod:`report.text.method`);
this module adds data quality, drivers and the appendix, and joins them.
"""

from __future__ import annotations

from analysis.glossary import label
from analysis.rutext import num, quantity
from report.text.behaviour import behaviour_section
from report.text.columns import action_list_glossary, export_glossary
from report.text.common import R, feature_value, profit_unit
from report.text.decision import decision_section
from report.text.method import action_list_note, method_lines, parameters_note, used_parameters
from report.text.model import model_section
from report.text.reasons import direction_text, drivers_conclusion, example_summary, rank_text
from report.text.segments import segments_section
from report.text.words import count

__all__ = ["appendix_section", "drivers_section", "quality_section", "sections"]


def quality_section(results: R) -> R:
    """The data-quality conclusion."""
    q = results["quality"]
    excluded = sum(e["count"] for e in q["exclusions"])
    repaired = sum(e["count"] for e in q["repairs"])
    kinds = len(q["repairs"])
    warnings = len(q["warnings"])
    repairs = (f"исправлено {count(repaired, 'value')} "
               f"({quantity(kinds, 'вид', 'вида', 'видов')} ошибок)" if kinds
               else "исправлять ничего не пришлось")
    warned = f"{count(warnings, 'warning')} — ниже" if warnings else "предупреждений нет"
    return {"quality_conclusion": (
        f"Единица прибыли в выгрузке не указана; в отчёте принята «{profit_unit(results)}» "
        "(параметр profit_unit). "
        f"Из {count(q['clients_read'], 'client_gen')} для модели пригодны "
        f"{num(q['clients_usable'])}, исключено {num(excluded)}. Кроме того, {repairs}; "
        f"{warned}. Ничего не удалено молча: ниже каждое исправление и исключение.")}


def drivers_section(results: R) -> R:
    """Drivers conclusion, the driver table and the example clients."""
    drivers = results["drivers"]
    shap = results.get("shap", {})
    examples = shap.get("examples", [])
    return {
        "drivers_conclusion": (
            f"{drivers_conclusion(drivers, shap.get('rank_level'), shap.get('rank_resamples'))} "
            "Значения SHAP показывают, насколько каждый признак сдвигает прогноз клиента; "
            "вклады категорий просуммированы, изменения выручки и минут отнесены к месяцам, "
            "из которых они посчитаны."),
        "driver_rows": [{"label": label(d["feature"]), "importance": d["mean_abs_shap"],
                         "place": rank_text(d), "direction": direction_text(d),
                         "declined": feature_value(d["feature"], d.get("declined_median")),
                         "stable": feature_value(d["feature"], d.get("stable_median"))}
                        for d in drivers],
        "examples": [example_summary(e) for e in examples],
        "example_figures": ["shap_examples"] if examples else [],
    }


def appendix_section(results: R) -> R:
    """The method list, the parameters this run used, the glossary of columns."""
    return {"method": method_lines(results), "parameters": used_parameters(results),
            "parameters_note": parameters_note(results),
            "export_columns": export_glossary(),
            "action_list_note": action_list_note(results),
            "action_columns": action_list_glossary(profit_unit(results))}


def sections(results: R) -> R:
    """All body sections' computed text."""
    out: R = {}
    for part in (quality_section, behaviour_section, model_section, drivers_section,
                 segments_section, decision_section, appendix_section):
        out.update(part(results))
    return out
