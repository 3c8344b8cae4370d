"""The method list of the appendix, built from the results bundle alone.

Every number comes from ``results["params"]`` (the configuration of the run),
``results["model"]`` (candidates, a large export's restriction) and
``results["shap"]`` (explainer and the sizes actually used).
"""

from __future__ import annotations

from analysis.model.search import FAMILIES
from analysis.rutext import num, pct, plural, pp, trimmed
from report.text.common import R, clients
from report.text.model import cv_design, families

__all__ = ["EXPLAINER_WORDS", "explanations_line", "large_export_line", "method_lines"]

EXPLAINER_WORDS = {"linear": "точный, для линейной модели",
                   "permutation": "перестановочный, с антитетическими парами"}


def _names(codes: list[str]) -> str:
    return ", ".join(f"«{FAMILIES[c].label_ru}»" if c in FAMILIES else c
                     for c in codes) or "нет"


def _configurations(n: int) -> str:
    return f"{num(n)} {plural(n, 'конфигурации', 'конфигураций', 'конфигураций')}"


def large_export_line(model: R) -> list[str]:
    """The line on a large export's restricted search (none for a regular export)."""
    large = model.get("large_export")
    if not large:
        return []
    return [
        f"Большая выгрузка (в модели больше {clients(large['threshold_clients'])}): "
        f"сравниваются только семейства, которые быстро обучаются и оценивают любое число "
        f"клиентов ({_names(large['families'])}; не сравнивались: "
        f"{_names(large['excluded_families'])}); модель для отложенной выборки обучена на "
        f"стратифицированной выборке из {clients(large['fit_sample_size'])} обучающей части, "
        f"итоговая модель — на {num(large['final_fit_size'])} клиентах; вероятность и причины "
        f"посчитаны для каждого клиента."]


def explanations_line(shap: R, params: R) -> str:
    """The SHAP line: explainer, who is explained, background, derived features, rank intervals."""
    kind = shap.get("explainer", "")
    text = (f"Объяснения: SHAP ({EXPLAINER_WORDS.get(kind, kind)}) для каждого из "
            f"{clients(shap.get('n_explained') or 0)} — моделью, которая оценила клиента")
    if shap.get("background_size"):
        text += f"; фон — {clients(shap['background_size'])}"
    if shap.get("background_per_client"):
        pairs = shap.get("permutations") or 1
        text += (f", для каждого клиента {num(shap['background_per_client'])} строк фона и "
                 f"{num(pairs)} {plural(pairs, 'пара', 'пары', 'пар')} порядков признаков")
    text += "; вклады категорий суммированы по признаку"
    if shap.get("derived_method") == "sources":
        text += ("; изменения выручки и минут объяснены через месяцы, из которых они "
                 "посчитаны (SHAP не оценивает невозможных сочетаний)")
    if shap.get("rank_resamples"):
        text += (f"; места признаков — с {pct(shap['rank_level'], 0)} интервалом "
                 f"(бутстреп по клиентам, {num(shap['rank_resamples'])} повторов)")
    return text + "."


def method_lines(results: R) -> list[str]:
    """The method list, one sentence per step of the analysis."""
    p = results["params"]
    m, seg, stats = p["model"], p["segments"], p["stats"]
    model = results["model"]
    return [
        "Данные: четыре выгрузки проверены по объявленной схеме (pandera), известные опечатки "
        "исправлены по одному словарю, неактивные клиенты исключены из модели.",
        "Признаки: все поля выгрузки, выручка за три месяца, минуты за два месяца и их "
        "изменения; `id`, порядок строк и прибыль в модель не входят.",
        f"Разбиение: стратифицированная отложенная выборка {pct(m['test_size'], 0)}, "
        f"зерно {m['seed']}, зафиксировано заранее; отложенная выборка использована один раз.",
        f"Выбор модели: {families(len(model['candidates']))}, случайный поиск (до "
        f"{_configurations(m['search_iter'])} на семейство), ROC AUC на повторной "
        f"стратифицированной кросс-валидации ({cv_design(m['cv_folds'], m['cv_repeats'])}) "
        "на обучающей части "
        f"(поиск на выборке до {clients(m['search_sample'])}).",
        "Калибровка: CalibratedClassifierCV; порог — на кросс-валидации обучающей части.",
        *large_export_line(model),
        explanations_line(results.get("shap") or {}, p["shap"]),
        "Статистика: Манн — Уитни с ранговой бисериальной корреляцией, хи-квадрат с V Крамера, "
        f"поправка {stats['correction']} на все тесты; φK-корреляции (phik).",
        f"Сегменты и эксперименты: пороги из параметров; размер выборки для обнаружения "
        f"прироста {pp(seg['uplift'], 0)} при мощности {trimmed(seg['power'])} и "
        f"α = {trimmed(seg['alpha'])}.",
    ]
