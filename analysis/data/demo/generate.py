"""Latent-variable model drawing the columns of a synthetic export.

The generator is a small latent-variable model, fully vectorised with numpy:

* the target is drawn first (about 38 % ``Снизилась``);
* every behavioural feature is a class-dependent mean plus a shared
  within-class "engagement" factor plus its own noise, so the features are
  correlated with each other and with the target, none of them decides it;
* profile columns (service type, messages, category) depend on the target
  through plausible conditional probabilities.

With ``defects=True`` the defects of :mod:`analysis.data.demo.defects` are planted.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd

from analysis.data.demo.defects import plant_defects
from analysis.data.demo.schema import (
    CATEGORIES,
    CATEGORY_TYPO,
    DECLINED,
    ID_BASE,
    MARKET_FILE_COLUMNS,
    MONEY_PERIODS,
    SERVICE_TYPES,
    SERVICE_TYPO,
    STEADY,
    TIME_PERIODS,
)

__all__ = ["DECLINE_SHARE", "MIN_CLIENTS", "draw_columns", "generate_demo_export", "tables"]

MIN_CLIENTS: Final = 20
#: Share of clients whose activity declined.
DECLINE_SHARE: Final = 0.383

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


def draw_columns(rng: np.random.Generator, y: np.ndarray) -> dict[str, np.ndarray]:
    """All per-client columns drawn given the target ``y`` (``True``: declined).

    Codes, not labels: ``service`` (index in ``SERVICE_TYPES``, then the typo),
    ``allow`` (bool), ``category`` (index in ``CATEGORIES``, then the typo),
    ``duration``, … ; ``g`` is the within-class engagement factor.
    """
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
        Plant the data-quality defects of
        :data:`analysis.data.demo.defects.PLANTED_DEFECTS`.
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
    cols = draw_columns(rng, y)
    if defects:
        plant_defects(rng, y, cols)
    order = _row_order(y, id_blocks_by_target)
    y = y[order]
    cols = {name: values[order] for name, values in cols.items()}
    return tables(ID_BASE + np.arange(n_clients, dtype=np.int64), y, cols)


def tables(ids: np.ndarray, y: np.ndarray, cols: dict[str, np.ndarray]) -> dict[str, pd.DataFrame]:
    """The four tables of an export from per-client codes (rows in the order of ``ids``)."""
    return {
        "market_file": _market_file(ids, y, cols),
        "market_money": _long(ids, MONEY_PERIODS, cols["revenue"], "Выручка"),
        "market_time": _long(ids, TIME_PERIODS, cols["minutes"], "минут"),
        "money": pd.DataFrame({"id": ids, "Прибыль": cols["profit"]}),
    }
