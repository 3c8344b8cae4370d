"""The data rows of a list sheet as worksheet XML, written without a cell object per value.

openpyxl's write-only sheets still build a cell and an XML element per value
(about 0.1 ms each: 77 s for the 2.5 million cells of a 100,000-client list).
:func:`write_rows` writes the same rows as text, in the form openpyxl's writer
gives them (``<row r="2"><c r="A2" t="n"><v>…</v></c>…``: numbers as
``%.16g``, text inline, a cell with a number format or a quote prefix carrying
its style id, empty values left out), so the workbook's bytes do not change.
Style ids are registered with the workbook in the order openpyxl would meet
them (row by row), so ``styles.xml`` does not change either.

:func:`splice` puts the rows into the sheet's XML as the workbook is zipped:
openpyxl writes the sheet with its header row only, and the rows go in before
``</sheetData>``.
"""

from __future__ import annotations

import contextlib
import math
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from typing import IO, Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import IllegalCharacterError

from report.actionlist.cells import is_formula_like, safe_text

__all__ = ["RowsFile", "splice", "write_rows"]

_MAX_TEXT = 32767           # openpyxl's check_string cuts a text to this length
_BLOCK_ROWS = 20_000        # rows turned into text at a time
_SHEET_DATA_END = b"</sheetData>"


class RowsFile:
    """The rows of one sheet as XML in a temporary file (removed once spliced)."""

    def __init__(self) -> None:
        handle, self.path = tempfile.mkstemp(prefix="oneclick-rows-", suffix=".xml")
        os.close(handle)

    def remove(self) -> None:
        """Delete the temporary file (no error if it is already gone)."""
        with contextlib.suppress(FileNotFoundError):
            os.remove(self.path)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _text(text: str) -> tuple[str, str]:
    """(type, content) of a text cell as openpyxl writes it (``check_string``, ``whitespace``)."""
    text = text[:_MAX_TEXT]
    if ILLEGAL_CHARACTERS_RE.search(text):
        raise IllegalCharacterError(f"{text} cannot be used in worksheets.")
    if text in ERROR_CODES:
        return "e", f"<v>{_escape(text)}</v>"
    stripped = text.strip()
    space = ' xml:space="preserve"' if stripped and text != stripped else ""
    return "inlineStr", f"<is><t{space}>{_escape(text)}</t></is>"


def _number(value: float) -> str:
    if math.isnan(value) or math.isinf(value):
        return "<v />"
    return f"<v>{value:.16g}</v>"  # openpyxl's safe_string: "%.16g"


class _Column:
    """How the cells of one column are written; the tail of each cell after ``r="…"``."""

    def __init__(self, ws: Any, number_format: str | None, quote: Callable[[], str]) -> None:
        self.style = ""
        self.template = None
        if number_format is not None:
            self.template = WriteOnlyCell(ws)
            self.template.number_format = number_format
        self.quote = quote
        self.texts: dict[str, tuple[str, str]] = {}

    def styled(self) -> str:
        if not self.style and self.template is not None:
            self.style = f' s="{self.template.style_id}"'
        return self.style

    def tail(self, value: object) -> str | None:
        """``' s="2" t="n"><v>6.18</v></c>'`` for a value; None for an empty one."""
        if hasattr(value, "item"):
            value = value.item()
        if value is None or (isinstance(value, float) and value != value):
            return None
        if isinstance(value, str):
            return self._text_tail(value)
        if isinstance(value, bool):
            return f'{self.styled()} t="b">{_number(value)}</c>'
        if isinstance(value, (int, float)):
            return f'{self.styled()} t="n">{_number(value)}</c>'
        raise TypeError(f"значение {value!r} ({type(value).__name__}) нельзя записать в лист")

    def _text_tail(self, value: str) -> str | None:
        cached = self.texts.get(value)
        if cached is None:
            cached = ("empty", "")
            if value:
                safe = safe_text(value)
                kind, content = _text(safe)
                cached = (("quote", f' t="inlineStr">{content}</c>') if is_formula_like(safe)
                          else ("plain", f' t="{kind}">{content}</c>'))
            self.texts[value] = cached
        how, tail = cached
        if how == "empty":
            return None
        if how == "quote":
            return f' s="{self.quote()}"{tail}'
        return self.styled() + tail


def write_rows(ws: Any, columns: Sequence[Sequence[object]], formats: Sequence[str | None],
               first_row: int = 2) -> RowsFile:
    """The rows (given column by column) as ``<row>`` elements in a temporary file.

    ``formats`` gives each column's number format (None: none). Values are
    turned into cells as :func:`report.actionlist.workbook._value` does for
    openpyxl: NaN and ``""`` empty, text made safe, formula-like text kept as
    text with the quote prefix.
    """
    quote_cell: list[Any] = []

    def quote() -> str:
        if not quote_cell:
            cell = WriteOnlyCell(ws)
            cell.quotePrefix = True
            quote_cell.append(str(cell.style_id))
        return quote_cell[0]

    makers = [_Column(ws, number_format, quote) for number_format in formats]
    letters = [get_column_letter(i) for i in range(1, len(makers) + 1)]
    n = len(columns[0]) if columns else 0
    out = RowsFile()
    with open(out.path, "w", encoding="utf-8", newline="") as handle:
        for start in range(0, n, _BLOCK_ROWS):
            _write_block(handle, columns, makers, letters, start, min(n, start + _BLOCK_ROWS),
                         first_row)
    return out


def _write_block(handle: IO[str], columns: Sequence[Sequence[object]], makers: list[_Column],
                 letters: list[str], start: int, stop: int, first_row: int) -> None:
    """Rows ``start`` … ``stop - 1``, cell by cell in row order (the order styles are met)."""
    parts: list[str] = []
    for i in range(start, stop):
        r = str(first_row + i)
        parts.append(f'<row r="{r}">')
        for column, maker, letter in zip(columns, makers, letters, strict=True):
            tail = maker.tail(column[i])
            if tail is not None:
                parts.append(f'<c r="{letter}{r}"{tail}')
        parts.append("</row>")
    handle.write("".join(parts))


def splice(sheet_path: str, rows: RowsFile, dest: IO[bytes]) -> None:
    """Copy the sheet's XML into ``dest`` with ``rows`` inserted before ``</sheetData>``."""
    with open(sheet_path, "rb") as source:
        head = source.read()
    cut = head.index(_SHEET_DATA_END)
    dest.write(head[:cut])
    with open(rows.path, "rb") as body:
        shutil.copyfileobj(body, dest, 1 << 20)
    dest.write(head[cut:])
