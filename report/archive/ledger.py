"""The append-only ledger of published manifests, ``ARCHIVE/ledger.jsonl``.

One JSON line per published revision, in publication order across periods::

    {"manifest_sha256": "…", "previous_sha256": "…" | null, "revision": "2026-11/r2",
     "signed": false, "time": "2026-11-27T07:03:12+00:00"}

``previous_sha256`` is the ``manifest_sha256`` of the line before (null on the
first), the same value the revision's own manifest records as
``previous_manifest_sha256``: the manifests form a hash chain and the ledger pins
every link, so editing a manifest (even with its file hashes recomputed) no
longer matches the ledger, and editing the ledger too breaks the next link.

Lines are appended only by :class:`report.archive.store.RevisionBuilder`, while
it holds the publish lock, with one ``write`` and an ``fsync``. The first
publication into an archive without a ledger first records the manifests of the
revisions already there (``manifest_version`` 1, written before chaining existed)
as ``"legacy": true`` lines, so that from then on they too cannot be changed or
added to unnoticed.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from analysis.results import files
from report.archive.contents import SHA256_RE, read_bytes_nofollow
from report.archive.numbering import revision_label

__all__ = [
    "LEDGER_NAME",
    "Ledger",
    "LedgerEntry",
    "append_lines",
    "chain_break",
    "entry_line",
    "legacy_lines",
    "read_ledger",
    "undo_append",
]

LEDGER_NAME = "ledger.jsonl"
_LABEL_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])/r[1-9]\d*$")


@dataclass(frozen=True)
class LedgerEntry:
    """One well-formed line of the ledger (``line`` counts from 1)."""

    line: int
    revision: str
    manifest_sha256: str
    previous_sha256: str | None
    time: str
    signed: bool
    legacy: bool


@dataclass(frozen=True)
class Ledger:
    """The parsed ledger: its well-formed lines and what is wrong with the rest."""

    path: Path
    exists: bool
    entries: tuple[LedgerEntry, ...] = ()
    problems: tuple[str, ...] = ()
    readable: bool = True
    """False when the file is there but cannot be read (a link, no permission)."""

    @property
    def head(self) -> str | None:
        """The manifest sha256 of the last well-formed line (None for an empty ledger)."""
        return self.entries[-1].manifest_sha256 if self.entries else None

    def positions(self, revision: str) -> list[int]:
        """Indexes into ``entries`` of the lines naming ``revision`` (``PERIOD/rN``)."""
        return [i for i, entry in enumerate(self.entries) if entry.revision == revision]


def _utc_now() -> str:
    """Current UTC time, ISO 8601 with seconds."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def _entry(number: int, raw: Any) -> LedgerEntry | None:
    """The entry of one parsed line, or None if the line is not a ledger entry."""
    if not isinstance(raw, dict):
        return None
    label, sha = raw.get("revision"), raw.get("manifest_sha256")
    previous = raw.get("previous_sha256")
    signed, legacy, time = raw.get("signed"), raw.get("legacy", False), raw.get("time")
    well_formed = (
        isinstance(label, str) and bool(_LABEL_RE.match(label))
        and isinstance(sha, str) and bool(SHA256_RE.match(sha))
        and (previous is None or (isinstance(previous, str) and bool(SHA256_RE.match(previous))))
        and isinstance(signed, bool) and isinstance(legacy, bool) and isinstance(time, str)
    )
    if not well_formed:
        return None
    return LedgerEntry(number, label, sha, previous, time, signed, legacy)


def read_ledger(archive_dir: Path) -> Ledger:
    """Read ``ARCHIVE/ledger.jsonl`` without following a link; never raises."""
    path = Path(archive_dir) / LEDGER_NAME
    try:
        text = read_bytes_nofollow(Path(archive_dir), LEDGER_NAME).decode("utf-8")
    except FileNotFoundError:
        return Ledger(path, exists=False)
    except (OSError, ValueError) as exc:
        link = getattr(exc, "errno", None) == errno.ELOOP
        reason = "a symbolic link (not followed)" if link else exc
        return Ledger(path, exists=True, problems=(f"ledger {path} cannot be read: {reason}",),
                      readable=False)
    entries: list[LedgerEntry] = []
    problems: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        try:
            entry = _entry(number, json.loads(line))
        except (ValueError, RecursionError):
            entry = None
        if entry is None:
            problems.append(f"ledger {path} line {number} is not a ledger entry")
        else:
            entries.append(entry)
    return Ledger(path, exists=True, entries=tuple(entries), problems=tuple(problems))


def chain_break(entries: Sequence[LedgerEntry], index: int) -> str | None:
    """What is wrong with the link into ``entries[index]``, or None when it holds."""
    entry = entries[index]
    expected = entries[index - 1].manifest_sha256 if index else None
    if entry.previous_sha256 == expected:
        return None
    before = f"line {entries[index - 1].line} ({entries[index - 1].revision})" if index else (
        "no line (it is the first)")
    return (f"ledger chain broken at line {entry.line} ({entry.revision}): it records previous "
            f"{_short(entry.previous_sha256)}, but {before} has {_short(expected)}")


def _short(sha: str | None) -> str:
    """The first 12 hex digits of a sha256, or ``null``."""
    return "null" if sha is None else sha[:12] + "…"


def entry_line(revision: str, manifest_sha256: str, previous: str | None, *,
               signed: bool, legacy: bool = False) -> dict[str, Any]:
    """One ledger line as a dict (``legacy`` only written when true)."""
    line: dict[str, Any] = {"revision": revision, "manifest_sha256": manifest_sha256,
                            "previous_sha256": previous, "signed": signed, "time": _utc_now()}
    return {**line, "legacy": True} if legacy else line


def legacy_lines(revision_dirs: Iterable[Path]) -> list[dict[str, Any]]:
    """Ledger lines pinning the version-1 manifests found, oldest ``created_at`` first.

    Used once, when the first chained revision is published into an archive that
    has no ledger. Unreadable manifests and chained ones are left out (the audit
    reports them as not in the ledger).
    """
    found: list[tuple[str, str, str]] = []
    for path in revision_dirs:
        label = revision_label(path)
        if label is None or path.is_symlink() or not path.is_dir():
            continue
        try:
            raw = read_bytes_nofollow(path, files.MANIFEST)
            manifest = json.loads(raw.decode("utf-8"))
        except (OSError, ValueError, RecursionError):
            continue
        if isinstance(manifest, dict) and manifest.get("manifest_version") == 1:
            created = manifest.get("created_at")
            found.append((created if isinstance(created, str) else "", label,
                          hashlib.sha256(raw).hexdigest()))
    lines: list[dict[str, Any]] = []
    previous: str | None = None
    for _, label, sha in sorted(found):
        lines.append(entry_line(label, sha, previous, signed=False, legacy=True))
        previous = sha
    return lines


def append_lines(archive_dir: Path, lines: Sequence[dict[str, Any]]) -> int:
    """Append `lines` with one write and fsync; return the ledger's size before.

    Call with the publish lock held. A last line left without its newline (a
    crash mid-write) is closed first, so the new lines stay whole.

    Raises
    ------
    OSError
        The ledger cannot be written (it is a link, the disk is full, ...).
    """
    archive_dir = Path(archive_dir)
    path = archive_dir / LEDGER_NAME
    created = not os.path.lexists(path)
    flags = os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
    fd = os.open(path, flags, 0o644)
    try:
        size = os.fstat(fd).st_size
        text = "".join(json.dumps(line, sort_keys=True, ensure_ascii=False) + "\n"
                       for line in lines)
        if size and os.pread(fd, 1, size - 1) != b"\n":
            text = "\n" + text
        data = text.encode("utf-8")
        try:
            while data:
                data = data[os.write(fd, data):]
            os.fsync(fd)
        except OSError:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, size)  # no half line left behind
            raise
    finally:
        os.close(fd)
    if created:
        dir_fd = os.open(archive_dir, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    return size


def undo_append(archive_dir: Path, size: int) -> None:
    """Cut the ledger back to `size` bytes after a failed publication (lock held)."""
    fd = os.open(Path(archive_dir) / LEDGER_NAME, os.O_WRONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        os.ftruncate(fd, size)
        os.fsync(fd)
    finally:
        os.close(fd)
