"""The action list: groups, the decision rule, the control draw, consent, reason records."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _segment_inputs import REAL_EXPORT, empty_reasons, standin_model, toy_clients

from analysis import glossary as g
from analysis.config import DecisionParams, SegmentParams
from analysis.segments.actions import COLUMNS, action_list
from analysis.segments.build import build_segments
from analysis.segments.decision import run_seed
from analysis.segments.offers import MESSAGE_CHANNELS

PARAMS = SegmentParams()
DECISION = DecisionParams()
SEED = run_seed(20240601, "2026-11")


@pytest.fixture(scope="module")
def inputs() -> tuple[pd.DataFrame, pd.Series, pd.DataFrame, dict]:
    clients = toy_clients(300, seed=11)
    probability, shap = standin_model(clients)
    return clients, probability, empty_reasons(clients), build_segments(
        clients, probability, shap, PARAMS)


def _list(inputs: tuple, seed: int = SEED, decision: DecisionParams = DECISION
          ) -> pd.DataFrame:
    return action_list(*inputs, PARAMS, decision, seed)


@pytest.fixture(scope="module")
def actions(inputs: tuple[pd.DataFrame, pd.Series, pd.DataFrame, dict]) -> pd.DataFrame:
    return _list(inputs)


def _assert_consent_respected(frame: pd.DataFrame) -> None:
    refused = frame[frame["messages_allowed"] == "нет"]
    assert not refused["channel"].isin(MESSAGE_CHANNELS).any()
    assert set(frame["messages_allowed"]) <= {"да", "нет"}


def test_one_row_per_client_groups_apart_sorted_by_value(
        actions: pd.DataFrame, inputs: tuple[pd.DataFrame, pd.Series, pd.DataFrame, dict]) -> None:
    clients = inputs[0]
    assert tuple(actions.columns) == (*COLUMNS, "contact_cost")
    assert sorted(actions["id"]) == sorted(clients.index)
    assert actions["id"].is_unique
    frame = actions.set_index("id")
    declined = clients.index[clients[g.TARGET] == g.DECLINED]
    assert (frame.loc[declined, "group"] == "winback").all()
    assert (frame.drop(index=declined)["group"] == "prevention").all()
    groups = actions["group"].tolist()
    assert groups == sorted(groups, key=lambda x: x != "prevention")
    for _, part in actions.groupby("group", sort=False):
        values = part["expected_value"].fillna(-1e9).to_numpy()
        assert (np.diff(values) <= 1e-12).all()
    win = frame.loc[declined]
    assert win["exposure"].to_numpy() == pytest.approx(win["profit"].to_numpy())
    prev = frame.drop(index=declined)
    assert prev["exposure"].to_numpy() == pytest.approx(
        (prev["decline_probability"] * prev["profit"]).to_numpy())


def test_the_decision_rule_is_expected_value_above_zero(actions: pd.DataFrame) -> None:
    has = actions["contact_cost"].notna()
    cost = DECISION.offer_cost + actions["contact_cost"]
    gain = np.where(actions["group"] == "winback", actions["profit"] * DECISION.winback_uplift,
                    actions["decline_probability"] * actions["profit"]
                    * DECISION.prevention_uplift)
    assert actions.loc[has, "expected_value"].to_numpy() == pytest.approx(
        (gain - cost)[has.to_numpy()])
    selected = actions["tested_offer"] != ""
    assert (selected == (has & (actions["expected_value"] > 0))).all()
    assert (actions.loc[~selected, "arm"] == "").all()


def test_control_share_per_offer_within_one_client(actions: pd.DataFrame) -> None:
    chosen = actions[actions["tested_offer"] != ""]
    assert len(chosen) > 0
    for _, part in chosen.groupby(["group", "tested_offer"]):
        control = int((part["arm"] == "control").sum())
        assert abs(control - PARAMS.control_share * len(part)) <= 1
        assert set(part["arm"]) <= {"test", "control"}
    control = actions[actions["arm"] == "control"]
    assert (control["offer"] == "").all() and (control["channel"] == "").all()
    test = actions[actions["arm"] == "test"]
    assert (test["offer"] != "").all() and (test["channel"] != "").all()


def test_control_draw_is_seeded_by_period(
        inputs: tuple[pd.DataFrame, pd.Series, pd.DataFrame, dict]) -> None:
    again = _list(inputs)
    other = _list(inputs, seed=run_seed(20240601, "2026-12"))
    first = _list(inputs)
    assert first["arm"].tolist() == again["arm"].tolist()
    assert first["tested_offer"].tolist() == other["tested_offer"].tolist()
    assert first["arm"].tolist() != other["arm"].tolist()
    assert run_seed(1, "2026-11") != run_seed(2, "2026-11")


def test_cheaper_offers_select_more_clients(
        inputs: tuple[pd.DataFrame, pd.Series, pd.DataFrame, dict]) -> None:
    base = (_list(inputs)["tested_offer"] != "").sum()
    cheap = DecisionParams(offer_cost=0.0, cost_email=0, cost_sms=0, cost_push=0,
                           cost_newsletter=0, cost_call=0)
    more = (_list(inputs, decision=cheap)["tested_offer"] != "").sum()
    assert more >= base


def test_no_message_channel_without_consent(actions: pd.DataFrame) -> None:
    _assert_consent_respected(actions)
    assert (actions["messages_allowed"] == "нет").any()
    allowed = actions[actions["messages_allowed"] == "да"]
    assert allowed["channel"].isin(MESSAGE_CHANNELS).any()


def test_offers_follow_segments(
        actions: pd.DataFrame, inputs: tuple[pd.DataFrame, pd.Series, pd.DataFrame, dict]) -> None:
    segments = {s["code"]: s for s in inputs[3]["segments"]}
    for code, rows in actions[(actions["segment"] != "")
                              & (actions["tested_offer"] != "")].groupby("segment"):
        offered = {o["rule"] for o in segments[code]["offers"]}
        assert set(rows["tested_offer"]) <= offered
    assert set(actions["risk_level"]) <= {"high", "medium", "low"}


def test_client_in_both_segments_gets_the_priority_one(
        inputs: tuple[pd.DataFrame, pd.Series, pd.DataFrame, dict]) -> None:
    clients, probability = inputs[0], inputs[1]
    both = clients.index[(clients[g.PROMO] >= 0.5) & (probability >= 0.6)
                         & clients[g.CATEGORY].isin(PARAMS.electronics_categories)]
    assert len(both) > 0
    frame = _list(inputs).set_index("id")
    assert (frame.loc[both, "segment"] == "promo_risk").all()


def test_reasons_are_carried_and_missing_ones_are_empty(
        inputs: tuple[pd.DataFrame, pd.Series, pd.DataFrame, dict]) -> None:
    clients, probability, reasons, segments = inputs
    frame = action_list(clients, probability, reasons.iloc[:10], segments, PARAMS, DECISION,
                        SEED)
    frame = frame.set_index("id")
    assert frame.loc[reasons.index[1], "reason_1_feature"] == "Страниц_за_визит"
    assert frame.loc[reasons.index[1], "reason_1_value"] == 3.0
    features = ["reason_1_feature", "reason_2_feature", "reason_3_feature"]
    assert (frame.loc[reasons.index[10:], features] == "").all().all()
    assert frame.loc[reasons.index[10:], "reason_1_value"].isna().all()


@pytest.mark.real
def test_real_export_action_list_respects_consent() -> None:
    if not (REAL_EXPORT / "market_file.csv").is_file():
        pytest.skip("real export not available in ../shared/data/one-click")
    from analysis.data.clients import load_export

    clients = load_export(REAL_EXPORT).modelled
    probability, shap = standin_model(clients)
    segments = build_segments(clients, probability, shap, PARAMS)
    frame = action_list(clients, probability, empty_reasons(clients), segments, PARAMS,
                        DECISION, SEED)
    assert len(frame) == len(clients) == 1297
    _assert_consent_respected(frame)
    assert (frame["segment"] == "promo_risk").sum() == segments["segments"][0]["clients"]


def test_the_offer_is_what_a_crm_sends_and_the_site_has_its_own_column(
        actions: pd.DataFrame, inputs: tuple[pd.DataFrame, pd.Series, pd.DataFrame, dict]) -> None:
    """Issue 16: site personalisation never fills the CRM offer column."""
    from analysis.segments.offers import CRM_CHANNELS, SITE_CHANNELS

    sent = actions[actions["offer"] != ""]
    assert len(sent) and set(sent["channel"]) <= CRM_CHANNELS
    tested = actions[actions["tested_offer"] != ""]
    assert (tested["messages_allowed"] == "да").all()        # the CRM can reach them
    shown = actions[actions["site_rule"] != ""]
    assert len(shown) and set(shown["site_channel"]) <= SITE_CHANNELS
    assert (shown["site_offer"] != "").all()
    none = actions[actions["site_rule"] == ""]
    assert (none["site_offer"] == "").all() and (none["site_channel"] == "").all()
    refused = actions[actions["messages_allowed"] == "нет"]
    assert (refused["site_rule"] != "").any()                # their offer moved to the site
    control = actions[actions["arm"] == "control"]
    assert (control["site_rule"] != "").any()                # the site ignores the draw
    segments = {s["code"]: {o["rule"] for o in s["offers"]} for s in inputs[3]["segments"]}
    for code, rows in shown[shown["segment"] != ""].groupby("segment"):
        assert set(rows["site_rule"]) <= segments[code]
