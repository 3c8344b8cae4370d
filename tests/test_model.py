"""Model selection, threshold, calibration and hold-out evaluation on a small synthetic export."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import f1_score, roc_auc_score

import analysis.model.fit as model_module
from analysis.config import ModelParams
from analysis.data.clients import load_export
from analysis.data.demo.write import write_demo_export
from analysis.model.features import LeakageError, feature_frame, target_vector
from analysis.model.fit import (
    PROBABILITY,
    decline_probability,
    fit_model,
    load_model,
    run_model,
    save_model,
)
from analysis.model.metrics import bootstrap_auc_ci, choose_threshold, lift_table
from analysis.model.search import FAMILIES, sample_configs

FAST = ModelParams(families=("dummy", "logreg", "knn", "forest"), search_iter=2, cv_folds=3,
                   cv_repeats=1, bootstrap=200, n_jobs=1)
TOP_KEYS = {
    "best", "best_params", "candidates", "cv_roc_auc_mean", "cv_roc_auc_std", "cv_f1",
    "cv_folds", "cv_repeats", "test_roc_auc", "test_roc_auc_ci", "test_pr_auc", "test_f1",
    "test_precision", "test_recall", "test_brier", "threshold", "threshold_rule",
    "confusion_matrix", "calibration", "roc_curve", "pr_curve", "lift", "train_size",
    "test_size", "search_sample_size", "test_roc_auc_ci_level"}


@pytest.fixture(scope="module")
def clients(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    folder = Path(tmp_path_factory.mktemp("demo"))
    write_demo_export(folder, n_clients=300, seed=5, defects=False)
    return load_export(folder).modelled


@pytest.fixture(scope="module")
def run(clients: pd.DataFrame) -> model_module.ModelRun:
    return run_model(clients, FAST)


def _floats(node: object) -> list[float]:
    if isinstance(node, float):
        return [node]
    if isinstance(node, dict):
        return [f for v in node.values() for f in _floats(v)]
    if isinstance(node, list):
        return [f for v in node for f in _floats(v)]
    return []


def test_result_schema(run: model_module.ModelRun, clients: pd.DataFrame) -> None:
    r = run.results
    assert set(r) >= TOP_KEYS
    json.dumps(r)                                            # plain types only
    assert all(round(f, 6) == f for f in _floats(r))
    assert [c["name"] for c in r["candidates"]] == list(FAST.families)
    for c in r["candidates"]:
        assert set(c) == {"name", "label_ru", "params", "cv_roc_auc_mean", "cv_roc_auc_std",
                          "n_configs", "cv_diff_to_top", "cv_diff_se", "tied"}
        assert c["label_ru"] == FAMILIES[c["name"]].label_ru
    dummy = next(c for c in r["candidates"] if c["name"] == "dummy")
    assert dummy["cv_roc_auc_mean"] == 0.5
    top = max(r["candidates"], key=lambda c: c["cv_roc_auc_mean"])["name"]
    selection = r["selection"]
    assert selection["top"] == top and r["best"] == selection["chosen"] in selection["tied"]
    assert top in selection["tied"] and "dummy" not in selection["tied"]
    assert [c["name"] for c in r["candidates"] if c["tied"]] == [
        f for f in FAST.families if f in selection["tied"]]
    order = selection["order"]
    assert min(selection["tied"], key=order.index) == r["best"]
    chosen = next(c for c in r["candidates"] if c["name"] == r["best"])
    # the sigmoid is strictly increasing: the calibrated model's CV AUC is the pipeline's
    assert r["cv_roc_auc_mean"] == pytest.approx(chosen["cv_roc_auc_mean"], abs=1e-6)
    assert r["selection_cv_roc_auc_mean"] == r["cv_roc_auc_mean"]
    # the headline quality is the untouched hold-out, not the selection score
    assert r["quality"] == {"estimate": "holdout", "roc_auc": r["test_roc_auc"],
                            "ci": r["test_roc_auc_ci"], "ci_level": r["test_roc_auc_ci_level"],
                            "bootstrap": "group", "clients": r["test_size"]}
    assert r["duplicate_groups"] == 0 and r["test_groups"] == r["test_size"]
    assert len(r["cv_roc_auc_folds"]) == FAST.cv_folds * FAST.cv_repeats
    assert "selection_reason" not in r and "lift_statement" not in r
    assert r["train_size"] + r["test_size"] == len(clients)
    assert r["test_size"] == math.ceil(0.25 * len(clients))
    assert r["search_sample_size"] == r["train_size"]
    (tn, fp), (fn, tp) = r["confusion_matrix"]["matrix"]
    assert tn + fp + fn + tp == r["test_size"]
    assert r["confusion_matrix"]["labels"] == ["Прежний уровень", "Снизилась"]
    low, high = r["test_roc_auc_ci"]
    assert 0 <= low <= r["test_roc_auc"] <= high <= 1
    assert [row["top_share"] for row in r["lift"]] == [0.1, 0.2, 0.3, 0.5]
    assert len(r["roc_curve"]["fpr"]) <= 200 and len(r["pr_curve"]["recall"]) <= 200
    assert len(run.search_log) == sum(c["n_configs"] for c in r["candidates"])


def test_probabilities(run: model_module.ModelRun, clients: pd.DataFrame) -> None:
    p = run.probability
    assert p.name == PROBABILITY and p.index.equals(clients.index)
    assert p.notna().all() and ((p >= 0) & (p <= 1)).all()
    covered = run.scorers[0][1].append([ids for _, ids in run.scorers[1:]])
    assert sorted(covered) == sorted(clients.index)
    X = feature_frame(clients)
    chunked = decline_probability(run.final_model, X, chunk=37)
    whole = decline_probability(run.final_model, X)
    assert chunked.index.equals(whole.index)
    np.testing.assert_allclose(chunked, whole, rtol=1e-12, atol=1e-15)   # BLAS blocking only
    assert roc_auc_score(target_vector(clients), p) > 0.7


def test_threshold_is_chosen_on_training_cv_before_the_test_set(
        clients: pd.DataFrame, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, object]] = []
    real_choose, real_holdout = model_module.choose_threshold, model_module.holdout_metrics

    def choose(y, proba, *args):
        calls.append(("choose", len(y)))
        return real_choose(y, proba, *args)

    def holdout(y, proba, threshold, *args, **kwargs):
        calls.append(("holdout", (len(y), threshold)))
        return real_holdout(y, proba, threshold, *args, **kwargs)

    monkeypatch.setattr(model_module, "choose_threshold", choose)
    monkeypatch.setattr(model_module, "holdout_metrics", holdout)
    r = run_model(clients, FAST).results
    assert [name for name, _ in calls] == ["choose", "holdout"]
    assert calls[0][1] == r["train_size"] * FAST.cv_repeats          # training clients only
    assert calls[1][1] == (r["test_size"], pytest.approx(r["threshold"]))


def test_same_data_and_seed_give_identical_results(
        run: model_module.ModelRun, clients: pd.DataFrame) -> None:
    again = run_model(clients, FAST.model_copy(update={"n_jobs": 2}))
    assert json.dumps(again.results, sort_keys=True) == json.dumps(run.results, sort_keys=True)
    assert again.probability.equals(run.probability)
    assert again.search_log == run.search_log


def test_id_reaching_the_model_raises(clients: pd.DataFrame) -> None:
    X, y = feature_frame(clients), target_vector(clients)
    with pytest.raises(LeakageError):
        fit_model(X.assign(id=X.index.to_numpy()), y, FAST)
    with pytest.raises(LeakageError):
        fit_model(X.assign(client_number=X.index.to_numpy()[::-1]), y, FAST)


def test_racing_search_runs_full_cv_for_each_family_best(clients: pd.DataFrame) -> None:
    params = FAST.model_copy(update={"families": ("logreg", "knn"), "search_iter": 4,
                                     "cv_repeats": 2})
    result = run_model(clients, params)
    for family in params.families:
        tried = [t for t in result.search_log if t["family"] == family]
        assert len(tried) == 4
        assert max(t["n_folds"] for t in tried) == 6                    # folds × repeats
        best = next(c for c in result.results["candidates"] if c["name"] == family)
        full = [t for t in tried if t["n_folds"] == 6]
        assert [t["params"] for t in full] == [best["params"]]
    assert sample_configs("knn", 4, 1) == sample_configs("knn", 4, 1)


def test_progress_hears_of_every_fit_in_order_with_the_right_total(
        clients: pd.DataFrame) -> None:
    params = FAST.model_copy(update={"families": ("logreg", "knn"), "search_iter": 4,
                                     "cv_repeats": 2, "n_jobs": 2})
    calls: list[tuple[str, int, int]] = []
    result = run_model(clients, params, progress=lambda *call: calls.append(call))
    fits = sum(t["n_folds"] for t in result.search_log)           # every configuration × fold
    splits = params.cv_folds * params.cv_repeats
    assert [c for c in calls if c[0] == "search"] == [("search", k, fits)
                                                      for k in range(1, fits + 1)]
    assert [c for c in calls if c[0] == "cross_fit"] == [("cross_fit", k, splits)
                                                         for k in range(1, splits + 1)]
    assert calls[-1] == ("cross_fit", splits, splits)             # the search ends first


def test_choose_threshold_matches_brute_force() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 400)
    p = np.clip(y * 0.3 + rng.normal(0.4, 0.2, 400), 0, 1).round(3)
    t = choose_threshold(y, p, "f1")
    best = max(f1_score(y, (p >= c).astype(int)) for c in np.unique(p))
    assert f1_score(y, (p >= t).astype(int)) == pytest.approx(best)
    t_cost = choose_threshold(y, p, "cost", miss_cost=5.0)

    def cost(c: float) -> float:
        flagged = p >= c
        return 5.0 * (y.astype(bool) & ~flagged).sum() + flagged.sum()

    assert cost(t_cost) == pytest.approx(min(cost(c) for c in np.unique(p)))


def test_bootstrap_ci_and_lift() -> None:
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 300)
    p = y * 0.2 + rng.random(300)
    low, high = bootstrap_auc_ci(y, p, 500, seed=3)
    assert low < roc_auc_score(y, p) < high
    assert (low, high) == bootstrap_auc_ci(y, p, 500, seed=3)
    assert bootstrap_auc_ci(y, y + 0.5, 200, seed=3) == (1.0, 1.0)
    lift = lift_table(np.array([1, 1, 0, 1, 0, 0, 0, 0, 0, 0]), np.linspace(1, 0, 10))
    assert lift[0] == {"top_share": 0.1, "clients": 1, "recall": pytest.approx(1 / 3),
                       "precision": 1.0, "lift": pytest.approx(10 / 3), "found": 1,
                       "declined": 3}
    assert lift[2]["recall"] == pytest.approx(2 / 3)
    assert (lift[2]["found"], lift[2]["declined"]) == (2, 3)  # page 1's «2 из 3», exactly


def test_save_and_load_model(run: model_module.ModelRun, clients: pd.DataFrame,
                             tmp_path: Path) -> None:
    path = save_model(run.final_model, tmp_path / "model.joblib")
    X = feature_frame(clients)
    assert decline_probability(load_model(path), X).equals(
        decline_probability(run.final_model, X))


def test_search_sample_and_cost_rule(clients: pd.DataFrame) -> None:
    params = FAST.model_copy(update={"search_sample": 200, "threshold_rule": "cost",
                                     "families": ("dummy", "logreg")})
    result = run_model(clients, params)
    r = result.results
    assert r["search_sample_size"] == 200
    assert r["in_sample_scores"] == r["train_size"] - 200
    assert r["threshold_rule"] == "cost"
    assert result.probability.notna().all()
    assert sorted(result.scorers[-1][1]) == sorted(
        result.test_ids.append(result.train_ids.difference(result.scorers[0][1].append(
            [ids for _, ids in result.scorers[1:-1]]))))


def test_large_export_restricts_families_and_bounds_the_fits(clients: pd.DataFrame) -> None:
    """Above ``large_export_clients``: linear/tree families only, fits on bounded samples."""
    params = FAST.model_copy(update={"large_export_clients": 250, "search_sample": 150,
                                     "fit_sample": 150, "cv_repeats": 2})
    assert model_module.candidate_families(params, 250) == FAST.families
    assert model_module.candidate_families(params, 251) == ("dummy", "logreg", "forest")
    result = run_model(clients, params)
    r = result.results
    assert [c["name"] for c in r["candidates"]] == ["dummy", "logreg", "forest"]
    assert r["large_export"] == {
        "threshold_clients": 250, "families": ["dummy", "logreg", "forest"],
        "excluded_families": ["knn"], "fit_sample_size": 150, "final_fit_size": 150,
        "cv_repeats": 1}
    # one repeat of the cross-validation, in the search and in the cross-fitting
    assert r["cv_repeats"] == 1 and len(r["cv_roc_auc_folds"]) == params.cv_folds
    assert all(t["n_folds"] == params.cv_folds for t in r["search_log"])
    # the hold-out model is fitted on the search sample: nobody is scored in-sample
    assert r["search_sample_size"] == 150 and r["in_sample_scores"] == 0
    assert result.probability.notna().all() and result.probability.index.equals(clients.index)
    # every client is scored, though the final model saw only 150 of them
    assert decline_probability(result.final_model, feature_frame(clients)).notna().all()
    assert "large_export" not in run_model(clients, FAST).results
