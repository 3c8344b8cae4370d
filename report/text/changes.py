"""«Что изменилось»: sentences and rows from the comparison with the previous report.

:func:`changes_text` turns the ``comparison`` dict of
:func:`analysis.drift.compare_runs` into the strings the report's partial
``_changes.qmd.j2`` shows; :func:`format_comparison` writes the same content as
plain text for the terminal (``oneclick compare``, registered in
:mod:`report.cli`).

Strings marked for ``| safe`` in the template are built here from numbers and
glossary labels; any value that comes from the data (a category name, a
failure reason) is passed through :func:`report.text.markdown.md_escape` first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from analysis.rutext import money, num, pct, period_label, plural, pp
from report.text.markdown import md_escape
from report.text.words import COMPARISON_PROBLEMS, DRIFT_WORDS, PREVIOUS_MODEL_ERRORS

__all__ = ["changes_text", "format_comparison", "skipped_revisions", "skipped_text"]

R = dict[str, Any]
Quote = Callable[[object], str]

_LEVEL_ORDER = {"strong": 0, "moderate": 1, "stable": 2, "unknown": 3}
_TEST_NAMES = {"ks": "Колмогоров — Смирнов", "chi2": "хи-квадрат"}
_SHOWN_IDS = 15


def _plain(value: object) -> str:
    return str(value)


def _md(value: object) -> str:
    return md_escape(value)


def _auc(value: float | None) -> str:
    return num(value, 3)


def _p(value: float | None) -> str:
    if value is None:
        return "—"
    return "< 0,001" if value < 0.001 else num(value, 3)


def _period(where: R) -> str:
    period, revision = where.get("period") or "", where.get("revision") or ""
    try:
        shown = period_label(period)
    except (ValueError, IndexError):
        shown = period
    return f"{shown}, ревизия {revision}" if revision else shown


def _clients(n: int) -> str:
    return f"{num(n)} {plural(n, 'клиент', 'клиента', 'клиентов')}"


def _features(n: int) -> str:
    return f"{num(n)} {plural(n, 'признака', 'признаков', 'признаков')}"


def _moved_words(n: int) -> str:
    if n == 0:
        return "никто не перешёл в высокий риск"
    verb = plural(n, "перешёл", "перешли", "перешли")
    return f"{_clients(n)} {verb} в высокий риск"


# ------------------------------------------------------------------- sentences


def _decline_part(c: R) -> str:
    d = c["decline_share"]
    change = f" ({pp(d['change'], signed=True)})" if d.get("change") is not None else ""
    return f"Доля снижения: {pct(d['previous'])} → {pct(d['current'])}{change}"


def _drift_part(c: R) -> str:
    counts = c.get("drift_counts") or {}
    if not c.get("drift"):
        return "сдвиг признаков не посчитан"
    if counts.get("strong"):
        text = f"сильный сдвиг у {_features(counts['strong'])}"
        if counts.get("moderate"):
            text += f", умеренный — у {num(counts['moderate'])}"
        return text
    if counts.get("moderate"):
        return f"умеренный сдвиг у {_features(counts['moderate'])}"
    return "распределения признаков стабильны"


def _categories_part(c: R, quote: Quote) -> str | None:
    new = c.get("new_categories") or []
    if not new:
        return None
    names = ", ".join(f"«{quote(n['value'])}»" for n in new[:3])
    more = f" и ещё {len(new) - 3}" if len(new) > 3 else ""
    word = "новое значение" if len(new) == 1 else "новые значения"
    return f"{word} {names}{more}"


def _moved_part(c: R) -> str | None:
    moved = c.get("moved_to_high_risk")
    return None if moved is None else _moved_words(moved["clients"])


def _summary(c: R, quote: Quote) -> str:
    parts = [_decline_part(c), _drift_part(c), _categories_part(c, quote), _moved_part(c)]
    return "; ".join(p for p in parts if p) + "."


def _strongest(c: R, limit: int = 3) -> list[R]:
    shifted = [d for d in c.get("drift", []) if d["level"] in ("strong", "moderate")]
    return sorted(shifted, key=lambda d: (_LEVEL_ORDER[d["level"]], -(d["psi"] or 0)))[:limit]


def _previous_model(c: R, quote: Quote) -> str:
    run = c.get("previous_model_on_current") or {}
    before = c["model"]["previous"]
    now = c["model"]["current"]
    name = f" («{quote(before['best_label'])}»)" if before.get("best_label") else ""
    if run.get("roc_auc") is None:
        reason = PREVIOUS_MODEL_ERRORS.get(run.get("error") or "", "причина неизвестна")
        if run.get("error_detail"):
            reason += f": {run['error_detail'].rstrip('. ')}"
        reason = quote(reason)
        return (f"Модель прошлого отчёта{name} не удалось применить к данным этого месяца "
                f"({reason}); сравнение качества на новых данных недоступно.")
    text = (f"Модель прошлого отчёта{name} на данных этого месяца ({_clients(run['clients'])}): "
            f"ROC AUC {_auc(run['roc_auc'])}")
    if before.get("test_roc_auc") is not None:
        text += f" (в прошлом отчёте на отложенной выборке — {_auc(before['test_roc_auc'])})"
    unseen = run.get("unseen_clients")
    if run.get("unseen_roc_auc") is not None and unseen != run["clients"]:
        where = plural(unseen, "клиенте", "клиентах", "клиентах")
        text += (f"; на {num(unseen)} {where}, которых не было в прошлом отчёте, — "
                 f"{_auc(run['unseen_roc_auc'])}")
    if now.get("test_roc_auc") is not None:
        text += f"; новая модель на отложенной выборке — {_auc(now['test_roc_auc'])}"
    text += "."
    if run.get("warnings"):
        text += f" При загрузке модели: {quote(run['warnings'][0])}."
    return text


def _conclusion(c: R, quote: Quote) -> str:
    d = c["decline_share"]
    change = d.get("change")
    if change is None:
        trend = "Долю клиентов, снизивших активность, сравнить не удалось"
    elif abs(change) < 0.0005:
        trend = f"Доля клиентов, снизивших активность, не изменилась ({pct(d['current'])})"
    else:
        verb = "выросла" if change > 0 else "снизилась"
        trend = (f"Доля клиентов, снизивших активность, {verb} с {pct(d['previous'])} до "
                 f"{pct(d['current'])} ({pp(change, signed=True)})")
    parts = [trend]
    top = _strongest(c)
    if top:
        names = ", ".join(f"«{quote(d['label'])}» (PSI {num(d['psi'], 2)})" for d in top)
        parts.append(f"сильнее всего сдвинулись {names}")
    elif c.get("drift"):
        parts.append("распределения признаков стабильны")
    run = c.get("previous_model_on_current") or {}
    if run.get("roc_auc") is not None:
        parts.append(f"модель прошлого отчёта на новых данных даёт ROC AUC {_auc(run['roc_auc'])}")
    moved = _moved_part(c)
    if moved:
        parts.append(moved)
    return "; ".join(parts) + "."


def _basis(c: R) -> str:
    data = c.get("data") or {}
    if not data.get("clients"):
        return "Распределения прошлого отчёта недоступны: сдвиг признаков не посчитан."
    if data.get("is_sample"):
        text = (f"Прошлые распределения — по выборке из {_clients(data['clients'])} "
                f"(из {num(data['population'])}) прошлого отчёта (`{data['source']}`); "
                "редкая категория может выглядеть новой, если не попала в выборку.")
    else:
        text = (f"Прошлые распределения — по всем {num(data['clients'])} клиентам модели "
                f"прошлого отчёта (`{data['source']}`).")
    current = c.get("current") or {}
    if current.get("is_sample"):
        text += (f" Текущие — по выборке из {_clients(current['clients'])} "
                 f"(из {num(current['population'])}).")
    return text


def _drift_note(c: R) -> str:
    p = c.get("params") or {}
    bins = p.get("psi_bins")
    count = f"{num(bins)} " if bins else ""
    intervals = plural(bins or 0, "квантильному интервалу", "квантильным интервалам",
                       "квантильным интервалам")
    return (f"PSI (индекс стабильности популяции) — по {count}{intervals} прошлого "
            f"распределения (для категорий — по значениям): до {num(p.get('psi_warn'), 2)} — "
            f"стабилен, до {num(p.get('psi_alert'), 2)} — умеренный сдвиг, выше — сильный. "
            f"Тест (Колмогоров — Смирнов для чисел, хи-квадрат для категорий) отмечен *, "
            f"если p < {num(p.get('ks_alpha'), 2)}; на тысячах клиентов он замечает и "
            "несущественные сдвиги, поэтому вывод делается по PSI.")


# ------------------------------------------------------------------------- rows


def _metric_rows(c: R, unit: str) -> list[R]:
    d = c["decline_share"]
    before, now = c["model"]["previous"], c["model"]["current"]
    total = c.get("profit_at_risk_total") or {}

    def diff(a: float | None, b: float | None) -> str:
        return "—" if a is None or b is None else num(b - a, 3, signed=True)

    rows = [
        {"label": "Доля клиентов, снизивших активность", "previous": pct(d["previous"]),
         "current": pct(d["current"]), "change": pp(d.get("change"), signed=True)},
        {"label": "Прибыль под угрозой в месяц", "previous": money(total.get("previous"), unit),
         "current": money(total.get("current"), unit),
         "change": _signed_money(total.get("change"), unit)},
        {"label": "ROC AUC модели, перекрёстная проверка",
         "previous": _auc(before["cv_roc_auc_mean"]),
         "current": _auc(now["cv_roc_auc_mean"]),
         "change": diff(before["cv_roc_auc_mean"], now["cv_roc_auc_mean"])},
        {"label": "ROC AUC модели, отложенная выборка", "previous": _auc(before["test_roc_auc"]),
         "current": _auc(now["test_roc_auc"]),
         "change": diff(before["test_roc_auc"], now["test_roc_auc"])},
    ]
    return rows


def _signed_money(value: float | None, unit: str) -> str:
    return "—" if value is None else money(round(value), unit, signed=True)


def _drift_rows(c: R) -> list[R]:
    order = {d["feature"]: i for i, d in enumerate(c.get("drift", []))}
    ranked = sorted(c.get("drift", []), key=lambda d: (_LEVEL_ORDER[d["level"]],
                                                       -(d["psi"] or 0), order[d["feature"]]))
    return [{"label": d["label"], "kind": d["kind"], "psi": d["psi"],
             "test": _TEST_NAMES.get(d["test"], d["test"]),
             "p": _p(d["p_value"]) + (" *" if d.get("test_flag") else ""),
             "level": d["level"], "verdict": DRIFT_WORDS.get(d["level"], d["level"])}
            for d in ranked]


def _segment_rows(c: R, unit: str) -> list[R]:
    def clients(n: int | None) -> str:
        return "—" if n is None else num(n)

    return [{"name": s["name"], "previous_clients": clients(s["previous_clients"]),
             "current_clients": clients(s["current_clients"]),
             "previous_profit_at_risk": money(s["previous_profit_at_risk"], unit),
             "current_profit_at_risk": money(s["current_profit_at_risk"], unit)}
            for s in c.get("segments", [])]


def _moved(c: R, unit: str) -> str:
    moved = c.get("moved_to_high_risk")
    if moved is None:
        return "Переходы между уровнями риска не посчитаны: нет списка действий прошлого отчёта."
    common = f"Из {_clients(moved['common_clients'])}, которые есть в обоих отчётах, "
    if not moved["clients"]:
        return common + "никто не перешёл в высокий риск из среднего или низкого."
    ids = ", ".join(str(i) for i in moved["ids"][:_SHOWN_IDS])
    more = moved["clients"] - min(len(moved["ids"]), _SHOWN_IDS)
    return (common + f"{_moved_words(moved['clients'])} (из среднего — "
            f"{num(moved['from_medium'])}, из низкого — {num(moved['from_low'])}); "
            f"прибыль под угрозой "
            f"{plural(moved['clients'], 'у этого клиента', 'у этих клиентов', 'у этих клиентов')}"
            f" — {money(moved['profit_at_risk'], unit)}. "
            f"id: {ids}" + (f" … и ещё {num(more)}" if more > 0 else "")
            + "; полный список — в `scores.csv` обоих отчётов.")


# -------------------------------------------------------------------------- API


def changes_text(comparison: R | None) -> R | None:
    """Computed text of the «Что изменилось» section; None without a comparison.

    Returns
    -------
    dict or None
        ``summary`` (one line for the executive summary), ``conclusion``,
        ``previous_label``, ``basis``, ``previous_model``, ``drift_note``,
        ``moved`` (sentences, Markdown, safe); ``metric_rows``, ``drift_rows``,
        ``segment_rows`` (formatted cells); ``new_categories`` and
        ``vanished_categories`` (rows with the raw ``value`` from the data, to
        be escaped by the template); ``problems`` (raw text).
    """
    if not comparison:
        return None
    c, unit = comparison, comparison.get("profit_unit") or "тыс. ₽"
    return {
        "summary": _summary(c, _md),
        "conclusion": _conclusion(c, _md),
        "previous_label": _period(c["previous"]),
        "basis": _basis(c),
        "metric_rows": _metric_rows(c, unit),
        "model_previous": c["model"]["previous"].get("best_label") or "—",
        "model_current": c["model"]["current"].get("best_label") or "—",
        "previous_model": _previous_model(c, _md),
        "drift_note": _drift_note(c),
        "drift_rows": _drift_rows(c),
        "new_categories": [{"label": n["label"], "value": n["value"], "clients": n["clients"]}
                           for n in c.get("new_categories", [])],
        "vanished_categories": [{"label": n["label"], "value": n["value"],
                                 "clients": n["clients"]}
                                for n in c.get("vanished_categories", [])],
        "segment_rows": _segment_rows(c, unit),
        "moved": _moved(c, unit),
        "problems": [COMPARISON_PROBLEMS.get(p, p) for p in c.get("problems", [])],
    }


def _table(header: list[str], rows: list[list[str]], right: set[int]) -> list[str]:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = []
    for row in [header, *rows]:
        cells = [cell.rjust(w) if i in right else cell.ljust(w)
                 for i, (cell, w) in enumerate(zip(row, widths, strict=True))]
        lines.append("  ".join(cells).rstrip())
    return lines


def format_comparison(comparison: R) -> str:
    """The comparison as plain text for the terminal (``oneclick compare``)."""
    c, unit = comparison, comparison.get("profit_unit") or "тыс. ₽"
    current = c.get("current") or {}
    head = f"Сравнение: {c['previous']['path']} ({_period(c['previous'])})"
    if current.get("path"):
        head += f" → {current['path']} ({_period(current)})"
    out = [head, "", "Итог: " + _summary(c, _plain), "", _basis(c).replace("`", ""), ""]
    out += _table(["Показатель", "было", "стало", "изменение"],
                  [[r["label"], r["previous"], r["current"], r["change"]]
                   for r in _metric_rows(c, unit)], {1, 2, 3})
    out += ["", f"Модель: {c['model']['previous'].get('best_label') or '—'} → "
                f"{c['model']['current'].get('best_label') or '—'}",
            _previous_model(c, _plain), ""]
    if c.get("drift"):
        out.append("Сдвиг признаков (PSI; * — тест значим):")
        out += _table(["Признак", "PSI", "тест", "p", "вывод"],
                      [[r["label"], num(r["psi"], 3), r["test"], r["p"], r["verdict"]]
                       for r in _drift_rows(c)], {1, 3})
        out.append("")
    for key, title in (("new_categories", "Новые значения категорий"),
                       ("vanished_categories", "Исчезнувшие значения категорий")):
        rows = c.get(key) or []
        if rows:
            out.append(f"{title}:")
            out += [f"  {r['label']}: «{r['value']}» — {_clients(r['clients'])}" for r in rows]
            out.append("")
    if c.get("segments"):
        out.append("Сегменты (клиентов; прибыль под угрозой):")
        out += _table(["Сегмент", "было", "стало", "было, прибыль", "стало, прибыль"],
                      [[r["name"], r["previous_clients"], r["current_clients"],
                        r["previous_profit_at_risk"], r["current_profit_at_risk"]]
                       for r in _segment_rows(c, unit)], {1, 2, 3, 4})
        out.append("")
    out.append(_moved(c, unit).replace("`", ""))
    out += [f"Внимание: {COMPARISON_PROBLEMS.get(p, p)}" for p in c.get("problems", [])]
    return "\n".join(out) + "\n"


def skipped_revisions(skipped: list[R]) -> str:
    """«2026-10/r1 (changed: results.json …); …»: revisions passed over and why."""
    return "; ".join(f"{s['revision']} ({s['problem']})" for s in skipped)


def skipped_text(history: R | None) -> str | None:
    """One sentence on damaged earlier revisions passed over; None when there were none."""
    skipped = (history or {}).get("skipped") or []
    if not skipped:
        return None
    shown = skipped_revisions(skipped)
    what = ("Повреждённая ревизия архива не использована" if len(skipped) == 1
            else "Повреждённые ревизии архива не использованы")
    return f"{what} для сравнения: {shown}. Проверка: oneclick archive verify."
