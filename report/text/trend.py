"""«Динамика по месяцам»: words and rows for the ``trend`` section of the results.

:func:`trend_text` turns ``results["trend"]`` (:func:`analysis.trend.build_trend`)
into the body section's sentences and its two tables (one row a month, this
report last); :func:`format_trend` into the plain-text table of
``oneclick archive trend``. Every number comes from the section; a figure a
month's revision does not hold (an older version of the tool) is «—».
Segment names and the problems of revisions passed over are left to the
template or the terminal to escape.
"""

from __future__ import annotations

from collections.abc import Sequence

from analysis.rutext import money, num, pct, period_label, plural, pp
from report.text.changes import skipped_revisions
from report.text.common import R
from report.text.outcome import GROUP_SHORT, SHORT_VERDICTS

__all__ = ["EFFECT_GROUPS", "effect_cell", "format_trend", "skipped_warnings", "trend_text"]

EFFECT_GROUPS = ("winback", "prevention")
THIS_REPORT = "этот отчёт"
NOT_MEASURED = "не измерен"
DEFAULT_UNIT = "тыс. ₽"
CHART_NOTE = "Графики этих чисел — в начале отчёта, под ключевыми показателями."
NOTE = ("Во второй таблице — клиентов в каждом сегменте и эффект предложений: разница долей "
        "«Прежний уровень» у получивших предложение и в контрольной группе, в скобках — "
        "доверительный интервал.")


def _unit(point: R) -> str:
    return point.get("profit_unit") or DEFAULT_UNIT


def _drift(point: R) -> str:
    drift = point.get("drift")
    if drift is None:
        return "—"
    return f"{num(drift['moderate'])} / {num(drift['strong'])}"


def _auc(point: R) -> str:
    if point.get("roc_auc") is None:
        return "—"
    ci = point.get("roc_auc_ci")
    return num(point["roc_auc"], 3) + (f" ({num(ci[0], 2)}–{num(ci[1], 2)})" if ci else "")


def effect_cell(point: R, group: str, *, verdict: bool = True) -> str:
    """The pooled uplift of ``group``'s offers of the month before, measured this month.

    «+8,7 п. п. (от +2,3 до +14,7): эффект есть»; «не измерен» when the month has an
    ``outcome`` but no measurement of the group; «—» when it has none.
    """
    outcome = point.get("outcome")
    if outcome is None:
        return "—"
    row = (outcome.get("groups") or {}).get(group)
    if outcome.get("status") != "measured" or not row or row.get("uplift") is None:
        return NOT_MEASURED
    text = pp(row["uplift"], signed=True)
    if row.get("interval"):
        low, high = row["interval"]
        text += f" (от {num(low * 100, 1, signed=True)} до {num(high * 100, 1, signed=True)})"
    words = SHORT_VERDICTS.get(row.get("verdict") or "", "")
    return f"{text}: {words}" if verdict and words else text


def _month(point: R) -> str:
    return f"{period_label(point['period'])} ({point['revision'] or THIS_REPORT})"


def _row(point: R, segments: Sequence[R]) -> R:
    unit = _unit(point)
    exposure = point.get("exposure") or {}
    sizes = point.get("segments") or {}
    return {
        "month": _month(point),
        "clients": num(point.get("clients")),
        "decline_share": pct(point.get("decline_share")),
        "winback": money(exposure.get("winback"), unit),
        "prevention": money(exposure.get("prevention"), unit),
        "roc_auc": _auc(point),
        "drift": _drift(point),
        "segments": [num(sizes.get(s["code"])) for s in segments],
        "effect": {group: effect_cell(point, group) for group in EFFECT_GROUPS},
    }


def skipped_warnings(trend: R | None) -> list[str]:
    """One line per revision passed over: «ревизия 2026-10/r1 пропущена: причина»."""
    return [f"ревизия {s['revision']} пропущена: {s['problem']}"
            for s in (trend or {}).get("skipped") or []]


def _skipped_sentence(trend: R) -> str | None:
    skipped = trend.get("skipped") or []
    if not skipped:
        return None
    shown = skipped_revisions(skipped)
    what = ("Повреждённая или нечитаемая ревизия не вошла" if len(skipped) == 1
            else "Повреждённые или нечитаемые ревизии не вошли")
    return f"{what} в динамику: {shown}. Проверка: oneclick archive verify --all."


def trend_text(trend: R | None) -> R:
    """Sentences and rows of «Динамика по месяцам».

    Returns
    -------
    dict
        ``shown`` (two months or more), ``intro``, ``note``, ``chart_note``, ``rows``
        (:func:`_row`: cells of both tables), ``segments`` (``code``, ``name`` of the
        columns), ``group_names`` (the effect columns' words), ``skipped`` (a sentence,
        data text unescaped, or None).
    """
    points = (trend or {}).get("points") or []
    if len(points) < 2:
        return {"shown": False, "intro": None, "note": None, "chart_note": None,
                "rows": [], "segments": [],
                "skipped": None, "group_names": {}}
    segments = trend.get("segments") or []
    n = len(points)
    intro = (f"{n} {plural(n, 'месяц', 'месяца', 'месяцев')} "
             f"({period_label(points[0]['period'])} — {period_label(points[-1]['period'])}): "
             "для каждого месяца — последняя неповреждённая ревизия его отчёта в архиве, "
             "последняя строка — этот отчёт. Эффект предложений в строке месяца измерен на его "
             "выгрузке для предложений месяца перед ним (получившие против контрольной "
             "группы, все предложения группы вместе); сдвиги признаков — по сравнению с "
             "предыдущей ревизией.")
    return {"shown": True, "intro": intro, "note": NOTE, "chart_note": CHART_NOTE,
            "rows": [_row(p, segments) for p in points],
            "segments": segments, "skipped": _skipped_sentence(trend),
            "group_names": {g: GROUP_SHORT.get(g, g).lower() for g in EFFECT_GROUPS}}


# ------------------------------------------------------------------- the terminal

_COLUMNS = ("месяц", "ревизия", "клиентов", "снизили", "возврат, в месяц",
            "под угрозой, в месяц", "ROC AUC", "сдвиги", "сегменты",
            "эффект: возврат", "эффект: профилактика")
_LEFT = {0, 1, 9, 10}


def _terminal_row(point: R, segments: Sequence[R]) -> list[str]:
    unit = _unit(point)
    exposure = point.get("exposure") or {}
    sizes = point.get("segments") or {}
    return [point["period"], point["revision"] or THIS_REPORT, num(point.get("clients")),
            pct(point.get("decline_share")), money(exposure.get("winback"), unit),
            money(exposure.get("prevention"), unit),
            num(point["roc_auc"], 3) if point.get("roc_auc") is not None else "—",
            _drift(point), " / ".join(num(sizes.get(s["code"])) for s in segments) or "—",
            *(effect_cell(point, group, verdict=False) for group in EFFECT_GROUPS)]


def format_trend(trend: R) -> str:
    """The plain-text table of ``oneclick archive trend``: one line a month, then the legend.

    Numbers as in the report (``analysis.rutext``); ``сдвиги`` is «умеренных / сильных»;
    ``сегменты`` lists the clients of each segment in the order the legend names them.
    """
    points = trend.get("points") or []
    if not points:
        return "В архиве нет ни одной целой ревизии.\n"
    segments = trend.get("segments") or []
    rows = [list(_COLUMNS), *(_terminal_row(p, segments) for p in points)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(_COLUMNS))]
    lines = ["  ".join(cell.ljust(w) if i in _LEFT else cell.rjust(w)
                       for i, (cell, w) in enumerate(zip(row, widths, strict=True))).rstrip()
             for row in rows]
    lines.append("")
    lines.append("сдвиги: признаков с умеренным / сильным сдвигом с прошлой ревизии; "
                 "эффект: все предложения группы за прошлый месяц, получившие против контроля.")
    if segments:
        lines.append("сегменты: " + " / ".join(s["name"] for s in segments))
    return "\n".join(lines) + "\n"
