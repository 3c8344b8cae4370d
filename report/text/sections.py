"""Conclusions and rows of the report body, computed from the results bundle."""

from __future__ import annotations

from typing import Any

from analysis.glossary import GROUPS, label
from report.text.fmt import money, num, pct, plural
from report.text.narrative import _auc_words, _unit, _value, model_in_words, test_row

__all__ = ["sections"]

R = dict[str, Any]


def _quality(results: R) -> R:
    q = results["quality"]
    excluded = sum(e["count"] for e in q["exclusions"])
    return {"quality_conclusion": (
        f"Единица прибыли в выгрузке не указана; в отчёте принята «{_unit(results)}» "
        "(параметр profit_unit). "
        f"Из {num(q['clients_read'])} клиентов для модели пригодны {num(q['clients_usable'])}; "
        f"исключено {num(excluded)}, исправлений {len(q['repairs'])} "
        f"{plural(len(q['repairs']), 'вида', 'видов', 'видов')}, предупреждений "
        f"{len(q['warnings'])}. Ничего не удалено молча: ниже каждое исправление и исключение.")}


def _behaviour(results: R) -> R:
    tests = results["behaviour"]["tests"]
    significant = [t for t in tests if t["significant"]]
    strongest = sorted(significant, key=lambda t: -abs(t["effect_size"] or 0))[:3]
    names = ", ".join(f"«{t['label']}»" for t in strongest)
    groups = [(group, [test_row(t) for t in tests if t["group"] == group]) for group in GROUPS]
    phik = results["behaviour"]["phik"]
    top_phik = sorted(phik["target_phik"].items(), key=lambda kv: -(kv[1] or 0))[:3]
    collinear = phik.get("collinear") or []
    return {
        "behaviour_conclusion": (
            f"Снижающиеся клиенты значимо отличаются от стабильных по {len(significant)} из "
            f"{len(tests)} признаков; сильнее всего — {names}."),
        "test_groups": [(g, rows) for g, rows in groups if rows],
        "group_figures": {"Финансовое поведение": ["monthly_activity"]},
        "tests_note": (
            f"Числовые признаки сравнивались критерием Манна — Уитни (эффект — ранговая "
            f"бисериальная корреляция r: r < 0 — у снижающихся значения ниже), категориальные — "
            f"хи-квадрат (эффект — V Крамера). p-значения скорректированы на множественные "
            f"сравнения ({results['params']['stats']['correction']}) по всем "
            f"{len(tests)} тестам."),
        "phik_sentence": (
            "Сильнее всего с активностью связаны (φK): " + ", ".join(
                f"«{label(c)}» ({num(v, 2)})" for c, v in top_phik) + ". " + (
                f"Пар почти дублирующих друг друга признаков (φK > "
                f"{num(phik.get('collinear_threshold', 0.9), 2)}): {len(collinear)}."
                if collinear else "Сильно дублирующих друг друга признаков нет.")),
    }


def _model(results: R) -> R:
    m = results["model"]
    candidates = sorted(m["candidates"], key=lambda c: -c["cv_roc_auc_mean"])
    matrix = m["confusion_matrix"]["matrix"]
    contacted = matrix[0][1] + matrix[1][1]
    caught = matrix[1][1]
    declining = matrix[1][0] + caught
    return {
        "model_conclusion": (
            f"Выбрана модель «{_label_of(m)}»: ROC AUC на повторной кросс-валидации "
            f"{num(m['cv_roc_auc_mean'], 3)} ± {num(m['cv_roc_auc_std'], 3)} — качество "
            f"{_auc_words(m['cv_roc_auc_mean'])}; на практике {model_in_words(m)}."),
        "selection_method": (
            f"{len(candidates)} семейств моделей, у каждого — случайный поиск гиперпараметров; "
            f"качество — ROC AUC на повторной стратифицированной кросс-валидации "
            f"({m['cv_folds']} блоков × {m['cv_repeats']} повтора) только на обучающей части "
            f"({num(m['train_size'])} клиентов)."),
        "candidates": [{"label": c.get("label_ru") or c["name"], "mean": c["cv_roc_auc_mean"],
                        "std": c["cv_roc_auc_std"], "n_configs": c.get("n_configs", 1),
                        "best": c["name"] == m["best"]} for c in candidates],
        "holdout_sentence": (
            f"Отложенная выборка ({num(m['test_size'])} клиентов, 25 % стратифицированно) "
            f"использована один раз, после выбора модели и порога: ROC AUC "
            f"{num(m['test_roc_auc'], 3)}, 95 % бутстреп-интервал "
            f"{num(m['test_roc_auc_ci'][0], 3)}–{num(m['test_roc_auc_ci'][1], 3)}. На 1–2 тыс. "
            "клиентов одно разбиение сдвигает ROC AUC на ±0,02 и больше, поэтому качество "
            "оценивается по кросс-валидации."),
        "calibration_sentence": (
            f"Вероятности откалиброваны (CalibratedClassifierCV); Brier score на отложенной "
            f"выборке {num(m['test_brier'], 3)}: предсказанная вероятность близка к доле "
            "действительно снизивших активность."),
        "threshold_sentence": (
            f"Порог {num(m['threshold'], 2)} выбран на кросс-валидации обучающей части "
            f"({'максимум F1' if m['threshold_rule'] == 'f1' else 'минимум ожидаемых потерь'}"
            f"; F1 на CV {num(m['cv_f1'], 3)}). На отложенной выборке модель отобрала "
            f"{num(contacted)} {plural(contacted, 'клиента', 'клиентов', 'клиентов')} для "
            f"контакта и нашла среди них {num(caught)} из {num(declining)} снижающихся."),
    }


def _label_of(model: R) -> str:
    for c in model["candidates"]:
        if c["name"] == model["best"]:
            return c.get("label_ru") or c["name"]
    return model["best"]


def _drivers(results: R) -> R:
    drivers = results["drivers"]
    top = ", ".join(f"«{label(d['feature'])}»" for d in drivers[:3])
    examples = results.get("shap", {}).get("examples", [])
    return {
        "drivers_conclusion": (
            f"Сильнее всего на прогноз влияют {top}. Значения SHAP показывают, насколько "
            "каждый признак сдвигает прогноз клиента; вклады категорий просуммированы."),
        "driver_rows": [{"label": label(d["feature"]), "importance": d["mean_abs_shap"],
                         "direction": d.get("direction", ""),
                         "declined": _value(d["feature"], d.get("declined_median")),
                         "stable": _value(d["feature"], d.get("stable_median"))}
                        for d in drivers],
        "examples": [e.get("summary") or e.get("title", "") for e in examples],
        "example_figures": [f"waterfall_{i + 1}" for i in range(len(examples))],
    }


def _segments(results: R) -> R:
    seg = results["segments"]
    unit = _unit(results)
    cov = seg["coverage"]
    segments = seg["segments"]
    return {
        "segments_conclusion": (
            f"Два сегмента исходного исследования охватывают {num(cov['clients_in_segments'])} "
            f"клиентов и {pct(cov['share_of_profit_at_risk'])} прибыли под угрозой."),
        "var_note": (
            f"Риск высокий — вероятность от {pct(seg['value_at_risk_thresholds']['risk_high'], 0)}"
            f", средний — от {pct(seg['value_at_risk_thresholds']['risk_medium'], 0)}; "
            f"прибыль высокая — от {num(seg['value_at_risk_thresholds']['profit_threshold'], 2)} "
            f"({unit})."),
        "segment_sentences": [
            f"{num(s['clients'])} {plural(s['clients'], 'клиент', 'клиента', 'клиентов')} "
            f"({pct(s['share'])} всех), средняя вероятность снижения "
            f"{pct(s['mean_probability'])}, средняя прибыль {num(s['mean_profit'], 2)}, "
            f"под угрозой {money(s['profit_at_risk'], unit)}."
            for s in segments],
        "sensitivity_sentences": [
            f"при сдвиге порогов на ±10 % размер меняется не больше чем на "
            f"{pct(s['sensitivity']['max_size_change'], 0)} — {s['sensitivity']['verdict']}."
            for s in segments],
        "coverage_sentence": (
            f"Вне сегментов остаются {num(cov['high_risk_outside'])} клиентов с высоким риском "
            f"(под угрозой {money(cov['high_risk_outside_profit_at_risk'], unit)}); они получают "
            "предложения по индивидуальным правилам в списке действий."),
        "tests_caveat": (
            "Эффект предложений из этих данных неизвестен: каждое предложение нужно проверить "
            "контролируемым экспериментом, по одному на сегмент за раз."),
    }


def _appendix(results: R) -> R:
    p = results["params"]
    flat = []
    for section, values in p.items():
        if isinstance(values, dict):
            flat += [(f"{section}.{k}", _param(v)) for k, v in values.items()]
        else:
            flat.append((section, _param(values)))
    return {
        "method": results.get("method", []),
        "parameters": flat,
    }


def _param(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value) or "—"
    return str(value) if value != "" else "—"


def sections(results: R) -> R:
    """All body sections' computed text."""
    out: R = {}
    for part in (_quality, _behaviour, _model, _drivers, _segments, _appendix):
        out.update(part(results))
    return out
