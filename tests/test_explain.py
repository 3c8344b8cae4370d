"""SHAP explanations: explainer choice, additivity, one-hot summing, wording; the real export."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shap
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
from analysis.explain.explanation import (
    BackgroundMasker,
    explain,
    explainer_kind,
    underlying_pipeline,
)
from analysis.explain.reasons import REASON_FIELDS, reason_columns
from analysis.model.features import MODEL_FEATURES, build_pipeline, feature_frame, target_vector
from analysis.model.fit import run_model

REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "one-click"
SMALL = ShapParams(background=20, permutation_background=20, permutation_sample=30,
                   explain_sample=500, example_clients=3)
ESTIMATORS = {
    "logreg": LogisticRegression(C=0.5),
    "svc_linear": LinearSVC(C=0.1, random_state=0),
    "tree": DecisionTreeClassifier(max_depth=4, random_state=0),
    "forest": RandomForestClassifier(n_estimators=20, max_depth=4, random_state=0),
    "hgb": HistGradientBoostingClassifier(max_iter=20, early_stopping=False, random_state=0),
    "knn": KNeighborsClassifier(n_neighbors=15),
    "svc_rbf": SVC(C=1.0),
}
KINDS = {"logreg": "linear", "svc_linear": "linear", "tree": "tree", "forest": "tree",
         "hgb": "tree", "knn": "permutation", "svc_rbf": "permutation"}


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


@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_explainer_fits_the_estimator_and_values_add_up(
        name: str, data: tuple[pd.DataFrame, pd.Series]) -> None:
    X, y = data
    model = _fit(name, X, y)
    assert explainer_kind(underlying_pipeline(model)[-1]) == KINDS[name]
    found = explain([(model, X.index)], X, y, SMALL, seed=1,
                    probability=pd.Series(model.predict_proba(X)[:, 1], index=X.index))
    assert found.summary["explainer"] == KINDS[name]
    assert sorted(found.shap_values.columns) == sorted(MODEL_FEATURES)  # one-hot summed back
    sample = found.shap_values.index
    assert len(sample) == (SMALL.permutation_sample if KINDS[name] == "permutation" else len(X))
    rebuilt = found.base_values.loc[sample] + found.shap_values.sum(axis=1)
    np.testing.assert_allclose(rebuilt, _score(model, X.loc[sample]), atol=1e-6)
    assert found.summary["reasons_method"] == (
        "occlusion" if KINDS[name] == "permutation" else "shap")
    for example in found.summary["examples"]:
        total = example["base_value"] + sum(c["value"] for c in example["contributions"])
        assert total == pytest.approx(example["output_value"], abs=1e-4)
        assert example["output_value"] == pytest.approx(
            _score(model, X.loc[[example["id"]]])[0], abs=1e-4)
    assert [e["kind"] for e in found.summary["examples"]] == ["highest", "borderline", "lowest"]
    for example in found.summary["examples"]:
        assert "title" not in example and "summary" not in example
        assert {c["feature"] for c in example["contributions"]} == set(MODEL_FEATURES)
        first = example["contributions"][0]
        assert first["client_value"] == pytest.approx(X.loc[example["id"], first["feature"]]) \
            if first["feature"] in g.NUMERIC else first["client_value"] == X.loc[
                example["id"], first["feature"]]
    json.dumps(found.summary)


def test_drivers_reasons_and_beeswarm(data: tuple[pd.DataFrame, pd.Series]) -> None:
    X, y = data
    found = explain([(_fit("logreg", X, y), X.index)], X, y, SMALL, seed=1)
    drivers = found.summary["drivers"]
    assert [d["feature"] for d in drivers] == sorted(
        MODEL_FEATURES, key=lambda f: -found.shap_values[f].abs().mean())
    importance = [d["mean_abs_shap"] for d in drivers]
    assert importance == sorted(importance, reverse=True)
    for d in drivers:
        assert d["label"] == g.label(d["feature"])
        if d["kind"] == "numeric":
            assert d["direction"] in {"low", "high", "ambiguous"}
            assert d["stable_median"] == pytest.approx(X.loc[y == 0, d["feature"]].median())
        else:
            assert d["level"] in set(X[d["feature"]]) and d["direction"] == "category"
    reasons = found.reasons
    assert list(reasons.columns) == [reason_columns(k)[f] for k in (1, 2, 3)
                                     for f in REASON_FIELDS]
    assert reasons.index.equals(X.index)
    contributions = found.contributions
    stable = X[y.to_numpy() == 0]
    for cid, row in reasons.head(50).iterrows():
        features = [row[f"reason_{k}_feature"] for k in (1, 2, 3) if row[f"reason_{k}_feature"]]
        values = [contributions.loc[cid, f] for f in features]
        assert all(v > 0 for v in values) and values == sorted(values, reverse=True)
        for k, f in enumerate(features, start=1):
            side, value = row[f"reason_{k}_side"], row[f"reason_{k}_value"]
            reference = row[f"reason_{k}_reference"]
            if f in g.NUMERIC:
                assert reference == pytest.approx(stable[f].median())
                assert side == ("low" if value < reference else "high" if value > reference
                                else side)
            else:
                assert side == "category" and value == X.loc[cid, f]
                assert reference == pytest.approx(y.mean())
    assert list(found.shap_values.columns) == [d["feature"] for d in drivers]
    assert found.feature_values.index.equals(found.shap_values.index)
    assert list(found.feature_values.columns) == list(found.shap_values.columns)
    assert len(found.shap_values) <= 2000
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


def test_background_masker_gives_exact_grouped_linear_shap() -> None:
    rng = np.random.default_rng(0)
    background, rows = rng.normal(size=(15, 4)), rng.normal(size=(3, 4))
    weights = np.array([1.0, -2.0, 0.5, 3.0])
    groups = [[0], [1, 2], [3]]
    explainer = shap.PermutationExplainer(lambda a: a @ weights, BackgroundMasker(background,
                                                                                  groups), seed=0)
    for row in rows:
        out = explainer.explain_row(row, max_evals=7, main_effects=False, error_bounds=False,
                                    batch_size=100, outputs=None, silent=True)
        per_column = weights * (row - background.mean(axis=0))
        expected = [per_column[0], per_column[1] + per_column[2], per_column[3]]
        np.testing.assert_allclose(out["values"], expected, atol=1e-12)


@pytest.mark.real
@pytest.mark.slow
@pytest.mark.skipif(not REAL.is_dir(), reason="real export not available")
def test_real_export_acceptance() -> None:
    data = load_export(REAL)
    clients = data.modelled
    run = run_model(clients, ModelParams(), data.groups)
    r = run.results
    assert 0.89 <= r["quality"]["roc_auc"] <= 0.925, r["quality"]
    assert max(c["cv_roc_auc_mean"] for c in r["candidates"]) <= 0.92, r["candidates"]
    assert r["cv_f1"] >= 0.8, r["cv_f1"]
    X, y = feature_frame(clients), target_vector(clients)
    found = explain(run.scorers, X, y, ShapParams(), ModelParams().seed, run.probability,
                    run.test_ids, r["threshold"])
    top5 = [d["feature"] for d in found.summary["drivers"][:5]]
    assert "Страниц_за_визит" in top5 and "Акционные_покупки" in top5, top5
    assert {"Минут_предыдущий_месяц", "Минут_текущий_месяц"} & set(top5), top5


def test_numpy_result_assembly_matches_shaps_numba_loop() -> None:
    """The numba-free assembly gives shap's permutation values bit for bit."""
    from shap.utils import _masked_model

    from analysis.explain import explainers
    rng = np.random.default_rng(3)
    background = rng.normal(size=(25, 6))
    groups = [[0], [1, 2], [3], [4], [5]]
    weights = rng.normal(size=6)

    def model(rows: np.ndarray) -> np.ndarray:
        return np.tanh(rows @ weights) + 0.1 * rows[:, 0] * rows[:, 3]

    rows = rng.normal(size=(8, 6))

    def values() -> np.ndarray:
        explainer = shap.PermutationExplainer(model, BackgroundMasker(background, groups), seed=5)
        found = [explainer.explain_row(row, max_evals=3 * 11, main_effects=False,
                                       error_bounds=False, batch_size=10_000, outputs=None,
                                       silent=True) for row in rows]
        return np.array([np.r_[r["values"], r["expected_values"]] for r in found])

    original = values()
    with explainers._numpy_result_assembly():
        assert _masked_model._build_fixed_output is explainers._fixed_output
        ours = values()
    assert _masked_model._build_fixed_output is explainers._SHAP_FIXED_OUTPUT
    assert np.array_equal(original, ours)


@pytest.mark.parametrize("name", ["hgb", "svc_rbf"])
def test_occlusion_equals_scoring_each_substituted_frame(
        name: str, data: tuple[pd.DataFrame, pd.Series]) -> None:
    """Transform once and copy the reference's columns = transform every variant."""
    from analysis.explain.explainers import _score_fn, occlusion
    from analysis.explain.reasons import reference_client

    X, y = data
    pipe = underlying_pipeline(_fit(name, X, y))
    reference = reference_client(X, y)
    found = occlusion(pipe, X, reference)
    score = _score_fn(pipe[-1], list(pipe[:-1].get_feature_names_out()))

    def scored(frame: pd.DataFrame) -> np.ndarray:
        return score(pipe[:-1].transform(frame).to_numpy(dtype=float))

    base = scored(X)
    expected = pd.DataFrame({f: base - scored(X.assign(**{f: reference[f]}))
                             for f in MODEL_FEATURES}, index=X.index)
    np.testing.assert_allclose(found.to_numpy(), expected.to_numpy(), rtol=0, atol=1e-12)
