"""Shared helpers of the archive tests: realistic revision outputs, publishing, children."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from report.archive.store import RevisionBuilder

ROOT = Path(__file__).resolve().parents[1]
PERIOD = "2026-11"


def child_process(code: str, *args: str) -> subprocess.Popen[str]:
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


def write_outputs(folder: Path, tag: str = "") -> None:
    """Write a small but realistic set of revision outputs."""
    (folder / "report.pdf").write_bytes(b"%PDF-1.7 fake " + tag.encode() * 50)
    (folder / "report.html").write_text("<html>отчёт</html>", encoding="utf-8")
    (folder / "results.json").write_text(
        json.dumps({"facts": {"decline_share": 0.383, "clients_total": 1300}}), encoding="utf-8"
    )
    (folder / "scores.csv").write_text("id,probability\n215348,0.9\n", encoding="utf-8")
    (folder / "figures").mkdir()
    (folder / "figures" / "shap.png").write_bytes(b"\x89PNG fake")


def publish(archive_dir: Path, period: str = PERIOD, **extra: object) -> Path:
    with RevisionBuilder(archive_dir, period) as build:
        write_outputs(build.path, str(extra.get("tag", "")))
        return build.publish(dict(extra))


def leftovers(archive_dir: Path) -> list[str]:
    """Names of temporary folders and of anything inside the period folder."""
    names = [p.name for p in archive_dir.glob(".tmp-*")]
    period_dir = archive_dir / PERIOD
    if period_dir.exists():
        names += [p.name for p in period_dir.iterdir()]
    return names
