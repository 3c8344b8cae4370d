"""The action list as files: worded reasons, deterministic CSV and xlsx, Russian headers."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from _segment_inputs import empty_reasons, standin_model, toy_clients
from openpyxl import load_workbook

from analysis.config import DecisionParams, SegmentParams
from analysis.segments.actions import action_list
from analysis.segments.build import build_segments
from analysis.segments.decision import run_seed
from report.actionlist import COLUMNS, HEADERS_RU, action_table, write_action_list

PARAMS = SegmentParams()


@pytest.fixture(scope="module")
def actions() -> pd.DataFrame:
    clients = toy_clients(300, seed=11)
    probability, shap = standin_model(clients)
    segments = build_segments(clients, probability, shap, PARAMS)
    return action_list(clients, probability, empty_reasons(clients), segments, PARAMS,
                       DecisionParams(), run_seed(1, "2026-11"))


def test_reasons_are_worded(actions: pd.DataFrame) -> None:
    table = action_table(actions)
    assert tuple(table.columns) == COLUMNS
    worded = table[actions["reason_1_feature"] != ""]
    assert (worded["reason_1"] == "мало страниц за визит: 3 против 5 у стабильных клиентов").all()
    assert (table.loc[actions["reason_1_feature"] == "", "reason_1"] == "").all()
    assert (table["reason_2"] == "").all()


def test_files_are_deterministic_with_the_right_headers(actions: pd.DataFrame,
                                                        tmp_path: Path) -> None:
    first = (tmp_path / "a.csv", tmp_path / "a.xlsx")
    second = (tmp_path / "b.csv", tmp_path / "b.xlsx")
    write_action_list(actions, *first)
    write_action_list(actions, *second)
    assert first[0].read_bytes() == second[0].read_bytes()
    assert first[1].read_bytes() == second[1].read_bytes()
    text = first[0].read_text(encoding="utf-8")
    assert text.startswith(",".join(COLUMNS) + "\n") and "\r" not in text
    row = text.splitlines()[1].split(",")
    assert len(row[2].split(".")[1]) == 6 and len(row[5].split(".")[1]) == 2
    assert row[1] in {"winback", "prevention"}
    assert set(pd.read_csv(first[0], keep_default_na=False)["arm"]) <= {"test", "control", ""}
    back = pd.read_csv(first[0], keep_default_na=False)
    assert back["id"].tolist() == actions["id"].tolist()
    sheet = load_workbook(first[1]).active
    assert [c.value for c in sheet[1]] == [HEADERS_RU[c] for c in COLUMNS]
    assert sheet.freeze_panes == "A2"
    assert sheet.max_row == len(actions) + 1
    assert sheet.cell(row=2, column=4).value in {"высокий", "средний", "низкий"}


def test_control_characters_and_formula_text_fit_the_xlsx(actions: pd.DataFrame,
                                                          tmp_path: Path) -> None:
    """A category with ANSI/BEL/VT/DEL/U+FFFE in a reason and an offer that reads like a
    formula: openpyxl does not stop (IllegalCharacterError), each bad character becomes
    U+FFFD, the formula stays text; the CSV keeps the text as it is (issue 13, defect 4)."""
    category = "Игрушки\x1b[2J\x07\x0b\x7f\ufffe"
    hostile = actions.copy()
    hostile.loc[:4, ["reason_2_feature", "reason_2_side"]] = ["Популярная_категория", "category"]
    hostile.loc[:4, ["reason_2_reference", "reason_2_share"]] = [0.38, 0.5]
    hostile["reason_2_value"] = hostile["reason_2_value"].astype(object)
    hostile.loc[:4, "reason_2_value"] = category
    hostile.loc[:4, "offer"] = '=HYPERLINK("http://127.0.0.1:9/","x")\x00'
    csv_path, xlsx_path = tmp_path / "scores.csv", tmp_path / "scores.xlsx"
    write_action_list(hostile, csv_path, xlsx_path)
    sheet = load_workbook(xlsx_path).active
    header = [c.value for c in sheet[1]]
    reason = sheet.cell(row=2, column=header.index(HEADERS_RU["reason_2"]) + 1)
    offer = sheet.cell(row=2, column=header.index(HEADERS_RU["offer"]) + 1)
    assert reason.value == ("любимая категория «Игрушки\ufffd[2J\ufffd\ufffd\ufffd\ufffd»: "
                            "снижение у 50\u00a0% таких клиентов против 38\u00a0% в среднем")
    assert offer.data_type == "s" and offer.value == '=HYPERLINK("http://127.0.0.1:9/","x")\ufffd'
    assert [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"] == []
    assert category in pd.read_csv(csv_path, keep_default_na=False)["reason_2"][0]
