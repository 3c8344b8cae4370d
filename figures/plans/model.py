"""Plans of the model figures: candidates, hold-out curves, confusion matrix, calibration."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes

from analysis import glossary as g
from analysis.rutext import num, pct, plural, pp
from figures import model as plot
from figures import theme as t
from figures.behaviour import plot_distribution
from figures.plans._common import Plan, capital, quoted
from figures.reader import Bundle, Missing, need

__all__ = ["calibration", "confusion_matrix", "model_comparison", "roc_pr"]

QUALITY_WORDS = ((0.9, "отлично"), (0.8, "хорошо"), (0.7, "удовлетворительно"),
                 (0.0, "слабо"))
"""ROC AUC from which the separation is described by each word (a common rule of thumb)."""
CALIBRATED_GAP = 0.05
"""Mean |predicted − observed| per bin up to which probabilities are called calibrated."""
LIFT_SHARE = 0.3
"""Share of top-ranked clients the lift sentence speaks about (nearest row of the table)."""


def _label(candidate: dict[str, Any]) -> str:
    """Russian name of a candidate model."""
    return candidate.get("label_ru") or candidate.get("label") or candidate["name"]


def _is_baseline(candidate: dict[str, Any]) -> bool:
    return str(candidate["name"]).startswith("dummy")


def model_comparison(b: Bundle) -> Plan:
    """Cross-validated ROC AUC of every candidate family, the chosen one highlighted."""
    candidates = [c for c in b.get("model", "candidates")
                  if c.get("cv_roc_auc_mean") is not None]
    if not candidates:
        raise Missing("model.candidates")
    best = b.results["model"].get("best")
    chosen_i = next((i for i, c in enumerate(candidates) if c["name"] == best), None)
    ranked = sorted(candidates, key=lambda c: -c["cv_roc_auc_mean"])
    chosen = candidates[chosen_i] if chosen_i is not None else ranked[0]
    mean, std = chosen["cv_roc_auc_mean"], chosen.get("cv_roc_auc_std") or 0.0
    rivals = [c for c in ranked if c is not chosen and not _is_baseline(c)]
    parts = []
    if rivals:
        rival = rivals[0]
        gap = mean - rival["cv_roc_auc_mean"]
        spread = max(std, rival.get("cv_roc_auc_std") or 0.0)
        if abs(gap) <= spread:
            parts.append(f"разница с моделью {quoted(_label(rival))} ({num(gap, 3)}) "
                         "меньше разброса между повторами кросс-валидации")
        else:
            word = "опережает" if gap > 0 else "уступает"
            parts.append(f"модель {word} {quoted(_label(rival))} на {num(abs(gap), 3)}, "
                         "больше разброса между повторами")
    baseline = next((c for c in candidates if _is_baseline(c)), None)
    if baseline is not None:
        parts.append(f"у модели без признаков, {quoted(_label(baseline))}, ROC AUC "
                     f"{num(baseline['cv_roc_auc_mean'], 2)}")
    takeaway = "; ".join(parts) or f"Сравнивалась одна модель, {quoted(_label(chosen))}"
    n = len(candidates)

    def draw(axes: Sequence[Axes]) -> None:
        plot.plot_model_comparison(axes[0], [_label(c) for c in candidates],
                                   [c["cv_roc_auc_mean"] for c in candidates],
                                   [c.get("cv_roc_auc_std") or 0.0 for c in candidates],
                                   chosen_i)

    return Plan(
        name="model_comparison", section="model", height=min(4.5, 0.8 + 0.3 * n),
        title=(f"Выбрана модель {quoted(_label(chosen))}: ROC AUC на кросс-валидации "
               f"{num(mean, 3)} ± {num(std, 3)}"),
        takeaway=capital(takeaway) + ".",
        alt=(f"Горизонтальные столбцы: средний ROC AUC на кросс-валидации и его разброс для "
             f"{n} {plural(n, 'модели', 'моделей', 'моделей')}; выбранная выделена тёмным."),
        draw=draw)


def _quality(auc: float) -> str:
    return next(word for cut, word in QUALITY_WORDS if auc >= cut)


def confusion_counts(cm: Any) -> tuple[int, int, int, int]:
    """``(tn, fp, fn, tp)`` from ``[[tn, fp], [fn, tp]]`` or from
    ``{"labels": [...], "matrix": [[...], [...]]}`` (rows actual, columns predicted, in
    the order of ``labels``; «Снизилась» is the positive class).
    """
    if isinstance(cm, dict):
        matrix = need(cm, "matrix")
        labels = cm.get("labels") or [g.STABLE, g.DECLINED]
        pos = labels.index(g.DECLINED) if g.DECLINED in labels else 1
        neg = 1 - pos
        return (int(matrix[neg][neg]), int(matrix[neg][pos]), int(matrix[pos][neg]),
                int(matrix[pos][pos]))
    (tn, fp), (fn, tp) = cm
    return int(tn), int(fp), int(fn), int(tp)


def _base_rate(b: Bundle) -> float | None:
    model = b.results.get("model", {})
    if model.get("test_positive_share") is not None:
        return float(model["test_positive_share"])
    if model.get("confusion_matrix"):
        tn, fp, fn, tp = confusion_counts(model["confusion_matrix"])
        return (fn + tp) / max(tn + fp + fn + tp, 1)
    return b.results.get("facts", {}).get("decline_share_modelled")


def roc_pr(b: Bundle) -> Plan:
    """Hold-out ROC and precision–recall curves."""
    model = b.get("model")
    fpr, tpr = b.get("model", "roc_curve", "fpr"), b.get("model", "roc_curve", "tpr")
    auc = b.get("model", "test_roc_auc")
    ci = model.get("test_roc_auc_ci") or [None, None]
    ci_text = f" (95 % ДИ {num(ci[0], 2)}–{num(ci[1], 2)})" if None not in ci else ""
    pr = model.get("pr_curve") or {}
    base = _base_rate(b)
    lift = model.get("lift") or []
    if lift:
        row = min(lift, key=lambda r: (abs(r["top_share"] - LIFT_SHARE), r["top_share"]))
        takeaway = (f"Среди {pct(row['top_share'], 0)} клиентов с наибольшим риском модель "
                    f"находит {pct(row['recall'], 0)} всех снизивших — в {num(row['lift'], 1)} "
                    "раза больше, чем при случайном выборе.")
    elif model.get("test_pr_auc") is not None and base:
        takeaway = (f"Площадь под кривой точность–полнота {num(model['test_pr_auc'], 2)} "
                    f"при доле снизивших {pct(base, 0)} у случайного ранжирования.")
    else:
        takeaway = f"Площадь под ROC-кривой на отложенной выборке {num(auc, 3)}{ci_text}."
    panels = 2 if pr.get("precision") and pr.get("recall") else 1

    def draw(axes: Sequence[Axes]) -> None:
        plot.plot_roc(axes[0], fpr, tpr, f"ROC AUC {num(auc, 3)}{ci_text}")
        axes[0].set_title("ROC-кривая", fontsize=8.5)
        if panels == 2:
            pr_auc = model.get("test_pr_auc")
            plot.plot_pr(axes[1], pr["recall"], pr["precision"],
                         f"PR AUC {num(pr_auc, 3)}" if pr_auc is not None else "Модель", base)
            axes[1].set_title("Точность и полнота", fontsize=8.5)

    return Plan(
        name="roc_pr", section="model", shape=(1, panels), height=3.5,
        title=(f"Модель {_quality(auc)} отделяет снизивших от стабильных: ROC AUC "
               f"{num(auc, 2)} на отложенной выборке{ci_text}"),
        takeaway=takeaway,
        alt=("ROC-кривая и кривая точность–полнота модели на отложенной выборке; пунктир — "
             "случайное угадывание."),
        draw=draw)


def confusion_matrix(b: Bundle) -> Plan:
    """Hold-out confusion matrix at the chosen threshold."""
    tn, fp, fn, tp = confusion_counts(b.get("model", "confusion_matrix"))
    threshold = b.results["model"].get("threshold")
    caught, flagged = tp + fn, tp + fp
    lift = b.results["model"].get("lift") or []
    at = f"При пороге {num(threshold, 2)} модель" if threshold is not None else "Модель"
    return Plan(
        name="confusion_matrix", section="model", height=3.0,
        title=(f"{at} находит {num(tp)} из {num(caught)} снизивших на отложенной выборке "
               f"({pct(tp / max(caught, 1), 0)})"),
        takeaway=(f"Из {num(flagged)} клиентов, отмеченных моделью, активность действительно "
                  f"снизилась у {num(tp)} ({pct(tp / max(flagged, 1), 0)}); ложных тревог "
                  f"{num(fp)}, это {pct(fp / max(fp + tn, 1), 0)} стабильных клиентов."),
        alt=(f"Матрица ошибок: верно найдены {num(tp)}, пропущены {num(fn)}, ложные тревоги "
             f"{num(fp)}, верно оставлены {num(tn)}."),
        shape=(1, 2 if lift else 1),
        draw=lambda axes: _draw_confusion(axes, [[tn, fp], [fn, tp]], lift))


def _draw_confusion(axes: Sequence[Axes], matrix: list[list[int]],
                    lift: list[dict[str, Any]]) -> None:
    plot.plot_confusion(axes[0], matrix)
    axes[0].set_title("Матрица ошибок (отложенная выборка)", fontsize=8.5)
    if lift:
        rows = sorted(lift, key=lambda r: r["top_share"])
        plot.plot_gain(axes[1], [r["top_share"] for r in rows], [r["recall"] for r in rows],
                       LIFT_SHARE)
        axes[1].set_title("Охват при выборе по риску", fontsize=8.5)


def calibration(b: Bundle) -> Plan:
    """Reliability diagram of the hold-out probabilities."""
    pred = np.asarray(b.get("model", "calibration", "prob_pred"), dtype=float)
    true = np.asarray(b.get("model", "calibration", "prob_true"), dtype=float)
    gaps = pred - true
    mean_gap, bias = float(np.abs(gaps).mean()), float(gaps.mean())
    if mean_gap <= CALIBRATED_GAP:
        title = ("Предсказанные вероятности совпадают с фактической долей снизивших: "
                 f"в среднем расхождение {pp(mean_gap)}")
    elif abs(bias) < mean_gap / 2:
        title = ("Предсказанные вероятности то выше, то ниже фактической доли снизивших: "
                 f"в среднем на {pp(mean_gap)}")
    else:
        word = "завышает" if bias > 0 else "занижает"
        title = f"Модель {word} вероятность снижения активности: в среднем на {pp(mean_gap)}"
    worst = int(np.argmax(np.abs(gaps)))
    brier = b.results["model"].get("test_brier")
    threshold = b.results["model"].get("threshold")
    spread = _probabilities(b)
    tail = f"; оценка Брайера {num(brier, 3)}" if brier is not None else ""
    return Plan(
        name="calibration", section="model", height=3.2,
        title=title,
        takeaway=(f"Сильнее всего прогноз расходится с фактом около вероятности "
                  f"{num(pred[worst], 2)}: снизилась активность у {pct(true[worst], 0)} "
                  f"клиентов{tail}."),
        alt=(f"Калибровочная кривая по {len(pred)} интервалам прогноза (пунктир — идеальная "
             "калибровка) и распределение прогнозов у снизивших и стабильных клиентов."),
        shape=(1, 2 if spread else 1),
        draw=lambda axes: _draw_calibration(axes, pred, true, spread, threshold))


def _probabilities(b: Bundle) -> tuple[np.ndarray, np.ndarray] | None:
    """Predicted probabilities of declined and stable clients from the clients sample."""
    try:
        sample = b.table("clients_sample")
    except Missing:
        return None
    if not {"decline_probability", g.TARGET} <= set(sample.columns):
        return None
    declined = sample[g.TARGET] == g.DECLINED
    p = sample["decline_probability"]
    return p[declined].dropna().to_numpy(float), p[~declined].dropna().to_numpy(float)


def _draw_calibration(axes: Sequence[Axes], pred: np.ndarray, true: np.ndarray,
                      spread: tuple[np.ndarray, np.ndarray] | None,
                      threshold: float | None) -> None:
    plot.plot_calibration(axes[0], pred, true)
    axes[0].set_title("Калибровка (отложенная выборка)", fontsize=8.5)
    if spread is not None:
        plot_distribution(axes[1], *spread)
        if threshold is not None:
            axes[1].axvline(threshold, color=t.HIGHLIGHT, linestyle="--", linewidth=0.9,
                            label=f"Порог {num(threshold, 2)}")
        axes[1].legend(loc="upper center")
        axes[1].set_xlabel("Предсказанная вероятность снижения")
        axes[1].set_ylabel("Доля клиентов класса")
        axes[1].set_title("Прогнозы по фактическому классу", fontsize=8.5)
