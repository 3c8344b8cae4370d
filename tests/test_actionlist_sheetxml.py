"""The list sheets' rows written as text (report/actionlist/sheetxml.py) and the xlsx size limit."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _segment_inputs import toy_action_list
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

import report.actionlist as actionlist
from analysis.config import SegmentParams
from report.actionlist import sheetxml, workbook
from report.actionlist.workbook import _value

PARAMS = SegmentParams()


@pytest.fixture(scope="module")
def actions() -> pd.DataFrame:
    return toy_action_list(300, 11, "2026-11")


def _openpyxl_list_sheet(wb: Workbook, title: str, table: pd.DataFrame, names: dict[str, str],
                         formats: dict[str, str], columns: Sequence[str] = workbook.COLUMNS
                         ) -> None:
    """The list sheet as openpyxl writes it cell by cell (the writer before sheetxml)."""
    ws = wb.create_sheet(title)
    shown = table[list(columns)].assign(**{c: table[c].astype(float).round(d)
                                           for c, d in workbook._ROUNDING.items() if c in columns})
    for index, column in enumerate(columns, start=1):
        longest = max([len(names[column]), *shown[column].head(500).astype(str).str.len()])
        ws.column_dimensions[workbook.get_column_letter(index)].width = min(60, max(10,
                                                                                    longest + 2))
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{workbook.get_column_letter(len(columns))}{len(shown) + 1}"
    ws.append(workbook._bold(ws, (names[c] for c in columns)))
    templates = []
    for column in columns:
        template = None
        if column in formats:
            template = WriteOnlyCell(ws)
            template.number_format = formats[column]
        templates.append(template)
    for row in zip(*(shown[column].tolist() for column in columns), strict=True):
        cells: list[object] = []
        for value, template in zip(row, templates, strict=True):
            value = _value(ws, value)
            if template is not None and value is not None:
                template.value = value
                value = template
            cells.append(value)
        ws.append(cells)


def _hostile(actions: pd.DataFrame) -> pd.DataFrame:
    """Texts with spaces around, XML characters, error codes, formulas, controls; gaps."""
    hostile = actions.copy()
    texts = [" ведущий пробел", "хвост ", "a < b & c > d", "#N/A", "=1+1", "-5", "\x07звонок",
             "", "  ", "\t", "x" * 40_000, "@SUM(A1)"]
    hostile["offer"] = [texts[i % len(texts)] for i in range(len(hostile))]
    hostile["category"] = hostile["category"].astype(object)
    hostile.loc[hostile.index[::7], "category"] = None
    hostile["profit"] = hostile["profit"].astype(float)
    hostile.loc[hostile.index[::5], "profit"] = np.nan
    hostile.loc[hostile.index[1], "profit"] = 1e17 / 3
    hostile.loc[hostile.index[2], "profit"] = -0.0
    return hostile


@pytest.mark.parametrize("hostile", [False, True])
def test_rows_as_text_give_the_bytes_of_openpyxl(actions: pd.DataFrame, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 hostile: bool) -> None:
    scores = _hostile(actions) if hostile else actions
    monkeypatch.setattr(sheetxml, "_BLOCK_ROWS", 37)   # several blocks per sheet
    for name in ("fast", "slow"):
        (tmp_path / name).mkdir()
    fast = actionlist.write_action_list(scores, tmp_path / "fast")
    monkeypatch.setattr(workbook, "_list_sheet", _openpyxl_list_sheet)
    slow = actionlist.write_action_list(scores, tmp_path / "slow")
    for key in ("csv", "codes", "xlsx"):
        assert fast[key].read_bytes() == slow[key].read_bytes(), key
    assert not workbook._PENDING


def test_above_the_sheet_limit_only_the_csvs(actions: pd.DataFrame, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """A list longer than a sheet holds gets no scores.xlsx; both CSVs are the same bytes."""
    for name in ("below", "above"):
        (tmp_path / name).mkdir()
    below = actionlist.write_action_list(actions, tmp_path / "below")
    monkeypatch.setattr(actionlist, "XLSX_MAX_CLIENTS", len(actions) - 1)
    above = actionlist.write_action_list(actions, tmp_path / "above")
    assert set(below) == {"csv", "codes", "xlsx"} and set(above) == {"csv", "codes"}
    assert sorted(p.name for p in (tmp_path / "above").iterdir()) == ["scores-codes.csv",
                                                                      "scores.csv"]
    for key in ("csv", "codes"):
        assert above[key].read_bytes() == below[key].read_bytes(), key
