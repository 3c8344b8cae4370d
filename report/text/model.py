"""Words of the model section: quality, why the model was chosen, calibration, threshold.

The model's quality is the untouched hold-out's ROC AUC with its interval
(``results["model"]["quality"]``); the cross-validation scores of the search
are named a selection score («оценка отбора») wherever they are shown.
"""

from __future__ import annotations

from analysis.rutext import num, pct, quantity
from report.text.common import R, clients, lift_row, lift_sentence
from report.text.words import TERMS, auc_quality, count

__all__ = ["best_label", "cv_design", "families", "model_in_words", "model_section",
           "quality", "quality_in_words", "realistic_quality", "selection_reason"]


def best_label(model: R) -> str:
    """The Russian name of the chosen family."""
    for c in model["candidates"]:
        if c["name"] == model["best"]:
            return c.get("label_ru") or c["name"]
    return model["best"]


def families(n: int) -> str:
    """«8 семейств», «2 семейства», «1 семейство»."""
    return quantity(n, "семейство", "семейства", "семейств")


def cv_design(folds: int, repeats: int) -> str:
    """«5 блоков × 3 повтора»."""
    return (f"{quantity(folds, 'блок', 'блока', 'блоков')} × "
            f"{quantity(repeats, 'повтор', 'повтора', 'повторов')}")


def _auc(c: R) -> str:
    return f"{num(c['cv_roc_auc_mean'], 3)} (ст. откл. {num(c['cv_roc_auc_std'], 3)})"


def _label(c: R) -> str:
    return c.get("label_ru") or c["name"]


def _labels(model: R, names: list[str]) -> str:
    by_name = {c["name"]: c for c in model["candidates"]}
    return ", ".join(f"«{_label(by_name[n])}»" if n in by_name else n for n in names)


def quality(model: R) -> R:
    """The headline quality: ``results["model"]["quality"]`` (older bundles: the hold-out)."""
    return model.get("quality") or {
        "estimate": "holdout", "roc_auc": model["test_roc_auc"], "ci": model["test_roc_auc_ci"],
        "ci_level": model["test_roc_auc_ci_level"], "clients": model.get("test_size")}


def quality_in_words(model: R) -> str:
    """«ROC AUC 0,897 на отложенной выборке (95 % доверительный интервал 0,853–0,936)»."""
    q = quality(model)
    return (f"ROC AUC {num(q['roc_auc'], 3)} на отложенной выборке ({pct(q['ci_level'], 0)} "
            f"{TERMS['ci']} {num(q['ci'][0], 3)}–{num(q['ci'][1], 3)})")


def realistic_quality(model: R) -> str:
    """What quality to expect of this data: the hold-out and the best selection scores."""
    q = quality(model)
    tied = [c for c in model["candidates"] if c.get("tied")] or [
        max(model["candidates"], key=lambda c: c["cv_roc_auc_mean"])]
    low = min(c["cv_roc_auc_mean"] for c in tied)
    high = max(c["cv_roc_auc_mean"] for c in tied)
    span = num(high, 2) if num(low, 2) == num(high, 2) else f"{num(low, 2)}–{num(high, 2)}"
    return (f"Реалистичное качество для этих данных — ROC AUC около {num(q['roc_auc'], 2)}: "
            f"столько модель показала на клиентах, которых не видела, и примерно столько же "
            f"({span}) дают лучшие модели {TERMS['cv_prep']}, где дубликаты клиентов не "
            "разделяются. Заметно более высокое значение на такой выгрузке означало бы утечку "
            "(например, дубликат клиента в обучении и в проверке), а не лучшую модель.")


def selection_reason(model: R) -> str:
    """Why the chosen family was chosen: top CV score, the tie and the tie-break rule."""
    ranked = sorted(model["candidates"], key=lambda c: -c["cv_roc_auc_mean"])
    selection = model.get("selection") or {}
    top = next((c for c in ranked if c["name"] == selection.get("top")), ranked[0])
    design = cv_design(model["cv_folds"], model["cv_repeats"])
    text = (f"По оценке отбора (ROC AUC на повторной перекрёстной проверке, {design}) лучшая — "
            f"«{_label(top)}», {_auc(top)}")
    tied = [n for n in selection.get("tied", []) if n != top["name"]]
    if tied:
        text += (f". В пределах одной стандартной ошибки парной разницы по тем же блокам с ней "
                 f"совпадают {_labels(model, tied)}: это ничья, и из ничьей выбрана самая "
                 f"простая модель — «{best_label(model)}» (порядок простоты: "
                 f"{_labels(model, selection.get('order', []))})")
    elif len(ranked) > 1:
        second = next(c for c in ranked if c is not top)
        gap = num(top["cv_roc_auc_mean"] - second["cv_roc_auc_mean"], 3)
        text += (f"; следующая, «{_label(second)}», — {_auc(second)} (разница {gap}, больше "
                 "одной стандартной ошибки парной разницы)")
    baseline = next((c for c in ranked if c["name"] == "dummy"), None)
    if baseline is not None:
        text += f"; модель без признаков — {num(baseline['cv_roc_auc_mean'], 3)}"
    return (text + ". Эти числа — оценка отбора: лучшая из многих конфигураций на тех же "
            "разбиениях, поэтому они завышены и качеством модели не являются.")


def model_in_words(model: R) -> str:
    """Model quality as a business reader understands it, from the lift table."""
    row = lift_row(model)
    if row is None:
        return f"качество модели {auc_quality(quality(model)['roc_auc'])}"
    return lift_sentence(row)


def _holdout(results: R) -> str:
    m = results["model"]
    q = quality(m)
    share = results["params"]["model"]["test_size"]
    return (f"Отложенная выборка ({clients(m['test_size'])}, {pct(share, 0)} "
            "стратифицированно по группам клиентов: дубликаты целиком по одну сторону) не "
            "участвовала ни в выборе модели, ни в выборе порога и использована один раз: "
            f"ROC AUC {num(q['roc_auc'], 3)}, {pct(q['ci_level'], 0)} доверительный интервал "
            "(бутстреп) по "
            f"группам клиентов {num(q['ci'][0], 3)}–{num(q['ci'][1], 3)}. Это и есть качество "
            "модели. Интервал широк: на 1–2 тыс. клиентов одно разбиение сдвигает ROC AUC на "
            "±0,02 и больше.")


def _threshold(m: R) -> str:
    matrix = m["confusion_matrix"]["matrix"]
    contacted = matrix[0][1] + matrix[1][1]
    caught = matrix[1][1]
    declining = matrix[1][0] + caught
    rule = "максимум F1" if m["threshold_rule"] == "f1" else "минимум ожидаемых потерь"
    return (f"Порог {num(m['threshold'], 2)} выбран {TERMS['cv_prep']} обучающей части "
            f"({rule}; F1 {TERMS['cv_prep']} {num(m['cv_f1'], 3)}). На отложенной выборке "
            "модель отобрала "
            f"для контакта {count(contacted, 'client')} и нашла среди них {num(caught)} из "
            f"{num(declining)} {TERMS['declined_gen']}.")


def model_section(results: R) -> R:
    """Every computed sentence and row of the model section."""
    m = results["model"]
    q = quality(m)
    candidates = sorted(m["candidates"], key=lambda c: -c["cv_roc_auc_mean"])
    duplicates = m.get("duplicate_groups") or 0
    grouped = (f"; {quantity(duplicates, 'группа', 'группы', 'групп')} "
               "дубликатов клиентов не разделяются ни в одном разбиении" if duplicates else "")
    return {
        "model_conclusion": (
            f"Выбрана модель «{best_label(m)}». Её качество — {quality_in_words(m)}: "
            f"качество {auc_quality(q['roc_auc'])}; на практике {model_in_words(m)}. "
            + realistic_quality(m)),
        "selection_method": (
            f"{families(len(candidates))} моделей, у каждого — случайный поиск гиперпараметров; "
            f"отбор — по ROC AUC на повторной стратифицированной перекрёстной проверке "
            f"({cv_design(m['cv_folds'], m['cv_repeats'])}) только на обучающей части "
            f"({clients(m['train_size'])}){grouped}. Таблица показывает оценку отбора, "
            "а не качество модели."),
        "selection_reason": selection_reason(m),
        "candidates": [{"label": _label(c), "mean": c["cv_roc_auc_mean"],
                        "std": c["cv_roc_auc_std"], "n_configs": c.get("n_configs", 1),
                        "tied": "да" if c.get("tied") else "нет",
                        "best": c["name"] == m["best"]} for c in candidates],
        "ci_level": pct(q["ci_level"], 0),
        "model_quality": q,
        "holdout_sentence": _holdout(results),
        "calibration_sentence": (
            f"{TERMS['calibration'][0].upper()}{TERMS['calibration'][1:]}. "
            f"{TERMS['brier_explained'][0].upper()}{TERMS['brier_explained'][1:]} на "
            f"отложенной выборке — {num(m['test_brier'], 3)}: предсказанная вероятность "
            f"близка к доле действительно {TERMS['declined_gen']}."),
        "threshold_sentence": _threshold(m),
    }
