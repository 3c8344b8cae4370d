"""Captions of the segment figures: the risk × profit map and the segments' differences."""

from __future__ import annotations

from analysis.rutext import money as rmoney
from analysis.rutext import num, pct
from figures.plans import value_text
from report.text.figures._common import Caption, Facts, capital, clients, money, quoted

__all__ = ["WRITERS"]


def _segment_map(f: Facts) -> Caption:
    unit, corner = f["unit"], f["corner"]
    takeaway = capital(f"{clients(f['high_risk'])} с высоким риском из {num(f['clients'])} "
                       "стабильных.")
    if corner is not None:
        who = clients(corner["clients"], genitive=True)
        takeaway = (f"Высокий риск и высокая прибыль — у {who}: на них приходится "
                    f"{money(corner['profit_at_risk'], unit)} прибыли под риском "
                    f"из {money(f['profit_at_risk'], unit)}.")
    shown, population = f["shown"], f["population"]
    subset = f" (случайная выборка из {num(population)})" if shown < population else ""
    return Caption(
        title=(f"Высокий риск у {num(f['high_risk'])} из {num(f['clients'])} стабильных "
               f"клиентов: на них {pct(f['high_risk_share'], 0)} прибыли под риском"),
        takeaway=takeaway,
        alt=(f"Каждая точка — клиент, чья активность пока не снизилась, всего "
             f"{clients(shown)}{subset}: по горизонтали вероятность "
             "снижения активности (шкала растянута у 0 и 100\u00a0%, чтобы уверенные прогнозы не "
             "сливались), по вертикали прибыль; цвет — сегмент, пунктиры — пороги риска и "
             "прибыли. Справа вверху — клиенты, которых дороже всего потерять."))


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
        alt=(f"Насколько клиенты каждого из {f['segments']} сегментов отличаются от стабильных "
             "по главным признакам: от −1 (у сегмента значения всегда ниже) до +1 (всегда "
             "выше), подписаны медианы сегмента и стабильных. Эти отличия объясняют, какое "
             "предложение выбрано для сегмента."))


def _exposure_split(f: Facts) -> Caption:
    unit, win, prev = f["unit"], f["groups"]["winback"], f["groups"]["prevention"]
    outside = [grp["outside_share"] for grp in (win, prev)]
    if not f["segments"]:
        takeaway = "Сегментов в этом месяце нет: вся сумма — у клиентов вне сегментов."
    else:
        inside = [pct(1 - share if share is not None else 0.0, 0) for share in outside]
        takeaway = (f"На сегменты приходится {inside[0]} прибыли списка возврата и "
                    f"{inside[1]} суммы под угрозой у стабильных клиентов, остальное — у "
                    "клиентов вне сегментов.")
    return Caption(
        title=(f"Прибыль списка возврата {rmoney(win['total'], unit)} и под угрозой у "
               f"стабильных {rmoney(prev['total'], unit)} в месяц, по сегментам"),
        takeaway=takeaway,
        alt=(f"Две полосы, {unit} в месяц: прибыль клиентов, уже снизивших активность "
             f"({clients(win['clients'])}), и оценка прибыли под угрозой у стабильных "
             f"({clients(prev['clients'])}); цветом — сегменты, серым — клиенты вне "
             "сегментов."))


WRITERS = {"segment_map": _segment_map, "segment_differences": _segment_differences,
           "exposure_split": _exposure_split}
