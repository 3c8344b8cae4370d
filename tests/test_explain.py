"""SHAP explanations: explainer choice, additivity, derived features, reasons; the real export."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.svm import SVC, LinearSVC
from sklearn.tree import DecisionTreeClassifier

from analysis import glossary as g
from analysis.config import ModelParams, ShapParams
from analysis.data.clients import load_export
from analysis.data.demo.write import write_demo_export
from analysis.explain import explainers
from analysis.explain.explainers import DERIVED, EXPLAINED_FEATURES, permutation_shap
from analysis.explain.explanation import explain, explainer_kind, underlying_pipeline
from analysis.explain.reasons import REASON_FIELDS, reason_columns
from analysis.model.features import build_pipeline, feature_frame, target_vector
from analysis.model.fit import run_model

REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "one-click"
SMALL = ShapParams(background=20, permutation_background=10, explain_sample=150,
                   example_clients=3, rank_resamples=200)
ESTIMATORS = {
    "logreg": LogisticRegression(C=0.5),
    "svc_linear": LinearSVC(C=0.1, random_state=0),
    "tree": DecisionTreeClassifier(max_depth=4, random_state=0),
    "forest": RandomForestClassifier(n_estimators=20, max_depth=4, random_state=0),
    "hgb": HistGradientBoostingClassifier(max_iter=20, early_stopping=False, random_state=0),
    "knn": KNeighborsClassifier(n_neighbors=15),
    "svc_rbf": SVC(C=1.0),
}
KINDS = {"logreg": "linear", "svc_linear": "linear", "tree": "permutation",
         "forest": "permutation", "hgb": "permutation", "knn": "permutation",
         "svc_rbf": "permutation"}


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> tuple[pd.DataFrame, pd.Series]:
    folder = Path(tmp_path_factory.mktemp("demo"))
    write_demo_export(folder, n_clients=200, seed=7, defects=False)
    clients = load_export(folder).modelled
    return feature_frame(clients), target_vector(clients)


def _fit(name: str, X: pd.DataFrame, y: pd.Series) -> CalibratedClassifierCV:
    model = CalibratedClassifierCV(build_pipeline(ESTIMATORS[name]), cv=3, ensemble=False)
    return model.fit(X, y)


def _score(model: CalibratedClassifierCV, X: pd.DataFrame) -> np.ndarray:
    pipe = underlying_pipeline(model)
    if hasattr(pipe[-1], "decision_function"):
        return pipe.decision_function(X)
    return pipe.predict_proba(X)[:, 1]


def _explained(found_values: pd.DataFrame) -> None:
    assert list(found_values.columns) == list(EXPLAINED_FEATURES) or \
        sorted(found_values.columns) == sorted(EXPLAINED_FEATURES)


@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_explainer_fits_the_estimator_and_values_add_up(
        name: str, data: tuple[pd.DataFrame, pd.Series]) -> None:
    X, y = data
    model = _fit(name, X, y)
    assert explainer_kind(underlying_pipeline(model)[-1]) == KINDS[name]
    found = explain([(model, X.index)], X, y, SMALL, seed=1,
                    probability=pd.Series(model.predict_proba(X)[:, 1], index=X.index))
    assert found.summary["explainer"] == KINDS[name]
    assert found.summary["reasons_method"] == "shap"
    _explained(found.shap_values)                       # one-hot summed, changes in sources
    assert not set(DERIVED) & set(found.contributions.columns)
    assert found.contributions.index.equals(X.index)    # every scored client
    assert len(found.shap_values) == SMALL.explain_sample
    rebuilt = found.contribution_base + found.contributions.sum(axis=1)
    np.testing.assert_allclose(rebuilt, _score(model, X), atol=1e-6)
    for example in found.summary["examples"]:
        total = example["base_value"] + sum(c["value"] for c in example["contributions"])
        assert total == pytest.approx(example["output_value"], abs=1e-4)
        assert example["output_value"] == pytest.approx(
            _score(model, X.loc[[example["id"]]])[0], abs=1e-4)
        assert {c["feature"] for c in example["contributions"]} == set(EXPLAINED_FEATURES)
    assert [e["kind"] for e in found.summary["examples"]] == ["highest", "borderline", "lowest"]
    json.dumps(found.summary)


@pytest.mark.parametrize("name", ["logreg", "knn", "hgb"])
def test_every_client_above_the_base_has_a_reason_with_positive_shap(
        name: str, data: tuple[pd.DataFrame, pd.Series]) -> None:
    X, y = data
    found = explain([(_fit(name, X, y), X.index)], X, y, SMALL, seed=2)
    values, reasons = found.contributions, found.reasons
    above = values.sum(axis=1) > 0                       # explained score above the base value
    assert above.any()
    direction = {d["feature"]: d["direction"] for d in found.summary["drivers"]}
    stable = X[y.to_numpy() == 0]
    rates = {f: y.groupby(X[f]).mean() for f in values.columns if f not in g.NUMERIC}

    def risky(cid: int, f: str) -> bool:                # the feature's risky side (issue 16)
        if f not in g.NUMERIC:
            return rates[f][X.loc[cid, f]] > y.mean()
        median = stable[f].median()
        return {"low": X.loc[cid, f] < median, "high": X.loc[cid, f] > median}.get(
            direction[f], False)

    named = 0
    for cid, row in reasons.iterrows():
        features = [row[f"reason_{k}_feature"] for k in (1, 2, 3) if row[f"reason_{k}_feature"]]
        shown = [values.loc[cid, f] for f in features]
        assert all(v > 0 for v in shown) and shown == sorted(shown, reverse=True)
        eligible = [f for f in values.columns if values.loc[cid, f] > 0 and risky(cid, f)]
        assert len(features) == min(3, len(eligible))
        named += bool(features) and bool(above[cid])
        for k, f in enumerate(features, start=1):
            side, value = row[f"reason_{k}_side"], row[f"reason_{k}_value"]
            if f in g.NUMERIC:
                reference = row[f"reason_{k}_reference"]
                assert reference == pytest.approx(stable[f].median())
                assert side == direction[f] == ("low" if value < reference else "high")
            else:
                assert side == "category" and value == X.loc[cid, f]
    assert named >= 0.9 * above.sum()                   # nearly every client above the base


def test_drivers_reasons_and_beeswarm(data: tuple[pd.DataFrame, pd.Series]) -> None:
    X, y = data
    found = explain([(_fit("logreg", X, y), X.index)], X, y, SMALL, seed=1)
    drivers = found.summary["drivers"]
    assert [d["feature"] for d in drivers] == sorted(
        EXPLAINED_FEATURES, key=lambda f: -found.contributions[f].abs().mean())
    importance = [d["mean_abs_shap"] for d in drivers]
    assert importance == sorted(importance, reverse=True)
    assert [d["rank"] for d in drivers] == list(range(1, len(drivers) + 1))
    for d in drivers:
        assert d["label"] == g.label(d["feature"])
        assert d["rank_low"] <= d["rank"] <= d["rank_high"]
        if d["kind"] == "numeric":
            assert d["direction"] in {"low", "high", "ambiguous"}
            assert d["stable_median"] == pytest.approx(X.loc[y == 0, d["feature"]].median())
        else:
            assert d["level"] in set(X[d["feature"]]) and d["direction"] == "category"
    assert [d["tier"] for d in drivers] == sorted(d["tier"] for d in drivers)
    reasons = found.reasons
    assert list(reasons.columns) == [reason_columns(k)[f] for k in (1, 2, 3)
                                     for f in REASON_FIELDS]
    assert reasons.index.equals(X.index)
    assert list(found.shap_values.columns) == [d["feature"] for d in drivers]
    assert found.feature_values.index.equals(found.shap_values.index)
    pd.testing.assert_frame_equal(found.feature_values, X.loc[found.shap_values.index,
                                                               found.shap_values.columns])


def test_reason_records_for_pages(data: tuple[pd.DataFrame, pd.Series]) -> None:
    X, y = data
    found = explain([(_fit("logreg", X, y), X.index)], X, y, SMALL, seed=1)
    f = "Страниц_за_визит"
    median = X.loc[y == 0, f].median()
    top = found.reasons[found.reasons["reason_1_feature"] == f]
    low = top[X.loc[top.index, f] < median]
    assert len(low)
    cid = low.index[0]
    assert low.loc[cid, "reason_1_side"] == "low"
    assert low.loc[cid, "reason_1_value"] == X.loc[cid, f]
    assert low.loc[cid, "reason_1_reference"] == median


def test_linear_and_permutation_agree_for_a_linear_model(
        data: tuple[pd.DataFrame, pd.Series]) -> None:
    """Exact linear values (changes moved onto their sources) = the permutation estimator."""
    from analysis.explain.explainers import shap_by_feature

    X, y = data
    pipe = underlying_pipeline(_fit("logreg", X, y))
    background = X.iloc[::10]
    exact, base = shap_by_feature(pipe, X.iloc[:40], background, "linear", 0)
    sampled, base_p = shap_by_feature(pipe, X.iloc[:40], background, "permutation", 0)
    np.testing.assert_allclose(exact.to_numpy(), sampled.to_numpy(), atol=1e-9)
    np.testing.assert_allclose(base, base_p, atol=1e-9)
    np.testing.assert_allclose(base + exact.sum(axis=1), pipe.decision_function(X.iloc[:40]),
                               atol=1e-9)


def test_no_masked_row_breaks_a_change(data: tuple[pd.DataFrame, pd.Series],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Every row the permutation explainer scores has each change = its months' difference."""
    from analysis.explain import explainers

    X, y = data
    pipe = underlying_pipeline(_fit("knn", X, y))
    seen: list[np.ndarray] = []
    original = explainers._score_fn

    def recording(estimator: object, columns: list[str], clients: int = 0):
        score = original(estimator, columns, clients)

        def wrapped(rows: np.ndarray) -> np.ndarray:
            seen.append(rows.copy())
            return score(rows)
        return wrapped

    monkeypatch.setattr(explainers, "_score_fn", recording)
    explainers.shap_by_feature(pipe, X.iloc[:20], X.iloc[::20], "permutation", 0)
    scaler = pipe[0].named_transformers_["num"]
    names = list(scaler.feature_names_in_)
    raw = np.concatenate(seen)[:, :len(names)] * scaler.scale_ + scaler.mean_
    frame = pd.DataFrame(raw, columns=names)
    assert len(frame) > 20 * 20
    for change, (plus, minus) in DERIVED.items():
        np.testing.assert_allclose(frame[change], frame[plus] - frame[minus], atol=1e-6)


def test_permutation_estimator_adds_up_and_converges_to_shapley() -> None:
    rng = np.random.default_rng(0)
    background, rows = rng.normal(size=(12, 4)), rng.normal(size=(3, 4))
    weights = np.array([1.0, -2.0, 0.5, 3.0])

    def model(a: np.ndarray) -> np.ndarray:
        return np.tanh(a @ weights) + a[:, 0] * a[:, 3]

    groups = [np.array([0]), np.array([1, 2]), np.array([3])]
    one, base = permutation_shap(model, rows, background, groups, 1, seed=3)
    np.testing.assert_allclose(one.sum(axis=1) + base, model(rows), atol=1e-12)

    def value(row: np.ndarray, keep: tuple[int, ...]) -> float:
        masked = background.copy()
        for k in keep:
            masked[:, groups[k]] = row[groups[k]]
        return float(model(masked).mean())

    from itertools import permutations
    exact = np.zeros((len(rows), 3))
    for i, row in enumerate(rows):
        for order in permutations(range(3)):
            for j, player in enumerate(order):
                exact[i, player] += (value(row, order[:j + 1]) - value(row, order[:j])) / 6
    many, _ = permutation_shap(model, rows, background, groups, 400, seed=3)
    np.testing.assert_allclose(many, exact, atol=0.05)


@pytest.mark.parametrize(("n", "size", "per_row", "block"),
                         [(50, 40, 7, 40), (50, 40, 7, 10_000), (9, 13, 1, 30)])
def test_background_draws_in_blocks_are_the_whole_draw(
        monkeypatch: pytest.MonkeyPatch, n: int, size: int, per_row: int, block: int) -> None:
    """Drawn a block at a time: the rows of the one big draw, and the generator ends alike."""
    whole = np.random.default_rng(11)
    expected = np.argsort(whole.random((n, size)), axis=1)[:, :per_row]
    monkeypatch.setattr(explainers, "_DRAW_BLOCK", block)
    blocks = np.random.default_rng(11)
    np.testing.assert_array_equal(explainers._draws(blocks, n, size, per_row), expected)
    np.testing.assert_array_equal(blocks.random(5), whole.random(5))


def test_each_client_is_explained_by_its_own_scorer(
        data: tuple[pd.DataFrame, pd.Series]) -> None:
    X, y = data
    first, second = X.index[::2], X.index[1::2]
    model_a, model_b = _fit("logreg", X.loc[second], y.loc[second]), _fit("logreg", X, y)
    split = explain([(model_a, first), (model_b, second)], X, y, SMALL, seed=1)
    only_a = explain([(model_a, X.index)], X, y, SMALL, seed=1)
    pd.testing.assert_frame_equal(split.contributions.loc[first], only_a.contributions.loc[first])
    with pytest.raises(ValueError, match="ровно одной"):
        explain([(model_a, first)], X, y, SMALL, seed=1)
    with pytest.raises(ValueError, match="ровно одной"):
        explain([(model_a, X.index), (model_b, second)], X, y, SMALL, seed=1)


def test_progress_counts_the_clients_explained_after_each_scorer(
        data: tuple[pd.DataFrame, pd.Series]) -> None:
    X, y = data
    first, second = X.index[::3], X.index.difference(X.index[::3])
    model = _fit("tree", X, y)
    calls: list[tuple[str, int, int]] = []
    explain([(model, first), (model, second)], X, y, SMALL, seed=1,
            progress=lambda *call: calls.append(call))
    assert calls == [("shap", len(first), len(X)), ("shap", len(X), len(X))]


def test_deterministic_and_leaves_global_rng_alone(data: tuple[pd.DataFrame, pd.Series]) -> None:
    X, y = data
    model = _fit("knn", X, y)
    np.random.seed(123)
    before = np.random.get_state()[1].copy()
    one = explain([(model, X.index)], X, y, SMALL, seed=4)
    assert np.array_equal(np.random.get_state()[1], before)
    two = explain([(model, X.index)], X, y, SMALL, seed=4)
    assert json.dumps(one.summary) == json.dumps(two.summary)
    assert one.reasons.equals(two.reasons)


@pytest.mark.real
@pytest.mark.slow
@pytest.mark.skipif(not REAL.is_dir(), reason="real export not available")
def test_real_export_reasons_and_stable_driver_ranks() -> None:
    """Every client above the base has a SHAP reason; ordered ranks agree for three seeds."""
    data = load_export(REAL)
    clients = data.modelled
    params = ModelParams()
    run = run_model(clients, params, data.groups)
    X, y = feature_frame(clients), target_vector(clients)
    ranks = []
    for seed in (params.seed, params.seed + 1, params.seed + 2):
        found = explain(run.scorers, X, y, ShapParams(), seed, run.probability, run.test_ids,
                        run.results["threshold"])
        values, reasons = found.contributions, found.reasons
        assert (reasons.loc[values.sum(axis=1) > 0, "reason_1_feature"] != "").all()
        first = reasons["reason_1_feature"]
        named = first[first != ""]
        assert all(values.at[cid, f] > 0 for cid, f in named.items())
        drivers = found.summary["drivers"]
        ranks.append({d["feature"]: d["rank"] for d in drivers if d["tier_size"] == 1})
        top5 = [d["feature"] for d in drivers[:5]]
        assert "Страниц_за_визит" in top5, top5
        assert {"Минут_предыдущий_месяц", "Минут_текущий_месяц"} <= set(top5), top5
    for one in ranks:
        for other in ranks:
            for feature in one.keys() & other.keys():
                assert one[feature] == other[feature], (feature, ranks)
