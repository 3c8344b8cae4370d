"""Tests of report.archive.locks: the publish lock and the removal of dead runs' folders."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from _archive_outputs import PERIOD, child_process, publish

from report.archive import locks
from report.archive.errors import ArchiveError
from report.archive.locks import clean_stale_temps
from report.archive.manifest import verify_revision
from report.archive.store import RevisionBuilder

HOLD_PUBLISH_LOCK = """
    import sys, time
    from pathlib import Path
    from report.archive.locks import publish_lock
    with publish_lock(Path(sys.argv[1])):
        print("locked", flush=True)
        time.sleep(60)
"""


def test_sigkill_while_publishing_leaves_no_stale_lock(tmp_path: Path) -> None:
    child = child_process(HOLD_PUBLISH_LOCK, str(tmp_path))
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
    assert publish(tmp_path) == tmp_path / PERIOD / "r1"  # the killed holder's lock is free


def test_clean_stale_temps_keeps_live_builders(tmp_path: Path) -> None:
    with RevisionBuilder(tmp_path, PERIOD) as build:
        assert clean_stale_temps(tmp_path, min_age_s=0) == []
        assert build.path.is_dir()
        dead = tmp_path / ".tmp-2026-10-1-dead"
        dead.mkdir()
        assert clean_stale_temps(tmp_path, min_age_s=3600) == []  # too recent
        assert clean_stale_temps(tmp_path, min_age_s=0) == [dead]
        assert build.path.is_dir()
        (build.path / "report.pdf").write_bytes(b"%PDF")
        final = build.publish({})
    assert verify_revision(final) == []
