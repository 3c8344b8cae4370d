"""Which family wins the search: the best CV score, unless a simpler family ties with it.

Every family's best configuration is scored on the same ``folds × repeats``
splits, so families are compared fold by fold. For a family ``f`` and the
family with the highest mean CV ROC AUC (``top``) the paired differences
``d_k = AUC_top,k − AUC_f,k`` have mean ``d̄`` and standard deviation ``s``.
Folds of a repeated CV share most of their training clients, so the plain
standard error ``s / √J`` is too small; the corrected one of Nadeau and Bengio
(2003) is used:

    SE = s · √(1 / J + n_val / n_fit),   n_val / n_fit = 1 / (folds − 1),

with ``J = folds × repeats``. A family **ties** with ``top`` when
``d̄ ≤ TIE_SE × SE`` (``TIE_SE`` = 1: within one standard error). The tied set
always holds ``top``; among it the **simplest** family wins, by the fixed order
of :attr:`analysis.model.search.Family.simplicity` (linear models, a single
tree, tree ensembles, then k-NN and the RBF SVM, whose explanations are
approximate and slow). The baseline (no features) is a reference and is never
chosen unless it is the only family.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["RULE", "TIE_SE", "Choice", "choose_family", "paired_difference"]

TIE_SE = 1.0
"""Corrected standard errors of the paired difference within which two families tie."""
RULE = "paired_corrected_se"
"""Code of the tie rule (named in ``results["model"]["selection"]``)."""


@dataclass(frozen=True)
class Choice:
    """The outcome of the selection.

    Attributes
    ----------
    top
        Family with the highest mean CV ROC AUC.
    chosen
        The simplest family of ``tied`` (``top`` when nothing ties with it).
    tied
        Families that tie with ``top`` (``top`` included), in the simplicity order.
    difference, se
        Per family: mean paired CV difference to ``top`` and its corrected standard error.
    """

    top: str
    chosen: str
    tied: list[str]
    difference: dict[str, float]
    se: dict[str, float]


def paired_difference(top: Sequence[float], other: Sequence[float], folds: int
                      ) -> tuple[float, float]:
    """Mean paired difference ``top − other`` over the splits and its corrected SE."""
    d = np.asarray(top, dtype=float) - np.asarray(other, dtype=float)
    if len(d) < 2:
        return float(d.mean()), 0.0
    factor = 1 / len(d) + 1 / max(folds - 1, 1)
    return float(d.mean()), float(np.std(d, ddof=1) * math.sqrt(factor))


def choose_family(fold_scores: Mapping[str, Sequence[float]], simplicity: Mapping[str, int | None],
                  folds: int, tie_se: float = TIE_SE) -> Choice:
    """Apply the rule of the module docstring to each family's per-split ROC AUC.

    ``fold_scores`` is in the order the families were asked (ties of the mean go
    to the first); ``simplicity`` gives each family's rank (``None``: baseline).
    """
    means = {f: float(np.mean(s)) for f, s in fold_scores.items()}
    real = [f for f in fold_scores if simplicity.get(f) is not None] or list(fold_scores)
    top = max(real, key=lambda f: means[f])
    difference, se = {}, {}
    for f, s in fold_scores.items():
        difference[f], se[f] = paired_difference(fold_scores[top], s, folds)
    tied = [f for f in real if difference[f] <= tie_se * se[f] + 1e-12]
    tied.sort(key=lambda f: (simplicity.get(f) or 0, list(fold_scores).index(f)))
    return Choice(top, tied[0], tied, difference, se)
