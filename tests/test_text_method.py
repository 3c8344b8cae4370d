"""The method list of the appendix, built from the results bundle alone."""

from __future__ import annotations

import pytest

from analysis import glossary as g
from analysis.config import Config
from analysis.data.schema import SPECS
from report.text.actionlist import COLUMN_NOTES, headers
from report.text.columns import EXPORT_MEANINGS, action_list_glossary, export_glossary
from report.text.method import (
    data_months,
    method_lines,
    parameter_value,
    parameters_note,
    run_rows,
    used_parameters,
)

NN, NB = "\u202f", "\u00a0"


def _results(config: Config, model: dict, shap: dict) -> dict:
    return {"params": config.model_dump(mode="json"), "model": model, "shap": shap}


def test_large_export_method_line_names_the_samples() -> None:
    config = Config().with_overrides(**{"model.large_export_clients": 250})
    model = {"candidates": [], "large_export": {
        "threshold_clients": 250, "families": ["logreg", "hgb"],
        "excluded_families": ["knn", "svc_rbf"], "fit_sample_size": 20000,
        "final_fit_size": 20000}}
    shap = {"explainer": "linear", "n_explained": 2000, "background_size": 2000,
            "derived_method": "sources", "rank_resamples": 1000, "rank_level": 0.95}
    lines = method_lines(_results(config, model, shap))
    large = next(line for line in lines if line.startswith("Большая выгрузка"))
    assert "«k ближайших соседей»" in large and f"20{NN}000 клиентов" in large
    assert "повтор" not in large  # results written before the repeats were recorded
    model["large_export"] |= {"cv_repeats": 1}
    large = next(line for line in method_lines(_results(config, model, shap))
                 if line.startswith("Большая выгрузка"))
    assert "кросс-валидация подбора без повторов" in large
    explained = next(line for line in lines if line.startswith("Объяснения"))
    assert f"для каждого из 2{NN}000 клиентов" in explained and "через месяцы" in explained
    assert f"95{NB}% интервалом" in explained and f"1{NN}000 повторов" in explained
    small = method_lines(_results(Config(), {"candidates": []}, {
        **shap, "explainer": "permutation", "n_explained": 1297, "background_size": 1297,
        "background_per_client": 30, "permutations": 1}))
    assert not any(line.startswith("Большая выгрузка") for line in small)
    assert any("фон — 1" in line and "30 строк фона и 1 пара порядков" in line
               for line in small)


def test_large_export_says_it_drew_fewer_background_rows() -> None:
    """The SHAP line gives the draw used and, on a large export, the regular one."""
    shap = {"explainer": "permutation", "n_explained": 100000, "background_size": 2000,
            "background_per_client": 5, "permutations": 1}
    large = {"candidates": [], "large_export": {
        "threshold_clients": 20000, "families": ["hgb"], "excluded_families": ["knn"],
        "fit_sample_size": 20000, "final_fit_size": 20000}}
    lines = method_lines(_results(Config(), large, shap))
    explained = next(line for line in lines if line.startswith("Объяснения"))
    assert ("для каждого клиента 5 строк фона (большая выгрузка; у обычной — 20) и 1 пара "
            "порядков") in explained
    three = method_lines(_results(Config(), large, {**shap, "background_per_client": 3}))
    assert any("3 строки фона (большая" in line for line in three)
    regular = method_lines(_results(Config(), {"candidates": []},
                                    {**shap, "background_per_client": 20}))
    assert any("20 строк фона и 1 пара" in line for line in regular)
    assert not any("большая выгрузка" in line for line in regular)


def test_method_follows_the_configuration() -> None:
    config = Config().with_overrides(**{
        "model.test_size": 0.3, "model.cv_folds": 4, "model.cv_repeats": 2,
        "model.search_iter": 1, "segments.uplift": 0.07, "stats.correction": "fdr_bh"})
    lines = method_lines(_results(config, {"candidates": [{}, {}]}, {"explainer": "linear",
                                                                      "n_explained": 10}))
    text = "\n".join(lines)
    assert f"отложенная выборка 30{NB}%" in text
    assert "2 семейства" in text and "до 1 конфигурации на семейство" in text
    assert "4 блока × 2 повтора" in text
    assert f"прироста 7{NB}п.{NB}п." in text and "поправка Бенджамини — Хохберга" in text
    assert "holm" not in text and "fdr_bh" not in text


def test_method_says_what_ran() -> None:
    """Configurations actually drawn per family, grouping of duplicates, what the quality is."""
    model = {"candidates": [
        {"name": "dummy", "label_ru": "Базовая", "n_configs": 1},
        {"name": "logreg", "label_ru": "Логистическая регрессия", "n_configs": 8},
        {"name": "hgb", "label_ru": "Бустинг", "n_configs": 3},
        {"name": "forest", "label_ru": "Лес", "n_configs": 2}],
        "duplicate_groups": 11, "duplicate_clients": 22}
    text = "\n".join(method_lines(_results(Config(), model, {"explainer": "tree",
                                                              "n_explained": 10})))
    assert "«Логистическая регрессия» — 8, «Бустинг» — 3, «Лес» — 2" in text
    assert "до 8 конфигураций" not in text
    assert "11 групп дубликатов (22 клиента" in text
    assert "5 блоков × 3 повтора" in text and "у каждого повтора своё зерно" in text
    assert "Качество модели — ROC AUC на отложенной выборке" in text
    assert "оценка отбора" in text and "5 блоках по группам клиентов" in text
    same = {"candidates": [{"name": "logreg", "n_configs": 4}, {"name": "knn", "n_configs": 4}]}
    assert "по 4 конфигурации на семейство" in "\n".join(
        method_lines(_results(Config(), same, {"explainer": "linear", "n_explained": 10})))


# --- the run and its parameters ----------------------------------------------------------------


def _keys(results: dict) -> set[str]:
    return {key for key, _ in used_parameters(results)}


def test_only_the_parameters_the_run_used_are_listed() -> None:
    results = _results(Config(), {"candidates": []}, {"explainer": "linear"})
    keys = _keys(results)
    assert {"model.seed", "segments.uplift", "decision.cost_sms", "profit_unit"} <= keys
    assert not {k for k in keys if k.startswith(("email.", "compare."))}
    assert not keys & {"model.large_export_clients", "model.large_export_families",
                       "model.miss_cost", "shap.permutation_background", "shap.permutations",
                       "shap.large_export_background", "data_dir", "archive_dir", "renderer"}
    note = parameters_note(results)
    assert "отправка письма" in note and "большой выгрузки" in note and "manifest.json" in note


def test_parameters_appear_when_the_run_used_them() -> None:
    config = Config().with_overrides(**{"model.threshold_rule": "cost"})
    results = {**_results(config, {"candidates": [], "large_export": {"families": []}},
                          {"explainer": "permutation"}), "comparison": {"previous": {}}}
    keys = _keys(results)
    assert {"model.large_export_clients", "model.large_export_families", "model.miss_cost",
            "shap.permutation_background", "shap.permutations", "compare.psi_warn",
            "shap.large_export_background"} <= keys
    small_permutation = _results(Config(), {"candidates": []}, {"explainer": "permutation"})
    assert "shap.large_export_background" not in _keys(small_permutation)
    large_linear = _results(Config(), {"candidates": [], "large_export": {"families": []}},
                            {"explainer": "linear"})
    assert "shap.large_export_background" not in _keys(large_linear)
    assert not {k for k in keys if k.startswith("email.")}
    assert "большой выгрузки" not in parameters_note(results)


def test_parameter_values_read_the_russian_way() -> None:
    assert parameter_value("segments.alpha", 0.05) == "0,05"
    assert parameter_value("decision.sensitivity_factors", [0.5, 2.0]) == "0,5, 2"
    assert parameter_value("model.seed", 20240601) == "20240601"
    assert parameter_value("segments.offer_rules", "") == "встроенный каталог правил"
    assert parameter_value("x", True) == "да"


@pytest.mark.parametrize(("period", "three", "six"), [
    ("2026-11", "сентябрь — ноябрь 2026", "июнь — ноябрь 2026"),
    ("2026-02", "декабрь 2025 — февраль 2026", "сентябрь 2025 — февраль 2026"),
])
def test_data_months_name_the_calendar_months(period: str, three: str, six: str) -> None:
    text = data_months(period)
    assert f"за {three}" in text and f"за {six}" in text


def test_run_rows_say_how_the_run_was_made() -> None:
    run = {"command": "oneclick report --data x --period 2026-11", "working_dir": "/w",
           "config_file": None, "data_dir": "/data/export", "period": "2026-11",
           "git_commit": "a" * 40, "git_dirty": True}
    rows = dict(run_rows(run))
    assert rows["Команда"] == run["command"] and rows["Папка выгрузки"] == "/data/export"
    assert rows["Файл настроек"] == "нет: все параметры по умолчанию"
    assert "ноябрь 2026" in rows["Месяцы данных"]
    assert rows["Коммит кода"].startswith("a" * 40) and "незафиксированные" in rows["Коммит кода"]
    clean = dict(run_rows({**run, "git_dirty": False, "config_file": "/c/oneclick.toml"}))
    assert "без изменений" in clean["Коммит кода"]
    assert clean["Файл настроек"] == "/c/oneclick.toml"
    outside = dict(run_rows({"period": "2026-11", "git_commit": None}))
    assert outside["Коммит кода"].startswith("нет") and "не из командной" in outside["Команда"]


# --- the glossary --------------------------------------------------------------------------------


def test_glossary_explains_every_export_column_in_its_own_words() -> None:
    explained = [e for _, _, entries in export_glossary() for e in entries]
    names = {e.name for e in explained}
    assert {c for spec in SPECS.values() for c in spec.columns} <= names
    assert {g.REVENUE_CHANGE, g.MINUTES_CHANGE, *g.REVENUE_COLUMNS} <= names
    for entry in explained:
        meaning = entry.meaning.lower()
        assert meaning not in (entry.name.lower(), entry.alias.lower()), entry
        assert len(meaning.split()) >= 4, entry
    assert set(EXPORT_MEANINGS) == {c for spec in SPECS.values() for c in spec.columns}
    assert [e.name for e in explained].count("id") == 1   # explained once, not per file


def test_glossary_follows_the_action_list_columns() -> None:
    entries = action_list_glossary("тыс. ₽")
    assert [e.name for e in entries] == list(headers("тыс. ₽").values())
    assert [e.meaning for e in entries] == [COLUMN_NOTES[code] for code in headers("")]
    assert all(e.alias and e.meaning != e.name for e in entries)


def test_action_list_note_names_the_workbook_only_when_a_sheet_holds_the_list() -> None:
    from analysis.results.files import XLSX_MAX_CLIENTS
    from report.text.method import action_list_note

    fits = action_list_note({"actions": {"clients": XLSX_MAX_CLIENTS}})
    assert "scores.xlsx" in fits
    too_long = action_list_note({"actions": {"clients": XLSX_MAX_CLIENTS + 1}})
    assert "scores.xlsx" not in too_long and "Excel не записан" in too_long
    assert f"1{NN}048{NN}576 клиентов" in too_long
