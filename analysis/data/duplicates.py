"""Duplicate client records: the same behaviour and profile under different ids.

The real export holds 11 such pairs (ids 215685–215695 repeat 215895–215905;
only profit differs). Split apart by cross-validation they leak: a model that
memorises gets the twin's label. Every split of the modelling stage therefore
keeps a duplicate group on one side (:func:`duplicate_groups` gives the group
of each client), and the data-quality log lists the groups by id.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from analysis import glossary as g

__all__ = ["DUPLICATE_COLUMNS", "duplicate_groups", "duplicate_sets"]

DUPLICATE_COLUMNS: tuple[str, ...] = (*g.NUMERIC, *g.CATEGORICAL)
"""What makes two records the same client for modelling: every model input.

``id``, the target and profit are left out: the target is what a leak would
reveal, and profit is not a model input (the known pairs differ only in it)."""


def duplicate_groups(clients: pd.DataFrame,
                     columns: Sequence[str] = DUPLICATE_COLUMNS) -> pd.Series:
    """The group of each client: the smallest id among clients with identical ``columns``.

    A client without a twin is its own group. Rows are compared by a 64-bit hash
    of their values (missing values compare equal), which is linear in the
    number of clients.

    Returns
    -------
    pandas.Series
        Group id (int64) per client, indexed like ``clients`` (by ``id``).
    """
    present = [c for c in columns if c in clients.columns]
    if clients.empty or not present:
        return pd.Series(clients.index.to_numpy(), index=clients.index, name="group",
                         dtype="int64")
    key = pd.util.hash_pandas_object(clients[present], index=False)
    ids = pd.Series(clients.index.to_numpy(), index=clients.index)
    groups = ids.groupby(key.to_numpy()).transform("min")
    return groups.astype("int64").rename("group")


def duplicate_sets(groups: pd.Series) -> list[tuple[int, ...]]:
    """The groups of more than one client, each as its sorted ids, in order of the first id."""
    members = pd.Series(groups.index.to_numpy(), index=groups.to_numpy())
    members = members[members.index.duplicated(keep=False)]
    sets = [tuple(sorted(int(i) for i in ids)) for _, ids in members.groupby(level=0)]
    return sorted(s for s in sets if len(s) > 1)
