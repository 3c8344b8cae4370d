"""Inputs for the segment, offer and action-list tests, independent of the model stage.

``toy_clients`` is a small hand-controlled client table; ``standin_model`` is a
plain cross-validated logistic regression that stands in for the project's
calibrated model and SHAP explainer (standardised feature × coefficient).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from analysis import glossary as g

REAL_EXPORT = Path(__file__).resolve().parents[2] / "shared" / "data" / "one-click"
STANDIN_FEATURES = (
    "Страниц_за_визит", "Минут_предыдущий_месяц", "Минут_текущий_месяц",
    "Средний_просмотр_категорий_за_визит", g.PROMO, "Маркет_актив_6_мес",
    "Неоплаченные_продукты_штук_квартал", "Ошибка_сервиса")
CATEGORIES = ("Мелкая бытовая техника и электроника", "Техника для красоты и здоровья",
              "Товары для детей", "Домашний текстиль")


def toy_clients(n: int = 240, seed: int = 3) -> pd.DataFrame:
    """Clients whose decline goes with few pages, short visits and many promo purchases."""
    rng = np.random.default_rng(seed)
    declined = rng.random(n) < 0.4
    frame = pd.DataFrame(index=pd.Index(np.arange(1000, 1000 + n), name="id"))
    for column in g.NUMERIC:
        frame[column] = rng.normal(10, 2, n).round(1)
    frame["Страниц_за_визит"] = np.where(declined, rng.integers(1, 7, n), rng.integers(6, 15, n))
    frame["Минут_текущий_месяц"] = np.where(declined, rng.integers(5, 12, n),
                                            rng.integers(10, 20, n))
    frame[g.PROMO] = np.where(declined & (rng.random(n) < 0.5), rng.uniform(0.6, 1, n),
                              rng.uniform(0.1, 0.4, n)).round(2)
    frame["Ошибка_сервиса"] = rng.integers(0, 8, n)
    frame[g.TARGET] = np.where(declined, g.DECLINED, g.STABLE)
    frame[g.SERVICE] = np.where(rng.random(n) < 0.35, "премиум", "стандарт")
    frame[g.PERMISSION] = np.where(rng.random(n) < 0.6, "да", "нет")
    frame[g.CATEGORY] = rng.choice(CATEGORIES, n)
    frame[g.PROFIT] = rng.uniform(1, 7, n).round(2)
    return frame


def standin_model(clients: pd.DataFrame) -> tuple[pd.Series, pd.DataFrame]:
    """Cross-validated probability and linear SHAP stand-ins.

    Returns
    -------
    probability : pandas.Series
        ``decline_probability``, out-of-fold, index ``id``.
    shap : pandas.DataFrame
        Standardised feature × coefficient of a model fitted on all clients.
    """
    x = clients[list(STANDIN_FEATURES)].astype(float)
    z = (x - x.mean()) / x.std(ddof=0)
    y = clients[g.TARGET].eq(g.DECLINED).astype(int).to_numpy()
    model = LogisticRegression(max_iter=1000)
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    probability = cross_val_predict(model, z, y, cv=folds, method="predict_proba")[:, 1]
    model.fit(z, y)
    shap = z * model.coef_[0]
    return pd.Series(probability, index=clients.index, name="decline_probability"), shap


def empty_reasons(clients: pd.DataFrame) -> pd.DataFrame:
    """Reason records with a first reason (few pages per visit) for every other client."""
    from analysis.explain.reasons import TOP_REASONS, reason_columns

    odd = [bool(i % 2) for i in range(len(clients))]
    frame = {}
    for k in range(1, TOP_REASONS + 1):
        names = reason_columns(k)
        first = k == 1
        frame |= {
            names["feature"]: ["Страниц_за_визит" if first and o else "" for o in odd],
            names["side"]: ["low" if first and o else "" for o in odd],
            names["value"]: [3.0 if first and o else None for o in odd],
            names["reference"]: [5.0 if first and o else float("nan") for o in odd],
            names["share"]: float("nan")}
    return pd.DataFrame(frame, index=clients.index)


def toy_action_list(n: int, seed: int, period: str) -> pd.DataFrame:
    """The action list of ``toy_clients(n, seed)`` under the stand-in model, default parameters."""
    from analysis.config import DecisionParams, SegmentParams
    from analysis.segments.actions import action_list
    from analysis.segments.build import build_segments
    from analysis.segments.decision import run_seed

    clients = toy_clients(n, seed=seed)
    probability, shap = standin_model(clients)
    params = SegmentParams()
    segments = build_segments(clients, probability, shap, params)
    return action_list(clients, probability, empty_reasons(clients), segments, params,
                       DecisionParams(), run_seed(1, period))
