"""Tests for report.cli: one parser registers every subcommand; bad paths exit with 2."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from analysis.config import Config
from report import cli, pipeline

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo"
COMMANDS = {"validate", "init", "demo-data", "analyse", "report", "archive", "compare", "send"}


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    [action] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(action.choices)


def test_every_subcommand_is_registered_in_one_parser() -> None:
    commands = _subcommands(cli.build_parser())
    assert set(commands) == COMMANDS
    assert set(_subcommands(commands["archive"])) == {"list", "trend", "verify"}


def test_argparse_lives_only_in_cli() -> None:
    users = sorted(path.relative_to(ROOT).as_posix() for path in (ROOT / "report").rglob("*.py")
                   if "argparse" in path.read_text(encoding="utf-8"))
    assert users == ["report/cli.py"]


@pytest.mark.parametrize("argv", [
    ["validate", "{missing}"],
    ["analyse", "--data", "{missing}", "--out", "{tmp}/bundle"],
    ["report", "--data", "{missing}", "--period", "2026-11", "--out", "{tmp}/reports"],
    ["archive", "verify", "{missing}"],
    ["archive", "trend", "{missing}"],
    ["compare", "{missing}", "{missing}"],
    ["send", "{missing}", "--to", "boss@example.ru"],
    ["demo-data", "{file}"],
], ids=lambda argv: " ".join(argv[:2]))
def test_bad_path_exits_2_with_one_message(
        argv: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a-file").write_text("x", encoding="utf-8")
    names = {"missing": str(tmp_path / "no-such-folder"), "tmp": str(tmp_path),
             "file": str(tmp_path / "a-file")}
    status = cli.main([arg.format(**names) for arg in argv])
    err = capsys.readouterr().err
    assert status == cli.EXIT_INPUT == 2, err
    assert err.strip() and "Traceback" not in err and "Внутренняя ошибка" not in err
    assert not (tmp_path / "reports").exists() or list((tmp_path / "reports").iterdir()) == []


def test_bad_arguments_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        cli.main(["report", "--period", "2026-13"])
    assert info.value.code == cli.EXIT_INPUT
    assert "ГГГГ-ММ" in capsys.readouterr().err


def test_archive_list_of_a_missing_folder_is_empty(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["archive", "list", "--out", str(tmp_path / "none")]) == cli.EXIT_OK
    assert capsys.readouterr().out.strip() == "No archived revisions."


def test_config_is_found_in_the_working_folder_unless_given(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert cli.load_cli_config(None) == Config()
    Path("oneclick.toml").write_text('archive_dir = "here"\n', encoding="utf-8")
    (tmp_path / "other.toml").write_text('archive_dir = "there"\n', encoding="utf-8")
    assert cli.load_cli_config(None).archive_dir == "here"
    assert cli.load_cli_config(str(tmp_path / "other.toml")).archive_dir == "there"


def test_version_names_the_tool(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        cli.main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out.startswith("oneclick ")


def test_report_without_a_data_folder_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)  # no oneclick.toml here, and "." must not be taken as the data
    assert cli.main(["report", "--period", "2026-11"]) == 2
    err = capsys.readouterr().err
    assert "не указана папка с выгрузкой" in err and "--data" in err


def test_debug_is_accepted_after_the_subcommand(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    def broken(args: argparse.Namespace) -> int:
        raise RuntimeError("a bug")

    monkeypatch.setattr(cli, "_cmd_validate", broken)
    assert cli.main(["validate", str(tmp_path)]) == 1  # without --debug: one message
    assert "--debug" in capsys.readouterr().err
    with pytest.raises(RuntimeError, match="a bug"):  # with it, after the subcommand: the bug
        cli.main(["validate", str(tmp_path), "--debug"])


# ------------------------------------------------------- checks before computing


@pytest.fixture
def no_computation(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any test using this fails if the run gets as far as reading the export."""
    def started(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the computation started before the refusal")

    monkeypatch.setattr(pipeline, "load_export", started)


def _refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    status = cli.main(argv)
    err = capsys.readouterr().err
    assert status == cli.EXIT_INPUT, err
    assert "Traceback" not in err and "Внутренняя ошибка" not in err
    return err


@pytest.mark.parametrize("where", ["missing-folder", "a-folder"])
def test_init_into_a_missing_folder_or_onto_a_folder_exits_2(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str) -> None:
    target = tmp_path / "no-such" / "oneclick.toml" if where == "missing-folder" else tmp_path
    err = _refused(["init", str(target), "--force"], capsys)
    assert str(target) in err
    assert not (tmp_path / "no-such").exists()  # nothing created on the way


@pytest.mark.parametrize("where", ["existing-file", "under-a-file", "unwritable"])
def test_analyse_out_is_refused_before_the_analysis(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        no_computation: None, where: str) -> None:
    (tmp_path / "a-file").write_text("x", encoding="utf-8")
    out = {"existing-file": tmp_path / "a-file", "under-a-file": tmp_path / "a-file" / "bundle",
           "unwritable": tmp_path / "locked" / "bundle"}[where]
    if where == "unwritable":
        (tmp_path / "locked").mkdir(mode=0o500)
        if os.geteuid() == 0:  # root writes into any folder: the refusal is simulated
            def refused(*args: Any, **kwargs: Any) -> None:
                raise PermissionError(13, "Permission denied")

            monkeypatch.setattr(pipeline.tempfile, "TemporaryFile", refused)
    err = _refused(["analyse", "--data", str(DEMO), "--out", str(out)], capsys)
    assert str(out) in err


@pytest.mark.parametrize("command", ["analyse", "report"])
def test_a_data_path_that_is_a_file_is_refused_before_the_analysis(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], no_computation: None,
        command: str) -> None:
    data = tmp_path / "export.csv"
    data.write_text("id\n1\n", encoding="utf-8")
    out = ["--out", str(tmp_path / "out")] + (["--period", "2026-11"] if command == "report"
                                              else [])
    err = _refused([command, "--data", str(data), *out], capsys)
    assert str(data) in err and "не папка" in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("how", ["flag", "config"])
def test_quarto_without_an_executable_is_refused_before_the_analysis(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        no_computation: None, how: str) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    monkeypatch.chdir(tmp_path)
    argv = ["report", "--data", str(DEMO), "--period", "2026-11", "--out", str(tmp_path / "r")]
    if how == "flag":
        argv += ["--renderer", "quarto"]
    else:
        Path("oneclick.toml").write_text('renderer = "quarto"\n', encoding="utf-8")
    err = _refused(argv, capsys)
    assert "quarto" in err and "PATH" in err
    assert not (tmp_path / "r").exists()  # not even the archive folder


def test_auto_renderer_without_quarto_passes_the_checks(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    pipeline.check_before_run(DEMO, Config(), renderer="auto")  # the built-in one is used


def test_a_malformed_offer_catalogue_is_refused_before_the_analysis(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        no_computation: None) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "rules.toml").write_text("[[rule]]\nid = 1\n", encoding="utf-8")
    Path("oneclick.toml").write_text('[segments]\noffer_rules = "rules.toml"\n',
                                     encoding="utf-8")
    err = _refused(["analyse", "--data", str(DEMO), "--out", str(tmp_path / "b")], capsys)
    assert "rules.toml" in err


@pytest.mark.parametrize("argv", [["--clients", "5"], ["--seed", "-1"], ["--seed", "x"]])
def test_demo_data_arguments_out_of_range_exit_2(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        cli.main(["demo-data", str(tmp_path / "demo"), *argv])
    assert stop.value.code == cli.EXIT_INPUT
    assert argv[0] in capsys.readouterr().err and not (tmp_path / "demo").exists()


def test_a_latin1_terminal_gets_escapes_not_a_crash(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "report.cli", "validate", str(DEMO)],
        capture_output=True, timeout=120, cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "latin-1"})
    assert run.returncode == 0, run.stderr.decode("latin-1")
    out = run.stdout.decode("latin-1")
    assert "\\u041a" in out  # «К» of «Клиентов прочитано», escaped
    assert "market_file.csv" in out
