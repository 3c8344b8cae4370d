"""The links of the hash chain around one revision, and who must be signed.

:func:`ledger_problems` compares a chained manifest with its ledger line and,
for ``archive verify REV``, the links into and out of it (the next revision's
ledger line and manifest must record this manifest as their previous one).
:func:`unsigned_policy` decides whether an unsigned revision is a problem when a
signing key is given.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from analysis.results import files
from report.archive import signing
from report.archive.contents import read_bytes_nofollow
from report.archive.ledger import LEDGER_NAME, Ledger, chain_break

__all__ = ["ledger_problems", "unsigned_policy"]

_UNREADABLE = object()


def _recorded_previous(folder: Path) -> Any:
    """The ``previous_manifest_sha256`` a revision's manifest records (read without links)."""
    if folder.is_symlink() or not folder.is_dir():
        return _UNREADABLE  # its own check reports it
    try:
        manifest = json.loads(read_bytes_nofollow(folder, files.MANIFEST))
    except (OSError, ValueError, RecursionError):
        return _UNREADABLE
    return manifest.get("previous_manifest_sha256") if isinstance(manifest, dict) else _UNREADABLE


def ledger_problems(manifest: Mapping[str, Any], sha: str, label: str, ledger: Ledger,
                     links: bool) -> tuple[list[str], int | None]:
    """This revision's line in the ledger and (with ``links``) the links around it."""
    if not ledger.exists:
        return [f"ledger {ledger.path} is missing: the chain cannot be checked"], None
    if ledger.problems and not ledger.entries:
        return list(ledger.problems), None
    where = ledger.positions(label)
    if not where:
        return [f"not in the ledger {LEDGER_NAME}: published outside this tool, "
                "or the ledger was cut"], None
    if len(where) > 1:
        lines = ", ".join(str(ledger.entries[i].line) for i in where)
        return [f"named on several lines of the ledger {LEDGER_NAME} ({lines})"], where[0]
    index = where[0]
    entry = ledger.entries[index]
    problems = []
    if entry.legacy:
        problems.append(f"the ledger (line {entry.line}) records a legacy revision, "
                        "but the manifest is chained")
    if entry.manifest_sha256 != sha:
        problems.append(f"{files.MANIFEST} differs from the ledger (line {entry.line}): "
                        "changed after publication")
    if manifest.get("previous_manifest_sha256") != entry.previous_sha256:
        problems.append(f"previous_manifest_sha256 differs from the ledger (line {entry.line})")
    if entry.signed != (manifest.get("signature") is not None):
        problems.append(f"the ledger (line {entry.line}) and the manifest disagree on "
                        "whether it is signed")
    if links:
        problems += [p for p in (chain_break(ledger.entries, index),
                                 _next_link(ledger, index, sha)) if p]
    return problems, index


def _next_link(ledger: Ledger, index: int, sha: str) -> str | None:
    """The next revision (ledger line and manifest) records this manifest as previous."""
    if index + 1 >= len(ledger.entries):
        return None
    following = ledger.entries[index + 1]
    if following.previous_sha256 != sha:
        return (f"chain broken after this revision: the ledger's next line "
                f"{following.line} ({following.revision}) records another previous manifest")
    recorded = _recorded_previous(ledger.path.parent / following.revision)
    if recorded is not _UNREADABLE and recorded != sha:
        return (f"chain broken after this revision: the manifest of {following.revision} "
                "records another previous manifest")
    return None


def unsigned_policy(ledger: Ledger | None, index: int | None, key: bytes | None
                     ) -> tuple[list[str], list[str]]:
    """An unsigned chained revision: fine without a key; with one, only before signing began."""
    if key is None:
        return [], [f"not signed ({signing.ENV_KEY} was not set when it was published)"]
    signed = [e for e in (ledger.entries if ledger else ()) if e.signed]
    if not signed:
        return [f"not signed, and no revision of the archive is, although {signing.ENV_KEY} "
                "is set: a key given to verify expects signed revisions"], []
    first = signed[0]
    if index is not None and ledger is not None and ledger.entries[index].line > first.line:
        return [f"not signed, although signing began with {first.revision} "
                f"(ledger line {first.line})"], []
    return [], [f"not signed: published before signing began with {first.revision}"]
