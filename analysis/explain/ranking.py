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


_BLOCK_CELLS = 20_000_000
"""Resampled client counts held at once (resamples × clients): 160 MB as float64."""


def _bootstrap(magnitude: np.ndarray, resamples: int, seed: int) -> np.ndarray:
    """Mean |SHAP| per feature in each resample of the clients (resamples × features).

    The resamples are drawn a block at a time (the same draws as one call): up to
    :data:`_BLOCK_CELLS` cells in one product (every export up to 20,000 clients at
    the default 1,000 resamples), else blocks of resamples, so that 1,000 × n counts
    are never held at once (24 GB at 1,000,000 clients). A block's product may
    differ from the whole one in the last bit (BLAS splits the work by its shape).
    """
    n = len(magnitude)
    rng = np.random.default_rng(seed)
    block = max(1, _BLOCK_CELLS // max(1, n))
    parts = []
    for start in range(0, resamples, block):
        draws = rng.integers(0, n, size=(min(block, resamples - start), n))
        counts = np.stack([np.bincount(d, minlength=n) for d in draws])  # block × n
        parts.append(counts @ magnitude / n)
    return np.concatenate(parts)


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
    features = magnitude.shape[1]
    boot = _bootstrap(magnitude, resamples, seed)
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
