"""The ``model`` section of ``results.json``: selection, selection score, quality.

Field names say what each number is:

``quality``
    The model's quality — the headline: ``estimate`` (``"holdout"``), ``roc_auc``
    of the untouched grouped hold-out, its ``ci`` at ``ci_level`` from a
    stratified bootstrap of duplicate groups (``bootstrap: "group"``), and the
    hold-out size in ``clients``. No choice was made on these clients.
``selection_cv_roc_auc_mean`` / ``_std`` / ``_folds``
    The chosen model's repeated grouped CV ROC AUC on the same splits that chose
    it: a *selection score*, optimistic by construction (the best of many
    configurations). ``cv_roc_auc_*`` are the same numbers under their former names.
``selection``
    ``top`` (best mean CV), ``tied`` (families within ``tie_se`` corrected
    standard errors of the top, :mod:`analysis.model.choice`), ``chosen`` (the
    simplest of ``tied`` by ``order``), ``rule`` (code of the tie rule), ``score``.
``candidates[*]``
    Per family: best configuration, its CV mean and std, ``n_configs`` (drawn and
    scored), ``cv_diff_to_top`` and ``cv_diff_se`` (paired difference), ``tied``.
``duplicate_groups`` / ``duplicate_clients``
    Groups of more than one modelled client, and their clients: kept on one side
    of every split.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from analysis.config import ModelParams
from analysis.model.choice import RULE, TIE_SE
from analysis.model.metrics import r6
from analysis.model.search import FAMILIES, SearchResult

__all__ = ["clean_params", "model_results"]


def clean_params(params: dict[str, Any]) -> dict[str, Any]:
    """Hyperparameters with floats rounded to 6 decimals (deterministic JSON)."""
    return {k: (r6(v) if isinstance(v, float) else v) for k, v in params.items()}


def model_results(found: SearchResult, fold_auc: list[float], f1_repeats: list[float],
                  threshold: float, holdout: dict[str, Any], params: ModelParams,
                  groups: np.ndarray, n_test: int) -> dict[str, Any]:
    """The selection, the selection score, the quality and the hold-out figures.

    ``quality`` is the headline: the untouched grouped hold-out's ROC AUC and its
    bootstrap-by-group interval. ``selection_cv_roc_auc_*`` is the chosen
    model's repeated-CV score on the splits that chose it (optimistic; kept
    also under its former names ``cv_roc_auc_*``). ``selection`` records the
    top family by CV, the tied set, the tie rule and the simplicity order.
    """
    best = next(c for c in found.candidates if c["name"] == found.best)
    choice = found.choice
    sizes = np.bincount(groups)
    cv_mean, cv_std = r6(np.mean(fold_auc)), r6(np.std(fold_auc))
    folds = [r6(v) for v in fold_auc]
    return {
        "best": found.best,
        "best_label": best["label_ru"],
        "best_params": clean_params(found.best_params),
        "candidates": [{**c, "params": clean_params(c["params"]),
                        "cv_roc_auc_mean": r6(c["cv_roc_auc_mean"]),
                        "cv_roc_auc_std": r6(c["cv_roc_auc_std"]),
                        "cv_diff_to_top": r6(c["cv_diff_to_top"]),
                        "cv_diff_se": r6(c["cv_diff_se"])} for c in found.candidates],
        "quality": {"estimate": "holdout", "roc_auc": holdout["test_roc_auc"],
                    "ci": holdout["test_roc_auc_ci"],
                    "ci_level": holdout["test_roc_auc_ci_level"],
                    "bootstrap": "group", "clients": n_test},
        "selection": {"score": "repeated_grouped_cv_roc_auc", "top": choice.top,
                      "chosen": choice.chosen, "tied": list(choice.tied), "rule": RULE,
                      "tie_se": TIE_SE,
                      "order": sorted((f for f in FAMILIES if FAMILIES[f].simplicity is not None),
                                      key=lambda f: FAMILIES[f].simplicity or 0)},
        "selection_cv_roc_auc_mean": cv_mean,
        "selection_cv_roc_auc_std": cv_std,
        "selection_cv_roc_auc_folds": folds,
        "cv_roc_auc_mean": cv_mean,
        "cv_roc_auc_std": cv_std,
        "cv_roc_auc_folds": folds,
        "cv_f1": r6(np.mean(f1_repeats)),
        "cv_f1_repeats": [r6(v) for v in f1_repeats],
        "cv_folds": params.cv_folds,
        "cv_repeats": params.cv_repeats,
        "duplicate_groups": int((sizes > 1).sum()),
        "duplicate_clients": int(sizes[sizes > 1].sum()),
        "threshold": r6(threshold),
        "threshold_rule": params.threshold_rule,
        "calibration_method": params.calibration,
        **holdout,
    }
