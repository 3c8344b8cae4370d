"""Bootstrap rank intervals and tiers of the global drivers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.explain import ranking
from analysis.explain.ranking import rank_intervals


def _values(scales: dict[str, float], n: int = 400, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({f: rng.normal(0, s, n) for f, s in scales.items()})


def test_clearly_separated_features_get_resolved_ranks() -> None:
    found = rank_intervals(_values({"c": 1.0, "a": 3.0, "b": 2.0}), 300, 0.95, seed=1)
    assert {f: r["rank"] for f, r in found.items()} == {"a": 1, "b": 2, "c": 3}
    for r in found.values():
        assert r["rank_low"] == r["rank"] == r["rank_high"] and r["tier_size"] == 1
        assert r["tier_first"] == r["tier_last"] == r["rank"]
    assert sorted(r["tier"] for r in found.values()) == [1, 2, 3]


def test_features_of_equal_importance_form_one_set() -> None:
    values = _values({"a": 3.0, "b": 1.0, "c": 1.0, "d": 0.1})
    values["c"] = -values["b"].to_numpy()[::-1]          # the same mean |SHAP|, other clients
    found = rank_intervals(values, 300, 0.95, seed=1)
    assert found["a"]["tier_size"] == 1 and found["a"]["rank"] == 1
    assert found["b"]["tier"] == found["c"]["tier"] and found["b"]["tier_size"] == 2
    assert {found["b"]["rank"], found["c"]["rank"]} == {2, 3}
    assert found["b"]["tier_first"] == 2 and found["b"]["tier_last"] == 3
    assert found["b"]["rank_low"] == 2 and found["b"]["rank_high"] == 3
    assert found["d"]["rank"] == 4 and found["d"]["tier_size"] == 1


def test_the_same_seed_gives_the_same_intervals() -> None:
    values = _values({"a": 1.0, "b": 1.02, "c": 0.98})
    assert rank_intervals(values, 200, 0.9, seed=5) == rank_intervals(values, 200, 0.9, seed=5)


def _one_product(magnitude: np.ndarray, resamples: int, seed: int) -> np.ndarray:
    n = len(magnitude)
    draws = np.random.default_rng(seed).integers(0, n, size=(resamples, n))
    return np.stack([np.bincount(d, minlength=n) for d in draws]) @ magnitude / n


def test_bootstrap_in_blocks_draws_the_same_resamples(monkeypatch: pytest.MonkeyPatch) -> None:
    """Up to the block size one product (the same bits); above it blocks of resamples with the
    same draws (equal to rounding), so 1,000 × n counts are never held at once."""
    magnitude = np.abs(np.random.default_rng(4).normal(size=(300, 6)))
    whole = _one_product(magnitude, 200, 8)
    np.testing.assert_array_equal(ranking._bootstrap(magnitude, 200, 8), whole)
    monkeypatch.setattr(ranking, "_BLOCK_CELLS", 7 * 300)
    np.testing.assert_allclose(ranking._bootstrap(magnitude, 200, 8), whole, rtol=1e-12)
