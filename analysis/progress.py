"""How a long loop of the analysis tells how far it has got, without knowing who listens.

The analysis never prints: a loop that takes seconds (the model search, the
cross-fitting, SHAP) calls a :class:`Progress` callback with a step code, the
units done and the units in all. The caller decides what to show
(``report.progress`` draws bars; tests record the calls); the default,
:func:`no_progress`, does nothing. Step codes are English identifiers, the
words for them belong to whoever displays them.
"""

from __future__ import annotations

from typing import Protocol

__all__ = ["CROSS_FIT", "FIGURES", "PDF", "SEARCH", "SHAP", "Progress", "no_progress"]

SEARCH = "search"
"""Model search: one unit is one configuration fitted and scored on one CV fold."""
CROSS_FIT = "cross_fit"
"""Cross-fitting of the calibrated model: one unit is one CV split."""
SHAP = "shap"
"""SHAP values: one unit is one client explained."""
FIGURES = "figures"
"""Figures stage (``figures.build``): one unit is one figure drawn."""
PDF = "pdf"
"""PDF stage: one unit is one of WeasyPrint's rendering steps."""


class Progress(Protocol):
    """A progress callback: ``done`` of ``total`` units of step ``step`` are finished.

    Calls for one step come with the same ``total`` and a ``done`` that never
    decreases, ending with ``done == total``.
    """

    def __call__(self, step: str, done: int, total: int) -> None:
        """Record that ``done`` of ``total`` units of ``step`` are finished."""


def no_progress(step: str, done: int, total: int) -> None:
    """The callback that shows nothing (the default everywhere)."""
