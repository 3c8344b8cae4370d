"""SHAP tasks: chunks on worker processes, their seeds, and the large-export draw."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression

from analysis.config import ShapParams
from analysis.data.clients import load_export
from analysis.data.demo.write import write_demo_export
from analysis.explain import explanation
from analysis.explain.explainers import shap_by_feature
from analysis.explain.explanation import (
    background_draw,
    chunk_seed,
    explain,
    underlying_pipeline,
)
from analysis.model.features import build_pipeline, feature_frame, target_vector

PARAMS = ShapParams(background=30, permutation_background=8, large_export_background=3,
                    explain_sample=100, example_clients=0, rank_resamples=100)
SEED = 5
CHUNK = 37   # ~200 clients: the first scorer (a third) has two chunks, the second four


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> tuple[pd.DataFrame, pd.Series]:
    folder = Path(tmp_path_factory.mktemp("demo"))
    write_demo_export(folder, n_clients=210, seed=3, defects=False)
    clients = load_export(folder).modelled
    return feature_frame(clients), target_vector(clients)


def _fit(estimator: object, X: pd.DataFrame, y: pd.Series) -> CalibratedClassifierCV:
    return CalibratedClassifierCV(build_pipeline(estimator), cv=3, ensemble=False).fit(X, y)


@pytest.fixture(scope="module")
def scorers(data: tuple[pd.DataFrame, pd.Series]) -> list[tuple[object, pd.Index]]:
    """Two boosting scorers, each explaining the clients the other was fitted on."""
    X, y = data
    first, second = X.index[::3], X.index.difference(X.index[::3])
    models = [_fit(HistGradientBoostingClassifier(max_iter=15, early_stopping=False,
                                                  random_state=0), X.loc[part], y.loc[part])
              for part in (second, first)]
    return [(models[0], first), (models[1], second)]


def _background(X: pd.DataFrame, y: pd.Series) -> pd.DataFrame:
    return X.loc[explanation._sample(X.index, y, PARAMS.background, SEED)]


def test_values_do_not_depend_on_the_number_of_workers(
        monkeypatch: pytest.MonkeyPatch, data: tuple[pd.DataFrame, pd.Series],
        scorers: list[tuple[object, pd.Index]]) -> None:
    """Six chunks on one process or on two workers: the same values, reasons, summary."""
    X, y = data
    monkeypatch.setattr(explanation, "CHUNK_CLIENTS", CHUNK)
    runs, calls = [], []
    for n_jobs in (1, 2):
        called: list[tuple[str, int, int]] = []
        runs.append(explain(scorers, X, y, PARAMS, SEED, n_jobs=n_jobs,
                            progress=lambda *call, c=called: c.append(call)))
        calls.append(called)
    one, two = runs
    pd.testing.assert_frame_equal(one.contributions, two.contributions, check_exact=True)
    pd.testing.assert_series_equal(one.contribution_base, two.contribution_base,
                                   check_exact=True)
    assert one.reasons.equals(two.reasons)
    assert json.dumps(one.summary) == json.dumps(two.summary)
    # progress: one call per chunk, in order, each scorer's chunks of CHUNK clients
    sizes = [min(CHUNK, len(own) - start) for _, own in scorers
             for start in range(0, len(own), CHUNK)]
    assert len(sizes) >= 5
    expected = [("shap", int(n), len(X)) for n in np.cumsum(sizes)]
    assert calls[0] == calls[1] == expected


def test_chunk_zero_keeps_the_scorer_seed_and_later_chunks_their_own(
        monkeypatch: pytest.MonkeyPatch, data: tuple[pd.DataFrame, pd.Series],
        scorers: list[tuple[object, pd.Index]]) -> None:
    """Chunk 0 of scorer k is seeded seed + k (a small export keeps its values); chunk j
    ≥ 1 with its SeedSequence seed, and explains only its own clients."""
    X, y = data
    background = _background(X, y)
    whole = explain(scorers, X, y, PARAMS, SEED)          # every scorer within one chunk
    for k, (model, own) in enumerate(scorers):
        part = X.index[X.index.isin(own)]
        direct, _ = shap_by_feature(underlying_pipeline(model), X.loc[part], background,
                                    "permutation", SEED + k, PARAMS.permutations,
                                    PARAMS.permutation_background)
        pd.testing.assert_frame_equal(whole.contributions.loc[part], direct, check_exact=True)

    monkeypatch.setattr(explanation, "CHUNK_CLIENTS", CHUNK)
    chunked = explain(scorers, X, y, PARAMS, SEED)
    model, own = scorers[1]
    part = X.index[X.index.isin(own)]
    assert 3 * CHUNK < len(part) <= 4 * CHUNK
    pipe = underlying_pipeline(model)
    for j in range(4):
        ids = part[j * CHUNK:(j + 1) * CHUNK]
        direct, _ = shap_by_feature(pipe, X.loc[ids], background, "permutation",
                                    chunk_seed(SEED, 1, j), PARAMS.permutations,
                                    PARAMS.permutation_background)
        pd.testing.assert_frame_equal(chunked.contributions.loc[ids], direct, check_exact=True)
    assert chunk_seed(SEED, 1, 0) == SEED + 1
    seeds = {chunk_seed(SEED, k, j) for k in range(6) for j in range(50)}
    assert len(seeds) == 300                               # no two tasks share a seed
    assert chunk_seed(SEED, 2, 3) == chunk_seed(SEED, 2, 3) != chunk_seed(SEED + 1, 2, 3)


def test_large_export_draws_fewer_background_rows(
        data: tuple[pd.DataFrame, pd.Series], scorers: list[tuple[object, pd.Index]]) -> None:
    """Above large_export_clients the draw is large_export_background, and says so."""
    X, y = data
    assert background_draw(PARAMS, len(X)) == 8
    assert background_draw(PARAMS, len(X), len(X)) == 8                 # not above
    assert background_draw(PARAMS, len(X), len(X) - 1) == 3
    regular = explain(scorers, X, y, PARAMS, SEED, large_export_clients=len(X))
    large = explain(scorers, X, y, PARAMS, SEED, large_export_clients=len(X) - 1)
    same_draw = explain(scorers, X, y, PARAMS.model_copy(update={"permutation_background": 3}),
                        SEED)
    assert regular.summary["background_per_client"] == 8
    assert large.summary["background_per_client"] == 3
    pd.testing.assert_frame_equal(large.contributions, same_draw.contributions, check_exact=True)
    assert not regular.contributions.equals(large.contributions)
    unbounded = explain(scorers, X, y, PARAMS, SEED)
    pd.testing.assert_frame_equal(unbounded.contributions, regular.contributions,
                                  check_exact=True)
    # a linear model: exact values, no draw to report, large export or not
    linear = _fit(LogisticRegression(C=0.5), X, y)
    found = explain([(linear, X.index)], X, y, PARAMS, SEED, large_export_clients=1)
    assert found.summary["background_per_client"] is None
