"""The trend across months: the points (analysis.trend), its words and tables
(report.text.trend), its page-1 figure and caption, and the report's documents."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _trend_results import month_results, schema_one_results
from PIL import Image

from analysis.results.contract import check_schema
from analysis.rutext import pct, pp
from analysis.trend import History, PastRun, build_trend, trend_point
from figures.build import build_figures
from figures.plans import trend as trend_plans
from figures.reader import Bundle, Missing
from report.text.figures import caption
from report.text.trend import effect_cell, format_trend, trend_text


def _history(*months: tuple[str, dict]) -> History:
    return History(tuple(PastRun(period, "r1", results) for period, results in months))


THREE = _history(("2026-09", month_results(1300, 0.40, 0.90, None, drift=None)),
                 ("2026-10", month_results(1310, 0.36, 0.89, 0.10)))
CURRENT = month_results(1320, 0.34, 0.91, 0.15, drift=(2, 1))


def test_a_point_holds_every_figure_the_issue_names() -> None:
    point = trend_point(CURRENT, "2026-11", None)
    assert point == {
        "period": "2026-11", "revision": None, "schema_version": 3, "clients": 1320,
        "declined": 449, "decline_share": 0.34,
        "exposure": {"winback": pytest.approx(1700.0), "prevention": 2000.0},
        "profit_unit": "тыс. ₽", "roc_auc": 0.91, "roc_auc_ci": pytest.approx([0.88, 0.93]),
        "segments": {"promo_risk": 400, "electronics_decline": 300},
        "drift": {"moderate": 2, "strong": 1},
        "outcome": {"status": "measured", "period": "2026-10", "groups": {
            "winback": {"uplift": 0.15, "interval": pytest.approx([0.1, 0.2]),
                        "verdict": "effect"},
            "prevention": {"uplift": 0.01, "interval": [-0.04, 0.06], "verdict": "none"}}},
    }


def test_this_run_is_the_last_point_after_the_archive_in_period_order() -> None:
    shuffled = History(tuple(reversed(THREE.runs)), ({"revision": "2026-08/r1",
                                                      "problem": "results.json изменён"},))
    trend = build_trend(shuffled, CURRENT, "2026-11")
    assert [p["period"] for p in trend["points"]] == ["2026-09", "2026-10", "2026-11"]
    assert [p["revision"] for p in trend["points"]] == ["r1", "r1", None]
    assert [p["clients"] for p in trend["points"]] == [1300, 1310, 1320]
    assert trend["points"][0]["drift"] is None and trend["points"][0]["outcome"] is None
    assert trend["skipped"] == [{"revision": "2026-08/r1", "problem": "results.json изменён"}]
    assert json.loads(json.dumps(trend, allow_nan=False)) == trend
    assert build_trend(THREE)["points"][-1]["period"] == "2026-10"   # the archive alone


def test_an_older_schema_leaves_what_it_lacks_empty() -> None:
    point = trend_point(check_schema(schema_one_results(), "x"), "2026-08", "r2")
    assert point["clients"] == 1200 and point["decline_share"] == 0.4
    assert point["roc_auc"] == 0.88 and point["roc_auc_ci"] is None   # test_roc_auc, no quality
    assert point["exposure"] == {"winback": None, "prevention": None}
    assert point["declined"] is None and point["drift"] is None and point["outcome"] is None
    trend = build_trend(_history(("2026-08", schema_one_results())), CURRENT, "2026-11")
    names = {s["code"]: s["name"] for s in trend["segments"]}
    assert names["promo_risk"] == "Охотники за акциями"          # the latest name


@pytest.mark.parametrize("junk", [None, "1300", True, float("nan"), [], {"a": 1}])
def test_a_value_of_the_wrong_kind_is_none_never_an_error(junk: object) -> None:
    results = month_results()
    results["facts"]["clients_total"] = junk
    results["model"] = {"quality": {"roc_auc": junk, "ci": junk}}
    results["segments"]["decision"] = junk
    results["outcome"] = {"status": "measured", "pooled": [junk, {"group": "winback"}]}
    point = trend_point(results, "2026-10", "r1")
    assert point["clients"] is None and point["roc_auc"] is None and point["roc_auc_ci"] is None
    assert point["exposure"] == {"winback": None, "prevention": None}
    assert point["outcome"]["groups"]["winback"]["uplift"] is None


# ------------------------------------------------------------------- words and tables


def test_the_body_tables_state_every_month() -> None:
    trend = build_trend(THREE, CURRENT, "2026-11")
    text = trend_text(trend)
    assert text["shown"] and "3 месяца (сентябрь 2026 — ноябрь 2026)" in text["intro"]
    rows = text["rows"]
    assert [r["month"] for r in rows] == ["сентябрь 2026 (r1)", "октябрь 2026 (r1)",
                                          "ноябрь 2026 (этот отчёт)"]
    assert rows[-1]["decline_share"] == pct(0.34) and rows[-1]["drift"] == "2 / 1"
    assert rows[0]["drift"] == "—" and rows[0]["effect"]["winback"] == "—"
    assert rows[-1]["effect"]["winback"].startswith(pp(0.15, signed=True))
    assert rows[-1]["effect"]["winback"].endswith("эффект есть")
    assert rows[-1]["segments"] == ["400", "300"]
    assert trend_text(build_trend(History(), CURRENT, "2026-11"))["shown"] is False


def test_an_outcome_without_a_measurement_says_so() -> None:
    point = trend_point({**CURRENT, "outcome": {"status": "same_period"}}, "2026-11", None)
    assert effect_cell(point, "winback") == "не измерен"


def test_the_terminal_table_has_a_line_a_month_and_a_legend() -> None:
    trend = build_trend(THREE)
    lines = format_trend(trend).splitlines()
    assert lines[0].split()[:2] == ["месяц", "ревизия"]
    assert [line.split()[0] for line in lines[1:3]] == ["2026-09", "2026-10"]
    assert "Охотники за акциями / Любители техники" in lines[-1]
    assert "нет ни одной" in format_trend(build_trend(History()))


# ------------------------------------------------------------------- the page-1 figure


def _bundle(trend: dict, root: Path) -> Bundle:
    return Bundle(root, {"trend": trend, "params": {"profit_unit": "тыс. ₽"}})


def test_the_trend_figure_needs_two_months(tmp_path: Path) -> None:
    with pytest.raises(Missing):
        trend_plans.trend(_bundle(build_trend(History(), CURRENT, "2026-11"), tmp_path))
    plan = trend_plans.trend(_bundle(build_trend(THREE, CURRENT, "2026-11"), tmp_path))
    assert plan.facts["points"] == 3 and plan.facts["panels"] == 4 and plan.section == "summary"
    assert plan.facts["decline_share"] == [0.40, 0.34]
    unmeasured = build_trend(_history(("2026-10", month_results(uplift=None))),
                             month_results(uplift=None), "2026-11")
    assert trend_plans.trend(_bundle(unmeasured, tmp_path)).facts["panels"] == 3


def test_the_trend_figure_is_a_low_strip_with_its_caption(tmp_path: Path) -> None:
    bundle = _bundle(build_trend(THREE, CURRENT, "2026-11"), tmp_path)
    specs = build_figures(bundle, tmp_path / "figures", strict=True)
    assert [s.name for s in specs] == ["trend"]
    with Image.open(tmp_path / specs[0].path) as image:
        width, height = (size / dpi for size, dpi in zip(image.size, image.info["dpi"],
                                                         strict=True))
    assert 6.5 <= width <= 7.5 and height <= 1.5
    text = caption("trend", specs[0].facts)
    assert "3 месяца" in text.title and f"{pct(0.40)} → {pct(0.34)}" in text.title
    assert "4 небольших графика по месяцам (сентябрь 2026 — ноябрь 2026)" in text.alt
    assert pp(0.15, signed=True) in text.takeaway


def test_months_are_labelled_short() -> None:
    assert trend_plans.short_month("2026-11") == "ноя\u00a026"
    assert trend_plans.short_month("2027-05") == "май\u00a027"
