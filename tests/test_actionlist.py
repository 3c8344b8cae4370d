"""The action list as files: Russian headers, Excel's CSV, formats, sheets, codes (issue 16)."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pandas as pd
import pytest
from _segment_inputs import toy_action_list
from openpyxl import load_workbook

from analysis.config import Config, ConfigError, SegmentParams, load_config
from analysis.segments.offers import CRM_CHANNELS, SITE_CHANNELS
from report.actionlist import (
    CODE_HEADER,
    COLUMNS,
    NUMBERS,
    ListOptions,
    action_table,
    write_action_list,
)
from report.actionlist.cells import csv_texts
from report.actionlist.workbook import CRM_SHEET_COLUMNS, SITE_SHEET_COLUMNS
from report.text.actionlist import CODE_COLUMNS, SHEETS, headers
from report.text.words import CHANNEL_LABELS

PARAMS = SegmentParams()
UNIT = "тыс. ₽"
RU = headers(UNIT)


@pytest.fixture(scope="module")
def actions() -> pd.DataFrame:
    return toy_action_list(300, 11, "2026-11")


@pytest.fixture(scope="module")
def written(actions: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_action_list(actions, tmp_path_factory.mktemp("list"))


def _excel_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle, delimiter=";"))


def test_reasons_are_worded(actions: pd.DataFrame) -> None:
    table = action_table(actions)
    assert tuple(table.columns) == COLUMNS
    worded = table[actions["reason_1_feature"] != ""]
    assert (worded["reason_1"] == "мало страниц за визит: 3 против 5 у стабильных клиентов").all()
    assert (table.loc[actions["reason_1_feature"] == "", "reason_1"] == "").all()
    assert (table["reason_2"] == "").all()


def test_csv_for_russian_excel_has_russian_headers_percent_and_units(
        actions: pd.DataFrame, written: dict[str, Path]) -> None:
    raw = written["csv"].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw       # BOM, CRLF
    rows = _excel_rows(written["csv"])
    assert rows[0] == [RU[c] for c in COLUMNS]
    assert all(re.search("[а-яё]", h, re.IGNORECASE) for h in rows[0])    # Russian, every one
    assert not set(rows[0]) & {*CODE_HEADER, *COLUMNS}
    assert RU["decline_probability"].endswith(", %") and RU["profit"].endswith(f", {UNIT}")
    assert len(rows) == len(actions) + 1
    first = dict(zip(rows[0], rows[1], strict=True))
    p = float(actions.loc[0, "decline_probability"])
    assert first[RU["decline_probability"]] == f"{round(100 * p, 1):.1f}".replace(".", ",")
    assert first[RU["profit"]] == f"{actions.loc[0, 'profit']:.2f}".replace(".", ",")
    assert first[RU["group"]].startswith("профилактика")
    assert first[RU["risk_level"]] in {"высокий", "средний", "низкий"}
    control = [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
    assert {r[RU["control"]] for r in control} == {"да", "нет"}
    assert sum(r[RU["control"]] == "да" for r in control) == (actions["arm"] == "control").sum()


def test_plain_csv_and_codes_csv(actions: pd.DataFrame, tmp_path: Path) -> None:
    paths = write_action_list(actions, tmp_path, options=ListOptions(csv_format="plain"))
    text = paths["csv"].read_text(encoding="utf-8")
    assert not text.startswith("\ufeff") and "\r" not in text
    back = pd.read_csv(paths["csv"], keep_default_na=False)
    assert list(back.columns) == [RU[c] for c in COLUMNS]
    assert back[RU["decline_probability"]].between(0, 100).all()
    codes = pd.read_csv(paths["codes"], keep_default_na=False, dtype=str)
    assert tuple(codes.columns) == CODE_HEADER
    assert codes["id"].astype(int).tolist() == actions["id"].tolist()
    assert set(codes["group"]) <= {"prevention", "winback"}
    assert set(codes["arm"]) <= {"test", "control", ""}
    assert (codes["control"] == "1").sum() == (codes["arm"] == "control").sum()
    assert codes["decline_probability"].astype(float).between(0, 1).all()
    assert set(codes.loc[codes["offer_rule"] != "", "channel"]) <= CRM_CHANNELS
    assert set(codes.loc[codes["site_rule"] != "", "site_channel"]) <= SITE_CHANNELS
    assert (codes.loc[codes["reason_1"] != "", "reason_1"] == "Страниц_за_визит:low").all()


def test_files_are_deterministic(actions: pd.DataFrame, tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = write_action_list(actions, tmp_path / "a")
    second = write_action_list(actions, tmp_path / "b")
    for key in ("csv", "codes", "xlsx"):
        assert first[key].read_bytes() == second[key].read_bytes(), key


def test_xlsx_formats_probability_as_percent_and_money_with_unit(
        actions: pd.DataFrame, written: dict[str, Path]) -> None:
    sheet = load_workbook(written["xlsx"])[SHEETS["all"]]
    header = [c.value for c in sheet[1]]
    assert header == [RU[c] for c in COLUMNS]
    assert sheet.freeze_panes == "A2" and sheet.max_row == len(actions) + 1
    p = sheet.cell(row=2, column=header.index(RU["decline_probability"]) + 1)
    assert p.number_format == "0.0%" and 0 <= p.value <= 1
    for column in ("profit", "exposure", "expected_value"):
        money = sheet.cell(row=2, column=header.index(RU[column]) + 1)
        assert money.number_format == f'#,##0.00" {UNIT}"' and isinstance(money.value, float)


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_formula_like_text_is_text_in_every_file(actions: pd.DataFrame, tmp_path: Path,
                                                 start: str) -> None:
    """A text cell that starts like a formula stays text: a string cell with the quote
    prefix in every sheet, a leading apostrophe in both CSVs (issue 16)."""
    hostile = actions.copy()
    formula = f'{start}HYPERLINK("http://127.0.0.1:9/","x")'
    hostile.loc[:9, ["reason_2_feature", "reason_2_side"]] = ["Популярная_категория", "category"]
    hostile.loc[:9, ["reason_2_reference", "reason_2_share"]] = [0.38, 0.5]
    hostile["reason_2_value"] = hostile["reason_2_value"].astype(object)
    hostile.loc[:9, "reason_2_value"] = formula
    sent = hostile.index[hostile["offer"] != ""][:3]
    hostile.loc[sent, "offer"] = formula
    hostile.loc[hostile["site_rule"] != "", "site_offer"] = formula
    paths = write_action_list(hostile, tmp_path, options=ListOptions(offer_texts={}))
    book = load_workbook(paths["xlsx"])
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    lead = "\n" if start == "\r" else start                 # XML reads a raw CR back as LF
    risky = [c for c in cells if isinstance(c.value, str) and c.value.startswith(lead)]
    assert risky and all(c.data_type == "s" and c.quotePrefix for c in risky)
    assert any(c.value == lead + formula[1:] for c in risky)      # the text itself unchanged
    rows = _excel_rows(paths["csv"])
    text_columns = [i for i, c in enumerate(COLUMNS) if c not in ("id", *NUMBERS)]
    texts = [row[i] for row in rows for i in text_columns]     # numbers may be negative
    assert "'" + formula in texts
    assert not [t for t in texts if t.startswith(start)]
    codes = pd.read_csv(paths["codes"], dtype=str, keep_default_na=False)
    assert not [t for t in codes.drop(columns=["id", *NUMBERS]).to_numpy().ravel()
                if t.startswith(start)]
    assert codes["reason_2"][0] == f"Популярная_категория={formula}"


def test_csv_cells_starting_like_a_formula_get_an_apostrophe() -> None:
    values = pd.Series(["=1+1", "+7", "-2", "@SUM(A1)", "\tx", "\rx", "\uff1dx", "ок", "", None,
                        "a=1", "\x07=1"])
    assert csv_texts(values).tolist() == [
        "'=1+1", "'+7", "'-2", "'@SUM(A1)", "'\tx", "'\rx", "'\uff1dx", "ок", "", "", "a=1",
        "\ufffd=1"]


def test_control_characters_and_formula_text_fit_the_xlsx(actions: pd.DataFrame,
                                                          tmp_path: Path) -> None:
    """ANSI/BEL/VT/DEL/U+FFFE in a reason and an offer that reads like a formula: openpyxl
    does not stop (IllegalCharacterError), each bad character becomes U+FFFD in every file
    (issue 13; since issue 16 the CSVs too), the formula stays text."""
    category = "Игрушки\x1b[2J\x07\x0b\x7f\ufffe"
    hostile = actions.copy()
    hostile.loc[:4, ["reason_2_feature", "reason_2_side"]] = ["Популярная_категория", "category"]
    hostile.loc[:4, ["reason_2_reference", "reason_2_share"]] = [0.38, 0.5]
    hostile["reason_2_value"] = hostile["reason_2_value"].astype(object)
    hostile.loc[:4, "reason_2_value"] = category
    hostile.loc[:4, "offer"] = '=HYPERLINK("http://127.0.0.1:9/","x")\x00'
    paths = write_action_list(hostile, tmp_path)
    sheet = load_workbook(paths["xlsx"])[SHEETS["all"]]
    header = [c.value for c in sheet[1]]
    reason = sheet.cell(row=2, column=header.index(RU["reason_2"]) + 1)
    offer = sheet.cell(row=2, column=header.index(RU["offer"]) + 1)
    safe = "Игрушки\ufffd[2J\ufffd\ufffd\ufffd\ufffd"
    assert reason.value == (f"любимая категория «{safe}»: "
                            "снижение у 50\u00a0% таких клиентов против 38\u00a0% в среднем")
    assert offer.data_type == "s" and offer.value == '=HYPERLINK("http://127.0.0.1:9/","x")\ufffd'
    assert [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"] == []
    row = _excel_rows(paths["csv"])[1]
    assert safe in row[COLUMNS.index("reason_2")]
    assert row[COLUMNS.index("offer")] == "'=HYPERLINK(\"http://127.0.0.1:9/\",\"x\")\ufffd"
    assert "\x1b" not in paths["codes"].read_text(encoding="utf-8")


def _sheet_frame(ws) -> pd.DataFrame:
    rows = list(ws.iter_rows(values_only=True))
    return pd.DataFrame(rows[1:], columns=rows[0])


def _summary_blocks(ws) -> dict[str, list[tuple]]:
    blocks, current = {}, None
    for row in ws.iter_rows(values_only=True):
        values = [v for v in row if v is not None]
        if len(values) == 1 and isinstance(values[0], str) and values[0].startswith("По "):
            current = blocks.setdefault(values[0], [])
        elif current is not None and values:
            current.append(row)
        elif not values:
            current = None
    return blocks


def test_sheets_exist_and_counts_agree(actions: pd.DataFrame, written: dict[str, Path]) -> None:
    book = load_workbook(written["xlsx"])
    names = book.sheetnames
    assert names[0] == SHEETS["summary"] and names[-2:] == [SHEETS["all"], SHEETS["codes"]]
    everyone = _sheet_frame(book[SHEETS["all"]])
    assert len(everyone) == len(actions)
    blocks = _summary_blocks(book[SHEETS["summary"]])
    assert set(blocks) == {"По группам", "По сегментам", "По каналам"}
    # groups: the total is every client; control and CRM offers as in the list
    groups = {r[0]: r for r in blocks["По группам"][1:]}
    assert groups["Всего"][1] == len(actions)
    assert groups["Всего"][4] == (everyone[RU["offer"]].notna()).sum()
    assert groups["Всего"][5] == (everyone[RU["control"]] == "да").sum()
    assert groups["Всего"][6] == (everyone[RU["site_offer"]].notna()).sum()
    assert sum(r[1] for k, r in groups.items() if k != "Всего") == len(actions)
    # segments: each sheet holds the segment's clients, as many as the summary says
    segment_sheets = 0
    for row in blocks["По сегментам"][1:]:
        name, sheet, count = row[0], row[1], row[2]
        if sheet in ("—", SHEETS["all"]):
            continue
        part = _sheet_frame(book[sheet])
        assert len(part) == count == (everyone[RU["segment"]] == name).sum()
        assert set(part[RU["segment"]]) == {name}
        segment_sheets += 1
    assert segment_sheets >= 1
    # channels: a CRM sheet lists the clients to send to (no control), a site sheet the rest
    crm_total = 0
    by_id = everyone.set_index(RU["id"])
    for row in blocks["По каналам"][1:]:
        label, kind, sheet, count = row[0], row[1], row[2], row[3]
        part = _sheet_frame(book[sheet])
        assert len(part) == count
        mine = by_id.loc[part[RU["id"]]]
        if kind == "CRM":
            crm_total += count
            assert list(part.columns) == [RU[c] for c in CRM_SHEET_COLUMNS]
            assert set(part[RU["channel"]]) == {label} == set(mine[RU["channel"]])
            assert (mine[RU["control"]] == "нет").all() and part[RU["offer"]].notna().all()
            assert part[RU["offer"]].tolist() == mine[RU["offer"]].tolist()
        else:
            assert list(part.columns) == [RU[c] for c in SITE_SHEET_COLUMNS]
            assert set(part[RU["site_channel"]]) == {label} == set(mine[RU["site_channel"]])
        assert (everyone[RU["channel" if kind == "CRM" else "site_channel"]] == label).sum() \
            == count
    assert crm_total == everyone[RU["offer"]].notna().sum()
    crm_labels = {CHANNEL_LABELS[c] for c in CRM_CHANNELS}
    assert set(everyone[RU["channel"]].dropna()) <= crm_labels


def test_codes_sheet_maps_headers_and_labels(written: dict[str, Path]) -> None:
    rows = list(load_workbook(written["xlsx"])[SHEETS["codes"]].iter_rows(values_only=True))
    pairs = {(r[0], r[1]) for r in rows}
    for column in COLUMNS:
        assert (RU[column], CODE_COLUMNS[column]) in pairs
    assert (RU["group"], "профилактика (пока стабилен)") in {(r[0], r[1]) for r in rows}
    assert {(r[0], r[1], r[2]) for r in rows} >= {
        (RU["channel"], "электронное письмо", "email"), (RU["control"], "да", "1")}


def test_options_come_from_the_run_and_the_format_key_is_checked(actions: pd.DataFrame,
                                                                 tmp_path: Path) -> None:
    results = {"params": Config(profit_unit="₽", action_list_csv="plain").model_dump(),
               "segments": {"rule_checks": [{"rule": "x", "action": "Икс"}]}}
    options = ListOptions.from_results(results)
    assert options == ListOptions(profit_unit="₽", csv_format="plain", offer_texts={"x": "Икс"})
    paths = write_action_list(actions, tmp_path, results)
    assert paths["csv"].read_text(encoding="utf-8").startswith("ID клиента,Группа,")
    assert "Среднемесячная прибыль, ₽" in pd.read_csv(paths["csv"]).columns
    assert Config().action_list_csv == "excel"
    bad = tmp_path / "oneclick.toml"
    bad.write_text('action_list_csv = "tsv"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="action_list_csv"):
        load_config(bad)
