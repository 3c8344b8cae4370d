"""The two CSV files of the action list.

``scores.csv`` — the Russian list (:func:`write_list_csv`), in one of two
formats (``action_list_csv`` in ``oneclick.toml``):

- ``excel`` (default): UTF-8 with BOM, ``;`` between fields, decimal comma,
  CRLF line ends — what Excel with Russian regional settings opens by double
  click with Cyrillic intact and numbers as numbers;
- ``plain``: UTF-8 without BOM, ``,`` and a decimal point, LF line ends — for
  programs and Excel with English settings.

The probability is in per cent with one decimal (``87,8``), money in the
profit unit with two (the unit is in the header). ``scores-codes.csv``
(:func:`write_codes_csv`) is always ``plain``: English column codes, codes as
values, the probability as a fraction with six decimals. Text cells go through
:func:`report.actionlist.cells.csv_texts` in both files. The same frame gives
the same bytes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from report.actionlist.cells import csv_texts
from report.actionlist.tables import CODE_HEADER, COLUMNS, CSV_FORMATS, NUMBERS

__all__ = ["write_codes_csv", "write_list_csv"]

_DIALECTS = {"excel": {"encoding": "utf-8-sig", "sep": ";", "decimal": ",", "end": "\r\n"},
             "plain": {"encoding": "utf-8", "sep": ",", "decimal": ".", "end": "\n"}}
_LIST_NUMBERS = {"decline_probability": (100.0, 1), "profit": (1.0, 2), "exposure": (1.0, 2),
                 "expected_value": (1.0, 2)}
"""Column → (factor, decimals) in ``scores.csv``: the probability in %, money to the kopeck."""
_CODE_DECIMALS = {"decline_probability": 6, "profit": 2, "exposure": 6, "expected_value": 6}


def _numbers(values: pd.Series, factor: float, decimals: int, decimal: str) -> pd.Series:
    """Fixed decimals, ``-0`` written as ``0``, empty for a missing value."""
    def one(v: float) -> str:
        if v != v:
            return ""
        text = f"{round(v * factor, decimals) + 0.0:.{decimals}f}"
        return text.replace(".", decimal) if decimal != "." else text
    floats = values.to_numpy(dtype="float64", na_value=np.nan).tolist()
    return pd.Series([one(v) for v in floats], index=values.index, dtype=object)


def _write(frame: pd.DataFrame, path: Path, dialect: dict[str, str]) -> None:
    with Path(path).open("w", encoding=dialect["encoding"], newline="") as handle:
        frame.to_csv(handle, index=False, sep=dialect["sep"], lineterminator=dialect["end"])


def _texts(frame: pd.DataFrame, numbers: tuple[str, ...]) -> dict[str, pd.Series]:
    return {c: csv_texts(frame[c]) for c in frame.columns if c not in (*numbers, "id")}


def write_list_csv(table: pd.DataFrame, headers: dict[str, str], path: Path,
                   csv_format: str = "excel") -> None:
    """``table`` (:func:`report.actionlist.tables.action_table`) as ``scores.csv``.

    Raises
    ------
    ValueError
        When ``csv_format`` is not one of :data:`report.actionlist.tables.CSV_FORMATS`.
    """
    if csv_format not in CSV_FORMATS:
        raise ValueError(f"csv_format must be one of {CSV_FORMATS}, not {csv_format!r}")
    dialect = _DIALECTS[csv_format]
    out = table[list(COLUMNS)].assign(
        **_texts(table[list(COLUMNS)], NUMBERS),
        **{c: _numbers(table[c], *_LIST_NUMBERS[c], dialect["decimal"]) for c in NUMBERS})
    _write(out.rename(columns=headers), path, dialect)


def write_codes_csv(codes: pd.DataFrame, path: Path) -> None:
    """``codes`` (:func:`report.actionlist.tables.code_table`) as ``scores-codes.csv``."""
    out = codes[list(CODE_HEADER)].assign(
        **_texts(codes[list(CODE_HEADER)], NUMBERS),
        **{c: _numbers(codes[c], 1.0, d, ".") for c, d in _CODE_DECIMALS.items()})
    _write(out, path, _DIALECTS["plain"])
