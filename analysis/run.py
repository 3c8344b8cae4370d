"""The wiring of the analysis: validated data in, one results bundle out.

Each stage is a subpackage of pure functions; this module only says which feeds
which, times them, and assembles the :class:`~analysis.results.contract.Bundle`
that every later stage reads (in memory within a run, from
:mod:`analysis.results.store` across runs). ``oneclick analyse`` and
``oneclick report`` get the same bundle shape: the comparison with an earlier
revision is part of it (``None`` when there is none).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pandas as pd

from analysis import glossary as g
from analysis.behaviour import stats
from analysis.comparison import compare_runs
from analysis.config import Config
from analysis.data.clients import ClientData
from analysis.explain.fitted import fit_and_explain
from analysis.results.contract import SCHEMA_VERSION, Bundle, plain
from analysis.segments import actions
from analysis.segments import build as segments

__all__ = ["run_analysis"]

SAMPLE_ROWS = 5000
"""At most this many clients go into ``tables/clients_sample.csv`` (stratified by the target)."""


def _stratified_sample(frame: pd.DataFrame, n: int, seed: int) -> pd.DataFrame:
    if len(frame) <= n:
        return frame
    share = n / len(frame)
    parts = [part.sample(frac=share, random_state=seed)
             for _, part in frame.groupby(g.TARGET, sort=True)]
    return pd.concat(parts).sort_index()


def _behaviour(data: ClientData, config: Config) -> dict[str, Any]:
    from analysis.behaviour import stats
    tests = stats.behaviour_tests(data.modelled, config.stats)
    return {
        "tests": stats.behaviour_records(tests),
        "summaries": stats.group_summaries(tests),
        "breakdowns": stats.breakdowns(data.clients),
        "monthly": stats.monthly_profile(data.modelled),
        "phik": stats.phik_matrix(data.modelled, config.stats, config.model.seed),
    }


def _actions_summary(scores: pd.DataFrame) -> dict[str, Any]:
    with_offer = scores[scores["offer"].fillna("") != ""]
    return {
        "clients": len(scores),
        "clients_with_offer": len(with_offer),
        "by_channel": {str(k): int(v) for k, v in
                       with_offer["channel"].value_counts().sort_index().items()}
        if "channel" in with_offer else {},
        "by_segment": {str(k): int(v) for k, v in
                       with_offer["segment"].fillna("").value_counts().sort_index().items()},
    }


def _large_export(model: dict[str, Any]) -> list[str]:
    """The method line of a large export (none otherwise, so small results keep their bytes)."""
    from analysis.model.search import FAMILIES

    large = model.get("large_export")
    if not large:
        return []

    def names(codes: list[str]) -> str:
        return ", ".join(f"«{FAMILIES[c].label_ru}»" if c in FAMILIES else c
                         for c in codes) or "нет"

    return [
        f"Большая выгрузка (в модели больше {large['threshold_clients']} клиентов): "
        f"сравниваются только семейства, которые быстро обучаются и оценивают любое число "
        f"клиентов ({names(large['families'])}; не сравнивались: "
        f"{names(large['excluded_families'])}); модель для отложенной выборки обучена на "
        f"стратифицированной выборке из {large['fit_sample_size']} клиентов обучающей части, "
        f"итоговая модель — на {large['final_fit_size']} клиентах; вероятность и причины "
        f"посчитаны для каждого клиента."]


_EXPLAINERS = {"linear": "линейный объяснитель", "tree": "TreeExplainer для деревьев",
               "permutation": "перестановочный объяснитель"}


def _explanations(config: Config, shap: dict[str, Any]) -> str:
    """The SHAP line of the method list, with the sizes actually used."""
    kind = shap.get("explainer", "")
    limit = (config.shap.permutation_sample if kind == "permutation"
             else config.shap.explain_sample)
    text = (f"Объяснения: SHAP ({_EXPLAINERS.get(kind, kind)}) на стратифицированной выборке "
            f"из {shap.get('n_explained')} клиентов (не больше {limit})")
    if shap.get("background_size"):
        text += f", фон {shap['background_size']} клиентов"
    if shap.get("reasons_method") == "occlusion":
        text += ("; причины для каждого клиента — по окклюзии: насколько падает оценка, если "
                 "значение признака заменить типичным значением стабильного клиента")
    return text + "; вклады категорий суммированы по признаку."


def _method(config: Config, model: dict[str, Any], shap: dict[str, Any]) -> list[str]:
    m = config.model
    return [
        "Данные: четыре выгрузки проверены по объявленной схеме (pandera), известные опечатки "
        "исправлены по одному словарю, неактивные клиенты исключены из модели.",
        "Признаки: все поля выгрузки, выручка за три месяца, минуты за два месяца и их "
        "изменения; `id`, порядок строк и прибыль в модель не входят.",
        f"Разбиение: стратифицированная отложенная выборка {int(m.test_size * 100)} %, "
        f"зерно {m.seed}, зафиксировано заранее; отложенная выборка использована один раз.",
        f"Выбор модели: {len(model['candidates'])} семейств, случайный поиск по "
        f"{m.search_iter} конфигураций, ROC AUC на повторной стратифицированной "
        f"кросс-валидации {m.cv_folds}×{m.cv_repeats} на обучающей части "
        f"(поиск на выборке до {m.search_sample} клиентов).",
        "Калибровка: CalibratedClassifierCV; порог — на кросс-валидации обучающей части.",
        *_large_export(model),
        _explanations(config, shap),
        "Статистика: Манн — Уитни с ранговой бисериальной корреляцией, хи-квадрат с V Крамера, "
        f"поправка {config.stats.correction} на все тесты; φK-корреляции (phik).",
        f"Сегменты и эксперименты: пороги из параметров; размер выборки для обнаружения "
        f"прироста {int(config.segments.uplift * 100)} п. п. при мощности "
        f"{config.segments.power} и α = {config.segments.alpha}.",
    ]


def _comparison(previous: Path | None, results: dict[str, Any], data: ClientData,
                scores: pd.DataFrame, config: Config) -> dict[str, Any] | None:
    """The change since ``previous`` (``ARCHIVE/PERIOD/rN``), or None without one.

    The previous revision is an input of the run like the export: its path is
    stored relative to the archive, so the same export and the same previous
    revision give the same bytes wherever the archive lives.
    """
    if previous is None:
        return None
    comparison = compare_runs(previous, plain(results), data.modelled, scores, config.compare)
    comparison["previous"]["path"] = previous.relative_to(previous.parent.parent).as_posix()
    return comparison


def run_analysis(data: ClientData, config: Config, previous: Path | None = None) -> Bundle:
    """Run every analysis stage on validated data and collect the results bundle.

    Parameters
    ----------
    data
        The validated client table and its data-quality log.
    config
        Parameters of the run.
    previous
        The latest earlier revision of the archive, compared with this run
        (``results["comparison"]``); ``None`` when there is none.
    """
    timings: dict[str, float] = {}
    start = time.perf_counter()
    behaviour = _behaviour(data, config)
    timings["behaviour"] = time.perf_counter() - start

    start = time.perf_counter()
    fitted = fit_and_explain(data.modelled, config)
    timings["model"] = time.perf_counter() - start
    timings.update({f"model.{step}": seconds for step, seconds in fitted.timings.items()})

    start = time.perf_counter()
    seg = segments.build_segments(data.modelled, fitted.probability, fitted.shap_by_feature,
                                  config.segments)
    scores = actions.action_list(data.modelled, fitted.probability, fitted.reasons, seg,
                                 config.segments)
    timings["segments"] = time.perf_counter() - start

    results = {
        "schema_version": SCHEMA_VERSION,
        "facts": stats.facts(data.clients, data.modelled),
        "quality": data.quality.to_dict(),
        "leakage": stats.id_leakage(data.clients),
        "behaviour": behaviour,
        "model": fitted.summary,
        "drivers": fitted.drivers,
        "shap": fitted.shap_summary,
        "segments": seg,
        "actions": _actions_summary(scores),
        "method": _method(config, fitted.summary, fitted.shap_summary),
        "params": config.model_dump(mode="json"),
    }
    start = time.perf_counter()
    results["comparison"] = _comparison(previous, results, data, scores, config)
    timings["compare"] = time.perf_counter() - start
    sample = _stratified_sample(data.modelled, SAMPLE_ROWS, config.model.seed)
    sample = sample.assign(decline_probability=fitted.probability.reindex(sample.index),
                           segment=scores.set_index("id")["segment"].reindex(sample.index))
    tables = {"clients_sample": sample, **fitted.tables}
    return Bundle(results=plain(results), scores=scores, tables=tables, model=fitted.model,
                  timings=timings)


