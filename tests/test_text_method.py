"""The method list of the appendix, built from the results bundle alone."""

from __future__ import annotations

from analysis.config import Config
from report.text.method import method_lines

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
    explained = next(line for line in lines if line.startswith("Объяснения"))
    assert f"для каждого из 2{NN}000 клиентов" in explained and "через месяцы" in explained
    assert f"95{NB}% интервалом" in explained and f"1{NN}000 повторов" in explained
    small = method_lines(_results(Config(), {"candidates": []}, {
        **shap, "explainer": "permutation", "n_explained": 1297, "background_size": 1297,
        "background_per_client": 30, "permutations": 1}))
    assert not any(line.startswith("Большая выгрузка") for line in small)
    assert any("фон — 1" in line and "30 строк фона и 1 пара порядков" in line
               for line in small)


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
    assert f"прироста 7{NB}п.{NB}п." in text and "поправка fdr_bh" in text


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
    assert "оценка отбора" in text and "5 блоков по группам клиентов" in text
    same = {"candidates": [{"name": "logreg", "n_configs": 4}, {"name": "knn", "n_configs": 4}]}
    assert "по 4 конфигурации на семейство" in "\n".join(
        method_lines(_results(Config(), same, {"explainer": "linear", "n_explained": 10})))
