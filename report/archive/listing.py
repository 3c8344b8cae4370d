"""Published revisions: list them, find the latest intact one, print them as a text table."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.errors import InputError
from analysis.results import files
from analysis.results.store import read_results, read_scores
from analysis.trend import History, PastRun
from report.archive.contents import read_bytes_nofollow
from report.archive.errors import ArchiveError
from report.archive.manifest import verify_revision
from report.archive.numbering import PERIOD_RE, check_period, revision_number

__all__ = [
    "KEY_NUMBERS",
    "RevisionInfo",
    "format_revision_table",
    "intact_history",
    "intact_previous",
    "list_revisions",
]

KEY_NUMBERS: tuple[str, ...] = (
    "facts.clients_total",
    "facts.decline_share",
    "model.test_roc_auc",
    "model.cv_roc_auc_mean",
)


@dataclass(frozen=True)
class RevisionInfo:
    """One published revision, as listed by :func:`list_revisions`."""

    period: str
    revision: str
    number: int
    path: Path
    created_at: str | None = None
    key_numbers: dict[str, float | int | None] = field(default_factory=dict)
    problem: str | None = None
    """The first thing ``archive verify`` finds wrong with the revision; None when intact."""


def _dig(data: Any, dotted: str) -> float | int | None:
    """Return the number at ``a.b`` in nested dicts, or None."""
    for part in dotted.split("."):
        if not isinstance(data, dict):
            return None
        data = data.get(part)
    is_number = isinstance(data, int | float) and not isinstance(data, bool)
    return data if is_number else None


def _read_optional_json(path: Path) -> Any:
    """Parsed JSON, or None if absent, unreadable, deeply nested, or not a regular file.

    Read without following a link and without blocking on a FIFO: the listing
    must not hang or read elsewhere because of a damaged revision.
    """
    try:
        return json.loads(read_bytes_nofollow(path.parent, path.name, limit=16 << 20))
    except (OSError, ValueError, RecursionError):
        return None


def _revision_info(period: str, path: Path, number: int) -> RevisionInfo:
    """Collect created_at (manifest) and key numbers (results.json) for one revision."""
    manifest = _read_optional_json(path / files.MANIFEST)
    created = manifest.get("created_at") if isinstance(manifest, dict) else None
    results = _read_optional_json(path / files.RESULTS)
    return RevisionInfo(
        period=period,
        revision=path.name,
        number=number,
        path=path,
        created_at=created if isinstance(created, str) else None,
        key_numbers={key: _dig(results, key) for key in KEY_NUMBERS},
        problem=next(iter(verify_revision(path)), None),
    )


def _period_revisions(period_dir: Path) -> Iterator[RevisionInfo]:
    """Yield the revisions of one period folder (unordered)."""
    for entry in period_dir.iterdir():
        number = revision_number(entry.name)
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
            if PERIOD_RE.match(entry.name) and entry.is_dir()
            for info in _period_revisions(entry)
        ]
    except OSError as exc:
        raise ArchiveError(
            f"cannot read archive folder {archive_dir}: {exc.strerror or exc}"
        ) from exc
    return sorted(revisions, key=lambda r: (r.period, r.number))


def _damage(info: RevisionInfo) -> str | None:
    """Why a revision cannot serve as the previous report, or None when it is intact.

    Intact means: ``archive verify`` finds nothing, ``results.json`` reads with a
    schema this tool knows, and ``scores.csv`` reads as a table.
    """
    if info.problem:
        return info.problem
    try:
        read_results(info.path)
        read_scores(info.path)
    except InputError as error:
        return error.message
    except (OSError, ValueError, RecursionError, pd.errors.ParserError) as error:
        return f"{type(error).__name__}: {error}"
    return None


def intact_previous(archive_dir: Path, period: str
                    ) -> tuple[Path | None, list[dict[str, str]]]:
    """The revision a new report of ``period`` compares with, skipping damaged ones.

    Candidates in order of preference: the revisions of the latest earlier period
    (newest first), then of earlier periods, then of ``period`` itself (newest
    first). The first intact one is returned with the damaged ones passed over
    (``revision`` relative to the archive and ``problem``), so that a damaged
    month never stops a later report.
    """
    period = check_period(period)
    revisions = list_revisions(archive_dir)
    earlier = [r for r in reversed(revisions) if r.period < period]
    same = [r for r in reversed(revisions) if r.period == period]
    skipped: list[dict[str, str]] = []
    for info in (*earlier, *same):
        problem = _damage(info)
        if problem is None:
            return info.path, skipped
        skipped.append({"revision": f"{info.period}/{info.revision}", "problem": problem[:300]})
    return None, skipped


def _read_intact(info: RevisionInfo) -> tuple[Mapping[str, Any] | None, str | None]:
    """The revision's results, or the reason it cannot be read (verify, then the schema)."""
    if info.problem:
        return None, info.problem
    try:
        return read_results(info.path), None
    except InputError as error:
        return None, error.message
    except (OSError, ValueError, RecursionError) as error:
        return None, f"{type(error).__name__}: {error}"


def intact_history(archive_dir: Path, before: str | None = None) -> History:
    """The newest intact revision of every period, for the trend across months.

    Intact means: ``archive verify`` finds nothing and ``results.json`` reads with a
    schema this tool knows (an older schema is read; an unknown one is passed over
    with the reason). A damaged newest revision is passed over for the newest
    intact one of the same period; a period with none is left out. Nothing here
    stops a report: every revision passed over is named in ``History.skipped``.

    Parameters
    ----------
    archive_dir : Path
        The archive folder; a missing folder has no history.
    before : str, optional
        Only periods earlier than this ``YYYY-MM`` (the month being reported, which
        is the trend's last point).
    """
    before = None if before is None else check_period(before)
    revisions = [r for r in list_revisions(archive_dir) if before is None or r.period < before]
    runs: list[PastRun] = []
    skipped: list[dict[str, str]] = []
    for period in sorted({r.period for r in revisions}):
        for info in reversed([r for r in revisions if r.period == period]):
            results, problem = _read_intact(info)
            if results is not None:
                runs.append(PastRun(period, info.revision, results))
                break
            skipped.append({"revision": f"{period}/{info.revision}",
                            "problem": (problem or "")[:300]})
    return History(tuple(runs), tuple(skipped))


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
    where = str(info.path) + (f"  [повреждена: {info.problem}]" if info.problem else "")
    return [info.period, info.revision, created, *numbers, where]


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
