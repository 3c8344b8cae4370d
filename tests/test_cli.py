"""Tests for report.cli: one parser registers every subcommand; bad paths exit with 2."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from analysis.config import Config
from report import cli

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = {"validate", "init", "demo-data", "analyse", "report", "archive", "compare", "send"}


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    [action] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(action.choices)


def test_every_subcommand_is_registered_in_one_parser() -> None:
    commands = _subcommands(cli.build_parser())
    assert set(commands) == COMMANDS
    assert set(_subcommands(commands["archive"])) == {"list", "verify"}


def test_argparse_lives_only_in_cli() -> None:
    users = sorted(path.relative_to(ROOT).as_posix() for path in (ROOT / "report").rglob("*.py")
                   if "argparse" in path.read_text(encoding="utf-8"))
    assert users == ["report/cli.py"]


@pytest.mark.parametrize("argv", [
    ["validate", "{missing}"],
    ["analyse", "--data", "{missing}", "--out", "{tmp}/bundle"],
    ["report", "--data", "{missing}", "--period", "2026-11", "--out", "{tmp}/reports"],
    ["archive", "verify", "{missing}"],
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
