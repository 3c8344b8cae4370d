"""The action list as files: ``scores.csv`` (codes, English headers) and ``scores.xlsx``.

:func:`analysis.segments.actions.action_list` returns the list with codes and
reason records; here the reasons are worded (:func:`report.text.reasons.reason_texts`)
and the two files written. The CSV is UTF-8 with ``\\n`` line ends; the xlsx
shows Russian headers and labels. Both are byte-for-byte the same for the same
frame.

Text from the data (a category named in a reason) and from the offer catalogue
reaches the xlsx as plain text: a control character that XML cannot hold becomes
U+FFFD «�» (:func:`report.text.markdown.without_controls`; openpyxl would stop
with ``IllegalCharacterError``), and a text that starts with ``=`` is stored as
text, never as a formula. The CSV keeps the text as it is (it is for programs).
"""

from __future__ import annotations

import os
import shutil
import zipfile
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

from analysis.segments.actions import REASON_COLUMNS
from analysis.segments.definitions import SEGMENTS
from report.text.actionlist import CODE_COLUMNS, headers
from report.text.markdown import without_controls
from report.text.reasons import reason_texts
from report.text.segments import ARM_LABELS, GROUP_LABELS
from report.text.words import CHANNEL_LABELS, RISK_LABELS

__all__ = ["COLUMNS", "HEADERS_RU", "action_table", "write_action_list"]

COLUMNS = tuple(CODE_COLUMNS)
HEADERS_RU = headers("")
_CSV_FORMATS = {"decline_probability": "{:.6f}", "profit": "{:.2f}", "exposure": "{:.6f}",
                "expected_value": "{:.6f}"}
_XLSX_FORMATS = {"decline_probability": "0.000", "profit": "0.00", "exposure": "0.00",
                 "expected_value": "0.000"}
_DECIMALS = {"decline_probability": 6, "profit": 2, "exposure": 6, "expected_value": 6}
_FIXED_TIME = datetime(2000, 1, 1)


def action_table(scores: pd.DataFrame) -> pd.DataFrame:
    """The action list with worded reasons: columns :data:`COLUMNS` (codes elsewhere)."""
    texts = reason_texts(scores[list(REASON_COLUMNS)])
    return scores.drop(columns=list(REASON_COLUMNS)).join(texts)[list(COLUMNS)]


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Stream the CSV to ``path`` (pandas writes it in chunks; no copy of the whole text)."""
    out = frame[list(COLUMNS)].assign(
        **{column: frame[column].map(lambda v, f=pattern.format: "" if pd.isna(v) else f(v))
           for column, pattern in _CSV_FORMATS.items()})
    with Path(path).open("w", encoding="utf-8", newline="") as handle:
        out.to_csv(handle, index=False, lineterminator="\n")


@lru_cache(maxsize=65536)
def _xlsx_text(text: str) -> str:
    """Text an xlsx cell can hold: XML-illegal control characters become U+FFFD."""
    return without_controls(text)


def _cell(value: object) -> object:
    """A plain Python value for openpyxl; empty text becomes an empty cell."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, str):
        return _xlsx_text(value) if value else None
    return value


def _text_cell(ws: Any, value: str) -> WriteOnlyCell:
    """A cell that holds ``value`` as text even when it starts with ``=`` (not a formula)."""
    cell = WriteOnlyCell(ws, value=value)
    cell.data_type = "s"
    return cell


def _workbook(frame: pd.DataFrame) -> Workbook:
    """The action list as a write-only workbook: rows are streamed to a temporary file.

    A regular workbook keeps an object per cell (about 0.5 GB per 100,000
    clients); a write-only one holds one row at a time, so a million clients
    fit in the xlsx limit of 1,048,576 rows without holding the sheet in memory.
    """
    names = {d.code: d.name for d in SEGMENTS}
    shown = frame[list(COLUMNS)].assign(
        risk_level=frame["risk_level"].map(RISK_LABELS),
        group=frame["group"].map(GROUP_LABELS),
        arm=frame["arm"].map(lambda c: ARM_LABELS.get(c, c)),
        segment=frame["segment"].map(lambda c: names.get(c, c)),
        channel=frame["channel"].map(lambda c: CHANNEL_LABELS.get(c, c)),
        **{c: frame[c].astype(float).round(d) for c, d in _DECIMALS.items()})
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Список действий")
    for index, column in enumerate(COLUMNS, start=1):
        longest = max([len(HEADERS_RU[column]), *shown[column].astype(str).str.len().head(500)])
        ws.column_dimensions[get_column_letter(index)].width = min(60, max(10, longest + 2))
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{len(shown) + 1}"
    header = []
    for column in COLUMNS:
        cell = WriteOnlyCell(ws, value=HEADERS_RU[column])
        cell.font = Font(bold=True)
        header.append(cell)
    ws.append(header)
    # one styled cell per formatted column, reused: a row is written out when appended
    styled = {}
    for column, number_format in _XLSX_FORMATS.items():
        styled[column] = WriteOnlyCell(ws)
        styled[column].number_format = number_format
    formatted = [styled.get(column) for column in COLUMNS]
    # plain lists: iterating a pandas text column goes through __getitem__ element by element
    for row in zip(*(shown[column].tolist() for column in COLUMNS), strict=True):
        cells: list[object] = []
        for value, template in zip(row, formatted, strict=True):
            value = _cell(value)
            if template is not None and value is not None:
                template.value = value
                value = template
            elif isinstance(value, str) and value.startswith("="):
                value = _text_cell(ws, value)
            cells.append(value)
        ws.append(cells)
    wb.properties.creator = "oneclick-report"
    wb.properties.created = wb.properties.modified = _FIXED_TIME
    return wb


class _FixedTimeZip(zipfile.ZipFile):
    """A zip whose entries all carry one fixed timestamp and mode: the same bytes every run.

    openpyxl writes parts with ``writestr`` (stamped with the current time)
    and the streamed sheet of a write-only workbook with ``write`` (stamped
    with the temporary file's time); both are redirected here. The sheet is
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
        entry = self._entry(str(arcname or filename), os.path.getsize(filename))
        with open(filename, "rb") as source, self.open(entry, "w") as dest:
            shutil.copyfileobj(source, dest, 1 << 20)


def _write_xlsx(wb: Workbook, path: Path) -> None:
    """The workbook file without the current time (fixed docProps dates and zip timestamps)."""
    with _FixedTimeZip(path, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).save()


def write_action_list(scores: pd.DataFrame, csv_path: Path, xlsx_path: Path) -> None:
    """Write the action list as CSV (English headers) and xlsx (Russian headers).

    ``scores`` is the frame of :func:`analysis.segments.actions.action_list`.
    The CSV holds probabilities with 6 decimals, profit with 2 and profit at
    risk with 6.
    """
    frame = action_table(scores)
    _write_csv(frame, Path(csv_path))
    _write_xlsx(_workbook(frame), Path(xlsx_path))
