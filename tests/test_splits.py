"""Every split of the modelling stage keeps a duplicate group on one side."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import analysis.model.fit as fit_module
from analysis.config import ModelParams
from analysis.data.clients import load_export
from analysis.model.choice import choose_family, paired_difference
from analysis.model.features import feature_frame, target_vector
from analysis.model.metrics import bootstrap_auc_ci
from analysis.model.splits import (
    group_codes,
    holdout_split,
    kfold,
    repeated_kfold,
    subsample,
)

REAL = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "one-click"


def _paired(n_pairs: int = 120, n_single: int = 160, seed: int = 0) -> tuple[np.ndarray, ...]:
    """Labels and groups: ``n_pairs`` duplicate pairs (same label) and singletons, shuffled."""
    rng = np.random.default_rng(seed)
    groups = np.concatenate([np.repeat(np.arange(n_pairs), 2),
                             n_pairs + np.arange(n_single)])
    label = rng.integers(0, 2, n_pairs + n_single)
    order = rng.permutation(len(groups))
    groups = groups[order] * 7 + 1000                         # ids, not codes
    return label[(groups - 1000) // 7], groups


def _split_groups(groups: np.ndarray, a: np.ndarray, b: np.ndarray) -> set[int]:
    return set(groups[a]) & set(groups[b])


def test_holdout_keeps_groups_and_stratifies() -> None:
    y, groups = _paired()
    train, test = holdout_split(y, groups, 0.25, seed=3)
    assert not _split_groups(groups, train, test)
    assert sorted(np.concatenate([train, test])) == list(range(len(y)))
    assert abs(len(test) / len(y) - 0.25) < 0.03
    assert abs(y[test].mean() - y.mean()) < 0.05
    again = holdout_split(y, groups, 0.25, seed=3)
    assert np.array_equal(again[1], test)


@pytest.mark.parametrize("folds,repeats", [(5, 1), (5, 3), (3, 2)])
def test_every_cv_split_keeps_groups(folds: int, repeats: int) -> None:
    y, groups = _paired()
    splits = repeated_kfold(y, groups, folds, repeats, seed=1)
    assert len(splits) == folds * repeats
    for r in range(repeats):
        block = splits[r * folds:(r + 1) * folds]
        assert sorted(np.concatenate([v for _, v in block])) == list(range(len(y)))
    for fit, val in splits:
        assert not _split_groups(groups, fit, val)
        assert not set(fit) & set(val)
    # each repeat has its own seed: the partitions differ
    if repeats > 1:
        assert not np.array_equal(splits[0][1], splits[folds][1])


def test_calibration_folds_and_subsample_keep_groups() -> None:
    y, groups = _paired()
    for fit, val in kfold(y, groups, 5, seed=2):
        assert not _split_groups(groups, fit, val)
    keep = subsample(y, groups, 200, seed=4)
    assert len(keep) <= 200 and len(keep) >= 190
    kept = set(groups[keep])
    dropped = np.setdiff1d(np.arange(len(y)), keep)
    assert not kept & set(groups[dropped])
    assert abs(y[keep].mean() - y.mean()) < 0.05
    assert np.array_equal(subsample(y, groups, 10_000, seed=4), np.arange(len(y)))


def test_without_groups_the_splits_are_the_plain_stratified_ones() -> None:
    from sklearn.model_selection import StratifiedKFold, train_test_split
    y, _ = _paired()
    _, test = holdout_split(y, None, 0.25, seed=5)
    _, plain = train_test_split(np.arange(len(y)), test_size=0.25, stratify=y, shuffle=True,
                                random_state=5)
    assert np.array_equal(test, np.sort(plain))
    ours = kfold(y, None, 4, seed=6)
    theirs = StratifiedKFold(4, shuffle=True, random_state=6).split(np.zeros(len(y)), y)
    for (a, b), (c, d) in zip(ours, theirs, strict=True):
        assert np.array_equal(a, c) and np.array_equal(b, d)
    assert np.array_equal(group_codes(None, 4), np.arange(4))


def test_group_bootstrap_resamples_whole_groups() -> None:
    y, groups = _paired(60, 80, seed=2)
    rng = np.random.default_rng(0)
    p = y * 0.5 + rng.random(len(y))
    low, high = bootstrap_auc_ci(y, p, 300, seed=1, groups=groups)
    assert 0 < low < high < 1
    assert (low, high) == bootstrap_auc_ci(y, p, 300, seed=1, groups=groups)
    # singletons given as groups: the same interval as without groups
    assert bootstrap_auc_ci(y, p, 300, 1, groups=np.arange(len(y))) == \
        bootstrap_auc_ci(y, p, 300, 1)


def test_tie_rule_prefers_the_simpler_family() -> None:
    rng = np.random.default_rng(0)
    base = 0.9 + rng.normal(0, 0.02, 15)
    noise = rng.normal(0, 0.01, 15)
    scores = {"dummy": [0.5] * 15, "knn": list(base + 0.002 + noise - noise.mean()),
              "logreg": list(base),
              "tree": list(base - 0.05 + rng.normal(0, 0.005, 15))}
    simplicity = {"dummy": None, "knn": 6, "logreg": 1, "tree": 3}
    choice = choose_family(scores, simplicity, folds=5)
    assert choice.top == "knn"
    assert choice.tied == ["logreg", "knn"] and choice.chosen == "logreg"
    diff, se = paired_difference(scores["knn"], scores["tree"], 5)
    assert diff > se and "tree" not in choice.tied
    # a clear winner is chosen even when it is the least simple
    clear = {**scores, "knn": list(base + 0.05)}
    assert choose_family(clear, simplicity, folds=5).chosen == "knn"


def test_model_stage_never_splits_a_duplicate_group(monkeypatch: pytest.MonkeyPatch,
                                                    tmp_path: Path) -> None:
    """Every split the model stage makes, on a demo export with many duplicate pairs."""
    from analysis.data.demo.write import write_demo_export
    write_demo_export(tmp_path, n_clients=240, seed=8, defects=False)
    clients = load_export(tmp_path).modelled
    twins = clients.iloc[:60].copy()
    twins.index = twins.index + 1_000_000
    twins.index.name = clients.index.name
    clients = pd.concat([clients, twins])
    groups = pd.Series(np.where(clients.index >= 1_000_000, clients.index - 1_000_000,
                                clients.index), index=clients.index)
    check = _recorder(monkeypatch)
    params = ModelParams(families=("dummy", "logreg", "knn"), search_iter=2, cv_folds=3,
                         cv_repeats=2, bootstrap=100, n_jobs=1, search_sample=200,
                         fit_sample=250)
    run = fit_module.run_model(clients, params, groups)
    assert not set(groups[run.train_ids]) & set(groups[run.test_ids])
    assert check["splits"] >= 3 * 2 + 5
    assert run.results["duplicate_groups"] == 60


def _recorder(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Wrap the splitters used by the model stage: every split they return is checked."""
    seen = {"splits": 0}

    def checked(name: str):
        real = getattr(fit_module, name)

        def wrapper(y, g, *args, **kwargs):
            out = real(y, g, *args, **kwargs)
            codes = group_codes(g, len(y))
            for fit, val in out:
                assert not set(codes[fit]) & set(codes[val]), name
                seen["splits"] += 1
            return out
        return wrapper

    for name in ("kfold", "repeated_kfold"):
        monkeypatch.setattr(fit_module, name, checked(name))
    return seen


@pytest.mark.real
@pytest.mark.skipif(not REAL.is_dir(), reason="real export not available")
def test_real_export_pairs_are_never_split() -> None:
    data = load_export(REAL)
    clients, groups = data.modelled, data.groups
    pairs = groups[groups.duplicated(keep=False)]
    assert pairs.groupby(pairs).size().eq(2).sum() == 11
    y = target_vector(clients).to_numpy()
    params = ModelParams()
    train, test = holdout_split(y, groups, params.test_size, params.seed)
    assert not _split_groups(groups.to_numpy(), train, test)
    g_train = groups.to_numpy()[train]
    for fit, val in repeated_kfold(y[train], g_train, params.cv_folds, params.cv_repeats,
                                   params.seed):
        assert not _split_groups(g_train, fit, val)
    for fit, val in kfold(y[train], g_train, 5, params.seed):
        assert not _split_groups(g_train, fit, val)
    keep = subsample(y, groups, 600, params.seed)
    rest = np.setdiff1d(np.arange(len(y)), keep)
    assert not _split_groups(groups.to_numpy(), keep, rest)
    assert feature_frame(clients).index.equals(groups.index)
