"""Small results dicts of one month, as the trend reads them (schema 3, and an older shape)."""

from __future__ import annotations

from typing import Any

from analysis.results.contract import SCHEMA_VERSION


def month_results(clients: int = 1300, share: float = 0.38, auc: float = 0.9,
                  uplift: float | None = 0.08, *, drift: tuple[int, int] | None = (1, 0),
                  schema: int = SCHEMA_VERSION) -> dict[str, Any]:
    """A month's ``results.json`` with every section the trend reads (``uplift`` None: no
    earlier month, so no outcome; ``drift`` None: no comparison)."""
    outcome = None if uplift is None else {
        "status": "measured", "assignment": {"period": "2026-10", "revision": "r1"},
        "pooled": [
            {"group": "winback", "uplift": uplift, "interval": [uplift - 0.05, uplift + 0.05],
             "verdict": "effect"},
            {"group": "prevention", "uplift": 0.01, "interval": [-0.04, 0.06],
             "verdict": "none"}]}
    return {
        "schema_version": schema,
        "facts": {"clients_total": clients, "declined": round(clients * share),
                  "decline_share": share},
        "model": {"test_roc_auc": auc, "test_roc_auc_ci": [auc - 0.03, auc + 0.02],
                  "quality": {"estimate": "holdout", "roc_auc": auc,
                              "ci": [auc - 0.03, auc + 0.02]}},
        "segments": {
            "segments": [{"code": "promo_risk", "name": "Охотники за акциями", "clients": 400},
                         {"code": "electronics_decline", "name": "Любители техники",
                          "clients": 300}],
            "decision": {"groups": {"winback": {"exposure": 5000.0 * share},
                                    "prevention": {"exposure": 2000.0}}}},
        "comparison": None if drift is None else {
            "drift_counts": {"stable": 15, "moderate": drift[0], "strong": drift[1],
                             "unknown": 0}},
        "outcome": outcome,
        "params": {"profit_unit": "тыс. ₽"},
    }


def schema_one_results(clients: int = 1200, share: float = 0.4) -> dict[str, Any]:
    """A revision of the first schema: facts, hold-out AUC and segment totals only."""
    return {"schema_version": 1,
            "facts": {"clients_total": clients, "decline_share": share},
            "model": {"test_roc_auc": 0.88},
            "segments": {"segments": [{"code": "promo_risk", "name": "Старое имя",
                                       "clients": 350}]}}
