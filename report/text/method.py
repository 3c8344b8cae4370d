"""The method list of the appendix, built from the results bundle alone.

Every number comes from ``results["params"]`` (the configuration of the run),
``results["model"]`` (candidates, a large export's restriction) and
``results["shap"]`` (explainer and the sizes actually used).
"""

from __future__ import annotations

from analysis.model.fit import CALIBRATION_FOLDS
from analysis.model.search import FAMILIES
from analysis.rutext import num, pct, plural, pp, trimmed
from report.text.common import R, clients
from report.text.model import cv_design, families

__all__ = ["CALIBRATION_WORDS", "EXPLAINER_WORDS", "drawn_configurations", "explanations_line",
           "large_export_line", "method_lines", "renderer_label", "split_lines"]

CALIBRATION_WORDS = {"sigmoid": "сигмоида", "isotonic": "изотоническая регрессия"}
EXPLAINER_WORDS = {"linear": "точный, для линейной модели",
                   "permutation": "перестановочный, с антитетическими парами"}


def _names(codes: list[str]) -> str:
    return ", ".join(f"«{FAMILIES[c].label_ru}»" if c in FAMILIES else c
                     for c in codes) or "нет"


def _configurations(n: int) -> str:
    return f"{num(n)} {plural(n, 'конфигурации', 'конфигураций', 'конфигураций')}"


def _calibration(method: str) -> str:
    return CALIBRATION_WORDS.get(method, method)


def drawn_configurations(model: R, search_iter: int) -> str:
    """What the search actually drew per family: «логистическая регрессия — 8, … лес — 2»;
    «до N конфигураций на семейство» when the bundle does not say (older bundles)."""
    drawn = [(c.get("label_ru") or c["name"], c["n_configs"]) for c in model["candidates"]
             if c.get("name") and c.get("n_configs") is not None and c["name"] != "dummy"]
    if not drawn:
        return f"до {_configurations(search_iter)} на семейство"
    counts = [n for _, n in drawn]
    if len(set(counts)) == 1:
        n = counts[0]
        return (f"по {num(n)} {plural(n, 'конфигурации', 'конфигурации', 'конфигураций')} "
                "на семейство")
    return ("конфигураций на семейство: "
            + ", ".join(f"«{label}» — {num(n)}" for label, n in drawn)
            + "; медленные семейства получают меньше конфигураций")


def split_lines(model: R, m: R) -> list[str]:
    """The hold-out, the grouping of duplicates and what the headline quality is."""
    duplicates = model.get("duplicate_groups") or 0
    groups = (f"; {num(duplicates)} {plural(duplicates, 'группа', 'группы', 'групп')} "
              f"дубликатов ({clients(model.get('duplicate_clients') or 0)} с одинаковыми "
              "признаками) — всегда по одну сторону любого разбиения: отложенной выборки, "
              "кросс-валидации отбора, калибровки, порога" if duplicates else "")
    return [
        f"Разбиение: стратифицированная отложенная выборка {pct(m['test_size'], 0)} (по "
        f"группам клиентов), зерно {m['seed']}, зафиксировано заранее; отложенная выборка "
        f"использована один раз{groups}.",
        "Качество модели — ROC AUC на отложенной выборке с бутстреп-интервалом по группам "
        "клиентов; ROC AUC кросс-валидации — оценка отбора (лучшая из многих конфигураций на "
        "тех же разбиениях), качеством не считается.",
    ]


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


def renderer_label(name: str, version: str) -> str:
    """The program that made the HTML, for the appendix: «Quarto 1.7.34» or the built-in one."""
    if name == "quarto":
        return f"Quarto {version}"
    return f"встроенная (pandoc {version} из pypandoc-binary)"


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
        *split_lines(model, m),
        f"Выбор модели: {families(len(model['candidates']))}, случайный поиск "
        f"({drawn_configurations(model, m['search_iter'])}), ROC AUC на повторной "
        "стратифицированной кросс-валидации по "
        f"группам клиентов ({cv_design(m['cv_folds'], m['cv_repeats'])}, у каждого повтора "
        "своё зерно) на обучающей части "
        f"(поиск на выборке до {clients(m['search_sample'])}); семейства, чья разница с лучшим "
        "не больше одной стандартной ошибки парной разницы по блокам (с поправкой "
        "Надо — Бенжио на пересечение обучающих частей), считаются ничьей, из ничьей "
        "выбирается самое простое.",
        f"Калибровка: CalibratedClassifierCV ({_calibration(m['calibration'])}, "
        f"{num(CALIBRATION_FOLDS)} "
        f"{plural(CALIBRATION_FOLDS, 'блок', 'блока', 'блоков')} по группам клиентов); "
        "порог — на кросс-валидации обучающей части.",
        *large_export_line(model),
        explanations_line(results.get("shap") or {}, p["shap"]),
        "Статистика: Манн — Уитни с ранговой бисериальной корреляцией, хи-квадрат с V Крамера, "
        f"поправка {stats['correction']} на все тесты; φK-корреляции (phik).",
        f"Сегменты и эксперименты: пороги из параметров; размер выборки для обнаружения "
        f"прироста {pp(seg['uplift'], 0)} при мощности {trimmed(seg['power'])} и "
        f"α = {trimmed(seg['alpha'])}.",
    ]
