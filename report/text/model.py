"""Words of the model section: why the model was chosen, hold-out, calibration, threshold."""

from __future__ import annotations

from analysis.rutext import num, pct, plural
from report.text.common import R, lift_row, lift_sentence
from report.text.words import auc_quality

__all__ = ["best_label", "cv_design", "families", "model_in_words", "model_section",
           "selection_reason"]


def best_label(model: R) -> str:
    """The Russian name of the chosen family."""
    for c in model["candidates"]:
        if c["name"] == model["best"]:
            return c.get("label_ru") or c["name"]
    return model["best"]


def families(n: int) -> str:
    """«8 семейств», «2 семейства», «1 семейство»."""
    return f"{n} {plural(n, 'семейство', 'семейства', 'семейств')}"


def cv_design(folds: int, repeats: int) -> str:
    """«5 блоков × 3 повтора»."""
    return (f"{folds} {plural(folds, 'блок', 'блока', 'блоков')} × "
            f"{repeats} {plural(repeats, 'повтор', 'повтора', 'повторов')}")


def _auc(c: R) -> str:
    return f"{num(c['cv_roc_auc_mean'], 3)} ± {num(c['cv_roc_auc_std'], 3)}"


def selection_reason(model: R) -> str:
    """Why the best family was chosen, from the CV numbers of ``results["model"]``."""
    ranked = sorted(model["candidates"], key=lambda c: -c["cv_roc_auc_mean"])
    best = ranked[0]
    text = (f"Выбрана модель «{best.get('label_ru') or best['name']}»: у неё наибольшая "
            f"средняя ROC AUC на перекрёстной проверке "
            f"({cv_design(model['cv_folds'], model['cv_repeats'])}) — {_auc(best)}")
    if len(ranked) > 1:
        second = ranked[1]
        gap = num(best["cv_roc_auc_mean"] - second["cv_roc_auc_mean"], 3)
        text += (f"; следующая, «{second.get('label_ru') or second['name']}», — {_auc(second)} "
                 f"(разница {gap})")
    baseline = next((c for c in ranked if c["name"] == "dummy"), None)
    if baseline is not None and baseline is not best:
        text += f"; модель без признаков — {num(baseline['cv_roc_auc_mean'], 3)}"
    return text + "."


def model_in_words(model: R) -> str:
    """Model quality as a business reader understands it, from the lift table."""
    row = lift_row(model)
    if row is None:
        return f"качество модели {auc_quality(model['test_roc_auc'])}"
    return lift_sentence(row)


def _holdout(results: R) -> str:
    m = results["model"]
    share = results["params"]["model"]["test_size"]
    level = m["test_roc_auc_ci_level"]
    return (f"Отложенная выборка ({num(m['test_size'])} клиентов, {pct(share, 0)} "
            f"стратифицированно) использована один раз, после выбора модели и порога: ROC AUC "
            f"{num(m['test_roc_auc'], 3)}, {pct(level, 0)} бутстреп-интервал "
            f"{num(m['test_roc_auc_ci'][0], 3)}–{num(m['test_roc_auc_ci'][1], 3)}. На 1–2 тыс. "
            "клиентов одно разбиение сдвигает ROC AUC на ±0,02 и больше, поэтому качество "
            "оценивается по кросс-валидации.")


def _threshold(m: R) -> str:
    matrix = m["confusion_matrix"]["matrix"]
    contacted = matrix[0][1] + matrix[1][1]
    caught = matrix[1][1]
    declining = matrix[1][0] + caught
    rule = "максимум F1" if m["threshold_rule"] == "f1" else "минимум ожидаемых потерь"
    return (f"Порог {num(m['threshold'], 2)} выбран на кросс-валидации обучающей части "
            f"({rule}; F1 на CV {num(m['cv_f1'], 3)}). На отложенной выборке модель отобрала "
            f"{num(contacted)} {plural(contacted, 'клиента', 'клиентов', 'клиентов')} для "
            f"контакта и нашла среди них {num(caught)} из {num(declining)} снижающихся.")


def model_section(results: R) -> R:
    """Every computed sentence and row of the model section."""
    m = results["model"]
    candidates = sorted(m["candidates"], key=lambda c: -c["cv_roc_auc_mean"])
    return {
        "model_conclusion": (
            f"Выбрана модель «{best_label(m)}»: ROC AUC на повторной кросс-валидации "
            f"{num(m['cv_roc_auc_mean'], 3)} ± {num(m['cv_roc_auc_std'], 3)} — качество "
            f"{auc_quality(m['cv_roc_auc_mean'])}; на практике {model_in_words(m)}."),
        "selection_method": (
            f"{families(len(candidates))} моделей, у каждого — случайный поиск гиперпараметров; "
            f"качество — ROC AUC на повторной стратифицированной кросс-валидации "
            f"({cv_design(m['cv_folds'], m['cv_repeats'])}) только на обучающей части "
            f"({num(m['train_size'])} клиентов)."),
        "selection_reason": selection_reason(m),
        "candidates": [{"label": c.get("label_ru") or c["name"], "mean": c["cv_roc_auc_mean"],
                        "std": c["cv_roc_auc_std"], "n_configs": c.get("n_configs", 1),
                        "best": c["name"] == m["best"]} for c in candidates],
        "ci_level": pct(m["test_roc_auc_ci_level"], 0),
        "holdout_sentence": _holdout(results),
        "calibration_sentence": (
            f"Вероятности откалиброваны (CalibratedClassifierCV); Brier score на отложенной "
            f"выборке {num(m['test_brier'], 3)}: предсказанная вероятность близка к доле "
            "действительно снизивших активность."),
        "threshold_sentence": _threshold(m),
    }
