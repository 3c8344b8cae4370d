"""Configuration: defaults, the commented default file, and refusals naming the key."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from analysis.config import (
    FAMILY_NAMES,
    MAX_SEED,
    Config,
    ConfigError,
    default_toml,
    load_config,
)
from analysis.model.search import FAMILIES, sample_configs
from analysis.model.splits import repeated_kfold
from report.cli import main

ROOT = Path(__file__).resolve().parents[1]


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


def test_a_bad_flag_is_named_as_the_command_line_in_russian() -> None:
    with pytest.raises(ConfigError) as caught:
        Config().with_overrides(**{"model.search_iter": 0})
    message = caught.value.message
    assert message.startswith("Ошибка во входных данных: командная строка: ")
    assert "файл" not in message.split("Ожидалось")[0]
    assert "должно быть не меньше 1" in message and "Input should" not in message


def test_a_bad_value_in_a_file_is_explained_in_russian(tmp_path: Path) -> None:
    path = tmp_path / "oneclick.toml"
    path.write_text('[model]\nseed = "x"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert f"файл {path}" in caught.value.message
    assert "model.seed" in caught.value.message and "целым числом" in caught.value.message


def test_unreadable_toml(tmp_path: Path) -> None:
    path = tmp_path / "oneclick.toml"
    path.write_text("[model\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="TOML"):
        load_config(path)
    assert "[model]" in default_toml()


@pytest.mark.parametrize(("text", "key"), [
    ("[model]\nseed = -1\n", "model.seed"),
    ("[model]\nseed = 9223372036854775807\n", "model.seed"),
    ("[model]\nseed = 4294967296\n", "model.seed"),
    ("[model]\nfamilies = []\n", "model.families"),
    ("[model]\nfamilies = [\"xgboost\"]\n", "model.families.0"),
    ("[model]\nfamilies = [\"knn\", \"knn\"]\n", "model.families"),
    ("[model]\nlarge_export_families = []\n", "model.large_export_families"),
    ("[model]\nmiss_cost = nan\n", "model.miss_cost"),
    ("[decision]\noffer_cost = inf\n", "decision.offer_cost"),
    ("[decision]\nsensitivity_factors = [0.5, nan]\n", "decision.sensitivity_factors.1"),
    ("[compare]\npsi_warn = nan\n", "compare.psi_warn"),
    ("[compare]\npsi_warn = -5\n", "compare.psi_warn"),
    ("[compare]\nks_alpha = 7\n", "compare.ks_alpha"),
    ("[compare]\nks_alpha = 0\n", "compare.ks_alpha"),
    ("[email]\ntimeout = inf\n", "email.timeout"),
    ("[email]\ntimeout = -1\n", "email.timeout"),
    ("[segments]\nrisk_medium = 0.9\nrisk_high = 0.1\n", "segments.risk_medium"),
    ("[compare]\npsi_warn = 0.5\npsi_alert = 0.2\n", "compare.psi_warn"),
    ("[data]\nmin_clients = 30\nmin_class_clients = 20\n", "data.min_class_clients"),
    ("[decision]\nwinback_baseline = 0.97\n", "decision.winback_baseline"),
], ids=lambda v: v if "." in v and "\n" not in v else None)
def test_impossible_settings_name_the_key_and_file(tmp_path: Path, text: str, key: str) -> None:
    path = tmp_path / "oneclick.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert f"«{key}»" in error.value.message and str(path) in error.value.message


@pytest.mark.parametrize("where", ["missing", "folder", "fifo"])
def test_offer_rules_must_name_a_regular_file(tmp_path: Path, where: str) -> None:
    target = tmp_path / "rules.toml"
    if where == "folder":
        target.mkdir()
    elif where == "fifo":
        os.mkfifo(target)
    path = tmp_path / "oneclick.toml"
    path.write_text(f'[segments]\noffer_rules = "{target}"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert "«segments.offer_rules»" in error.value.message and str(target) in error.value.message


def test_seed_range_and_derived_seeds_stay_valid() -> None:
    assert Config().with_overrides(**{"model.seed": 0}).model.seed == 0
    config = Config().with_overrides(**{"model.seed": MAX_SEED})
    y = np.array([0, 1] * 20)  # seed + repeat and seed + family offset stay below 2**32
    assert len(repeated_kfold(y, None, 2, 20, config.model.seed)) == 40
    assert all(sample_configs(name, 2, config.model.seed) for name in FAMILIES)
    with pytest.raises(ConfigError, match=r"model\.seed"):
        Config().with_overrides(**{"model.seed": MAX_SEED + 1})


def test_family_names_are_the_defined_families() -> None:
    assert set(FAMILY_NAMES) == set(FAMILIES)


@pytest.mark.parametrize("kind", ["folder", "device"])
def test_config_that_is_not_a_regular_file_is_refused(
        tmp_path: Path, kind: str, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path if kind == "folder" else Path("/dev/null")
    assert main(["--config", str(path), "validate", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and "Traceback" not in err and "Внутренняя ошибка" not in err


def test_config_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    path = tmp_path / "pipe.toml"
    os.mkfifo(path)
    # A subprocess with a time limit: a blocking open of the FIFO fails the test, not hangs it.
    run = subprocess.run(
        [sys.executable, "-m", "report.cli", "--config", str(path), "validate", str(tmp_path)],
        capture_output=True, text=True, timeout=60, cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert run.returncode == 2, run.stderr
    assert str(path) in run.stderr and "канал" in run.stderr and "Traceback" not in run.stderr


def test_an_oneclick_toml_folder_in_the_working_folder_is_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "oneclick.toml").mkdir()  # found, not silently skipped, and not opened
    assert main(["validate", str(tmp_path)]) == 2
    assert "oneclick.toml" in capsys.readouterr().err


@pytest.mark.parametrize(("flag", "value"), [("--timeout", "inf"), ("--timeout", "-1"),
                                             ("--timeout", "nan"), ("--retries", "-1")])
def test_bad_send_flags_exit_2_naming_the_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str],
                                              flag: str, value: str) -> None:
    monkeypatch.chdir(tmp_path)
    status = main(["send", str(tmp_path), "--to", "a@example.ru", flag, value])
    err = capsys.readouterr().err
    assert status == 2 and f"email.{flag[2:]}" in err and "Traceback" not in err
