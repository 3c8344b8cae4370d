"""Behaviour of clients whose activity declined against those whose activity is stable.

Pure functions, no plotting, no I/O. Conventions used throughout:

* Numeric features: two-sided Mann–Whitney U (``scipy.stats.mannwhitneyu``,
  declined first). Effect size: rank-biserial correlation
  ``r = 2·U_declined / (n_declined·n_stable) − 1``, which equals Cliff's delta
  ``P(X_declined > X_stable) − P(X_declined < X_stable)`` (see ``cliffs_delta``).
  **Positive means declined clients have higher values.** Magnitude of ``|r|``
  by Romano et al. (2006): < 0.147 ``negligible``, < 0.33 ``small``,
  < 0.474 ``medium``, otherwise ``large`` (codes; the report words them).
* Categorical features: Pearson χ² test of independence without Yates'
  correction for every table size (``chi2_contingency(correction=False)``), so
  that the statistic and Cramér's V agree. Plain (not bias-corrected) Cramér's
  ``V = sqrt(χ² / (n·(min(r, c) − 1)))``. Magnitude by Cohen's (1988) cut-offs
  for ``w`` 0.1 / 0.3 / 0.5 divided by ``sqrt(min(r, c) − 1)``; against the
  two-class target that is 0.1 / 0.3 / 0.5.
* One multiple-testing correction over all tests (Holm or Benjamini–Hochberg,
  ``StatsParams.correction``); significant means ``p_adjusted <= alpha``.
* Floats are rounded to 6 significant digits (shares to 6 decimals); NaN
  becomes ``None`` in JSON-ready outputs.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as st

from analysis import glossary as g
from analysis.behaviour.correlation import id_leakage, phik_matrix
from analysis.config import StatsParams

__all__ = [
    "COLUMNS", "UNIT_IN_ROUBLES", "adjust_pvalues", "behaviour_records", "behaviour_tests",
    "breakdowns", "cliffs_delta", "cramers_v", "facts", "id_leakage", "magnitude",
    "money_scale", "monthly_profile", "phik_matrix", "rank_biserial",
]

MAGNITUDES = ("negligible", "small", "medium", "large")
RANK_BISERIAL_CUTS = (0.147, 0.33, 0.474)
CRAMERS_V_CUTS = (0.1, 0.3, 0.5)
PREMIUM, STANDARD, ALLOW = "премиум", "стандарт", "да"
BREAKDOWN_COLUMNS = (g.SERVICE, g.CATEGORY, g.PERMISSION)
COLUMNS = (
    "group", "feature", "label", "kind", "test", "statistic", "p_value", "p_adjusted",
    "significant", "effect_size", "effect_name", "effect_magnitude", "declined_median",
    "stable_median", "declined_mean", "stable_mean", "top_category", "top_category_share",
    "base_share",
)
_FLOATS = ("statistic", "p_value", "p_adjusted", "effect_size", "declined_median",
           "stable_median", "declined_mean", "stable_mean", "top_category_share", "base_share")


def _sig6(value: Any) -> float | None:
    """6 significant digits; ``None`` for missing or infinite values."""
    if value is None:
        return None
    value = float(value)
    return float(f"{value:.6g}") if math.isfinite(value) else None


def _share(hit: pd.Series, base: pd.Series) -> float | None:
    n = int(base.sum())
    return round(int((hit & base).sum()) / n, 6) if n else None


def adjust_pvalues(p_values: Any, method: str) -> np.ndarray:
    """Holm (``"holm"``) or Benjamini–Hochberg (``"fdr_bh"``) adjusted p-values.

    NaN p-values are left out of the family and stay NaN.
    """
    p = np.asarray(p_values, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    m = int(ok.sum())
    if m == 0:
        return out
    order = np.argsort(p[ok], kind="stable")
    ranked = p[ok][order]
    if method == "holm":
        adjusted = np.maximum.accumulate((m - np.arange(m)) * ranked)
    elif method == "fdr_bh":
        adjusted = np.minimum.accumulate((ranked * m / np.arange(1, m + 1))[::-1])[::-1]
    else:
        raise ValueError(f"unknown correction {method!r}")
    result = np.empty(m)
    result[order] = np.minimum(adjusted, 1.0)
    out[ok] = result
    return out


def rank_biserial(declined: np.ndarray, stable: np.ndarray) -> tuple[float, float, float]:
    """Mann–Whitney ``(U_declined, p, r)``; ``r > 0`` when declined clients have higher values."""
    result = st.mannwhitneyu(declined, stable, alternative="two-sided")
    r = 2.0 * float(result.statistic) / (len(declined) * len(stable)) - 1.0
    return float(result.statistic), float(result.pvalue), r


def cliffs_delta(declined: np.ndarray, stable: np.ndarray) -> float:
    """Cliff's delta ``P(X_d > X_s) − P(X_d < X_s)`` counted directly (equals rank-biserial)."""
    ys = np.sort(np.asarray(stable, dtype=float))
    x = np.asarray(declined, dtype=float)
    less = np.searchsorted(ys, x, side="left")
    greater = len(ys) - np.searchsorted(ys, x, side="right")
    return float((less - greater).sum()) / (len(x) * len(ys))


def cramers_v(table: Any) -> tuple[float, float, float, int]:
    """Pearson χ² (no Yates) on a contingency table: ``(chi2, p, V, min(r, c) − 1)``."""
    table = np.asarray(table, dtype=float)
    table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
    k = min(table.shape) - 1
    if k < 1:
        return math.nan, math.nan, math.nan, 0
    result = st.chi2_contingency(table, correction=False)
    v = math.sqrt(float(result.statistic) / (table.sum() * k))
    return float(result.statistic), float(result.pvalue), v, k


def magnitude(effect: float, cuts: tuple[float, float, float]) -> str | None:
    """Russian word for ``|effect|`` given the three cut-offs; ``None`` for NaN."""
    if not math.isfinite(effect):
        return None
    return MAGNITUDES[int(np.searchsorted(cuts, abs(effect), side="right"))]


def _numeric_row(values: pd.Series, declined: pd.Series) -> dict[str, Any]:
    x, y = values[declined].to_numpy(float), values[~declined].to_numpy(float)
    u, p, r = rank_biserial(x, y) if len(x) and len(y) else (math.nan,) * 3
    return {
        "kind": "numeric", "test": "mann_whitney", "statistic": u, "p_value": p,
        "effect_size": r, "effect_name": "rank_biserial",
        "effect_magnitude": magnitude(r, RANK_BISERIAL_CUTS),
        "declined_median": np.median(x) if len(x) else None,
        "stable_median": np.median(y) if len(y) else None,
        "declined_mean": x.mean() if len(x) else None,
        "stable_mean": y.mean() if len(y) else None,
    }


def _categorical_row(values: pd.Series, declined: pd.Series) -> dict[str, Any]:
    table = pd.crosstab(values.astype(str), declined).reindex(columns=[True, False], fill_value=0)
    chi2, p, v, k = cramers_v(table.to_numpy())
    shares = table[True] / table.sum(axis=1)
    base = float(declined.mean())
    top = (shares - base).abs().idxmax()
    cuts = tuple(c / math.sqrt(k) for c in CRAMERS_V_CUTS) if k else CRAMERS_V_CUTS
    return {
        "kind": "categorical", "test": "chi2", "statistic": chi2, "p_value": p,
        "effect_size": v, "effect_name": "cramers_v", "effect_magnitude": magnitude(v, cuts),
        "top_category": str(top), "top_category_share": float(shares[top]), "base_share": base,
    }


def _row(group: str, feature: str, modelled: pd.DataFrame) -> dict[str, Any]:
    frame = modelled[[feature, g.TARGET]].dropna()
    frame = frame[frame[g.TARGET].isin([g.DECLINED, g.STABLE])]
    declined = frame[g.TARGET] == g.DECLINED
    body = (_categorical_row if feature in g.CATEGORICAL else _numeric_row)(
        frame[feature], declined)
    return {"group": group, "feature": feature, "label": g.label(feature), **body}


def behaviour_tests(modelled: pd.DataFrame, params: StatsParams) -> pd.DataFrame:
    """Declined against stable clients, every feature of ``glossary.GROUPS``.

    One row per feature in glossary order (group, then feature), columns
    ``COLUMNS``. Numeric rows have NaN/None in the ``top_category*`` and
    ``base_share`` columns, categorical rows in the medians and means.
    ``top_category`` is the category whose decline share differs most from
    ``base_share`` (the decline share of all compared clients).
    """
    rows = [_row(group, feature, modelled)
            for group, features in g.GROUPS.items() for feature in features]
    frame = pd.DataFrame(rows).reindex(columns=list(COLUMNS))
    adjusted = adjust_pvalues(frame["p_value"].to_numpy(float), params.correction)
    frame["p_adjusted"] = adjusted
    frame["significant"] = np.nan_to_num(adjusted, nan=1.0) <= params.alpha
    for column in _FLOATS:
        frame[column] = [np.nan if (v := _sig6(x)) is None else v for x in frame[column]]
    return frame


def behaviour_records(tests: pd.DataFrame) -> list[dict[str, Any]]:
    """``behaviour_tests`` as JSON-ready records (plain types, ``None`` for NaN)."""
    def plain(column: str, value: Any) -> Any:
        if column in _FLOATS:
            return _sig6(value) if pd.notna(value) else None
        if column == "significant":
            return bool(value)
        return None if value is None or (isinstance(value, float) and math.isnan(value)) \
            else str(value)
    return [{c: plain(c, row[c]) for c in COLUMNS} for _, row in tests.iterrows()]


def facts(clients_all: pd.DataFrame, modelled: pd.DataFrame) -> dict[str, Any]:
    """Headline facts. Shares are over **all clients read** (``base: "all"``),
    except ``decline_share_modelled``, which is over the modelled clients."""
    declined = clients_all[g.TARGET] == g.DECLINED
    allow = clients_all[g.PERMISSION] == ALLOW
    everyone = pd.Series(True, index=clients_all.index)
    out: dict[str, Any] = {
        "base": "all",
        "clients_total": len(clients_all),
        "clients_modelled": len(modelled),
        "clients_excluded": len(clients_all) - len(modelled),
        "declined": int(declined.sum()),
        "decline_share": _share(declined, everyone),
        "declined_modelled": int((modelled[g.TARGET] == g.DECLINED).sum()),
        "decline_share_modelled": _share(modelled[g.TARGET] == g.DECLINED,
                                         pd.Series(True, index=modelled.index)),
    }
    for name, value in (("premium", PREMIUM), ("standard", STANDARD)):
        service = clients_all[g.SERVICE] == value
        out[f"{name}_clients"] = int(service.sum())
        out[f"{name}_allow_messages_share"] = _share(allow, service)
        out[f"{name}_decline_share"] = _share(declined, service)
    return out


UNIT_IN_ROUBLES: dict[str, float] = {"₽": 1.0, "руб.": 1.0, "тыс. ₽": 1e3, "тыс. руб.": 1e3,
                                     "млн ₽": 1e6, "млн руб.": 1e6}
"""Roubles in one unit of profit, for the units ``profit_unit`` may name."""


def money_scale(modelled: pd.DataFrame, profit_unit: str) -> dict[str, Any]:
    """What the assumed unit of ``Прибыль`` implies: typical profit against typical revenue.

    The export states no unit for profit (``money.csv``), while revenue is in
    roubles. With the assumed ``profit_unit``, the median client's monthly
    profit divided by the median client's monthly revenue (the mean of the
    three months) is the profit's share of revenue it implies
    (``profit_to_revenue``; ``None`` for a unit not in :data:`UNIT_IN_ROUBLES`
    or without revenue). An implausible share says the unit may be wrong.
    """
    revenue = modelled[list(g.REVENUE_COLUMNS)].astype(float).mean(axis=1).median()
    profit = modelled[g.PROFIT].astype(float).median()
    scale = UNIT_IN_ROUBLES.get(" ".join(profit_unit.split()))
    ratio = (profit * scale / revenue if scale is not None and pd.notna(revenue)
             and revenue > 0 and pd.notna(profit) else None)
    return {"profit_unit": profit_unit, "profit_median": _sig6(profit),
            "revenue_median": _sig6(revenue), "revenue_unit": "₽",
            "unit_in_roubles": scale, "profit_to_revenue": _sig6(ratio)}


def _breakdown(clients_all: pd.DataFrame, column: str) -> dict[str, Any]:
    frame = pd.DataFrame({"value": clients_all[column].astype(str),
                          "declined": clients_all[g.TARGET] == g.DECLINED})
    counts = frame.groupby("value", sort=True)["declined"].agg(["size", "sum"])
    rows = [{"value": str(v), "clients": int(n), "declined": int(d),
             "decline_share": round(int(d) / int(n), 6)} for v, (n, d) in counts.iterrows()]
    rows.sort(key=lambda r: (-r["decline_share"], r["value"]))
    return {"feature": column, "label": g.label(column), "rows": rows}


def breakdowns(clients_all: pd.DataFrame) -> dict[str, Any]:
    """Decline share and counts by service type, category and message permission.

    Over all clients read; rows sorted by decline share (highest first), then value.
    Shape: ``{"base": "all", "overall": {"clients", "declined", "decline_share"},
    "features": [{"feature", "label", "rows": [{"value", "clients", "declined",
    "decline_share"}]}]}``.
    """
    declined = clients_all[g.TARGET] == g.DECLINED
    overall = {"clients": len(clients_all), "declined": int(declined.sum()),
               "decline_share": _share(declined, pd.Series(True, index=clients_all.index))}
    return {"base": "all", "overall": overall,
            "features": [_breakdown(clients_all, c) for c in BREAKDOWN_COLUMNS]}


def _profile(modelled: pd.DataFrame, columns: tuple[str, ...], periods: tuple[str, ...],
             unit: str) -> dict[str, Any]:
    series = []
    for target in (g.DECLINED, g.STABLE):
        rows = modelled.loc[modelled[g.TARGET] == target, list(columns)]
        series.append({"target": target, "clients": len(rows),
                       "means": [_sig6(rows[c].mean()) for c in columns]})
    return {"columns": list(columns), "periods": list(periods),
            "labels": [g.label(c) for c in columns], "unit": unit, "series": series}


def monthly_profile(modelled: pd.DataFrame) -> dict[str, Any]:
    """Mean revenue and minutes per month for declined and stable clients.

    Shape: ``{"revenue" | "minutes": {"columns": [str], "periods": [str], "labels": [str],
    "unit": str, "series": [{"target": "Снизилась" | "Прежний уровень", "clients": int,
    "means": [float | None]}]}}``; periods oldest first.
    """
    return {
        "revenue": _profile(modelled, g.REVENUE_COLUMNS, g.MONTHS, "₽"),
        "minutes": _profile(modelled, g.MINUTES_COLUMNS, g.TIME_MONTHS, "мин"),
    }
