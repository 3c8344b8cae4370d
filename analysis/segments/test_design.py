"""Design of the controlled test proposed with every offer.

The metric (code ``retained_share``) is the share of clients whose purchasing
activity holds. The control group keeps its
current share ``p0`` (estimated as 1 − mean decline probability of the
segment); the offer should raise it to ``p1 = p0 + uplift`` (absolute). The
test is the two-sided z-test of two proportions at level ``alpha``.

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

from scipy.optimize import brentq
from scipy.stats import norm

from analysis.config import SegmentParams

__all__ = ["METRIC", "design_test", "min_detectable_uplift", "sample_size"]

METRIC = "retained_share"


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
    n_treatment = clients - n_control
    top = 1 - p0
    if n_control < 1 or n_treatment < 1 or top <= 0:
        return None
    if _gap(p0, 1.0, n_control, n_treatment, alpha, power) < 0:
        return None
    return float(brentq(
        lambda d: _gap(p0, p0 + d, n_control, n_treatment, alpha, power), 1e-9, top,
        xtol=1e-10))


def design_test(size: int, mean_probability: float | None, params: SegmentParams) -> dict:
    """The controlled test of an offer in a target group of ``size`` clients.

    Parameters
    ----------
    size
        Clients in the target group (the segment).
    mean_probability
        Mean calibrated decline probability in the group; ``None`` when empty.
    params
        ``control_share``, ``uplift`` (absolute), ``power`` and ``alpha``.

    Returns
    -------
    dict
        JSON-ready: metric, baseline and target shares, the arms needed, whether
        the group suffices and the smallest detectable uplift (the report words it).
    """
    baseline = 1 - mean_probability if mean_probability is not None else None
    target = baseline + params.uplift if baseline is not None else None
    n_control = n_treatment = smallest = None
    if baseline is not None and target is not None and baseline > 0 and target < 1:
        n_control, n_treatment = sample_size(
            baseline, target, params.control_share, params.alpha, params.power)
        smallest = min_detectable_uplift(
            size, baseline, params.control_share, params.alpha, params.power)
    need = None if n_control is None or n_treatment is None else n_control + n_treatment
    return {
        "metric": METRIC,
        "baseline": baseline,
        "target": target,
        "uplift": params.uplift,
        "alpha": params.alpha,
        "power": params.power,
        "control_share": params.control_share,
        "n_control": n_control,
        "n_treatment": n_treatment,
        "n_total": need,
        "segment_clients": size,
        "enough": need is not None and size >= need,
        "min_detectable_uplift": smallest,
    }
