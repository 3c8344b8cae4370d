"""What changed since the previous report: data drift, model, segments, risk moves.

Pure functions of frames and of results dicts; reading the previous revision is
:mod:`analysis.comparison`'s job. The report's sentences are written by
``report.text.changes`` from the JSON-ready dicts returned here.

Drift of one feature (previous distribution → current distribution):

* **PSI** (population stability index),
  ``PSI = Σ (c_i − p_i) · ln(c_i / p_i)`` over bins ``i``, where ``p_i`` and
  ``c_i`` are the shares of previous and current clients in the bin.

  - numeric features: 10 quantile bins cut at the deciles of the *previous*
    distribution (right-closed, the outer bins open to ±∞). Tied deciles
    (discrete features such as service errors) are merged, so such a feature
    may have fewer than 10 bins;
  - categorical features: one bin per value seen in either month.

  A share of exactly 0 (an empty bin, a new or a vanished category) is replaced
  by :data:`PSI_EPSILON` = 0.0001 before the logarithm, so that PSI stays
  finite; mass moving into a bin that was empty then weighs ``ln(c / 0.0001)``.
  Level by PSI with :class:`~analysis.config.CompareParams`:
  below ``psi_warn`` ``stable``, below ``psi_alert`` ``moderate``,
  otherwise ``strong`` (:data:`LEVELS`). The level uses PSI only, because it measures
  the *size* of the shift independently of the number of clients.

* **A test**, reported beside PSI and flagged when ``p < ks_alpha``:
  the two-sample Kolmogorov–Smirnov test (:func:`scipy.stats.ks_2samp`) for
  numeric features, the chi-squared test of the 2 × K table of counts
  (previous vs current, :func:`scipy.stats.chi2_contingency`, Yates'
  correction only when K = 2) for categorical ones. With thousands of clients
  these tests flag shifts too small to matter; that is why they do not decide
  the level.

The previous distribution comes from the previous revision's
``tables/clients_sample.csv``: the modelled clients, or a stratified sample of
at most 5,000 of them; the output says which (``data``). A rare category can
then look "new" only because the sample missed it.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps

from analysis import glossary as g
from analysis.config import CompareParams

__all__ = [
    "LEVELS",
    "PSI_BINS",
    "PSI_EPSILON",
    "category_changes",
    "decline_shares",
    "drift_level",
    "feature_drift",
    "model_summary",
    "moved_to_high_risk",
    "psi_categorical",
    "psi_numeric",
    "score_previous_model",
    "segment_changes",
]

PSI_BINS = 10
PSI_EPSILON = 1e-4
MAX_IDS = 50
MAX_REASON_CHARS = 300
LEVELS = ("stable", "moderate", "strong", "unknown")
DRIFT_NUMERIC: tuple[str, ...] = (*g.NUMERIC, g.PROFIT)
DRIFT_CATEGORICAL: tuple[str, ...] = g.CATEGORICAL
_HIGH = "high"
_LOWER = ("medium", "low")


# --------------------------------------------------------------------------- helpers


def _r6(value: Any) -> float | None:
    """A plain float rounded to 6 decimals (no ``-0.0``); NaN/inf/None → None."""
    if value is None:
        return None
    value = float(value)
    if not math.isfinite(value):
        return None
    rounded = round(value, 6)
    return 0.0 if rounded == 0 else rounded


def _reason(exc: BaseException) -> str:
    text = " ".join(f"{type(exc).__name__}: {exc}".split())
    return text if len(text) <= MAX_REASON_CHARS else text[:MAX_REASON_CHARS - 1] + "…"


def drift_level(psi: float | None, params: CompareParams) -> str:
    """``stable`` / ``moderate`` / ``strong`` by the PSI thresholds; ``unknown`` for None."""
    if psi is None:
        return "unknown"
    if psi >= params.psi_alert:
        return "strong"
    if psi >= params.psi_warn:
        return "moderate"
    return "stable"


def _psi(prev_share: np.ndarray, cur_share: np.ndarray) -> float:
    p = np.where(prev_share > 0, prev_share, PSI_EPSILON)
    c = np.where(cur_share > 0, cur_share, PSI_EPSILON)
    return float(np.sum((c - p) * np.log(c / p)))


def _numbers(values: pd.Series) -> np.ndarray:
    numeric = pd.to_numeric(values, errors="coerce").astype(float)
    return numeric[np.isfinite(numeric)].to_numpy()


def _labels(values: pd.Series) -> pd.Series:
    return values.dropna().astype(str)


def psi_numeric(previous: np.ndarray, current: np.ndarray, bins: int = PSI_BINS) -> float | None:
    """PSI over quantile bins of ``previous`` (module docstring); None if a side is empty."""
    previous, current = np.asarray(previous, float), np.asarray(current, float)
    if previous.size == 0 or current.size == 0:
        return None
    inner = np.unique(np.quantile(previous, np.linspace(0, 1, bins + 1)[1:-1]))
    prev_counts = np.bincount(np.searchsorted(inner, previous, side="left"),
                              minlength=inner.size + 1)
    cur_counts = np.bincount(np.searchsorted(inner, current, side="left"),
                             minlength=inner.size + 1)
    return _psi(prev_counts / previous.size, cur_counts / current.size)


def psi_categorical(previous: pd.Series, current: pd.Series) -> float | None:
    """PSI over the values seen in either series; None if a side is empty."""
    prev, cur = _labels(previous), _labels(current)
    if prev.empty or cur.empty:
        return None
    values = sorted(set(prev) | set(cur))
    p = prev.value_counts().reindex(values, fill_value=0).to_numpy() / len(prev)
    c = cur.value_counts().reindex(values, fill_value=0).to_numpy() / len(cur)
    return _psi(p, c)


def _base(feature: str, kind: str, psi: float | None, params: CompareParams) -> dict[str, Any]:
    level = drift_level(psi, params)
    return {"feature": feature, "label": g.label(feature), "kind": kind, "psi": _r6(psi),
            "level": level}


def _numeric_drift(feature: str, previous: pd.Series, current: pd.Series,
                   params: CompareParams) -> dict[str, Any]:
    prev, cur = _numbers(previous), _numbers(current)
    record = _base(feature, "numeric", psi_numeric(prev, cur), params)
    statistic = p_value = None
    if prev.size and cur.size:
        result = sps.ks_2samp(prev, cur)
        statistic, p_value = float(result.statistic), float(result.pvalue)
    record.update({
        "test": "ks", "statistic": _r6(statistic), "p_value": _r6(p_value),
        "test_flag": p_value is not None and p_value < params.ks_alpha,
        "previous_clients": int(prev.size), "current_clients": int(cur.size),
        "previous_mean": _r6(prev.mean()) if prev.size else None,
        "current_mean": _r6(cur.mean()) if cur.size else None,
        "previous_median": _r6(np.median(prev)) if prev.size else None,
        "current_median": _r6(np.median(cur)) if cur.size else None,
    })
    return record


def _categorical_drift(feature: str, previous: pd.Series, current: pd.Series,
                       params: CompareParams) -> dict[str, Any]:
    prev, cur = _labels(previous), _labels(current)
    record = _base(feature, "categorical", psi_categorical(prev, cur), params)
    values = sorted(set(prev) | set(cur))
    prev_counts = prev.value_counts().reindex(values, fill_value=0)
    cur_counts = cur.value_counts().reindex(values, fill_value=0)
    statistic = p_value = None
    if len(prev) and len(cur):
        if len(values) > 1:
            table = np.array([prev_counts.to_numpy(), cur_counts.to_numpy()])
            chi2 = sps.chi2_contingency(table)
            statistic, p_value = float(chi2.statistic), float(chi2.pvalue)
        else:
            statistic, p_value = 0.0, 1.0
    record.update({
        "test": "chi2", "statistic": _r6(statistic), "p_value": _r6(p_value),
        "test_flag": p_value is not None and p_value < params.ks_alpha,
        "previous_clients": len(prev), "current_clients": len(cur),
        "shares": [{"value": v,
                    "previous": _r6(prev_counts[v] / len(prev)) if len(prev) else None,
                    "current": _r6(cur_counts[v] / len(cur)) if len(cur) else None,
                    "previous_clients": int(prev_counts[v]),
                    "current_clients": int(cur_counts[v])} for v in values],
        "new_values": [v for v in values if prev_counts[v] == 0] if len(prev) else [],
        "vanished_values": [v for v in values if cur_counts[v] == 0] if len(cur) else [],
    })
    return record


def _missing(feature: str, kind: str, previous: pd.DataFrame, current: pd.DataFrame,
             params: CompareParams) -> dict[str, Any]:
    missing_in = [side for side, frame in (("previous", previous), ("current", current))
                  if feature not in frame.columns]
    return {**_base(feature, kind, None, params), "test": "ks" if kind == "numeric" else "chi2",
            "statistic": None, "p_value": None, "test_flag": False,
            "missing_in": missing_in}


def feature_drift(previous: pd.DataFrame, current: pd.DataFrame,
                  params: CompareParams | None = None) -> list[dict[str, Any]]:
    """Drift of every numeric (glossary ``NUMERIC`` + ``Прибыль``) and categorical feature.

    Parameters
    ----------
    previous, current
        Client tables with the export's column names (other columns are ignored).
    params
        PSI and test thresholds.

    Returns
    -------
    list of dict
        One record per feature, numeric features first, each group in glossary
        order: ``feature``, ``label``, ``kind`` (``numeric``/``categorical``),
        ``psi``, ``level`` (``stable``/``moderate``/``strong``/``unknown``),
        ``test`` (``ks``/``chi2``), ``statistic``,
        ``p_value``, ``test_flag`` (p < ``ks_alpha``), client counts; numeric
        records add means and medians, categorical ones ``shares`` per value,
        ``new_values`` and ``vanished_values``. Floats rounded to 6 decimals.
        A feature absent from either frame gets ``level`` ``unknown`` and
        ``missing_in`` (``previous``, ``current``).
    """
    params = params or CompareParams()
    records = []
    for kind, features, measure in (("numeric", DRIFT_NUMERIC, _numeric_drift),
                                    ("categorical", DRIFT_CATEGORICAL, _categorical_drift)):
        for feature in features:
            if feature in previous.columns and feature in current.columns:
                records.append(measure(feature, previous[feature], current[feature], params))
            else:
                records.append(_missing(feature, kind, previous, current, params))
    return records


# ----------------------------------------------------------------------- the rest


def decline_shares(previous_results: dict[str, Any], current_results: dict[str, Any]
                   ) -> dict[str, float | None]:
    """``facts.decline_share`` then and now, and the change (a difference of fractions)."""
    before = (previous_results.get("facts") or {}).get("decline_share")
    now = (current_results.get("facts") or {}).get("decline_share")
    change = now - before if before is not None and now is not None else None
    return {"previous": _r6(before), "current": _r6(now), "change": _r6(change)}


def model_summary(results: dict[str, Any]) -> dict[str, Any]:
    model = results.get("model") or {}
    return {"cv_roc_auc_mean": _r6(model.get("cv_roc_auc_mean")),
            "test_roc_auc": _r6(model.get("test_roc_auc")),
            "best": model.get("best"), "best_label": model.get("best_label")}


class _Unscorable(Exception):
    """The previous model cannot be scored on these clients, for a reason with a code."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def score_previous_model(model_path: Path, clients: pd.DataFrame,
                         seen_ids: pd.Index | None = None) -> dict[str, Any]:
    """ROC AUC of an archived model on ``clients`` (with the target), never raising.

    ``roc_auc`` is over all ``clients``. Clients in ``seen_ids`` (those of the
    previous report, which the previous model may have been trained on) are
    left out of ``unseen_roc_auc`` / ``unseen_clients``, the honest
    out-of-time figure (None when the rest has a single class).

    Any failure is recorded as an ``error`` code (with ``roc_auc`` None) instead
    of stopping the run: ``no_model_file``, ``single_class``,
    ``non_finite_probability``, or ``failed`` (a model pickled by an
    incompatible library version, features it does not know …) with the
    exception in ``error_detail``. Warnings
    raised while loading (e.g. scikit-learn's ``InconsistentVersionWarning``)
    are kept in ``warnings``.
    """
    from sklearn.metrics import roc_auc_score

    from analysis.model.features import feature_frame, target_vector
    from analysis.model.fit import decline_probability, load_model

    out: dict[str, Any] = {"roc_auc": None, "clients": len(clients), "unseen_roc_auc": None,
                           "unseen_clients": None, "error": None, "error_detail": None,
                           "warnings": []}
    model_path = Path(model_path)
    if not model_path.is_file():
        out["error"] = "no_model_file"
        return out
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model = load_model(model_path)
            y = target_vector(clients)
            if y.nunique() < 2:
                raise _Unscorable("single_class")
            probability = decline_probability(model, feature_frame(clients))
            if not np.isfinite(probability.to_numpy()).all():
                raise _Unscorable("non_finite_probability")
            probability = probability.reindex(y.index)
            out["roc_auc"] = _r6(roc_auc_score(y, probability))
            if seen_ids is not None:
                unseen = ~y.index.isin(seen_ids)
                out["unseen_clients"] = int(unseen.sum())
                if y[unseen].nunique() == 2:
                    out["unseen_roc_auc"] = _r6(roc_auc_score(y[unseen], probability[unseen]))
    except _Unscorable as exc:
        out["error"] = exc.code
    except Exception as exc:
        out["error"], out["error_detail"] = "failed", _reason(exc)
    out["warnings"] = sorted({_reason(w.message) for w in caught
                              if not issubclass(w.category, DeprecationWarning)})[:5]
    return out


def _segments_of(results: dict[str, Any]) -> list[dict[str, Any]]:
    return list((results.get("segments") or {}).get("segments") or [])


def segment_changes(previous_results: dict[str, Any], current_results: dict[str, Any]
                    ) -> list[dict[str, Any]]:
    """Clients and profit at risk per segment then and now (current order, then vanished)."""
    before = {s["code"]: s for s in _segments_of(previous_results)}
    now = {s["code"]: s for s in _segments_of(current_results)}
    codes = [*now, *(c for c in before if c not in now)]
    rows = []
    for code in codes:
        p, c = before.get(code, {}), now.get(code, {})
        rows.append({"code": code, "name": c.get("name") or p.get("name") or code,
                     "previous_clients": p.get("clients"), "current_clients": c.get("clients"),
                     "previous_profit_at_risk": _r6(p.get("profit_at_risk")),
                     "current_profit_at_risk": _r6(c.get("profit_at_risk"))})
    return rows


def _profit_at_risk(scores: pd.DataFrame) -> pd.Series:
    if "profit_at_risk" in scores.columns:
        return pd.to_numeric(scores["profit_at_risk"], errors="coerce").fillna(0.0)
    return (pd.to_numeric(scores["decline_probability"], errors="coerce")
            * pd.to_numeric(scores["profit"], errors="coerce")).fillna(0.0)


def moved_to_high_risk(previous_scores: pd.DataFrame, current_scores: pd.DataFrame
                       ) -> dict[str, Any]:
    """Clients in both action lists whose ``risk_level`` went from medium/low to high.

    Returns ``clients``, the first :data:`MAX_IDS` ``ids`` (ascending),
    ``profit_at_risk`` (sum of their current profit at risk), ``from_medium``,
    ``from_low`` and ``common_clients`` (ids present in both lists).
    """
    before = previous_scores.assign(id=previous_scores["id"].astype("int64"))
    now = current_scores.assign(id=current_scores["id"].astype("int64"),
                                _at_risk=_profit_at_risk(current_scores))
    both = before[["id", "risk_level"]].merge(
        now[["id", "risk_level", "_at_risk"]], on="id", suffixes=("_before", "_now"))
    old = both["risk_level_before"].astype(str)
    moved = both[old.isin(_LOWER) & both["risk_level_now"].astype(str).eq(_HIGH)]
    ids = sorted(int(i) for i in moved["id"])
    return {"clients": len(ids), "ids": ids[:MAX_IDS],
            "profit_at_risk": _r6(moved["_at_risk"].sum()),
            "from_medium": int(old[moved.index].eq("medium").sum()),
            "from_low": int(old[moved.index].eq("low").sum()),
            "common_clients": int(both["id"].nunique())}


def category_changes(drift: list[dict[str, Any]], key: str, side: str) -> list[dict[str, Any]]:
    rows = []
    for record in drift:
        shares = {s["value"]: s for s in record.get("shares", [])}
        for value in record.get(key, []):
            rows.append({"feature": record["feature"], "label": record["label"], "value": value,
                         "clients": shares[value][f"{side}_clients"]})
    return rows
