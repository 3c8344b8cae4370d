"""The data-quality log in words: each repair, exclusion and warning from its code and details.

The data stage records what it did as a code with JSON-ready details
(:class:`analysis.data.quality.QualityEntry`); this module says it in Russian
for the report's data-quality section and for ``oneclick validate``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from analysis.rutext import num

__all__ = ["quality_text"]

R = Mapping[str, Any]


def _typo(d: R) -> str:
    return f"опечатка «{d['wrong']}» исправлена на «{d['right']}»"


def _outlier(d: R) -> str:
    values = ", ".join(num(v, 1) for v in d["values"])
    return (f"выброс выручки ({values}) выше {num(d['factor'])} медиан месяца заменён средней "
            "выручкой клиента за другие месяцы")


def _duplicates(d: R) -> str:
    shown = "; ".join(" = ".join(str(i) for i in ids) for ids in d["sets"])
    return (f"повторы клиентов — одинаковые признаки под разными id ({shown}): в модели каждая "
            "группа повторов целиком попадает либо в обучение, либо в проверку")


_WRITERS: dict[str, Callable[[R], str]] = {
    "typo": _typo,
    "case": lambda d: "значения приведены к принятому написанию (регистр, пробелы)",
    "extra_columns": lambda d: f"лишние столбцы не используются: {', '.join(d['columns'])}",
    "revenue_outlier": _outlier,
    "missing": lambda d: "пропущенное значение: клиент исключён из модели",
    "inactive": lambda d: ("нулевая выручка хотя бы в одном из трёх месяцев: клиент не был "
                           "активен все три месяца и исключён из модели"),
    "new_category": lambda d: f"новая категория «{d['value']}» сохранена как есть",
    "duplicate_clients": _duplicates,
}


def quality_text(entry: R | Any) -> str:
    """One sentence for a data-quality entry (a dict from ``results.json`` or the entry itself)."""
    get = entry.get if isinstance(entry, Mapping) else lambda key: getattr(entry, key)
    code, details = get("code"), get("details") or {}
    writer = _WRITERS.get(code)
    return writer(details) if writer else str(code)
