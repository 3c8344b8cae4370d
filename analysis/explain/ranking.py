"""How sure the global ranking of drivers is: bootstrap rank intervals and tiers.

The importance of a feature is its mean |SHAP| over the explained clients.
Resampling the clients with replacement (``resamples`` times, seeded) gives
each feature a distribution of ranks; its interval is the central
``level`` share of it. Tiers cut the point ranking only where every
feature above the cut has an interval wholly above every feature below it:
a tier of one feature has a resolved rank, the features of a larger tier are
a set whose order the data do not settle.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["rank_intervals"]


def _ranks(importance: np.ndarray) -> np.ndarray:
    """1-based ranks of each column of ``importance`` (resamples × features), 1 = largest."""
    order = np.argsort(-importance, axis=1, kind="stable")
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(1, importance.shape[1] + 1)[None, :], axis=1)
    return ranks


def rank_intervals(shap_values: pd.DataFrame, resamples: int, level: float, seed: int
                   ) -> dict[str, dict[str, Any]]:
    """Rank, bootstrap rank interval and tier of every feature (column) of ``shap_values``.

    Returns ``{feature: {"rank", "rank_low", "rank_high", "tier", "tier_size",
    "tier_first", "tier_last"}}``: ``rank`` is the rank of the point estimate
    (ties by column order), ``rank_low``–``rank_high`` its bootstrap interval,
    ``tier`` the number of its set and ``tier_first``–``tier_last`` the places
    the set spans.
    """
    magnitude = np.abs(shap_values.to_numpy(dtype=float))
    n, features = magnitude.shape
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, n, size=(resamples, n))
    counts = np.stack([np.bincount(d, minlength=n) for d in draws])      # resamples × n
    boot = counts @ magnitude / n
    ranks = _ranks(boot)
    tail = (1 - level) / 2
    low = np.floor(np.quantile(ranks, tail, axis=0, method="lower")).astype(int)
    high = np.ceil(np.quantile(ranks, 1 - tail, axis=0, method="higher")).astype(int)
    point = _ranks(magnitude.mean(axis=0)[None, :])[0]
    order = np.argsort(point)
    tiers = np.empty(features, dtype=int)
    tier, top = 1, 0
    for position, j in enumerate(order):
        if position and top < low[order[position:]].min():
            tier += 1
        tiers[j] = tier
        top = max(top, int(high[j]))
    sizes = np.bincount(tiers)
    first = {t: int(point[tiers == t].min()) for t in set(tiers.tolist())}
    return {str(f): {"rank": int(point[j]), "rank_low": int(low[j]), "rank_high": int(high[j]),
                     "tier": int(tiers[j]), "tier_size": int(sizes[tiers[j]]),
                     "tier_first": first[tiers[j]],
                     "tier_last": first[tiers[j]] + int(sizes[tiers[j]]) - 1}
            for j, f in enumerate(shap_values.columns)}
