"""Declared schemas of the four exports, typo repairs, and text-to-number conversion.

Each file goes through the same steps: required columns, trimmed text, known
typos mapped to their correct spelling, numbers parsed whatever the decimal
mark, then a pandera schema (types, allowed values, ranges, unique keys).
Problems that cannot be repaired raise :class:`~analysis.errors.InputError`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from analysis import glossary as g
from analysis.data.load import RawTable
from analysis.data.quality import QualityEntry, QualityLog
from analysis.errors import InputError
from analysis.rutext import num

__all__ = ["KNOWN_TYPOS", "PLAUSIBLE", "SPECS", "FileSpec", "validate_table"]

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

_MISSING = {"", "nan", "NaN", "NA", "N/A", "null", "NULL", "None", "-"}


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
    """File line numbers (header is line 1) of the rows where ``mask`` holds."""
    return [int(i) + 2 for i in np.flatnonzero(mask.to_numpy())]


def _shown(text: str) -> str:
    """Text from the file as a message shows it: escaped if it holds line breaks or controls."""
    return text if text.isprintable() else repr(text)


def _require_columns(raw: RawTable, spec: FileSpec, log: QualityLog) -> pd.DataFrame:
    present = list(raw.frame.columns)
    for column in spec.columns:
        if column not in present:
            found = ", ".join(_shown(c) for c in present)
            expected = f"столбцы {', '.join(spec.columns)}; найдены: {found}"
            raise InputError(spec.file, "нет обязательного столбца", expected, column=column)
    extra = [c for c in present if c not in spec.columns]
    if extra:
        log.add(QualityEntry("warning", "extra_columns", spec.file, None, len(extra),
                             details={"columns": list(extra)}))
    dup = [c for c in spec.columns if present.count(c) > 1]
    if dup:
        raise InputError(spec.file, "столбец встречается дважды", "уникальные заголовки",
                         column=dup[0])
    return raw.frame.loc[:, list(spec.columns)].copy()


def _parse_ids(frame: pd.DataFrame, spec: FileSpec) -> pd.Series:
    text = frame["id"].str.strip()
    ids = pd.to_numeric(text.str.replace(r"\.0+$", "", regex=True), errors="coerce")
    bad = ids.isna() | (ids % 1 != 0) | (ids < 0)
    if bad.any():
        raise InputError(spec.file, "id клиента пуст или не является целым числом",
                         "целое неотрицательное число в каждой строке", column="id",
                         rows=_line_numbers(bad))
    return ids.astype("int64")


def _parse_number(text: pd.Series) -> pd.Series:
    cleaned = (text.str.replace(r"[\s\u00a0\u202f]", "", regex=True)
               .str.replace(",", ".", regex=False))
    return pd.to_numeric(cleaned, errors="coerce")


def _parse_numeric(frame: pd.DataFrame, spec: FileSpec) -> None:
    for column in spec.numeric:
        text = frame[column]
        missing = text.isin(_MISSING)
        values = _parse_number(text.where(~missing, "nan"))
        bad = values.isna() & ~missing
        if bad.any():
            sample = ", ".join(repr(v) for v in text[bad].head(3))
            raise InputError(spec.file, f"нечисловые значения ({sample})", "число",
                             column=column, rows=_line_numbers(bad))
        infinite = np.isinf(values.to_numpy(dtype="float64", na_value=np.nan))
        if infinite.any():
            hit = pd.Series(infinite, index=frame.index)
            sample = ", ".join(repr(v) for v in text[hit].head(3))
            raise InputError(spec.file, f"бесконечные или переполненные значения ({sample})",
                             _expected(spec, column), column=column, rows=_line_numbers(hit))
        frame[column] = values.astype("float64")


def _repair_categories(frame: pd.DataFrame, spec: FileSpec, log: QualityLog) -> None:
    for column in (*spec.closed, *spec.open_categories):
        text = frame[column].str.strip().str.replace(r"\s+", " ", regex=True)
        text = text.where(~text.isin(_MISSING), None)
        for wrong, right in KNOWN_TYPOS.get(column, {}).items():
            hit = text == wrong
            log.add(QualityEntry("repair", "typo", spec.file, column, int(hit.sum()),
                                 _ids(frame, hit), {"wrong": wrong, "right": right}))
            text = text.where(~hit, right)
        allowed = spec.closed.get(column, ())
        by_fold = {v.casefold(): v for v in allowed}
        folded = text.str.casefold().map(by_fold)
        changed = folded.notna() & (folded != text)
        log.add(QualityEntry("repair", "case", spec.file, column, int(changed.sum()),
                             _ids(frame, changed)))
        frame[column] = text.where(~changed, folded)


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
    rows = sorted({int(i) + 2 for i in cases.loc[cases["column"] == column, "index"]})
    if column not in frame.columns or cases["check"].iloc[0] == "column_in_dataframe":
        column = ", ".join(spec.key)
        problem = "повторяющиеся значения ключа (дубликаты)"
        dup = frame.duplicated(list(spec.key), keep=False)
        rows = _line_numbers(dup)
    else:
        values = ", ".join(repr(v) for v in cases.loc[cases["column"] == column,
                                                       "failure_case"].head(3))
        problem = f"недопустимые значения ({values})"
        if rows and frame[column].duplicated(keep=False).iloc[rows[0] - 2] and (
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
    frame = frame.reset_index(drop=True)
    frame["id"] = _parse_ids(frame, spec)
    _parse_numeric(frame, spec)
    _repair_categories(frame, spec, log)
    _require_keys(frame, spec)
    log.files[spec.file] = {
        "rows": len(frame),
        "encoding": raw.dialect.encoding,
        "separator": raw.dialect.separator,
    }
    try:
        return _schema(spec).validate(frame, lazy=True)
    except SchemaErrors as error:
        _raise_first(spec, frame, error)
        raise  # unreachable: _raise_first always raises
