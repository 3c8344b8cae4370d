"""Tests for the report.archive package: atomic, never-overwriting, verifiable revisions."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from report.archive import locks, provenance, store
from report.archive import manifest as manifest_module
from report.archive.errors import ArchiveError
from report.archive.listing import (
    RevisionInfo,
    format_revision_table,
    latest_revision,
    list_revisions,
)
from report.archive.locks import clean_stale_temps
from report.archive.manifest import verify_revision, write_manifest
from report.archive.provenance import PACKAGES
from report.archive.store import RevisionBuilder

ROOT = Path(__file__).resolve().parents[1]
PERIOD = "2026-11"


def _child(code: str, *args: str) -> subprocess.Popen[str]:
    """Start ``python -c code args...`` with the project importable."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )


def _write_outputs(folder: Path, tag: str = "") -> None:
    """Write a small but realistic set of revision outputs."""
    (folder / "report.pdf").write_bytes(b"%PDF-1.7 fake " + tag.encode() * 50)
    (folder / "report.html").write_text("<html>отчёт</html>", encoding="utf-8")
    (folder / "results.json").write_text(
        json.dumps({"facts": {"decline_share": 0.383, "clients_total": 1300}}), encoding="utf-8"
    )
    (folder / "scores.csv").write_text("id,probability\n215348,0.9\n", encoding="utf-8")
    (folder / "figures").mkdir()
    (folder / "figures" / "shap.png").write_bytes(b"\x89PNG fake")


def _publish(archive_dir: Path, period: str = PERIOD, **extra: object) -> Path:
    with RevisionBuilder(archive_dir, period) as build:
        _write_outputs(build.path, str(extra.get("tag", "")))
        return build.publish(dict(extra))


def _leftovers(archive_dir: Path) -> list[str]:
    """Names of temporary folders and of anything inside the period folder."""
    names = [p.name for p in archive_dir.glob(".tmp-*")]
    period_dir = archive_dir / PERIOD
    if period_dir.exists():
        names += [p.name for p in period_dir.iterdir()]
    return names


# ------------------------------------------------------------------ publish & manifest


def test_publish_gives_r1_then_r2_and_never_overwrites(tmp_path: Path) -> None:
    first = _publish(tmp_path, tag="a")
    pdf_before = (first / "report.pdf").read_bytes()
    second = _publish(tmp_path, tag="b")

    assert first == tmp_path / PERIOD / "r1"
    assert second == tmp_path / PERIOD / "r2"
    assert (first / "report.pdf").read_bytes() == pdf_before
    assert (second / "report.pdf").read_bytes() != pdf_before
    assert verify_revision(first) == []
    assert verify_revision(second) == []
    assert list(tmp_path.glob(".tmp-*")) == []


def test_manifest_content_and_format(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    market = data / "market_file.csv"
    market.write_bytes("id;Тип сервиса\n1;премиум\n".encode())
    extra = {"parameters": {"C": 0.1}, "seed": 42, "timings": {"model": 1.5}, "note": "отчёт"}

    with RevisionBuilder(tmp_path / "reports", PERIOD) as build:
        _write_outputs(build.path)
        final = build.publish(extra, inputs={"market_file": market})

    text = (final / "manifest.json").read_text(encoding="utf-8")
    manifest = json.loads(text)
    canonical = json.dumps(manifest, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    assert text == canonical
    assert "отчёт" in text  # ensure_ascii=False

    assert list(manifest["files"]) == [
        "figures/shap.png",
        "report.html",
        "report.pdf",
        "results.json",
        "scores.csv",
    ]
    pdf = (final / "report.pdf").read_bytes()
    assert manifest["files"]["report.pdf"] == {
        "sha256": hashlib.sha256(pdf).hexdigest(),
        "size": len(pdf),
    }
    assert manifest["inputs"]["market_file"] == {
        "name": "market_file.csv",
        "sha256": hashlib.sha256(market.read_bytes()).hexdigest(),
        "size": market.stat().st_size,
    }
    tool = manifest["tool"]
    assert tool["name"] == "oneclick-report"
    assert tool["version"]
    assert {"git_commit", "python", "platform"} <= set(tool)
    assert set(manifest["packages"]) == set(PACKAGES)
    assert isinstance(manifest["packages"]["pandas"], str)
    assert manifest["seed"] == 42
    assert manifest["parameters"] == {"C": 0.1}
    assert manifest["timings"] == {"model": 1.5}
    assert manifest["period"] == PERIOD
    assert manifest["created_at"].startswith("20")


def test_write_manifest_rejects_reserved_keys(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="files"):
        write_manifest(tmp_path, {}, {"files": []})


def test_missing_package_is_null(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(provenance, "PACKAGES", ("surely-not-installed-pkg", "pandas"))
    manifest = write_manifest(tmp_path, {}, {})
    assert manifest["packages"]["surely-not-installed-pkg"] is None
    assert manifest["packages"]["pandas"]


# ------------------------------------------------------------------------------ verify


def test_verify_flags_changed_and_missing_files(tmp_path: Path) -> None:
    rev = _publish(tmp_path)
    assert verify_revision(rev) == []

    pdf = rev / "report.pdf"
    content = bytearray(pdf.read_bytes())
    content[10] ^= 0x01  # same size, one byte flipped
    pdf.write_bytes(bytes(content))
    problems = verify_revision(rev)
    assert len(problems) == 1
    assert "report.pdf" in problems[0]
    assert "changed" in problems[0]

    (rev / "figures" / "shap.png").unlink()
    problems = verify_revision(rev)
    assert len(problems) == 2
    assert any("missing" in p and "figures/shap.png" in p for p in problems)


def test_verify_allows_files_added_later(tmp_path: Path) -> None:
    rev = _publish(tmp_path)
    (rev / "deliveries").mkdir()
    (rev / "deliveries" / "2026-12-01.json").write_text("{}", encoding="utf-8")
    assert verify_revision(rev) == []


def test_verify_missing_or_corrupt_manifest(tmp_path: Path) -> None:
    rev = _publish(tmp_path)
    (rev / "manifest.json").write_text("{not json", encoding="utf-8")
    assert len(verify_revision(rev)) == 1
    (rev / "manifest.json").write_text("[]", encoding="utf-8")
    assert len(verify_revision(rev)) == 1
    (rev / "manifest.json").unlink()
    problems = verify_revision(rev)
    assert len(problems) == 1
    assert "manifest.json" in problems[0]


def test_verify_rejects_paths_escaping_the_revision(tmp_path: Path) -> None:
    rev = tmp_path / "r1"
    rev.mkdir()
    (tmp_path / "secret").write_text("x", encoding="utf-8")
    manifest = {"files": {"../secret": {"sha256": "0", "size": 1}}}
    (rev / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert verify_revision(rev) == ["manifest entry is invalid: ../secret"]


# ------------------------------------------------------------------- failure handling


def test_exception_during_build_archives_nothing(tmp_path: Path) -> None:
    with pytest.raises(KeyError), RevisionBuilder(tmp_path, PERIOD) as build:
        _write_outputs(build.path)
        raise KeyError("bad input")
    assert _leftovers(tmp_path) == []


def test_leaving_without_publish_archives_nothing(tmp_path: Path) -> None:
    with RevisionBuilder(tmp_path, PERIOD) as build:
        _write_outputs(build.path)
    assert _leftovers(tmp_path) == []
    assert list_revisions(tmp_path) == []


def test_unrelated_oserror_is_not_disguised(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError), RevisionBuilder(tmp_path, PERIOD):
        (tmp_path / "no-such-input.csv").read_text()
    assert _leftovers(tmp_path) == []


def test_permission_error_inside_revision_becomes_archive_error(tmp_path: Path) -> None:
    denied = pytest.raises(ArchiveError, match="cannot write")
    with denied as info, RevisionBuilder(tmp_path, PERIOD) as build:
        raise PermissionError(errno.EACCES, "Permission denied", str(build.path / "x.pdf"))
    assert str(tmp_path) in str(info.value)
    assert _leftovers(tmp_path) == []


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
    assert _leftovers(tmp_path) == []
    assert _publish(tmp_path) == tmp_path / PERIOD / "r1"


def test_disk_full_while_writing_manifest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def disk_full(path: Path, text: str) -> None:
        path.write_text(text[:20], encoding="utf-8")
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(manifest_module, "_write_text_durable", disk_full)
    with pytest.raises(ArchiveError, match="no space left") as info:
        _publish(tmp_path)
    assert str(tmp_path) in str(info.value)
    assert _leftovers(tmp_path) == []
    monkeypatch.undo()
    assert _publish(tmp_path) == tmp_path / PERIOD / "r1"


def test_missing_input_at_publish_is_not_called_an_archive_error(tmp_path: Path) -> None:
    archive_dir = tmp_path / "reports"
    with pytest.raises(FileNotFoundError), RevisionBuilder(archive_dir, PERIOD) as build:
        _write_outputs(build.path)
        build.publish({}, inputs={"market_file": tmp_path / "gone.csv"})
    assert _leftovers(archive_dir) == []


def test_existing_empty_folder_is_never_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    squatter = tmp_path / PERIOD / "r1"
    squatter.mkdir(parents=True)
    (squatter.parent / "r2").mkdir()
    (squatter.parent / "r2" / "keep").write_text("x", encoding="utf-8")
    monkeypatch.setattr(store, "next_free_number", lambda _period_dir: 1)
    final = _publish(tmp_path)
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
    children = [_child(PUBLISH_WHEN_TOLD, str(archive_dir), tag, str(go)) for tag in "ab"]
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
    child = _child(BUILD_THEN_HANG, str(tmp_path))
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
    assert latest_revision(tmp_path) is None

    assert _publish(tmp_path) == tmp_path / PERIOD / "r1"
    assert clean_stale_temps(tmp_path, min_age_s=0) == [tmp_path / tmp_dir.name]
    assert not tmp_dir.exists()
    assert [r.revision for r in list_revisions(tmp_path)] == ["r1"]


HOLD_PUBLISH_LOCK = """
    import sys, time
    from pathlib import Path
    from report.archive.locks import publish_lock
    with publish_lock(Path(sys.argv[1])):
        print("locked", flush=True)
        time.sleep(60)
"""


def test_sigkill_while_publishing_leaves_no_stale_lock(tmp_path: Path) -> None:
    child = _child(HOLD_PUBLISH_LOCK, str(tmp_path))
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "locked", child.stderr
        with (
            pytest.raises(ArchiveError, match="another run"),
            locks.publish_lock(tmp_path, timeout_s=0.05),
        ):
            pass
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
    started = time.monotonic()
    assert _publish(tmp_path) == tmp_path / PERIOD / "r1"
    assert time.monotonic() - started < 5


def test_clean_stale_temps_keeps_live_builders(tmp_path: Path) -> None:
    with RevisionBuilder(tmp_path, PERIOD) as build:
        assert clean_stale_temps(tmp_path, min_age_s=0) == []
        assert build.path.is_dir()
        dead = tmp_path / ".tmp-2026-10-1-dead"
        dead.mkdir()
        assert clean_stale_temps(tmp_path, min_age_s=3600) == []  # too recent
        assert clean_stale_temps(tmp_path, min_age_s=0) == [dead]
        assert build.path.is_dir()
        final = build.publish({})
    assert verify_revision(final) == []


# -------------------------------------------------------------------- list and find


def _fake_revision(archive_dir: Path, period: str, name: str, results: object = None) -> Path:
    path = archive_dir / period / name
    path.mkdir(parents=True)
    manifest = {"created_at": f"{period}-28T09:30:00+00:00", "files": {}}
    (path / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    if results is not None:
        (path / "results.json").write_text(json.dumps(results), encoding="utf-8")
    return path


def test_list_revisions_order_and_key_numbers(tmp_path: Path) -> None:
    for i in range(1, 11):
        _fake_revision(tmp_path, "2026-11", f"r{i}")
    _fake_revision(
        tmp_path,
        "2026-10",
        "r1",
        {
            "facts": {"decline_share": 0.383, "clients_total": 1300},
            "model": {"test_roc_auc": 0.92, "cv_roc_auc_mean": 0.905},
        },
    )
    _fake_revision(tmp_path, "2026-09", "r1", {"facts": {"clients_total": 1200}})
    (tmp_path / "2026-09" / "r1" / "results.json").write_text("{broken", encoding="utf-8")
    (tmp_path / ".tmp-2026-11-123-abcd").mkdir()
    (tmp_path / "2026-11" / "notes").mkdir()
    (tmp_path / "2026-11" / "r0").mkdir()
    (tmp_path / "misc").mkdir()
    (tmp_path / ".lock").touch()

    revs = list_revisions(tmp_path)
    assert [(r.period, r.revision) for r in revs] == [
        ("2026-09", "r1"),
        ("2026-10", "r1"),
        *[("2026-11", f"r{i}") for i in range(1, 11)],
    ]
    october = revs[1]
    assert october.created_at == "2026-10-28T09:30:00+00:00"
    assert october.path == tmp_path / "2026-10" / "r1"
    assert october.key_numbers == {
        "facts.clients_total": 1300,
        "facts.decline_share": 0.383,
        "model.test_roc_auc": 0.92,
        "model.cv_roc_auc_mean": 0.905,
    }
    assert set(revs[0].key_numbers.values()) == {None}  # unreadable results.json
    assert revs[-1].key_numbers["facts.decline_share"] is None  # no results.json
    assert list_revisions(tmp_path / "nowhere") == []


def test_latest_revision(tmp_path: Path) -> None:
    assert latest_revision(tmp_path, before_period="2026-11") is None
    for period, name in [
        ("2026-09", "r1"),
        ("2026-09", "r2"),
        ("2026-10", "r1"),
        ("2026-11", "r1"),
        ("2026-11", "r2"),
    ]:
        _fake_revision(tmp_path, period, name)

    assert latest_revision(tmp_path) == tmp_path / "2026-11" / "r2"
    assert latest_revision(tmp_path, before_period="2026-11") == tmp_path / "2026-10" / "r1"
    assert latest_revision(tmp_path, before_period="2027-01") == tmp_path / "2026-11" / "r2"
    assert latest_revision(tmp_path, before_period="2026-09") is None
    both = {"before_period": "2026-09", "same_period": "2026-09"}
    assert latest_revision(tmp_path, **both) == tmp_path / "2026-09" / "r2"
    r2 = tmp_path / "2026-09" / "r2"
    assert latest_revision(tmp_path, **both, exclude=r2) == tmp_path / "2026-09" / "r1"
    assert latest_revision(tmp_path, same_period="2026-12") is None


def test_format_revision_table() -> None:
    assert "No archived revisions" in format_revision_table([])
    revs = [
        RevisionInfo(
            period="2026-10",
            revision="r1",
            number=1,
            path=Path("reports/2026-10/r1"),
            created_at="2026-10-28T09:30:00+00:00",
            key_numbers={
                "facts.clients_total": 1300,
                "facts.decline_share": 0.383,
                "model.test_roc_auc": 0.92,
                "model.cv_roc_auc_mean": 0.9051,
            },
        ),
        RevisionInfo(period="2026-11", revision="r10", number=10, path=Path("reports/2026-11/r10")),
    ]
    table = format_revision_table(revs)
    lines = table.splitlines()
    assert table.endswith("\n")
    assert len(lines) == 3
    assert lines[0].split()[:2] == ["period", "rev"]
    assert "2026-10-28 09:30" in lines[1]
    assert "38.3%" in lines[1]
    assert "1 300" in lines[1]
    assert "0.920" in lines[1]
    assert "0.905" in lines[1]
    assert lines[1].endswith("reports/2026-10/r1")
    assert lines[2].startswith("2026-11  r10")
    assert lines[2].count(" - ") >= 4
    assert lines[1].index("reports/") == lines[2].index("reports/")  # columns align
