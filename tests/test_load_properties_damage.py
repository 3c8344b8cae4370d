"""Property tests of the export loader: damage never crashes.

Two properties (issue "Reliability and security", part 1; the first, every dialect
loads the same, is in ``test_load_properties_dialects.py``):

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

import pandas as pd
from _export_dialects import (
    CANONICAL,
    CATEGORICAL,
    NUMERIC,
    SETTINGS,
    TABLES,
    FileDialect,
    canonical_files,
    check_export,
    everywhere,
    export_dialects,
    render_file,
)
from hypothesis import example, given, settings
from hypothesis import strategies as st

from analysis.data.schema import KNOWN_TYPOS, SPECS

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
        key: render_file(key, cells[key], dialects[key]) for key in TABLES}
    for kind, key, args in damage:
        if kind not in CELL_DAMAGE:
            files[key] = _damage_bytes(files[key], kind, args)
    return files


@settings(max_examples=150, **SETTINGS)
@given(dialects=export_dialects(), damage=st.lists(damages(), min_size=1, max_size=3))
# Regressions found by this test: a BOM followed by bytes that are not UTF-8 escaped as
# UnicodeDecodeError; a ragged row gave a two-line message (the parser's text ends in "\n").
@example(dialects=everywhere(encoding="utf-8-sig"), damage=[("garbage", "money", (1.0, b"\x80"))])
@example(dialects=everywhere(separator=";"), damage=[("garbage", "market_file", (0.5, b";;;"))])
def test_damaged_export_stops_cleanly_or_is_repaired(
    dialects: dict[str, FileDialect], damage: list[Damage]
) -> None:
    check_export(_damaged_export(dialects, damage))


@settings(max_examples=80, **SETTINGS)
@given(damage=st.lists(damages(), min_size=1, max_size=2))
# Regression: a header name holding a line break was shown raw in the one-line message.
@example(damage=[("rename_header", "market_file", (0.0, "a\nb"))])
@example(damage=[("rename_header", "market_time", (0.0, "a\x0cb"))])
def test_damaged_canonical_export_stops_cleanly_or_is_repaired(damage: list[Damage]) -> None:
    check_export(_damaged_export(everywhere(), damage))


# --- 3. fuzzing one file ---------------------------------------------------------------------

#: Text heavy in what a CSV parser cares about: separators, quotes, line breaks, digits.
_CSV_ALPHABET = st.one_of(
    st.sampled_from([*',;\t|"\'\r\n .-0123456789eE', "\x00", "\ufeff", "\u2028"]),
    st.characters(),
)
_fuzz_text = st.text(_CSV_ALPHABET, max_size=400)


def _header(key: str) -> str:
    return ",".join(TABLES[key].columns) + "\n"


@settings(max_examples=300, **SETTINGS)
@given(key=_keys, content=st.binary(max_size=1024), prefix_header=st.booleans())
def test_fuzz_arbitrary_bytes_as_one_file(key: str, content: bytes, prefix_header: bool) -> None:
    files = canonical_files()
    files[key] = (_header(key).encode() if prefix_header else b"") + content
    check_export(files)


@st.composite
def fuzz_files(draw: st.DrawFn, key: str) -> str:
    """Arbitrary text, alone, after the file's header, or spliced into the valid file."""
    text = draw(_fuzz_text)
    how = draw(st.sampled_from(["alone", "after_header", "spliced"]))
    if how == "alone":
        return text
    if how == "after_header":
        return _header(key) + text
    valid = render_file(key, TABLES[key], CANONICAL).decode()
    position = _at(draw(_fraction), len(valid) + 1)
    cut = draw(st.integers(0, 40))
    return valid[:position] + text + valid[position + cut:]


@settings(max_examples=300, **SETTINGS)
@given(data=st.data())
def test_fuzz_arbitrary_text_as_one_file(data: st.DataObject) -> None:
    key = data.draw(_keys, label="file")
    text = data.draw(fuzz_files(key), label="text")
    encoding = data.draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1251"]), label="encoding")
    files = canonical_files()
    files[key] = text.encode(encoding, errors="replace")
    check_export(files)

