"""The report's month: from --period, the configuration or the export folder; the warnings."""

from __future__ import annotations

import contextlib
import io
from datetime import date
from pathlib import Path

import pytest

from analysis.config import Config, ConfigError
from analysis.errors import InputError
from report.cli import main as oneclick
from report.period import period_warnings, require_period, resolve_period


def test_period_comes_from_the_flag_then_the_config_then_the_folder(tmp_path: Path) -> None:
    folder = tmp_path / "2026-11"
    folder.mkdir()
    configured = Config().with_overrides(period="2026-10")
    assert resolve_period("2026-09", configured, folder) == "2026-09"
    assert resolve_period(None, configured, folder) == "2026-10"
    assert resolve_period(None, Config(), folder) == "2026-11"
    assert resolve_period(None, Config(), tmp_path / "export") is None
    assert resolve_period(None, Config(), tmp_path / "2026-13") is None


def test_no_period_anywhere_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="--period"):
        require_period(None, Config(), tmp_path / "export")


def test_a_malformed_period_in_the_config_is_refused() -> None:
    with pytest.raises(ConfigError, match="period"):
        Config().with_overrides(period="ноябрь")


def test_report_without_a_period_exits_2_before_reading_anything(tmp_path: Path) -> None:
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = oneclick(["report", "--data", str(tmp_path / "export"), "--out",
                         str(tmp_path / "reports"), "--quiet"])
    assert code == 2 and "период" in err.getvalue()
    assert not (tmp_path / "reports").exists()


def _archive(tmp_path: Path, *revisions: str) -> Path:
    archive = tmp_path / "reports"
    for revision in revisions:
        (archive / revision).mkdir(parents=True)
    return archive


def test_warnings_name_a_repeated_and_an_out_of_order_period(tmp_path: Path) -> None:
    archive = _archive(tmp_path, "2026-10/r1", "2026-11/r1", "2026-11/r2")
    export = tmp_path / "export"
    december = date(2026, 12, 1)
    again = period_warnings(archive, "2026-11", export, today=december)
    assert len(again) == 1 and "2026-11" in again[0] and "r1, r2" in again[0]
    late = period_warnings(archive, "2026-09", export, today=december)
    assert len(late) == 1 and "не по порядку" in late[0] and "2026-11" in late[0]
    assert period_warnings(archive, "2026-12", export, today=date(2027, 1, 1)) == []


def test_warnings_name_a_month_not_ended_and_a_folder_of_another_month(tmp_path: Path) -> None:
    archive = _archive(tmp_path)
    # the bug: a run on 1 December titled «декабрь» though the export covers November
    early = period_warnings(archive, "2026-12", tmp_path / "export", today=date(2026, 12, 1))
    assert len(early) == 1 and "ещё не закончился" in early[0]
    other = period_warnings(archive, "2026-10", tmp_path / "2026-11", today=date(2026, 12, 1))
    assert len(other) == 1 and "2026-11" in other[0] and "2026-10" in other[0]


def test_makefile_names_the_month_just_finished() -> None:
    makefile = (Path(__file__).resolve().parents[1] / "Makefile").read_text(encoding="utf-8")
    assert "date +%Y-%m)" not in makefile
    assert "PERIOD ?= $(call MONTHS_BACK,1)" in makefile
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert '--period "$(date +' not in readme and "-1 month" in readme


def test_report_takes_the_folder_month_and_prints_the_warnings(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import report.pipeline

    calls = []

    def fake_build(data: Path, period: str, archive: Path, *args: object,
                   **kwargs: object) -> Path:
        calls.append(period)
        return archive / period / "r1"

    monkeypatch.setattr(report.pipeline, "build_report", fake_build)
    archive = _archive(tmp_path, "2026-11/r1")
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = oneclick(["report", "--data", str(tmp_path / "2026-11"), "--out", str(archive),
                         "--quiet"])
    assert code == 0 and calls == ["2026-11"]
    assert "Внимание: период 2026-11 уже есть в архиве" in err.getvalue()
