"""This month's action list: one row per modelled client, its group, and the decision.

- ``group``: ``winback`` (activity already declined) or ``prevention``
  (still stable), see :mod:`analysis.segments.decision`.
- ``segment``: the one segment of the client, by priority (disjoint,
  :func:`analysis.segments.definitions.assign_segment`); ``category``: the
  client's favourite category (the offers «… любимой категории» need it).
- Two actions per client, each chosen by the same policy among the rules
  that fit its side (:func:`split_channels`):

  * the **CRM offer** (``offer``, ``channel``): a rule whose channel is a
    message channel the CRM sends (:data:`analysis.segments.offers.CRM_CHANNELS`),
    for a client who allows messages;
  * the **site personalisation** (``site_offer``, ``site_channel``): a rule
    shown on the site or in the personal account, and, for a client who does
    not allow messages, any rule through its fallback channel.

  The policy: a segment member gets the first of the segment's offers (of
  that side) whose condition fits the client individually, else the
  segment's first offer of that side; a client outside the segments gets the
  highest-priority catalogue rule of that side that fits. Only rules whose
  direction the data confirm (``segments["rule_checks"]``) are candidates.
- The decision: an action is taken when its expected value
  ``p × profit × uplift − cost`` is positive (``p = 1`` for win-back), the
  cost being the incentive plus its channel's contact cost;
  ``expected_value`` is the CRM offer's.
- The control draw: every CRM offer's receivers (per group) are split into
  ``test`` and ``control``; control clients get no CRM offer this month
  (empty ``offer`` and ``channel``), ``tested_offer`` keeps the rule id. Site
  personalisation is shown to test and control alike, so it does not bias the
  test of the CRM offer (and is not measured by it).

The frame holds codes, no words (the offer texts are the catalogue's
``action``); :mod:`report.actionlist` words the reasons and writes the files.
"""

from __future__ import annotations

import math

import pandas as pd

from analysis import glossary as g
from analysis.config import DecisionParams, SegmentParams
from analysis.explain.reasons import REASON_FIELDS, TOP_REASONS, reason_columns
from analysis.segments.decision import (
    channel_cost,
    client_group,
    control_arms,
    expected_value,
    exposure,
)
from analysis.segments.definitions import (
    aligned_probability,
    assign_segment,
    memberships,
    risk_level,
)
from analysis.segments.offers import (
    CRM_CHANNELS,
    OfferRule,
    client_matches,
    delivery_channel,
    load_rules,
)

__all__ = ["COLUMNS", "REASON_COLUMNS", "action_list", "split_channels"]

REASON_COLUMNS = tuple(reason_columns(k)[field] for k in range(1, TOP_REASONS + 1)
                       for field in REASON_FIELDS)
COLUMNS = ("id", "group", "decline_probability", "risk_level", "segment", "category", "profit",
           "exposure", "expected_value", *REASON_COLUMNS, "offer", "messages_allowed",
           "channel", "tested_offer", "arm", "site_rule", "site_offer", "site_channel")


def _match_table(rules: tuple[OfferRule, ...], clients: pd.DataFrame) -> pd.DataFrame:
    stable = clients[clients[g.TARGET].astype("string").eq(g.STABLE).fillna(False)]
    medians = stable[[f for f in g.NUMERIC if f in clients.columns]].median()
    return pd.DataFrame({r.id: client_matches(r, clients, medians) for r in rules},
                        index=clients.index)


def _choose_rules(match: pd.DataFrame, eligible: pd.DataFrame, segment: pd.Series,
                  segment_rules: dict[str, list[str]], order: list[str]) -> pd.Series:
    """Candidate rule id per client (``""`` for none), by the policy in the module docstring.

    ``eligible`` says which rules a client may get on this side (CRM or site);
    ``match`` whether the rule's condition fits the client.
    """
    fits = match & eligible
    chosen = pd.Series("", index=match.index, dtype=object)
    ruled = segment.map(lambda c: bool(segment_rules.get(c))).astype(bool)
    for rule_id in reversed(order):
        chosen[~ruled & fits[rule_id]] = rule_id
    for code, rule_ids in segment_rules.items():
        inside = segment == code
        for rule_id in reversed(rule_ids):
            chosen[inside & eligible[rule_id]] = rule_id
        for rule_id in reversed(rule_ids):
            chosen[inside & fits[rule_id]] = rule_id
    return chosen


def split_channels(rules: tuple[OfferRule, ...], allowed: pd.Series) -> pd.DataFrame:
    """Clients × rule ids: True where the rule reaches the client through the CRM.

    A rule reaches a client through the CRM when its channel is a message
    channel and the client allows messages; otherwise (a site rule, or no
    consent: the fallback channel) it is site personalisation.
    """
    return pd.DataFrame({r.id: allowed.to_numpy(dtype=bool) & (r.channel in CRM_CHANNELS)
                         for r in rules}, index=allowed.index)


def _segment_rules(segments: dict, rules: tuple[OfferRule, ...]) -> dict[str, list[str]]:
    known = {r.id for r in rules}
    return {s["code"]: [o["rule"] for o in s["offers"] if o["rule"] in known]
            for s in segments["segments"]}


def _reason_column(column: pd.Series) -> object:
    """A reason column with no record for missing clients: ``""`` codes, ``None`` values."""
    if column.name.endswith(("_feature", "_side")):
        return column.astype(object).where(column.notna(), "").astype(str).to_numpy(dtype=object)
    if column.name.endswith("_value"):
        return column.astype(object).where(column.notna(), None).to_numpy(dtype=object)
    return column.astype(float).to_numpy()


def _firing(segments: dict, rules: tuple[OfferRule, ...]) -> list[str]:
    checks = {c["rule"]: c["fires"] for c in segments.get("rule_checks", [])}
    return [r.id for r in rules if checks.get(r.id, True)]


def action_list(clients: pd.DataFrame, probability: pd.Series, reasons: pd.DataFrame,
                segments: dict, params: SegmentParams, decision: DecisionParams,
                seed: int, rules: tuple[OfferRule, ...] | None = None) -> pd.DataFrame:
    """One row per modelled client: prevention first, then by expected value.

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
        Segment thresholds, ``control_share``; ``offer_rules`` names the catalogue.
    decision
        Assumptions of the decision rule.
    seed
        Seed of the control draw (:func:`analysis.segments.decision.run_seed`).
    rules
        The catalogue, when already loaded.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COLUMNS` plus ``contact_cost`` (the CRM offer's contact
        cost, dropped by the writers).
    """
    rules = load_rules(params.offer_rules) if rules is None else rules
    by_id = {r.id: r for r in rules}
    p = aligned_probability(clients, probability)
    segment = assign_segment(memberships(clients, p, params))
    group = client_group(clients)
    firing = _firing(segments, rules)
    segment_rules = {code: [r for r in ids if r in firing]
                     for code, ids in _segment_rules(segments, rules).items()}
    allowed = clients[g.PERMISSION].astype("string").eq("да").fillna(False).astype(bool)
    match = _match_table(rules, clients)[firing]
    crm = split_channels(rules, allowed)[firing]
    chosen = _choose_rules(match, crm, segment, segment_rules, firing)
    site = _choose_rules(match, ~crm, segment, segment_rules, firing)
    channel = _channels(chosen, allowed, by_id)
    site_channel = _channels(site, allowed, by_id)
    cost = channel.map(lambda c: channel_cost(c, decision) if c else float("nan"))
    contact = channel.map(lambda c: channel_cost(c, decision) - decision.offer_cost
                          if c else float("nan"))
    profit = clients[g.PROFIT].astype(float)
    value = expected_value(p, profit, group, cost.astype(float), decision)
    site_cost = site_channel.map(lambda c: channel_cost(c, decision) if c else float("nan"))
    shown = expected_value(p, profit, group, site_cost.astype(float), decision).gt(0)
    site = site.where(shown & site.ne(""), "")
    selected = value.gt(0) & chosen.ne("")
    tested = chosen.where(selected, "")
    arm = control_arms((group + ":" + tested).where(selected, ""), params.control_share, seed)
    sent = selected & arm.eq("test")
    records = reasons.reindex(index=clients.index, columns=list(REASON_COLUMNS))
    frame = pd.DataFrame({
        "id": clients.index.astype(int), "group": group.to_numpy(),
        "decline_probability": p.to_numpy(),
        "risk_level": risk_level(p, params).to_numpy(), "segment": segment.to_numpy(),
        "category": clients[g.CATEGORY].astype("string").fillna("").astype(object).to_numpy(),
        "profit": profit.to_numpy(), "exposure": exposure(profit, p, group).to_numpy(),
        "expected_value": value.to_numpy(),
        **{c: _reason_column(records[c]) for c in REASON_COLUMNS},
        "offer": [by_id[r].action if s else "" for r, s in zip(chosen, sent, strict=True)],
        "messages_allowed": allowed.map({True: "да", False: "нет"}).to_numpy(),
        "channel": channel.where(sent, "").to_numpy(),
        "tested_offer": tested.to_numpy(), "arm": arm.to_numpy(),
        "site_rule": site.to_numpy(),
        "site_offer": [by_id[r].action if r else "" for r in site],
        "site_channel": site_channel.where(site.ne(""), "").to_numpy(),
        "contact_cost": contact.astype(float).to_numpy()})
    frame["_order"] = frame["group"].map({"prevention": 0, "winback": 1})
    frame["_value"] = frame["expected_value"].fillna(-math.inf)
    frame = frame.sort_values(["_order", "_value", "id"], ascending=[True, False, True],
                              kind="mergesort")
    return frame.reset_index(drop=True)[[*COLUMNS, "contact_cost"]]


def _channels(chosen: pd.Series, allowed: pd.Series, by_id: dict[str, OfferRule]) -> pd.Series:
    """The delivery channel of each client's rule (``""`` without one)."""
    return pd.Series([delivery_channel(by_id[r], a) if r else "" for r, a in zip(
        chosen, allowed, strict=True)], index=chosen.index, dtype=object)
