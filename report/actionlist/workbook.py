"""``scores.xlsx``: the action list as a workbook for a person and a CRM operator.

Sheets, in order:

1. «Сводка» — clients, profit and profit at risk, offers to send, control
   group and site personalisation by group, by segment and by channel, each
   row naming the sheet that lists its clients;
2. one sheet per segment with clients (all its clients, every column);
3. one sheet per channel with clients: a CRM channel lists the clients to
   send the offer to this month (the control group is not on it), a site
   channel the clients whose site or personal account to personalise; these
   sheets hold only what that work needs (:data:`CRM_SHEET_COLUMNS`,
   :data:`SITE_SHEET_COLUMNS`), which also keeps a large list's workbook small;
4. «Все клиенты» — every client, the list of ``scores.csv``;
5. «Коды» — each column's Russian header, its code in ``scores-codes.csv`` and
   its meaning, then each label and its code.

The other list sheets have the columns of ``scores.csv``; the probability is
stored as a fraction shown as a percentage (``0.0%``), money as numbers shown
with the unit (``#,##0.00" тыс. ₽"``). Text cells go through
:mod:`report.actionlist.cells`. The rows are streamed (a write-only
workbook), and the file carries fixed timestamps: the same list gives the same
bytes.
"""

from __future__ import annotations

import os
import shutil
import zipfile
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

from analysis.segments.offers import CRM_CHANNELS
from report.actionlist.cells import is_formula_like, safe_text
from report.actionlist.sheetxml import RowsFile, splice, write_rows
from report.actionlist.tables import (
    COLUMNS,
    channel_summary,
    group_summary,
    offer_names,
    segment_summary,
)
from report.text.actionlist import (
    CODE_COLUMNS,
    CODES_ONLY_NOTES,
    COLUMN_NOTES,
    SHEETS,
    SUMMARY,
    channel_sheet,
    headers,
    label_tables,
    segment_sheet,
)
from report.text.segments import GROUP_LABELS
from report.text.words import CHANNEL_LABELS

__all__ = ["CRM_SHEET_COLUMNS", "SITE_SHEET_COLUMNS", "build_workbook", "list_sheets",
           "write_workbook"]

_FIXED_TIME = datetime(2000, 1, 1)
_ROUNDING = {"decline_probability": 6, "profit": 2, "exposure": 6, "expected_value": 6}
_MONEY_COLUMNS = ("profit", "exposure", "expected_value")
CRM_SHEET_COLUMNS = ("id", "group", "segment", "category", "offer", "channel", "reason_1",
                     "reason_2", "decline_probability", "expected_value")
"""Columns of a CRM channel's sheet: whom to send what, and what to personalise it by."""
SITE_SHEET_COLUMNS = ("id", "group", "segment", "category", "site_offer", "site_channel",
                      "reason_1", "reason_2", "decline_probability", "control")
"""Columns of a site channel's sheet (``control``: the client is in a CRM offer's control)."""
_BOLD = Font(bold=True)
_PENDING: dict[str, RowsFile] = {}
"""Sheet file openpyxl streams to → the rows to put into it when the workbook is zipped."""


def _money_format(unit: str) -> str:
    """``#,##0.00" тыс. ₽"``: the unit as a literal (quotes and backslashes dropped)."""
    clean = unit.replace('"', "").replace("\\", "").strip()
    return f'#,##0.00" {clean}"' if clean else "#,##0.00"


def _formats(unit: str) -> dict[str, str]:
    return {"decline_probability": "0.0%", **dict.fromkeys(_MONEY_COLUMNS, _money_format(unit))}


def _value(ws: Any, value: object) -> object:
    """A plain value or a cell for openpyxl: NaN and ``""`` empty, text safe and never a formula."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    if not isinstance(value, str):
        return value
    if not value:
        return None
    value = safe_text(value)
    if not is_formula_like(value):
        return value
    cell = WriteOnlyCell(ws, value=value)
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


def _bold(ws: Any, values: Iterable[object]) -> list[object]:
    cells = []
    for value in values:
        cell = WriteOnlyCell(ws, value=_value(ws, value))
        cell.font = _BOLD
        cells.append(cell)
    return cells


def _list_sheet(wb: Workbook, title: str, table: pd.DataFrame, names: dict[str, str],
                formats: dict[str, str], columns: Sequence[str] = COLUMNS) -> None:
    """One sheet of the list: bold headers, frozen first row, a filter, formatted numbers."""
    ws = wb.create_sheet(title)
    shown = table[list(columns)].assign(
        **{c: table[c].astype(float).round(d) for c, d in _ROUNDING.items() if c in columns})
    for index, column in enumerate(columns, start=1):
        longest = max([len(names[column]), *shown[column].head(500).astype(str).str.len()])
        ws.column_dimensions[get_column_letter(index)].width = min(60, max(10, longest + 2))
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{len(shown) + 1}"
    ws.append(_bold(ws, (names[c] for c in columns)))
    # the rows as text (report.actionlist.sheetxml), put into the sheet when it is zipped
    rows = write_rows(ws, [shown[column].tolist() for column in columns],
                      [formats.get(column) for column in columns])
    _PENDING[ws._writer.out] = rows


def _rows_sheet(wb: Workbook, title: str, rows: Sequence[Sequence[object]],
                bold_rows: set[int], formats: dict[tuple[int, int], str],
                widths: Sequence[int]) -> None:
    """A small sheet of given rows (the summary, the codes); ``formats`` by (row, column)."""
    ws = wb.create_sheet(title)
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    for r, row in enumerate(rows):
        if r in bold_rows:
            ws.append(_bold(ws, row))
            continue
        cells = []
        for c, value in enumerate(row):
            value = _value(ws, value)
            if (r, c) in formats and value is not None:
                cell = WriteOnlyCell(ws, value=value)
                cell.number_format = formats[(r, c)]
                value = cell
            cells.append(value)
        ws.append(cells)


def list_sheets(scores: pd.DataFrame) -> list[tuple[str, str, pd.Series]]:
    """(kind, code, rows) of every segment and channel sheet, in sheet order.

    ``kind`` is ``segment`` or ``channel``; a sheet exists for a segment or a
    channel with at least one client.
    """
    sheets = [("segment", row["code"], scores["segment"].eq(row["code"]))
              for row in segment_summary(scores)[:-1] if row["code"] and row["clients"]]
    for row in channel_summary(scores):
        column = "channel" if row["kind"] == "crm" else "site_channel"
        sheets.append(("channel", row["code"], scores[column].eq(row["code"])))
    return sheets


def _titles(sheets: list[tuple[str, str, pd.Series]]) -> dict[tuple[str, str], str]:
    """A unique sheet name per segment and channel (a number added on a clash)."""
    taken = {name.casefold() for name in SHEETS.values()}
    titles = {}
    for kind, code, _ in sheets:
        title = segment_sheet(code) if kind == "segment" else channel_sheet(code)
        base, n = title, 2
        while title.casefold() in taken:
            title = f"{base[:27]} ({n})"
            n += 1
        taken.add(title.casefold())
        titles[(kind, code)] = title
    return titles


def _summary_rows(scores: pd.DataFrame, titles: dict[tuple[str, str], str], unit: str
                  ) -> tuple[list[list[object]], set[int], dict[tuple[int, int], str]]:
    s, money = SUMMARY, _money_format(unit)
    labels = label_tables()
    rows: list[list[object]] = [[s["title"]], [s["clients"], len(scores)], [s["unit"], unit], []]
    bold, formats = {0}, {}
    counts = [s["count"], s["profit"].format(unit=unit), s["exposure"].format(unit=unit),
              s["sent"], s["control"], s["site_offer"]]

    def block(title: str, head: list[str], body: list[list[object]], money_at: list[int]
              ) -> None:
        rows.append([title])
        bold.update({len(rows) - 1, len(rows)})
        rows.append(head)
        for line in body:
            formats.update({(len(rows), c): money for c in money_at})
            rows.append(line)
        rows.append([])

    def numbers(r: dict[str, Any]) -> list[object]:
        return [r["clients"], r["profit"], r["exposure"], r["sent"], r["control"], r["site"]]

    block(s["by_group"], [s["group"], *counts],
          [[GROUP_LABELS.get(r["code"], s["total"]), *numbers(r)]
           for r in group_summary(scores)], [2, 3])
    block(s["by_segment"], [s["segment"], s["sheet"], *counts],
          [[s["total"] if r["code"] == "total" else labels["segment"].get(r["code"], r["code"]),
            titles.get(("segment", r["code"]), SHEETS["all"] if r["code"] == "total"
                       else s["none"]), *numbers(r)]
           for r in segment_summary(scores)], [3, 4])
    block(s["by_channel"], [s["channel"], s["kind"], s["sheet"], s["count"],
                            s["exposure"].format(unit=unit)],
          [[CHANNEL_LABELS.get(r["code"], r["code"]), s[r["kind"]],
            titles[("channel", r["code"])], r["clients"], r["exposure"]]
           for r in channel_summary(scores)], [4])
    return rows[:-1], bold, formats


def _codes_rows(scores: pd.DataFrame, names: dict[str, str], offer_texts: dict[str, str]
                ) -> tuple[list[list[object]], set[int]]:
    s = SUMMARY
    rows: list[list[object]] = [[s["codes_columns"]], [s["column"], s["code"], s["meaning"]]]
    rows += [[names[c], CODE_COLUMNS[c], COLUMN_NOTES[c]] for c in COLUMNS]
    rows += [[s["none"], code, note] for code, note in CODES_ONLY_NOTES.items()]
    rows += [[], [s["codes_values"]], [s["column"], s["value"], s["value_code"]]]
    bold = {0, 1, len(rows) - 2, len(rows) - 1}
    for column, table in label_tables().items():
        rows += [[names[column], label, code] for code, label in table.items()]
    offers = offer_names(scores, offer_texts)
    for column, source in (("offer", "tested_offer"), ("tested_offer", "tested_offer"),
                           ("site_offer", "site_rule")):
        used = sorted(set(scores[source]) - {""})
        rows += [[names[column], offers.get(rule, rule), rule] for rule in used]
    return rows, bold


def build_workbook(scores: pd.DataFrame, table: pd.DataFrame, unit: str,
                   offer_texts: dict[str, str] | None = None) -> Workbook:
    """The workbook of the list: ``scores`` as codes, ``table`` its Russian form (same rows)."""
    names, formats = headers(unit), _formats(unit)
    sheets = list_sheets(scores)
    titles = _titles(sheets)
    wb = Workbook(write_only=True)
    rows, bold, cell_formats = _summary_rows(scores, titles, unit)
    _rows_sheet(wb, SHEETS["summary"], rows, bold, cell_formats, [44, 34, 14, 18, 22, 22, 20, 22])
    for kind, code, mask in sheets:
        columns = (COLUMNS if kind == "segment" else CRM_SHEET_COLUMNS if code in CRM_CHANNELS
                   else SITE_SHEET_COLUMNS)
        _list_sheet(wb, titles[(kind, code)], table[mask.to_numpy()], names, formats, columns)
    _list_sheet(wb, SHEETS["all"], table, names, formats)
    rows, bold = _codes_rows(scores, names, dict(offer_texts or {}))
    _rows_sheet(wb, SHEETS["codes"], rows, bold, {}, [40, 60, 90])
    wb.properties.creator = "oneclick-report"
    wb.properties.created = wb.properties.modified = _FIXED_TIME
    return wb


class _FixedTimeZip(zipfile.ZipFile):
    """A zip whose entries all carry one fixed timestamp and mode: the same bytes every run.

    openpyxl writes parts with ``writestr`` (stamped with the current time)
    and the streamed sheets of a write-only workbook with ``write`` (stamped
    with the temporary file's time); both are redirected here. A sheet is
    copied in 1 MiB blocks and compressed once.
    """

    def _entry(self, name: str, size: int) -> zipfile.ZipInfo:
        entry = zipfile.ZipInfo(name, date_time=_FIXED_TIME.timetuple()[:6])
        entry.compress_type = zipfile.ZIP_DEFLATED
        entry.external_attr = 0o600 << 16
        entry.file_size = size                         # as writestr does (zip64 when needed)
        return entry

    def writestr(self, zinfo_or_arcname: Any, data: Any, compress_type: Any = None,
                 compresslevel: Any = None) -> None:
        name = getattr(zinfo_or_arcname, "filename", zinfo_or_arcname)
        data = data.encode("utf-8") if isinstance(data, str) else data
        with self.open(self._entry(name, len(data)), "w") as dest:
            dest.write(data)

    def write(self, filename: Any, arcname: Any = None, compress_type: Any = None,
              compresslevel: Any = None) -> None:
        rows = _PENDING.pop(str(filename), None)
        size = os.path.getsize(filename) + (os.path.getsize(rows.path) if rows else 0)
        entry = self._entry(str(arcname or filename), size)
        with self.open(entry, "w") as dest:
            if rows is None:
                with open(filename, "rb") as source:
                    shutil.copyfileobj(source, dest, 1 << 20)
                return
            try:
                splice(str(filename), rows, dest)
            finally:
                rows.remove()


def write_workbook(wb: Workbook, path: Path) -> None:
    """The workbook file without the current time (fixed docProps dates and zip timestamps)."""
    with _FixedTimeZip(path, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).save()

