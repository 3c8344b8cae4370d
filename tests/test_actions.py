"""The action list: one row per client, order, consent, offers, reason records."""

from __future__ import annotations

import pandas as pd
import pytest
from _segment_inputs import REAL_EXPORT, empty_reasons, standin_model, toy_clients

from analysis import glossary as g
from analysis.config import SegmentParams
from analysis.segments.actions import COLUMNS, action_list
from analysis.segments.build import build_segments
from analysis.segments.offers import MESSAGE_CHANNELS, load_rules

PARAMS = SegmentParams()


@pytest.fixture(scope="module")
def inputs() -> tuple[pd.DataFrame, pd.Series, pd.DataFrame, dict]:
    clients = toy_clients(300, seed=11)
    probability, shap = standin_model(clients)
    return clients, probability, empty_reasons(clients), build_segments(
        clients, probability, shap, PARAMS)


@pytest.fixture(scope="module")
def actions(inputs: tuple[pd.DataFrame, pd.Series, pd.DataFrame, dict]) -> pd.DataFrame:
    return action_list(*inputs, PARAMS)


def _assert_consent_respected(frame: pd.DataFrame) -> None:
    refused = frame[frame["messages_allowed"] == "нет"]
    assert not refused["channel"].isin(MESSAGE_CHANNELS).any()
    assert set(frame["messages_allowed"]) <= {"да", "нет"}


def test_one_row_per_client_sorted_by_profit_at_risk(
        actions: pd.DataFrame, inputs: tuple[pd.DataFrame, pd.Series, pd.DataFrame, dict]) -> None:
    clients, probability, _, _ = inputs
    assert tuple(actions.columns) == COLUMNS
    assert sorted(actions["id"]) == sorted(clients.index)
    assert actions["id"].is_unique
    assert actions["decline_probability"].between(0, 1).all()
    expected = (probability * clients[g.PROFIT]).rename("x").reset_index()
    expected = expected.sort_values(["x", "id"], ascending=[False, True], kind="mergesort")
    assert actions["id"].tolist() == expected["id"].tolist()
    assert actions["profit_at_risk"].to_numpy() == pytest.approx(
        (actions["decline_probability"] * actions["profit"]).to_numpy())


def test_no_message_channel_without_consent(actions: pd.DataFrame) -> None:
    _assert_consent_respected(actions)
    assert (actions["messages_allowed"] == "нет").any()
    allowed = actions[actions["messages_allowed"] == "да"]
    assert allowed["channel"].isin(MESSAGE_CHANNELS).any()


def test_offers_follow_segments_and_risk(
        actions: pd.DataFrame, inputs: tuple[pd.DataFrame, pd.Series, pd.DataFrame, dict]) -> None:
    segments = {s["code"]: s for s in inputs[3]["segments"]}
    actions_by_rule = {r.action: r.id for r in load_rules()}
    for code, rows in actions[actions["segment"] != ""].groupby("segment"):
        offered = {o["rule"] for o in segments[code]["offers"]}
        assert {actions_by_rule[a] for a in rows["offer"]} <= offered
    low_outside = actions[(actions["segment"] == "") & (actions["risk_level"] == "low")]
    assert (low_outside["offer"] == "").all() and (low_outside["channel"] == "").all()
    at_risk_outside = actions[(actions["segment"] == "") & (actions["risk_level"] != "low")]
    assert (at_risk_outside["offer"] != "").all()
    assert set(actions["risk_level"]) <= {"high", "medium", "low"}


def test_client_in_both_segments_gets_the_priority_one(
        inputs: tuple[pd.DataFrame, pd.Series, pd.DataFrame, dict]) -> None:
    clients, probability, reasons, segments = inputs
    both = clients.index[(clients[g.PROMO] >= 0.5) & (probability >= 0.6)
                         & clients[g.CATEGORY].isin(PARAMS.electronics_categories)]
    assert len(both) > 0
    frame = action_list(clients, probability, reasons, segments, PARAMS).set_index("id")
    assert (frame.loc[both, "segment"] == "promo_risk").all()


def test_reasons_are_carried_and_missing_ones_are_empty(
        inputs: tuple[pd.DataFrame, pd.Series, pd.DataFrame, dict]) -> None:
    clients, probability, reasons, segments = inputs
    frame = action_list(clients, probability, reasons.iloc[:10], segments, PARAMS)
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
    frame = action_list(clients, probability, empty_reasons(clients), segments, PARAMS)
    assert len(frame) == len(clients) == 1297
    _assert_consent_respected(frame)
    assert (frame["segment"] == "promo_risk").sum() == segments["segments"][0]["clients"]
