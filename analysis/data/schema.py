"""Declared schemas of the four exports, typo repairs, and text-to-number conversion.

Each file goes through the same steps: required columns, trimmed text, known
typos mapped to their correct spelling, numbers parsed whatever the decimal
mark, then a pandera schema (types, allowed values, ranges, unique keys).
Problems that cannot be repaired raise :class:`~analysis.errors.InputError`,
naming the physical lines of the file (:mod:`analysis.data.load`).

- **Missing values.** One list, :data:`MISSING_SPELLINGS`, compared after
  trimming and ignoring case: an empty cell, ``-``, ``–``, ``—``, ``NA``,
  ``N/A``, ``#N/A``, ``<NA>``, ``NaN``, ``NULL``, ``None``. (The loader reads
  with pandas' own list switched off, ``keep_default_na=False``: pandas' list
  is case-sensitive, has ``n/a`` and ``N/A`` but not ``N/a``, and misses the
  dashes.) Anything else in a numeric column that is not a number is an error.
- **Header.** A required column that appears twice, whether spelt exactly
  alike or only after trimming spaces, is refused naming both positions.
- **Ids.** A non-negative integer up to 2^63 − 1 (``int64``); a larger one is
  refused as out of range, never wrapped to a negative or a duplicate.
- **Repairs recorded.** Control characters removed by the loader
  (``control_chars``, per column with lines) and rows without any value
  (``empty_rows``) go into the data-quality log with the typo and case repairs.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from analysis import glossary as g
from analysis.data.load import RawTable
from analysis.data.quality import QualityEntry, QualityLog, shorten_label
from analysis.errors import InputError
from analysis.rutext import num

__all__ = ["ID_MAX", "KNOWN_TYPOS", "MISSING_SPELLINGS", "PLAUSIBLE", "SPECS", "FileSpec",
           "is_missing", "validate_table"]

#: The one documented mapping of known typos in the store's export, by column.
KNOWN_TYPOS: dict[str, dict[str, str]] = {
    g.SERVICE: {"стандартт": "стандарт", "премиумм": "премиум"},
    g.CATEGORY: {
        "Косметика и аксесуары": "Косметика и аксессуары",
        "Косметика и аксесcуары": "Косметика и аксессуары",
    },
    "Период": {
        "предыдцщий_месяц": "предыдущий_месяц",
        "препредыдцщий_месяц": "препредыдущий_месяц",
    },
}

#: Spellings of a missing value, compared after trimming and case-folding (``N/a`` = ``n/a``).
MISSING_SPELLINGS: frozenset[str] = frozenset(
    {"", "-", "–", "—", "na", "n/a", "#n/a", "<na>", "nan", "null", "none"})

#: The largest client id (``int64``).
ID_MAX = 2**63 - 1
_INTEGER = re.compile(r"\+?[0-9]+")
_PLAIN_ID_DIGITS = 18  # below ID_MAX whatever the digits


def by_value(text: pd.Series, convert: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """``convert(text)``, computed once per distinct value of ``text``.

    ``convert`` must treat each cell on its own (string methods, ``isin``,
    parsing): an export column holds few distinct values against its rows
    (a category, a month, a count), and pandas' string methods cost a Python
    call per cell. The result has ``text``'s index and ``convert``'s dtype.
    """
    codes, uniques = pd.factorize(text, use_na_sentinel=False)
    done = convert(pd.Series(uniques, dtype=text.dtype))
    return pd.Series(done.array.take(codes), index=text.index, name=done.name)


def _is_missing(text: pd.Series) -> pd.Series:
    return text.str.strip().str.casefold().isin(MISSING_SPELLINGS).fillna(True).astype(bool)


def is_missing(text: pd.Series) -> pd.Series:
    """Whether each cell spells a missing value (:data:`MISSING_SPELLINGS`)."""
    return by_value(text, _is_missing)


@dataclass(frozen=True)
class FileSpec:
    """What one export file must hold.

    Parameters
    ----------
    numeric
        Numeric columns with their allowed (low, high) range; None means open.
    closed
        Categorical columns with the only values allowed (after typo repair).
    open_categories
        Categorical columns whose new values are kept and reported.
    key
        Columns that identify a row uniquely.
    """

    file: str
    numeric: dict[str, tuple[float | None, float | None]]
    closed: dict[str, tuple[str, ...]] = field(default_factory=dict)
    open_categories: tuple[str, ...] = ()
    key: tuple[str, ...] = ("id",)

    @property
    def columns(self) -> tuple[str, ...]:
        return ("id", *self.numeric, *self.closed, *self.open_categories)


#: Plausible ranges per numeric column: a value outside is an entry error, not a client.
#: The upper bounds are generous (orders of magnitude above the real export) so that they
#: only catch absurd values such as 1e305 or an overflowed cell; infinities are refused too.
PLAUSIBLE: dict[str, tuple[float | None, float | None]] = {
    "Маркет_актив_6_мес": (0.0, 1_000.0),             # marketing contacts a month
    "Маркет_актив_тек_мес": (0.0, 1_000.0),
    "Длительность": (0.0, 36_500.0),                   # days since registration: 100 years
    g.PROMO: (0.0, 1.0),                               # a share
    "Средний_просмотр_категорий_за_визит": (0.0, 1_000.0),
    "Неоплаченные_продукты_штук_квартал": (0.0, 100_000.0),
    "Ошибка_сервиса": (0.0, 100_000.0),
    "Страниц_за_визит": (0.0, 100_000.0),
    "Выручка": (0.0, 1e9),                             # roubles a month for one client
    "минут": (0.0, 31 * 24 * 60.0),                    # minutes in a month
    g.PROFIT: (-1e9, 1e9),
}
SPECS: dict[str, FileSpec] = {
    "market_file": FileSpec(
        file="market_file.csv",
        numeric={column: PLAUSIBLE[column] for column in (
            "Маркет_актив_6_мес", "Маркет_актив_тек_мес", "Длительность", g.PROMO,
            "Средний_просмотр_категорий_за_визит", "Неоплаченные_продукты_штук_квартал",
            "Ошибка_сервиса", "Страниц_за_визит")},
        closed={
            g.TARGET: (g.DECLINED, g.STABLE),
            g.SERVICE: ("стандарт", "премиум"),
            g.PERMISSION: ("да", "нет"),
        },
        open_categories=(g.CATEGORY,),
    ),
    "market_money": FileSpec(
        file="market_money.csv",
        numeric={"Выручка": PLAUSIBLE["Выручка"]},
        closed={"Период": g.MONTHS},
        key=("id", "Период"),
    ),
    "market_time": FileSpec(
        file="market_time.csv",
        numeric={"минут": PLAUSIBLE["минут"]},
        closed={"Период": g.TIME_MONTHS},
        key=("id", "Период"),
    ),
    "money": FileSpec(file="money.csv", numeric={g.PROFIT: PLAUSIBLE[g.PROFIT]}),
}


def _line_numbers(mask: pd.Series) -> list[int]:
    """Physical file lines (the frame's index, header = line 1) of the rows where ``mask`` holds."""
    return [int(i) for i in mask.index[mask.to_numpy(dtype=bool)]]


def _shown(text: str) -> str:
    """Text from the file as a message shows it: escaped if it holds line breaks, and short."""
    text = shorten_label(text)
    return text if text.isprintable() else repr(text)


def _sample(values: pd.Series) -> str:
    """The first three values of a message, quoted and shortened (a cell can be huge)."""
    return ", ".join(repr(shorten_label(str(v))) for v in values.head(3))


def _require_columns(raw: RawTable, spec: FileSpec, log: QualityLog) -> pd.DataFrame:
    present = list(raw.frame.columns)
    for column in spec.columns:
        if column not in present:
            found = ", ".join(_shown(c) for c in present)
            expected = f"столбцы {', '.join(spec.columns)}; найдены: {found}"
            raise InputError(spec.file, "нет обязательного столбца", expected, column=column)
    _refuse_duplicate_columns(raw, spec)
    extra = [c for c in present if c not in spec.columns]
    if extra:
        log.add(QualityEntry("warning", "extra_columns", spec.file, None, len(extra),
                             details={"columns": list(extra)}))
    return raw.frame.loc[:, list(spec.columns)].copy()


def _refuse_duplicate_columns(raw: RawTable, spec: FileSpec) -> None:
    """A required column twice, exactly alike or alike after trimming: refused naming both."""
    present = list(raw.frame.columns)
    for column in spec.columns:
        positions = [i for i, c in enumerate(present) if c == column]
        if len(positions) > 1:
            written = [raw.header[i] if i < len(raw.header) else column for i in positions]
            both = " и ".join(f"{i + 1}-й («{_shown(w)}»)"
                              for i, w in zip(positions, written, strict=True))
            raise InputError(spec.file, f"столбец встречается в заголовке дважды: {both}",
                             "уникальные заголовки: каждый столбец один раз", column=column)


def _id_value(text: str) -> int | None:
    """The integer a cell spells (any size), or None when it is not a whole number ≥ 0."""
    text = re.sub(r"\.0+$", "", text.strip())
    if _INTEGER.fullmatch(text):
        return int(text)
    try:
        value = float(text)
    except ValueError:
        return None
    if not np.isfinite(value) or value < 0 or value % 1:
        return None
    return int(value)


def _plain_ids(texts: list[str]) -> list[int] | None:
    """The ids when every cell is 1 to 18 ASCII digits (the usual export), else None."""
    if not texts or "" in texts or max(map(len, texts)) > _PLAIN_ID_DIGITS:
        return None
    joined = "".join(texts)
    if not (joined.isascii() and joined.isdigit()):
        return None
    return list(map(int, texts))


def _parse_ids(frame: pd.DataFrame, spec: FileSpec) -> pd.Series:
    texts = frame["id"].astype(str).tolist()
    plain = _plain_ids(texts)
    if plain is not None:
        return pd.Series(plain, index=frame.index, dtype="int64")
    values = [_id_value(t) for t in texts]
    bad = pd.Series([v is None for v in values], index=frame.index)
    if bad.any():
        raise InputError(spec.file, "id клиента пуст или не является целым числом",
                         "целое неотрицательное число в каждой строке", column="id",
                         rows=_line_numbers(bad))
    big = pd.Series([v > ID_MAX for v in values], index=frame.index)  # type: ignore[operator]
    if big.any():
        sample = ", ".join(shorten_label(str(v)) for v in frame.loc[big, "id"].head(3))
        raise InputError(spec.file, f"id вне допустимого диапазона ({sample})",
                         f"целое число от 0 до {ID_MAX} (2^63 − 1)", column="id",
                         rows=_line_numbers(big))
    return pd.Series(values, index=frame.index, dtype="int64")


def _parse_number(text: pd.Series) -> pd.Series:
    cleaned = (text.str.replace(r"[\s\u00a0\u202f]", "", regex=True)
               .str.replace(",", ".", regex=False))
    return pd.to_numeric(cleaned, errors="coerce")


def _number_or_missing(text: pd.Series) -> pd.DataFrame:
    """Per cell: the number it spells (NaN if none) and whether it spells a missing value."""
    missing = _is_missing(text)
    return pd.DataFrame({"value": _parse_number(text.where(~missing, "nan")).astype("float64"),
                         "missing": missing})


def _parse_numeric(frame: pd.DataFrame, spec: FileSpec) -> None:
    for column in spec.numeric:
        text = frame[column]
        codes, uniques = pd.factorize(text, use_na_sentinel=False)
        parsed = _number_or_missing(pd.Series(uniques, dtype=text.dtype))
        missing = pd.Series(parsed["missing"].to_numpy()[codes], index=frame.index)
        values = pd.Series(parsed["value"].to_numpy()[codes], index=frame.index)
        bad = values.isna() & ~missing
        if bad.any():
            sample = _sample(text[bad])
            raise InputError(spec.file, f"нечисловые значения ({sample})", "число",
                             column=column, rows=_line_numbers(bad))
        infinite = np.isinf(values.to_numpy(dtype="float64", na_value=np.nan))
        if infinite.any():
            hit = pd.Series(infinite, index=frame.index)
            sample = _sample(text[hit])
            raise InputError(spec.file, f"бесконечные или переполненные значения ({sample})",
                             _expected(spec, column), column=column, rows=_line_numbers(hit))
        frame[column] = values.astype("float64")


def _repair_categories(frame: pd.DataFrame, spec: FileSpec, log: QualityLog) -> None:
    for column in (*spec.closed, *spec.open_categories):
        text = by_value(frame[column], _clean_category)
        for wrong, right in KNOWN_TYPOS.get(column, {}).items():
            hit = text == wrong
            log.add(QualityEntry("repair", "typo", spec.file, column, int(hit.sum()),
                                 _ids(frame, hit), {"wrong": wrong, "right": right}))
            text = text.where(~hit, right)
        allowed = spec.closed.get(column, ())
        by_fold = {v.casefold(): v for v in allowed}
        folded = by_value(text, lambda t, table=by_fold: t.str.casefold().map(table))  # type: ignore[misc]
        changed = folded.notna() & (folded != text)
        log.add(QualityEntry("repair", "case", spec.file, column, int(changed.sum()),
                             _ids(frame, changed)))
        frame[column] = text.where(~changed, folded)


def _clean_category(text: pd.Series) -> pd.Series:
    """Trimmed, inner runs of spaces as one, a missing spelling as None."""
    text = text.str.strip().str.replace(r"\s+", " ", regex=True)
    return text.where(~_is_missing(text), None)


def _require_keys(frame: pd.DataFrame, spec: FileSpec) -> None:
    """A row without its key (an empty or «-» period) cannot be placed: refuse it, never drop it."""
    for column in spec.key:
        empty = frame[column].isna()
        if empty.any():
            raise InputError(spec.file, "пустое значение ключа: строку нельзя отнести к месяцу",
                             _expected(spec, column), column=column, rows=_line_numbers(empty))


def _ids(frame: pd.DataFrame, mask: pd.Series) -> tuple[int, ...]:
    return tuple(sorted(int(i) for i in frame.loc[mask, "id"].unique()))


def _schema(spec: FileSpec) -> pa.DataFrameSchema:
    columns: dict[str, pa.Column] = {"id": pa.Column("int64", pa.Check.ge(0))}
    for column, (low, high) in spec.numeric.items():
        checks = []
        if low is not None:
            checks.append(pa.Check.ge(low))
        if high is not None:
            checks.append(pa.Check.le(high))
        columns[column] = pa.Column("float64", checks, nullable=True)
    for column, allowed in spec.closed.items():
        columns[column] = pa.Column(None, pa.Check.isin(allowed), nullable=True)
    for column in spec.open_categories:
        columns[column] = pa.Column(None, nullable=True)
    return pa.DataFrameSchema(columns, unique=list(spec.key), strict=True, coerce=False)


def _expected(spec: FileSpec, column: str) -> str:
    if column in spec.closed:
        return "одно из значений: " + ", ".join(spec.closed[column])
    if column in spec.numeric:
        low, high = spec.numeric[column]
        if high is not None and low is not None:
            return f"конечное число от {num(low)} до {num(high)}"
        if high is not None:
            return f"конечное число не больше {num(high)}"
        return f"число не меньше {num(low)}" if low is not None else "число"
    return "уникальное значение ключа " + ", ".join(spec.key)


def _raise_first(spec: FileSpec, frame: pd.DataFrame, error: SchemaErrors) -> None:
    cases = error.failure_cases
    cases = cases[cases["index"].notna()]
    if cases.empty:
        raise InputError(spec.file, str(error).splitlines()[0], "таблица по схеме выгрузки")
    column = cases["column"].iloc[0]
    rows = sorted({int(i) for i in cases.loc[cases["column"] == column, "index"]})
    if column not in frame.columns or cases["check"].iloc[0] == "column_in_dataframe":
        column = ", ".join(spec.key)
        problem = "повторяющиеся значения ключа (дубликаты)"
        dup = frame.duplicated(list(spec.key), keep=False)
        rows = _line_numbers(dup)
    else:
        values = _sample(cases.loc[cases["column"] == column, "failure_case"])
        problem = f"недопустимые значения ({values})"
        if rows and frame[column].duplicated(keep=False).loc[rows[0]] and (
            column in spec.key
        ):
            problem = "повторяющиеся значения (дубликаты)"
    raise InputError(spec.file, problem, _expected(spec, column), column=column, rows=rows)


def validate_table(raw: RawTable, spec: FileSpec, log: QualityLog) -> pd.DataFrame:
    """Turn a raw text table into a typed, schema-checked one, recording repairs.

    Missing values are kept as NaN/None here; :mod:`analysis.data.clients` decides
    what they mean for a client.
    """
    frame = _require_columns(raw, spec, log)
    frame["id"] = _parse_ids(frame, spec)
    _log_loader_repairs(raw, frame, spec, log)
    _parse_numeric(frame, spec)
    _repair_categories(frame, spec, log)
    _require_keys(frame, spec)
    log.files[spec.file] = {
        "rows": len(frame),
        "encoding": raw.dialect.encoding,
        "separator": raw.dialect.separator,
    }
    try:
        validated = _schema(spec).validate(frame, lazy=True)
    except SchemaErrors as error:
        _raise_first(spec, frame, error)
        raise  # unreachable: _raise_first always raises
    return validated.reset_index(drop=True)


def _log_loader_repairs(raw: RawTable, frame: pd.DataFrame, spec: FileSpec,
                        log: QualityLog) -> None:
    """Record what the loader removed: control characters (per column) and empty rows."""
    for column, lines in sorted(raw.controls.items()):
        rows = pd.Series(frame.index.isin(lines), index=frame.index)
        log.add(QualityEntry("repair", "control_chars", spec.file, column, len(lines),
                             _ids(frame, rows), {"lines": list(lines)}))
    log.add(QualityEntry("warning", "empty_rows", spec.file, None, len(raw.empty_lines),
                         details={"lines": list(raw.empty_lines)}))
