"""Numbers the Russian way for the report: decimal comma, narrow no-break space between
thousands, "%" after a space, "₽" for money.

The conventions live in :mod:`analysis.rutext` (the analysis layer builds some sentences
too and may not import the report layer); this module adds what only the report shows.
"""

from __future__ import annotations

from analysis.rutext import NBSP, THIN, num, pct, plural

__all__ = ["NBSP", "THIN", "money", "num", "pct", "plural", "pp"]


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
