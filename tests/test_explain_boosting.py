"""analysis.explain.boosting: the boosting score the permutation explainer uses."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression

from analysis.explain import explainers
from analysis.explain.boosting import boosting_score


@pytest.fixture(scope="module")
def rows() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(11)
    X = rng.normal(size=(600, 6))
    X[rng.random(X.shape) < 0.05] = np.nan           # missing values take a learned side
    y = (np.nan_to_num(X[:, 0]) + np.nan_to_num(X[:, 1]) * np.nan_to_num(X[:, 2])
         + rng.normal(scale=0.5, size=600) > 0).astype(int)
    return X, y


def test_scores_are_bit_identical_to_scikit_learns(rows: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = rows
    model = HistGradientBoostingClassifier(max_iter=40, max_leaf_nodes=8, early_stopping=False,
                                           random_state=0).fit(X, y)
    score = boosting_score(model)
    assert score is not None
    fresh = np.random.default_rng(12).normal(size=(5000, 6))
    fresh[::7, 3] = np.nan
    assert np.array_equal(score(fresh), model.decision_function(fresh))
    assert np.array_equal(score(X), model.decision_function(X))


def test_other_models_are_left_to_scikit_learn(rows: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = rows
    assert boosting_score(LogisticRegression().fit(np.nan_to_num(X), y)) is None
    labels = y + (X[:, 4] > 1)
    three = HistGradientBoostingClassifier(max_iter=5, early_stopping=False).fit(X, labels)
    assert boosting_score(three) is None                       # one tree per class and iteration
    categorical = np.column_stack([X[:, :5], (np.arange(600) % 3)])
    native = HistGradientBoostingClassifier(max_iter=5, early_stopping=False,
                                            categorical_features=[5]).fit(categorical, y)
    assert boosting_score(native) is None                      # bitset splits


def test_the_explainer_takes_it_only_when_it_agrees(rows: tuple[np.ndarray, np.ndarray],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    X, y = rows
    model = HistGradientBoostingClassifier(max_iter=10, early_stopping=False).fit(X, y)
    columns = [f"c{i}" for i in range(6)]
    many = explainers.FAST_BOOSTING_CLIENTS
    fast = explainers._score_fn(model, columns, many)
    assert fast.__module__ == "analysis.explain.boosting"
    assert np.array_equal(fast(X), model.decision_function(X))
    few = explainers._score_fn(model, columns, many - 1)       # not worth compiling
    assert few.__module__ == "analysis.explain.explainers"
    monkeypatch.setattr(explainers, "boosting_score", lambda est: lambda r: np.zeros(len(r)))
    slow = explainers._score_fn(model, columns, many)          # a wrong fast score is refused
    assert slow.__module__ == "analysis.explain.explainers"
    assert np.array_equal(slow(X), model.decision_function(X))
