"""Numbers the Russian way: decimal comma, thin space between thousands, "%" after a space."""

from __future__ import annotations

import math

__all__ = ["money", "num", "pct", "plural", "pp"]

THIN = "\u202f"  # narrow no-break space: thousands separator
NBSP = "\u00a0"


def num(value: float | int | None, digits: int = 0) -> str:
    """``12345.678`` → ``12 345,68`` with ``digits=2``; ``None``/NaN → «—»."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    text = f"{value:,.{digits}f}"
    text = text.replace(",", THIN).replace(".", ",")
    return text.replace("-", "−")


def pct(share: float | None, digits: int = 1) -> str:
    """A fraction as a percentage: ``0.3831`` → ``38,3 %``."""
    if share is None:
        return "—"
    return f"{num(share * 100, digits)}{NBSP}%"


def pp(delta: float | None, digits: int = 1) -> str:
    """A change of a fraction in percentage points, signed: ``+1,2 п. п.``."""
    if delta is None:
        return "—"
    sign = "+" if delta > 0 else ""
    return f"{sign}{num(delta * 100, digits)}{NBSP}п.{NBSP}п."


def money(value: float | None, unit: str = "₽", digits: int = 0) -> str:
    """An amount with its unit: ``1 234 тыс. ₽``."""
    if value is None:
        return "—"
    return f"{num(value, digits)}{NBSP}{unit}"


def plural(n: int, one: str, few: str, many: str) -> str:
    """Russian plural form for ``n``: клиент / клиента / клиентов."""
    n = abs(int(n))
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many
