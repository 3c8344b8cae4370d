"""The data-quality log in words: each repair, exclusion and warning from its code and details.

The data stage records what it did as a code with JSON-ready details
(:class:`analysis.data.quality.QualityEntry`); this module says it in Russian
for the report's data-quality section and for ``oneclick validate``. Values
from the data are shown at most ``LABEL_LIMIT`` characters long
(:func:`analysis.data.quality.shorten_label`), the cut marked with «…».
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from analysis.data.quality import shorten_label
from analysis.errors import format_items
from analysis.rutext import num, quantity

__all__ = ["quality_text"]

R = Mapping[str, Any]


def _typo(d: R) -> str:
    return f"опечатка «{d['wrong']}» исправлена на «{d['right']}»"


def _outlier(d: R) -> str:
    values = ", ".join(num(v, 1) for v in d["values"])
    medians = quantity(d["factor"], "медианы", "медиан", "медиан")
    return (f"выброс выручки ({values}) выше {medians} месяца заменён средней выручкой "
            "клиента за другие месяцы")


def _lines(d: R) -> str:
    return format_items(d.get("lines") or [])


def _control_chars(d: R) -> str:
    return ("удалены управляющие символы (невидимые коды вроде ESC, BEL или перевода "
            f"страницы, которые могли бы испортить отчёт и таблицы), строки файла: {_lines(d)}")


def _empty_rows(d: R) -> str:
    return f"пропущены строки без единого значения (одни разделители), строки файла: {_lines(d)}"


def _long_label(d: R) -> str:
    shown = ", ".join(f"«{v}»" for v in d["shown"])
    limit = quantity(d["limit"], "символа", "символов", "символов")
    return (f"значения длиннее {limit} (самое длинное — "
            f"{quantity(d['longest'], 'символ', 'символа', 'символов')}) сохранены целиком, "
            f"а на графиках и в таблицах отчёта сокращены до {limit} с «…»: {shown}")


def _duplicates(d: R) -> str:
    shown = "; ".join(" = ".join(str(i) for i in ids) for ids in d["sets"])
    return (f"повторы клиентов — одинаковые признаки под разными id ({shown}): в модели каждая "
            "группа повторов целиком попадает либо в обучение, либо в проверку")


_WRITERS: dict[str, Callable[[R], str]] = {
    "typo": _typo,
    "case": lambda d: "значения приведены к принятому написанию (регистр, пробелы)",
    "extra_columns": lambda d: ("лишние столбцы не используются: "
                                + ", ".join(shorten_label(c) for c in d["columns"])),
    "revenue_outlier": _outlier,
    "missing": lambda d: "пропущенное значение: клиент исключён из модели",
    "inactive": lambda d: ("нулевая выручка хотя бы в одном из трёх месяцев: клиент не был "
                           "активен все три месяца и исключён из модели"),
    "new_category": lambda d: f"новая категория «{shorten_label(d['value'])}» сохранена как есть",
    "duplicate_clients": _duplicates,
    "control_chars": _control_chars,
    "empty_rows": _empty_rows,
    "long_label": _long_label,
}


def quality_text(entry: R | Any) -> str:
    """One sentence for a data-quality entry (a dict from ``results.json`` or the entry itself)."""
    get = entry.get if isinstance(entry, Mapping) else lambda key: getattr(entry, key)
    code, details = get("code"), get("details") or {}
    writer = _WRITERS.get(code)
    return writer(details) if writer else str(code)
