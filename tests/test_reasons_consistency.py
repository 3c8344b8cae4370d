"""One feature, one wording: no two reasons of an action list contradict each other (issue 16).

A model with interactions gives some clients a positive SHAP value on the
"safe" side of a feature (few service errors raising risk); worded by the
client's side of the median, that made «мало сбоев сервиса» and «много сбоев
сервиса» reasons in one file. A reason now needs a positive SHAP value on the
side where the feature raises risk for clients in general.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis import glossary as g
from analysis.config import Config
from analysis.explain.reasons import reason_frame
from report.actionlist import CODE_HEADER
from report.text.actionlist import headers

PAGES, ERRORS, MINUTES = "Страниц_за_визит", "Ошибка_сервиса", "Минут_текущий_месяц"


def _case() -> tuple[pd.DataFrame, pd.DataFrame, pd.Series, list[dict]]:
    """Six clients: 0–2 stable, 3–5 declined; every SHAP value is positive."""
    index = pd.Index([1, 2, 3, 4, 5, 6], name="id")
    X = pd.DataFrame({PAGES: [10, 10, 10, 3, 14, 4], ERRORS: [4, 4, 4, 1, 8, 4],
                      MINUTES: [15, 15, 15, 9, 9, 15],
                      g.SERVICE: ["стандарт", "стандарт", "премиум", "премиум", "стандарт",
                                  "премиум"]}, index=index)
    y = pd.Series([0, 0, 0, 1, 1, 1], index=index)
    shap = pd.DataFrame({PAGES: [0.1, 0.1, 0.1, 0.9, 0.8, 0.7],
                         ERRORS: [0.05, 0.05, 0.05, 0.6, 0.6, 0.6],
                         MINUTES: [0.01, 0.01, 0.01, 0.2, 0.2, 0.2],
                         g.SERVICE: [0.02, 0.02, 0.02, 0.5, 0.5, 0.5]}, index=index)
    drivers = [{"feature": f, "direction": d} for f, d in (
        (PAGES, "low"), (ERRORS, "ambiguous"), (MINUTES, "low"), (g.SERVICE, "category"))]
    return shap, X, y, drivers


def test_a_positive_value_on_the_safe_side_is_not_a_reason() -> None:
    shap, X, y, drivers = _case()
    reasons = reason_frame(shap, X, y, drivers)
    features = reasons[["reason_1_feature", "reason_2_feature", "reason_3_feature"]]
    # client 4: few pages (3 < 10) is its first reason, worded «low»
    assert reasons.loc[4, "reason_1_feature"] == PAGES and reasons.loc[4, "reason_1_side"] == "low"
    # client 5 has 14 pages: its positive value for pages is not worded as «много страниц»
    assert PAGES not in set(features.loc[5])
    # the ambiguous feature is nobody's reason, however large its value
    assert ERRORS not in set(features.to_numpy().ravel())
    # «премиум» (decline share 2/3 against 1/2) is a reason; «стандарт» (1/3) never is
    service = reasons[reasons["reason_2_feature"] == g.SERVICE]
    assert set(service["reason_2_value"]) == {"премиум"}
    assert g.SERVICE not in set(features.loc[5])
    # a value equal to the stable median is on neither side: client 6's minutes (15) are no
    # reason, its pages (4 < 10) are
    assert list(features.loc[6]) == [PAGES, g.SERVICE, ""]
    assert list(features.loc[4]) == [PAGES, g.SERVICE, MINUTES]


def test_every_side_agrees_with_its_driver_and_the_value() -> None:
    shap, X, y, drivers = _case()
    reasons = reason_frame(shap, X, y, drivers)
    direction = {d["feature"]: d["direction"] for d in drivers}
    for k in (1, 2, 3):
        named = reasons[reasons[f"reason_{k}_feature"].isin(g.NUMERIC)]
        for _, row in named.iterrows():
            f, side = row[f"reason_{k}_feature"], row[f"reason_{k}_side"]
            assert side == direction[f]
            assert (row[f"reason_{k}_value"] < row[f"reason_{k}_reference"]) == (side == "low")


# ---- the real export, through `oneclick report` -----------------------------------------------

_PHRASES = {phrase: (feature, side) for feature, term in g.GLOSSARY.items()
            for side, phrase in (("low", term.low), ("high", term.high)) if phrase}


@pytest.fixture(scope="module")
def real_bundle(real_october: dict[str, Path]) -> Path:
    """October's revision of the real export with the default configuration (``_real_runs``,
    shared with ``test_pipeline.py``): its ``scores.csv`` is the action list."""
    return real_october["october"]


@pytest.mark.real
@pytest.mark.slow
def test_no_reasons_contradict_each_other_on_the_real_export(real_bundle: Path) -> None:
    ru = headers(Config().profit_unit)
    table = pd.read_csv(real_bundle / "scores.csv", sep=";", encoding="utf-8-sig", dtype=str,
                        keep_default_na=False)
    reasons = table[[ru["reason_1"], ru["reason_2"], ru["reason_3"]]]
    worded = [text.split(":")[0] for text in reasons.to_numpy().ravel() if text]
    assert worded, "no reason at all"
    sides: dict[str, set[str]] = {}
    for phrase in worded:
        if phrase in _PHRASES:
            feature, side = _PHRASES[phrase]
            sides.setdefault(feature, set()).add(side)
    assert sides and all(len(s) == 1 for s in sides.values()), sides
    categories = {m[1] for p in worded for m in [re.match(r"(.+) «(.*)»$", p)] if m}
    for phrase in categories:                              # one value per yes/no feature
        values = {p for p in worded if p.startswith(phrase + " «")}
        if phrase in ("тип сервиса", "согласие на сообщения"):
            assert len(values) == 1, values
    for _, row in reasons.iterrows():                      # one client: distinct features
        named = [t.split(":")[0] for t in row if t]
        assert len(set(named)) == len(named)
    codes = pd.read_csv(real_bundle / "scores-codes.csv", dtype=str, keep_default_na=False)
    assert tuple(codes.columns) == CODE_HEADER
    pairs = pd.Series(np.concatenate([codes[f"reason_{k}"] for k in (1, 2, 3)]))
    numeric = pairs[pairs.str.contains(":", regex=False) & ~pairs.str.contains("=")]
    split = numeric.str.split(":", n=1, expand=True)
    assert split.groupby(0)[1].nunique().max() == 1


@pytest.mark.real
@pytest.mark.slow
def test_the_crm_offer_column_holds_only_what_a_crm_sends_on_the_real_export(
        real_bundle: Path) -> None:
    from analysis.segments.offers import CRM_CHANNELS, SITE_CHANNELS

    codes = pd.read_csv(real_bundle / "scores-codes.csv", dtype=str, keep_default_na=False)
    sent = codes[codes["offer_rule"] != ""]
    assert len(sent) and set(sent["channel"]) <= CRM_CHANNELS
    assert (sent["messages_allowed"] == "1").all()
    shown = codes[codes["site_rule"] != ""]
    assert len(shown) and set(shown["site_channel"]) <= SITE_CHANNELS
