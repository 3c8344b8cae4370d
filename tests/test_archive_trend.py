"""The trend read from the archive (report.archive.listing.intact_history) and
``oneclick archive trend``: the newest intact revision of each period; a damaged or
unreadable one is passed over with a warning, never a failure."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _archive_outputs import write_outputs
from _trend_results import month_results, schema_one_results

from report.archive.listing import intact_history
from report.archive.store import RevisionBuilder
from report.cli import main

MONTHS = {"2026-08": (1280, 0.41), "2026-09": (1300, 0.40), "2026-10": (1310, 0.36),
          "2026-11": (1320, 0.34)}


def _publish(archive: Path, period: str, results: dict) -> Path:
    with RevisionBuilder(archive, period) as build:
        write_outputs(build.path, period)
        (build.path / "results.json").write_text(json.dumps(results, ensure_ascii=False),
                                                 encoding="utf-8")
        return build.publish({})


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    """Four months, one revision each; September's of the first schema."""
    for period, (clients, share) in MONTHS.items():
        results = (schema_one_results(clients, share) if period == "2026-09"
                   else month_results(clients, share))
        _publish(tmp_path, period, results)
    return tmp_path


def _damage(revision: Path) -> None:
    """Edit a published results.json (the manifest's sha256 no longer matches)."""
    path = revision / "results.json"
    results = json.loads(path.read_text(encoding="utf-8"))
    results["facts"]["clients_total"] = 9999
    path.write_text(json.dumps(results), encoding="utf-8")


def test_every_period_is_read_older_schemas_too(archive: Path) -> None:
    history = intact_history(archive)
    assert [(r.period, r.revision) for r in history.runs] == [
        ("2026-08", "r1"), ("2026-09", "r1"), ("2026-10", "r1"), ("2026-11", "r1")]
    assert history.runs[1].results["schema_version"] == 1 and history.skipped == ()
    assert [r.period for r in intact_history(archive, before="2026-11").runs] == [
        "2026-08", "2026-09", "2026-10"]              # the month reported is the last point


def test_a_damaged_middle_revision_is_passed_over_with_its_problem(archive: Path) -> None:
    _damage(archive / "2026-10" / "r1")
    history = intact_history(archive)
    assert [r.period for r in history.runs] == ["2026-08", "2026-09", "2026-11"]
    assert [s["revision"] for s in history.skipped] == ["2026-10/r1"]
    assert "results.json" in history.skipped[0]["problem"]


def test_a_damaged_newest_revision_falls_back_to_the_newest_intact_one(archive: Path) -> None:
    second = _publish(archive, "2026-10", month_results(1311, 0.35))
    _damage(second)
    assert second.name == "r2"
    history = intact_history(archive)
    october = next(r for r in history.runs if r.period == "2026-10")
    assert october.revision == "r1" and october.results["facts"]["clients_total"] == 1310
    assert [s["revision"] for s in history.skipped] == ["2026-10/r2"]


def test_a_schema_this_tool_does_not_know_is_skipped_with_a_message(tmp_path: Path) -> None:
    _publish(tmp_path, "2026-10", month_results(schema=99))
    _publish(tmp_path, "2026-11", month_results())
    history = intact_history(tmp_path)
    assert [r.period for r in history.runs] == ["2026-11"]
    assert "неизвестная версия схемы результатов: 99" in history.skipped[0]["problem"]


# ------------------------------------------------------------------- the command


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["archive", "trend", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_archive_trend_json_lists_every_period_with_the_figures(
        archive: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "--json", str(archive))
    assert code == 0 and err == ""
    trend = json.loads(out)
    assert [p["period"] for p in trend["points"]] == list(MONTHS)
    last = trend["points"][-1]
    assert last["clients"] == 1320 and last["decline_share"] == 0.34
    assert set(last) >= {"exposure", "roc_auc", "segments", "drift", "outcome"}
    assert last["outcome"]["groups"]["winback"]["verdict"] == "effect"
    assert trend["points"][1]["exposure"] == {"winback": None, "prevention": None}  # schema 1


def test_archive_trend_skips_a_damaged_middle_revision_with_a_warning(
        archive: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _damage(archive / "2026-10" / "r1")
    code, out, err = _run(capsys, "--json", str(archive))
    assert code == 0
    assert [p["period"] for p in json.loads(out)["points"]] == ["2026-08", "2026-09", "2026-11"]
    assert "Внимание: ревизия 2026-10/r1 пропущена" in err and "results.json" in err
    code, out, err = _run(capsys, str(archive))
    assert code == 0 and "2026-10/r1 пропущена" in err
    periods = [line.split()[0] for line in out.splitlines()[1:4]]
    assert periods == ["2026-08", "2026-09", "2026-11"]


def test_archive_trend_of_a_missing_folder_is_an_input_error(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, str(tmp_path / "nowhere"))
    assert code == 2 and "папка архива не найдена" in err
    code, out, _ = _run(capsys, str(tmp_path))
    assert code == 0 and "нет ни одной" in out


def test_archive_trend_escapes_text_from_a_revision(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    results = month_results()
    results["segments"]["segments"][0]["name"] = "Сегмент\x1b[2J\x07\u202eRTL"
    _publish(tmp_path, "2026-10", results)
    for args in ((str(tmp_path),), ("--json", str(tmp_path))):
        code, out, err = _run(capsys, *args)
        assert code == 0 and err == ""
        assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
        assert "\\u202e" in out


def test_archive_trend_and_list_read_the_configured_archive_by_default(
        archive: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "oneclick.toml"
    config.write_text(f'archive_dir = "{archive.as_posix()}"\n', encoding="utf-8")
    capsys.readouterr()
    assert main(["--config", str(config), "archive", "trend", "--json"]) == 0
    points = json.loads(capsys.readouterr().out)["points"]
    assert [p["period"] for p in points] == list(MONTHS)
    assert main(["--config", str(config), "archive", "list"]) == 0
    listed = capsys.readouterr().out
    assert all(month in listed for month in MONTHS)
