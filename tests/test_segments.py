"""Segments: risk × profit view, membership, profiles, offers, tests and sensitivity."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from _segment_inputs import REAL_EXPORT, standin_model, toy_clients

from analysis import glossary as g
from analysis.config import SegmentParams
from analysis.segments.build import build_segments, sensitivity, value_at_risk
from analysis.segments.definitions import SEGMENTS, assign_segment, memberships
from analysis.segments.offers import load_rules
from analysis.segments.profiles import differences, drivers, rank_biserial, rule_check
from analysis.segments.test_design import min_detectable_uplift, sample_size
from report.text.segments import definition_text, difference_text

PARAMS = SegmentParams()


@pytest.fixture(scope="module")
def toy() -> tuple[pd.DataFrame, pd.Series, pd.DataFrame]:
    clients = toy_clients()
    probability, shap = standin_model(clients)
    return clients, probability, shap


@pytest.fixture(scope="module")
def result(toy: tuple[pd.DataFrame, pd.Series, pd.DataFrame]) -> dict:
    return build_segments(*toy, PARAMS)


def test_sample_size_matches_the_textbook_value() -> None:
    assert sample_size(0.5, 0.55, 0.5, 0.05, 0.8) == (1565, 1565)


def test_unequal_allocation_and_its_inverse() -> None:
    n_control, n_treatment = sample_size(0.3, 0.35, 0.2, 0.05, 0.8)
    assert n_treatment == pytest.approx(4 * n_control, abs=4)
    assert n_control + n_treatment > 2 * 1565 * 0.8
    smallest = min_detectable_uplift(n_control + n_treatment, 0.3, 0.2, 0.05, 0.8)
    assert smallest == pytest.approx(0.05, abs=5e-4)
    assert min_detectable_uplift(3, 0.3, 0.2, 0.05, 0.8) is None


def test_detectable_uplift_of_the_actual_arms() -> None:
    """The arms as drawn (12 of 65 in control, not 20 %) give the test's own smallest effect;
    it shrinks with more clients, and one empty arm detects nothing."""
    from analysis.segments.test_design import detectable_uplift, group_test

    n_control, n_treatment = sample_size(0.3, 0.35, 0.2, 0.05, 0.8)
    assert detectable_uplift(n_control, n_treatment, 0.3, 0.05, 0.8) == pytest.approx(
        0.05, abs=5e-4)
    small = detectable_uplift(12, 53, 0.6, 0.025, 0.8)
    assert small is not None and 0.2 < small < 0.4
    assert detectable_uplift(120, 530, 0.6, 0.025, 0.8) < small
    assert detectable_uplift(0, 53, 0.6, 0.025, 0.8) is None
    params = PARAMS.model_copy(update={"uplift": 0.05})
    test = group_test("prevention", 53, 12, 0.6, params, 0.025)
    assert (test["test"], test["control"]) == (53, 12)
    assert test["min_detectable_uplift"] == pytest.approx(small)
    assert test["powered"] is False and test["months"] >= 2
    assert test["baseline_source"] == "observed"
    assert group_test("winback", 9000, 2250, 0.05, params, 0.025)["powered"] is True


def test_rank_biserial_and_profile_sentences() -> None:
    assert rank_biserial(pd.Series([1, 2]), pd.Series([3, 4])) == -1.0
    assert rank_biserial(pd.Series([5, 5]), pd.Series([5, 5])) == 0.0
    assert rank_biserial(pd.Series([], dtype=float), pd.Series([1.0])) is None
    segment = pd.DataFrame({"Страниц_за_визит": [3.0, 4, 5], g.PROMO: [0.9, 0.95, 0.8]})
    stable = pd.DataFrame({"Страниц_за_визит": [8.0, 9, 10], g.PROMO: [0.2, 0.3, 0.25]})
    rows = differences(segment, stable, top=5)
    assert {r["feature"] for r in rows} == {"Страниц_за_визит", g.PROMO}
    pages = next(r for r in rows if r["feature"] == "Страниц_за_визит")
    assert difference_text(pages) == "страниц за визит: 4 против 9 у стабильных"
    assert pages["direction"] == "lower" and pages["effect"] == -1.0


def test_drivers_are_the_largest_positive_mean_shap() -> None:
    shap = pd.DataFrame({"a": [1.0, 3.0, -9.0], "b": [0.5, 0.5, 0.0], "c": [-1.0, -1.0, 5.0]},
                        index=[1, 2, 3])
    top = drivers(shap, pd.Index([1, 2, 4]))
    assert [d["feature"] for d in top] == ["a", "b"]
    assert top[0]["mean_shap"] == pytest.approx(2.0)


def test_membership_follows_the_definitions() -> None:
    clients = pd.DataFrame({
        g.PROMO: [0.9, 0.9, 0.2, 0.2, 0.2],
        g.CATEGORY: ["Товары для детей", "Техника для красоты и здоровья",
                     "Мелкая бытовая техника и электроника", "Техника для красоты и здоровья",
                     "Товары для детей"],
        g.TARGET: [g.STABLE, g.STABLE, g.DECLINED, g.STABLE, g.DECLINED],
    }, index=pd.Index([1, 2, 3, 4, 5], name="id"))
    probability = pd.Series([0.7, 0.9, 0.1, 0.65, 0.95], index=clients.index)
    member = memberships(clients, probability, PARAMS)
    assert list(member.columns) == ["promo_risk", "electronics_decline"]
    assert member["promo_risk"].tolist() == [True, True, False, False, False]
    assert member["electronics_decline"].tolist() == [False, True, True, True, False]
    assert assign_segment(member).tolist() == [
        "promo_risk", "promo_risk", "electronics_decline", "electronics_decline", ""]


def test_value_at_risk_cells_add_up(toy: tuple[pd.DataFrame, pd.Series, pd.DataFrame]) -> None:
    clients, probability, _ = toy
    cells, thresholds = value_at_risk(clients, probability, PARAMS)
    assert sum(c["clients"] for c in cells) == len(clients)
    assert [(c["risk"], c["profit"]) for c in cells] == [
        (r, p) for r in ("high", "medium", "low") for p in ("high", "low")]
    assert sum(c["clients"] for c in cells) == len(clients)
    total = float((probability * clients[g.PROFIT]).sum())
    assert sum(c["profit_at_risk"] for c in cells) == pytest.approx(total)
    assert thresholds["profit_threshold"] == pytest.approx(clients[g.PROFIT].median())


def _decimals_ok(value: object) -> bool:
    if isinstance(value, dict):
        return all(_decimals_ok(v) for v in value.values())
    if isinstance(value, list):
        return all(_decimals_ok(v) for v in value)
    if isinstance(value, float):
        return round(value, 6) == value
    return value is None or isinstance(value, str | int | bool)


def test_results_are_json_ready_and_deterministic(
        result: dict, toy: tuple[pd.DataFrame, pd.Series, pd.DataFrame]) -> None:
    text = json.dumps(result, ensure_ascii=False, allow_nan=False, sort_keys=True)
    again = json.dumps(build_segments(*toy, PARAMS), ensure_ascii=False, sort_keys=True)
    assert text == again
    assert _decimals_ok(result)
    assert set(result) == {"clients", "priority", "profit_at_risk_total", "value_at_risk",
                           "value_at_risk_thresholds", "segments", "rule_checks",
                           "overlap_resolved", "coverage"}
    assert [s["code"] for s in result["segments"]] == ["promo_risk", "electronics_decline"]


def test_every_segment_has_a_full_profile(result: dict) -> None:
    keys = {"name", "code", "thresholds", "clients", "share", "mean_probability",
            "mean_profit", "profit_at_risk", "differences", "drivers", "offers", "sensitivity"}
    for segment in result["segments"]:
        assert keys <= set(segment)
        assert segment["clients"] > 0
        assert "0,60" in definition_text(segment)
        assert 1 <= len(segment["drivers"]) <= 3
        assert 2 <= len(segment["offers"]) <= PARAMS.max_offers
        for offer in segment["offers"]:
            assert offer["channel_for_no_permission"] in {"site", "personal_account"}
            assert "{" not in offer["title"]
        groups = segment["groups"]
        assert groups["winback"]["clients"] + groups["prevention"]["clients"] == segment["clients"]
        assert segment["profit_at_risk"] == pytest.approx(groups["prevention"]["exposure"])
    promo = result["segments"][0]
    assert "50\u00a0%" in definition_text(promo)
    assert promo["differences"][0]["feature"] in {g.PROMO, "Страниц_за_визит"}
    assert any(o["rule"] == "promo_calendar" for o in promo["offers"])


def test_sensitivity_structure(result: dict) -> None:
    for segment, definition in zip(result["segments"], SEGMENTS, strict=True):
        sens = segment["sensitivity"]
        assert [t["threshold"] for t in sens["thresholds"]] == list(definition.numeric)
        for row in sens["thresholds"]:
            values = [v["value"] for v in row["variants"]]
            assert values == pytest.approx([row["base"] * 0.9, row["base"] * 1.1])
            assert all(v["clients"] >= 0 for v in row["variants"])
        assert sens["verdict"] in {"stable", "sensitive"}
        assert sens["base_clients"] == segment["clients"]   # disjoint size


def test_sensitivity_verdict_flags_a_threshold_on_a_cliff() -> None:
    clients = toy_clients(100)
    clients[g.PROMO] = 0.9
    probability = pd.Series(np.r_[np.full(50, 0.62), np.full(50, 0.2)], index=clients.index)
    sens = sensitivity(SEGMENTS[0], clients, probability, PARAMS)
    assert sens["base_clients"] == 50
    assert sens["verdict"] == "sensitive"
    assert sens["max_size_change"] == 1.0
    stable = sensitivity(SEGMENTS[0], clients.assign(**{g.PROMO: 0.99}),
                         pd.Series(0.9, index=clients.index), PARAMS)
    assert stable["verdict"] == "stable" and stable["max_size_change"] == 0.0


def test_probability_must_cover_every_client(
        toy: tuple[pd.DataFrame, pd.Series, pd.DataFrame]) -> None:
    clients, probability, shap = toy
    with pytest.raises(ValueError, match="decline_probability"):
        build_segments(clients, probability.iloc[1:], shap, PARAMS)
    with pytest.raises(ValueError, match="decline_probability"):
        build_segments(clients, probability + 1, shap, PARAMS)


@pytest.mark.real
def test_study_segments_on_the_real_export() -> None:
    if not (REAL_EXPORT / "market_file.csv").is_file():
        pytest.skip("real export not available in ../shared/data/one-click")
    from analysis.data.clients import load_export

    clients = load_export(REAL_EXPORT).modelled
    probability, shap = standin_model(clients)
    result = build_segments(clients, probability, shap, PARAMS)
    sizes = {s["code"]: s["clients"] for s in result["segments"]}
    assert result["clients"] == 1297
    assert sizes["promo_risk"] > 50 and sizes["electronics_decline"] > 50
    electronics = result["segments"][1]
    assert electronics["declined_share"] > 0.5
    assert math.isclose(sum(c["profit_at_risk"] for c in result["value_at_risk"]),
                        result["profit_at_risk_total"], abs_tol=1e-4)
    member = memberships(clients, probability, PARAMS)
    assert sum(s["clients"] for s in result["segments"]) == int(member.any(axis=1).sum())


def test_segments_are_disjoint_by_priority(
        result: dict, toy: tuple[pd.DataFrame, pd.Series, pd.DataFrame]) -> None:
    clients, probability, _ = toy
    member = memberships(clients, probability, PARAMS)
    assert sum(s["clients"] for s in result["segments"]) == int(member.any(axis=1).sum())
    assert result["overlap_resolved"] == int(member.all(axis=1).sum())
    first = result["segments"][0]
    assert first["clients"] == int(member[first["code"]].sum())
    assert result["priority"] == [d.code for d in SEGMENTS]


def test_rule_fires_only_where_the_data_agree() -> None:
    clients = toy_clients(300, seed=5)
    declined = clients[g.TARGET].eq(g.DECLINED)
    clients["Ошибка_сервиса"] = np.where(declined, 1, 6)   # decliners have fewer errors
    rules = {r.id: r for r in load_rules()}
    check = rule_check(rules["service_apology"], clients)
    assert check["effect"] < 0 and check["fires"] is False
    assert rule_check(rules["few_pages"], clients)["fires"] is True
    probability, shap = standin_model(clients)
    result = build_segments(clients, probability, shap, PARAMS)
    assert all(o["rule"] != "service_apology" for s in result["segments"] for o in s["offers"])


def test_offers_of_a_segment_never_share_a_feature(result: dict) -> None:
    for segment in result["segments"]:
        features = [o["basis"].get("feature") for o in segment["offers"]
                    if o["basis"]["kind"] == "feature"]
        assert len(features) == len(set(features))
