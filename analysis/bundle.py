"""The results bundle: every number the report shows, written once, read by all later stages.

:func:`run_analysis` is the wiring of the analysis stages (each a module of
pure functions); :func:`write_bundle` writes ``results.json``, the action list,
the tables the figures need, and the fitted model. The same inputs and
parameters give byte-identical ``results.json`` and ``scores.csv``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis import glossary as g
from analysis.config import Config
from analysis.data.clients import ClientData

__all__ = ["Bundle", "dumps", "run_analysis", "write_bundle"]

SCHEMA_VERSION = 1
SAMPLE_ROWS = 5000


@dataclass
class Bundle:
    """What the analysis produced, before it is written.

    Attributes
    ----------
    results
        The JSON-ready content of ``results.json``.
    scores
        The action list, one row per modelled client.
    tables
        Extra tables for the figures (name → frame, written as ``tables/NAME.csv``).
    model
        The fitted final model, saved with joblib.
    timings
        Seconds per analysis step (kept out of ``results.json`` for byte-identity).
    """

    results: dict[str, Any]
    scores: pd.DataFrame
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    model: Any = None
    timings: dict[str, float] = field(default_factory=dict)


def _plain(value: Any) -> Any:
    """Numpy and pandas scalars to plain Python; NaN to None."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        value = float(value)
        return None if not math.isfinite(value) else value
    return value


def dumps(results: dict[str, Any]) -> str:
    """Deterministic JSON text of the results."""
    return json.dumps(_plain(results), ensure_ascii=False, indent=2, allow_nan=False) + "\n"


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


def run_analysis(data: ClientData, config: Config) -> Bundle:
    """Run every analysis stage on validated data and collect the results bundle."""
    import time

    from analysis.behaviour import stats
    from analysis.explain.fitted import fit_and_explain
    from analysis.segments import actions
    from analysis.segments import build as segments

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
    sample = _stratified_sample(data.modelled, SAMPLE_ROWS, config.model.seed)
    sample = sample.assign(decline_probability=fitted.probability.reindex(sample.index),
                           segment=scores.set_index("id")["segment"].reindex(sample.index))
    tables = {"clients_sample": sample, **fitted.tables}
    return Bundle(results=_plain(results), scores=scores, tables=tables, model=fitted.model,
                  timings=timings)


def write_bundle(bundle: Bundle, out_dir: Path) -> dict[str, Path]:
    """Write the bundle's files into ``out_dir``; returns them by name."""
    import joblib

    from analysis.segments.actions import write_action_list

    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "tables").mkdir(exist_ok=True)
    paths = {"results": out_dir / "results.json", "scores": out_dir / "scores.csv",
             "scores_xlsx": out_dir / "scores.xlsx", "model": out_dir / "model.joblib"}
    paths["results"].write_text(dumps(bundle.results), encoding="utf-8")
    write_action_list(bundle.scores, paths["scores"], paths["scores_xlsx"])
    for name, frame in sorted(bundle.tables.items()):
        path = out_dir / "tables" / f"{name}.csv"
        frame.to_csv(path, float_format="%.6g", lineterminator="\n")
        paths[f"table:{name}"] = path
    if bundle.model is not None:
        joblib.dump(bundle.model, paths["model"], compress=3)
    return paths
