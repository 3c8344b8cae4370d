"""A series of monthly demo exports whose labels answer last month's offers.

The first month is the usual demo export. Each next month keeps the same
clients (a few leave, a few new ones join) and draws their activity label
anew from two things only:

- last month's label: a client at «Прежний уровень» stays there with
  probability :data:`STAY`, a declined client comes back with probability
  :data:`RETURN` (so the decline share settles near 40 %);
- last month's **action list as the tool wrote it** (``scores.csv`` of the
  month's archived revision): a client in the ``test`` arm of an offer with a
  planted effect gets that many more percentage points of probability to be
  at «Прежний уровень» (clipped to [0, 1]); control clients and clients
  without an offer get nothing.

The generator reads the action list instead of re-creating the tool's
decision: who was treated is then exactly what the report said, whatever
model, rule or configuration chose it, so a test that recovers the planted
uplift checks the measurement and not a copy of the decision rule. The price:
month ``k + 1`` can be written only after month ``k`` has been reported.

The other columns are drawn by the latent model of
:mod:`analysis.data.demo.generate` given the new label; a client keeps his
service type, message consent, favourite category and registration date
(one month older). Defects are planted afresh every month.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd

from analysis.data.demo.defects import plant_defects
from analysis.data.demo.generate import DECLINE_SHARE, draw_columns, tables
from analysis.data.demo.schema import (
    CATEGORIES,
    CATEGORY_TYPO,
    DECLINED,
    SERVICE_TYPES,
    SERVICE_TYPO,
    STEADY,
    TARGET,
)

__all__ = ["JOIN", "LEAVE", "RETURN", "STAY", "next_month", "redraw_labels", "treated_effect"]

STAY: Final = 0.80
"""Probability that a client at «Прежний уровень» stays there next month (no offer)."""
RETURN: Final = 0.30
"""Probability that a declined client is back at «Прежний уровень» next month (no offer)."""
LEAVE: Final = 0.01
"""Share of last month's clients absent from next month's export."""
JOIN: Final = 0.01
"""New clients next month, as a share of last month's clients."""
DAYS_PER_MONTH: Final = 30


def treated_effect(ids: np.ndarray, assignment: pd.DataFrame,
                   effects: dict[str, float]) -> np.ndarray:
    """Planted uplift of the probability to be at «Прежний уровень», per client of ``ids``.

    ``assignment`` is last month's action list (``id``, ``tested_offer``,
    ``arm``); ``effects`` maps an offer rule id to its uplift as a fraction
    (0.15 = 15 percentage points). Only ``test``-arm clients of those offers
    get it.
    """
    sent = assignment[assignment["arm"].astype(str).eq("test")]
    uplift = sent["tested_offer"].astype(str).map(effects).fillna(0.0).astype(float)
    by_id = pd.Series(uplift.to_numpy(), index=sent["id"].astype("int64").to_numpy())
    return by_id.reindex(ids).fillna(0.0).to_numpy(dtype=float)


def _p_stable(was_declined: pd.Series, ids: np.ndarray, assignment: pd.DataFrame,
              effects: dict[str, float]) -> np.ndarray:
    """Probability of «Прежний уровень» next month: by last month's label (a new client:
    the demo's usual share), plus the planted effect of a treated client, within [0, 1]."""
    base = was_declined.reindex(ids).map({True: RETURN, False: STAY})
    base = base.fillna(1 - DECLINE_SHARE).to_numpy(dtype=float)
    return np.clip(base + treated_effect(ids, assignment, effects), 0.0, 1.0)


def _was_declined(market: pd.DataFrame) -> pd.Series:
    return pd.Series(market[TARGET].eq(DECLINED).to_numpy(),
                     index=market["id"].to_numpy(np.int64))


def redraw_labels(market: pd.DataFrame, assignment: pd.DataFrame, effects: dict[str, float],
                  seed: int, month: int) -> pd.DataFrame:
    """``market_file`` with only the activity label drawn anew, as :func:`next_month` draws it.

    For a series derived from an export whose other columns are kept (the
    real export in the tests): same clients, same values, next month's label.
    """
    rng = np.random.default_rng([seed, month])
    ids = market["id"].to_numpy(np.int64)
    declined = rng.random(ids.shape[0]) >= _p_stable(_was_declined(market), ids, assignment,
                                                     effects)
    return market.assign(**{TARGET: np.where(declined, DECLINED, STEADY)})


def _codes(market: pd.DataFrame) -> dict[str, np.ndarray]:
    """Profile codes of last month's clients; typos read as the value they stand for."""
    service = market["Тип сервиса"].replace({SERVICE_TYPO: SERVICE_TYPES[0]})
    category = market["Популярная_категория"].replace({CATEGORY_TYPO: CATEGORIES[2]})
    return {
        "service": service.map({s: i for i, s in enumerate(SERVICE_TYPES)}).to_numpy(np.int64),
        "allow": market["Разрешить сообщать"].eq("да").to_numpy(),
        "category": category.map({c: i for i, c in enumerate(CATEGORIES)}).to_numpy(np.int64),
        "duration": market["Длительность"].to_numpy(np.int64) + DAYS_PER_MONTH,
    }


def _clients(rng: np.random.Generator, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Who stays (sorted ids) and who joins (new ids after the largest)."""
    n = ids.shape[0]
    leave = rng.choice(n, size=round(LEAVE * n), replace=False)
    staying = np.delete(np.sort(ids), leave)
    joining = ids.max() + 1 + np.arange(round(JOIN * n), dtype=np.int64)
    return staying, joining


def next_month(previous: dict[str, pd.DataFrame], assignment: pd.DataFrame,
               effects: dict[str, float], seed: int, month: int,
               defects: bool = True) -> dict[str, pd.DataFrame]:
    """Next month's four tables from this month's tables and action list.

    Parameters
    ----------
    previous
        This month's tables (as written or as generated).
    assignment
        This month's action list from the archived revision (``id``,
        ``tested_offer``, ``arm``).
    effects
        Planted uplift per offer rule id, as a fraction.
    seed, month
        The series' seed and the number of the month being drawn (2 for the
        second month …): the same arguments give the same tables.
    defects
        Plant the defects of :mod:`analysis.data.demo.defects` afresh.
    """
    rng = np.random.default_rng([seed, month])
    market = previous["market_file"].sort_values("id")
    old_ids = market["id"].to_numpy(np.int64)
    staying, joining = _clients(rng, old_ids)
    ids = np.concatenate([staying, joining])
    y = rng.random(ids.shape[0]) >= _p_stable(_was_declined(market), ids, assignment, effects)
    cols = draw_columns(rng, y)
    kept = _codes(market.set_index("id").loc[staying].reset_index())
    for name, values in kept.items():
        cols[name][: staying.shape[0]] = values
    if defects:
        plant_defects(rng, y, cols)
    return tables(ids, y, cols)
