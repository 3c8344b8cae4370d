"""Property tests of the export loader: every dialect loads the same, damage never crashes.

Three properties (issue "Reliability and security", part 1):

1. A valid export written in any dialect, chosen per file (separator, decimal mark,
   encoding, line endings, quoting, column order, extra columns, padded headers and
   cells, row order), loads into the same client table as its canonical form.
2. Random damage to a valid export makes ``oneclick validate`` either succeed (the
   damage was repaired or recorded, and ``load_export`` gives a table) or stop with
   exit status 2 and exactly one line on stderr that starts with «Ошибка во входных
   данных»: never a traceback, never an internal error (exit 1).
3. Arbitrary bytes or text as one file of an otherwise valid export (a short fuzz run
   of the CSV loader): the same outcome as in 2.

Every example is written to a fresh temporary folder; runs are derandomized so that
CI sees the same examples every time.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import io
import random
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from analysis import glossary as g
from analysis.data.clients import ClientData, load_export
from analysis.data.demo.generate import generate_demo_export
from analysis.data.schema import KNOWN_TYPOS, SPECS
from analysis.paths import EXPORT_FILES
from report.cli import main

N_CLIENTS = 150
SEED = 11
ERROR_PREFIX = "Ошибка во входных данных"

_SETTINGS = {
    "deadline": None,
    "derandomize": True,
    "database": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}


# --- the valid export, as text cells --------------------------------------------------------


def _as_cells(table: pd.DataFrame) -> pd.DataFrame:
    """Every value as the text a CSV file holds; numbers with a decimal point."""
    cells = {}
    for column in table.columns:
        values = table[column]
        if pd.api.types.is_float_dtype(values):
            cells[column] = [repr(float(v)) for v in values]
        else:
            cells[column] = [str(v) for v in values]
    return pd.DataFrame(cells, dtype=object)


#: The four tables of a small demo export with its planted defects (typos, inactive
#: clients, an outlier): valid input that the loader repairs and excludes from.
TABLES: dict[str, pd.DataFrame] = {
    key: _as_cells(table)
    for key, table in generate_demo_export(N_CLIENTS, SEED, defects=True).items()
}
NUMERIC: dict[str, tuple[str, ...]] = {key: tuple(SPECS[key].numeric) for key in SPECS}
CATEGORICAL = (g.TARGET, g.SERVICE, g.PERMISSION, g.CATEGORY)
EXTRA_NAMES = ("Комментарий", "extra", "Примечание; служебное", "", "Unnamed: 0")
EXTRA_VALUES = ("", "x", "1,5", "2.5", "заметка", "a;b", "c|d", "e\tf", 'say "hi"')


# --- writing one file in a dialect ------------------------------------------------------------


@dataclass(frozen=True)
class FileDialect:
    """How one export file is written; the defaults are the canonical form."""

    separator: str = ","
    decimal: str = "."
    encoding: str = "utf-8"
    newline: str = "\n"
    quoting: int = csv.QUOTE_MINIMAL
    extra: tuple[str, ...] = ()
    order: tuple[int, ...] = ()
    header_pad: str = ""
    cell_pad: str = ""
    row_seed: int | None = None


CANONICAL = FileDialect()


def _render(key: str, cells: pd.DataFrame, dialect: FileDialect) -> bytes:
    """The bytes of ``cells`` written as file ``key`` in ``dialect``."""
    frame = cells.copy()
    if dialect.decimal != ".":
        for column in NUMERIC[key]:
            if column in frame.columns:
                frame[column] = frame[column].str.replace(".", dialect.decimal, regex=False)
    header = [str(c) for c in frame.columns] + list(dialect.extra)
    rows = [
        [*row, *(EXTRA_VALUES[(r + k) % len(EXTRA_VALUES)] for k in range(len(dialect.extra)))]
        for r, row in enumerate(frame.to_numpy().tolist())
    ]
    if dialect.order and len(dialect.order) == len(header):
        header = [header[i] for i in dialect.order]
        rows = [[row[i] for i in dialect.order] for row in rows]
    if dialect.row_seed is not None:
        random.Random(dialect.row_seed).shuffle(rows)
    pad, cell_pad = dialect.header_pad, dialect.cell_pad
    header = [f"{pad}{name}{pad}" for name in header]
    rows = [[f"{cell_pad}{value}{cell_pad}" for value in row] for row in rows]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=dialect.separator, quoting=dialect.quoting,
                        lineterminator=dialect.newline)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(dialect.encoding, errors="replace")


def _write_export(directory: Path, files: dict[str, bytes | None]) -> None:
    """Write the files of an export; ``None`` leaves a file out."""
    for key, data in files.items():
        if data is not None:
            (directory / EXPORT_FILES[key]).write_bytes(data)


def _canonical_files() -> dict[str, bytes | None]:
    return {key: _render(key, cells, CANONICAL) for key, cells in TABLES.items()}


@functools.cache
def _canonical() -> ClientData:
    with tempfile.TemporaryDirectory() as tmp:
        _write_export(Path(tmp), _canonical_files())
        return load_export(Path(tmp))


# --- running the command ---------------------------------------------------------------------


def _validate(directory: Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["validate", str(directory)])
    return code, out.getvalue(), err.getvalue()


def _assert_clean_outcome(directory: Path) -> int:
    """``validate`` exits 0 with a usable table, or 2 with one clear line; returns the code."""
    code, out, err = _validate(directory)
    if code not in (0, 2):
        load_export(directory)  # an internal error: raise it again to show its traceback
    assert code in (0, 2), err
    assert "Traceback" not in out + err
    if code == 2:
        lines = err.splitlines()
        assert len(lines) == 1, f"not one line: {err!r}"
        assert lines[0].startswith(ERROR_PREFIX), err
        assert out == ""
    else:
        data = load_export(directory)
        assert isinstance(data.clients, pd.DataFrame)
        assert data.clients.index.is_unique and data.clients.index.is_monotonic_increasing
        assert len(data.modelled) >= 100
    return code


def _check_export(files: dict[str, bytes | None]) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        _write_export(Path(tmp), files)
        return _assert_clean_outcome(Path(tmp))


# --- 1. dialects -----------------------------------------------------------------------------


@st.composite
def file_dialects(draw: st.DrawFn, n_columns: int) -> FileDialect:
    """Any valid way of writing a file of ``n_columns`` columns."""
    extra = tuple(draw(st.lists(st.sampled_from(EXTRA_NAMES), max_size=2, unique=True)))
    return FileDialect(
        separator=draw(st.sampled_from([",", ";", "\t", "|"])),
        decimal=draw(st.sampled_from([".", ","])),
        encoding=draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1251"])),
        newline=draw(st.sampled_from(["\n", "\r\n"])),
        quoting=draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL])),
        extra=extra,
        order=tuple(draw(st.permutations(range(n_columns + len(extra))))),
        header_pad=draw(st.sampled_from(["", " ", "  "])),
        cell_pad=draw(st.sampled_from(["", "", " "])),
        row_seed=draw(st.none() | st.integers(0, 2**16)),
    )


def export_dialects() -> st.SearchStrategy[dict[str, FileDialect]]:
    """One dialect per file of the export."""
    return st.fixed_dictionaries(
        {key: file_dialects(len(cells.columns)) for key, cells in TABLES.items()})


def _everywhere(**fields: object) -> dict[str, FileDialect]:
    return {key: FileDialect(**fields) for key in TABLES}  # type: ignore[arg-type]


@settings(max_examples=60, **_SETTINGS)
@given(dialects=export_dialects())
@example(dialects=_everywhere(separator=",", decimal=",", encoding="cp1251"))
@example(dialects=_everywhere(separator=",", decimal=",", quoting=csv.QUOTE_ALL,
                              encoding="utf-8-sig", newline="\r\n"))
@example(dialects=_everywhere(separator="\t", decimal=",", header_pad=" ", cell_pad=" "))
@example(dialects=_everywhere(separator="|", extra=("Комментарий", ""), order=()))
def test_every_dialect_loads_the_same_client_table(dialects: dict[str, FileDialect]) -> None:
    canonical = _canonical()
    files = {key: _render(key, TABLES[key], dialect) for key, dialect in dialects.items()}
    with tempfile.TemporaryDirectory() as tmp:
        _write_export(Path(tmp), files)
        data = load_export(Path(tmp))
    pd.testing.assert_frame_equal(data.clients, canonical.clients)
    assert data.quality.excluded_ids == canonical.quality.excluded_ids
    assert data.quality.clients_usable == canonical.quality.clients_usable


def test_canonical_export_is_sound() -> None:
    """The reference the dialect property compares with: repaired, some clients excluded."""
    data = _canonical()
    assert len(data.clients) == N_CLIENTS
    assert data.quality.excluded_ids  # the planted inactive clients
    assert set(data.clients[g.SERVICE]) == {"стандарт", "премиум"}


# --- 2. random damage ------------------------------------------------------------------------

Damage = tuple[str, str, tuple[object, ...]]
_fraction = st.floats(0, 1, allow_nan=False)
_keys = st.sampled_from(list(TABLES))
_short_text = st.text(max_size=20)
_category_values = st.sampled_from(sorted(
    {v for spec in SPECS.values() for values in spec.closed.values() for v in values}
    | {v for typos in KNOWN_TYPOS.values() for pair in typos.items() for v in pair}
    | {"СТАНДАРТ", "  премиум ", "Да", "", "nan", "-", "Новая категория", "Снизилась\n"}
)) | _short_text


def _damage(kind: str, key: st.SearchStrategy[str], *args: st.SearchStrategy[object]
            ) -> st.SearchStrategy[Damage]:
    return st.tuples(st.just(kind), key, st.tuples(*args))


def damages() -> st.SearchStrategy[Damage]:
    """One piece of damage: to a cell or header (before writing) or to the bytes (after)."""
    long_tables = st.sampled_from(["market_money", "market_time"])
    return st.one_of(
        _damage("cell", _keys, _fraction, _fraction, _short_text),
        _damage("numeric", _keys, _fraction, _fraction,
                st.text(st.characters(), min_size=1, max_size=8)),
        _damage("category", st.just("market_file"), _fraction,
                st.sampled_from(CATEGORICAL), _category_values),
        _damage("period", long_tables, _fraction, _category_values),
        _damage("swap_headers", _keys, _fraction, _fraction),
        _damage("rename_header", _keys, _fraction, _short_text),
        _damage("drop_column", _keys, _fraction),
        _damage("truncate", _keys, _fraction),
        _damage("delete_line", _keys, _fraction),
        _damage("duplicate_line", _keys, _fraction),
        _damage("garbage", _keys, _fraction, st.binary(min_size=1, max_size=12)),
        _damage("nul", _keys, _fraction, st.integers(1, 4)),
        _damage("empty", _keys),
        _damage("missing", _keys),
    )


def _at(fraction: object, size: int) -> int:
    """Position ``fraction`` of the way through ``size`` items (0 when there are none)."""
    return min(int(float(fraction) * size), max(size - 1, 0))  # type: ignore[arg-type]


def _damage_cells(key: str, cells: pd.DataFrame, kind: str, args: tuple[object, ...]
                  ) -> pd.DataFrame:
    frame = cells.copy()
    n_rows, columns = len(frame), list(frame.columns)
    if kind == "cell":
        frame.iat[_at(args[0], n_rows), _at(args[1], len(columns))] = args[2]
    elif kind == "numeric":
        numeric = [c for c in columns if c in ("id", *NUMERIC[key])] or columns
        frame.loc[frame.index[_at(args[0], n_rows)], numeric[_at(args[1], len(numeric))]] = (
            args[2])
    elif kind in ("category", "period"):
        column = args[1] if kind == "category" else "Период"
        frame.loc[frame.index[_at(args[0], n_rows)], column] = args[-1]
    elif kind == "swap_headers":
        i, j = _at(args[0], len(columns)), _at(args[1], len(columns))
        columns[i], columns[j] = columns[j], columns[i]
        frame.columns = columns
    elif kind == "rename_header":
        columns[_at(args[0], len(columns))] = args[1]
        frame.columns = columns
    elif kind == "drop_column":
        frame = frame.drop(columns=columns[_at(args[0], len(columns))])
    return frame


def _damage_bytes(data: bytes | None, kind: str, args: tuple[object, ...]) -> bytes | None:
    if data is None or kind == "missing":
        return None
    if kind == "empty":
        return b""
    if kind == "truncate":
        return data[:_at(args[0], len(data) + 1)]
    if kind in ("delete_line", "duplicate_line"):
        lines = data.splitlines(keepends=True)
        if not lines:
            return data
        i = _at(args[0], len(lines))
        kept = lines[i:i + 1] * (2 if kind == "duplicate_line" else 0)
        return b"".join([*lines[:i], *kept, *lines[i + 1:]])
    position = _at(args[0], len(data) + 1)
    insert = args[1] if kind == "garbage" else b"\x00" * int(args[1])  # type: ignore[arg-type]
    return data[:position] + insert + data[position:]  # type: ignore[operator]


CELL_DAMAGE = frozenset({"cell", "numeric", "category", "period", "swap_headers",
                         "rename_header", "drop_column"})


def _damaged_export(dialects: dict[str, FileDialect], damage: list[Damage]
                    ) -> dict[str, bytes | None]:
    cells = dict(TABLES)
    for kind, key, args in damage:
        if kind in CELL_DAMAGE:
            cells[key] = _damage_cells(key, cells[key], kind, args)
    files: dict[str, bytes | None] = {
        key: _render(key, cells[key], dialects[key]) for key in TABLES}
    for kind, key, args in damage:
        if kind not in CELL_DAMAGE:
            files[key] = _damage_bytes(files[key], kind, args)
    return files


@settings(max_examples=150, **_SETTINGS)
@given(dialects=export_dialects(), damage=st.lists(damages(), min_size=1, max_size=3))
# Regressions found by this test: a BOM followed by bytes that are not UTF-8 escaped as
# UnicodeDecodeError; a ragged row gave a two-line message (the parser's text ends in "\n").
@example(dialects=_everywhere(encoding="utf-8-sig"), damage=[("garbage", "money", (1.0, b"\x80"))])
@example(dialects=_everywhere(separator=";"), damage=[("garbage", "market_file", (0.5, b";;;"))])
def test_damaged_export_stops_cleanly_or_is_repaired(
    dialects: dict[str, FileDialect], damage: list[Damage]
) -> None:
    _check_export(_damaged_export(dialects, damage))


@settings(max_examples=80, **_SETTINGS)
@given(damage=st.lists(damages(), min_size=1, max_size=2))
# Regression: a header name holding a line break was shown raw in the one-line message.
@example(damage=[("rename_header", "market_file", (0.0, "a\nb"))])
@example(damage=[("rename_header", "market_time", (0.0, "a\x0cb"))])
def test_damaged_canonical_export_stops_cleanly_or_is_repaired(damage: list[Damage]) -> None:
    _check_export(_damaged_export(_everywhere(), damage))


# --- 3. fuzzing one file ---------------------------------------------------------------------

#: Text heavy in what a CSV parser cares about: separators, quotes, line breaks, digits.
_CSV_ALPHABET = st.one_of(
    st.sampled_from([*',;\t|"\'\r\n .-0123456789eE', "\x00", "\ufeff", "\u2028"]),
    st.characters(),
)
_fuzz_text = st.text(_CSV_ALPHABET, max_size=400)


def _header(key: str) -> str:
    return ",".join(TABLES[key].columns) + "\n"


@settings(max_examples=300, **_SETTINGS)
@given(key=_keys, content=st.binary(max_size=1024), prefix_header=st.booleans())
def test_fuzz_arbitrary_bytes_as_one_file(key: str, content: bytes, prefix_header: bool) -> None:
    files = _canonical_files()
    files[key] = (_header(key).encode() if prefix_header else b"") + content
    _check_export(files)


@st.composite
def fuzz_files(draw: st.DrawFn, key: str) -> str:
    """Arbitrary text, alone, after the file's header, or spliced into the valid file."""
    text = draw(_fuzz_text)
    how = draw(st.sampled_from(["alone", "after_header", "spliced"]))
    if how == "alone":
        return text
    if how == "after_header":
        return _header(key) + text
    valid = _render(key, TABLES[key], CANONICAL).decode()
    position = _at(draw(_fraction), len(valid) + 1)
    cut = draw(st.integers(0, 40))
    return valid[:position] + text + valid[position + cut:]


@settings(max_examples=300, **_SETTINGS)
@given(data=st.data())
def test_fuzz_arbitrary_text_as_one_file(data: st.DataObject) -> None:
    key = data.draw(_keys, label="file")
    text = data.draw(fuzz_files(key), label="text")
    encoding = data.draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1251"]), label="encoding")
    files = _canonical_files()
    files[key] = text.encode(encoding, errors="replace")
    _check_export(files)
