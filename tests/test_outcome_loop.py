"""Acceptance of the closed loop: three monthly demo exports with planted uplifts, each month
reported before the next is drawn; the third report recovers the planted effects.

The effects sit on the two CRM offers that get the most tested clients
(``promo_calendar`` +15 p.p., ``basket_reminder`` 0); a site offer is shown to
test and control alike and cannot be measured. One series of 5000 clients
with ``segments.control_share = 0.5`` (balanced arms) through
:func:`report.series.demo_series`, the code behind ``oneclick demo-data
--months 3 --report``. The first two months are archived without the HTML and
PDF (the rendering is replaced, everything else is the real ``build_report``:
revision, manifest, verification before reuse); the third is rendered in full
once. About 70 s on one core.

Power of the planted offer's win-back row (the largest: about 9 % of the
clients, ≈ 220 per arm at 5000 clients; base share back at «Прежний уровень»
``RETURN`` = 0.30, planted 0.45): SE = √(0.30·0.70/220 + 0.45·0.55/220) ≈
0.0456, so the chance that the 95 % interval excludes 0 is
Φ(0.15/0.0456 − 1.96) = Φ(1.33) ≈ 0.91 (Newcombe's interval is a little wider
than Wald's; at the default control share 0.2 the same clients give ≈ 350 /
88 and a power of ≈ 0.80).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from _outcome_checks import assert_outcome_shown

from analysis.config import Config
from analysis.results import files
from report import pipeline
from report.render.html import RendererInfo
from report.series import demo_series

pytestmark = pytest.mark.slow

PLANTED = {"promo_calendar": 0.15, "basket_reminder": 0.0}
CLIENTS, SEED, START, LAST = 5000, 20261127, "2026-09", "2026-11"
FAST = {"model.search_iter": 1, "model.cv_repeats": 1, "model.cv_folds": 3,
        "model.bootstrap": 100, "model.n_jobs": 1, "model.families": ("dummy", "logreg"),
        "shap.background": 20, "shap.explain_sample": 60, "shap.example_clients": 1,
        "shap.rank_resamples": 100, "stats.phik_sample": 200,
        "segments.control_share": 0.5}


@pytest.fixture(scope="module")
def series(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    root = tmp_path_factory.mktemp("loop")
    real_render = pipeline._render
    rendered = []

    def render_last_only(rev: Path, bundle: object, period: str, *args: object,
                         **kwargs: object) -> RendererInfo:
        if period != LAST:
            return RendererInfo("builtin", "not rendered")
        rendered.append(period)
        return real_render(rev, bundle, period, *args, **kwargs)

    warnings = _Collect()
    pdf_log = logging.getLogger("report.render.pdf")
    pdf_log.addHandler(warnings)
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(pipeline, "_render", render_last_only)
            written, revisions, waiting = demo_series(
                root / "series", 3, START, PLANTED, Config().with_overrides(**FAST),
                archive_dir=root / "reports", n_clients=CLIENTS, seed=SEED, report=True,
                renderer="builtin", quiet=True)
    finally:
        pdf_log.removeHandler(warnings)
    return {"written": written, "revisions": revisions, "waiting": waiting,
            "rendered": rendered, "pdf_warnings": warnings.messages}


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _results(revision: Path) -> dict:
    return json.loads((revision / files.RESULTS).read_text(encoding="utf-8"))


def test_three_months_each_reported(series: dict) -> None:
    assert [p.name for p in series["written"]] == ["2026-09", "2026-10", "2026-11"]
    assert [p.parent.name for p in series["revisions"]] == ["2026-09", "2026-10", "2026-11"]
    assert series["waiting"] is None and series["rendered"] == [LAST]
    assert _results(series["revisions"][0])["outcome"] is None     # nothing to measure yet


def _rows(outcome: dict, rule: str) -> list[dict]:
    return [r for r in outcome["offers"] if r["rule"] == rule]


def test_the_third_report_recovers_the_planted_uplifts(series: dict) -> None:
    october = _results(series["revisions"][1])
    tested: dict[str, int] = {}
    for t in october["segments"]["tests"]["tests"]:
        tested[t["rule"]] = tested.get(t["rule"], 0) + t["clients"]
    assert tested.get("promo_calendar", 0) >= 400 and tested.get("basket_reminder", 0) >= 300, \
        tested

    outcome = _results(series["revisions"][2])["outcome"]
    assert outcome["status"] == "measured"
    assert outcome["assignment"]["period"] == "2026-10" and outcome["months"] == 1
    assert outcome["clients"]["missing"] > 0          # 1 % of the clients left: counted
    planted = _rows(outcome, "promo_calendar")
    largest = max(planted, key=lambda r: r["test"]["measured"] + r["control"]["measured"])
    low, high = largest["interval"]
    assert low <= 0.15 <= high and low > 0, largest
    # the arms the power computation of the module's docstring assumes
    assert min(largest["test"]["measured"], largest["control"]["measured"]) >= 180, largest
    for row in planted:
        assert row["interval"][0] <= 0.15 <= row["interval"][1], row
    for row in _rows(outcome, "basket_reminder"):
        assert row["interval"][0] <= 0 <= row["interval"][1], row
        assert row["verdict"] in ("none", "unconfirmed")


def test_pooled_uplift_covers_the_mixture_of_planted_effects(series: dict) -> None:
    outcome = _results(series["revisions"][2])["outcome"]
    for pooled in outcome["pooled"]:
        mine = [r for r in outcome["offers"] if r["group"] == pooled["group"]]
        treated = sum(r["test"]["measured"] for r in mine)
        expected = sum(PLANTED.get(r["rule"], 0) * r["test"]["measured"] for r in mine) / treated
        assert pooled["interval"][0] <= expected <= pooled["interval"][1], (pooled, expected)


def test_page_one_still_fits_one_pdf_page(series: dict) -> None:
    """The outcome's column in the group table adds no line to the executive summary."""
    assert not [m for m in series["pdf_warnings"] if "executive summary" in m]


def test_page_one_body_and_results_agree(series: dict) -> None:
    revision = series["revisions"][2]
    assert_outcome_shown(revision / files.REPORT_HTML, _results(revision)["outcome"],
                         "октябрь 2026")


def test_the_third_report_shows_the_trend_of_three_months(series: dict) -> None:
    revision = series["revisions"][2]
    results = _results(revision)
    points = results["trend"]["points"]
    assert [(p["period"], p["revision"]) for p in points] == [
        ("2026-09", "r1"), ("2026-10", "r1"), ("2026-11", None)]
    assert points[-1]["clients"] == results["facts"]["clients_total"]
    for pooled in results["outcome"]["pooled"]:
        assert points[-1]["outcome"]["groups"][pooled["group"]]["uplift"] == pooled["uplift"]
    index = json.loads((revision / files.FIGURES_DIR / files.FIGURE_INDEX).read_text(
        encoding="utf-8"))
    assert next(f for f in index if f["name"] == "trend")["facts"]["points"] == 3
    html = (revision / files.REPORT_HTML).read_text(encoding="utf-8")
    summary = html[:html.index('id="exec-summary-end"')]
    assert "небольших графика по месяцам (сентябрь 2026 — ноябрь 2026)" in summary  # alt text
    assert "Динамика за 3 месяца" in html[html.index('id="trend"'):]      # the finding, body
