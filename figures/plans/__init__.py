"""Figure plans: for each figure, the facts its captions are written from and how to draw it.

:data:`PLANS` lists the plan factories in report order. Each takes the
results bundle and returns one plan or a list of plans; it raises
:class:`figures.reader.Missing` when the bundle lacks what it needs.
"""

from __future__ import annotations

from collections.abc import Callable

from figures.plans import behaviour, drivers, model, segments, trend
from figures.plans._common import Facts, Plan, client_value_text, probability_text, value_text
from figures.reader import Bundle

__all__ = ["PLANS", "Facts", "Plan", "PlanFactory", "client_value_text", "probability_text",
           "value_text"]

PlanFactory = Callable[[Bundle], Plan | list[Plan]]

PLANS: tuple[PlanFactory, ...] = (
    segments.exposure_split,  # page 1
    trend.trend,
    # behaviour
    behaviour.numeric_histograms,
    behaviour.categorical_shares,
    behaviour.phik_heatmap,
    behaviour.monthly_activity,
    # model
    model.roc_pr,
    model.confusion_matrix,
    model.calibration,
    # drivers
    drivers.shap_beeswarm,
    drivers.shap_examples,
    # segments
    segments.segment_map,
    segments.segment_differences,
)
"""Every figure, one factory a line in report order: a new figure is one more line here
(its colours from :mod:`figures.theme`; the palette test draws every plan listed)."""
