"""Captions of the segment figures: risk × profit map, segment sizes and risk, profiles."""

from __future__ import annotations

from analysis.rutext import num, pct
from figures.plans import value_text
from report.text.figures._common import Caption, Facts, capital, clients, money, quoted

__all__ = ["WRITERS"]


def _segment_map(f: Facts) -> Caption:
    unit, corner = f["unit"], f["corner"]
    takeaway = capital(f"{clients(f['high_risk'])} с высоким риском при {num(f['clients'])} "
                       "всего.")
    if corner is not None:
        who = clients(corner["clients"], genitive=True)
        takeaway = (f"Высокий риск и высокая прибыль — у {who}: на них приходится "
                    f" {money(corner['profit_at_risk'], unit)} прибыли под риском "
                    f"из {money(f['profit_at_risk'], unit)}.")
    shown, population = f["shown"], f["population"]
    subset = f" (случайная выборка из {num(population)})" if shown < population else ""
    return Caption(
        title=(f"Клиенты с высоким риском — {num(f['high_risk'])} из {num(f['clients'])} — "
               f"несут {pct(f['high_risk_share'], 0)} прибыли под риском"),
        takeaway=takeaway,
        alt=(f"Точечная диаграмма: вероятность снижения активности и прибыль {clients(shown)}"
             f"{subset}; цветом выделены сегменты, пунктир — пороги риска и прибыли."))


def _segment_profiles(f: Facts) -> Caption:
    top, unit, share = f["top"], f["unit"], f["share"]
    probabilities = f["mean_probability"]
    if share is not None and f["clients_in_segments"] is not None:
        takeaway = (f"Вместе сегменты охватывают {clients(f['clients_in_segments'])} "
                    f"и {pct(share, 0)} всей прибыли под риском.")
    elif share is not None:
        takeaway = f"Вместе сегменты несут {pct(share, 0)} всей прибыли под риском."
    else:
        takeaway = "Средняя вероятность снижения: " + ", ".join(
            f"{quoted(name)} — {pct(p, 0)}" for name, p in probabilities) + "."
    return Caption(
        title=(f"Больше всего прибыли под риском у сегмента {quoted(top['name'])}: "
               f"{money(top['profit_at_risk'], unit)} у "
               f"{clients(top['clients'], genitive=True)}"),
        takeaway=takeaway,
        alt=(f"Горизонтальные столбцы для {len(probabilities)} сегментов: средняя вероятность "
             "снижения активности и прибыль под риском."))


def _difference(d: Facts) -> str:
    """A segment's ``rank``-th strongest difference from stable clients as a clause."""
    values = (f"{value_text(d['feature'], d['segment_median'])} против "
              f"{value_text(d['feature'], d['stable_median'])} у стабильных")
    if d["rank"] == 0:
        return (f"сегмент {quoted(d['segment'])} сильнее всего отличается от стабильных "
                f"клиентов по признаку {quoted(d['label'])}: {values}")
    return (f"второе по силе отличие сегмента {quoted(d['segment'])} — "
            f"{quoted(d['label'])}: {values}")


def _segment_differences(f: Facts) -> Caption:
    return Caption(
        title=capital(_difference(f["first"])),
        takeaway=capital(_difference(f["second"])) + ".",
        alt=(f"Горизонтальные столбцы для {f['segments']} сегментов: ранговая бисериальная "
             "корреляция признаков сегмента со стабильными клиентами, подписаны медианы."))


WRITERS = {"segment_map": _segment_map, "segment_profiles": _segment_profiles,
           "segment_differences": _segment_differences}
