"""Russian wording of the drivers and of each client's reasons, computed from the data.

Numbers follow Russian typography: decimal comma, a narrow no-break space
between thousands in numbers of five digits or more, the minus sign «−», whole
numbers without decimals, other numbers with at most two decimals, «%» after a
no-break space.
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
    "driver_table",
    "example_record",
    "fmt_number",
    "fmt_percent",
    "output_label",
    "reason_frame",
    "reference_client",
    "value_json",
]

NNBSP, NBSP, MINUS = "\u202f", "\u00a0", "\u2212"
LOWER_RISK, HIGHER_RISK = "чем меньше, тем выше риск", "чем больше, тем выше риск"
AMBIGUOUS = "связь неоднозначна"
MIN_CORRELATION = 0.1
TOP_REASONS = 3


def _round_half_up(x: float) -> int:
    return math.floor(x + 0.5)


def fmt_number(value: Any, decimals: int = 2) -> str:
    """``4971.6`` → «4971,6», ``12345`` → «12 345», ``-3.0`` → «−3»."""
    v = float(value)
    if not math.isfinite(v):
        return "—"
    v = round(v, decimals) + 0.0
    text = f"{abs(v):,.0f}" if v.is_integer() else f"{abs(v):,.{decimals}f}".rstrip("0")
    integer, _, fraction = text.partition(".")
    digits = integer.replace(",", "")
    integer = integer.replace(",", NNBSP) if len(digits) >= 5 else digits
    return (MINUS if v < 0 else "") + integer + (f",{fraction}" if fraction else "")


def fmt_percent(share: float) -> str:
    """``0.383`` → «38 %»."""
    return f"{_round_half_up(float(share) * 100)}{NBSP}%"


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


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def driver_table(shap_values: pd.DataFrame, X: pd.DataFrame, y: pd.Series
                 ) -> list[dict[str, Any]]:
    """Global drivers by mean |SHAP|, with direction and the declined/stable contrast.

    Direction of a numeric feature: the sign of the correlation between its
    value and its SHAP value over the explained sample (|r| < 0.1: ambiguous).
    For a categorical feature: the value with the highest mean SHAP value.
    """
    sample = X.loc[shap_values.index]
    declined, stable = X[y.to_numpy() == 1], X[y.to_numpy() == 0]
    rows = []
    for f in MODEL_FEATURES:
        contrib = shap_values[f].to_numpy(dtype=float)
        row: dict[str, Any] = {"feature": f, "label": g.label(f),
                               "kind": "numeric" if _is_numeric(f) else "categorical",
                               "mean_abs_shap": float(np.abs(contrib).mean())}
        if _is_numeric(f):
            values = sample[f].to_numpy(dtype=float)
            corr = 0.0
            if values.std() > 0 and contrib.std() > 0:
                corr = float(np.corrcoef(values, contrib)[0, 1])
            row["direction"] = (AMBIGUOUS if abs(corr) < MIN_CORRELATION
                                else LOWER_RISK if corr < 0 else HIGHER_RISK)
            row |= {"correlation": r6(corr), "declined_median": value_json(declined[f].median()),
                    "stable_median": value_json(stable[f].median()), "level": None,
                    "level_decline_share": None, "decline_share": None}
        else:
            by_level = pd.Series(contrib, index=sample.index).groupby(sample[f]).mean()
            level = str(by_level.sort_index().idxmax())
            row["direction"] = f"выше риск при значении «{level}»"
            row |= {"correlation": None, "declined_median": None, "stable_median": None,
                    "level": level,
                    "level_decline_share": r6(y[X[f] == level].mean()),
                    "decline_share": r6(y.mean())}
        rows.append(row)
    rows.sort(key=lambda r: -r["mean_abs_shap"])
    for row in rows:
        row["mean_abs_shap"] = r6(row["mean_abs_shap"])
    return rows


def _numeric_texts(f: str, values: pd.Series, median: float, direction: str) -> pd.Series:
    term = g.GLOSSARY.get(f, g.Term(f, f"низкое значение «{f}»", f"высокое значение «{f}»"))
    unit = f"{NBSP}{term.unit}" if term.unit else ""
    equal_side = term.low if direction == LOWER_RISK else term.high
    phrase = np.where(values < median, term.low, np.where(values > median, term.high, equal_side))
    shown = {v: fmt_number(v) for v in values.unique()}
    ref = fmt_number(median)
    texts = [f"{p}: {shown[v]}{unit} против {ref}{unit} у стабильных клиентов"
             for p, v in zip(phrase, values, strict=True)]
    return pd.Series(texts, index=values.index)


def _categorical_texts(f: str, values: pd.Series, rates: pd.Series, overall: float
                       ) -> pd.Series:
    name = _lower_first(g.label(f))
    texts = {v: (f"{name} «{v}»: снижение у {fmt_percent(rates.get(v, overall))} таких "
                 f"клиентов против {fmt_percent(overall)} в среднем") for v in values.unique()}
    return values.map(texts)


def reason_frame(contributions: pd.DataFrame, X: pd.DataFrame, y: pd.Series,
                 drivers: list[dict[str, Any]]) -> pd.DataFrame:
    """Up to three features pushing each client toward decline, with Russian wording."""
    features = list(MODEL_FEATURES)
    values = contributions[features].to_numpy(dtype=float)
    order = np.argsort(-values, axis=1, kind="stable")[:, :TOP_REASONS]
    positive = np.take_along_axis(values, order, axis=1) > 0
    direction = {d["feature"]: d["direction"] for d in drivers}
    stable = X[y.to_numpy() == 0]
    overall = float(y.mean())
    out = pd.DataFrame("", index=contributions.index,
                       columns=[f"{p}_{k + 1}" for k in range(TOP_REASONS)
                                for p in ("driver", "reason")])
    for j, f in enumerate(features):
        hit = (order == j) & positive
        rows = hit.any(axis=1)
        if not rows.any():
            continue
        client_values = X.loc[contributions.index[rows], f]
        if _is_numeric(f):
            texts = _numeric_texts(f, client_values.astype(float), float(stable[f].median()),
                                   direction.get(f, AMBIGUOUS))
        else:
            texts = _categorical_texts(f, client_values, y.groupby(X[f]).mean(), overall)
        for k in range(TOP_REASONS):
            at = hit[rows, k]
            ids = client_values.index[at]
            out.loc[ids, f"driver_{k + 1}"] = f
            out.loc[ids, f"reason_{k + 1}"] = texts.loc[ids].to_numpy()
    return out


_TITLES = {"highest": "с наибольшим риском", "borderline": "у порога решения",
           "lowest": "с наименьшим риском", "quantile": ""}


def output_label(estimator: Any) -> str:
    """What the explained score is, in words."""
    name = type(estimator).__name__
    if name in ("LogisticRegression", "HistGradientBoostingClassifier"):
        return "логарифм шансов снижения (до калибровки)"
    if name in ("SVC", "LinearSVC"):
        return "отступ SVM (до калибровки)"
    return "доля снижения по модели (до калибровки)"


def _shown(feature: str, value: Any) -> str:
    if isinstance(value, str):
        return f"«{value}»"
    term = g.GLOSSARY.get(feature)
    unit = f"{NBSP}{term.unit}" if term and term.unit else ""
    return f"{fmt_number(value)}{unit}"


def example_record(cid: Any, kind: str, probability: float, base: float,
                   contributions: pd.Series, client: pd.Series) -> dict[str, Any]:
    """Waterfall data of one example client, with a title and a one-line summary.

    ``contributions`` are SHAP values by export column; in the output each has
    ``value`` (the SHAP value) and ``client_value`` (the client's feature value).
    """
    ranked = contributions.abs().sort_values(ascending=False, kind="stable").index
    title = f"Клиент {int(cid)} {_TITLES.get(kind, '')}".strip()
    up = [f"«{g.label(f)}» ({_shown(f, client[f])})" for f in ranked if contributions[f] > 0]
    down = [f"«{g.label(f)}» ({_shown(f, client[f])})" for f in ranked if contributions[f] < 0]
    parts = ([f"риск сильнее всего повышают {', '.join(up[:2])}"] if up else []) + (
        [f"снижают {', '.join(down[:2])}"] if down else [])
    summary = f"{title}: вероятность снижения {fmt_percent(probability)}"
    summary += (f"; {'; '.join(parts)}." if parts else ".")
    return {
        "id": int(cid), "kind": kind, "title": title, "summary": summary,
        "probability": r6(probability), "base_value": r6(base),
        "output_value": r6(base + float(contributions.sum())),
        "contributions": [{"feature": f, "label": g.label(f), "value": r6(contributions[f]),
                           "client_value": value_json(client[f])} for f in ranked],
    }
