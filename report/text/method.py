"""The appendix for the auditor: the method list, the run, the parameters that were used.

Every number of the method comes from ``results["params"]`` (the configuration of
the run), ``results["model"]`` (candidates, a large export's restriction) and
``results["shap"]`` (explainer and the sizes actually used); the run's rows
(:func:`run_rows`) from the provenance the pipeline collects (command line,
configuration file, data folder, period, commit).
"""

from __future__ import annotations

from typing import Any

from analysis.model.fit import CALIBRATION_FOLDS
from analysis.model.search import FAMILIES
from analysis.results.files import XLSX_MAX_CLIENTS
from analysis.rutext import month_name, num, pct, plural, pp, trimmed
from report.text.common import R, clients
from report.text.model import cv_design, families

__all__ = ["CALIBRATION_WORDS", "CORRECTION_WORDS", "EXPLAINER_WORDS", "action_list_note",
           "data_months", "drawn_configurations", "explanations_line", "large_export_line",
           "method_lines", "parameter_value", "parameters_note", "renderer_label", "run_rows",
           "split_lines", "used_parameters"]

CALIBRATION_WORDS = {"sigmoid": "сигмоида", "isotonic": "изотоническая регрессия"}
CORRECTION_WORDS = {"holm": "Холма", "fdr_bh": "Бенджамини — Хохберга"}
EXPLAINER_WORDS = {"linear": "точный, для линейной модели",
                   "permutation": "перестановочный, с антитетическими парами"}


def _names(codes: list[str]) -> str:
    return ", ".join(f"«{FAMILIES[c].label_ru}»" if c in FAMILIES else c
                     for c in codes) or "нет"


def _configurations(n: int) -> str:
    return f"{num(n)} {plural(n, 'конфигурации', 'конфигураций', 'конфигураций')}"


def _calibration(method: str) -> str:
    return CALIBRATION_WORDS.get(method, method)


def _correction(method: str) -> str:
    return CORRECTION_WORDS.get(method, method)


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
        f"итоговая модель — на {num(large['final_fit_size'])} клиентах"
        f"{_repeats_clause(large)}; вероятность и причины посчитаны для каждого клиента."]


def _repeats_clause(large: R) -> str:
    """How often a large export's cross-validation was repeated (older results do not say)."""
    repeats = large.get("cv_repeats")
    if repeats is None:
        return ""
    if repeats == 1:
        return "; кросс-валидация подбора без повторов (в каждом блоке — тысячи клиентов)"
    return f"; кросс-валидация подбора повторена {repeats} {plural(repeats, 'раз', 'раза', 'раз')}"


def explanations_line(shap: R, params: R, large_export: bool = False) -> str:
    """The SHAP line: explainer, who is explained, background, derived features, rank intervals.

    On a large export whose permutation explainer drew fewer background rows per
    client than a regular export would (``params["permutation_background"]``), it says so.
    """
    kind = shap.get("explainer", "")
    text = (f"Объяснения: SHAP ({EXPLAINER_WORDS.get(kind, kind)}) для каждого из "
            f"{clients(shap.get('n_explained') or 0)} — моделью, которая оценила клиента")
    if shap.get("background_size"):
        text += f"; фон — {clients(shap['background_size'])}"
    if shap.get("background_per_client"):
        pairs, drawn = shap.get("permutations") or 1, shap["background_per_client"]
        text += (f", для каждого клиента {num(drawn)} "
                 f"{plural(drawn, 'строка', 'строки', 'строк')} фона")
        regular = min(params.get("permutation_background") or 0, shap.get("background_size") or 0)
        if large_export and drawn < regular:
            text += f" (большая выгрузка; у обычной — {num(regular)})"
        text += (f" и {num(pairs)} {plural(pairs, 'пара', 'пары', 'пар')} "
                 "порядков признаков")
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
        f"Калибровка вероятностей: {_calibration(m['calibration'])} на "
        f"{num(CALIBRATION_FOLDS)} "
        f"{plural(CALIBRATION_FOLDS, 'блоке', 'блоках', 'блоках')} по группам клиентов "
        "(`CalibratedClassifierCV` из scikit-learn); порог — на кросс-валидации обучающей части.",
        *large_export_line(model),
        explanations_line(results.get("shap") or {}, p["shap"], bool(model.get("large_export"))),
        "Статистика: Манн — Уитни с ранговой бисериальной корреляцией, хи-квадрат с V Крамера, "
        f"поправка {_correction(stats['correction'])} на множественные сравнения по всем "
        "тестам; φk-корреляции (пакет phik).",
        f"Сегменты и эксперименты: пороги из параметров; размер выборки для обнаружения "
        f"прироста {pp(seg['uplift'], 0)} при мощности {trimmed(seg['power'])} и "
        f"α = {trimmed(seg['alpha'])}.",
    ]


# --- The run and its parameters -------------------------------------------------------------

_SHOWN_ELSEWHERE = frozenset({"data_dir", "archive_dir", "renderer"})
"""Settings the run table shows as what they became: the data folder, the HTML renderer."""


def _unused(results: R) -> set[str]:
    """Parameters (``section.key``, or a whole ``section``) this run did not use."""
    p, model = results["params"], results.get("model") or {}
    unused = {"email"}                                     # the report is sent by `oneclick send`
    if not results.get("comparison"):
        unused.add("compare")                              # no earlier revision to compare with
    if not model.get("large_export"):
        unused |= {"model.large_export_clients", "model.large_export_families",
                   "model.large_export_cv_repeats", "shap.large_export_background"}
    if p.get("model", {}).get("threshold_rule") != "cost":
        unused.add("model.miss_cost")
    if (results.get("shap") or {}).get("explainer") != "permutation":
        unused |= {"shap.permutation_background", "shap.permutations",
                   "shap.large_export_background"}
    return unused


_LEFT_OUT = (
    ("email", "отправка письма (её делает `oneclick send`)"),
    ("compare", "пороги сравнения с прошлой ревизией (прошлой ревизии нет)"),
    ("model.large_export_clients", "настройки большой выгрузки (выгрузка обычная)"),
    ("model.miss_cost", "цена пропуска (порог выбран по F1)"),
    ("shap.permutations", "размеры перестановочного объяснения (применялось другое)"),
)
"""What a reader is told about each group of parameters left out, by one key of the group."""

def action_list_note(results: R) -> str:
    """Where the action list is: scores.csv, and scores.xlsx when one sheet can hold it."""
    listed = (results.get("actions") or {}).get("clients", 0)
    if listed <= XLSX_MAX_CLIENTS:
        return ("Список действий — файлы scores.csv и scores.xlsx в папке ревизии, строка на "
                "клиента; в скобках — код столбца.")
    return (f"Список действий — файл scores.csv в папке ревизии, строка на клиента; в скобках — "
            f"код столбца. Файл Excel не записан: в списке {clients(listed)}, а лист Excel "
            f"вмещает не больше {num(XLSX_MAX_CLIENTS)} строк данных.")


def parameters_note(results: R) -> str:
    """The sentence above the parameter table: which parameters it leaves out and where all are."""
    unused = _unused(results)
    left_out = [words for key, words in _LEFT_OUT if key in unused]
    return ("Показаны параметры, которые применялись в этом запуске; не применялись и не "
            f"показаны: {'; '.join(left_out)}. Все параметры — в `manifest.json`, ключ "
            "`parameters`.")


def parameter_value(key: str, value: Any) -> str:
    """A parameter's value as the appendix shows it: decimal comma, lists joined, words."""
    if isinstance(value, bool):
        return "да" if value else "нет"
    if isinstance(value, list | tuple):
        return ", ".join(parameter_value(key, v) for v in value) or "—"
    if isinstance(value, float):
        return trimmed(value, 6)
    if value is None:
        return "—"
    if value == "":
        return "встроенный каталог правил" if key == "segments.offer_rules" else "—"
    return str(value)


def used_parameters(results: R) -> list[tuple[str, str]]:
    """(``section.key``, value) of every parameter this run used, in the configuration's order.

    Left out: e-mail delivery (``oneclick send`` uses it, not the report), the comparison
    thresholds when there was no earlier revision, the large-export settings for a regular
    export, the miss cost under the F1 threshold, the permutation explainer's sizes under
    another explainer, and the folders and renderer (the run table shows what they became).
    ``manifest.json`` keeps every parameter.
    """
    unused = _unused(results) | _SHOWN_ELSEWHERE
    rows = []
    for section, values in results["params"].items():
        if section in unused:
            continue
        items = values.items() if isinstance(values, dict) else [("", values)]
        for key, value in items:
            name = f"{section}.{key}" if key else section
            if name not in unused:
                rows.append((name, parameter_value(name, value)))
    return rows


def _month_span(period: str, months: int) -> str:
    """The ``months`` months up to ``period`` (``YYYY-MM``): «сентябрь — ноябрь 2026»."""
    year, month = (int(part) for part in period.split("-"))
    first = year * 12 + month - 1 - (months - 1)
    first_year, first_month = divmod(first, 12)
    last = f"{month_name(month)} {year}"
    if first_year == year:
        return f"{month_name(first_month + 1)} — {last}"
    return f"{month_name(first_month + 1)} {first_year} — {last}"


def data_months(period: str) -> str:
    """The calendar months each part of the export covers, its current month taken as ``period``.

    The export names its months relative to the last one («текущий_месяц»); the report's
    period is taken as that month.
    """
    year, month = period.split("-")
    return (f"текущий месяц выгрузки принят за месяц отчёта, {month_name(int(month))} {year}; "
            f"выручка, прибыль, страницы за визит и неоплаченные товары — за "
            f"{_month_span(period, 3)}; время на сайте — за {_month_span(period, 2)}; "
            f"маркетинговые контакты, покупки по акции и любимая категория — за "
            f"{_month_span(period, 6)}")


def _dirty(dirty: bool | None) -> str:
    if dirty is None:
        return "неизвестно, есть ли в рабочей копии незафиксированные изменения"
    if dirty:
        return "в рабочей копии были незафиксированные изменения: код запуска не равен коммиту"
    return "рабочая копия без изменений"


def run_rows(run: R) -> list[tuple[str, str]]:
    """The run table: how the run was started, on which data and which code.

    ``run`` holds ``command`` (the command line, or None outside the command line),
    ``working_dir``, ``config_file`` (None: defaults), ``data_dir``, ``period``,
    ``git_commit`` and ``git_dirty`` (None when not known).
    """
    commit = run.get("git_commit")
    return [
        ("Команда", run.get("command")
         or "не из командной строки (вызов report.pipeline.build_report)"),
        ("Папка запуска", run.get("working_dir") or "—"),
        ("Файл настроек", run.get("config_file") or "нет: все параметры по умолчанию"),
        ("Папка выгрузки", run.get("data_dir") or "—"),
        ("Месяцы данных", data_months(run["period"])),
        ("Коммит кода", f"{commit}; {_dirty(run.get('git_dirty'))}" if commit
         else "нет: код запущен не из git-репозитория"),
    ]
