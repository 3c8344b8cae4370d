"""The figures' captions: each figure's title (the finding), takeaway and alt text.

The figures stage draws the PNGs and, for each, records ``facts``: the numbers
and codes its captions need (``figures/index.json``). This package writes the
Russian sentences from them, so that the figures stage holds no prose:
:func:`caption` for one figure, :func:`with_captions` for a figure spec as the
documents use it. One module per report section, as in ``figures.plans``;
numbers are formatted with :mod:`analysis.rutext`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from report.text.figures import behaviour, drivers, model, segments, trend
from report.text.figures._common import Caption, Facts

__all__ = ["WRITERS", "Caption", "caption", "with_captions"]

WRITERS: dict[str, Callable[[Facts], Caption]] = {
    **behaviour.WRITERS, **model.WRITERS, **drivers.WRITERS, **segments.WRITERS,
    **trend.WRITERS}
"""Caption writer per figure name."""


def caption(name: str, facts: Facts) -> Caption:
    """Title, takeaway and alt text of figure ``name`` from its facts.

    Raises
    ------
    KeyError
        For a figure name this package has no captions for.
    """
    return WRITERS[name](facts)


def with_captions(spec: Mapping[str, Any]) -> dict[str, Any]:
    """A figure spec (``name``, ``path``, ``section``, ``facts``) with its three texts added."""
    text = caption(spec["name"], spec.get("facts") or {})
    return {**spec, "title": text.title, "takeaway": text.takeaway, "alt": text.alt}
