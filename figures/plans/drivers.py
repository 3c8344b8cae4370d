"""Plans of the driver figures: the SHAP beeswarm and the example clients side by side.

The mean |SHAP| per feature is the drivers table of the report, not a chart:
a bar chart of the same numbers would only repeat it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from analysis import glossary as g
from analysis.rutext import num
from figures import drivers as plot
from figures import theme as t
from figures.plans._common import Plan, client_value_text, optional, probability_text
from figures.reader import Bundle, Missing

__all__ = ["shap_beeswarm", "shap_examples"]

TOP_FEATURES = 12
"""Rows of the beeswarm."""
EXAMPLE_ROWS = 9
"""Features shown for the example clients; the rest are summed into one row."""
DIRECTION_FEATURES = 6
"""Top features whose direction (high or low values raise the risk) the takeaway states."""
MIN_DIRECTION = 0.1
"""Smallest |Spearman ρ| of values with SHAP for a direction to be stated."""


def _shap_tables(b: Bundle) -> tuple[pd.DataFrame, pd.DataFrame]:
    shap = b.table("shap_values", index="id")
    values = b.table("shap_features", index="id")
    columns = [c for c in shap.columns if c in values.columns]
    rows = shap.index.intersection(values.index)
    if not columns or not len(rows):
        raise Missing("tables/shap_values.csv ∩ shap_features.csv")
    shap = shap.loc[rows, columns].astype(float)
    order = shap.abs().mean().sort_values(ascending=False, kind="stable").index
    order = list(order[:TOP_FEATURES])
    return shap[order], values.loc[rows, order]


def _direction(shap: pd.Series, values: pd.Series) -> float | None:
    """Spearman ρ of a feature's values with its SHAP; ``None`` for categorical features."""
    numeric = pd.to_numeric(values, errors="coerce")
    if numeric.notna().mean() < 0.95 or numeric.nunique() < 2:
        return None
    rho = shap.corr(numeric, method="spearman")
    return None if rho is None or math.isnan(rho) else float(rho)


def shap_beeswarm(b: Bundle) -> Plan:
    """Each client's SHAP value per feature, coloured by the feature's value."""
    shap, values = _shap_tables(b)
    labels = [g.label(c) for c in shap.columns]
    rho = {c: _direction(shap[c], values[c]) for c in shap.columns}
    top = shap.columns[0]
    riskiest = None
    if rho[top] is None:
        means = shap[top].groupby(values[top].astype(str)).mean()
        riskiest = str(means.idxmax())
    numeric = [c for c in shap.columns[:DIRECTION_FEATURES]
               if rho[c] is not None and abs(rho[c]) >= MIN_DIRECTION]
    colour = plot.normalise_values(values)

    def draw(axes: Sequence[Axes]) -> None:
        dots = plot.plot_beeswarm(axes[0], shap.to_numpy(), colour, labels)
        bar = axes[0].figure.colorbar(dots, ax=axes[0], shrink=0.7, aspect=30, pad=0.01,
                                      ticks=[0, 1])
        bar.ax.set_yticklabels([g.CHART.value_low, g.CHART.value_high])
        bar.set_label(g.CHART.value_colour)

    return Plan(
        name="shap_beeswarm", section="drivers", height=t.PRINT_HEIGHT,
        facts={"top": {"feature": top, "rho": rho[top], "riskiest_value": riskiest},
               "risk_with_low": [c for c in numeric if rho[c] < 0],
               "risk_with_high": [c for c in numeric if rho[c] > 0],
               "clients": len(shap), "features": len(labels)},
        draw=draw)


def _row_label(contribution: dict[str, Any]) -> str:
    return contribution.get("label") or g.label(contribution["feature"])


def _example_rows(examples: list[dict[str, Any]]) -> list[str]:
    """Features shown for the examples: the largest |contribution| of any client first."""
    strongest: dict[str, float] = {}
    for e in examples:
        for c in e["contributions"]:
            strongest[c["feature"]] = max(strongest.get(c["feature"], 0.0), abs(c["value"]))
    ranked = sorted(strongest, key=lambda f: (-strongest[f], f))
    return ranked[:EXAMPLE_ROWS]


def _example_facts(e: dict[str, Any]) -> dict[str, Any]:
    rows = sorted(e["contributions"], key=lambda c: (-abs(c["value"]), c["feature"]))
    lead = rows[0]
    return {"id": e.get("id"), "kind": e.get("kind"), "probability": optional(e.get("probability")),
            "lead": {"label": _row_label(lead), "feature": lead["feature"],
                     "value": lead.get("client_value"), "raises": lead["value"] > 0},
            "raise": [_row_label(c) for c in rows if c["value"] > 0][:3],
            "lower": [_row_label(c) for c in rows if c["value"] < 0][:3]}


def _contrast(examples: list[dict[str, Any]], features: list[str]) -> dict[str, Any] | None:
    """The shown feature whose contribution differs most between two of the clients."""
    best: tuple[float, str, dict[str, Any], dict[str, Any]] | None = None
    for f in features:
        cells = [(e, c) for e in examples for c in e["contributions"] if c["feature"] == f]
        if len(cells) < 2:
            continue
        hi = max(cells, key=lambda ec: ec[1]["value"])
        lo = min(cells, key=lambda ec: ec[1]["value"])
        spread = hi[1]["value"] - lo[1]["value"]
        if best is None or spread > best[0]:
            best = (spread, f, {"id": hi[0].get("id"), **hi[1]}, {"id": lo[0].get("id"), **lo[1]})
    if best is None or best[0] <= 0:
        return None
    _, feature, hi, lo = best
    return {"feature": feature, "label": _row_label(hi),
            "high": {"id": hi["id"], "value": hi.get("client_value"),
                     "contribution": float(hi["value"])},
            "low": {"id": lo["id"], "value": lo.get("client_value"),
                    "contribution": float(lo["value"])}}


def _example_cells(examples: list[dict[str, Any]], features: list[str]
                   ) -> tuple[np.ndarray, list[list[str]], list[str]]:
    """Contributions, cell texts and row labels: one row per feature, one column per client.

    A last row sums the features not shown, when there are any.
    """
    by_feature = [{c["feature"]: c for c in e["contributions"]} for e in examples]
    labels = [next(_row_label(m[f]) for m in by_feature if f in m) for f in features]
    values = np.full((len(features) + 1, len(examples)), np.nan)
    notes = [["" for _ in examples] for _ in range(len(features) + 1)]
    for j, contributions in enumerate(by_feature):
        for i, f in enumerate(features):
            if f in contributions:
                c = contributions[f]
                values[i, j] = c["value"]
                notes[i][j] = (f"{t.wrap(client_value_text(f, c.get('client_value')), 26)}\n"
                               f"{num(c['value'], 2, signed=True)}")
        rest = [c["value"] for f, c in contributions.items() if f not in features]
        if rest:
            values[-1, j] = sum(rest)
            notes[-1][j] = num(sum(rest), 2, signed=True)
    rest_count = len({f for m in by_feature for f in m} - set(features))
    if not rest_count:
        return values[:-1], notes[:-1], labels
    return values, notes, [*labels, g.CHART.other_features.format(count=rest_count)]


def shap_examples(b: Bundle) -> Plan:
    """The example clients of ``shap.examples`` side by side: each feature's contribution.

    One heatmap instead of a waterfall per client: a column per client, a row
    per feature (the strongest contributions of any of them, the rest summed
    in the last row), so the clients compare at a glance on one page.
    """
    examples = [e for e in b.get("shap", "examples") if e.get("contributions")]
    if not examples:
        raise Missing("shap.examples[].contributions")
    features = _example_rows(examples)
    values, notes, rows = _example_cells(examples, features)
    columns = [g.CHART.example_column.format(
        id=e.get("id") if e.get("id") is not None else i + 1,
        probability=probability_text(e["probability"]) if e.get("probability") is not None
        else "—") for i, e in enumerate(examples)]
    lines = sum(max(n.count("\n") + 1 for n in row) + 1 for row in notes)

    def draw(axes: Sequence[Axes]) -> None:
        plot.plot_contributions(axes[0], rows, columns, values, notes)

    return Plan(
        name="shap_examples", section="drivers", height=min(t.PRINT_HEIGHT, 1.2 + 0.14 * lines),
        facts={"clients": [_example_facts(e) for e in examples],
               "contrast": _contrast(examples, features), "rows": len(rows)},
        draw=draw)
