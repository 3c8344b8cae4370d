"""What sets a segment apart from stable clients, and which offers follow from it.

Stable clients are the ``Прежний уровень`` clients outside the segment. Numeric
features are compared with the rank-biserial correlation ``r = 2U/(n₁n₂) − 1``
(``U`` of the segment; ``r > 0``: values are higher in the segment). For a
yes/no indicator ``r`` equals the difference of the two shares, so feature
rules and flag rules of the offer catalogue are ranked on one scale.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from analysis import glossary as g
from analysis.config import SegmentParams
from analysis.segments.offers import (
    FeatureCondition,
    FlagCondition,
    OfferRule,
    client_matches,
    fill_title,
)

__all__ = ["RuleEvidence", "differences", "drivers", "rank_biserial", "rule_check",
           "rule_evidence", "select_offers"]

def rank_biserial(segment: pd.Series, stable: pd.Series) -> float | None:
    """Rank-biserial correlation of ``segment`` against ``stable``; ``None`` if one is empty."""
    a = segment.dropna().to_numpy(dtype=float)
    b = stable.dropna().to_numpy(dtype=float)
    if len(a) == 0 or len(b) == 0:
        return None
    ranks = rankdata(np.concatenate([a, b]))
    u = ranks[: len(a)].sum() - len(a) * (len(a) + 1) / 2
    return float(2 * u / (len(a) * len(b)) - 1)


def _difference(feature: str, segment: pd.DataFrame, stable: pd.DataFrame) -> dict | None:
    effect = rank_biserial(segment[feature], stable[feature])
    if effect is None:
        return None
    seg_median = float(segment[feature].median())
    stable_median = float(stable[feature].median())
    return {"feature": feature, "label": g.label(feature), "segment_median": seg_median,
            "stable_median": stable_median, "effect": effect,
            "direction": "higher" if effect > 0 else "lower" if effect < 0 else "same"}


def differences(segment: pd.DataFrame, stable: pd.DataFrame, top: int) -> list[dict]:
    """The ``top`` numeric glossary features that differ most, by ``|r|`` then name."""
    rows = [_difference(f, segment, stable) for f in g.NUMERIC if f in segment.columns]
    found = [r for r in rows if r is not None]
    found.sort(key=lambda r: (-abs(r["effect"]), r["feature"]))
    return found[:top]


def drivers(shap_by_feature: pd.DataFrame, ids: pd.Index, top: int = 3) -> list[dict]:
    """Features with the largest positive mean SHAP value toward decline within ``ids``.

    ``shap_by_feature`` holds every scored client's own SHAP values (of the
    model that scored the client, :mod:`analysis.explain.explanation`); a
    segment's driver is the mean of its clients' values (``mean_shap``). Only
    features that raise the risk on average are listed, so fewer than
    ``top`` may come back.
    """
    rows = shap_by_feature.reindex(ids).dropna(how="all")
    if rows.empty:
        return []
    means = rows.mean().sort_index()
    means = means[means > 0].sort_values(ascending=False, kind="stable").head(top)
    return [{"feature": str(f), "label": g.label(str(f)), "mean_shap": float(v)}
            for f, v in means.items()]


@dataclass(frozen=True)
class RuleEvidence:
    """How a catalogue rule fits a segment.

    Attributes
    ----------
    rule
        The rule.
    effect
        Rank-biserial correlation (feature rules) or difference of shares
        (flag rules), segment vs stable; signed, ``> 0`` = higher in the segment.
    strength
        Effect in the rule's favourable direction: ``-effect`` for ``low`` rules.
    strong
        Whether the rule clearly applies (see :func:`rule_evidence`).
    values
        Numbers for the title placeholders.
    basis
        JSON-ready account of the numbers behind the offer.
    """

    rule: OfferRule
    effect: float
    strength: float
    strong: bool
    values: dict[str, float | int]
    basis: dict

    @property
    def title(self) -> str:
        """The offer text with the numbers filled in."""
        return fill_title(self.rule, self.values)


def _feature_evidence(rule: OfferRule, condition: FeatureCondition, segment: pd.DataFrame,
                      stable: pd.DataFrame, params: SegmentParams) -> RuleEvidence | None:
    feature = condition.feature
    if feature not in segment.columns:
        return None
    effect = rank_biserial(segment[feature], stable[feature])
    if effect is None:
        return None
    strength = -effect if condition.direction == "low" else effect
    medians = stable[[feature]].median()
    matched = int(client_matches(rule, segment, medians).sum())
    values: dict[str, float | int] = {
        "segment_median": float(segment[feature].median()),
        "stable_median": float(medians[feature]),
        "segment_mean": float(segment[feature].mean()),
        "stable_mean": float(stable[feature].mean()),
        "effect": effect, "share": matched / len(segment), "matched": matched,
        "size": len(segment)}
    basis = {"kind": "feature", "feature": feature, "label": g.label(feature),
             "direction": condition.direction,
             **{k: values[k] for k in ("segment_median", "stable_median", "effect", "share")}}
    return RuleEvidence(rule, effect, strength, strength >= params.offer_min_effect,
                        values, basis)


def _flag_evidence(rule: OfferRule, condition: FlagCondition, segment: pd.DataFrame,
                   stable: pd.DataFrame, params: SegmentParams) -> RuleEvidence:
    empty = pd.Series(dtype=float)
    hit = client_matches(rule, segment, empty)
    share = float(hit.mean())
    stable_share = float(client_matches(rule, stable, empty).mean()) if len(stable) else 0.0
    effect = share - stable_share
    values: dict[str, float | int] = {"share": share, "matched": int(hit.sum()),
                                      "size": len(segment)}
    basis = {"kind": "flag", "equals": dict(condition.equals),
             "share": share, "stable_share": stable_share, "effect": effect}
    return RuleEvidence(rule, effect, effect, share >= params.offer_flag_min_share,
                        values, basis)


def rule_evidence(rule: OfferRule, segment: pd.DataFrame, stable: pd.DataFrame,
                  params: SegmentParams) -> RuleEvidence | None:
    """How ``rule`` fits the segment; ``None`` when it cannot be judged.

    A feature rule applies clearly when the segment differs from stable
    clients in the rule's direction with ``|r| ≥ params.offer_min_effect``; a
    flag rule when at least ``params.offer_flag_min_share`` of the segment
    meets it.
    """
    if segment.empty or stable.empty:
        return None
    if isinstance(rule.condition, FeatureCondition):
        return _feature_evidence(rule, rule.condition, segment, stable, params)
    return _flag_evidence(rule, rule.condition, segment, stable, params)


def rule_check(rule: OfferRule, clients: pd.DataFrame) -> dict:
    """Whether the data point the same way as ``rule`` (declined vs stable clients).

    A feature rule with direction ``high`` fires only when declined clients
    have higher values than stable ones (rank-biserial ``r > 0``; ``low``:
    ``r < 0``); a flag rule only when the flag is at least as common among
    declined clients. ``effect`` is declined vs stable.
    """
    target = clients[g.TARGET].astype("string")
    declined = clients[target.eq(g.DECLINED).fillna(False).astype(bool)]
    stable = clients[target.eq(g.STABLE).fillna(False).astype(bool)]
    condition = rule.condition
    if isinstance(condition, FeatureCondition):
        effect = (rank_biserial(declined[condition.feature], stable[condition.feature])
                  if condition.feature in clients.columns else None)
        fires = effect is not None and (effect > 0 if condition.direction == "high"
                                        else effect < 0)
        return {"rule": rule.id, "action": rule.action, "kind": "feature",
                "feature": condition.feature,
                "direction": condition.direction, "effect": effect, "fires": fires}
    empty = pd.Series(dtype=float)
    share_d = float(client_matches(rule, declined, empty).mean()) if len(declined) else 0.0
    share_s = float(client_matches(rule, stable, empty).mean()) if len(stable) else 0.0
    return {"rule": rule.id, "action": rule.action, "kind": "flag", "feature": None,
            "direction": None,
            "effect": share_d - share_s, "fires": share_d >= share_s}


def _feature(e: RuleEvidence) -> str | None:
    condition = e.rule.condition
    return condition.feature if isinstance(condition, FeatureCondition) else None


def select_offers(evidence: list[RuleEvidence], params: SegmentParams,
                  minimum: int = 2, firing: frozenset[str] | None = None
                  ) -> list[RuleEvidence]:
    """Up to ``params.max_offers`` offers for a segment, most distinctive first.

    Rules that clearly apply come first, ordered by strength (how strongly
    the segment differs in the rule's direction), then priority, then id.
    When fewer than ``minimum`` apply clearly, rules whose direction merely
    holds fill up to ``minimum``; they are marked as weak evidence. Only rules
    in ``firing`` (all when None) are considered, and at most one rule per
    feature, so two offers of a segment never pull one feature opposite ways.
    """
    def key(e: RuleEvidence) -> tuple[float, int, str]:
        return (-round(e.strength, 9), e.rule.priority, e.rule.id)

    usable = [e for e in evidence if firing is None or e.rule.id in firing]
    ordered = (sorted((e for e in usable if e.strong), key=key)
               + sorted((e for e in usable if not e.strong and e.strength > 1e-12), key=key))
    chosen: list[RuleEvidence] = []
    used: set[str] = set()
    strong = 0
    for e in ordered:
        feature = _feature(e)
        if feature is not None and feature in used:
            continue
        if e.strong and strong < params.max_offers:
            strong += 1
        elif e.strong or len(chosen) >= minimum:
            continue
        chosen.append(e)
        if feature is not None:
            used.add(feature)
    return chosen
