"""Whole runs of ``oneclick report`` on the real export, made once per session and shared.

The runs use the default configuration and the built-in renderer, in process, into one
archive: October on the real export, November on a changed export (``changed_export``),
October again. ``test_pipeline.py`` reads all three; ``test_reasons_consistency.py``
reads October's action list. Both modules are one xdist unit (``conftest.SHARED_RUNS``), so
that the runs are made once, on one worker.

The fixtures ``real_october`` and ``real_runs`` are registered in ``conftest.py``.
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest

from report.cli import main


def report_in_process(data: Path, period: str, archive: Path) -> Path:
    """Run ``oneclick report`` in-process; returns the revision path it prints last."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["report", "--data", str(data), "--period", period, "--out", str(archive),
                     "--quiet", "--renderer", "builtin"])
    assert code == 0
    return Path(out.getvalue().strip().splitlines()[-1])


@pytest.fixture(scope="session")
def real_october(real_export: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """October on the real export: the first revision of a new archive."""
    archive = tmp_path_factory.mktemp("real-archive")
    return {"archive": archive, "october": report_in_process(real_export, "2026-10", archive)}


@pytest.fixture(scope="session")
def real_runs(real_october: dict[str, Path], real_export: Path,
              tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """October on the real export, November on a changed export, October again."""
    from changed_export import write_changed_export

    archive = real_october["archive"]
    changed = tmp_path_factory.mktemp("changed")
    write_changed_export(real_export, changed, seed=3)
    november = report_in_process(changed, "2026-11", archive)
    again = report_in_process(real_export, "2026-10", archive)
    return {**real_october, "november": november, "again": again}
