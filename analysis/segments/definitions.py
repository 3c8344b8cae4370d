"""The segments of the original study and the risk tiers, as rules over the client table.

Segments (thresholds from :class:`~analysis.config.SegmentParams`):

- ``promo_risk`` «Охотники за акциями в зоне риска»: share of promo
  purchases ≥ ``promo_high`` and decline probability ≥ ``probability_high``;
- ``electronics_decline`` «Любители техники со снижением активности»: favourite
  category in ``electronics_categories`` and (activity already declined or
  probability ≥ ``probability_high``).

A client may belong to both. Where one segment has to be chosen (the action
list), the lower ``priority`` wins: ``promo_risk`` first, because every one of
its clients is at high predicted risk now, while the electronics segment also
holds clients whose decline is already recorded but whose predicted risk is low.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analysis import glossary as g
from analysis.config import SegmentParams

__all__ = ["SEGMENTS", "SegmentDefinition", "Thresholds", "aligned_probability",
           "assign_segment", "memberships", "risk_level"]

Thresholds = Mapping[str, Any]


@dataclass(frozen=True)
class SegmentDefinition:
    """A segment rule with its thresholds taken from the parameters.

    Attributes
    ----------
    code, name, priority
        Machine name, Russian name, precedence (1 wins) in the action list.
    thresholds
        Parameters → the thresholds the rule uses (stated in the output; the
        report words the rule from its code and these values).
    members
        ``(clients, probability, thresholds)`` → boolean mask.
    numeric
        Thresholds swept in the sensitivity analysis.
    """

    code: str
    name: str
    priority: int
    thresholds: Callable[[SegmentParams], dict[str, Any]]
    members: Callable[[pd.DataFrame, pd.Series, Thresholds], pd.Series]
    numeric: tuple[str, ...]


def _promo_members(clients: pd.DataFrame, probability: pd.Series, t: Thresholds) -> pd.Series:
    return (clients[g.PROMO] >= t["promo_high"]) & (probability >= t["probability_high"])


def _electronics_members(clients: pd.DataFrame, probability: pd.Series,
                         t: Thresholds) -> pd.Series:
    declined = clients[g.TARGET].astype("string").eq(g.DECLINED).fillna(False)
    liked = clients[g.CATEGORY].isin(list(t["electronics_categories"]))
    return liked & (declined | (probability >= t["probability_high"]))


SEGMENTS: tuple[SegmentDefinition, ...] = (
    SegmentDefinition(
        code="promo_risk", name="Охотники за акциями в зоне риска", priority=1,
        thresholds=lambda p: {"promo_high": p.promo_high,
                              "probability_high": p.probability_high},
        members=_promo_members,
        numeric=("promo_high", "probability_high")),
    SegmentDefinition(
        code="electronics_decline", name="Любители техники со снижением активности",
        priority=2,
        thresholds=lambda p: {"electronics_categories": list(p.electronics_categories),
                              "probability_high": p.probability_high},
        members=_electronics_members,
        numeric=("probability_high",)),
)


def aligned_probability(clients: pd.DataFrame, probability: pd.Series) -> pd.Series:
    """``probability`` in the order of ``clients``; every client must have one in [0, 1]."""
    aligned = probability.reindex(clients.index)
    if aligned.isna().any() or not aligned.between(0, 1).all():
        raise ValueError("decline_probability must be given in [0, 1] for every client")
    return aligned.astype(float)


def memberships(clients: pd.DataFrame, probability: pd.Series,
                params: SegmentParams) -> pd.DataFrame:
    """Boolean membership per segment code (columns in priority order), index ``id``."""
    p = aligned_probability(clients, probability)
    return pd.DataFrame({d.code: d.members(clients, p, d.thresholds(params)).astype(bool)
                         for d in sorted(SEGMENTS, key=lambda d: d.priority)},
                        index=clients.index)


def assign_segment(membership: pd.DataFrame) -> pd.Series:
    """The highest-priority segment code of each client; ``""`` for none."""
    chosen = pd.Series("", index=membership.index, dtype=object)
    for code in reversed(membership.columns):
        chosen[membership[code]] = code
    return chosen


def risk_level(probability: pd.Series, params: SegmentParams) -> pd.Series:
    """``high`` (≥ risk_high), ``medium`` (≥ risk_medium) or ``low`` per client."""
    levels = np.where(probability >= params.risk_high, "high",
                      np.where(probability >= params.risk_medium, "medium", "low"))
    return pd.Series(levels, index=probability.index, name="risk_level", dtype=object)
