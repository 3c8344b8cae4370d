"""Drivers and each client's reasons as records, computed from the data.

No words here: a driver carries a direction code, a reason carries the
feature, the side of the reference the client is on, the client's value and
the reference value; :mod:`report.text.reasons` words them.

Direction codes of a driver: ``low`` (the lower the value, the higher the
risk), ``high`` (the higher, the riskier), ``ambiguous`` (|r| below
``MIN_CORRELATION``), ``category`` (a categorical feature; ``level`` holds its
riskiest value).

Reason fields per rank ``k`` (``reason_k_<field>``, see :data:`REASON_FIELDS`):
``feature`` (export column, ``""`` for none), ``side`` (``low``/``high``:
the driver's direction, which is also the side of the stable median the
client's value lies on; ``category`` for a categorical feature), ``value`` (the
client's value), ``reference`` (stable median; for a category, the decline
share of all clients) and ``share`` (for a category, the decline share of
clients with the client's value; NaN otherwise).

One feature, one wording (:func:`reason_frame`): a feature is a reason of a
client only when its SHAP value raises the client's risk *and* the client's
value lies on the side where the feature raises risk for clients in general
(the driver's direction, from the sign of its SHAP values over all clients).
So «мало страниц за визит» never meets «много страниц за визит» in one action
list: a model with interactions (boosting, forests) can give a client a
positive SHAP value on the "safe" side of a feature, and such a value, or one
of a feature whose direction is ``ambiguous``, is not worded as a reason; the
client's next feature takes its place. A categorical value is a reason only
when its decline share is above the average one (the wording says so).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from analysis import glossary as g
from analysis.model.features import MODEL_FEATURES
from analysis.model.metrics import r6

__all__ = [
    "DIRECTIONS",
    "REASON_FIELDS",
    "TOP_REASONS",
    "driver_table",
    "example_record",
    "reason_columns",
    "reason_frame",
    "reference_client",
    "risky_side",
    "value_json",
]

DIRECTIONS = ("low", "high", "ambiguous", "category")
REASON_FIELDS = ("feature", "side", "value", "reference", "share")
MIN_CORRELATION = 0.1
TOP_REASONS = 3


def reason_columns(k: int) -> dict[str, str]:
    """Field → column name of the ``k``-th reason (1-based): ``reason_1_feature`` …"""
    return {field: f"reason_{k}_{field}" for field in REASON_FIELDS}


def value_json(value: Any) -> Any:
    """A feature value as plain JSON: int when whole, float rounded to 6 decimals, or text."""
    if isinstance(value, str):
        return value
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    number = float(value)
    return int(number) if number.is_integer() else r6(number)


def _is_numeric(feature: str) -> bool:
    return feature in g.NUMERIC


def reference_client(X: pd.DataFrame, y: pd.Series) -> pd.Series:
    """The typical stable client: medians (numeric) and most common values (categorical)."""
    stable = X[y.to_numpy() == 0]
    values = {}
    for f in MODEL_FEATURES:
        if _is_numeric(f):
            values[f] = float(stable[f].median())
        else:
            counts = stable[f].value_counts()
            values[f] = sorted(counts.index[counts == counts.max()])[0]
    return pd.Series(values, dtype=object)


def driver_table(shap_values: pd.DataFrame, X: pd.DataFrame, y: pd.Series
                 ) -> list[dict[str, Any]]:
    """Global drivers by mean |SHAP|, with direction code and the declined/stable contrast.

    One row per column of ``shap_values`` (the explained features).

    Direction of a numeric feature: the sign of the correlation between its
    value and its SHAP value over the explained sample (|r| < 0.1: ambiguous).
    For a categorical feature: the value with the highest mean SHAP value.
    """
    sample = X.loc[shap_values.index]
    declined, stable = X[y.to_numpy() == 1], X[y.to_numpy() == 0]
    rows = []
    for f in shap_values.columns:
        contrib = shap_values[f].to_numpy(dtype=float)
        row: dict[str, Any] = {"feature": f, "label": g.label(f),
                               "kind": "numeric" if _is_numeric(f) else "categorical",
                               "mean_abs_shap": float(np.abs(contrib).mean())}
        if _is_numeric(f):
            values = sample[f].to_numpy(dtype=float)
            corr = 0.0
            if values.std() > 0 and contrib.std() > 0:
                corr = float(np.corrcoef(values, contrib)[0, 1])
            row["direction"] = ("ambiguous" if abs(corr) < MIN_CORRELATION
                                else "low" if corr < 0 else "high")
            row |= {"correlation": r6(corr), "declined_median": value_json(declined[f].median()),
                    "stable_median": value_json(stable[f].median()), "level": None,
                    "level_decline_share": None, "decline_share": None}
        else:
            by_level = pd.Series(contrib, index=sample.index).groupby(sample[f]).mean()
            level = str(by_level.sort_index().idxmax())
            row["direction"] = "category"
            row |= {"correlation": None, "declined_median": None, "stable_median": None,
                    "level": level,
                    "level_decline_share": r6(y[X[f] == level].mean()),
                    "decline_share": r6(y.mean())}
        rows.append(row)
    rows.sort(key=lambda r: -r["mean_abs_shap"])
    for row in rows:
        row["mean_abs_shap"] = r6(row["mean_abs_shap"])
    return rows


def _numeric_fields(values: pd.Series, median: float, direction: str) -> dict[str, Any]:
    return {"side": direction, "value": values.to_numpy(dtype=object), "reference": median,
            "share": np.nan}


def _categorical_fields(values: pd.Series, rates: pd.Series, overall: float) -> dict[str, Any]:
    share = values.map(lambda v: float(rates.get(v, overall)))
    return {"side": "category", "value": values.to_numpy(dtype=object), "reference": overall,
            "share": share.to_numpy(dtype=float)}


def _empty_reasons(n: int) -> dict[str, np.ndarray]:
    columns: dict[str, np.ndarray] = {}
    for k in range(1, TOP_REASONS + 1):
        names = reason_columns(k)
        columns |= {names["feature"]: np.full(n, "", dtype=object),
                    names["side"]: np.full(n, "", dtype=object),
                    names["value"]: np.full(n, None, dtype=object),
                    names["reference"]: np.full(n, np.nan),
                    names["share"]: np.full(n, np.nan)}
    return columns


def risky_side(values: pd.Series, feature: str, direction: str, median: float,
               rates: pd.Series | None = None, overall: float = math.nan) -> np.ndarray:
    """Whether each value lies where ``feature`` raises risk for clients in general.

    Numeric: strictly below (``low``) or above (``high``) the stable median;
    never for an ``ambiguous`` direction. Categorical: the value's decline
    share (``rates``) is above ``overall``.
    """
    if not _is_numeric(feature):
        share = values.map(lambda v: float(rates.get(v, overall)) if rates is not None
                           else overall)
        return (share > overall).to_numpy(dtype=bool)
    numbers = values.astype(float)
    if direction == "low":
        return (numbers < median).to_numpy(dtype=bool)
    if direction == "high":
        return (numbers > median).to_numpy(dtype=bool)
    return np.zeros(len(values), dtype=bool)


def _eligible(contributions: pd.DataFrame, X: pd.DataFrame, y: pd.Series,
              direction: dict[str, str]) -> np.ndarray:
    """Clients × features: the SHAP value is positive and on the feature's risky side."""
    stable = X[y.to_numpy() == 0]
    overall = float(y.mean())
    values = X.loc[contributions.index]
    sides = [risky_side(values[f], f, direction.get(f, "ambiguous"),
                        float(stable[f].median()) if _is_numeric(f) else math.nan,
                        None if _is_numeric(f) else y.groupby(X[f]).mean(), overall)
             for f in contributions.columns]
    return (contributions.to_numpy(dtype=float) > 0) & np.column_stack(sides)


def reason_frame(contributions: pd.DataFrame, X: pd.DataFrame, y: pd.Series,
                 drivers: list[dict[str, Any]]) -> pd.DataFrame:
    """Up to three features pushing each client toward decline, as reason records.

    ``contributions`` are the clients' SHAP values (one column per explained
    feature): a reason is a feature with a positive value whose client value
    lies on the feature's risky side (see the module docstring), largest
    value first, so a reason never names a feature that lowers the client's
    risk and one feature is always worded the same way. Columns
    ``reason_k_<field>`` for ``k`` = 1 … 3 and the fields of
    :data:`REASON_FIELDS`; a client with fewer such features has ``""``
    features in the remaining ranks.
    """
    features = list(contributions.columns)
    direction = {d["feature"]: d["direction"] for d in drivers}
    eligible = _eligible(contributions, X, y, direction)
    values = np.where(eligible, contributions.to_numpy(dtype=float), -np.inf)
    order = np.argsort(-values, axis=1, kind="stable")[:, :TOP_REASONS]
    positive = np.take_along_axis(eligible, order, axis=1)
    stable = X[y.to_numpy() == 0]
    overall = float(y.mean())
    out = _empty_reasons(len(contributions))
    for j, f in enumerate(features):
        hit = (order == j) & positive
        rows = np.flatnonzero(hit.any(axis=1))
        if not len(rows):
            continue
        client_values = X.loc[contributions.index[rows], f]
        if _is_numeric(f):
            fields = _numeric_fields(client_values.astype(float), float(stable[f].median()),
                                     direction[f])
        else:
            fields = _categorical_fields(client_values, y.groupby(X[f]).mean(), overall)
        fields = {"feature": f, **fields}
        for k in range(TOP_REASONS):
            at = hit[rows, k]
            for field, column in reason_columns(k + 1).items():
                value = fields[field]
                out[column][rows[at]] = value[at] if isinstance(value, np.ndarray) else value
    return pd.DataFrame(out, index=contributions.index)


def example_record(cid: Any, kind: str, probability: float, base: float,
                   contributions: pd.Series, client: pd.Series) -> dict[str, Any]:
    """Waterfall data of one example client (``kind``: highest, borderline, lowest, quantile).

    ``contributions`` are SHAP values by export column; in the output each has
    ``value`` (the SHAP value) and ``client_value`` (the client's feature
    value), ordered by |SHAP| descending.
    """
    ranked = contributions.abs().sort_values(ascending=False, kind="stable").index
    return {
        "id": int(cid), "kind": kind,
        "probability": r6(probability), "base_value": r6(base),
        "output_value": r6(base + float(contributions.sum())),
        "contributions": [{"feature": f, "label": g.label(f), "value": r6(contributions[f]),
                           "client_value": value_json(client[f])} for f in ranked],
    }
