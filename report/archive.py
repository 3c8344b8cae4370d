"""Archived report revisions: build in a temporary folder, publish atomically.

Layout of an archive folder::

    ARCHIVE_DIR/
        .lock                 flock target, held only while a revision is renamed into place
        .tmp-2026-11-<pid>-<token>/   revision being built (ignored by everything else)
        2026-11/
            r1/               published revisions, never overwritten
                manifest.json
                report.pdf ...
            r2/

Crash safety (POSIX/Linux):

* A revision is written into a ``.tmp-*`` folder on the same filesystem and moved
  into ``PERIOD/rN`` with one ``os.rename`` once ``manifest.json`` and every file
  are on disk, so a reader sees a complete revision or none.
* The revision number is chosen and the rename done while holding ``flock`` on
  ``ARCHIVE_DIR/.lock``, so two concurrent runs get ``r1`` and ``r2``.  The kernel
  drops the lock when its holder dies (even by SIGKILL); the file itself means
  nothing.
* The builder also holds ``flock`` on its own ``.tmp-*`` folder.  A later run
  removes ``.tmp-*`` folders whose lock it can take (their owner is dead) and
  that have not been modified for :data:`STALE_TMP_MIN_AGE_S` seconds.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import functools
import hashlib
import importlib.metadata
import json
import os
import platform
import re
import secrets
import shutil
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self

__all__ = [
    "KEY_NUMBERS",
    "MANIFEST_NAME",
    "PACKAGES",
    "STALE_TMP_MIN_AGE_S",
    "TOOL_NAME",
    "ArchiveError",
    "RevisionBuilder",
    "RevisionInfo",
    "clean_stale_temps",
    "describe_tool",
    "file_digest",
    "format_revision_table",
    "latest_revision",
    "list_revisions",
    "next_revision_name",
    "verify_revision",
    "write_manifest",
]

TOOL_NAME = "oneclick-report"
MANIFEST_NAME = "manifest.json"
MANIFEST_VERSION = 1
PACKAGES: tuple[str, ...] = (
    "numpy",
    "pandas",
    "scipy",
    "scikit-learn",
    "shap",
    "phik",
    "matplotlib",
    "seaborn",
    "jinja2",
    "weasyprint",
    "pypandoc-binary",
    "pandera",
    "pydantic",
)
KEY_NUMBERS: tuple[str, ...] = (
    "facts.clients_total",
    "facts.decline_share",
    "model.test_roc_auc",
    "model.cv_roc_auc_mean",
)
STALE_TMP_MIN_AGE_S = 60.0
"""A dead run's ``.tmp-*`` folder is removed once unmodified for this long."""

LOCK_TIMEOUT_S = 60.0
"""How long :meth:`RevisionBuilder.publish` waits for another run's publish step."""

_TMP_PREFIX = ".tmp-"
_LOCK_NAME = ".lock"
_PERIOD_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_REVISION_RE = re.compile(r"^r([1-9]\d*)$")
_RESERVED_KEYS = frozenset({"files", "inputs", "tool", "packages", "manifest_version"})
_DISK_FULL = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
_NOT_WRITABLE = frozenset({errno.EACCES, errno.EPERM, errno.EROFS})
_GIT_TIMEOUT_S = 3.0


class ArchiveError(Exception):
    """The archive folder cannot be written; the message names the folder."""


# --------------------------------------------------------------------------- helpers


def _check_period(period: str) -> str:
    """Return `period` if it is ``YYYY-MM``, else raise ``ValueError``."""
    if not isinstance(period, str) or not _PERIOD_RE.match(period):
        raise ValueError(f"period must look like YYYY-MM (e.g. 2026-11), got {period!r}")
    return period


def _revision_number(name: str) -> int | None:
    """Return N for a folder named ``rN`` (N ≥ 1, no leading zero), else None."""
    match = _REVISION_RE.match(name)
    return int(match.group(1)) if match else None


def _sha256(path: Path) -> str:
    """Return the hex sha256 of a file's content."""
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _file_entry(path: Path) -> dict[str, Any]:
    """Return ``{"sha256", "size"}`` for one file."""
    return {"sha256": _sha256(path), "size": path.stat().st_size}


def _json_default(obj: Any) -> Any:
    """Serialise the few non-JSON types a run puts into the manifest."""
    if isinstance(obj, Path):
        return obj.as_posix()
    if isinstance(obj, datetime):
        return obj.isoformat()
    if isinstance(obj, set | frozenset):
        return sorted(obj)
    if hasattr(obj, "item"):  # numpy scalars
        return obj.item()
    raise TypeError(f"manifest value of type {type(obj).__name__} is not JSON serialisable")


def _dump_json(data: Mapping[str, Any]) -> str:
    """Return canonical manifest JSON: sorted keys, indent 2, UTF-8 text, final newline."""
    return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False, default=_json_default)


def _write_text_durable(path: Path, text: str) -> None:
    """Write `text` as UTF-8 and fsync it."""
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())


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


# ------------------------------------------------------------------------- manifest


def _output_files(revision_dir: Path) -> list[Path]:
    """Return every regular file below `revision_dir` except the top-level manifest."""
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(revision_dir):
        for name in [*dirnames, *filenames]:
            if Path(dirpath, name).is_symlink():
                raise ArchiveError(
                    f"revision folder {revision_dir} contains a symbolic link "
                    f"{Path(dirpath, name)}; archive real files only"
                )
        found.extend(Path(dirpath, name) for name in filenames)
    manifest = revision_dir / MANIFEST_NAME
    return [p for p in found if p != manifest]


def _file_table(revision_dir: Path) -> dict[str, dict[str, Any]]:
    """Return ``{relative posix path: {"sha256", "size"}}`` for the revision's outputs."""
    table = {
        p.relative_to(revision_dir).as_posix(): _file_entry(p) for p in _output_files(revision_dir)
    }
    return dict(sorted(table.items()))


def _input_table(inputs: Mapping[str, Path]) -> dict[str, dict[str, Any]]:
    """Return ``{key: {"name", "sha256", "size"}}`` for the run's input files."""
    table: dict[str, dict[str, Any]] = {}
    for key, raw in sorted(inputs.items()):
        path = Path(raw)
        table[key] = {"name": path.name, **_file_entry(path)}
    return table


def _run_git(args: Sequence[str], cwd: Path) -> str | None:
    """Run one git command; return its stripped stdout, or None on any failure."""
    try:
        done = subprocess.run(
            ["git", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=_GIT_TIMEOUT_S,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip()


@functools.lru_cache(maxsize=1)
def _git_info() -> tuple[str | None, bool | None]:
    """Return (commit, dirty) of the checkout holding this package's source, if any."""
    package_dir = Path(__file__).resolve().parent
    if _run_git(["ls-files", "--error-unmatch", "--", Path(__file__).name], package_dir) is None:
        return None, None  # not a checkout, or this source is not tracked in it
    commit = _run_git(["rev-parse", "HEAD"], package_dir)
    if not commit:
        return None, None
    status = _run_git(["status", "--porcelain", "--untracked-files=no"], package_dir)
    return commit, (None if status is None else bool(status))


def _tool_version() -> str:
    """Return the installed version of this tool, or ``0+unknown``."""
    try:
        return importlib.metadata.version(TOOL_NAME)
    except importlib.metadata.PackageNotFoundError:
        return "0+unknown"


def _tool_info() -> dict[str, Any]:
    """Return the ``tool`` section of the manifest."""
    commit, dirty = _git_info()
    return {
        "name": TOOL_NAME,
        "version": _tool_version(),
        "git_commit": commit,
        "git_dirty": dirty,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def _package_versions() -> dict[str, str | None]:
    """Return the installed version of each package in :data:`PACKAGES` (None if missing)."""
    versions: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def write_manifest(
    revision_tmp_dir: Path, inputs: Mapping[str, Path], extra: Mapping[str, Any]
) -> dict[str, Any]:
    """Write ``manifest.json`` describing a revision folder and return its content.

    Parameters
    ----------
    revision_tmp_dir : Path
        Folder holding the finished outputs of the run.
    inputs : Mapping[str, Path]
        Input files by logical name (e.g. ``{"market_file": Path(".../market_file.csv")}``).
    extra : Mapping[str, Any]
        Further top-level entries: parameters, seed, timings, period, created_at, ...

    Returns
    -------
    dict[str, Any]
        The manifest: ``files`` (sha256 and size of every output, by relative posix
        path, ``manifest.json`` excluded), ``inputs`` (original name, sha256, size),
        ``tool``, ``packages``, ``manifest_version`` and everything in `extra`.

    Raises
    ------
    ValueError
        If `extra` uses a reserved key (files, inputs, tool, packages, manifest_version).
    OSError
        If a file cannot be read or the manifest cannot be written.
    """
    clash = _RESERVED_KEYS.intersection(extra)
    if clash:
        raise ValueError(f"manifest extra uses reserved keys: {', '.join(sorted(clash))}")
    revision_tmp_dir = Path(revision_tmp_dir)
    manifest: dict[str, Any] = {
        **extra,
        "manifest_version": MANIFEST_VERSION,
        "files": _file_table(revision_tmp_dir),
        "inputs": _input_table(inputs),
        "tool": _tool_info(),
        "packages": _package_versions(),
    }
    text = _dump_json(manifest) + "\n"
    _write_text_durable(revision_tmp_dir / MANIFEST_NAME, text)
    return json.loads(text)


# --------------------------------------------------------------------------- verify


def _read_json(path: Path) -> Any:
    """Return parsed JSON from `path` (raises OSError / ValueError)."""
    return json.loads(path.read_text(encoding="utf-8"))


def _check_listed_file(revision_dir: Path, name: str, entry: Any) -> str | None:
    """Return a problem with one manifest-listed file, or None if it matches."""
    relative = Path(name)
    if relative.is_absolute() or ".." in relative.parts or not isinstance(entry, dict):
        return f"manifest entry is invalid: {name}"
    path = revision_dir / relative
    if not path.is_file():
        return f"missing: {name}"
    if path.stat().st_size != entry.get("size") or _sha256(path) != entry.get("sha256"):
        return f"changed: {name} (sha256 or size differs from the manifest)"
    return None


def verify_revision(revision_dir: Path) -> list[str]:
    """Recompute the hash of every file listed in a revision's manifest.

    Only files listed in ``manifest.json`` are checked, so files added beside the
    outputs later (e.g. ``deliveries/`` records) do not make a revision fail.

    Parameters
    ----------
    revision_dir : Path
        A published revision, e.g. ``reports/2026-11/r1``.

    Returns
    -------
    list[str]
        Problems found (``missing: NAME``, ``changed: NAME ...``, manifest errors);
        an empty list means the revision is intact.
    """
    revision_dir = Path(revision_dir)
    manifest_path = revision_dir / MANIFEST_NAME
    if not manifest_path.is_file():
        return [f"{MANIFEST_NAME} is missing in {revision_dir}"]
    try:
        manifest = _read_json(manifest_path)
    except (OSError, ValueError) as exc:
        return [f"{MANIFEST_NAME} cannot be read: {exc}"]
    files = manifest.get("files") if isinstance(manifest, dict) else None
    if not isinstance(files, dict):
        return [f"{MANIFEST_NAME} has no 'files' table"]
    problems = [
        _check_listed_file(revision_dir, name, entry) for name, entry in sorted(files.items())
    ]
    return [p for p in problems if p is not None]


# -------------------------------------------------------------------------- locking


@contextlib.contextmanager
def _publish_lock(archive_dir: Path, timeout_s: float = LOCK_TIMEOUT_S) -> Iterator[None]:
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
        if not entry.name.startswith(_TMP_PREFIX) or entry.is_symlink() or not entry.is_dir():
            continue
        with contextlib.suppress(OSError):
            if now - entry.stat().st_mtime >= min_age_s and _try_remove_unowned(entry):
                removed.append(entry)
    return removed


def describe_tool() -> dict[str, Any]:
    """The tool and package versions, as the manifest records them (for the report's appendix)."""
    return {**_tool_info(), "packages": _package_versions()}


def file_digest(path: Path) -> str:
    """sha256 of a file, hex."""
    return _sha256(path)


def next_revision_name(archive_dir: Path, period: str) -> str:
    """The name the next revision of ``period`` will most likely get (``r3``).

    Only a hint for the report's header: two runs publishing at the same moment
    may take the numbers in the other order; the manifest and folder name rule.
    """
    period_dir = Path(archive_dir) / _check_period(period)
    return f"r{_next_free_number(period_dir) if period_dir.is_dir() else 1}"


# -------------------------------------------------------------------------- publish


def _next_free_number(period_dir: Path) -> int:
    """Return one more than the highest ``rN`` in `period_dir` (1 if none)."""
    numbers = [_revision_number(p.name) for p in period_dir.iterdir()]
    return max((n for n in numbers if n is not None), default=0) + 1


def _rename_into_place(tmp_dir: Path, period_dir: Path, max_tries: int = 1000) -> Path:
    """Rename `tmp_dir` to the next free ``period_dir/rN``; call with the publish lock held."""
    number = _next_free_number(period_dir)
    for _ in range(max_tries):
        target = period_dir / f"r{number}"
        # rename() silently replaces an *empty* directory, so never aim at an existing name.
        if not os.path.lexists(target):
            try:
                os.rename(tmp_dir, target)
                return target
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
        self.period = _check_period(period)
        self.published: Path | None = None
        self._tmp: Path | None = None
        self._tmp_fd: int | None = None

    @property
    def path(self) -> Path:
        """Temporary folder to write the revision's files into."""
        if self._tmp is None:
            raise RuntimeError("RevisionBuilder.path is only available inside the with block")
        return self._tmp

    def __enter__(self) -> Self:
        """Create and lock the temporary folder; fail early if the archive is not writable."""
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
            name = f"{_TMP_PREFIX}{self.period}-{os.getpid()}-{secrets.token_hex(4)}"
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
        inputs: Mapping[str, Path] | None = None,
    ) -> Path:
        """Write ``manifest.json`` and move the revision to ``ARCHIVE_DIR/PERIOD/rN``.

        Parameters
        ----------
        manifest_extra : Mapping[str, Any], optional
            Parameters, seed, timings, ... ; ``period`` and ``created_at`` (UTC) are
            added unless given.
        inputs : Mapping[str, Path], optional
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
            write_manifest(tmp, inputs or {}, extra)
            _fsync_tree(tmp)
            final = self._move_into_place(tmp)
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

    def _move_into_place(self, tmp: Path) -> Path:
        """Rename `tmp` to the next free revision under the publish lock; flush the parents."""
        period_dir = self.archive_dir / self.period
        period_dir.mkdir(exist_ok=True)
        with _publish_lock(self.archive_dir):
            final = _rename_into_place(tmp, period_dir)
        self._tmp = None  # the folder now lives at `final`: published, whatever happens next
        with contextlib.suppress(OSError):
            _fsync_path(period_dir)
            _fsync_path(self.archive_dir)
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


# ------------------------------------------------------------------------- list/find


@dataclass(frozen=True)
class RevisionInfo:
    """One published revision, as listed by :func:`list_revisions`."""

    period: str
    revision: str
    number: int
    path: Path
    created_at: str | None = None
    key_numbers: dict[str, float | int | None] = field(default_factory=dict)


def _dig(data: Any, dotted: str) -> float | int | None:
    """Return the number at ``a.b`` in nested dicts, or None."""
    for part in dotted.split("."):
        if not isinstance(data, dict):
            return None
        data = data.get(part)
    is_number = isinstance(data, int | float) and not isinstance(data, bool)
    return data if is_number else None


def _read_optional_json(path: Path) -> Any:
    """Return parsed JSON, or None if absent or unreadable."""
    try:
        return _read_json(path)
    except (OSError, ValueError):
        return None


def _revision_info(period: str, path: Path, number: int) -> RevisionInfo:
    """Collect created_at (manifest) and key numbers (results.json) for one revision."""
    manifest = _read_optional_json(path / MANIFEST_NAME)
    created = manifest.get("created_at") if isinstance(manifest, dict) else None
    results = _read_optional_json(path / "results.json")
    return RevisionInfo(
        period=period,
        revision=path.name,
        number=number,
        path=path,
        created_at=created if isinstance(created, str) else None,
        key_numbers={key: _dig(results, key) for key in KEY_NUMBERS},
    )


def _period_revisions(period_dir: Path) -> Iterator[RevisionInfo]:
    """Yield the revisions of one period folder (unordered)."""
    for entry in period_dir.iterdir():
        number = _revision_number(entry.name)
        if number is not None and entry.is_dir() and not entry.is_symlink():
            yield _revision_info(period_dir.name, entry, number)


def list_revisions(archive_dir: Path) -> list[RevisionInfo]:
    """List published revisions, sorted by period then revision number.

    ``.tmp-*`` folders, the lock file and anything not named ``YYYY-MM/rN`` are ignored.

    Parameters
    ----------
    archive_dir : Path
        The archive folder; a missing folder has no revisions.

    Returns
    -------
    list[RevisionInfo]
        With ``key_numbers`` from each revision's ``results.json`` (None when absent).

    Raises
    ------
    ArchiveError
        If the archive folder exists but cannot be read.
    """
    archive_dir = Path(archive_dir)
    if not archive_dir.exists():
        return []
    try:
        revisions = [
            info
            for entry in archive_dir.iterdir()
            if _PERIOD_RE.match(entry.name) and entry.is_dir()
            for info in _period_revisions(entry)
        ]
    except OSError as exc:
        raise ArchiveError(
            f"cannot read archive folder {archive_dir}: {exc.strerror or exc}"
        ) from exc
    return sorted(revisions, key=lambda r: (r.period, r.number))


def latest_revision(
    archive_dir: Path,
    before_period: str | None = None,
    same_period: str | None = None,
    *,
    exclude: Path | None = None,
) -> Path | None:
    """Find the revision to compare a new report with.

    Parameters
    ----------
    archive_dir : Path
        The archive folder.
    before_period : str, optional
        Prefer the latest revision of the latest period strictly before this one.
    same_period : str, optional
        Otherwise fall back to the latest revision of this period.
    exclude : Path, optional
        A revision to skip (e.g. the one just published).

    Returns
    -------
    Path or None
        The revision folder; with neither period given, the latest revision of all.
    """
    skip = Path(exclude).resolve() if exclude is not None else None
    revisions = [r for r in list_revisions(archive_dir) if r.path.resolve() != skip]
    if before_period is None and same_period is None:
        return revisions[-1].path if revisions else None
    if before_period is not None:
        earlier = [r for r in revisions if r.period < _check_period(before_period)]
        if earlier:
            return earlier[-1].path
    if same_period is not None:
        same = [r for r in revisions if r.period == _check_period(same_period)]
        if same:
            return same[-1].path
    return None


# ---------------------------------------------------------------------------- table


def _format_number(key: str, value: float | int | None) -> str:
    """Format one key number for the table."""
    if value is None:
        return "-"
    if key == "facts.decline_share":
        return f"{value * 100:.1f}%"
    if key == "facts.clients_total":
        return f"{value:,.0f}".replace(",", " ")
    return f"{value:.3f}"


_COLUMNS: tuple[tuple[str, str], ...] = (
    ("facts.clients_total", "clients"),
    ("facts.decline_share", "declined"),
    ("model.test_roc_auc", "test AUC"),
    ("model.cv_roc_auc_mean", "CV AUC"),
)


def _row(info: RevisionInfo) -> list[str]:
    """Return the table cells for one revision."""
    created = (info.created_at or "-").replace("T", " ")[:16]
    numbers = [_format_number(key, info.key_numbers.get(key)) for key, _ in _COLUMNS]
    return [info.period, info.revision, created, *numbers, str(info.path)]


def format_revision_table(revs: Sequence[RevisionInfo]) -> str:
    """Return a plain-text table of revisions for ``oneclick archive list``.

    Parameters
    ----------
    revs : Sequence[RevisionInfo]
        Revisions, e.g. from :func:`list_revisions` (printed in the given order).

    Returns
    -------
    str
        Aligned columns (period, revision, created UTC, clients, declined share,
        test AUC, CV AUC, path) ending with a newline, or a one-line note if empty.
    """
    if not revs:
        return "No archived revisions.\n"
    header = ["period", "rev", "created (UTC)", *(title for _, title in _COLUMNS), "path"]
    rows = [header, *(_row(r) for r in revs)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header) - 1)]
    numeric = {3, 4, 5, 6}
    lines = []
    for row in rows:
        cells = [
            cell.rjust(width) if i in numeric else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=False))
        ]
        lines.append("  ".join([*cells, row[-1]]).rstrip())
    return "\n".join(lines) + "\n"
