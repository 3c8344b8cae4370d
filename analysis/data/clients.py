"""One row per client: the validated export joined, checked and cleaned for modelling.

This is the stage the rest of the tool reads. It returns the client table
(every client read, indexed by ``id``) and the data-quality log that says
which clients are excluded from modelling and why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd

from analysis import glossary as g
from analysis.config import DataParams
from analysis.data.duplicates import duplicate_groups, duplicate_sets
from analysis.data.load import SourceFile, read_table
from analysis.data.quality import LABEL_LIMIT, QualityEntry, QualityLog, shorten_label
from analysis.data.schema import SPECS, validate_table
from analysis.errors import InputError
from analysis.paths import EXPORT_FILES, export_paths

__all__ = ["ClientData", "build_client_table", "load_export"]


@dataclass(frozen=True)
class ClientData:
    """The client table and what validation did to get it.

    Attributes
    ----------
    clients
        Every client read, indexed by ``id`` (sorted), with the export's
        attributes, revenue per month, minutes per month, derived changes and
        profit. Repairs are applied.
    quality
        The data-quality log; ``quality.excluded_ids`` are left out of modelling.
    sources
        The bytes each export file held when it was read (name, sha256, size), by
        file key: what the manifest records as the run's inputs.
    """

    clients: pd.DataFrame
    quality: QualityLog
    sources: dict[str, SourceFile] = field(default_factory=dict)

    @property
    def modelled(self) -> pd.DataFrame:
        """Clients used for modelling: all but the excluded ones."""
        return self.clients.drop(index=sorted(self.quality.excluded_ids))

    @cached_property
    def groups(self) -> pd.Series:
        """Duplicate group of each modelled client (:mod:`analysis.data.duplicates`)."""
        return duplicate_groups(self.modelled)


def _wide(long: pd.DataFrame, value: str, prefix: str, periods: tuple[str, ...]) -> pd.DataFrame:
    wide = long.pivot(index="id", columns="Период", values=value)
    wide = wide.reindex(columns=list(periods))
    wide.columns = [f"{prefix}_{p}" for p in periods]
    return wide


def _check_coverage(tables: dict[str, pd.DataFrame]) -> pd.Index:
    base = pd.Index(tables["market_file"]["id"]).unique()
    for key, table in tables.items():
        ids = pd.Index(table["id"].unique())
        name = EXPORT_FILES[key]
        missing = base.difference(ids)
        if len(missing):
            raise InputError(name, "нет строк для клиентов из market_file.csv",
                             "каждый id во всех четырёх файлах", column="id",
                             rows=sorted(missing.tolist()), rows_are_ids=True)
        extra = ids.difference(base)
        if len(extra):
            raise InputError(name, "клиенты, которых нет в market_file.csv",
                             "каждый id во всех четырёх файлах", column="id",
                             rows=sorted(extra.tolist()), rows_are_ids=True)
    return base.sort_values()


def _join(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    ids = _check_coverage(tables)
    clients = tables["market_file"].set_index("id").reindex(ids)
    revenue = _wide(tables["market_money"], "Выручка", "Выручка", g.MONTHS)
    minutes = _wide(tables["market_time"], "минут", "Минут", g.TIME_MONTHS)
    profit = tables["money"].set_index("id")[[g.PROFIT]]
    joined = clients.join(revenue).join(minutes).join(profit)
    joined.index.name = "id"
    return joined


def _ids_where(clients: pd.DataFrame, mask: pd.Series) -> tuple[int, ...]:
    return tuple(int(i) for i in clients.index[mask.to_numpy()])


def _repair_outliers(clients: pd.DataFrame, params: DataParams, log: QualityLog) -> None:
    revenue = clients[list(g.REVENUE_COLUMNS)]
    medians = revenue.where(revenue > 0).median()
    limit = medians * params.outlier_factor
    outlier = revenue.gt(limit, axis=1)
    if not outlier.to_numpy().any():
        return
    typical = revenue.where(~outlier & (revenue > 0)).mean(axis=1)
    for column in g.REVENUE_COLUMNS:
        hit = outlier[column] & typical.notna()
        if hit.any():
            values = [round(float(v), 6) for v in clients.loc[hit, column].head(3)]
            log.add(QualityEntry(
                "repair", "revenue_outlier", "market_money.csv", column,
                int(hit.sum()), _ids_where(clients, hit),
                {"values": values, "factor": params.outlier_factor}))
            clients.loc[hit, column] = typical[hit]


def _exclude(clients: pd.DataFrame, params: DataParams, log: QualityLog) -> None:
    feature_columns = [c for c in clients.columns if c != g.PROFIT]
    gaps = clients[feature_columns].isna().any(axis=1) | clients[g.PROFIT].isna()
    share = float(gaps.mean())
    if share > params.max_missing_share:
        column = clients.columns[clients[gaps].isna().any().to_numpy()][0]
        raise InputError(
            "выгрузка", f"пропуски у {int(gaps.sum())} клиентов ({share:.1%})",
            f"не больше {params.max_missing_share:.0%} клиентов с пропусками",
            column=str(column), rows=_ids_where(clients, gaps), rows_are_ids=True)
    for column in clients.columns:
        hit = clients[column].isna()
        log.add(QualityEntry(
            "exclusion", "missing", _file_of(column), column, int(hit.sum()),
            _ids_where(clients, hit)))
    revenue = clients[list(g.REVENUE_COLUMNS)]
    inactive = (revenue <= 0).any(axis=1) & ~gaps
    log.add(QualityEntry(
        "exclusion", "inactive", "market_money.csv", "Выручка", int(inactive.sum()),
        _ids_where(clients, inactive)))


def _file_of(column: str) -> str:
    if column.startswith("Выручка"):
        return "market_money.csv"
    if column.startswith("Минут"):
        return "market_time.csv"
    return "money.csv" if column == g.PROFIT else "market_file.csv"


def _derive(clients: pd.DataFrame) -> pd.DataFrame:
    """Documented derived features: month-on-month change of revenue and minutes."""
    return clients.assign(**{
        g.REVENUE_CHANGE: clients[g.REVENUE_COLUMNS[2]] - clients[g.REVENUE_COLUMNS[1]],
        g.MINUTES_CHANGE: clients[g.MINUTES_COLUMNS[1]] - clients[g.MINUTES_COLUMNS[0]],
    })


def _check_modelable(clients: pd.DataFrame, excluded: set[int], params: DataParams) -> None:
    usable = clients.drop(index=sorted(excluded))
    if len(usable) < params.min_clients:
        raise InputError(
            "выгрузка", f"слишком мало клиентов для модели: пригодны {len(usable)} "
            f"из {len(clients)}", f"не меньше {params.min_clients} пригодных клиентов")
    counts = usable[g.TARGET].value_counts()
    for value in (g.DECLINED, g.STABLE):
        if counts.get(value, 0) < params.min_class_clients:
            raise InputError(
                "market_file.csv", f"класс «{value}» есть лишь у {counts.get(value, 0)} "
                "пригодных клиентов", f"оба класса, не меньше {params.min_class_clients} "
                "клиентов в каждом", column=g.TARGET)


def build_client_table(tables: dict[str, pd.DataFrame], params: DataParams,
                       log: QualityLog) -> pd.DataFrame:
    """Join validated tables into one row per client, repair outliers, mark exclusions."""
    clients = _join(tables)
    log.clients_read = len(clients)
    _repair_outliers(clients, params, log)
    _exclude(clients, params, log)
    clients = _derive(clients)
    _log_duplicates(clients, log)
    unknown = sorted(set(clients[g.CATEGORY].dropna()) - set(_known_categories()))
    for value in unknown:
        hit = clients[g.CATEGORY] == value
        log.add(QualityEntry("warning", "new_category", "market_file.csv", g.CATEGORY,
                             int(hit.sum()), _ids_where(clients, hit), {"value": value}))
    _log_long_labels(clients, log)
    _check_modelable(clients, log.excluded_ids, params)
    log.clients_usable = len(clients) - len(log.excluded_ids)
    return clients


def _log_duplicates(clients: pd.DataFrame, log: QualityLog) -> None:
    sets = duplicate_sets(duplicate_groups(clients))
    log.add(QualityEntry(
        "warning", "duplicate_clients", "market_file.csv", None,
        sum(len(ids) for ids in sets), tuple(sorted(i for ids in sets for i in ids)),
        {"sets": [list(ids) for ids in sets]}))


def _log_long_labels(clients: pd.DataFrame, log: QualityLog) -> None:
    """Text values too long to show whole: kept in the data, cut with «…» on charts and tables."""
    for column in clients.columns:
        if pd.api.types.is_numeric_dtype(clients[column]):
            continue
        text = clients[column].dropna().astype(str)
        long = text[text.str.len() > LABEL_LIMIT]
        if long.empty:
            continue
        values = sorted(set(long), key=lambda v: (-len(v), v))
        log.add(QualityEntry(
            "warning", "long_label", _file_of(column), column, len(long),
            tuple(sorted(int(i) for i in long.index)),
            {"limit": LABEL_LIMIT, "longest": len(values[0]), "distinct": len(values),
             "shown": [shorten_label(v) for v in values[:3]]}))


def _known_categories() -> tuple[str, ...]:
    return (
        "Товары для детей", "Домашний текстиль", "Косметика и аксессуары",
        "Техника для красоты и здоровья", "Мелкая бытовая техника и электроника",
        "Кухонная посуда",
    )


def _read_and_validate(paths: dict[str, Path], log: QualityLog
                       ) -> tuple[dict[str, SourceFile], dict[str, pd.DataFrame]]:
    """Each file read and validated in turn, its text cells dropped before the next is read.

    The messages are those of reading every file first: when a file fails
    validation, the files after it are still read, and a file that cannot be read
    is reported before it (as a whole-export reading step would).
    """
    sources: dict[str, SourceFile] = {}
    tables: dict[str, pd.DataFrame] = {}
    items = list(paths.items())
    for position, (key, path) in enumerate(items):
        raw = read_table(path)
        if raw.source is not None:
            sources[key] = raw.source
        try:
            tables[key] = validate_table(raw, SPECS[key], log)
        except InputError:
            del raw
            for _, later in items[position + 1:]:
                read_table(later)
            raise
        del raw
    return sources, tables


def load_export(data_dir: Path, params: DataParams | None = None) -> ClientData:
    """Read, validate and repair the four exports in ``data_dir``.

    Raises
    ------
    InputError
        When the export cannot be used; the message names file, column and rows.
    """
    params = params or DataParams()
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise InputError(str(data_dir), "папка с выгрузкой не найдена",
                         "папка с четырьмя CSV-файлами выгрузки")
    log = QualityLog()
    sources, tables = _read_and_validate(export_paths(data_dir), log)
    clients = build_client_table(tables, params, log)
    return ClientData(clients=clients, quality=log, sources=sources)


