"""Reading an action list back as codes: this format (scores-codes.csv) and the old one."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from _segment_inputs import toy_action_list

from analysis.config import SegmentParams
from analysis.drift import moved_to_high_risk
from analysis.errors import InputError
from analysis.results import files
from analysis.results.store import read_scores
from report.actionlist import CODE_HEADER, write_action_list

PARAMS = SegmentParams()
OLD_HEADER = ("id,group,decline_probability,risk_level,segment,profit,exposure,expected_value,"
              "reason_1,reason_2,reason_3,offer,messages_allowed,channel,tested_offer,arm")


@pytest.fixture(scope="module")
def actions() -> pd.DataFrame:
    return toy_action_list(120, 5, "2026-10")


def test_a_written_list_reads_back_as_codes(actions: pd.DataFrame, tmp_path: Path) -> None:
    write_action_list(actions, tmp_path)
    scores = read_scores(tmp_path)
    assert scores is not None and tuple(scores.columns) == CODE_HEADER
    assert scores["id"].dtype == "int64" and scores["id"].tolist() == actions["id"].tolist()
    for column in ("group", "risk_level", "segment", "tested_offer", "arm"):
        assert scores[column].tolist() == actions[column].tolist(), column
    assert scores["decline_probability"].to_numpy() == pytest.approx(
        actions["decline_probability"].to_numpy(), abs=1e-6)
    moved = moved_to_high_risk(scores, scores)          # what next month's comparison does
    assert moved["common_clients"] == len(actions) and moved["clients"] == 0


def test_an_old_revision_with_english_scores_csv_is_still_read(tmp_path: Path) -> None:
    (tmp_path / files.SCORES_CSV).write_text(
        OLD_HEADER + "\n215348,winback,0.912345,high,promo_risk,4.10,4.100000,0.105000,"
        "мало страниц за визит: 3 против 5 у стабильных клиентов,,,Персональные рекомендации,"
        "нет,site,few_pages,test\n", encoding="utf-8")
    scores = read_scores(tmp_path)
    assert scores is not None and scores.loc[0, "id"] == 215348
    assert scores.loc[0, "risk_level"] == "high" and scores.loc[0, "arm"] == "test"
    assert scores.loc[0, "tested_offer"] == "few_pages"


def test_a_russian_list_without_its_codes_is_refused_by_name(actions: pd.DataFrame,
                                                             tmp_path: Path) -> None:
    write_action_list(actions, tmp_path)
    (tmp_path / files.SCORES_CODES_CSV).unlink()
    with pytest.raises(InputError, match="нет столбца id"):
        read_scores(tmp_path)
    (tmp_path / files.SCORES_CSV).unlink()
    assert read_scores(tmp_path) is None
