"""The one Russian formatter: numbers, percentages, percentage points, money, plurals, months.

Every number the report, the figures and the action list show goes through
here. Conventions: decimal comma; a narrow no-break space between thousands
(``12 345``, ``4 971,6``); the minus sign «−»; a no-break space before «%»,
«п. п.» and a unit; «—» for a missing value. A *change* is shown with «+» when
positive (``signed=True``); a magnitude has no sign.

The module sits in ``analysis`` so that ``figures`` (tick labels) can import it
too; it holds no sentences.
"""

from __future__ import annotations

import math
import re
import string
from typing import Any

__all__ = ["MINUS", "NBSP", "THIN", "RussianFormatter", "money", "month_name", "num", "pct",
           "period_label", "plural", "pp", "quantity", "smart_num", "trimmed"]

THIN = "\u202f"
NBSP = "\u00a0"
MINUS = "\u2212"
MONTHS = ("январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август",
          "сентябрь", "октябрь", "ноябрь", "декабрь")


def _missing(value: float | None) -> bool:
    return value is None or not math.isfinite(float(value))


def _localise(text: str) -> str:
    return text.replace(",", THIN).replace(".", ",").replace("-", MINUS)


def _sign(value: float, signed: bool) -> str:
    return "+" if signed and value > 0 else ""


def num(value: float | None, digits: int = 0, *, signed: bool = False) -> str:
    """``12345.678`` → ``12 345,68`` with ``digits=2``; ``None``/NaN → «—».

    ``signed=True`` puts «+» before a positive value (a change).
    """
    if _missing(value):
        return "—"
    text = _localise(f"{float(value):,.{digits}f}")
    if text.startswith(MINUS) and not any(c in "123456789" for c in text):
        text = text[1:]                                     # no «−0»
    return _sign(float(value), signed) + text


def trimmed(value: float | None, digits: int = 2) -> str:
    """At most ``digits`` decimals, no trailing zeros: ``4971.6`` → ``4 971,6``, ``3.0`` → ``3``."""
    if _missing(value):
        return "—"
    rounded = round(float(value), digits) + 0.0
    text = num(rounded, digits)
    return text.rstrip("0").rstrip(",") if "," in text else text


def smart_num(value: float | None) -> str:
    """A value with as many decimals as its size needs: ``4`` → ``4``, ``0.245`` → ``0,25``."""
    if _missing(value):
        return "—"
    if abs(value) >= 100 or float(value).is_integer():
        return num(value, 0)
    text = num(value, 2 if abs(value) < 10 else 1)
    return text.rstrip("0").rstrip(",") if "," in text else text


def pct(share: float | None, digits: int = 1) -> str:
    """A fraction as a percentage: ``0.3831`` → ``38,3 %``."""
    if _missing(share):
        return "—"
    return f"{num(share * 100, digits)}{NBSP}%"


def pp(delta: float | None, digits: int = 1, *, signed: bool = False) -> str:
    """A fraction in percentage points: ``0.05`` → ``5,0 п. п.`` (``+5,0 п. п.`` if signed)."""
    if _missing(delta):
        return "—"
    return f"{num(delta * 100, digits, signed=signed)}{NBSP}п.{NBSP}п."


def money(value: float | None, unit: str = "₽", digits: int = 0, *,
          signed: bool = False) -> str:
    """An amount with its unit: ``1 234 тыс. ₽``."""
    if _missing(value):
        return "—"
    return f"{num(value, digits, signed=signed)}{NBSP}{unit}"


def plural(n: int, one: str, few: str, many: str) -> str:
    """Russian plural form for ``n``: клиент / клиента / клиентов."""
    n = abs(int(n))
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many


def quantity(n: int, one: str, few: str, many: str) -> str:
    """A count with its noun in the agreeing form: «501 клиент», «103 клиента», «2 534 клиентов».

    The one place a number meets a noun: ``quantity(n, "клиент", "клиента", "клиентов")``.
    For the genitive («из 1 клиента», «у 5 клиентов») pass the genitive forms
    (``"клиента", "клиентов", "клиентов"``).
    """
    return f"{num(n)} {plural(n, one, few, many)}"


_PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def month_name(month: int) -> str:
    """``11`` → «ноябрь»."""
    return MONTHS[month - 1]


def period_label(period: str) -> str:
    """``2026-11`` → «ноябрь 2026»; anything that is not ``YYYY-MM`` is returned unchanged."""
    match = _PERIOD.match(period)
    return f"{month_name(int(match.group(2)))} {match.group(1)}" if match else period


class RussianFormatter(string.Formatter):
    """``str.format`` whose numbers come out the Russian way.

    ``{x:.1f}`` gives ``4,5``; ``{x:,.0f}`` gives ``1 234``; ``{x:.0%}`` gives
    ``45 %``. Format specifications are the standard ones.
    """

    def format_field(self, value: Any, format_spec: str) -> str:
        """Format one field, then localise it when it is a number."""
        text = super().format_field(value, format_spec)
        if isinstance(value, bool) or not isinstance(value, int | float):
            return text
        if text.endswith("%"):
            return f"{_localise(text[:-1])}{NBSP}%"
        return _localise(text)
