"""The one stratified sampler of the project, by duplicate group where groups are given.

Used wherever a bounded, reproducible sample of clients is drawn: the clients table
of the bundle, the phik sample, the SHAP background and beeswarm, and the fit samples
of large exports (:mod:`analysis.model.splits`). The same labels, size and seed give
the same rows; class shares are kept; a duplicate group is drawn whole or not at all.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

__all__ = ["expand_groups", "group_codes", "group_labels", "stratified_sample"]


def group_codes(groups: pd.Series | np.ndarray | None, n: int) -> np.ndarray:
    """One integer code per client (0 … n_groups − 1, in order of first appearance)."""
    if groups is None:
        return np.arange(n)
    codes, _ = pd.factorize(np.asarray(groups))
    if (codes < 0).any():
        raise ValueError("groups: у части клиентов нет группы")
    if len(codes) != n:
        raise ValueError(f"groups: {len(codes)} значений на {n} клиентов")
    return codes.astype(np.int64)


def group_labels(y: np.ndarray, codes: np.ndarray) -> np.ndarray:
    sums = np.bincount(codes, weights=np.asarray(y, dtype=float))
    sizes = np.bincount(codes)
    return np.rint(sums / sizes).astype(int)


def expand_groups(codes: np.ndarray, chosen: np.ndarray) -> np.ndarray:
    mask = np.zeros(codes.max() + 1 if len(codes) else 0, dtype=bool)
    mask[chosen] = True
    return np.flatnonzero(mask[codes])


def stratified_sample(y: np.ndarray | pd.Series, groups: pd.Series | np.ndarray | None,
                      size: int, seed: int) -> np.ndarray:
    """Sorted positions of a stratified sample of groups holding at most ``size`` clients.

    ``y`` holds the classes (any labels; two classes when ``groups`` are given,
    since a group's class is the rounded mean of its clients'). All positions
    when there are no more than ``size`` clients; with ``groups=None`` this is
    scikit-learn's stratified ``train_test_split`` of the rows. The number of
    groups drawn is ``size × groups / clients`` (rounded down), lowered until
    the drawn groups hold at most ``size`` clients.
    """
    y = pd.factorize(np.asarray(y), sort=True)[0]  # class codes in sorted order
    if len(y) <= size:
        return np.arange(len(y))
    codes = group_codes(groups, len(y))
    labels = group_labels(y, codes)
    n_groups = len(labels)
    take = max(2, size * n_groups // len(y))
    while True:
        keep, _ = train_test_split(np.arange(n_groups), train_size=take, stratify=labels,
                                   random_state=seed)
        rows = expand_groups(codes, keep)
        if len(rows) <= size or take <= 2:
            return rows
        take -= len(rows) - size
