"""Behaviour tests, effect sizes, facts, phik and the id leakage check."""

from __future__ import annotations

import json
import math
import pathlib

import numpy as np
import pandas as pd
import pytest

from analysis import glossary as g
from analysis.behaviour.stats import (
    COLUMNS,
    adjust_pvalues,
    behaviour_records,
    behaviour_tests,
    breakdowns,
    cliffs_delta,
    cramers_v,
    facts,
    id_leakage,
    magnitude,
    money_scale,
    monthly_profile,
    phik_matrix,
    rank_biserial,
)
from analysis.config import StatsParams

REAL = pathlib.Path(__file__).resolve().parents[2] / "shared" / "data" / "one-click"
FEATURES = [f for features in g.GROUPS.values() for f in features]


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False, sort_keys=True)


def _clients(n: int = 240, seed: int = 1) -> pd.DataFrame:
    """Synthetic clients: only pages per visit (lower) and promo share (higher) differ."""
    rng = np.random.default_rng(seed)
    declined = np.arange(n) % 3 == 0
    frame = pd.DataFrame({f: rng.normal(10, 2, n).round(1) for f in FEATURES
                          if f not in g.CATEGORICAL}, index=pd.Index(range(1, n + 1), name="id"))
    frame[g.TARGET] = np.where(declined, g.DECLINED, g.STABLE)
    frame["Страниц_за_визит"] -= 4 * declined
    frame[g.PROMO] = rng.uniform(0, 0.3, n) + 0.4 * declined
    frame[g.MINUTES_COLUMNS[1]] = frame[g.MINUTES_COLUMNS[0]] + rng.normal(0, 0.01, n)
    frame[g.SERVICE] = rng.choice(["премиум", "стандарт"], n)
    frame[g.PERMISSION] = rng.choice(["да", "нет"], n)
    frame[g.CATEGORY] = np.where(declined & (rng.uniform(size=n) < 0.8), "Кухонная посуда",
                                 rng.choice(["Домашний текстиль", "Товары для детей"], n))
    return frame


# --- building blocks ------------------------------------------------------------------------


def test_holm_on_known_p_values() -> None:
    adjusted = adjust_pvalues([0.01, 0.04, 0.03, 0.005], "holm")
    assert np.allclose(adjusted, [0.03, 0.06, 0.06, 0.02])


def test_benjamini_hochberg_on_known_p_values() -> None:
    adjusted = adjust_pvalues([0.01, 0.04, 0.03, 0.005], "fdr_bh")
    assert np.allclose(adjusted, [0.02, 0.04, 0.04, 0.02])


def test_correction_caps_at_one_and_keeps_nan_out_of_the_family() -> None:
    adjusted = adjust_pvalues([0.5, np.nan, 0.4], "holm")
    assert np.isnan(adjusted[1])
    assert np.allclose(adjusted[[0, 2]], [0.8, 0.8])
    assert adjust_pvalues([0.9, 0.8], "holm").max() == 1.0
    with pytest.raises(ValueError):
        adjust_pvalues([0.1], "bonferroni")


def test_rank_biserial_sign_and_equivalence_with_cliffs_delta() -> None:
    u, p, r = rank_biserial(np.array([5.0, 6, 7, 8]), np.array([1.0, 2, 3, 4]))
    assert (u, r) == (16.0, 1.0)
    assert 0 < p < 0.05
    assert rank_biserial(np.array([1.0, 2, 3]), np.array([4.0, 5, 6]))[2] == -1.0
    rng = np.random.default_rng(0)
    x, y = rng.integers(0, 6, 50).astype(float), rng.integers(1, 7, 70).astype(float)
    assert rank_biserial(x, y)[2] == pytest.approx(cliffs_delta(x, y))
    assert cliffs_delta(x, y) < 0


def test_cramers_v_perfect_and_independent_tables() -> None:
    assert cramers_v([[10, 0], [0, 10]])[2] == pytest.approx(1.0)
    assert cramers_v([[7, 0], [0, 5], [0, 9]])[2] == pytest.approx(1.0)
    chi2, p, v, k = cramers_v([[10, 10], [10, 10]])
    assert (chi2, v, k) == (0.0, 0.0, 1) and p == pytest.approx(1.0)
    assert math.isnan(cramers_v([[3, 4]])[2])


def test_magnitude_cut_offs() -> None:
    cuts = (0.147, 0.33, 0.474)
    words = [magnitude(v, cuts) for v in (0.0, -0.2, 0.4, -0.474, 0.9)]
    assert words == ["negligible", "small", "medium", "large", "large"]
    assert magnitude(math.nan, cuts) is None


# --- tables -------------------------------------------------------------------------------


def test_behaviour_tests_on_a_known_shift() -> None:
    tests = behaviour_tests(_clients(), StatsParams())
    assert list(tests.columns) == list(COLUMNS)
    assert list(tests["feature"]) == FEATURES
    assert list(tests["group"].unique()) == list(g.GROUPS)
    rows = tests.set_index("feature")
    pages, promo = rows.loc["Страниц_за_визит"], rows.loc[g.PROMO]
    assert pages["significant"] and pages["effect_size"] < -0.6
    assert pages["effect_magnitude"] == "large" and pages["effect_name"] == "rank_biserial"
    assert pages["declined_median"] < pages["stable_median"]
    assert promo["significant"] and promo["effect_size"] > 0.6
    category = rows.loc[g.CATEGORY]
    assert (category["kind"], category["test"], category["effect_name"]) == (
        "categorical", "chi2", "cramers_v")
    assert category["significant"] and category["top_category"] == "Кухонная посуда"
    assert category["top_category_share"] > category["base_share"]
    assert not rows.loc[g.PERMISSION, "significant"]
    assert (tests["p_adjusted"] >= tests["p_value"]).all()


def test_behaviour_tests_records_are_json_ready_and_deterministic() -> None:
    params = StatsParams(correction="fdr_bh")
    first = behaviour_records(behaviour_tests(_clients(), params))
    second = behaviour_records(behaviour_tests(_clients(), params))
    assert _json(first) == _json(second)
    numeric = next(r for r in first if r["feature"] == "Длительность")
    assert numeric["top_category"] is None and isinstance(numeric["p_value"], float)
    assert type(numeric["significant"]) is bool
    assert first[0]["declined_median"] is None


def test_facts_and_breakdowns_count_on_all_clients() -> None:
    clients = pd.DataFrame({
        g.TARGET: [g.DECLINED, g.DECLINED, g.STABLE, g.STABLE, g.STABLE],
        g.SERVICE: ["премиум", "стандарт", "премиум", "стандарт", "стандарт"],
        g.PERMISSION: ["да", "нет", "нет", "да", "да"],
        g.CATEGORY: ["A", "B", "B", "B", "A"],
    }, index=pd.Index([1, 2, 3, 4, 5], name="id"))
    out = facts(clients, clients.iloc[:4])
    assert (out["clients_total"], out["clients_modelled"], out["declined"]) == (5, 4, 2)
    assert out["decline_share"] == 0.4 and out["decline_share_modelled"] == 0.5
    assert out["premium_allow_messages_share"] == 0.5 and out["premium_decline_share"] == 0.5
    assert out["standard_allow_messages_share"] == pytest.approx(0.666667)
    split = breakdowns(clients)
    category = next(f for f in split["features"] if f["feature"] == g.CATEGORY)
    assert category["rows"] == [
        {"value": "A", "clients": 2, "declined": 1, "decline_share": 0.5},
        {"value": "B", "clients": 3, "declined": 1, "decline_share": 0.333333}]
    assert split["overall"] == {"clients": 5, "declined": 2, "decline_share": 0.4}
    assert _json(out) and _json(split)


def test_id_leakage_sees_ids_ordered_by_target() -> None:
    target = [g.DECLINED] * 5 + [g.STABLE] * 5
    blocks = pd.DataFrame({g.TARGET: target}, index=pd.Index(range(10), name="id"))
    out = id_leakage(blocks)
    assert out["auc"] == 0.0 and out["separability"] == 1.0 and out["leak"]
    assert set(out) == {"auc", "separability", "spearman", "leak"}
    mixed = pd.DataFrame({g.TARGET: target, "id": [0, 9, 2, 7, 4, 5, 3, 6, 1, 8]})
    assert not id_leakage(mixed)["leak"]
    _json(out)


def test_monthly_profile_means_by_target() -> None:
    clients = _clients(30)
    profile = monthly_profile(clients)
    revenue = profile["revenue"]
    assert revenue["periods"] == list(g.MONTHS) and revenue["columns"] == list(g.REVENUE_COLUMNS)
    declined = next(s for s in revenue["series"] if s["target"] == g.DECLINED)
    expected = clients.loc[clients[g.TARGET] == g.DECLINED, g.REVENUE_COLUMNS[0]].mean()
    assert declined["means"][0] == pytest.approx(expected, rel=1e-5)
    assert len(profile["minutes"]["series"][1]["means"]) == len(g.MINUTES_COLUMNS)
    _json(profile)


def test_money_scale_says_what_the_profit_unit_implies() -> None:
    """Median profit 4 (тыс. ₽) against median revenue 5 000 ₽ is 80 % of revenue."""
    frame = pd.DataFrame({**{c: [4000.0, 5000.0, 6000.0] for c in g.REVENUE_COLUMNS},
                          g.PROFIT: [3.0, 4.0, 9.0]})
    out = money_scale(frame, "тыс.\u00a0₽")
    assert (out["profit_median"], out["revenue_median"]) == (4.0, 5000.0)
    assert out["unit_in_roubles"] == 1000 and out["profit_to_revenue"] == pytest.approx(0.8)
    assert money_scale(frame, "₽")["profit_to_revenue"] == pytest.approx(0.0008)
    assert money_scale(frame, "у. е.")["profit_to_revenue"] is None    # unknown unit: no share
    _json(out)


def test_phik_samples_stratified_and_finds_collinear_pairs() -> None:
    clients = _clients(400)
    out = phik_matrix(clients, StatsParams(phik_sample=200), seed=3)
    assert out["sample_size"] == 200
    assert out["columns"][-1] == g.TARGET and len(out["matrix"]) == len(FEATURES) + 1
    assert out["target_phik"]["Страниц_за_визит"] > 0.5
    pair = {"a": g.MINUTES_COLUMNS[0], "b": g.MINUTES_COLUMNS[1]}
    assert any({p["a"], p["b"]} == set(pair.values()) for p in out["collinear"])
    assert _json(out) == _json(phik_matrix(clients, StatsParams(phik_sample=200), seed=3))


# --- the real export ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real() -> tuple[pd.DataFrame, pd.DataFrame]:
    if not (REAL / "market_file.csv").is_file():
        pytest.skip("real export not available in ../shared/data/one-click")
    from analysis.data.clients import load_export

    data = load_export(REAL)
    return data.clients, data.modelled


@pytest.mark.real
def test_real_facts(real: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    out = facts(*real)
    assert (out["clients_total"], out["declined"]) == (1300, 498)
    assert out["decline_share"] == pytest.approx(0.3831, abs=5e-4)
    assert out["premium_allow_messages_share"] == pytest.approx(0.8697, abs=5e-4)
    assert out["premium_decline_share"] == pytest.approx(0.4521, abs=5e-4)
    assert out["standard_allow_messages_share"] == pytest.approx(0.687, abs=5e-4)
    assert out["standard_decline_share"] == pytest.approx(0.355, abs=5e-4)
    money = money_scale(real[1], "тыс. ₽")          # the unit's implausible margin, issue 16
    assert 0.7 < money["profit_to_revenue"] < 0.9 and 4000 < money["revenue_median"] < 6000


@pytest.mark.real
def test_real_id_leakage(real: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    out = id_leakage(real[0])
    assert out["separability"] > 0.95 and out["leak"]


@pytest.mark.real
def test_real_behaviour_tests(real: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    tests = behaviour_tests(real[1], StatsParams()).set_index("feature")
    pages = tests.loc["Страниц_за_визит"]
    assert pages["significant"] and pages["effect_size"] < 0
    assert pages["effect_magnitude"] in ("medium", "large")
    strongest = tests["effect_size"].abs().sort_values(ascending=False).index[:4]
    assert {"Страниц_за_визит", g.MINUTES_COLUMNS[0], g.PROMO} <= set(strongest)
    _json(behaviour_records(tests.reset_index()))


@pytest.mark.real
def test_real_phik(real: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    out = phik_matrix(real[1], StatsParams(), seed=20240601)
    assert g.TARGET in out["columns"] and out["sample_size"] == len(real[1])
    top = max(out["target_phik"], key=lambda f: out["target_phik"][f] or 0)
    assert top == "Страниц_за_визит"
    _json(out)
