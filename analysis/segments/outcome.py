"""Did last month's offers work? The controlled test read back one month later.

Last month's action list (``scores.csv`` of the previous period's revision)
says, for every client the decision rule selected, which offer was tested
(``tested_offer``), in which group (``winback`` or ``prevention``) and in which
arm (``test``: the offer was sent; ``control``: held back). This month's export
says, for the same client ids, whose activity is «Прежний уровень» now. The
outcome compares the two arms:

- per offer and group, and pooled per group (all offers of the group, test
  against control: the control draw holds back the same share of every
  offer's clients, so the pooled arms mix the offers alike);
- the share «Прежний уровень» now in each arm (for win-back clients the share
  who came back, for prevention clients the share who stayed);
- the uplift ``share_test − share_control`` with Newcombe's hybrid score
  interval (Newcombe 1998, *Statistics in Medicine* 17:873, method 10: the
  Wilson score intervals of the two shares combined; it keeps close to its
  nominal coverage for small groups and shares near 0 or 1, where the Wald
  interval does not);
- the two-sided p-value of Fisher's exact test; the offers of one month form
  one family of tests (as in :mod:`analysis.segments.test_design`), so the
  verdict uses Holm's adjusted p-values (the pooled tests, one per group, form
  their own family);
- the smallest uplift the arms' sizes detect with the configured power at the
  level of the design (``alpha / m``; normal approximation of
  :func:`analysis.segments.test_design.min_detectable_uplift` with the actual
  arm sizes and the control arm's share as the baseline).

Clients of last month's list who are absent from this month's export are
counted per arm (``missing``) and left out of both shares, never dropped
silently. Verdict codes: ``effect`` (the offer raised the share, Holm-adjusted
p below ``alpha``), ``harm`` (it lowered it), ``unconfirmed`` (the raw
p-value or the interval points to an effect that the adjustment for the
number of offers does not confirm), ``none`` (no effect detected), and
``unmeasurable`` (an arm has no client in this month's export).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import fisher_exact, norm

from analysis import glossary as g
from analysis.segments.test_design import min_detectable_uplift

__all__ = [
    "ASSIGNMENT_COLUMNS",
    "INTERVAL_METHOD",
    "LEARNED",
    "TEST_METHOD",
    "VERDICTS",
    "fisher_p",
    "holm",
    "learned_assumptions",
    "measure_outcome",
    "newcombe_interval",
    "wilson_interval",
]

ASSIGNMENT_COLUMNS = ("id", "group", "tested_offer", "arm")
INTERVAL_METHOD = "newcombe_hybrid_score"
TEST_METHOD = "fisher_exact"
VERDICTS = ("effect", "harm", "unconfirmed", "none", "unmeasurable")
LEARNED = {"prevention": "prevention_uplift", "winback": "winback_uplift"}
"""The assumption of the decision rule each group's pooled outcome can replace."""
_GROUP_ORDER = {"prevention": 0, "winback": 1}


def wilson_interval(stable: int, n: int, level: float) -> tuple[float, float]:
    """Wilson score interval of a share ``stable / n`` (``n ≥ 1``)."""
    z = float(norm.ppf(0.5 + level / 2))
    p = stable / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def newcombe_interval(k1: int, n1: int, k2: int, n2: int,
                      level: float) -> tuple[float, float]:
    """Newcombe's hybrid score interval of ``k1/n1 − k2/n2`` (method 10 of Newcombe 1998)."""
    p1, p2 = k1 / n1, k2 / n2
    l1, u1 = wilson_interval(k1, n1, level)
    l2, u2 = wilson_interval(k2, n2, level)
    d = p1 - p2
    return (d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2),
            d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2))


def fisher_p(k1: int, n1: int, k2: int, n2: int) -> float:
    """Two-sided p-value of Fisher's exact test of two shares."""
    return float(fisher_exact([[k1, n1 - k1], [k2, n2 - k2]]).pvalue)


def holm(p_values: list[float]) -> list[float]:
    """Holm's step-down adjusted p-values, in the order given."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [0.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted


def _arm(frame: pd.DataFrame, stable_now: pd.Series) -> dict[str, Any]:
    found = frame["id"].isin(stable_now.index)
    measured = frame.loc[found, "id"]
    stable = int(stable_now.reindex(measured).sum())
    return {"assigned": len(frame), "measured": int(found.sum()),
            "missing": int((~found).sum()), "stable": stable,
            "share": stable / len(measured) if len(measured) else None}


def _unit(group: str, rule: str, part: pd.DataFrame, stable_now: pd.Series,
          level: float) -> dict[str, Any]:
    test = _arm(part[part["arm"].eq("test")], stable_now)
    control = _arm(part[part["arm"].eq("control")], stable_now)
    row: dict[str, Any] = {"group": group, "rule": rule, "test": test, "control": control,
                           "uplift": None, "interval": None, "p_value": None}
    if test["measured"] and control["measured"]:
        args = (test["stable"], test["measured"], control["stable"], control["measured"])
        row["uplift"] = test["share"] - control["share"]
        row["interval"] = list(newcombe_interval(*args, level))
        row["p_value"] = fisher_p(*args)
    return row


def _mde(row: dict[str, Any], alpha: float, power: float) -> float | None:
    n_t, n_c = row["test"]["measured"], row["control"]["measured"]
    if not n_t or not n_c:
        return None
    p0 = min(max(row["control"]["share"], 1e-6), 1 - 1e-6)
    return min_detectable_uplift(n_t + n_c, p0, n_c / (n_t + n_c), alpha, power)


def _verdict(row: dict[str, Any], alpha: float) -> str:
    if row["p_value"] is None:
        return "unmeasurable"
    if row["p_adjusted"] < alpha:
        return "effect" if row["uplift"] > 0 else "harm"
    low, high = row["interval"]
    if row["p_value"] < alpha or low > 0 or high < 0:
        return "unconfirmed"
    return "none"


def _family(rows: list[dict[str, Any]], alpha: float, power: float) -> dict[str, Any]:
    """Holm's adjustment, the detectable uplift and the verdict of one family of tests."""
    tested = [r for r in rows if r["p_value"] is not None]
    for row, adjusted in zip(tested, holm([r["p_value"] for r in tested]), strict=True):
        row["p_adjusted"] = adjusted
    alpha_design = alpha / max(1, len(tested))
    for row in rows:
        row.setdefault("p_adjusted", None)
        row["min_detectable_uplift"] = _mde(row, alpha_design, power)
        row["verdict"] = _verdict(row, alpha)
    return {"tests": len(tested), "alpha_design": alpha_design}


def _stable_now(labels: pd.Series) -> pd.Series:
    """``True`` where the current label is «Прежний уровень»; clients without a label dropped."""
    text = labels.astype("string")
    known = text.notna()
    stable = text[known].eq(g.STABLE).astype(bool)
    stable.index = stable.index.astype("int64")
    return stable


def measure_outcome(assignment: pd.DataFrame, labels: pd.Series, *, alpha: float,
                    power: float, actions: dict[str, str] | None = None) -> dict[str, Any]:
    """Last month's offers measured on this month's labels.

    Parameters
    ----------
    assignment
        Last month's action list: :data:`ASSIGNMENT_COLUMNS` (``tested_offer``
        empty for a client without an offer, ``arm`` ``test``/``control``).
    labels
        This month's ``Покупательская активность`` of every client read, index ``id``.
    alpha, power
        Two-sided level (the interval's coverage is ``1 − alpha``) and the power
        of the detectable uplift.
    actions
        Offer text by rule id, from last month's results (``rule`` when absent).

    Returns
    -------
    dict
        ``method``; ``clients`` {assigned, measured, missing} over every selected
        client; ``offers`` (per group and offer) and ``pooled`` (per group), each
        row: ``group``, ``rule``, ``action``, ``test``/``control`` {assigned,
        measured, missing, stable, share}, ``uplift``, ``interval``,
        ``p_value``, ``p_adjusted``, ``min_detectable_uplift``, ``verdict``;
        ``families`` (tests per family and the design level). Shares and
        uplifts are fractions (0.15 = 15 percentage points).
    """
    frame = assignment.loc[assignment["tested_offer"].fillna("").ne(""),
                           list(ASSIGNMENT_COLUMNS)].copy()
    frame["id"] = frame["id"].astype("int64")
    stable_now = _stable_now(labels)
    level = 1 - alpha
    actions = actions or {}
    offers = [_unit(grp, rule, part, stable_now, level)
              for (grp, rule), part in sorted(frame.groupby(["group", "tested_offer"]),
                                              key=lambda item: (_GROUP_ORDER.get(item[0][0], 9),
                                                                item[0]))]
    pooled = [_unit(grp, "", part, stable_now, level)
              for grp, part in sorted(frame.groupby("group"),
                                      key=lambda item: _GROUP_ORDER.get(item[0], 9))]
    for row in offers:
        row["action"] = actions.get(row["rule"], row["rule"])
    for row in pooled:
        row["action"] = ""
    found = frame["id"].isin(stable_now.index)
    return {
        "method": {"interval": INTERVAL_METHOD, "level": level, "test": TEST_METHOD,
                   "correction": "holm", "alpha": alpha, "power": power,
                   "mde": "normal_approximation", "metric": g.STABLE},
        "clients": {"assigned": len(frame), "measured": int(found.sum()),
                    "missing": int((~found).sum()),
                    "missing_ids": [int(i) for i in np.sort(frame.loc[~found, "id"])][:50]},
        "offers": offers,
        "pooled": pooled,
        "families": {"offers": _family(offers, alpha, power),
                     "pooled": _family(pooled, alpha, power)},
    }


def _measured_value(row: dict[str, Any]) -> float | None:
    """The assumption as measured: the uplift itself (win-back), or the share of the control
    arm's decline the offer saved, ``uplift / (1 − share_control)`` (prevention)."""
    if row["group"] == "winback":
        return min(1.0, row["uplift"])
    declined = 1 - row["control"]["share"]
    return min(1.0, row["uplift"] / declined) if declined > 0 else None


def learned_assumptions(outcome: dict[str, Any] | None, assumed: dict[str, float]
                        ) -> dict[str, dict[str, Any]]:
    """What last month's outcome says about the rule's assumed uplifts (:data:`LEARNED`).

    Only a group whose pooled effect is confirmed (verdict ``effect``) gives a
    value: a share the offer saved or brought back cannot be learned from a
    test that found nothing, so the assumption stays. The point estimate is
    used as it is; being selected for significance, it tends to be on the high
    side, which the report says.

    Parameters
    ----------
    outcome
        The ``outcome`` section (:func:`measure_outcome` with ``status``).
    assumed
        The configured values, by name.

    Returns
    -------
    dict
        Per assumption name: ``group``, ``assumed``, ``value`` (None when kept),
        ``verdict``, ``uplift``, ``interval``.
    """
    if not outcome or outcome.get("status") != "measured":
        return {}
    learned = {}
    for row in outcome["pooled"]:
        name = LEARNED.get(row["group"])
        if name is None:
            continue
        value = _measured_value(row) if row["verdict"] == "effect" else None
        learned[name] = {"group": row["group"], "assumed": assumed[name], "value": value,
                         "verdict": row["verdict"], "uplift": row["uplift"],
                         "interval": row["interval"]}
    return learned
