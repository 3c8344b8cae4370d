"""Reliability of a whole run killed with SIGKILL, and of the runs after it (at once)."""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from _reliability_runs import (
    PERIOD,
    RUN_TIMEOUT_S,
    assert_unlocked,
    cli_verify,
    printed_revision,
    published,
    start_report,
)

from report.archive.listing import list_revisions
from report.archive.locks import STALE_TMP_MIN_AGE_S

pytestmark = pytest.mark.slow

# ------------------------------------------------------------------------ crash safety


KILL_POINTS: dict[str, tuple[Callable[[Path], bool], float]] = {
    # (condition on the run's temporary folder, then seconds to wait before SIGKILL)
    # the folder exists; a second later the run is validating the export or modelling
    "analysis": (lambda tmp: True, 1.0),
    # results.json and tables written, the charts being drawn
    "figures": (lambda tmp: any((tmp / "figures").glob("*.png")), 0.0),
    # report.html written, WeasyPrint laying out the PDF
    "pdf": (lambda tmp: (tmp / "report.html").is_file(), 0.0),
}


def kill_at(point: str, config: Path, data: Path, archive: Path) -> list[str]:
    """Start a run, SIGKILL it once its temporary folder reaches ``point``; its files then."""
    ready, delay = KILL_POINTS[point]
    process = start_report(config, data, archive)
    deadline = time.monotonic() + RUN_TIMEOUT_S
    try:
        while (tmp := next(archive.glob(f".tmp-{PERIOD}-{process.pid}-*"), None)) is None \
                or not ready(tmp):
            if process.poll() is not None:
                pytest.fail(f"the run ended before {point!r}: {process.communicate()[1][-2000:]}")
            assert time.monotonic() < deadline, f"kill point {point!r} never reached"
            time.sleep(0.02)
        time.sleep(delay)
        assert process.poll() is None, f"the run ended before {point!r}"
        process.send_signal(signal.SIGKILL)
    finally:
        process.kill()
        process.communicate()
    assert process.returncode == -signal.SIGKILL
    return sorted(p.relative_to(tmp).as_posix() for p in tmp.rglob("*"))


def assert_nothing_published_and_unlocked(archive: Path) -> None:
    assert published(archive) == [] and list_revisions(archive) == []
    for path in [*archive.glob(".tmp-*"), archive / ".lock"]:
        if path.exists():
            assert_unlocked(path)


@pytest.mark.parametrize("point", list(KILL_POINTS))
def test_sigkill_leaves_no_revision_and_no_lock(
    point: str, config_file: Path, demo_export_master: Path, tmp_path: Path
) -> None:
    archive = tmp_path / "reports"
    files = kill_at(point, config_file, demo_export_master, archive)
    reached = {"analysis": "results.json" not in files, "figures": "results.json" in files,
               "pdf": "report.html" in files}
    assert reached[point], files
    assert_nothing_published_and_unlocked(archive)


def test_after_a_crash_two_runs_at_once_give_r1_and_r2(
    config_file: Path, demo_export_master: Path, tmp_path: Path
) -> None:
    """The runs after a SIGKILL succeed, even two started together for the same period.

    They publish r1 and r2 (both verify, with byte-identical results), and the dead
    run's temporary folder is removed by them once it is old enough.
    """
    archive = tmp_path / "reports"
    kill_at("figures", config_file, demo_export_master, archive)
    [leftover] = archive.glob(".tmp-*")
    assert_nothing_published_and_unlocked(archive)
    old = time.time() - 2 * STALE_TMP_MIN_AGE_S  # as if the crash was a while ago
    os.utime(leftover, (old, old))

    processes = [start_report(config_file, demo_export_master, archive) for _ in range(2)]
    outputs = [process.communicate(timeout=RUN_TIMEOUT_S) for process in processes]
    for process, (_, err) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, err[-3000:]
    revisions = sorted(printed_revision(out) for out, _ in outputs)
    assert revisions == [archive / PERIOD / "r1", archive / PERIOD / "r2"]
    assert published(archive) == revisions
    for revision in revisions:
        assert cli_verify(revision) == 0
    # The same export gives the same results; a run that finishes its analysis after
    # the other published r1 also compares with it, so that part may differ.
    first, second = (json.loads((revision / "results.json").read_text(encoding="utf-8"))
                     for revision in revisions)
    first.pop("comparison", None)
    second.pop("comparison", None)
    assert first == second
    assert not leftover.exists() and list(archive.glob(".tmp-*")) == []
    assert_unlocked(archive / ".lock")

