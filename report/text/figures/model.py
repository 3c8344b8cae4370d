"""Captions of the model figures: hold-out curves, confusion matrix, calibration."""

from __future__ import annotations

from analysis import glossary as g
from analysis.rutext import num, pct, pp
from report.text.common import lift_sentence
from report.text.figures._common import Caption, Facts, capital
from report.text.words import auc_separation

__all__ = ["CALIBRATED_GAP", "CLOSE_GAP", "WRITERS"]

CALIBRATED_GAP = 0.05
"""Mean |predicted − observed| per bin up to which probabilities are called close."""
CLOSE_GAP = 0.08
"""Largest |predicted − observed| of a bin up to which no bin is named as an exception."""


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
        alt=("Качество модели на клиентах, которых она не видела при обучении. Слева — какую "
             "долю снизивших она находит при данной доле ложных тревог: чем ближе кривая к "
             "левому верхнему углу, тем лучше, пунктир — случайное угадывание. Справа — "
             "точность отбора при растущей полноте; пунктир — точность случайного выбора."))


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
        alt=(f"Слева — как модель разделила клиентов отложенной выборки: верно найдены "
             f"{num(tp)}, пропущены {num(fn)}, ложные тревоги {num(fp)}, верно оставлены "
             f"{num(tn)}. Справа — какая доля всех снизивших оказывается среди клиентов с "
             "наибольшим риском: столько снизивших охватит предложение по верхней части "
             "списка."))


def _calibration(f: Facts) -> Caption:
    mean_gap, bias = f["mean_gap"], f["bias"]
    predicted, observed = f["worst_predicted"], f["worst_observed"]
    worst = abs(predicted - observed)
    at = f"около {pct(predicted, 0)}"
    if mean_gap <= CALIBRATED_GAP and worst <= CLOSE_GAP:
        title = ("Предсказанные вероятности близки к фактической доле снизивших: расхождение "
                 f"в среднем {pp(mean_gap)}, не больше {pp(worst, 0)}")
    elif mean_gap <= CALIBRATED_GAP:
        title = ("Предсказанные вероятности в среднем близки к фактической доле снизивших "
                 f"({pp(mean_gap)}), но {at} расходятся с ней на {pp(worst, 0)}")
    elif abs(bias) < mean_gap / 2:
        title = ("Предсказанные вероятности то выше, то ниже фактической доли снизивших: "
                 f"в среднем на {pp(mean_gap)}, {at} — на {pp(worst, 0)}")
    else:
        word = "завышает" if bias > 0 else "занижает"
        title = (f"Модель {word} вероятность снижения активности: в среднем на {pp(mean_gap)}, "
                 f"{at} — на {pp(worst, 0)}")
    tail = f"; оценка Брайера {num(f['brier'], 3)}" if f["brier"] is not None else ""
    return Caption(
        title=title,
        takeaway=(f"Из клиентов с прогнозом {at} активность снизилась у {pct(observed, 0)}"
                  f"{tail}."),
        alt=(f"Слева — предсказанная вероятность против фактической доли снизивших по "
             f"{f['bins']} группам прогноза: точки на пунктире значат, что вероятность можно "
             "читать как долю клиентов. Справа — как распределены прогнозы у снизивших "
             "(красным) и стабильных (синим): чем меньше они перекрываются у порога, тем "
             "меньше ошибок."))


WRITERS = {"roc_pr": _roc_pr, "confusion_matrix": _confusion_matrix,
           "calibration": _calibration}
