"""Periods (``YYYY-MM``) and revision names (``rN``) of the archive."""

from __future__ import annotations

import re
from pathlib import Path

__all__ = [
    "PERIOD_RE",
    "check_period",
    "next_free_number",
    "next_revision_name",
    "revision_folders",
    "revision_label",
    "revision_number",
]

PERIOD_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_REVISION_RE = re.compile(r"^r([1-9]\d*)$")


def check_period(period: str) -> str:
    """Return `period` if it is ``YYYY-MM``, else raise ``ValueError``."""
    if not isinstance(period, str) or not PERIOD_RE.match(period):
        raise ValueError(f"period must look like YYYY-MM (e.g. 2026-11), got {period!r}")
    return period


def revision_number(name: str) -> int | None:
    """Return N for a folder named ``rN`` (N ≥ 1, no leading zero), else None."""
    match = _REVISION_RE.match(name)
    return int(match.group(1)) if match else None


def revision_label(revision_dir: Path) -> str | None:
    """``PERIOD/rN`` for a folder that sits at ``ARCHIVE/PERIOD/rN``, else None."""
    revision_dir = Path(revision_dir)
    if PERIOD_RE.match(revision_dir.parent.name) and revision_number(revision_dir.name):
        return f"{revision_dir.parent.name}/{revision_dir.name}"
    return None


def revision_folders(archive_dir: Path) -> list[Path]:
    """Every ``PERIOD/rN`` entry of an archive, links included, by period then number.

    Period folders that are symbolic links are not entered (the audit names them).

    Raises
    ------
    OSError
        The archive folder cannot be read.
    """
    found = []
    for period_dir in Path(archive_dir).iterdir():
        if PERIOD_RE.match(period_dir.name) and period_dir.is_dir() and not period_dir.is_symlink():
            found += [(period_dir.name, number, entry) for entry in period_dir.iterdir()
                      if (number := revision_number(entry.name)) is not None]
    return [path for _, _, path in sorted(found)]


def next_free_number(period_dir: Path) -> int:
    """Return one more than the highest ``rN`` in `period_dir` (1 if none)."""
    numbers = [revision_number(p.name) for p in period_dir.iterdir()]
    return max((n for n in numbers if n is not None), default=0) + 1


def next_revision_name(archive_dir: Path, period: str) -> str:
    """The name the next revision of ``period`` will most likely get (``r3``).

    Only a hint for the report's header: two runs publishing at the same moment
    may take the numbers in the other order; the manifest and folder name rule.
    """
    period_dir = Path(archive_dir) / check_period(period)
    return f"r{next_free_number(period_dir) if period_dir.is_dir() else 1}"
