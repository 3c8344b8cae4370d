"""End to end on the real export: the archived revision, its report, the action list, and
the comparison with the previous month. Three full runs share one archive (``_real_runs``)."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from analysis import glossary as g
from analysis.results.contract import dumps
from report.cli import main

pytestmark = pytest.mark.slow
MESSAGING = {"email", "sms", "push", "newsletter", "call"}


@pytest.fixture(scope="module")
def runs(real_runs: dict[str, Path]) -> dict[str, Path]:
    """October on the real export, November on a changed export, October again.

    Made once per session (``_real_runs.real_runs``): October is shared with
    ``test_reasons_consistency.py``.
    """
    return real_runs


def _results(revision: Path) -> dict:
    return json.loads((revision / "results.json").read_text(encoding="utf-8"))


def _pdf_text(path: Path) -> tuple[str, list]:
    pypdf = pytest.importorskip("pypdf")
    reader = pypdf.PdfReader(path)
    text = "\n".join(page.extract_text() for page in reader.pages)
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split()), reader.pages


def test_revision_holds_every_file(runs: dict[str, Path]) -> None:
    rev = runs["october"]
    assert rev == runs["archive"] / "2026-10" / "r1"
    for name in ("report.html", "report.pdf", "results.json", "scores.csv", "scores.xlsx",
                 "model.joblib", "manifest.json", "run.log"):
        assert (rev / name).is_file(), name
    assert len(list((rev / "figures").glob("*.png"))) >= 11
    manifest = json.loads((rev / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["inputs"]) == {"market_file", "market_money", "market_time", "money"}
    assert manifest["seed"] and manifest["timings"] and manifest["packages"]["scikit-learn"]
    assert "report.pdf" in manifest["files"]


def test_results_reproduce_the_study_facts(runs: dict[str, Path]) -> None:
    r = _results(runs["october"])
    facts = r["facts"]
    assert facts["clients_total"] == 1300 and facts["clients_modelled"] == 1297
    assert facts["decline_share"] == pytest.approx(0.3831, abs=0.0005)
    assert facts["premium_allow_messages_share"] == pytest.approx(0.8697, abs=0.0005)
    assert facts["premium_decline_share"] == pytest.approx(0.4521, abs=0.0005)
    model = r["model"]
    assert len(model["candidates"]) >= 6
    assert all("cv_roc_auc_mean" in c and "cv_roc_auc_std" in c for c in model["candidates"])
    # honest quality (DESIGN.md): selection-free hold-out within 0.89–0.925, and no
    # selection score above 0.92 (that would mean a leak through duplicate clients)
    assert 0.89 <= model["quality"]["roc_auc"] <= 0.925
    assert model["quality"]["estimate"] == "holdout"
    assert all(c["cv_roc_auc_mean"] <= 0.92 for c in model["candidates"])
    assert model["duplicate_groups"] == 11
    assert model["cv_f1"] >= 0.8
    low, high = model["test_roc_auc_ci"]
    assert low <= model["test_roc_auc"] <= high
    top5 = [d["feature"] for d in r["drivers"][:5]]
    assert "Страниц_за_визит" in top5 and "Акционные_покупки" in top5
    assert set(top5) & set(g.MINUTES_COLUMNS)
    assert r["leakage"]["separability"] > 0.95


def test_same_inputs_give_identical_results_and_scores(runs: dict[str, Path]) -> None:
    """October again: the same export, plus r1 as the previous revision to compare with."""
    assert runs["again"] == runs["archive"] / "2026-10" / "r2"
    assert (runs["october"] / "scores.csv").read_bytes() == (
        runs["again"] / "scores.csv").read_bytes()
    first, again = _results(runs["october"]), _results(runs["again"])
    assert (runs["october"] / "results.json").read_bytes() == dumps(first).encode()
    assert first.pop("comparison") is None  # a first run: the key is there, with no comparison
    assert again.pop("comparison")["previous"]["path"] == "2026-10/r1"
    assert first.pop("outcome") is None     # nothing to measure on a first run
    assert again.pop("outcome")["status"] == "same_period"  # nor against the same month
    # the trend: no earlier month in either (November is later, October r1 is superseded)
    assert [p["period"] for p in first.pop("trend")["points"]] == ["2026-10"]
    assert [p["revision"] for p in again.pop("trend")["points"]] == [None]
    assert json.dumps(first) == json.dumps(again)


def test_action_list(runs: dict[str, Path]) -> None:
    with (runs["october"] / "scores-codes.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 1297 and len({r["id"] for r in rows}) == 1297
    assert list(rows[0])[:5] == ["id", "group", "decline_probability", "risk_level", "segment"]
    assert {r["group"] for r in rows} == {"prevention", "winback"}
    assert all(0 <= float(r["decline_probability"]) <= 1 for r in rows)
    forbidden = [r for r in rows if r["messages_allowed"] == "0" and r["channel"] in MESSAGING]
    assert forbidden == []
    control = [r for r in rows if r["arm"] == "control"]
    assert control and all(r["offer_rule"] == "" and r["tested_offer"] for r in control)
    with (runs["october"] / "scores.csv").open(encoding="utf-8-sig") as handle:
        russian = list(csv.DictReader(handle, delimiter=";"))
    assert len(russian) == 1297 and list(russian[0])[:2] == ["ID клиента", "Группа"]
    groups = [r["group"] for r in rows]  # prevention first: the model's real use
    assert groups == sorted(groups, key=lambda grp: grp != "prevention")


def test_segments_and_offer_tests(runs: dict[str, Path]) -> None:
    segments = _results(runs["october"])["segments"]["segments"]
    codes = {s["code"]: s for s in segments}
    assert {"promo_risk", "electronics_decline"} <= set(codes)
    for s in segments:
        assert s["clients"] > 0 and 0 < s["mean_probability"] <= 1 and s["offers"]
    tests = _results(runs["october"])["segments"]["tests"]["tests"]
    assert tests and all(t["clients"] > 0 and t["n_total"] > 0 and t["design"] for t in tests)


def test_pdf_says_what_management_needs(runs: dict[str, Path]) -> None:
    r = _results(runs["october"])
    text, pages = _pdf_text(runs["october"] / "report.pdf")
    assert "38,3 %" in text
    auc = f"{r['model']['quality']['roc_auc']:.2f}".replace(".", ",")
    assert auc in text  # the selection-free quality, not the selection score
    for s in r["segments"]["segments"]:
        assert " ".join(s["name"].split()) in text
    assert len(pages) <= 40
    for page in pages:
        assert abs(float(page.mediabox.width) - 595.3) < 2
        assert abs(float(page.mediabox.height) - 841.9) < 2


def test_real_report_language_numbers_agree_and_decimal_commas(runs: dict[str, Path]) -> None:
    """Issue 16's language checks on the real export's PDF (the demo's are in
    ``test_report_language.py``): numbers agree with «клиент», «значение», «строка»; no
    decimal point between digits outside hashes, versions and code."""
    from _report_language import agreement_errors, decimal_points, pdf_text

    pytest.importorskip("pypdf")
    for month in ("october", "november"):
        text = pdf_text(runs[month] / "report.pdf")
        assert "клиент" in text
        assert agreement_errors(text) == [], month
        assert decimal_points(text) == [], month


def test_html_has_no_network_reference(runs: dict[str, Path]) -> None:
    import re

    html = (runs["october"] / "report.html").read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "@import" not in html


def test_archive_verify_and_tampering(runs: dict[str, Path], tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["archive", "verify", str(runs["october"])]) == 0
    copy = tmp_path / "r1"
    shutil.copytree(runs["october"], copy)
    pdf = copy / "report.pdf"
    data = bytearray(pdf.read_bytes())
    data[len(data) // 2] ^= 0x01
    pdf.write_bytes(bytes(data))
    capsys.readouterr()
    assert main(["archive", "verify", str(copy)]) == 1
    assert "report.pdf" in capsys.readouterr().err


def test_archive_list(runs: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["archive", "list", "--out", str(runs["archive"])]) == 0
    out = capsys.readouterr().out
    assert "2026-10" in out and "2026-11" in out and "r2" in out


def test_november_compares_with_october(runs: dict[str, Path]) -> None:
    comparison = _results(runs["november"])["comparison"]
    assert comparison["previous"] == {"path": "2026-10/r1", "period": "2026-10",
                                      "revision": "r1"}
    assert comparison["new_categories"]
    assert any(d["level"] == "strong" for d in comparison["drift"])
    assert comparison["previous_model_on_current"]["roc_auc"] is not None
    text, _ = _pdf_text(runs["november"] / "report.pdf")
    assert "Что изменилось" in text and "Товары для дачи" in text
    html = (runs["november"] / "report.html").read_text(encoding="utf-8")
    assert 'id="changes"' in html


def test_november_shows_the_trend_of_both_months(runs: dict[str, Path]) -> None:
    results = _results(runs["november"])
    points = results["trend"]["points"]
    assert [(p["period"], p["revision"]) for p in points] == [("2026-10", "r1"),
                                                              ("2026-11", None)]
    assert points[0]["clients"] == 1300 and points[0]["drift"] is None
    assert points[1]["drift"]["strong"] == results["comparison"]["drift_counts"]["strong"]
    assert (runs["november"] / "figures" / "trend.png").is_file()
    html = (runs["november"] / "report.html").read_text(encoding="utf-8")
    assert 'id="trend"' in html
