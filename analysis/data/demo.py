"""Synthetic demo export of the «В один клик» store.

The project cannot ship the real customer export, so it ships a synthetic one
made by this module: the same four tables, column names, long/wide shapes,
dialects (CRLF line endings; ``money.csv`` with ``;`` and decimal comma) and
plausible distributions, with a learnable but imperfect relation between the
behaviour of a client and the target ``Покупательская активность``.

The generator is a small latent-variable model, fully vectorised with numpy:

* the target is drawn first (about 38 % ``Снизилась``);
* every behavioural feature is a class-dependent mean plus a shared
  within-class "engagement" factor plus its own noise, so the features are
  correlated with each other and with the target, none of them decides it;
* profile columns (service type, messages, category) depend on the target
  through plausible conditional probabilities.

With ``defects=True`` a few data-quality defects are planted so that a demo
report has something to show in its data-quality section; they are described
in :data:`PLANTED_DEFECTS` and found again by :func:`planted_defect_ids`.

No row, id or value list of the real export is contained here: only the
schema (column, category and period names) and plausible ranges.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd

__all__ = [
    "CATEGORIES",
    "CATEGORY_TYPO",
    "FILE_NAMES",
    "ID_BASE",
    "MARKET_FILE_COLUMNS",
    "MONEY_PERIODS",
    "PLANTED_DEFECTS",
    "SERVICE_TYPO",
    "TARGET",
    "TIME_PERIODS",
    "generate_demo_export",
    "planted_defect_counts",
    "planted_defect_ids",
    "write_demo_export",
]

# --------------------------------------------------------------------------- schema

TARGET: Final = "Покупательская активность"
DECLINED: Final = "Снизилась"
STEADY: Final = "Прежний уровень"

MARKET_FILE_COLUMNS: Final = (
    "id",
    TARGET,
    "Тип сервиса",
    "Разрешить сообщать",
    "Маркет_актив_6_мес",
    "Маркет_актив_тек_мес",
    "Длительность",
    "Акционные_покупки",
    "Популярная_категория",
    "Средний_просмотр_категорий_за_визит",
    "Неоплаченные_продукты_штук_квартал",
    "Ошибка_сервиса",
    "Страниц_за_визит",
)

#: Revenue periods in the row order the store's export uses within one client.
MONEY_PERIODS: Final = ("препредыдущий_месяц", "текущий_месяц", "предыдущий_месяц")
#: Time periods in export row order; ``предыдцщий_месяц`` [sic] is the export's convention.
TIME_PERIODS: Final = ("текущий_месяц", "предыдцщий_месяц")

SERVICE_TYPES: Final = ("стандарт", "премиум")
SERVICE_TYPO: Final = "стандартт"
CATEGORIES: Final = (
    "Товары для детей",
    "Домашний текстиль",
    "Косметика и аксессуары",
    "Техника для красоты и здоровья",
    "Мелкая бытовая техника и электроника",
    "Кухонная посуда",
)
CATEGORY_TYPO: Final = "Косметика и аксесуары"

FILE_NAMES: Final = {
    "market_file": "market_file.csv",
    "market_money": "market_money.csv",
    "market_time": "market_time.csv",
    "money": "money.csv",
}

#: First client id of the demo export (far from the real export's id range).
ID_BASE: Final = 300_000
MIN_CLIENTS: Final = 20
#: Share of clients whose activity declined.
DECLINE_SHARE: Final = 0.383

# ------------------------------------------------------------------ planted defects

#: Defects planted by ``generate_demo_export(defects=True)``. The number of clients
#: concerned in an export of ``n_clients`` clients is
#: ``max(minimum, round(rate * n_clients))`` (see :func:`planted_defect_counts`):
#: 13, 26, 3 and 1 clients for the default 1300. Every client has at most one
#: revenue defect; the inactive clients are chosen among the declined ones.
PLANTED_DEFECTS: Final[dict[str, dict[str, Any]]] = {
    "service_type_typo": {
        "table": "market_file",
        "column": "Тип сервиса",
        "value": SERVICE_TYPO,
        "correct": "стандарт",
        "rate": 0.01,
        "minimum": 1,
        "description": "typo 'стандартт' for 'стандарт' in about 1 % of the clients",
    },
    "category_typo": {
        "table": "market_file",
        "column": "Популярная_категория",
        "value": CATEGORY_TYPO,
        "correct": "Косметика и аксессуары",
        "rate": 0.02,
        "minimum": 1,
        "description": "typo 'Косметика и аксесуары' in about 2 % of the clients",
    },
    "inactive": {
        "table": "market_money",
        "column": "Выручка",
        "value": 0.0,
        "periods": ("препредыдущий_месяц", "предыдущий_месяц"),
        "rate": 0.0,
        "minimum": 3,
        "description": "3 clients with zero revenue in the two months before the current one",
    },
    "revenue_outlier": {
        "table": "market_money",
        "column": "Выручка",
        "periods": ("текущий_месяц",),
        "factor": 20.0,
        "rate": 0.0,
        "minimum": 1,
        "description": "1 client whose current-month revenue is about 20 times typical",
    },
}

#: Present whether or not defects are planted: the store's spelling of the period.
PERIOD_CONVENTION: Final = {
    "table": "market_time",
    "column": "Период",
    "value": "предыдцщий_месяц",
    "correct": "предыдущий_месяц",
    "description": "the export always spells the previous month 'предыдцщий_месяц'",
}

_OUTLIER_THRESHOLD: Final = 50_000.0


def planted_defect_counts(n_clients: int) -> dict[str, int]:
    """Number of clients concerned by each planted defect.

    Parameters
    ----------
    n_clients : int
        Size of the demo export.

    Returns
    -------
    dict of str to int
        Keys of :data:`PLANTED_DEFECTS`, each with its count of clients.
    """
    counts: dict[str, int] = {}
    for name, spec in PLANTED_DEFECTS.items():
        counts[name] = max(int(spec["minimum"]), round(float(spec["rate"]) * n_clients))
    return counts


# -------------------------------------------------------------------------- helpers


def _sigmoid(x: np.ndarray) -> np.ndarray:
    """Logistic function."""
    return 1.0 / (1.0 + np.exp(-x))


def _logit(p: float) -> float:
    """Log-odds of a probability."""
    return float(np.log(p / (1.0 - p)))


def _fold(x: np.ndarray, low: float, high: float) -> np.ndarray:
    """Reflect values beyond ``[low, high]`` back inside (no point masses at the bounds)."""
    x = np.where(x < low, 2 * low - x, x)
    x = np.where(x > high, 2 * high - x, x)
    return np.clip(x, low, high)


def _by_class(y: np.ndarray, steady: float, declined: float) -> np.ndarray:
    """Per-client parameter: ``steady`` where ``y`` is 0, ``declined`` where it is 1."""
    return np.where(y, declined, steady)


def _factor(rng: np.random.Generator, g: np.ndarray, loading: float) -> np.ndarray:
    """Standard-normal noise sharing ``loading`` of its variance-root with ``g``."""
    return loading * g + np.sqrt(1.0 - loading**2) * rng.standard_normal(g.shape[0])


def _int_feature(
    rng: np.random.Generator,
    y: np.ndarray,
    g: np.ndarray,
    means: tuple[float, float],
    sds: tuple[float, float],
    loading: float,
    bounds: tuple[int, int],
) -> np.ndarray:
    """Rounded, clipped class-conditional normal integer feature."""
    z = _factor(rng, g, loading)
    x = _by_class(y, *means) + _by_class(y, *sds) * z
    return np.clip(np.rint(x), *bounds).astype(np.int64)


def _choice_by_class(
    rng: np.random.Generator,
    y: np.ndarray,
    p_steady: tuple[float, ...],
    p_declined: tuple[float, ...],
) -> np.ndarray:
    """Category codes drawn from class-dependent probabilities (vectorised)."""
    cum = np.cumsum(np.array([p_steady, p_declined]), axis=1)
    cum /= cum[:, -1:]
    u = rng.random(y.shape[0])
    rows = cum[y.astype(np.int64)]
    return (u[:, None] >= rows[:, :-1]).sum(axis=1)


# ----------------------------------------------------------------------- components


def _draw_target(rng: np.random.Generator, n: int) -> np.ndarray:
    """Boolean target: ``True`` for the ``round(DECLINE_SHARE * n)`` declined clients."""
    y = np.zeros(n, dtype=bool)
    y[rng.permutation(n)[: round(DECLINE_SHARE * n)]] = True
    return y


def _draw_profile(rng: np.random.Generator, y: np.ndarray) -> dict[str, np.ndarray]:
    """Service type, message permission, favourite category, tenure, marketing."""
    n = y.shape[0]
    premium = rng.random(n) < _by_class(y, 0.26, 0.34)
    allow = rng.random(n) < np.where(premium, 0.87, 0.69)
    category = _choice_by_class(
        rng, y, (0.23, 0.19, 0.15, 0.16, 0.18, 0.09), (0.29, 0.20, 0.21, 0.11, 0.06, 0.13)
    )
    duration = 110 + np.rint(970 * rng.beta(_by_class(y, 1.6, 1.7), 1.6)).astype(np.int64)
    current = rng.choice(np.array([3, 4, 5]), size=n, p=[0.24, 0.51, 0.25])
    return {
        "premium": premium,
        "allow": allow,
        "category": category,
        "duration": duration,
        "market_current": current.astype(np.int64),
    }


def _draw_promo(rng: np.random.Generator, y: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Bimodal promo share: most clients 0.1-0.35, a cluster near 0.9-0.99."""
    n = y.shape[0]
    p_high = _sigmoid(_by_class(y, _logit(0.035), _logit(0.24)) - 0.5 * g)
    p_mid = _sigmoid(_by_class(y, _logit(0.015), _logit(0.09)) - 0.5 * g)
    u = rng.random(n)
    low = np.clip(0.23 - 0.03 * g + 0.055 * rng.standard_normal(n), 0.0, 0.4)
    mid = rng.uniform(0.35, 0.8, n)
    high = np.clip(0.99 - np.abs(0.045 * rng.standard_normal(n)), 0.85, 0.99)
    share = np.where(u < p_high, high, np.where(u < p_high + p_mid, mid, low))
    return np.round(share, 2)


def _draw_unpaid(rng: np.random.Generator, y: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Over-dispersed count of unpaid items in the quarter, 0-10."""
    lam = _by_class(y, 2.2, 3.4) * np.exp(
        -0.25 * g + _by_class(y, 0.05, 0.3) * rng.standard_normal(y.shape[0])
    )
    return np.clip(rng.poisson(lam), 0, 10).astype(np.int64)


def _draw_behaviour(
    rng: np.random.Generator, y: np.ndarray, g: np.ndarray
) -> dict[str, np.ndarray]:
    """Site behaviour over six months, driven by the target and engagement ``g``."""
    market6 = _by_class(y, 4.55, 3.8) + _by_class(y, 0.85, 1.0) * _factor(rng, g, 0.35)
    return {
        "market6": np.round(_fold(market6, 0.9, 6.6), 1),
        "promo": _draw_promo(rng, y, g),
        "categories": _int_feature(rng, y, g, (3.6, 2.7), (1.25, 1.2), 0.3, (1, 6)),
        "unpaid": _draw_unpaid(rng, y, g),
        "errors": _int_feature(rng, y, g, (4.3, 4.0), (1.95, 1.95), 0.1, (0, 9)),
        "pages": _int_feature(rng, y, g, (9.5, 5.9), (3.3, 3.3), 0.4, (1, 20)),
    }


def _draw_minutes(rng: np.random.Generator, y: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Minutes on site, columns in :data:`TIME_PERIODS` order (current, previous)."""
    current = _int_feature(rng, y, g, (14.3, 11.4), (4.0, 3.4), 0.35, (4, 23))
    previous = _int_feature(rng, y, g, (14.7, 11.4), (3.4, 3.4), 0.4, (4, 23))
    return np.column_stack([current, previous])


def _draw_revenue(rng: np.random.Generator, y: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Monthly revenue, columns in :data:`MONEY_PERIODS` order."""
    level = rng.standard_normal(y.shape[0])
    z_old = 0.3 * g + 0.6 * level + 0.74 * rng.standard_normal(y.shape[0])
    z_prev = 0.65 * level + 0.76 * rng.standard_normal(y.shape[0])
    z_cur = 0.3 * level + 0.95 * rng.standard_normal(y.shape[0])
    old = _fold(_by_class(y, 4930.0, 4660.0) + _by_class(y, 320.0, 440.0) * z_old, 3900.0, 6000.0)
    prev = _fold(4935.0 + _by_class(y, 620.0, 850.0) * z_prev, 2500.0, 7500.0)
    cur = _fold(_by_class(y, 5200.0, 5480.0) + _by_class(y, 780.0, 900.0) * z_cur, 2500.0, 8000.0)
    return np.column_stack([np.rint(old), np.round(cur, 1), np.rint(2 * prev) / 2])


def _draw_profit(rng: np.random.Generator, revenue: np.ndarray) -> np.ndarray:
    """Mean monthly profit, 2 decimals, mildly related to revenue."""
    z_rev = (revenue.mean(axis=1) - 5000.0) / 450.0
    z = 0.2 * z_rev + 0.98 * rng.standard_normal(revenue.shape[0])
    return np.round(_fold(4.0 + 1.0 * z, 0.8, 7.5), 2)


# -------------------------------------------------------------------------- defects


def _pick(
    rng: np.random.Generator, preferred: np.ndarray, k: int, exclude: np.ndarray
) -> np.ndarray:
    """``k`` random row positions, from ``preferred`` rows first, never from ``exclude``."""
    order = rng.permutation(preferred.shape[0])
    order = order[~exclude[order]]
    order = order[np.argsort(~preferred[order], kind="stable")]
    return np.sort(order[:k])


def _plant_defects(rng: np.random.Generator, y: np.ndarray, cols: dict[str, np.ndarray]) -> None:
    """Plant the defects of :data:`PLANTED_DEFECTS` in ``cols``, in place."""
    n = y.shape[0]
    counts = planted_defect_counts(n)
    none = np.zeros(n, dtype=bool)
    standard = cols["service"] == 0
    rows = {"service_type_typo": _pick(rng, standard, counts["service_type_typo"], ~standard)}
    cols["service"][rows["service_type_typo"]] = len(SERVICE_TYPES)
    cosmetics = cols["category"] == CATEGORIES.index("Косметика и аксессуары")
    rows["category_typo"] = _pick(rng, cosmetics, counts["category_typo"], none)
    cols["category"][rows["category_typo"]] = len(CATEGORIES)
    rows["inactive"] = _pick(rng, y, counts["inactive"], none)
    cols["revenue"][rows["inactive"], 0] = 0.0
    cols["revenue"][rows["inactive"], 2] = 0.0
    taken = np.zeros(n, dtype=bool)
    taken[rows["inactive"]] = True
    rows["revenue_outlier"] = _pick(rng, ~taken, counts["revenue_outlier"], taken)
    typical = np.median(cols["revenue"][:, 1])
    scale = float(PLANTED_DEFECTS["revenue_outlier"]["factor"])
    jitter = rng.uniform(0.95, 1.05, rows["revenue_outlier"].shape[0])
    cols["revenue"][rows["revenue_outlier"], 1] = np.round(typical * scale * jitter, 1)


# ------------------------------------------------------------------------- assembly


def _row_order(y: np.ndarray, blocks: bool) -> np.ndarray:
    """Row order of the clients: ids are ``ID_BASE + position`` after this permutation."""
    if blocks:
        return np.argsort(~y, kind="stable")
    return np.arange(y.shape[0])


def _label(names: tuple[str, ...], codes: np.ndarray) -> np.ndarray:
    """Object array of labels for integer codes."""
    return np.asarray(names, dtype=object)[codes]


def _market_file(ids: np.ndarray, y: np.ndarray, cols: dict[str, np.ndarray]) -> pd.DataFrame:
    """One row per client, columns as in the export."""
    values = [
        ids,
        _label((STEADY, DECLINED), y.astype(np.int64)),
        _label((*SERVICE_TYPES, SERVICE_TYPO), cols["service"]),
        _label(("нет", "да"), cols["allow"].astype(np.int64)),
        cols["market6"],
        cols["market_current"],
        cols["duration"],
        cols["promo"],
        _label((*CATEGORIES, CATEGORY_TYPO), cols["category"]),
        cols["categories"],
        cols["unpaid"],
        cols["errors"],
        cols["pages"],
    ]
    return pd.DataFrame(dict(zip(MARKET_FILE_COLUMNS, values, strict=True)))


def _long(ids: np.ndarray, periods: tuple[str, ...], wide: np.ndarray, value: str) -> pd.DataFrame:
    """Long table, one row per client and period, periods interleaved per client."""
    k = len(periods)
    return pd.DataFrame(
        {
            "id": np.repeat(ids, k),
            "Период": np.tile(np.asarray(periods, dtype=object), ids.shape[0]),
            value: wide.reshape(-1),
        }
    )


def _draw_columns(rng: np.random.Generator, y: np.ndarray) -> dict[str, np.ndarray]:
    """All per-client columns; ``g`` is the within-class engagement factor."""
    g = rng.standard_normal(y.shape[0])
    profile = _draw_profile(rng, y)
    cols = {**profile, **_draw_behaviour(rng, y, g)}
    cols["service"] = profile["premium"].astype(np.int64)
    cols["minutes"] = _draw_minutes(rng, y, g)
    cols["revenue"] = _draw_revenue(rng, y, g)
    cols["profit"] = _draw_profit(rng, cols["revenue"])
    return cols


def generate_demo_export(
    n_clients: int = 1300,
    seed: int = 0,
    defects: bool = True,
    id_blocks_by_target: bool = False,
) -> dict[str, pd.DataFrame]:
    """Generate the four tables of a synthetic export.

    Parameters
    ----------
    n_clients : int, default 1300
        Number of clients (at least :data:`MIN_CLIENTS`).
    seed : int, default 0
        Seed of the random generator; the same seed and size give the same tables.
    defects : bool, default True
        Plant the data-quality defects of :data:`PLANTED_DEFECTS`.
    id_blocks_by_target : bool, default False
        Number the clients so that all declined clients come first, like the
        real export (where ``id`` leaks the target). Off by default so that
        models trained on the demo are honest.

    Returns
    -------
    dict of str to pandas.DataFrame
        ``market_file``, ``market_money``, ``market_time`` and ``money``, with
        the export's column names and shapes, rows ordered by ``id``; ids are
        ``ID_BASE, ID_BASE + 1, ...``.

    Raises
    ------
    ValueError
        If ``n_clients`` is smaller than :data:`MIN_CLIENTS`.
    """
    if n_clients < MIN_CLIENTS:
        raise ValueError(f"n_clients must be at least {MIN_CLIENTS}, got {n_clients}")
    rng = np.random.default_rng(seed)
    y = _draw_target(rng, n_clients)
    cols = _draw_columns(rng, y)
    if defects:
        _plant_defects(rng, y, cols)
    order = _row_order(y, id_blocks_by_target)
    y = y[order]
    cols = {name: values[order] for name, values in cols.items()}
    ids = ID_BASE + np.arange(n_clients, dtype=np.int64)
    return {
        "market_file": _market_file(ids, y, cols),
        "market_money": _long(ids, MONEY_PERIODS, cols["revenue"], "Выручка"),
        "market_time": _long(ids, TIME_PERIODS, cols["minutes"], "минут"),
        "money": pd.DataFrame({"id": ids, "Прибыль": cols["profit"]}),
    }


def planted_defect_ids(tables: dict[str, pd.DataFrame]) -> dict[str, list[int]]:
    """Ids of the clients concerned by each planted defect.

    The planted values never occur otherwise in a demo export, so they are
    found again from the tables (as generated or as read back from CSV).

    Parameters
    ----------
    tables : dict of str to pandas.DataFrame
        Tables as returned by :func:`generate_demo_export`.

    Returns
    -------
    dict of str to list of int
        Keys of :data:`PLANTED_DEFECTS`, each with the sorted ids concerned.
    """
    market = tables["market_file"]
    money = tables["market_money"]
    zero = money.loc[money["Выручка"] == 0.0, "id"]
    zero_counts = zero.value_counts()
    big = money.loc[money["Выручка"] > _OUTLIER_THRESHOLD, "id"]
    found = {
        "service_type_typo": market.loc[market["Тип сервиса"] == SERVICE_TYPO, "id"],
        "category_typo": market.loc[market["Популярная_категория"] == CATEGORY_TYPO, "id"],
        "inactive": pd.Series(zero_counts.index[zero_counts >= 2]),
        "revenue_outlier": big,
    }
    return {name: sorted(int(i) for i in ids.unique()) for name, ids in found.items()}


# --------------------------------------------------------------------------- writing


def _decimal_comma(values: np.ndarray) -> pd.Series:
    """Format 2-decimal numbers like the export: ``4,16``, ``4,1``, ``4``."""
    cents = np.rint(values * 100).astype(np.int64)
    whole = pd.Series(cents // 100).astype(str)
    frac = pd.Series(cents % 100).astype(str).str.zfill(2).str.rstrip("0")
    return whole.where(frac == "", whole + "," + frac)


def _write_csv(frame: pd.DataFrame, path: Path, sep: str = ",") -> None:
    """UTF-8 CSV without index, CRLF line endings."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        frame.to_csv(handle, sep=sep, index=False, lineterminator="\r\n")


def _readme(n_clients: int, seed: int, defects: bool, blocks: bool) -> str:
    """Text of the README written next to the demo export."""
    planted = "yes, see `analysis.data.demo.PLANTED_DEFECTS`" if defects else "no"
    return (
        "# Synthetic demo export\n\n"
        "These four files are **synthetic**: no real customer data. They were made by\n"
        f"`oneclick demo-data` (`analysis.data.demo.write_demo_export`) with seed {seed} and\n"
        f"{n_clients} clients, in the schema and dialects of the store's export\n"
        "(CRLF line endings; `money.csv` with `;` and decimal comma).\n\n"
        f"- planted data-quality defects: {planted}\n"
        f"- ids in blocks by target: {'yes' if blocks else 'no'}\n"
    )


def write_demo_export(
    out_dir: Path,
    n_clients: int = 1300,
    seed: int = 0,
    defects: bool = True,
    id_blocks_by_target: bool = False,
) -> dict[str, Path]:
    """Write a synthetic export as the store's four CSV files plus a README.

    Parameters
    ----------
    out_dir : pathlib.Path
        Folder to write to; created if missing, existing files are replaced.
    n_clients, seed, defects, id_blocks_by_target
        As for :func:`generate_demo_export`.

    Returns
    -------
    dict of str to pathlib.Path
        Path of each written file, keyed like the tables plus ``readme``.

    Notes
    -----
    ``market_file.csv``, ``market_money.csv`` and ``market_time.csv`` use ``,``
    and a decimal point, ``money.csv`` uses ``;`` and a decimal comma; all are
    UTF-8 without BOM with CRLF line endings. The output is byte-identical for
    the same arguments.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tables = generate_demo_export(n_clients, seed, defects, id_blocks_by_target)
    paths = {key: out_dir / name for key, name in FILE_NAMES.items()}
    for key in ("market_file", "market_money", "market_time"):
        _write_csv(tables.pop(key), paths[key])
    money = tables.pop("money")
    profit = _decimal_comma(money["Прибыль"].to_numpy())
    _write_csv(pd.DataFrame({"id": money["id"], "Прибыль": profit}), paths["money"], sep=";")
    paths["readme"] = out_dir / "README.md"
    readme = _readme(n_clients, seed, defects, id_blocks_by_target)
    paths["readme"].write_text(readme, encoding="utf-8", newline="\n")
    return paths
