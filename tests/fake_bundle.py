"""A small but plausible results bundle for the figure tests.

The behaviour and segment parts come from the project's own analysis functions
on a real or demo export; the model part comes from a plain logistic
regression fitted here (a stand-in for ``analysis`` model selection, which the
figures never look inside), with linear SHAP values on the log-odds scale.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.tree import DecisionTreeClassifier

from analysis import glossary as g
from analysis.behaviour import stats
from analysis.config import Config, SegmentParams, StatsParams
from analysis.data.clients import load_export
from analysis.model.metrics import holdout_metrics
from analysis.results.contract import SCHEMA_VERSION
from analysis.segments.monthly import monthly_plan

SEED = 20240601
FEATURES = [f for f in (*g.NUMERIC, *g.CATEGORICAL)]


def _pipeline(estimator: Any) -> Pipeline:
    columns = ColumnTransformer([
        ("num", StandardScaler(), list(g.NUMERIC)),
        ("cat", OneHotEncoder(handle_unknown="ignore", sparse_output=False), list(g.CATEGORICAL)),
    ])
    return Pipeline([("prep", columns), ("model", estimator)])


def _candidates(x: pd.DataFrame, y: np.ndarray) -> list[dict[str, Any]]:
    families = {
        "dummy": ("Базовая модель (доля классов)", DummyClassifier(strategy="prior")),
        "tree": ("Дерево решений", DecisionTreeClassifier(max_depth=4, random_state=SEED)),
        "logreg": ("Логистическая регрессия", LogisticRegression(C=0.3, max_iter=500)),
    }
    rows = []
    for name, (label, estimator) in families.items():
        scores = cross_val_score(_pipeline(estimator), x, y, cv=5, scoring="roc_auc")
        rows.append({"name": name, "label_ru": label, "params": {}, "n_configs": 1,
                     "cv_roc_auc_mean": float(scores.mean()),
                     "cv_roc_auc_std": float(scores.std())})
    return rows


def _shap(model: Pipeline, x: pd.DataFrame) -> tuple[pd.DataFrame, float]:
    """Linear SHAP (log-odds) per source feature, and the base value."""
    prep, lr = model.named_steps["prep"], model.named_steps["model"]
    z = prep.transform(x)
    names = prep.get_feature_names_out()
    centred = (z - z.mean(axis=0)) * lr.coef_[0]
    base = float(lr.intercept_[0] + (z.mean(axis=0) * lr.coef_[0]).sum())
    source = [next(f for f in FEATURES if n.split("__", 1)[1].startswith(f)) for n in names]
    frame = pd.DataFrame(centred, index=x.index, columns=source)
    return frame.T.groupby(level=0, sort=False).sum().T[FEATURES], base


def _model_part(y_test: np.ndarray, p_test: np.ndarray,
                candidates: list[dict[str, Any]]) -> dict[str, Any]:
    """The ``model`` section: hold-out metrics (``analysis.model.metrics``) at a fixed threshold."""
    best = max(candidates, key=lambda c: c["cv_roc_auc_mean"])
    return {
        "best": best["name"], "best_label": best["label_ru"], "best_params": best["params"],
        "candidates": candidates, "cv_roc_auc_mean": best["cv_roc_auc_mean"],
        "cv_roc_auc_std": best["cv_roc_auc_std"], "threshold": 0.45,
        **holdout_metrics(y_test, p_test, 0.45, n_boot=200, seed=SEED),
    }


def _drivers(shap: pd.DataFrame, modelled: pd.DataFrame) -> list[dict[str, Any]]:
    declined = modelled[g.TARGET] == g.DECLINED
    rows = []
    for feature in shap.abs().mean().sort_values(ascending=False).index:
        numeric = feature not in g.CATEGORICAL
        rho = shap[feature].corr(modelled[feature], method="spearman") if numeric else 0.0
        rows.append({
            "feature": feature, "label": g.label(feature),
            "mean_abs_shap": float(shap[feature].abs().mean()),
            "direction": "low" if rho < 0 else "high" if rho > 0 else "category",
            "declined_median": float(modelled.loc[declined, feature].median()) if numeric
            else None,
            "stable_median": float(modelled.loc[~declined, feature].median()) if numeric
            else None})
    return rows


def _examples(shap: pd.DataFrame, base: float, p: pd.Series,
              modelled: pd.DataFrame) -> list[dict[str, Any]]:
    ranked = p.sort_values(kind="stable")
    picks = {"Клиент с высоким риском": ranked.index[-1],
             "Клиент со средним риском": ranked.index[len(ranked) // 2],
             "Клиент с низким риском": ranked.index[0]}
    return [{"id": int(i), "title": title, "base_value": base, "probability": float(p[i]),
             "contributions": [
                 {"feature": f, "label": g.label(f), "value": float(shap.loc[i, f]),
                  "client_value": modelled.loc[i, f].item()
                  if hasattr(modelled.loc[i, f], "item") else modelled.loc[i, f]}
                 for f in shap.columns]}
            for title, i in picks.items()]


def _trend() -> dict:
    """Three months of the trend (two archived, this run), so the page-1 strip is drawn."""
    from _trend_results import month_results

    from analysis.trend import History, PastRun, build_trend

    history = History((PastRun("2026-09", "r1", month_results(1300, 0.40, 0.90, None)),
                       PastRun("2026-10", "r1", month_results(1310, 0.36, 0.89, 0.10))))
    return build_trend(history, month_results(1320, 0.34, 0.91, 0.15), "2026-11")


def write_fake_bundle(export_dir: Path, out_dir: Path) -> Path:
    """Write ``results.json`` and ``tables/*.csv`` for ``export_dir`` into ``out_dir``."""
    data = load_export(export_dir)
    modelled = data.modelled
    y = (modelled[g.TARGET] == g.DECLINED).to_numpy(int)
    x = modelled[FEATURES]
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=0.25, stratify=y, random_state=SEED)
    model = _pipeline(LogisticRegression(C=0.3, max_iter=500)).fit(x_train, y_train)
    p = pd.Series(model.predict_proba(x)[:, 1], index=modelled.index)
    shap, base = _shap(model, x)
    tests = stats.behaviour_tests(modelled, StatsParams())
    segments, _ = monthly_plan(modelled, p, shap, pd.DataFrame(index=modelled.index),
                               Config(), "2026-11")
    code = {s["code"]: s["code"] for s in segments["segments"]}
    from analysis.segments.definitions import assign_segment, memberships

    chosen = assign_segment(memberships(modelled, p, SegmentParams())).map(code).fillna("")
    results = {
        "schema_version": SCHEMA_VERSION,
        "facts": {**stats.facts(data.clients, modelled),
                  "money": stats.money_scale(modelled, "тыс. ₽")},
        "behaviour": {
            "tests": stats.behaviour_records(tests),
            "breakdowns": stats.breakdowns(data.clients),
            "monthly": stats.monthly_profile(modelled),
            "phik": stats.phik_matrix(modelled, StatsParams(), SEED),
        },
        "model": _model_part(y_test, model.predict_proba(x_test)[:, 1],
                             _candidates(x_train, y_train)),
        "drivers": _drivers(shap, modelled),
        "shap": {"examples": _examples(shap, base, p, modelled)},
        "segments": segments,
        "params": {"profit_unit": "тыс. ₽"},
        "trend": _trend(),
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "tables").mkdir(exist_ok=True)
    text = json.dumps(results, ensure_ascii=False, indent=2, default=float)
    (out_dir / "results.json").write_text(text, encoding="utf-8")
    sample = modelled.assign(decline_probability=p, segment=chosen)
    sample.to_csv(out_dir / "tables" / "clients_sample.csv", float_format="%.6g")
    shap.to_csv(out_dir / "tables" / "shap_values.csv", float_format="%.6g")
    modelled[FEATURES].to_csv(out_dir / "tables" / "shap_features.csv", float_format="%.6g")
    return out_dir
