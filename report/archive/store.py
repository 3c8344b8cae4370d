"""Build one revision in a temporary folder and publish it atomically.

:class:`RevisionBuilder` writes into ``ARCHIVE_DIR/.tmp-PERIOD-PID-TOKEN`` (held
with ``flock``), hashes every file and flushes it to disk, then, under the
publish lock (:mod:`report.archive.locks`): reads the ledger's last manifest
hash, writes ``manifest.json`` naming the next free ``PERIOD/rN`` and that hash
(and ``manifest.sig`` when a signing key is set), renames the folder into place
and appends the revision's line to ``ARCHIVE_DIR/ledger.jsonl`` with an fsync
(:mod:`report.archive.ledger`). A reader sees a complete revision or none; if the
ledger cannot be written, the revision is moved back and nothing is published.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import secrets
import shutil
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from report.archive.errors import ArchiveError
from report.archive.ledger import append_lines, entry_line, legacy_lines, read_ledger
from report.archive.locks import TMP_PREFIX, clean_stale_temps, publish_lock
from report.archive.manifest import InputRecord, draft_manifest, seal_manifest
from report.archive.numbering import check_period, next_free_number, revision_folders
from report.archive.signing import archive_key

__all__ = ["RevisionBuilder"]

_DISK_FULL = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
_NOT_WRITABLE = frozenset({errno.EACCES, errno.EPERM, errno.EROFS})


def _fsync_path(path: Path) -> None:
    """Flush a file or directory to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(root: Path) -> None:
    """Flush every file and directory below `root` (inclusive) to disk."""
    for dirpath, _dirnames, filenames in os.walk(root):
        for name in filenames:
            _fsync_path(Path(dirpath, name))
        _fsync_path(Path(dirpath))


def _is_within(path: str | os.PathLike[str] | None, root: Path) -> bool:
    """Return True if `path` lies inside `root`."""
    if path is None:
        return False
    try:
        return Path(os.path.abspath(path)).is_relative_to(os.path.abspath(root))
    except (TypeError, ValueError):
        return False


def _archive_error(exc: OSError, archive_dir: Path, doing: str) -> ArchiveError:
    """Turn an OSError into an ArchiveError whose message names the archive folder."""
    where = f" ({exc.filename})" if exc.filename else ""
    if exc.errno in _DISK_FULL:
        full = "file size limit reached" if exc.errno == errno.EFBIG else "no space left on device"
        return ArchiveError(
            f"archive folder {archive_dir}: {full} while {doing}{where}; "
            "nothing was archived and the temporary folder was removed"
        )
    reason = exc.strerror or str(exc)
    return ArchiveError(
        f"cannot write to archive folder {archive_dir} while {doing}: {reason}{where}"
    )


def _os_error_cause(exc: BaseException | None) -> OSError | None:
    """`exc` itself if it is an OSError, else the first OSError it was raised ``from``.

    A stage may wrap a write error in its own exception (``RenderError(...) from
    OSError``); a full disk is still the archive's problem.
    """
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, OSError):
            return exc
        exc, seen = exc.__cause__, seen + 1
    return None


def _rename_into_place(tmp_dir: Path, period_dir: Path, seal: Callable[[str], str],
                       max_tries: int = 1000) -> tuple[Path, str]:
    """Seal `tmp_dir` for the next free ``period_dir/rN`` and rename it there.

    Call with the publish lock held; ``seal(name)`` writes the manifest naming the
    revision and returns its sha256. Returns the revision folder and that sha256.
    """
    number = next_free_number(period_dir)
    for _ in range(max_tries):
        target = period_dir / f"r{number}"
        # rename() silently replaces an *empty* directory, so never aim at an existing name.
        if not os.path.lexists(target):
            sha = seal(target.name)
            try:
                os.rename(tmp_dir, target)
                return target, sha
            except OSError as exc:
                if exc.errno not in (errno.EEXIST, errno.ENOTEMPTY):
                    raise
        number += 1
    raise ArchiveError(
        f"archive folder {period_dir}: no free revision name after {max_tries} tries"
    )


def _utc_now() -> str:
    """Return the current UTC time as ISO 8601 with seconds, e.g. 2026-11-27T12:00:00+00:00."""
    return datetime.now(UTC).isoformat(timespec="seconds")


class RevisionBuilder:
    """Build one revision in a temporary folder and publish it atomically.

    Parameters
    ----------
    archive_dir : Path
        Archive root, e.g. ``reports``; created if missing.
    period : str
        Report period ``YYYY-MM``.

    Examples
    --------
    >>> with RevisionBuilder(Path("reports"), "2026-11") as build:  # doctest: +SKIP
    ...     (build.path / "report.pdf").write_bytes(pdf)
    ...     final = build.publish({"seed": 1}, inputs={"market_file": csv_path})

    Leaving the block with an exception, or without calling :meth:`publish`,
    removes the temporary folder: nothing is archived. Errors writing into the
    archive (disk full, permissions) come out as :class:`ArchiveError`.
    """

    def __init__(self, archive_dir: Path | str, period: str) -> None:
        self.archive_dir = Path(archive_dir)
        self.period = check_period(period)
        self.published: Path | None = None
        self._key: bytes | None = None
        self._tmp: Path | None = None
        self._tmp_fd: int | None = None

    @property
    def path(self) -> Path:
        """Temporary folder to write the revision's files into."""
        if self._tmp is None:
            raise RuntimeError("RevisionBuilder.path is only available inside the with block")
        return self._tmp

    def __enter__(self) -> Self:
        """Create and lock the temporary folder; fail early if the archive is not writable.

        A signing key in the environment that is too short is refused here, before
        any work (:class:`~analysis.errors.InputError`).
        """
        self._key = archive_key()
        try:
            self.archive_dir.mkdir(parents=True, exist_ok=True)
            clean_stale_temps(self.archive_dir)
            self._tmp, self._tmp_fd = self._make_locked_tmp()
        except OSError as exc:
            raise _archive_error(exc, self.archive_dir, "creating a temporary folder") from exc
        return self

    def _make_locked_tmp(self) -> tuple[Path, int]:
        """Create ``.tmp-PERIOD-PID-TOKEN`` (mode from umask) and flock it."""
        while True:
            name = f"{TMP_PREFIX}{self.period}-{os.getpid()}-{secrets.token_hex(4)}"
            path = self.archive_dir / name
            try:
                path.mkdir()
                break
            except FileExistsError:
                continue
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return path, fd

    def publish(
        self,
        manifest_extra: Mapping[str, Any] | None = None,
        inputs: Mapping[str, Path | InputRecord] | None = None,
    ) -> Path:
        """Write ``manifest.json`` and move the revision to ``ARCHIVE_DIR/PERIOD/rN``.

        Parameters
        ----------
        manifest_extra : Mapping[str, Any], optional
            Parameters, seed, timings, ... ; ``period`` and ``created_at`` (UTC) are
            added unless given.
        inputs : Mapping[str, Path | InputRecord], optional
            Input files to fingerprint, by logical name.

        Returns
        -------
        Path
            The published revision folder (``rN``, N = next free number).

        Raises
        ------
        ArchiveError
            The archive cannot be written (disk full, permissions); nothing is published.
        """
        if self.published is not None:
            raise RuntimeError(f"revision already published as {self.published}")
        tmp = self.path
        extra = {"period": self.period, "created_at": _utc_now(), **(manifest_extra or {})}
        if extra["period"] != self.period:
            raise ValueError(
                f"manifest period {extra['period']!r} != builder period {self.period!r}"
            )
        try:
            draft = draft_manifest(tmp, inputs or {}, extra)
            _fsync_tree(tmp)
            final = self._move_into_place(tmp, draft)
        except OSError as exc:
            self._discard()
            if not self._concerns_archive(exc):
                raise  # e.g. an input file that vanished: not an archive problem
            raise _archive_error(
                exc, self.archive_dir, f"publishing the {self.period} revision"
            ) from exc
        except BaseException:
            self._discard()
            raise
        self.published = final
        self._release()
        return final

    def _concerns_archive(self, exc: OSError) -> bool:
        """Disk full, or an error on a path inside the archive (or on no path at all)."""
        if exc.errno in _DISK_FULL or (exc.filename is None and exc.filename2 is None):
            return True
        return _is_within(exc.filename, self.archive_dir) or _is_within(
            exc.filename2, self.archive_dir
        )

    def _move_into_place(self, tmp: Path, draft: Mapping[str, Any]) -> Path:
        """Seal, rename and record `tmp` under the publish lock; flush the parents."""
        period_dir = self.archive_dir / self.period
        period_dir.mkdir(exist_ok=True)
        with publish_lock(self.archive_dir):
            final = self._chain_and_rename(tmp, draft, period_dir)
        self._tmp = None  # the folder now lives at `final`: published, whatever happens next
        with contextlib.suppress(OSError):
            _fsync_path(period_dir)
            _fsync_path(self.archive_dir)
        return final

    def _chain_and_rename(self, tmp: Path, draft: Mapping[str, Any], period_dir: Path) -> Path:
        """Chain the manifest to the ledger's last one, rename, append the ledger line.

        Call with the publish lock held. The first chained publication into an
        archive without a ledger records its version-1 revisions first (legacy lines).
        """
        ledger = read_ledger(self.archive_dir)
        if not ledger.readable:  # chaining from nothing would hide the history
            raise ArchiveError(f"archive folder {self.archive_dir}: {ledger.problems[0]}; "
                               "nothing was archived")
        pending = [] if ledger.exists else legacy_lines(revision_folders(self.archive_dir))
        previous = pending[-1]["manifest_sha256"] if pending else ledger.head

        def seal(name: str) -> str:
            sha = seal_manifest(tmp, draft, f"{self.period}/{name}", previous, self._key)
            _fsync_path(tmp)
            return sha

        final, sha = _rename_into_place(tmp, period_dir, seal)
        line = entry_line(f"{self.period}/{final.name}", sha, previous,
                          signed=self._key is not None)
        try:
            append_lines(self.archive_dir, [*pending, line])
        except OSError:
            with contextlib.suppress(OSError):
                os.rename(final, tmp)  # not in the ledger: not published
            raise
        return final

    def _release(self) -> None:
        """Drop the flock on the (former) temporary folder."""
        if self._tmp_fd is not None:
            os.close(self._tmp_fd)
            self._tmp_fd = None

    def _discard(self) -> None:
        """Remove the temporary folder (if still there) and drop its lock."""
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None
        self._release()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Remove an unpublished temporary folder; report archive write errors clearly."""
        tmp = self._tmp
        self._discard()
        cause = _os_error_cause(exc)
        if cause is not None and tmp is not None and self._is_archive_write_error(cause, tmp):
            raise _archive_error(
                cause, self.archive_dir, f"building the {self.period} revision"
            ) from exc

    def _is_archive_write_error(self, exc: OSError, tmp: Path) -> bool:
        """Disk full anywhere, or a permission error on a file inside the revision."""
        if exc.errno in _DISK_FULL:
            return True
        return exc.errno in _NOT_WRITABLE and (
            _is_within(exc.filename, tmp) or _is_within(exc.filename2, tmp)
        )

