"""``oneclick archive verify --all``: every revision, the ledger and every chain link.

Each revision is checked as ``archive verify REV`` checks it (files, manifest,
its ledger line, its signature); then every link of the ledger is checked once,
every ledger line must name a revision that is there, and every revision must
be in the ledger (or be a legacy one in an archive that has none). Every break
is reported, not only the first.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from report.archive.errors import ArchiveError
from report.archive.ledger import LEDGER_NAME, chain_break, read_ledger
from report.archive.manifest import Verdict, check_revision
from report.archive.numbering import PERIOD_RE, revision_folders, revision_label
from report.archive.signing import archive_key

__all__ = ["ArchiveAudit", "verify_archive"]

_FROM_ENV: Any = object()


@dataclass(frozen=True)
class ArchiveAudit:
    """What :func:`verify_archive` found."""

    revisions: tuple[tuple[str, Verdict], ...]
    """``(PERIOD/rN, verdict)`` for every revision folder, by period then number."""
    problems: tuple[str, ...]
    """Breaks of the archive as a whole: ledger lines, chain links, revisions gone."""
    head: tuple[str, str] | None
    """The ledger's last line: ``(PERIOD/rN, manifest sha256)``; note it elsewhere."""

    @property
    def broken(self) -> int:
        """How many problems were found, all revisions and the archive together."""
        return len(self.problems) + sum(len(v.problems) for _, v in self.revisions)

    @property
    def ok(self) -> bool:
        """True when nothing is wrong anywhere."""
        return self.broken == 0


def _linked_periods(archive_dir: Path) -> list[str]:
    """Breaks for period folders that are symbolic links (never entered)."""
    return [f"period folder {entry.name} is a symbolic link (not followed)"
            for entry in sorted(archive_dir.iterdir())
            if PERIOD_RE.match(entry.name) and entry.is_symlink()]


def verify_archive(archive_dir: Path, key: Any = _FROM_ENV) -> ArchiveAudit:
    """Check every revision of an archive, its ledger and the hash chain.

    Parameters
    ----------
    archive_dir : Path
        The archive folder (``reports``).
    key : bytes or None, optional
        The signing key; by default read from the environment.

    Raises
    ------
    ArchiveError
        The archive folder cannot be read.
    """
    archive_dir = Path(archive_dir)
    key = archive_key() if key is _FROM_ENV else key
    ledger = read_ledger(archive_dir)
    try:
        folders = revision_folders(archive_dir)
        problems = _linked_periods(archive_dir)
    except OSError as exc:
        raise ArchiveError(f"cannot read archive folder {archive_dir}: "
                           f"{exc.strerror or exc}") from exc
    revisions = tuple((revision_label(path) or path.name,
                       check_revision(path, key=key, ledger=ledger, links=False))
                      for path in folders)
    problems += list(ledger.problems)
    problems += [p for i in range(len(ledger.entries)) if (p := chain_break(ledger.entries, i))]
    present = {label for label, _ in revisions}
    problems += [f"ledger {LEDGER_NAME} line {entry.line} names {entry.revision}, which is "
                 "not in the archive (removed after publication)"
                 for entry in ledger.entries if entry.revision not in present]
    last = ledger.entries[-1] if ledger.entries else None
    head = (last.revision, last.manifest_sha256) if last else None
    return ArchiveAudit(revisions, tuple(problems), head)
