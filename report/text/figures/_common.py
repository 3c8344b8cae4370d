"""What every figure caption shares: the :class:`Caption` and the small word helpers."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from analysis.rutext import NBSP, num, pct, plural, smart_num

__all__ = [
    "Caption",
    "Facts",
    "capital",
    "clients",
    "compare",
    "joined",
    "money",
    "number",
    "pair",
    "quoted",
    "quoted_all",
    "signed_pct",
]

Facts = Mapping[str, Any]
"""A figure's facts as ``figures/index.json`` stores them."""


@dataclass(frozen=True)
class Caption:
    """The three texts of one figure: finding, one sentence for the reader, alt text."""

    title: str
    takeaway: str
    alt: str

def number(value: float | None) -> float:
    """A fact's number; a missing one (``None``) is NaN, as the formatters expect."""
    return math.nan if value is None else float(value)


def pair(a: float, b: float) -> tuple[str, str]:
    """Two values compared in one sentence, with the same number of decimals: «11,0», «14,6»."""
    digits = max(len(t.split(",")[1]) if "," in t else 0 for t in (smart_num(a), smart_num(b)))
    return num(a, digits), num(b, digits)


def compare(a: float, b: float, less: str = "меньше", more: str = "больше",
            same: str = "столько же") -> str:
    """The word for ``a`` against ``b``."""
    if math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12):
        return same
    return less if a < b else more


def quoted(text: str) -> str:
    """«text»."""
    return f"«{text}»"


def joined(items: Sequence[str], last: str = "и") -> str:
    """«a», «b» и «c» style enumeration of already formatted items."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {last} {items[-1]}"


def signed_pct(share: float, digits: int = 1) -> str:
    """``0.05`` → «+5,0 %», ``-0.05`` → «−5,0 %»."""
    return ("+" if share > 0 else "") + pct(share, digits)


def capital(text: str) -> str:
    """First letter upper case, the rest untouched (unlike ``str.capitalize``)."""
    return text[:1].upper() + text[1:]


def quoted_all(labels: Sequence[str]) -> str:
    return joined([quoted(label) for label in labels])


def clients(n: int, genitive: bool = False) -> str:
    """«201 клиент» (nominative) or «у 201 клиента» style genitive."""
    forms = ("клиента", "клиентов", "клиентов") if genitive else ("клиент", "клиента", "клиентов")
    return f"{num(n)} {plural(n, *forms)}"


def money(value: float, unit: str) -> str:
    return f"{num(value, 1)}{NBSP}{unit}"
