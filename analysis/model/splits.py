"""Every split of the modelling stage, made by duplicate group.

Duplicate client records (identical model inputs under different ids, see
:mod:`analysis.data.duplicates`) leak when a split puts one twin on each side:
a model that memorises gets the twin's label. So every split here is drawn on
*groups* (``groups``: one group id per client; ``None`` means each client is
its own group) and then expanded to the clients of each group; a group is
never on both sides. Stratification is by the group's label (the rounded mean
label of its clients: duplicates share their label on the real export).

- :func:`holdout_split` — the stratified hold-out: ``test_size`` of the groups.
- :func:`kfold` — one stratified grouped K-fold (the calibration CV).
- :func:`repeated_kfold` — ``repeats`` shuffled grouped K-folds, one seed per
  repeat (``seed + repeat``): the search, the threshold and the cross-fit.
- :func:`subsample` — a stratified sample of groups with at most ``size`` clients
  (large exports): the one sampler of the project, :mod:`analysis.sampling`.

With every client its own group each function is the plain stratified split
of scikit-learn (``train_test_split`` / ``StratifiedKFold``) on the clients.
Positions are 0-based row positions in the order of ``y``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold, train_test_split

from analysis.sampling import expand_groups, group_codes, group_labels, stratified_sample

__all__ = ["Split", "group_codes", "holdout_split", "kfold", "repeated_kfold", "subsample"]

subsample = stratified_sample
"""Stratified sample of groups for large exports (:func:`analysis.sampling.stratified_sample`)."""

Split = tuple[np.ndarray, np.ndarray]
"""Row positions of the fitting part and of the held-out part."""


def holdout_split(y: np.ndarray | pd.Series, groups: pd.Series | np.ndarray | None,
                  test_size: float, seed: int) -> Split:
    """Stratified hold-out of ``test_size`` of the groups (shuffled, ``random_state=seed``)."""
    y = np.asarray(y)
    codes = group_codes(groups, len(y))
    labels = group_labels(y, codes)
    _, test = train_test_split(np.arange(len(labels)), test_size=test_size, stratify=labels,
                               shuffle=True, random_state=seed)
    test_rows = expand_groups(codes, test)
    return np.setdiff1d(np.arange(len(y)), test_rows), test_rows


def kfold(y: np.ndarray | pd.Series, groups: pd.Series | np.ndarray | None, folds: int,
          seed: int) -> list[Split]:
    """Shuffled stratified K-fold on groups (``random_state=seed``)."""
    y = np.asarray(y)
    codes = group_codes(groups, len(y))
    labels = group_labels(y, codes)
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    splits = []
    for fit, val in cv.split(np.zeros(len(labels)), labels):
        splits.append((expand_groups(codes, fit), expand_groups(codes, val)))
    return splits


def repeated_kfold(y: np.ndarray | pd.Series, groups: pd.Series | np.ndarray | None,
                   folds: int, repeats: int, seed: int) -> list[Split]:
    """``repeats`` shuffled grouped K-folds, repeat ``r`` seeded ``seed + r`` (folds × repeats)."""
    return [s for r in range(repeats) for s in kfold(y, groups, folds, seed + r)]
