"""Reading one export file whatever its dialect: encoding, separator, decimal mark.

Everything is read as text; turning text into numbers is the job of
:mod:`analysis.data.schema`, which knows which columns are numeric.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis.errors import InputError

__all__ = ["Dialect", "RawTable", "detect_dialect", "read_table"]

_SEPARATORS = ",;\t|"
_MAX_BYTES = 2 * 1024**3


@dataclass(frozen=True)
class Dialect:
    """How a file was written."""

    encoding: str
    separator: str


@dataclass(frozen=True)
class RawTable:
    """A file's cells as stripped text, headers trimmed, with the dialect it was read in."""

    name: str
    frame: pd.DataFrame
    dialect: Dialect


def _decode(data: bytes, name: str) -> tuple[str, str]:
    if b"\x00" in data[:65536]:
        raise InputError(name, "файл не является текстом (найдены нулевые байты)",
                         "CSV-файл в кодировке UTF-8 или cp1251")
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
        except UnicodeDecodeError:
            raise InputError(name, "файл помечен как UTF-8 (BOM), но не читается как UTF-8",
                             "CSV-файл в кодировке UTF-8 или cp1251") from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1251")
    except UnicodeDecodeError:
        raise InputError(name, "файл не читается ни как UTF-8, ни как cp1251",
                         "CSV-файл в кодировке UTF-8 или cp1251") from None
    controls = sum(1 for ch in text[:65536] if ord(ch) < 32 and ch not in "\r\n\t")
    if controls:
        raise InputError(name, "файл не является текстом (управляющие символы)",
                         "CSV-файл в кодировке UTF-8 или cp1251")
    return text, "cp1251"


def _separator(text: str, name: str) -> str:
    header = text.lstrip().split("\n", 1)[0]
    sample = "\n".join(text.splitlines()[:50])
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
    text, encoding = _decode(data, name)
    if not text.strip():
        raise InputError(name, "файл пуст", "заголовок и хотя бы одна строка данных")
    return text, Dialect(encoding=encoding, separator=_separator(text, name))


def read_table(path: Path) -> RawTable:
    """Read one export file as text cells.

    Raises
    ------
    InputError
        When the file is missing, not text, empty, or not a table.
    """
    name = path.name
    if not path.is_file():
        raise InputError(name, f"файл не найден в папке {path.parent}",
                         "четыре файла выгрузки: market_file.csv, market_money.csv, "
                         "market_time.csv, money.csv")
    if path.stat().st_size > _MAX_BYTES:
        raise InputError(name, "файл больше 2 ГБ", "выгрузку обычного размера")
    text, dialect = detect_dialect(path.read_bytes(), name)
    try:
        frame = pd.read_csv(
            io.StringIO(text), sep=dialect.separator, dtype=str, keep_default_na=False,
            na_filter=False, skipinitialspace=True, engine="c",
        )
    except (pd.errors.ParserError, ValueError) as exc:
        detail = " ".join(str(exc).split())  # the C parser's text ends with a line break
        raise InputError(name, f"файл не разбирается как таблица ({detail})",
                         "CSV с одинаковым числом полей в каждой строке") from None
    frame.columns = [str(c).strip().lstrip("\ufeff").strip() for c in frame.columns]
    if frame.empty:
        raise InputError(name, "в таблице нет ни одной строки данных",
                         "хотя бы одну строку после заголовка")
    return RawTable(name=name, frame=frame, dialect=dialect)
