"""Locks of the archive: the publish lock and the removal of dead runs' folders.

``ARCHIVE_DIR/.lock`` is held with ``flock`` only while a revision is numbered and
renamed into place; each builder also holds ``flock`` on its own ``.tmp-*``
folder, so a folder whose lock can be taken belongs to a run that died.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

from report.archive.errors import ArchiveError

__all__ = [
    "LOCK_TIMEOUT_S",
    "STALE_TMP_MIN_AGE_S",
    "TMP_PREFIX",
    "clean_stale_temps",
    "publish_lock",
]

STALE_TMP_MIN_AGE_S = 60.0
"""A dead run's ``.tmp-*`` folder is removed once unmodified for this long."""

LOCK_TIMEOUT_S = 60.0
"""How long ``RevisionBuilder.publish`` waits for another run's publish step."""

TMP_PREFIX = ".tmp-"
_LOCK_NAME = ".lock"


@contextlib.contextmanager
def publish_lock(archive_dir: Path, timeout_s: float = LOCK_TIMEOUT_S) -> Iterator[None]:
    """Hold an exclusive flock on ``ARCHIVE_DIR/.lock`` (released by the kernel on death)."""
    fd = os.open(archive_dir / _LOCK_NAME, os.O_RDONLY | os.O_CREAT, 0o666)
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise ArchiveError(
                        f"archive folder {archive_dir}: another run has held "
                        f"{_LOCK_NAME} for more than {timeout_s:.0f} s"
                    ) from None
                time.sleep(0.01)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _try_remove_unowned(path: Path) -> bool:
    """Remove a ``.tmp-*`` folder if no live process holds its flock."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return False
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False  # its builder is alive
        if os.stat(path).st_ino != os.fstat(fd).st_ino:
            return False  # renamed away and replaced meanwhile
        shutil.rmtree(path, ignore_errors=True)
        return not path.exists()
    except OSError:
        return False
    finally:
        os.close(fd)


def clean_stale_temps(archive_dir: Path, min_age_s: float = STALE_TMP_MIN_AGE_S) -> list[Path]:
    """Remove ``.tmp-*`` folders left behind by runs that died.

    Parameters
    ----------
    archive_dir : Path
        The archive folder.
    min_age_s : float
        Leave folders modified less than this many seconds ago alone.

    Returns
    -------
    list[Path]
        The folders removed. Folders of live runs (their flock is held) are kept.
    """
    archive_dir = Path(archive_dir)
    removed: list[Path] = []
    try:
        entries = list(archive_dir.iterdir())
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        if not entry.name.startswith(TMP_PREFIX) or entry.is_symlink() or not entry.is_dir():
            continue
        with contextlib.suppress(OSError):
            if now - entry.stat().st_mtime >= min_age_s and _try_remove_unowned(entry):
                removed.append(entry)
    return removed
