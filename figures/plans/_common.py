"""What a figure plan is, and the small text helpers its captions share.

A plan holds everything about one figure except the figure object itself: its
name, its computed finding (title), takeaway and alt text, its size and grid,
and a ``draw`` callback that fills the axes the builder gives it. Plans are
cheap to make (no drawing), so captions can be computed and tested without
rendering.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from matplotlib.axes import Axes

from analysis import glossary as g
from analysis.rutext import NBSP, pct, smart_num
from figures import theme

__all__ = ["Plan", "capital", "compare", "joined", "quoted", "signed_pct", "value_text"]

_SHARE_FEATURES = frozenset({g.PROMO})


@dataclass(frozen=True)
class Plan:
    """One figure to draw.

    Attributes
    ----------
    name
        File stem, unique in the run (``target_balance``).
    section
        Report section: ``behaviour``, ``model``, ``drivers`` or ``segments``.
    title, takeaway, alt
        The computed finding, one sentence for the reader, the alt text.
    draw
        Fills the axes (row-major, ``shape`` of them) with the plot functions.
    shape
        Rows and columns of the axes grid.
    height
        Figure height in inches; the width is :data:`figures.theme.WIDTH`.
    grid
        Extra ``gridspec_kw`` (height or width ratios).
    """

    name: str
    section: str
    title: str
    takeaway: str
    alt: str
    draw: Callable[[Sequence[Axes]], None]
    shape: tuple[int, int] = (1, 1)
    height: float = 3.2
    grid: Mapping[str, Any] = field(default_factory=dict)
    width: float = theme.WIDTH


def value_text(feature: str, value: float | None) -> str:
    """A feature value as the reader sees it: shares as %, units from the glossary."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if feature in _SHARE_FEATURES:
        return pct(value, 0)
    unit = g.GLOSSARY[feature].unit if feature in g.GLOSSARY else ""
    return smart_num(value) + (f"{NBSP}{unit}" if unit else "")


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
