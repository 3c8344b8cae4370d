"""Design of the controlled test of every offer, on the clients who receive it.

One test per offer and group (:func:`offer_tests`), sized on the clients the
decision rule gives that offer (test and control arms of the action list).
Metric and baseline ``p0``:

- prevention (code ``retained_share``): the share of clients whose activity
  holds; ``p0`` is observed — the share of stable clients among all modelled
  clients of the same probability bin (``similar_bins`` quantile bins),
  averaged over the offer's clients;
- win-back (code ``returned_share``): the share of declined clients whose
  activity returns; one export holds no observed return rate, so ``p0`` is the
  assumption ``winback_baseline``, stated as such.

The offer should raise the share by ``uplift`` (absolute). Every offer has its
own control, but the offers of a month form one family of tests: the level is
Bonferroni-corrected (``alpha / m`` for ``m`` tests; Holm's procedure at the
analysis is never less powerful). The test is the two-sided z-test of two
proportions at that level.

Page 1 recommends, per group, the pooled test on the month's actual arms
(:func:`group_test`, ``tests["groups"]``): it always runs, and it states the
smallest uplift it detects.

When an offer's clients are too few, a runnable design is proposed (code
``design``): ``pool`` — all offers of the group tested together as "offer vs
no offer" on the pooled list (one test per group, level ``alpha / groups``),
when that is large enough; ``months`` — the pooled test accumulated over the
stated number of months (at most ``MAX_MONTHS``); otherwise ``mde`` — run the
pooled test now, stating the smallest uplift its size detects.

Sample size (normal approximation, unequal allocation; Chow, Shao & Wang,
*Sample Size Calculations in Clinical Research*, §4.2; Fleiss, §4): with
``k = n_t / n_c = (1 − c) / c`` for control share ``c`` and the pooled
``p̄ = (p0 + k·p1) / (1 + k)``::

    n_c = [z_{1−α/2}·√(p̄(1−p̄)(1 + 1/k)) + z_{power}·√(p0(1−p0) + p1(1−p1)/k)]² / (p1 − p0)²
    n_t = k·n_c

Both are rounded up. For ``p0 = 0.5``, ``p1 = 0.55``, ``k = 1``, α = 0.05 and
power 0.8 this gives 1565 per arm, the textbook value.

The smallest detectable uplift for a segment of ``N`` clients solves the same
equation for ``p1`` with ``n_c = c·N`` and ``n_t = (1 − c)·N``.
"""

from __future__ import annotations

import math

import pandas as pd
from scipy.optimize import brentq
from scipy.stats import norm

from analysis import glossary as g
from analysis.config import DecisionParams, SegmentParams

__all__ = [
    "MAX_MONTHS",
    "METRIC",
    "METRICS",
    "detectable_uplift",
    "group_test",
    "min_detectable_uplift",
    "observed_baseline",
    "offer_tests",
    "sample_size",
]

METRIC = "retained_share"
METRICS = {"prevention": "retained_share", "winback": "returned_share"}
MAX_MONTHS = 6


def _gap(p0: float, p1: float, n_control: float, n_treatment: float,
         alpha: float, power: float) -> float:
    """Detectable difference minus what the test needs; ≥ 0 when the test is powered."""
    pooled = (n_control * p0 + n_treatment * p1) / (n_control + n_treatment)
    z_alpha = norm.ppf(1 - alpha / 2)
    z_power = norm.ppf(power)
    null_sd = math.sqrt(pooled * (1 - pooled) * (1 / n_control + 1 / n_treatment))
    alt_sd = math.sqrt(p0 * (1 - p0) / n_control + p1 * (1 - p1) / n_treatment)
    return (p1 - p0) - z_alpha * null_sd - z_power * alt_sd


def sample_size(p0: float, p1: float, control_share: float, alpha: float,
                power: float) -> tuple[int, int]:
    """Clients needed in the control and the treatment arm.

    Parameters
    ----------
    p0, p1
        Retained share in the control arm and the share the offer should reach.
    control_share
        Fraction of the target group held back as control, in (0, 1).
    alpha
        Two-sided significance level.
    power
        Probability of detecting ``p1 − p0`` when it is real.

    Returns
    -------
    tuple of int
        ``(n_control, n_treatment)``, each rounded up.
    """
    if not 0 < p0 < 1 or not 0 < p1 < 1 or p0 == p1:
        raise ValueError(f"shares must lie in (0, 1) and differ: p0={p0}, p1={p1}")
    k = (1 - control_share) / control_share
    pooled = (p0 + k * p1) / (1 + k)
    z_alpha = norm.ppf(1 - alpha / 2)
    z_power = norm.ppf(power)
    root = (z_alpha * math.sqrt(pooled * (1 - pooled) * (1 + 1 / k))
            + z_power * math.sqrt(p0 * (1 - p0) + p1 * (1 - p1) / k))
    n_control = root**2 / (p1 - p0) ** 2
    return math.ceil(n_control - 1e-9), math.ceil(k * n_control - 1e-9)


def min_detectable_uplift(clients: int, p0: float, control_share: float, alpha: float,
                          power: float) -> float | None:
    """Smallest absolute uplift of the retained share a group of ``clients`` can detect.

    Returns
    -------
    float or None
        The uplift in shares (0.05 = 5 percentage points); ``None`` when no
        uplift up to a retained share of 100 % is detectable.
    """
    n_control = clients * control_share
    return detectable_uplift(n_control, clients - n_control, p0, alpha, power)


def detectable_uplift(n_control: float, n_treatment: float, p0: float, alpha: float,
                      power: float) -> float | None:
    """Smallest absolute uplift a test with these arms detects (two-sided level ``alpha``).

    Parameters
    ----------
    n_control, n_treatment
        Clients in the control arm (no offer) and in the arm that gets the offer.
    p0
        The share expected without the offer.

    Returns
    -------
    float or None
        The uplift in shares; ``None`` when no uplift up to a share of 100 %
        is detectable (or an arm is empty).
    """
    top = 1 - p0
    if n_control < 1 or n_treatment < 1 or top <= 0:
        return None
    if _gap(p0, 1.0, n_control, n_treatment, alpha, power) < 0:
        return None
    return float(brentq(
        lambda d: _gap(p0, p0 + d, n_control, n_treatment, alpha, power), 1e-9, top,
        xtol=1e-10))


def observed_baseline(clients: pd.DataFrame, probability: pd.Series, bins: int) -> pd.Series:
    """Per client: the observed share of stable clients in its probability bin."""
    p = probability.reindex(clients.index).astype(float)
    ranks = p.rank(method="first")
    cut = pd.qcut(ranks, q=min(bins, len(p)), labels=False)
    stable = clients[g.TARGET].astype("string").eq(g.STABLE).fillna(False).astype(float)
    return cut.map(stable.groupby(cut).mean()).astype(float)


def _arms(clients: int, control_share: float) -> tuple[float, float]:
    return clients * control_share, clients * (1 - control_share)


def _powered(clients: int, p0: float, target: float, params: SegmentParams,
             alpha: float) -> bool:
    n_control, n_treatment = _arms(clients, params.control_share)
    if n_control < 1 or n_treatment < 1 or not 0 < target < 1:
        return False
    return _gap(p0, target, n_control, n_treatment, alpha, params.power) >= 0


def _needed(p0: float, params: SegmentParams, alpha: float) -> int | None:
    target = p0 + params.uplift
    if not 0 < p0 < 1 or not 0 < target < 1:
        return None
    return sum(sample_size(p0, target, params.control_share, alpha, params.power))


def _one_test(group: str, rule: str, clients: int, control: int, p0: float,
              pooled: tuple[int, float], params: SegmentParams, alpha: float,
              pooled_alpha: float) -> dict:
    pooled, pooled_p0 = pooled
    need = _needed(p0, params, alpha)
    enough = need is not None and clients >= need
    pooled_need = _needed(pooled_p0, params, pooled_alpha)
    pooled_ok = pooled_need is not None and pooled >= pooled_need
    months = math.ceil(pooled_need / pooled) if pooled_need and pooled else None
    design = ("ready" if enough else "pool" if pooled_ok
              else "months" if months is not None and months <= MAX_MONTHS else "mde")
    return {"group": group, "rule": rule, "metric": METRICS[group],
            "baseline": p0, "baseline_source": "observed" if group == "prevention"
            else "assumed", "target": p0 + params.uplift, "uplift": params.uplift,
            "alpha": params.alpha, "alpha_corrected": alpha, "power": params.power,
            "control_share": params.control_share, "clients": clients, "control": control,
            "n_total": need, "enough": enough,
            "min_detectable_uplift": min_detectable_uplift(
                clients, p0, params.control_share, alpha, params.power),
            "pooled_clients": pooled, "pooled_baseline": pooled_p0,
            "pooled_alpha": pooled_alpha,
            "pooled_n_total": pooled_need, "pooled_enough": pooled_ok, "months": months,
            "pooled_min_detectable_uplift": min_detectable_uplift(
                pooled, pooled_p0, params.control_share, pooled_alpha, params.power),
            "design": design}


def offer_tests(scores: pd.DataFrame, clients: pd.DataFrame, probability: pd.Series,
                params: SegmentParams, decision: DecisionParams) -> dict:
    """One test per offer and group, on the clients who receive it (both arms).

    Returns
    -------
    dict
        ``{"correction": "bonferroni", "family": m, "alpha": …, "alpha_corrected":
        …, "tests": [...]}`` (tests by group, then rule).
    """
    baseline = observed_baseline(clients, probability, decision.similar_bins)
    frame = scores[scores["tested_offer"].ne("")]
    units = sorted(frame.groupby(["group", "tested_offer"]).groups)
    alpha = params.alpha / max(1, len(units))
    pooled_alpha = params.alpha / max(1, frame["group"].nunique())
    def p0(grp: str, ids: pd.Series) -> float:
        value = (float(baseline.reindex(ids).mean()) if grp == "prevention"
                 else decision.winback_baseline)
        return min(max(value, 1e-6), 1 - 1e-6)

    groups = {}
    for grp in sorted(frame["group"].unique()):
        part = frame[frame["group"].eq(grp)]
        groups[grp] = group_test(grp, int(part["arm"].eq("test").sum()),
                                 int(part["arm"].eq("control").sum()), p0(grp, part["id"]),
                                 params, pooled_alpha)
    tests = []
    for grp, rule in units:
        part = frame[frame["group"].eq(grp) & frame["tested_offer"].eq(rule)]
        group_ids = frame.loc[frame["group"].eq(grp), "id"]
        tests.append(_one_test(grp, rule, len(part), int(part["arm"].eq("control").sum()),
                               p0(grp, part["id"]), (len(group_ids), p0(grp, group_ids)),
                               params, alpha, pooled_alpha))
    return {"correction": "bonferroni", "family": len(units), "alpha": params.alpha,
            "alpha_corrected": alpha, "tests": tests, "groups": groups}


def group_test(group: str, test: int, control: int, p0: float, params: SegmentParams,
               alpha: float) -> dict:
    """The group's pooled test «offer against no offer» on this month's actual arms.

    Every offer of the group against its own control, taken together: ``test``
    clients get an offer, ``control`` clients of the same offers get none. The
    test can always run when both arms have clients; what it can tell is its
    smallest detectable uplift (``min_detectable_uplift``, at level ``alpha`` —
    the family's ``alpha / groups`` — and the configured power), compared with
    the uplift the design aims at (``uplift``). ``months``: how many months
    like this one the aimed uplift needs (``None`` when it cannot be reached).
    """
    need = _needed(p0, params, alpha)
    clients = test + control
    mde = detectable_uplift(control, test, p0, alpha, params.power) if control and test \
        else None
    return {"group": group, "metric": METRICS[group], "test": test, "control": control,
            "baseline": p0, "baseline_source": "observed" if group == "prevention"
            else "assumed", "alpha": alpha, "power": params.power, "uplift": params.uplift,
            "min_detectable_uplift": mde,
            "powered": mde is not None and mde <= params.uplift + 1e-12,
            "n_total": need,
            "months": math.ceil(need / clients) if need and clients else None}
