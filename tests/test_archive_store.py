"""Tests of report.archive.store: atomic, never-overwriting revisions, failures and crashes."""

from __future__ import annotations

import errno
import json
import os
import signal
import threading
from pathlib import Path

import pytest
from _archive_outputs import PERIOD, child_process, leftovers, publish, write_outputs

from report.archive import manifest as manifest_module
from report.archive import store
from report.archive.errors import ArchiveError
from report.archive.listing import intact_previous, list_revisions
from report.archive.locks import clean_stale_temps
from report.archive.manifest import verify_revision
from report.archive.store import RevisionBuilder

# ----------------------------------------------------------------------------- publish


def test_publish_gives_r1_then_r2_and_never_overwrites(tmp_path: Path) -> None:
    first = publish(tmp_path, tag="a")
    pdf_before = (first / "report.pdf").read_bytes()
    second = publish(tmp_path, tag="b")

    assert first == tmp_path / PERIOD / "r1"
    assert second == tmp_path / PERIOD / "r2"
    assert (first / "report.pdf").read_bytes() == pdf_before
    assert (second / "report.pdf").read_bytes() != pdf_before
    assert verify_revision(first) == []
    assert verify_revision(second) == []
    assert list(tmp_path.glob(".tmp-*")) == []


# ------------------------------------------------------------------- failure handling


def test_exception_during_build_archives_nothing(tmp_path: Path) -> None:
    with pytest.raises(KeyError), RevisionBuilder(tmp_path, PERIOD) as build:
        write_outputs(build.path)
        raise KeyError("bad input")
    assert leftovers(tmp_path) == []


def test_leaving_without_publish_archives_nothing(tmp_path: Path) -> None:
    with RevisionBuilder(tmp_path, PERIOD) as build:
        write_outputs(build.path)
    assert leftovers(tmp_path) == []
    assert list_revisions(tmp_path) == []


def test_unrelated_oserror_is_not_disguised(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError), RevisionBuilder(tmp_path, PERIOD):
        (tmp_path / "no-such-input.csv").read_text()
    assert leftovers(tmp_path) == []


def test_permission_error_inside_revision_becomes_archive_error(tmp_path: Path) -> None:
    denied = pytest.raises(ArchiveError, match="cannot write")
    with denied as info, RevisionBuilder(tmp_path, PERIOD) as build:
        raise PermissionError(errno.EACCES, "Permission denied", str(build.path / "x.pdf"))
    assert str(tmp_path) in str(info.value)
    assert leftovers(tmp_path) == []


def test_archive_dir_under_a_regular_file(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x", encoding="utf-8")
    target = blocker / "reports"
    with pytest.raises(ArchiveError) as info, RevisionBuilder(target, PERIOD):
        pytest.fail("must not enter")
    assert str(target) in str(info.value)


def test_archive_dir_is_a_regular_file(tmp_path: Path) -> None:
    target = tmp_path / "reports"
    target.write_text("x", encoding="utf-8")
    with pytest.raises(ArchiveError) as info, RevisionBuilder(target, PERIOD):
        pytest.fail("must not enter")
    assert str(target) in str(info.value)


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions")
def test_read_only_archive_dir(tmp_path: Path) -> None:
    target = tmp_path / "reports"
    target.mkdir()
    target.chmod(0o500)
    try:
        with pytest.raises(ArchiveError) as info, RevisionBuilder(target, PERIOD):
            pytest.fail("must not enter")
    finally:
        target.chmod(0o700)
    assert str(target) in str(info.value)


def test_disk_full_during_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_write_bytes = Path.write_bytes

    def disk_full(self: Path, data: bytes) -> int:
        real_write_bytes(self, data[: len(data) // 2])
        raise OSError(errno.ENOSPC, "No space left on device", str(self))

    full = pytest.raises(ArchiveError, match="no space left")
    with full as info, RevisionBuilder(tmp_path, PERIOD) as build:
        (build.path / "report.html").write_text("<html/>", encoding="utf-8")
        monkeypatch.setattr(Path, "write_bytes", disk_full)
        (build.path / "report.pdf").write_bytes(b"x" * 1000)
    monkeypatch.undo()
    assert str(tmp_path) in str(info.value)
    assert isinstance(info.value.__cause__, OSError)
    assert leftovers(tmp_path) == []
    assert publish(tmp_path) == tmp_path / PERIOD / "r1"


def test_disk_full_while_writing_manifest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def disk_full(path: Path, text: str) -> None:
        path.write_text(text[:20], encoding="utf-8")
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(manifest_module, "_write_text_durable", disk_full)
    with pytest.raises(ArchiveError, match="no space left") as info:
        publish(tmp_path)
    assert str(tmp_path) in str(info.value)
    assert leftovers(tmp_path) == []
    monkeypatch.undo()
    assert publish(tmp_path) == tmp_path / PERIOD / "r1"


def test_missing_input_at_publish_is_not_called_an_archive_error(tmp_path: Path) -> None:
    archive_dir = tmp_path / "reports"
    with pytest.raises(FileNotFoundError), RevisionBuilder(archive_dir, PERIOD) as build:
        write_outputs(build.path)
        build.publish({}, inputs={"market_file": tmp_path / "gone.csv"})
    assert leftovers(archive_dir) == []


def test_existing_empty_folder_is_never_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    squatter = tmp_path / PERIOD / "r1"
    squatter.mkdir(parents=True)
    (squatter.parent / "r2").mkdir()
    (squatter.parent / "r2" / "keep").write_text("x", encoding="utf-8")
    monkeypatch.setattr(store, "next_free_number", lambda _period_dir: 1)
    final = publish(tmp_path)
    assert final == tmp_path / PERIOD / "r3"
    assert list(squatter.iterdir()) == []
    assert (squatter.parent / "r2" / "keep").exists()


def test_bad_period_is_rejected(tmp_path: Path) -> None:
    for bad in ("2026-13", "2026-1", "../x", "2026-11/r1"):
        with pytest.raises(ValueError, match="YYYY-MM"):
            RevisionBuilder(tmp_path, bad)


def test_publish_twice_and_path_outside_block(tmp_path: Path) -> None:
    builder = RevisionBuilder(tmp_path, PERIOD)
    with pytest.raises(RuntimeError):
        _ = builder.path
    with builder as build:
        write_outputs(build.path)
        build.publish({})
        with pytest.raises(RuntimeError, match="already published"):
            build.publish({})
    assert [r.revision for r in list_revisions(tmp_path)] == ["r1"]


# ------------------------------------------------------------ concurrency and crashes

PUBLISH_WHEN_TOLD = """
    import sys, time
    from pathlib import Path
    from report.archive.store import RevisionBuilder
    archive_dir, tag, go = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
    with RevisionBuilder(archive_dir, "2026-11") as build:
        (build.path / "report.pdf").write_bytes(b"%PDF " + tag.encode())
        print("ready", flush=True)
        while not go.exists():
            time.sleep(0.001)
        final = build.publish({"tag": tag})
    print(final, flush=True)
"""


def test_two_processes_publishing_at_once(tmp_path: Path) -> None:
    archive_dir = tmp_path / "reports"
    go = tmp_path / "go"
    children = [child_process(PUBLISH_WHEN_TOLD, str(archive_dir), tag, str(go)) for tag in "ab"]
    try:
        for child in children:
            assert child.stdout is not None
            assert child.stdout.readline().strip() == "ready", child.stderr
        go.touch()
        outputs = [child.communicate(timeout=20) for child in children]
    finally:
        for child in children:
            child.kill()
    for child, (out, err) in zip(children, outputs, strict=True):
        assert child.returncode == 0, err
        assert out.strip()
    finals = sorted(Path(out.strip()) for out, _ in outputs)
    assert finals == [archive_dir / PERIOD / "r1", archive_dir / PERIOD / "r2"]
    tags = {json.loads((f / "manifest.json").read_text())["tag"] for f in finals}
    assert tags == {"a", "b"}
    for final in finals:
        assert verify_revision(final) == []
    assert list(archive_dir.glob(".tmp-*")) == []


def test_many_threads_publishing_at_once(tmp_path: Path) -> None:
    count = 6
    barrier = threading.Barrier(count)
    finals: list[Path] = []
    errors: list[BaseException] = []

    def run(tag: str) -> None:
        try:
            with RevisionBuilder(tmp_path, PERIOD) as build:
                (build.path / "report.pdf").write_bytes(tag.encode())
                barrier.wait(timeout=10)
                finals.append(build.publish({"tag": tag}))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(str(i),)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert errors == []
    assert sorted(p.name for p in finals) == sorted(f"r{i}" for i in range(1, count + 1))
    assert all(verify_revision(p) == [] for p in finals)


BUILD_THEN_HANG = """
    import sys, time
    from pathlib import Path
    from report.archive.store import RevisionBuilder
    with RevisionBuilder(Path(sys.argv[1]), "2026-11") as build:
        with open(build.path / "report.pdf", "wb") as fh:
            fh.write(b"x" * 100_000)
            fh.flush()
            print(build.path, flush=True)
            time.sleep(60)
"""


def test_sigkill_mid_build_leaves_no_revision(tmp_path: Path) -> None:
    child = child_process(BUILD_THEN_HANG, str(tmp_path))
    try:
        assert child.stdout is not None
        tmp_dir = Path(child.stdout.readline().strip())
        assert tmp_dir.parent == tmp_path, child.stderr
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
    assert child.returncode == -signal.SIGKILL
    assert tmp_dir.is_dir()  # the dead run's leftover...
    assert not (tmp_path / PERIOD).exists()  # ...but no revision
    assert list_revisions(tmp_path) == []
    assert intact_previous(tmp_path, PERIOD) == (None, [])  # nothing to compare with

    assert publish(tmp_path) == tmp_path / PERIOD / "r1"
    assert clean_stale_temps(tmp_path, min_age_s=0) == [tmp_path / tmp_dir.name]
    assert not tmp_dir.exists()
    assert [r.revision for r in list_revisions(tmp_path)] == ["r1"]
