"""The hash chain and the ledger: ``oneclick archive verify --all``, legacy archives, crashes."""

from __future__ import annotations

import errno
import json
import shutil
import threading
from pathlib import Path

import pytest
from _archive_outputs import PERIOD, publish

from report import cli
from report.archive import store
from report.archive.audit import verify_archive
from report.archive.errors import ArchiveError
from report.archive.ledger import LEDGER_NAME, read_ledger
from report.archive.listing import list_revisions
from report.archive.manifest import check_revision, verify_revision
from report.archive.signing import ENV_KEY
from report.archive.store import RevisionBuilder

REVISIONS = ("2026-10/r1", "2026-11/r1", "2026-11/r2")


@pytest.fixture(autouse=True)
def _no_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_KEY, raising=False)


@pytest.fixture
def chain(tmp_path: Path) -> Path:
    """An archive of three revisions across two periods, published in this order."""
    archive = tmp_path / "reports"
    for label in REVISIONS:
        publish(archive, label.split("/")[0], tag=label)
    return archive


def manifest_of(rev: Path) -> dict:
    return json.loads((rev / "manifest.json").read_text(encoding="utf-8"))


def write_manifest(rev: Path, manifest: dict) -> None:
    text = json.dumps(manifest, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    (rev / "manifest.json").write_text(text, encoding="utf-8")


def audit(archive: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    capsys.readouterr()
    status = cli.main(["archive", "verify", "--all", str(archive)])
    return status, capsys.readouterr().err


def test_each_manifest_records_the_previous_one_across_periods(chain: Path) -> None:
    import hashlib

    shas = [hashlib.sha256((chain / label / "manifest.json").read_bytes()).hexdigest()
            for label in REVISIONS]
    previous = [manifest_of(chain / label)["previous_manifest_sha256"] for label in REVISIONS]
    assert previous == [None, shas[0], shas[1]]
    ledger = read_ledger(chain)
    assert [(e.revision, e.manifest_sha256, e.previous_sha256) for e in ledger.entries] == [
        (REVISIONS[0], shas[0], None), (REVISIONS[1], shas[1], shas[0]),
        (REVISIONS[2], shas[2], shas[1])]
    assert ledger.problems == ()
    assert verify_archive(chain).ok


@pytest.mark.parametrize("edited", REVISIONS)
def test_editing_any_manifest_of_three_is_detected_by_verify_all(
        edited: str, chain: Path, capsys: pytest.CaptureFixture[str]) -> None:
    manifest = manifest_of(chain / edited)
    manifest["seed"] = 12345  # any edit; the file hashes stay right
    write_manifest(chain / edited, manifest)
    status, err = audit(chain, capsys)
    assert status == 1
    assert f"{edited}: manifest.json differs from the ledger" in err
    others = [label for label in REVISIONS if label != edited]
    assert not any(f"{label}:" in err for label in others)


@pytest.mark.parametrize("edited", REVISIONS[:2])
def test_rewriting_the_ledger_line_too_breaks_the_next_link(
        edited: str, chain: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An editor who also updates the ledger's hash is caught by the next revision's link."""
    import hashlib

    manifest = manifest_of(chain / edited)
    manifest["seed"] = 12345
    write_manifest(chain / edited, manifest)
    new_sha = hashlib.sha256((chain / edited / "manifest.json").read_bytes()).hexdigest()
    lines = [json.loads(line) for line in (chain / LEDGER_NAME).read_text().splitlines()]
    for line in lines:
        if line["revision"] == edited:
            line["manifest_sha256"] = new_sha
    (chain / LEDGER_NAME).write_text("".join(json.dumps(line) + "\n" for line in lines))

    status, err = audit(chain, capsys)
    assert status == 1 and "ledger chain broken at line" in err
    following = REVISIONS[REVISIONS.index(edited) + 1]
    assert f"({following})" in err
    assert verify_revision(chain / edited)  # the single check sees its next link broken too


def test_every_break_is_reported(chain: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first, _, last = (chain / label for label in REVISIONS)
    (first / "report.pdf").write_bytes(b"changed")
    shutil.rmtree(last)
    status, err = audit(chain, capsys)
    assert status == 1
    assert "2026-10/r1: changed: report.pdf" in err
    assert "line 3 names 2026-11/r2, which is not in the archive" in err


def test_a_ledger_deleted_or_cut_is_detected(chain: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    lines = (chain / LEDGER_NAME).read_text().splitlines(keepends=True)
    (chain / LEDGER_NAME).write_text("".join(lines[:2]))
    status, err = audit(chain, capsys)
    assert status == 1 and "2026-11/r2: not in the ledger" in err
    (chain / LEDGER_NAME).unlink()
    status, err = audit(chain, capsys)
    assert status == 1 and err.count("is missing: the chain cannot be checked") == 3


def test_a_revision_added_outside_the_tool_is_detected(chain: Path) -> None:
    shutil.copytree(chain / "2026-11" / "r2", chain / "2026-12" / "r1")
    result = verify_archive(chain)
    [(label, verdict)] = [(lb, v) for lb, v in result.revisions if not v.ok]
    assert label == "2026-12/r1" and any("not in the ledger" in p for p in verdict.problems)


def test_a_torn_last_ledger_line_does_not_stop_publishing(chain: Path) -> None:
    with (chain / LEDGER_NAME).open("a") as fh:
        fh.write('{"revision": "2026-11/r3", "manifest_sh')  # a crash mid-line
    publish(chain, PERIOD)
    ledger = read_ledger(chain)
    assert [e.revision for e in ledger.entries][-1] == f"{PERIOD}/r3"
    assert ledger.problems == (f"ledger {chain / LEDGER_NAME} line 4 is not a ledger entry",)
    assert verify_revision(chain / PERIOD / "r3") == []  # the revisions themselves are intact
    assert verify_archive(chain).problems == ledger.problems


def test_a_ledger_that_cannot_be_written_publishes_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    archive = tmp_path / "reports"
    publish(archive)
    before = (archive / LEDGER_NAME).read_bytes()

    def disk_full(*_args: object) -> int:
        raise OSError(errno.ENOSPC, "No space left on device", str(archive / LEDGER_NAME))

    monkeypatch.setattr(store, "append_lines", disk_full)
    with pytest.raises(ArchiveError, match="no space left"):
        publish(archive)
    monkeypatch.undo()
    assert [r.revision for r in list_revisions(archive)] == ["r1"]
    assert list(archive.glob(".tmp-*")) == []
    assert (archive / LEDGER_NAME).read_bytes() == before
    assert publish(archive) == archive / PERIOD / "r2"
    assert verify_archive(archive).ok


def test_a_symlinked_ledger_is_never_written_through(tmp_path: Path) -> None:
    archive = tmp_path / "reports"
    publish(archive)
    target = tmp_path / "elsewhere.jsonl"
    shutil.move(archive / LEDGER_NAME, target)
    (archive / LEDGER_NAME).symlink_to(target)
    before = target.read_bytes()
    with pytest.raises(ArchiveError):
        publish(archive)
    assert target.read_bytes() == before
    assert any("symbolic link" in p for p in verify_archive(archive).problems)


def test_concurrent_publications_form_one_unbroken_chain(tmp_path: Path) -> None:
    count = 5
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def run(tag: str) -> None:
        try:
            with RevisionBuilder(tmp_path, PERIOD) as build:
                (build.path / "report.pdf").write_bytes(tag.encode())
                barrier.wait(timeout=10)
                build.publish({"tag": tag})
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(str(i),)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert errors == []
    result = verify_archive(tmp_path)
    assert result.ok, (result.problems, [v.problems for _, v in result.revisions])
    assert len(read_ledger(tmp_path).entries) == count


# ------------------------------------------------------------------------------ legacy


def make_legacy(rev: Path, created_at: str) -> None:
    """Rewrite a revision's manifest as version 1 wrote it (no chain fields)."""
    manifest = manifest_of(rev)
    for key in ("revision", "previous_manifest_sha256", "signature"):
        del manifest[key]
    write_manifest(rev, {**manifest, "manifest_version": 1, "created_at": created_at})


@pytest.fixture
def legacy_archive(tmp_path: Path) -> Path:
    """An archive written before chaining: two version-1 revisions, no ledger."""
    archive = tmp_path / "reports"
    for period, created in (("2026-09", "2026-09-28T07:00:00+00:00"),
                            ("2026-10", "2026-10-28T07:00:00+00:00")):
        make_legacy(publish(archive, period), created)
    (archive / LEDGER_NAME).unlink()
    return archive


def test_legacy_revisions_verify_as_legacy_not_chained(
        legacy_archive: Path, capsys: pytest.CaptureFixture[str]) -> None:
    verdict = check_revision(legacy_archive / "2026-10" / "r1")
    assert verdict.ok and verdict.version == 1
    assert verdict.notes == ("legacy manifest (version 1), not chained: only its files "
                             "are checked",)
    capsys.readouterr()
    assert cli.main(["archive", "verify", str(legacy_archive / "2026-10" / "r1")]) == 0
    assert "legacy" in capsys.readouterr().out
    assert verify_archive(legacy_archive).ok
    assert [r.problem for r in list_revisions(legacy_archive)] == [None, None]


def test_the_first_chained_publication_pins_the_legacy_revisions(legacy_archive: Path) -> None:
    import hashlib

    new = publish(legacy_archive)
    entries = read_ledger(legacy_archive).entries
    assert [(e.revision, e.legacy) for e in entries] == [
        ("2026-09/r1", True), ("2026-10/r1", True), (f"{PERIOD}/r1", False)]
    october = hashlib.sha256((legacy_archive / "2026-10/r1/manifest.json").read_bytes())
    assert manifest_of(new)["previous_manifest_sha256"] == october.hexdigest()
    assert verify_archive(legacy_archive).ok
    assert "pinned by the ledger" in check_revision(legacy_archive / "2026-09" / "r1").notes[0]

    manifest = manifest_of(legacy_archive / "2026-09" / "r1")
    manifest["seed"] = 1
    write_manifest(legacy_archive / "2026-09" / "r1", manifest)
    assert verify_revision(legacy_archive / "2026-09" / "r1") == [
        "manifest.json differs from the ledger (line 1): changed after chaining began"]


def test_a_legacy_revision_added_after_chaining_began_fails(legacy_archive: Path) -> None:
    publish(legacy_archive)
    fake = legacy_archive / "2026-12" / "r1"
    shutil.copytree(legacy_archive / "2026-10" / "r1", fake)
    manifest = manifest_of(fake)
    write_manifest(fake, {**manifest, "period": "2026-12"})
    [problem] = verify_revision(fake)
    assert "does not record as legacy" in problem
