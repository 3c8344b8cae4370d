"""Win-back vs prevention, the decision rule, the control draw, and counts that agree.

The sums of clients, profit and exposure per group and per segment are the
same in results.json (``segments``), in the page-1 rows and in the action list
(its codes, ``scores-codes.csv``).
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from _segment_inputs import empty_reasons, standin_model, toy_clients

from analysis.config import Config, DecisionParams
from analysis.results.contract import plain
from analysis.segments.decision import control_arms, exposure_interval, run_seed
from analysis.segments.monthly import monthly_plan
from analysis.segments.test_design import observed_baseline
from report.actionlist import write_action_list
from report.text.decision import group_rows, offer_test_rows, sensitivity_rows

CONFIG = Config()


@pytest.fixture(scope="module")
def plan(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    clients = toy_clients(400, seed=7)
    probability, shap = standin_model(clients)
    seg, scores = monthly_plan(clients, probability, shap, empty_reasons(clients), CONFIG,
                               "2026-11")
    out = tmp_path_factory.mktemp("plan")
    paths = write_action_list(scores, out)
    csv = pd.read_csv(paths["codes"], keep_default_na=False,
                      na_values={"expected_value": [""]})
    return plain(seg), scores, csv


def _results(seg: dict) -> dict:
    return {"segments": seg, "params": CONFIG.model_dump(mode="json")}


def test_groups_agree_between_results_page_one_and_scores_csv(
        plan: tuple[dict, pd.DataFrame, pd.DataFrame]) -> None:
    seg, _, csv = plan
    groups = seg["decision"]["groups"]
    assert sum(g["clients"] for g in groups.values()) == len(csv)
    for code, row in zip(("prevention", "winback"), group_rows(_results(seg)), strict=True):
        part = csv[csv["group"] == code]
        assert groups[code]["clients"] == row["clients"] == len(part)
        assert groups[code]["profit"] == pytest.approx(part["profit"].sum(), abs=0.01)
        assert groups[code]["exposure"] == pytest.approx(part["exposure"].sum(), abs=1e-3)
        chosen = part[part["tested_offer"] != ""]
        assert groups[code]["selected"] == row["selected"] == len(chosen)
        assert groups[code]["selected_profit"] == pytest.approx(chosen["profit"].sum(), abs=0.01)
        assert groups[code]["control"] == row["control"] == (chosen["arm"] == "control").sum()
        assert groups[code]["test"] == row["test"] == (part["offer_rule"] != "").sum()


def test_segments_agree_between_results_page_one_and_scores_csv(
        plan: tuple[dict, pd.DataFrame, pd.DataFrame], tmp_path: Path) -> None:
    """Page 1's chart (money by group and segment) adds up to the action list's rows."""
    from figures.plans.segments import exposure_split
    from figures.reader import Bundle

    seg, _, csv = plan
    facts = exposure_split(Bundle(tmp_path, _results(seg))).facts
    assert [s["name"] for s in facts["segments"]] == [s["name"] for s in seg["segments"]]
    for s, bar in zip(seg["segments"], facts["segments"], strict=True):
        part = csv[csv["segment"] == s["code"]]
        assert s["clients"] == len(part)
        for code in ("winback", "prevention"):
            mine = part[part["group"] == code]
            assert s["groups"][code]["clients"] == len(mine)
            assert s["groups"][code]["profit"] == pytest.approx(mine["profit"].sum(), abs=0.01)
        prevention = part[part["group"] == "prevention"]
        assert s["profit_at_risk"] == pytest.approx(prevention["exposure"].sum(), abs=1e-3)
        assert bar["prevention"] == pytest.approx(prevention["exposure"].sum(), abs=1e-3)
        winback = part[part["group"] == "winback"]
        assert bar["winback"] == pytest.approx(winback["profit"].sum(), abs=0.01)
    outside = csv[csv["segment"] == ""]
    groups = facts["groups"]
    assert groups["winback"]["outside"] == pytest.approx(
        outside.loc[outside["group"] == "winback", "profit"].sum(), abs=0.01)
    assert groups["prevention"]["outside"] == pytest.approx(
        outside.loc[outside["group"] == "prevention", "exposure"].sum(), abs=1e-3)
    assert csv["segment"].isin(["", *[s["code"] for s in seg["segments"]]]).all()


def test_tests_are_sized_on_the_clients_who_receive_the_offer(
        plan: tuple[dict, pd.DataFrame, pd.DataFrame]) -> None:
    seg, _, csv = plan
    tests = seg["tests"]
    assert tests["family"] == len(tests["tests"]) > 0
    assert tests["alpha_corrected"] == pytest.approx(tests["alpha"] / tests["family"], abs=1e-6)
    for t in tests["tests"]:
        part = csv[(csv["group"] == t["group"]) & (csv["tested_offer"] == t["rule"])]
        assert t["clients"] == len(part) and t["control"] == (part["arm"] == "control").sum()
        assert t["design"] in {"ready", "pool", "months", "mde"}
        assert t["baseline_source"] == ("observed" if t["group"] == "prevention" else "assumed")
    rows = offer_test_rows(_results(seg))
    assert all(row["design"] and "{" not in row["design"] for row in rows)


def test_costs_channels_and_group_tests_agree_with_the_action_list(
        plan: tuple[dict, pd.DataFrame, pd.DataFrame]) -> None:
    """What page 1 says per group — offers and channels, their cost, the pooled test on the
    drawn arms — is counted from the action list itself."""
    seg, scores, _ = plan
    rule = CONFIG.decision
    for code, grp in seg["decision"]["groups"].items():
        sent = scores[(scores["group"] == code) & (scores["arm"] == "test")]
        cost = len(sent) * rule.offer_cost + sum(
            getattr(rule, f"cost_{c}") for c in sent["channel"])
        assert grp["test_cost"] == pytest.approx(cost, abs=1e-6)
        pooled = seg["tests"]["groups"][code]
        assert (pooled["test"], pooled["control"]) == (grp["test"], grp["control"])
        assert pooled["alpha"] == pytest.approx(
            CONFIG.segments.alpha / len(seg["tests"]["groups"]))
    for offer in seg["decision"]["control"]["by_offer"]:
        sent = scores[(scores["group"] == offer["group"])
                      & (scores["tested_offer"] == offer["rule"]) & (scores["arm"] == "test")]
        assert offer["channels"] == sent["channel"].value_counts().to_dict()
        assert sum(offer["channels"].values()) == offer["test"]
    assert sum(o["test_cost"] for o in seg["decision"]["control"]["by_offer"]) == \
        pytest.approx(sum(g["test_cost"] for g in seg["decision"]["groups"].values()))


def test_sensitivity_moves_the_selection_the_right_way(
        plan: tuple[dict, pd.DataFrame, pd.DataFrame]) -> None:
    seg, _, _ = plan
    table = {(r["assumption"], r["factor"]): r["selected"]
             for r in seg["decision"]["sensitivity"]}
    low, high = CONFIG.decision.sensitivity_factors
    assert (table[("prevention_uplift", high)]["prevention"]["clients"]
            >= table[("prevention_uplift", low)]["prevention"]["clients"])
    assert (table[("offer_cost", low)]["winback"]["clients"]
            >= table[("offer_cost", high)]["winback"]["clients"])
    assert len(sensitivity_rows(_results(seg))) == 1 + len(table)


def test_control_draw_share_and_seed() -> None:
    unit = pd.Series(["a"] * 7 + ["b"] * 13 + [""] * 5, index=range(100, 125))
    arm = control_arms(unit, 0.2, run_seed(1, "2026-11"))
    assert (arm[unit == ""] == "").all()
    for key, n in (("a", 7), ("b", 13)):
        control = int((arm[unit == key] == "control").sum())
        assert control == math.floor(0.2 * n + 0.5)
    assert arm.tolist() == control_arms(unit, 0.2, run_seed(1, "2026-11")).tolist()
    assert run_seed(1, "2026-11") != run_seed(1, "2026-12")


def test_exposure_interval_and_observed_baseline() -> None:
    p = pd.Series([0.0, 1.0, 0.5])
    profit = pd.Series([10.0, 2.0, 4.0])
    lo, hi = exposure_interval(p, profit, 0.9)
    assert lo < 4.0 < hi and lo >= 0
    assert exposure_interval(pd.Series([0.0, 1.0]), pd.Series([3.0, 5.0]), 0.9) == (5.0, 5.0)
    clients = toy_clients(200, seed=2)
    probability, _ = standin_model(clients)
    base = observed_baseline(clients, probability, DecisionParams().similar_bins)
    assert base.between(0, 1).all() and base.nunique() <= DecisionParams().similar_bins


def test_bundle_records_the_seed_and_period(plan: tuple[dict, pd.DataFrame, pd.DataFrame],
                                            tmp_path: Path) -> None:
    control = plan[0]["decision"]["control"]
    assert control["period"] == "2026-11"
    assert control["seed"] == run_seed(CONFIG.model.seed, "2026-11")
    assert control["share"] == CONFIG.segments.control_share


@pytest.mark.real
def test_real_export_groups_segments_and_controls(tmp_path: Path) -> None:
    from _segment_inputs import REAL_EXPORT

    if not (REAL_EXPORT / "market_file.csv").is_file():
        pytest.skip("real export not available in ../shared/data/one-click")
    from analysis.data.clients import load_export

    clients = load_export(REAL_EXPORT).modelled
    probability, shap = standin_model(clients)
    seg, scores = monthly_plan(clients, probability, shap, empty_reasons(clients), CONFIG,
                               "2026-11")
    seg = plain(seg)
    groups = seg["decision"]["groups"]
    assert (groups["winback"]["clients"], groups["prevention"]["clients"]) == (495, 802)
    assert sum(s["clients"] for s in seg["segments"]) == (scores["segment"] != "").sum()
    assert seg["overlap_resolved"] > 0
    assert not any(o["rule"] == "service_apology" for s in seg["segments"] for o in s["offers"])
    assert "service_apology" not in set(scores["tested_offer"])
    for _, part in scores[scores["tested_offer"] != ""].groupby(["group", "tested_offer"]):
        control = (part["arm"] == "control").sum()
        assert abs(control - CONFIG.segments.control_share * len(part)) <= 1
