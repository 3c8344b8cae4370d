"""This month's action list: one row per modelled client with a segment and an offer.

Which offer a client gets:

- A client in several segments belongs to the one with the lowest
  ``priority`` (``promo_risk`` before ``electronics_decline``, see
  :mod:`analysis.segments.build`).
- A segment member gets the first of the segment's offers (in the segment's
  order) whose condition fits the client individually (a feature below or
  above the median of stable clients, a flag met); if none fits, the segment's
  first offer.
- A client outside every segment with medium or high risk gets the
  highest-priority catalogue rule that fits them; a low-risk client outside
  the segments gets no offer (empty ``offer`` and ``channel``): an offer to a
  client who is likely to stay costs money and is not what the list is for.
- The channel respects consent: without ``Разрешить сообщать`` = да no client
  gets email, sms, push, newsletter or call; the rule's fallback channel
  (site or personal account) carries the same offer instead.

The frame holds codes, no words: ``risk_level`` high/medium/low, ``segment``
code, ``channel`` code and the reason records of
:mod:`analysis.explain.reasons` (``reason_k_<field>``);
:mod:`report.actionlist` words the reasons and writes the CSV and the xlsx.
"""

from __future__ import annotations

import pandas as pd

from analysis import glossary as g
from analysis.config import SegmentParams
from analysis.explain.reasons import REASON_FIELDS, TOP_REASONS, reason_columns
from analysis.segments.definitions import (
    aligned_probability,
    assign_segment,
    memberships,
    risk_level,
)
from analysis.segments.offers import OfferRule, client_matches, delivery_channel, load_rules

__all__ = ["COLUMNS", "REASON_COLUMNS", "action_list"]

REASON_COLUMNS = tuple(reason_columns(k)[field] for k in range(1, TOP_REASONS + 1)
                       for field in REASON_FIELDS)
COLUMNS = ("id", "decline_probability", "risk_level", "segment", "profit", *REASON_COLUMNS,
           "offer", "messages_allowed", "channel", "profit_at_risk")


def _match_table(rules: tuple[OfferRule, ...], clients: pd.DataFrame) -> pd.DataFrame:
    stable = clients[clients[g.TARGET].astype("string").eq(g.STABLE).fillna(False)]
    medians = stable[[f for f in g.NUMERIC if f in clients.columns]].median()
    return pd.DataFrame({r.id: client_matches(r, clients, medians) for r in rules},
                        index=clients.index)


def _choose_rules(match: pd.DataFrame, segment: pd.Series, risk: pd.Series,
                  segment_rules: dict[str, list[str]], order: list[str]) -> pd.Series:
    """Rule id per client (``""`` for none), by the policy in the module docstring."""
    chosen = pd.Series("", index=match.index, dtype=object)
    free = (segment == "") | segment.map(lambda c: not segment_rules.get(c))
    for rule_id in reversed(order):
        chosen[free & (risk != "low") & match[rule_id]] = rule_id
    for code, rule_ids in segment_rules.items():
        if not rule_ids:
            continue
        inside = segment == code
        chosen[inside] = rule_ids[0]
        for rule_id in reversed(rule_ids):
            chosen[inside & match[rule_id]] = rule_id
    return chosen


def _segment_rules(segments: dict, rules: tuple[OfferRule, ...]) -> dict[str, list[str]]:
    known = {r.id for r in rules}
    return {s["code"]: [o["rule"] for o in s["offers"] if o["rule"] in known]
            for s in segments["segments"]}


def _reason_column(column: pd.Series) -> object:
    """A reason column with no record for missing clients: ``""`` codes, ``None`` values."""
    if column.name.endswith(("_feature", "_side")):
        return column.fillna("").astype(str).to_numpy(dtype=object)
    if column.name.endswith("_value"):
        return column.astype(object).where(column.notna(), None).to_numpy(dtype=object)
    return column.astype(float).to_numpy()


def action_list(clients: pd.DataFrame, probability: pd.Series, reasons: pd.DataFrame,
                segments: dict, params: SegmentParams,
                rules: tuple[OfferRule, ...] | None = None) -> pd.DataFrame:
    """One row per modelled client, highest profit at risk first.

    Parameters
    ----------
    clients
        Modelled clients, index ``id``.
    probability
        Calibrated ``decline_probability``, index ``id``, in [0, 1].
    reasons
        Reason records per client, ``reason_k_<field>`` (missing → no reason).
    segments
        The result of :func:`analysis.segments.build.build_segments` for the same
        clients, probabilities and parameters.
    params
        Segment thresholds; ``offer_rules`` names the catalogue.
    rules
        The catalogue, when already loaded.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COLUMNS`, sorted by ``profit_at_risk`` descending, then ``id``.
    """
    rules = load_rules(params.offer_rules) if rules is None else rules
    by_id = {r.id: r for r in rules}
    p = aligned_probability(clients, probability)
    segment = assign_segment(memberships(clients, p, params))
    risk = risk_level(p, params)
    chosen = _choose_rules(_match_table(rules, clients), segment, risk,
                           _segment_rules(segments, rules), [r.id for r in rules])
    allowed = clients[g.PERMISSION].astype("string").eq("да").fillna(False).astype(bool)
    records = reasons.reindex(index=clients.index, columns=list(REASON_COLUMNS))
    profit = clients[g.PROFIT].astype(float)
    frame = pd.DataFrame({
        "id": clients.index.astype(int), "decline_probability": p.to_numpy(),
        "risk_level": risk.to_numpy(), "segment": segment.to_numpy(),
        "profit": profit.to_numpy(),
        **{c: _reason_column(records[c]) for c in REASON_COLUMNS},
        "offer": [by_id[r].action if r else "" for r in chosen],
        "messages_allowed": allowed.map({True: "да", False: "нет"}).to_numpy(),
        "channel": [delivery_channel(by_id[r], a) if r else "" for r, a in zip(
            chosen, allowed, strict=True)],
        "profit_at_risk": (p * profit).to_numpy()})
    frame = frame.sort_values(["profit_at_risk", "id"], ascending=[False, True],
                              kind="mergesort")
    return frame.reset_index(drop=True)[list(COLUMNS)]
