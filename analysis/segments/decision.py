"""Win-back vs prevention, exposure, and the one rule that decides who gets an offer.

Groups (the target is an observed label for every client of the export):

- ``winback`` — activity already declined. The label is known, so the model's
  probability is not the reason to contact them; their exposure is their
  monthly profit (not an estimate).
- ``prevention`` — activity still at its previous level. Their exposure is
  ``p × profit``: the expected monthly profit lost *if* each client declines
  with the calibrated probability ``p`` and a decline loses the client's whole
  monthly profit (the assumption). Its interval treats the clients' outcomes as
  independent Bernoulli draws with these probabilities (normal approximation of
  ``Σ Bernoulli(p)·profit``): it is the spread of the realised loss when the
  probabilities are right, not the uncertainty of the probabilities.

The decision rule (parameters in :class:`analysis.config.DecisionParams`)::

    expected value = p × profit × uplift − (offer_cost + cost of the channel)

with ``p = 1`` and ``uplift = winback_uplift`` for win-back clients (the
decline is observed) and the calibrated ``p`` and ``uplift =
prevention_uplift`` for prevention clients. A client gets an offer when the
expected value is positive. Everything is in profit units per month.
"""

from __future__ import annotations

import hashlib
import math
import zlib

import numpy as np
import pandas as pd
from scipy.stats import norm

from analysis import glossary as g
from analysis.config import DecisionParams

__all__ = [
    "ASSUMPTIONS",
    "GROUPS",
    "channel_cost",
    "client_group",
    "control_arms",
    "decision_section",
    "expected_value",
    "exposure",
    "exposure_interval",
    "offer_cost",
    "run_seed",
]

GROUPS = ("prevention", "winback")
ASSUMPTIONS = ("prevention_uplift", "winback_uplift", "offer_cost", "contact_cost")
"""What the sensitivity table varies; ``contact_cost`` scales every channel cost at once."""


def client_group(clients: pd.DataFrame) -> pd.Series:
    """``winback`` for clients whose activity already declined, else ``prevention``."""
    declined = clients[g.TARGET].astype("string").eq(g.DECLINED).fillna(False).astype(bool)
    return pd.Series(np.where(declined, "winback", "prevention"), index=clients.index,
                     dtype=object, name="group")


def exposure(profit: pd.Series, probability: pd.Series, group: pd.Series) -> pd.Series:
    """Monthly profit exposed: the profit (win-back), ``p × profit`` (prevention)."""
    return profit.where(group.eq("winback"), probability * profit).astype(float)


def exposure_interval(probability: pd.Series, profit: pd.Series,
                      level: float) -> tuple[float, float]:
    """Interval of the realised loss ``Σ Bernoulli(p)·profit`` (normal approximation, ≥ 0)."""
    mean = float((probability * profit).sum())
    sd = math.sqrt(float((probability * (1 - probability) * profit**2).sum()))
    z = float(norm.ppf(0.5 + level / 2))
    return max(0.0, mean - z * sd), mean + z * sd


def channel_cost(channel: str, params: DecisionParams, contact_factor: float = 1.0) -> float:
    """Cost of one offer through ``channel``: the incentive plus the contact."""
    return params.offer_cost + contact_factor * float(getattr(params, f"cost_{channel}"))


def expected_value(probability: pd.Series, profit: pd.Series, group: pd.Series,
                   cost: pd.Series, params: DecisionParams) -> pd.Series:
    """The rule's expected value per client (NaN where ``cost`` is NaN: no candidate offer)."""
    winback = group.eq("winback")
    gain = np.where(winback, profit * params.winback_uplift,
                    probability * profit * params.prevention_uplift)
    return pd.Series(gain, index=probability.index, dtype=float) - cost


def run_seed(seed: int, period: str | None) -> int:
    """The seed of this month's control draw, from the configured seed and the period."""
    digest = hashlib.sha256(f"{seed}:{period or ''}".encode()).hexdigest()
    return int(digest[:8], 16)


def control_arms(unit: pd.Series, share: float, seed: int) -> pd.Series:
    """``test``/``control`` per client with an offer (``""`` without), drawn per test unit.

    ``unit`` names each client's test (``"<group>:<offer>"``, ``""`` for no
    offer). Within each unit the clients (in id order) are permuted by a
    generator seeded with ``seed`` and the unit; the first ``round(share × n)``
    are the control, so every offer's control share is the configured one
    within one client.
    """
    arm = pd.Series("", index=unit.index, dtype=object, name="arm")
    for key in sorted(set(unit) - {""}):
        inside = unit.eq(key)
        ids = np.sort(unit.index[inside].to_numpy())
        n_control = math.floor(share * len(ids) + 0.5)
        rng = np.random.default_rng([seed, zlib.crc32(key.encode())])
        arm[inside] = "test"
        arm[ids[rng.permutation(len(ids))[:n_control]]] = "control"
    return arm


def offer_cost(part: pd.DataFrame, params: DecisionParams) -> float:
    """What this month's offers cost: the incentive and the contact of every client of the
    test arm (the control arm gets nothing), in profit units, under the rule's assumptions."""
    sent = part[part["arm"].eq("test")]
    return float(len(sent) * params.offer_cost + sent["contact_cost"].fillna(0.0).sum())


def _selection(frame: pd.DataFrame, params: DecisionParams, factors: dict[str, float]
               ) -> pd.Series:
    cost = (params.offer_cost * factors.get("offer_cost", 1.0)
            + frame["contact_cost"] * factors.get("contact_cost", 1.0))
    up_w = params.winback_uplift * factors.get("winback_uplift", 1.0)
    up_p = params.prevention_uplift * factors.get("prevention_uplift", 1.0)
    gain = np.where(frame["group"].eq("winback"), frame["profit"] * up_w,
                    frame["decline_probability"] * frame["profit"] * up_p)
    return (gain - cost > 0) & frame["contact_cost"].notna()


def _selected_counts(frame: pd.DataFrame, chosen: pd.Series) -> dict:
    return {grp: {"clients": int((chosen & frame["group"].eq(grp)).sum()),
                  "profit": float(frame.loc[chosen & frame["group"].eq(grp), "profit"].sum())}
            for grp in GROUPS}


def sensitivity_table(frame: pd.DataFrame, params: DecisionParams) -> list[dict]:
    """Clients and profit selected when each assumption is multiplied by each factor."""
    rows = []
    for name in ASSUMPTIONS:
        for factor in params.sensitivity_factors:
            chosen = _selection(frame, params, {name: factor})
            rows.append({"assumption": name, "factor": factor,
                         "selected": _selected_counts(frame, chosen)})
    return rows


def decision_section(scores: pd.DataFrame, params: DecisionParams, control_share: float,
                     seed: int, period: str | None) -> dict:
    """The ``decision`` part of ``segments`` in results.json.

    ``scores`` is the action list of :func:`analysis.segments.actions.action_list`
    (columns ``group``, ``decline_probability``, ``profit``, ``exposure``,
    ``expected_value``, ``tested_offer``, ``arm``, ``channel``, ``contact_cost``).
    Each group and each offer also carries ``test_cost`` (:func:`offer_cost`); each
    offer its test arm's ``channels`` (channel code → clients).
    """
    selected = scores["tested_offer"].ne("")
    groups = {}
    for grp in GROUPS:
        mine = scores["group"].eq(grp)
        part = scores[mine]
        interval = (exposure_interval(part["decline_probability"], part["profit"],
                                      params.interval_level)
                    if grp == "prevention" else None)
        chosen = part[selected[mine]]
        groups[grp] = {
            "clients": int(mine.sum()), "profit": float(part["profit"].sum()),
            "exposure": float(part["exposure"].sum()),
            "exposure_interval": list(interval) if interval else None,
            "selected": len(chosen), "selected_profit": float(chosen["profit"].sum()),
            "selected_exposure": float(chosen["exposure"].sum()),
            "selected_expected_value": float(chosen["expected_value"].sum()),
            "test": int(chosen["arm"].eq("test").sum()),
            "control": int(chosen["arm"].eq("control").sum()),
            "test_cost": offer_cost(chosen, params)}
    offers = []
    for (grp, rule), part in scores[selected].groupby(["group", "tested_offer"], sort=True):
        sent = part[part["arm"].eq("test")]
        offers.append({"group": grp, "rule": rule, "clients": len(part),
                       "test": len(sent),
                       "control": int(part["arm"].eq("control").sum()),
                       "channels": {str(c): int(n) for c, n in
                                    sent["channel"].value_counts().sort_index().items()},
                       "test_cost": offer_cost(part, params)})
    return {
        "rule": {**params.model_dump(mode="json"), "control_share": control_share},
        "exposure_interval_method": "bernoulli_normal",
        "groups": groups,
        "control": {"seed": seed, "period": period, "share": control_share,
                    "by_offer": offers},
        "sensitivity": sensitivity_table(scores, params),
    }
