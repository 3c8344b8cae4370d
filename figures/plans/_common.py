"""What a figure plan is, and the value formatters its chart labels share.

A plan holds everything about one figure except the figure object itself: its
name, its section, its ``facts`` (the numbers and codes its captions need), its
size and grid, and a ``draw`` callback that fills the axes the builder gives it.
Plans are cheap to make (no drawing). The captions (title, takeaway, alt text)
are written from the facts by ``report.text.figures``; the figures stage writes
no sentence.
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

__all__ = ["Facts", "Plan", "client_value_text", "optional", "probability_text", "value_text"]

Facts = dict[str, Any]
"""JSON-ready numbers, codes and names a figure's captions are written from."""

_SHARE_FEATURES = frozenset({g.PROMO})


@dataclass(frozen=True)
class Plan:
    """One figure to draw.

    Attributes
    ----------
    name
        File stem, unique in the run (``numeric_histograms``).
    section
        Report section: ``summary`` (page 1), ``behaviour``, ``model``, ``drivers`` or
        ``segments``.
    facts
        What the captions say, as JSON-ready numbers and codes (see
        ``report.text.figures`` for the sentences written from them).
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
    facts: Facts
    draw: Callable[[Sequence[Axes]], None]
    shape: tuple[int, int] = (1, 1)
    height: float = 3.2
    grid: Mapping[str, Any] = field(default_factory=dict)
    width: float = theme.WIDTH


def optional(value: Any) -> float | None:
    """A number for the facts: ``None`` for a missing or NaN value, else a plain ``float``."""
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


def value_text(feature: str, value: float | None) -> str:
    """A feature value as the reader sees it: shares as %, units from the glossary."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if feature in _SHARE_FEATURES:
        return pct(value, 0)
    unit = g.GLOSSARY[feature].unit if feature in g.GLOSSARY else ""
    return smart_num(value) + (f"{NBSP}{unit}" if unit else "")


def client_value_text(feature: str, value: Any) -> str:
    """A client's value of a feature: numbers through :func:`value_text`, categories as is."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value_text(feature, float(value))
    return str(value)


def probability_text(p: float) -> str:
    """A probability as a percentage that never reads as a certain 0 % or 100 %."""
    if p > 0.995:
        return g.CHART.above.format(value=pct(0.99, 0))
    if p < 0.005:
        return g.CHART.below.format(value=pct(0.01, 0))
    return pct(p, 0)
