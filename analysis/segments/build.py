"""Risk × profit view, profiles of the study segments, their offers and sensitivity.

Segments are disjoint: a client belongs to the highest-priority segment whose
rule it meets (:func:`analysis.segments.definitions.assign_segment`), and the
profile, counts and sensitivity of a segment are of its own clients. Profit
figures are split by group: ``winback`` (already declined: their profit) and
``prevention`` (still stable: exposure ``p × profit``). ``profit_at_risk``
keys hold the prevention exposure only. The risk × profit cells and the
coverage are of prevention clients (for the others the decline is observed).
The offer tests are designed on the action list (:mod:`analysis.segments.test_design`).

Inputs are the modelled clients (index ``id``, export column names), the
calibrated ``decline_probability`` per client and SHAP contributions toward
decline summed per source feature. :func:`build_segments` returns the
JSON-ready ``segments`` part of the results bundle. The segment rules
themselves live in :mod:`analysis.segments.definitions`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from analysis import glossary as g
from analysis.config import SegmentParams
from analysis.segments.decision import client_group
from analysis.segments.definitions import (
    SEGMENTS,
    SegmentDefinition,
    Thresholds,
    aligned_probability,
    assign_segment,
    memberships,
    risk_level,
)
from analysis.segments.offers import OfferRule, delivery_channel, load_rules
from analysis.segments.profiles import (
    differences,
    drivers,
    rule_check,
    rule_evidence,
    select_offers,
)

__all__ = ["build_segments", "coverage", "json_ready", "sensitivity", "value_at_risk"]


def value_at_risk(clients: pd.DataFrame, probability: pd.Series,
                  params: SegmentParams) -> tuple[list[dict], dict]:
    """Risk tier × profit tier cells and the thresholds used.

    Returns
    -------
    cells : list of dict
        For risk ``high, medium, low`` × profit ``high, low``: clients, mean
        probability (``None`` if empty), total profit and profit at risk
        (sum of probability × profit).
    thresholds : dict
        Probability cut-offs and the profit threshold (the
        ``profit_high_quantile`` quantile of profit).
    """
    p = aligned_probability(clients, probability)
    profit = clients[g.PROFIT].astype(float)
    threshold = float(profit.quantile(params.profit_high_quantile))
    risk = risk_level(p, params)
    tier = pd.Series(np.where(profit >= threshold, "high", "low"), index=clients.index)
    cells = []
    for r_code in ("high", "medium", "low"):
        for p_code in ("high", "low"):
            hit = (risk == r_code) & (tier == p_code)
            cells.append({"risk": r_code, "profit": p_code,
                          "clients": int(hit.sum()),
                          "mean_probability": float(p[hit].mean()) if hit.any() else None,
                          "total_profit": float(profit[hit].sum()),
                          "profit_at_risk": float((p[hit] * profit[hit]).sum())})
    return cells, {"risk_high": params.risk_high, "risk_medium": params.risk_medium,
                   "profit_high_quantile": params.profit_high_quantile,
                   "profit_threshold": threshold}


def _size_and_risk(definition: SegmentDefinition, clients: pd.DataFrame, p: pd.Series,
                   thresholds: Thresholds, taken: pd.Series | None = None) -> tuple[int, float]:
    """Clients of the segment (outside ``taken``) and their prevention exposure."""
    hit = definition.members(clients, p, thresholds).astype(bool)
    if taken is not None:
        hit &= ~taken
    stable = client_group(clients).eq("prevention")
    return int(hit.sum()), float((p[hit & stable] * clients.loc[hit & stable, g.PROFIT]).sum())


def sensitivity(definition: SegmentDefinition, clients: pd.DataFrame, probability: pd.Series,
                params: SegmentParams, taken: pd.Series | None = None) -> dict:
    """Size and profit at risk when each numeric threshold moves by ± ``sensitivity_step``.

    The move is relative (0.6 ± 10 % → 0.54 and 0.66), clipped to [0, 1]. The
    verdict is ``sensitive`` when some move changes the size by more
    than ``sensitivity_limit`` (relative; for an empty segment, when a move
    makes it non-empty), otherwise ``stable``. Clients in ``taken`` (members of
    higher-priority segments) are not counted, so the base size is the
    segment's disjoint size.
    """
    p = aligned_probability(clients, probability)
    base_t = definition.thresholds(params)
    base_size, base_risk = _size_and_risk(definition, clients, p, base_t, taken)
    rows, changes = [], []
    for name in definition.numeric:
        variants = []
        for shift in (-params.sensitivity_step, params.sensitivity_step):
            value = min(1.0, max(0.0, base_t[name] * (1 + shift)))
            size, risk = _size_and_risk(definition, clients, p, {**base_t, name: value},
                                        taken)
            change = (size - base_size) / base_size if base_size else None
            changes.append(math.inf if change is None and size else abs(change or 0.0))
            variants.append({"shift": shift, "value": value, "clients": size,
                             "profit_at_risk": risk, "size_change": change})
        rows.append({"threshold": name, "base": base_t[name], "variants": variants})
    worst = max(changes, default=0.0)
    return {"base_clients": base_size, "base_profit_at_risk": base_risk, "thresholds": rows,
            "max_size_change": None if math.isinf(worst) else worst,
            "limit": params.sensitivity_limit,
            "verdict": "sensitive" if worst > params.sensitivity_limit else "stable"}


def _offers(segment: pd.DataFrame, stable: pd.DataFrame, rules: tuple[OfferRule, ...],
            params: SegmentParams, firing: frozenset[str]) -> list[dict]:
    found = [e for r in rules if (e := rule_evidence(r, segment, stable, params)) is not None]
    return [{"rule": e.rule.id, "title": e.title, "action": e.rule.action,
             "channel": e.rule.channel,
             "channel_for_no_permission": delivery_channel(e.rule, messages_allowed=False),
             "priority": e.rule.priority, "evidence": "strong" if e.strong else "weak",
             "basis": e.basis}
            for e in select_offers(found, params, firing=firing)]


def _groups(clients: pd.DataFrame, p: pd.Series, hit: pd.Series) -> dict:
    group = client_group(clients)
    profit = clients[g.PROFIT].astype(float)
    win, prev = hit & group.eq("winback"), hit & group.eq("prevention")
    return {"winback": {"clients": int(win.sum()), "profit": float(profit[win].sum())},
            "prevention": {"clients": int(prev.sum()), "profit": float(profit[prev].sum()),
                           "exposure": float((p[prev] * profit[prev]).sum())}}


def _profile(definition: SegmentDefinition, clients: pd.DataFrame, p: pd.Series,
             hit: pd.Series, taken: pd.Series, shap_by_feature: pd.DataFrame,
             rules: tuple[OfferRule, ...], params: SegmentParams,
             firing: frozenset[str]) -> dict:
    segment = clients[hit]
    stable = clients[~hit & clients[g.TARGET].astype("string").eq(g.STABLE).fillna(False)]
    groups = _groups(clients, p, hit)
    return {
        "code": definition.code, "name": definition.name, "priority": definition.priority,
        "thresholds": definition.thresholds(params),
        "clients": int(hit.sum()), "share": float(hit.mean()),
        "groups": groups,
        "mean_probability": float(p[hit].mean()) if hit.any() else None,
        "mean_profit": float(segment[g.PROFIT].mean()) if hit.any() else None,
        "profit_at_risk": groups["prevention"]["exposure"],
        "declined_share": float(segment[g.TARGET].eq(g.DECLINED).mean()) if hit.any() else None,
        "stable_clients_compared": len(stable),
        "differences": differences(segment, stable, params.profile_features),
        "drivers": drivers(shap_by_feature, segment.index),
        "offers": _offers(segment, stable, rules, params, firing),
        "sensitivity": sensitivity(definition, clients, p, params, taken),
    }


def _json_ready(value: Any) -> Any:
    """Plain JSON types, floats rounded to 6 decimals, NaN → None."""
    if isinstance(value, dict):
        return {str(k): _json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_ready(v) for v in value]
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else round(float(value), 6) + 0.0
    return value


json_ready = _json_ready


def build_segments(clients: pd.DataFrame, probability: pd.Series,
                   shap_by_feature: pd.DataFrame, params: SegmentParams,
                   rules: tuple[OfferRule, ...] | None = None) -> dict:
    """The segments part of the results bundle.

    Parameters
    ----------
    clients
        Modelled clients, index ``id``, export column names.
    probability
        Calibrated ``decline_probability`` per client, in [0, 1].
    shap_by_feature
        SHAP contributions toward decline per source feature, index ``id``
        (may cover more clients).
    params
        Thresholds and test settings.
    rules
        Offer catalogue; read from ``params.offer_rules`` when omitted.

    Returns
    -------
    dict
        ``{"clients", "profit_at_risk_total", "value_at_risk": [cells],
        "value_at_risk_thresholds", "segments": [...], "coverage"}``, JSON-ready
        (floats rounded to 6 decimals); segments in priority order.
    """
    rules = load_rules(params.offer_rules) if rules is None else rules
    p = aligned_probability(clients, probability)
    member = memberships(clients, p, params)
    assigned = assign_segment(member)
    checks = [rule_check(r, clients) for r in rules]
    firing = frozenset(c["rule"] for c in checks if c["fires"])
    prevention = client_group(clients).eq("prevention")
    cells, thresholds = value_at_risk(clients[prevention], p[prevention], params)
    segments, taken = [], pd.Series(False, index=clients.index)
    for d in sorted(SEGMENTS, key=lambda d: d.priority):
        hit = assigned.eq(d.code)
        segments.append(_profile(d, clients, p, hit, taken, shap_by_feature, rules, params,
                                 firing))
        taken = taken | hit
    by_segment = pd.DataFrame({code: assigned.eq(code) for code in member.columns})
    return _json_ready({
        "clients": len(clients), "priority": [d["code"] for d in segments],
        "profit_at_risk_total": float((p[prevention] * clients.loc[prevention, g.PROFIT]).sum()),
        "value_at_risk": cells, "value_at_risk_thresholds": thresholds,
        "segments": segments, "rule_checks": checks,
        "overlap_resolved": int(member.all(axis=1).sum()),
        "coverage": coverage(clients[prevention], p[prevention], by_segment[prevention],
                             params)})


def coverage(clients: pd.DataFrame, probability: pd.Series, membership: pd.DataFrame,
             params: SegmentParams) -> dict:
    """How much of the risk the segments hold, and what is left outside them.

    Returns
    -------
    dict
        Clients in any segment and their share; profit at risk in segments and
        its share of the total; high-risk clients (≥ ``risk_high``) outside every
        segment, their high-profit part and their profit at risk.
    """
    at_risk = probability * clients[g.PROFIT].astype(float)
    inside = membership.any(axis=1)
    outside_high = ~inside & (probability >= params.risk_high)
    threshold = clients[g.PROFIT].quantile(params.profit_high_quantile)
    total = float(at_risk.sum())
    return {
        "clients_in_segments": int(inside.sum()), "share_in_segments": float(inside.mean()),
        "profit_at_risk_in_segments": float(at_risk[inside].sum()),
        "share_of_profit_at_risk": float(at_risk[inside].sum() / total) if total else None,
        "high_risk_outside": int(outside_high.sum()),
        "high_risk_high_profit_outside": int((outside_high
                                              & (clients[g.PROFIT] >= threshold)).sum()),
        "high_risk_outside_profit_at_risk": float(at_risk[outside_high].sum())}
