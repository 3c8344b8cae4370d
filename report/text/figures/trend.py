"""Caption of the trend figure on page 1: the months compared, first against last."""

from __future__ import annotations

from collections.abc import Callable

from analysis.rutext import money, num, pct, period_label, plural, pp
from report.text.figures._common import Caption, Facts, capital, joined

__all__ = ["WRITERS"]

_GROUP_WORDS = {"winback": "возврат", "prevention": "профилактика"}


def _from_to(ends: list[float | None], text: Callable[[float | None], str]) -> str:
    first, last = ends
    return f"{text(first)} → {text(last)}"


def _uplifts(f: Facts) -> str:
    """«Эффект предложений за октябрь 2026: возврат +8,7 п. п. и профилактика +5,7 п. п.»."""
    parts = [f"{_GROUP_WORDS.get(group, group)} {pp(row['uplift'], signed=True)}"
             for group, row in f["last_uplift"].items()]
    if not parts or not f["last_outcome_period"]:
        return ""
    return (f"Эффект предложений за {period_label(f['last_outcome_period'])}: "
            f"{joined(parts)}; ")


def _trend(f: Facts) -> Caption:
    n, unit = f["points"], f["unit"]
    months = f"{n} {plural(n, 'месяц', 'месяца', 'месяцев')}"
    effect = ("; измеренный эффект предложений в п. п. с интервалами (красный — возврат, "
              "синий — профилактика)" if f["panels"] == 4 else "")
    return Caption(
        title=(f"Динамика за {months}: доля снизивших "
               f"{_from_to(f['decline_share'], pct)}, под угрозой у стабильных "
               f"{_from_to(f['prevention'], num)} {unit}"),
        takeaway=capital(f"{_uplifts(f)}прибыль списка возврата "
                  f"{_from_to(f['winback'], lambda v: money(v, unit))}; ROC AUC на отложенной "
                  f"выборке {_from_to(f['roc_auc'], lambda v: num(v, 2))}."),
        alt=(f"{f['panels']} небольших графика по месяцам ({period_label(f['first'])} — "
             f"{period_label(f['last'])}): доля клиентов, снизивших активность; прибыль списка "
             f"возврата (красная линия) и прибыль под угрозой у стабильных клиентов (синяя), "
             f"{unit} в месяц{effect}; ROC AUC модели на отложенной выборке с интервалом."))


WRITERS = {"trend": _trend}
