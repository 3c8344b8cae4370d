"""Captions of the model figures: candidates, hold-out curves, confusion matrix, calibration."""

from __future__ import annotations

from analysis import glossary as g
from analysis.rutext import num, pct, plural, pp
from report.text.common import lift_sentence
from report.text.figures._common import Caption, Facts, capital, quoted
from report.text.words import auc_separation

__all__ = ["CALIBRATED_GAP", "WRITERS"]

CALIBRATED_GAP = 0.05
"""Mean |predicted − observed| per bin up to which probabilities are called calibrated."""


def _model_comparison(f: Facts) -> Caption:
    chosen, rival, baseline, n = f["chosen"], f["rival"], f["baseline"], f["candidates"]
    parts = []
    tied = f.get("tied") or []
    if tied:
        parts.append(f"ничья в пределах одной стандартной ошибки парной разницы с "
                     f"{', '.join(quoted(t) for t in tied)}: из ничьей выбрана самая простая "
                     "модель")
    elif rival is not None:
        gap = rival["gap"]
        if abs(gap) <= rival["spread"]:
            parts.append(f"разница с моделью {quoted(rival['label'])} ({num(gap, 3)}) "
                         "меньше разброса между повторами кросс-валидации")
        else:
            word = "опережает" if gap > 0 else "уступает"
            parts.append(f"модель {word} {quoted(rival['label'])} на {num(abs(gap), 3)}, "
                         "больше разброса между повторами")
    if baseline is not None:
        parts.append(f"у модели без признаков, {quoted(baseline['label'])}, ROC AUC "
                     f"{num(baseline['auc'], 2)}")
    takeaway = "; ".join(parts) or f"Сравнивалась одна модель, {quoted(chosen['label'])}"
    return Caption(
        title=(f"Выбрана модель {quoted(chosen['label'])}: оценка отбора (ROC AUC на "
               f"кросс-валидации) {num(chosen['auc'], 3)} ± {num(chosen['std'], 3)}"),
        takeaway=capital(takeaway) + ".",
        alt=(f"Горизонтальные столбцы: оценка отбора — средний ROC AUC на кросс-валидации и "
             f"его разброс — для "
             f"{n} {plural(n, 'модели', 'моделей', 'моделей')}; выбранная выделена тёмным."))


def _roc_pr(f: Facts) -> Caption:
    auc, ci, lift, base = f["auc"], f["ci"], f["lift"], f["base_rate"]
    ci_text = g.CHART.ci.format(low=num(ci[0], 2), high=num(ci[1], 2)) if ci else ""
    if lift is not None:
        takeaway = (f"{capital(lift_sentence(lift))}: в {num(lift['lift'], 1)} раза больше, "
                    "чем при случайном выборе.")
    elif f["pr_auc"] is not None and base:
        takeaway = (f"Площадь под кривой точность–полнота {num(f['pr_auc'], 2)} "
                    f"при доле снизивших {pct(base, 0)} у случайного ранжирования.")
    else:
        takeaway = f"Площадь под ROC-кривой на отложенной выборке {num(auc, 3)}{ci_text}."
    return Caption(
        title=(f"Модель {auc_separation(auc)} отделяет снизивших от стабильных: ROC AUC "
               f"{num(auc, 2)} на отложенной выборке{ci_text}"),
        takeaway=takeaway,
        alt=("ROC-кривая и кривая точность–полнота модели на отложенной выборке; пунктир — "
             "случайное угадывание."))


def _confusion_matrix(f: Facts) -> Caption:
    tn, fp, fn, tp, threshold = f["tn"], f["fp"], f["fn"], f["tp"], f["threshold"]
    caught, flagged = tp + fn, tp + fp
    at = f"При пороге {num(threshold, 2)} модель" if threshold is not None else "Модель"
    return Caption(
        title=(f"{at} находит {num(tp)} из {num(caught)} снизивших на отложенной выборке "
               f"({pct(tp / max(caught, 1), 0)})"),
        takeaway=(f"Из {num(flagged)} клиентов, отмеченных моделью, активность действительно "
                  f"снизилась у {num(tp)} ({pct(tp / max(flagged, 1), 0)}); ложных тревог "
                  f"{num(fp)}, это {pct(fp / max(fp + tn, 1), 0)} стабильных клиентов."),
        alt=(f"Матрица ошибок: верно найдены {num(tp)}, пропущены {num(fn)}, ложные тревоги "
             f"{num(fp)}, верно оставлены {num(tn)}."))


def _calibration(f: Facts) -> Caption:
    mean_gap, bias = f["mean_gap"], f["bias"]
    if mean_gap <= CALIBRATED_GAP:
        title = ("Предсказанные вероятности совпадают с фактической долей снизивших: "
                 f"в среднем расхождение {pp(mean_gap)}")
    elif abs(bias) < mean_gap / 2:
        title = ("Предсказанные вероятности то выше, то ниже фактической доли снизивших: "
                 f"в среднем на {pp(mean_gap)}")
    else:
        word = "завышает" if bias > 0 else "занижает"
        title = f"Модель {word} вероятность снижения активности: в среднем на {pp(mean_gap)}"
    tail = f"; оценка Брайера {num(f['brier'], 3)}" if f["brier"] is not None else ""
    return Caption(
        title=title,
        takeaway=(f"Сильнее всего прогноз расходится с фактом около вероятности "
                  f"{num(f['worst_predicted'], 2)}: снизилась активность у "
                  f"{pct(f['worst_observed'], 0)} клиентов{tail}."),
        alt=(f"Калибровочная кривая по {f['bins']} интервалам прогноза (пунктир — идеальная "
             "калибровка) и распределение прогнозов у снизивших и стабильных клиентов."))


WRITERS = {"model_comparison": _model_comparison, "roc_pr": _roc_pr,
           "confusion_matrix": _confusion_matrix, "calibration": _calibration}
