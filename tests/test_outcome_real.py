"""Two months derived from the real export: the same ids, the labels of the second month
redrawn from the first report's action list (a planted +15 p.p. for its most frequent
offer). The second report runs, measures, and page 1, the body and results.json agree.

The first month is archived without its HTML and PDF (the rendering is replaced); the
second is rendered in full.
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pandas as pd
import pytest
from _outcome_checks import assert_outcome_shown

from analysis.config import Config
from analysis.data.demo.series import redraw_labels
from analysis.paths import EXPORT_FILES
from analysis.results import files
from analysis.results.store import read_scores
from report import pipeline
from report.period import resolve_period
from report.render.html import RendererInfo

pytestmark = [pytest.mark.slow, pytest.mark.real]

FAST = {"model.search_iter": 1, "model.cv_repeats": 1, "model.cv_folds": 3,
        "model.bootstrap": 100, "model.n_jobs": 1, "model.families": ("dummy", "logreg"),
        "shap.background": 20, "shap.explain_sample": 60, "shap.example_clients": 1,
        "shap.rank_resamples": 100, "stats.phik_sample": 200}


def _second_month(real: Path, scores: pd.DataFrame, effects: dict[str, float],
                  out: Path) -> Path:
    out.mkdir()
    for name in EXPORT_FILES.values():          # file contents only: the real export is read-only
        shutil.copyfile(real / name, out / name)
    path = out / EXPORT_FILES["market_file"]
    market = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    redrawn = redraw_labels(market.assign(id=market["id"].astype("int64")), scores, effects,
                            seed=11, month=2)
    redrawn.assign(id=market["id"]).to_csv(path, index=False, encoding="utf-8")
    return out


def test_two_months_of_the_real_export(real_export: Path, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch,
                                       caplog: pytest.LogCaptureFixture) -> None:
    config = Config().with_overrides(**FAST)
    archive = tmp_path / "reports"
    real_render = pipeline._render

    def render_second_only(rev: Path, bundle: object, period: str, *args: object,
                           **kwargs: object) -> RendererInfo:
        return real_render(rev, bundle, period, *args, **kwargs) if period == "2026-11" \
            else RendererInfo("builtin", "not rendered")

    monkeypatch.setattr(pipeline, "_render", render_second_only)
    october = pipeline.build_report(real_export, "2026-10", archive, config,
                                    renderer="builtin", quiet=True)
    scores = read_scores(october)
    tested = scores.loc[scores["tested_offer"].ne(""), "tested_offer"]
    planted = {tested.value_counts().index[0]: 0.15}
    november_data = _second_month(real_export, scores, planted, tmp_path / "2026-11")
    assert resolve_period(None, config, november_data) == "2026-11"
    with caplog.at_level(logging.WARNING, logger="report.render.pdf"):
        november = pipeline.build_report(november_data, "2026-11", archive, config,
                                         renderer="builtin", quiet=True)
    assert "executive summary" not in caplog.text      # page 1, trend strip included, fits

    results = json.loads((november / files.RESULTS).read_text(encoding="utf-8"))
    outcome = results["outcome"]
    assert outcome["status"] == "measured" and outcome["assignment"]["path"] == "2026-10/r1"
    assert outcome["clients"] == {"assigned": len(tested), "measured": len(tested),
                                  "missing": 0, "missing_ids": []}
    assert {r["rule"] for r in outcome["offers"]} == set(tested)
    assert_outcome_shown(november / files.REPORT_HTML, outcome, "октябрь 2026")
    trend = results["trend"]["points"]                 # and the trend of the two months
    assert [(p["period"], p["revision"]) for p in trend] == [("2026-10", "r1"), ("2026-11", None)]
    assert trend[-1]["decline_share"] == results["facts"]["decline_share"]
