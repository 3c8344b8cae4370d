"""Tampering with one revision: each case makes ``oneclick archive verify REV`` exit 1, naming it.

Revisions are built with ``RevisionBuilder`` from a few small files
(``_archive_outputs.write_outputs``), not by running a report.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest
from _archive_outputs import PERIOD, publish

from report import cli
from report.archive.listing import intact_previous
from report.archive.manifest import check_revision, verify_revision
from report.archive.signing import ENV_KEY
from report.delivery.send import ENV_PASSWORD, ENV_USER


@pytest.fixture(autouse=True)
def _no_key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No signing key or SMTP login from the developer's shell; no ./oneclick.toml."""
    for name in (ENV_KEY, ENV_USER, ENV_PASSWORD):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def verify(rev: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """Run ``oneclick archive verify REV``; return the status and stderr."""
    capsys.readouterr()
    status = cli.main(["archive", "verify", str(rev)])
    return status, capsys.readouterr().err


def rehash(rev: Path, name: str) -> None:
    """Recompute one file's entry in the manifest, as an editor covering their tracks would."""
    path = rev / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    data = (rev / name).read_bytes()
    manifest["files"][name] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    path.write_text(json.dumps(manifest, sort_keys=True, indent=2, ensure_ascii=False) + "\n",
                    encoding="utf-8")


def test_an_intact_revision_passes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rev = publish(tmp_path / "reports")
    assert verify(rev, capsys) == (0, "")


@pytest.mark.parametrize(("manifest", "named"), [
    ({"files": {}}, "manifest_version"),
    ({}, "manifest_version"),
    ({"manifest_version": 99, "files": {}}, "unknown manifest_version 99"),
    ({"manifest_version": "2"}, "unknown manifest_version '2'"),
], ids=["files-only", "empty-object", "version-99", "version-as-text"])
def test_an_emptied_or_unknown_manifest_fails(
        manifest: dict, named: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rev = publish(tmp_path / "reports")
    (rev / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    status, err = verify(rev, capsys)
    assert status == 1 and named in err and "Traceback" not in err


@pytest.mark.parametrize("key", ["files", "inputs", "revision", "previous_manifest_sha256"])
def test_a_manifest_missing_a_required_key_fails(
        key: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rev = publish(tmp_path / "reports")
    manifest = json.loads((rev / "manifest.json").read_text(encoding="utf-8"))
    del manifest[key]
    (rev / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    status, err = verify(rev, capsys)
    assert status == 1 and f"lacks '{key}'" in err


def test_a_manifest_listing_no_files_fails(tmp_path: Path) -> None:
    rev = publish(tmp_path / "reports")
    manifest = json.loads((rev / "manifest.json").read_text(encoding="utf-8"))
    manifest["files"] = {}
    (rev / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert "manifest.json lists no files" in verify_revision(rev)


def test_an_unlisted_extra_file_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rev = publish(tmp_path / "reports")
    (rev / "figures" / "extra.png").write_bytes(b"\x89PNG planted")
    (rev / "notes\x1b[2J.txt").write_text("x", encoding="utf-8")
    status, err = verify(rev, capsys)
    assert status == 1
    assert "unlisted (file): figures/extra.png" in err
    assert "unlisted (file): notes\\u001b[2J.txt" in err and "\x1b" not in err  # escaped


def test_delivery_records_have_their_own_check(tmp_path: Path) -> None:
    """Only ``deliveries/log.jsonl``, a real file of JSON objects, may be added after publishing."""
    rev = publish(tmp_path / "reports")
    log = rev / "deliveries" / "log.jsonl"
    log.parent.mkdir()
    log.write_text('{"status": "sent"}\n{"status": "failed"}\n', encoding="utf-8")
    assert verify_revision(rev) == []

    (rev / "deliveries" / "report.pdf").write_bytes(b"%PDF other")
    assert verify_revision(rev) == ["unlisted in deliveries/ (file): deliveries/report.pdf"]
    (rev / "deliveries" / "report.pdf").unlink()

    with log.open("a", encoding="utf-8") as fh:
        fh.write("not json\n")
    assert verify_revision(rev) == ["deliveries/log.jsonl line 3 is not a delivery record"]

    shutil.rmtree(rev / "deliveries")
    (tmp_path / "elsewhere").mkdir()
    (rev / "deliveries").symlink_to(tmp_path / "elsewhere")
    [problem] = verify_revision(rev)
    assert "deliveries is not a real folder" in problem


def test_a_listed_file_replaced_by_a_symlink_is_not_followed(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The link points at a byte-identical copy: a check that followed it would pass."""
    rev = publish(tmp_path / "reports")
    copy = tmp_path / "results-copy.json"
    shutil.copyfile(rev / "results.json", copy)
    (rev / "results.json").unlink()
    (rev / "results.json").symlink_to(copy)
    status, err = verify(rev, capsys)
    assert status == 1 and "symbolic link instead of a file (not followed): results.json" in err

    (rev / "results.json").unlink()
    (rev / "results.json").symlink_to("/etc/passwd")
    assert "symbolic link instead of a file (not followed): results.json" in verify(rev, capsys)[1]


def test_a_listed_folder_replaced_by_a_symlink_is_not_followed(tmp_path: Path) -> None:
    rev = publish(tmp_path / "reports")
    shutil.move(rev / "figures", tmp_path / "figures-copy")
    (rev / "figures").symlink_to(tmp_path / "figures-copy")
    problems = verify_revision(rev)
    assert any("not a real folder" in p and "figures/shap.png" in p for p in problems)


def test_a_fifo_in_place_of_a_file_does_not_hang(tmp_path: Path) -> None:
    rev = publish(tmp_path / "reports")
    (rev / "scores.csv").unlink()
    os.mkfifo(rev / "scores.csv")
    assert verify_revision(rev) == ["not a regular file: scores.csv"]


def test_a_missing_listed_file_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rev = publish(tmp_path / "reports")
    (rev / "report.pdf").unlink()
    status, err = verify(rev, capsys)
    assert status == 1 and "missing: report.pdf" in err


def test_a_results_edit_rehashed_into_the_manifest_is_caught_by_the_ledger(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The manifest matches the edited file, but no longer the ledger; send refuses it too."""
    archive = tmp_path / "reports"
    rev = publish(archive)
    results = json.loads((rev / "results.json").read_text(encoding="utf-8"))
    results["facts"]["decline_share"] = 0.01
    (rev / "results.json").write_text(json.dumps(results), encoding="utf-8")
    rehash(rev, "results.json")

    assert check_revision(rev, key=None).problems == (
        "manifest.json differs from the ledger (line 1): changed after publication",)
    status, err = verify(rev, capsys)
    assert status == 1 and "differs from the ledger" in err
    assert intact_previous(archive, "2026-12") == (None, [
        {"revision": f"{PERIOD}/r1", "problem": err.split("НЕ СОВПАДАЕТ: ")[1].strip()}])

    status = cli.main(["send", str(rev), "--to", "boss@example.ru", "--smtp-host", "127.0.0.1",
                       "--smtp-port", "9"])  # refused before any connection
    err = capsys.readouterr().err
    assert status == 1 and "не прошла проверку" in err and "differs from the ledger" in err


def test_a_revision_copied_out_of_its_archive_cannot_be_chain_checked(tmp_path: Path) -> None:
    rev = publish(tmp_path / "reports")
    shutil.copytree(rev, tmp_path / "copy")
    [problem] = verify_revision(tmp_path / "copy")
    assert "not at ARCHIVE/YYYY-MM/rN" in problem


def test_a_revision_moved_to_another_name_fails(tmp_path: Path) -> None:
    archive = tmp_path / "reports"
    rev = publish(archive)
    moved = archive / PERIOD / "r7"
    rev.rename(moved)
    problems = verify_revision(moved)
    assert any("names revision '2026-11/r1', but lies in 2026-11/r7" in p for p in problems)
    assert any("not in the ledger" in p for p in problems)


def test_a_missing_path_is_exit_2_not_found(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["archive", "verify", str(tmp_path / "nope")],
                 ["archive", "verify", "--all", str(tmp_path / "nope")]):
        assert cli.main(argv) == 2
        err = capsys.readouterr().err
        assert "не найдена" in err and "НЕ СОВПАДАЕТ" not in err
