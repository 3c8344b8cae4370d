"""Model inputs: the feature set, the preprocessor and the guard against ``id``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis import glossary as g
from analysis.data.clients import load_export
from analysis.data.demo.write import write_demo_export
from analysis.model.features import (
    MODEL_FEATURES,
    LeakageError,
    assert_no_identifier,
    build_preprocessor,
    check_feature_frame,
    feature_frame,
    feature_sources,
    target_vector,
)


@pytest.fixture(scope="module")
def clients(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    folder = Path(tmp_path_factory.mktemp("demo"))
    write_demo_export(folder, n_clients=200, seed=11, defects=False)
    return load_export(folder).modelled


def test_feature_set_is_glossary_without_id_profit_target(clients: pd.DataFrame) -> None:
    X = feature_frame(clients)
    assert list(X.columns) == [*g.NUMERIC, *g.CATEGORICAL]
    assert {"id", g.PROFIT, g.TARGET}.isdisjoint(X.columns)
    assert g.REVENUE_CHANGE in X.columns and g.MINUTES_CHANGE in X.columns
    assert X.index.equals(clients.index)


def test_target_is_one_for_declined(clients: pd.DataFrame) -> None:
    y = target_vector(clients)
    assert set(y.unique()) == {0, 1}
    assert (y == 1).sum() == (clients[g.TARGET] == g.DECLINED).sum()


def test_one_hot_names_come_from_get_feature_names_out(clients: pd.DataFrame) -> None:
    X = feature_frame(clients)
    pre = build_preprocessor().fit(X)
    names = list(pre.get_feature_names_out())
    categories = sorted(X[g.CATEGORY].unique())
    assert [n for n in names if n.startswith("cat__")] == [
        f"cat__{g.CATEGORY}_{c}" for c in categories]
    assert f"ord__{g.SERVICE}" in names and f"ord__{g.PERMISSION}" in names
    assert [f"num__{c}" for c in g.NUMERIC] == [n for n in names if n.startswith("num__")]
    Z = pre.transform(X)
    assert isinstance(Z, pd.DataFrame) and list(Z.columns) == names
    assert Z.index.equals(X.index)
    sources = feature_sources(pre)
    assert {sources[n] for n in names} == set(MODEL_FEATURES)
    assert all(sources[n] == g.CATEGORY for n in names if n.startswith("cat__"))


def test_ordinal_order_and_unknown_values(clients: pd.DataFrame) -> None:
    X = feature_frame(clients)
    pre = build_preprocessor().fit(X)
    new = X.iloc[:3].copy()
    new[g.CATEGORY] = ["Совсем новая категория", X[g.CATEGORY].iloc[0], "Ещё одна"]
    new[g.SERVICE] = ["премиум", "стандарт", "vip"]
    new[g.PERMISSION] = ["да", "нет", "да"]
    Z = pre.transform(new)
    one_hot = Z.filter(like="cat__")
    assert one_hot.iloc[0].sum() == 0 and one_hot.iloc[2].sum() == 0
    assert one_hot.iloc[1].sum() == 1
    assert Z[f"ord__{g.SERVICE}"].tolist() == [1.0, 0.0, -1.0]
    assert Z[f"ord__{g.PERMISSION}"].tolist() == [1.0, 0.0, 1.0]


def test_id_column_is_refused(clients: pd.DataFrame) -> None:
    X = feature_frame(clients)
    assert_no_identifier(X)
    check_feature_frame(X)
    for name in ("id", "ID", "Unnamed: 0", "index"):
        with pytest.raises(LeakageError, match="идентификатор"):
            assert_no_identifier(X.assign(**{name: np.arange(len(X)) * 7 % 13}))


def test_disguised_identifiers_are_refused(clients: pd.DataFrame) -> None:
    X = feature_frame(clients)
    shuffled = X.sample(frac=1.0, random_state=0)
    with pytest.raises(LeakageError, match="индексом"):
        assert_no_identifier(shuffled.assign(client=shuffled.index.to_numpy()))
    with pytest.raises(LeakageError, match="монотонны"):
        assert_no_identifier(X.assign(row=np.linspace(0.5, 9.5, len(X))))
    with pytest.raises(LeakageError, match="подряд"):
        assert_no_identifier(X.assign(row=np.random.default_rng(0).permutation(len(X)) + 5))
    with pytest.raises(LeakageError, match="различны"):
        assert_no_identifier(X.assign(code=[f"c{i}" for i in range(len(X))]))


def test_feature_frame_must_match_glossary(clients: pd.DataFrame) -> None:
    X = feature_frame(clients)
    with pytest.raises(ValueError, match="лишние"):
        check_feature_frame(X.assign(**{g.PROFIT: clients[g.PROFIT]}))
    with pytest.raises(ValueError, match="нет"):
        check_feature_frame(X.drop(columns=[g.PROMO]))
