"""Data-quality defects planted in a demo export, and how to find them again.

With ``defects=True``, :func:`analysis.data.demo.generate.generate_demo_export` plants
a few defects so that a demo report has something to show in its data-quality
section; they are described in :data:`PLANTED_DEFECTS` and found again by
:func:`planted_defect_ids`.
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
import pandas as pd

from analysis.data.demo.schema import CATEGORIES, CATEGORY_TYPO, SERVICE_TYPES, SERVICE_TYPO

__all__ = [
    "PERIOD_CONVENTION",
    "PLANTED_DEFECTS",
    "plant_defects",
    "planted_defect_counts",
    "planted_defect_ids",
]

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


def _pick(
    rng: np.random.Generator, preferred: np.ndarray, k: int, exclude: np.ndarray
) -> np.ndarray:
    """``k`` random row positions, from ``preferred`` rows first, never from ``exclude``."""
    order = rng.permutation(preferred.shape[0])
    order = order[~exclude[order]]
    order = order[np.argsort(~preferred[order], kind="stable")]
    return np.sort(order[:k])


def plant_defects(rng: np.random.Generator, y: np.ndarray, cols: dict[str, np.ndarray]) -> None:
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


def planted_defect_ids(tables: dict[str, pd.DataFrame]) -> dict[str, list[int]]:
    """Ids of the clients concerned by each planted defect.

    The planted values never occur otherwise in a demo export, so they are
    found again from the tables (as generated or as read back from CSV).

    Parameters
    ----------
    tables : dict of str to pandas.DataFrame
        Tables as returned by
        :func:`analysis.data.demo.generate.generate_demo_export`.

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
