"""Reading one export file whatever its dialect: encoding, separator, decimal mark.

Everything is read as text; turning text into numbers is the job of
:mod:`analysis.data.schema`, which knows which columns are numeric.

What the loader accepts, and what it does with what it finds:

- **One read.** The file is opened once and only if it is a regular file (a
  folder, a named pipe, a socket or a device gets its own message and is never
  read, so a FIFO cannot hang the run). Its bytes are hashed when read
  (:class:`SourceFile`) and decoded from those same bytes, so the manifest
  records exactly what was analysed even if the file is replaced later.
- **Encodings** (:mod:`analysis.data.encoding`): UTF-8 with or without BOM,
  UTF-16, cp1251 or KOI8-R. A NUL anywhere in the file is refused there.
- **Control characters.** Every other control character (C0 except tab, CR
  and LF; DEL; C1 U+0080–U+009F) is removed from every header and value, in
  every encoding, and counted per column with its lines
  (:attr:`RawTable.controls`, the repair ``control_chars`` of the data-quality
  log, shown in the report's data-quality section). The policy is strip and
  disclose rather than refuse: such characters carry no data, and an export
  tool that leaks one into a few cells should not stop the monthly report.
- **Lines.** Rows carry the physical line of the file where they start
  (1 is the first line; lines inside quoted values and blank lines count), and
  every message names those lines. Blank lines are skipped; a row whose values
  are all empty (e.g. a trailing ``;;;;``) is dropped and disclosed
  (:attr:`RawTable.empty_lines`); a row with more values than the header (other
  than empty trailing ones) or fewer is refused.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import itertools
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.data.encoding import decode
from analysis.errors import InputError

__all__ = ["CONTROL_CHARACTERS", "Dialect", "RawTable", "SourceFile", "detect_dialect",
           "read_table"]

_SEPARATORS = ",;\t|"
_MAX_BYTES = 2 * 1024**3
_EXPECTED_FILES = ("четыре файла выгрузки: market_file.csv, market_money.csv, "
                   "market_time.csv, money.csv")
_SNIFF_CHARS = 65536

#: Characters removed from every header and value: C0 controls except tab, LF and CR,
#: DEL, and the C1 controls. NUL is in the set too, but a file holding one is refused.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
#: Line separators of :meth:`str.splitlines` that :mod:`csv` does not take for line ends
#: (the others, \x0b \x0c \x1c-\x1e \x85, are control characters).
_OTHER_LINE_BREAKS = re.compile("[\u2028\u2029]")


@dataclass(frozen=True)
class Dialect:
    """How a file was written."""

    encoding: str
    separator: str


@dataclass(frozen=True)
class SourceFile:
    """The bytes a file held when it was read: name, sha256 (hex) and size in bytes."""

    name: str
    sha256: str
    size: int


@dataclass(frozen=True)
class RawTable:
    """A file's cells as text, headers trimmed, with the dialect it was read in.

    Attributes
    ----------
    frame
        Cells as text (not trimmed: :mod:`analysis.data.schema` trims and parses),
        indexed by the physical line each row starts on.
    header
        The header cells as written (before trimming), in file order.
    source
        Name, sha256 and size of the bytes that were read.
    controls
        Physical lines where control characters were removed, by column
        (the header line when the column's name held one).
    empty_lines
        Physical lines of rows without any value that were dropped.
    """

    name: str
    frame: pd.DataFrame
    dialect: Dialect
    source: SourceFile | None = None
    header: tuple[str, ...] = ()
    controls: dict[str, tuple[int, ...]] = field(default_factory=dict)
    empty_lines: tuple[int, ...] = ()


# --- reading the bytes -----------------------------------------------------------------------


def _kind(mode: int) -> str | None:
    """What a non-regular file is, in words; None for a regular file."""
    if stat.S_ISDIR(mode):
        return "это папка, а не файл"
    if stat.S_ISFIFO(mode):
        return "это именованный канал (FIFO), а не обычный файл"
    if stat.S_ISSOCK(mode):
        return "это сокет, а не обычный файл"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "это устройство, а не обычный файл"
    return None if stat.S_ISREG(mode) else "это не обычный файл"


def _refuse_kind(path: Path, mode: int) -> None:
    kind = _kind(mode)
    if kind is not None:
        raise InputError(path.name, f"{kind} (в папке {path.parent})", _EXPECTED_FILES)


def read_source(path: Path) -> tuple[bytes, SourceFile]:
    """Read a regular file's bytes once and hash them.

    The file is opened without blocking and checked again after opening, so a
    named pipe put in its place is refused instead of read.

    Raises
    ------
    InputError
        When the file is missing, not a regular file, unreadable or too large.
    """
    name = path.name
    try:
        _refuse_kind(path, path.stat().st_mode)
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        raise InputError(name, f"файл не найден в папке {path.parent}", _EXPECTED_FILES) from None
    except PermissionError:
        raise InputError(name, f"нет прав на чтение файла (папка {path.parent})",
                         "файл, который можно прочитать") from None
    except OSError as exc:
        raise InputError(name, f"файл не открывается ({exc.strerror})",
                         "обычный файл, который можно прочитать") from None
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fh.fileno())
        _refuse_kind(path, info.st_mode)
        if info.st_size > _MAX_BYTES:
            raise InputError(name, "файл больше 2 ГБ", "выгрузку обычного размера")
        data = fh.read()
    return data, SourceFile(name=name, sha256=hashlib.sha256(data).hexdigest(), size=len(data))


def _separator(text: str, name: str) -> str:
    body = text.lstrip()
    head = body[:_SNIFF_CHARS]
    header = head.split("\n", 1)[0]
    lines = head.splitlines()
    if len(body) > len(head) and len(lines) > 1:
        lines = lines[:-1]  # the last line of the sample is cut
    sample = "\n".join(lines[:50])
    try:
        return csv.Sniffer().sniff(sample, delimiters=_SEPARATORS).delimiter
    except csv.Error:
        counts = {sep: header.count(sep) for sep in _SEPARATORS}
        best = max(counts, key=lambda sep: counts[sep])
        if counts[best] == 0:
            raise InputError(name, "не удалось определить разделитель столбцов",
                             "CSV с разделителем «,», «;», табуляцией или «|»") from None
        return best


def detect_dialect(data: bytes, name: str) -> tuple[str, Dialect]:
    """Decode ``data`` and find its separator.

    Returns
    -------
    text, dialect
        The decoded text and how it was written.
    """
    text, encoding = decode(data, name)
    if not text.strip():
        raise InputError(name, "файл пуст", "заголовок и хотя бы одна строка данных")
    return text, Dialect(encoding=encoding, separator=_separator(text, name))


# --- records with their physical lines --------------------------------------------------------


@contextlib.contextmanager
def _field_limit(limit: int) -> Iterator[None]:
    """Allow fields up to ``limit`` characters (csv's default is 128 KiB) while reading."""
    old = csv.field_size_limit()
    csv.field_size_limit(max(old, limit))
    try:
        yield
    finally:
        csv.field_size_limit(old)


def _records(text: str, separator: str, name: str) -> list[tuple[int, list[str]]]:
    """Every non-blank record with the physical line it starts on."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator,
                        skipinitialspace=True, strict=True)
    records: list[tuple[int, list[str]]] = []
    start = 1
    with _field_limit(len(text) + 1):
        try:
            for record in reader:
                if record:
                    records.append((start, record))
                start = reader.line_num + 1
        except csv.Error as exc:
            raise InputError(name, f"файл не разбирается как таблица: кавычки не закрыты или "
                             f"стоят не на месте ({exc})",
                             "значения в кавычках, закрытых до разделителя", rows=[start]) from None
    return records


def _strip_controls(values: list[str]) -> tuple[list[str], list[int]]:
    """Values without control characters, and the positions that held one."""
    hits = [i for i, v in enumerate(values) if CONTROL_CHARACTERS.search(v)]
    if not hits:
        return values, hits
    return [CONTROL_CHARACTERS.sub("", v) for v in values], hits


def _clean_header(cells: list[str]) -> list[str]:
    names = [c.strip().lstrip("\ufeff").strip() for c in cells]
    return [n if n else f"Unnamed: {i}" for i, n in enumerate(names)]


@dataclass
class _Body:
    """Rows being collected, with what was found on the way.

    ``has_controls`` says whether the file holds any control character at all,
    so that a clean file (the usual case) is not searched value by value.
    """

    width: int
    has_controls: bool
    rows: list[list[str]] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    empty: list[int] = field(default_factory=list)
    long: list[int] = field(default_factory=list)
    short: list[int] = field(default_factory=list)
    controls: dict[int, list[int]] = field(default_factory=dict)

    def add(self, line: int, record: list[str]) -> None:
        values, hits = _strip_controls(record) if self.has_controls else (record, [])
        if not "".join(values).strip():
            self.empty.append(line)
            return
        if len(values) > self.width:
            if "".join(values[self.width:]).strip():
                self.long.append(line)
                return
            values = values[:self.width]
        elif len(values) < self.width:
            self.short.append(line)
            return
        for position in hits:
            if position < self.width:
                self.controls.setdefault(position, []).append(line)
        self.rows.append(values)
        self.lines.append(line)


def _check_widths(body: _Body, name: str) -> None:
    if body.long:
        raise InputError(name, f"в строке больше значений, чем столбцов в заголовке ({body.width})",
                         "столько значений в каждой строке, сколько столбцов в заголовке",
                         rows=body.long)
    if body.short:
        raise InputError(name, f"в строке меньше значений, чем столбцов в заголовке ({body.width})",
                         "столько значений в каждой строке, сколько столбцов в заголовке",
                         rows=body.short)


def _controls_by_column(header_line: int, header_hits: list[int],
                        controls: dict[int, list[int]], columns: list[str]
                        ) -> dict[str, tuple[int, ...]]:
    found: dict[str, list[int]] = {}
    for position in header_hits:
        found.setdefault(columns[position], []).append(header_line)
    for position, lines in controls.items():
        found.setdefault(columns[position], []).extend(lines)
    return {column: tuple(lines) for column, lines in found.items()}


@dataclass(frozen=True)
class _Cells:
    """The header and the body cells of a file, before they become a frame."""

    header_line: int
    header_cells: list[str]
    cells: list[list[str]] | np.ndarray
    lines: list[int]
    controls: dict[int, list[int]]
    empty: list[int]


def _record_cells(text: str, separator: str, name: str, has_controls: bool) -> _Cells:
    """Cells through :mod:`csv`, record by record: any file, quoted values included."""
    records = _records(text, separator, name)
    header_line, header_cells = records[0]
    body = _Body(width=len(header_cells), has_controls=has_controls)
    for line, record in records[1:]:
        body.add(line, record)
    _check_widths(body, name)
    return _Cells(header_line, header_cells, body.rows, body.lines, body.controls, body.empty)


def _empty_rows(cells: np.ndarray) -> list[int]:
    """Rows of ``cells`` whose values are all blank (only the rows with a blank first value
    are looked at whole)."""
    if not cells.size:
        return []
    first = cells[:, 0].tolist()
    if "" not in first and not any(map(str.isspace, first)):
        return []
    return [i for i, value in enumerate(first)
            if not value.strip() and not "".join(cells[i]).strip()]


def _plain_cells(text: str, separator: str) -> _Cells | None:
    """Cells of a plain file by whole-text splits; None when the file needs :mod:`csv`.

    A plain file has no quote character, no control character and no line
    separator but CR and LF, and every row that holds a value has as many
    fields as the header. Such a file's records are its non-blank physical
    lines split at the separator, with spaces after a separator dropped (as
    ``csv`` reads them with ``skipinitialspace``), so the result is the one
    :func:`_record_cells` gives, at the speed of a few string operations.
    Anything else (quotes, controls, rows too long or too short) goes through
    :mod:`csv`, which also words the messages.
    """
    if '"' in text:
        return None
    lines = text.splitlines()
    breaks = text.count("\n") + text.count("\r") - text.count("\r\n")
    if len(lines) > breaks + (not text.endswith(("\n", "\r"))):
        return None  # a line separator that csv does not split at (U+2028, \x0b, ...)
    if all(lines):
        numbers, rows = list(range(1, len(lines) + 1)), lines
    else:
        numbers = [i for i, line in enumerate(lines, start=1) if line]
        rows = [line for line in lines if line]
    del lines
    joined = "\n".join(rows)
    printable = joined.replace("\n", "").replace(separator, "").replace("\t", " ").isprintable()
    if not printable and (CONTROL_CHARACTERS.search(joined) or _OTHER_LINE_BREAKS.search(joined)):
        return None
    del joined
    header_cells = [cell.lstrip(" ") for cell in rows[0].split(separator)]
    width = len(header_cells)
    body, body_lines = rows[1:], numbers[1:]
    del rows
    counts = set(map(str.count, body, itertools.repeat(separator)))
    if counts - {width - 1}:
        return None
    flat = separator.join(body).split(separator) if body else []
    del body
    if text.startswith(" ") or any(f"{end} " in text for end in ("\n", "\r", separator)):
        flat = [cell.lstrip(" ") for cell in flat]
    cells = np.array(flat, dtype=object).reshape(len(body_lines), width)
    del flat
    empty = _empty_rows(cells)
    empty_lines = [body_lines[i] for i in empty]
    if empty:
        cells = np.delete(cells, empty, axis=0)
        dropped = set(empty)
        body_lines = [line for i, line in enumerate(body_lines) if i not in dropped]
    return _Cells(numbers[0], header_cells, cells, body_lines, {}, empty_lines)


def read_table(path: Path) -> RawTable:
    """Read one export file as text cells.

    A plain file (:func:`_plain_cells`) is split as a whole; any other through
    :mod:`csv` record by record. Both give the same cells, lines and repairs.

    Raises
    ------
    InputError
        When the file is missing, not a regular file, not text, empty, or not a table.
    """
    name = path.name
    data, source = read_source(path)
    text, dialect = detect_dialect(data, name)
    parsed = _plain_cells(text, dialect.separator)
    if parsed is None:
        has_controls = CONTROL_CHARACTERS.search(text) is not None
        parsed = _record_cells(text, dialect.separator, name, has_controls)
    del text
    header_cells = parsed.header_cells
    header, header_hits = _strip_controls(header_cells)
    columns = _clean_header(header)
    if not len(parsed.lines):
        raise InputError(name, "в таблице нет ни одной строки данных",
                         "хотя бы одну строку после заголовка")
    frame = pd.DataFrame(parsed.cells, columns=columns,
                         index=pd.Index(parsed.lines, name="line"), dtype=str)
    return RawTable(name=name, frame=frame, dialect=dialect, source=source,
                    header=tuple(header_cells),
                    controls=_controls_by_column(parsed.header_line, header_hits,
                                                 parsed.controls, columns),
                    empty_lines=tuple(parsed.empty))
