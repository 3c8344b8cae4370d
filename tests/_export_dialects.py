"""Shared machinery of the loader property tests: a valid export written in any dialect.

A small demo export as text cells (:data:`TABLES`), how one file is written in a
:class:`FileDialect`, the hypothesis strategies of dialects, and ``oneclick validate``
run on a written export with its outcome checked.
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
from hypothesis import HealthCheck
from hypothesis import strategies as st

from analysis import glossary as g
from analysis.data.clients import ClientData, load_export
from analysis.data.demo.generate import generate_demo_export
from analysis.data.schema import SPECS
from analysis.paths import EXPORT_FILES
from report.cli import main

N_CLIENTS = 150
SEED = 11
ERROR_PREFIX = "Ошибка во входных данных"

SETTINGS = {
    "deadline": None,
    "derandomize": True,
    "database": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}


# --- the valid export, as text cells --------------------------------------------------------


def as_cells(table: pd.DataFrame) -> pd.DataFrame:
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
    key: as_cells(table)
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


def render_file(key: str, cells: pd.DataFrame, dialect: FileDialect) -> bytes:
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


def write_export(directory: Path, files: dict[str, bytes | None]) -> None:
    """Write the files of an export; ``None`` leaves a file out."""
    for key, data in files.items():
        if data is not None:
            (directory / EXPORT_FILES[key]).write_bytes(data)


def canonical_files() -> dict[str, bytes | None]:
    return {key: render_file(key, cells, CANONICAL) for key, cells in TABLES.items()}


@functools.cache
def canonical_data() -> ClientData:
    with tempfile.TemporaryDirectory() as tmp:
        write_export(Path(tmp), canonical_files())
        return load_export(Path(tmp))


# --- running the command ---------------------------------------------------------------------


def run_validate(directory: Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["validate", str(directory)])
    return code, out.getvalue(), err.getvalue()


def assert_clean_outcome(directory: Path) -> int:
    """``validate`` exits 0 with a usable table, or 2 with one clear line; returns the code."""
    code, out, err = run_validate(directory)
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


def check_export(files: dict[str, bytes | None]) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        write_export(Path(tmp), files)
        return assert_clean_outcome(Path(tmp))


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


def everywhere(**fields: object) -> dict[str, FileDialect]:
    return {key: FileDialect(**fields) for key in TABLES}  # type: ignore[arg-type]

