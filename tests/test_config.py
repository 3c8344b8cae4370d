"""Configuration: defaults, the commented default file, and refusals naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.config import Config, ConfigError, default_toml, load_config
from report.cli import main


def test_default_file_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "oneclick.toml"
    assert main(["init", str(path)]) == 0
    assert load_config(path) == Config()
    assert "# " in path.read_text(encoding="utf-8")


def test_init_refuses_to_overwrite(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "oneclick.toml"
    path.write_text("", encoding="utf-8")
    assert main(["init", str(path)]) == 2
    assert "уже существует" in capsys.readouterr().err


@pytest.mark.parametrize(("text", "key"), [
    ("[model]\nsearch_iter = \"много\"\n", "model.search_iter"),
    ("[model]\nsearch_itr = 3\n", "model.search_itr"),
    ("colour = 1\n", "colour"),
    ("[segments]\nrisk_high = 1.5\n", "segments.risk_high"),
    ("[email]\nsecurity = \"tls\"\n", "email.security"),
])
def test_bad_config_names_the_key(tmp_path: Path, text: str, key: str) -> None:
    path = tmp_path / "oneclick.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert f"«{key}»" in error.value.message
    assert str(path) in error.value.message


def test_cli_reports_bad_config_with_exit_2(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("[model]\ncv_folds = 1\n", encoding="utf-8")
    assert main(["--config", str(path), "validate", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "model.cv_folds" in err and "Traceback" not in err


def test_overrides_are_validated() -> None:
    config = Config().with_overrides(**{"model.search_iter": 2, "renderer": "builtin"})
    assert config.model.search_iter == 2 and config.renderer == "builtin"
    with pytest.raises(ConfigError, match=r"model\.search_iter"):
        Config().with_overrides(**{"model.search_iter": 0})


def test_unreadable_toml(tmp_path: Path) -> None:
    path = tmp_path / "oneclick.toml"
    path.write_text("[model\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="TOML"):
        load_config(path)
    assert "[model]" in default_toml()
