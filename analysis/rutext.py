"""Numbers inside Russian sentences of the results bundle (offers, profiles, tests).

The report layer has its own formatter (``report.text.fmt``); the analysis layer may
not import it (imports go ``report → analysis``), yet some sentences are built
here, so the same conventions are repeated: decimal comma, narrow no-break
space between thousands, "%" after a no-break space, "−" for minus.
"""

from __future__ import annotations

import math
import string
from typing import Any

__all__ = ["RussianFormatter", "num", "pct", "plural", "pp", "smart_num"]

THIN = "\u202f"
NBSP = "\u00a0"


def _localise(text: str) -> str:
    return text.replace(",", THIN).replace(".", ",").replace("-", "−")


def num(value: float | None, digits: int = 0) -> str:
    """``12345.678`` → ``12 345,68`` with ``digits=2``; ``None``/NaN → «—»."""
    if value is None or math.isnan(value):
        return "—"
    return _localise(f"{value:,.{digits}f}")


def smart_num(value: float | None) -> str:
    """A value with as many decimals as it needs: ``4`` → ``4``, ``0.245`` → ``0,25``."""
    if value is None or math.isnan(value):
        return "—"
    if abs(value) >= 100 or float(value).is_integer():
        return num(value, 0)
    text = num(value, 2 if abs(value) < 10 else 1)
    return text.rstrip("0").rstrip(",") if "," in text else text


def pct(share: float | None, digits: int = 1) -> str:
    """A fraction as a percentage: ``0.3831`` → ``38,3 %``."""
    if share is None:
        return "—"
    return f"{num(share * 100, digits)}{NBSP}%"


def pp(delta: float | None, digits: int = 1) -> str:
    """A fraction in percentage points: ``0.05`` → ``5,0 п. п.``."""
    if delta is None:
        return "—"
    return f"{num(delta * 100, digits)}{NBSP}п.{NBSP}п."


def plural(n: int, one: str, few: str, many: str) -> str:
    """Russian plural form for ``n``: клиент / клиента / клиентов."""
    n = abs(int(n))
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many


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
