"""``manifest.json``: what a revision holds, its place in the chain, and its check.

A manifest (``manifest_version`` 2) records the sha256 and size of every file of
the revision (``files``), the run's inputs (original name, sha256, size), the tool
and package versions (:mod:`report.archive.provenance`), whatever the run adds
(parameters, seed, timings, period, created_at) and three chain fields written
under the publish lock: ``revision`` (``PERIOD/rN``), ``previous_manifest_sha256``
(the sha256 of the manifest published just before, in the whole archive, null for
the first) and ``signature`` (see :mod:`report.archive.signing`, null when
unsigned). It is canonical JSON (sorted keys, indent 2, UTF-8, final newline), so
its sha256 and its HMAC are taken over exactly the bytes on disk.

Version 1 manifests (written before chaining) are still read: they verify as
"legacy, not chained", their files checked as before.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from analysis.results import files
from report.archive import signing
from report.archive.contents import check_files, file_table, read_bytes_nofollow
from report.archive.ledger import LEDGER_NAME, Ledger, read_ledger
from report.archive.links import ledger_problems, unsigned_policy
from report.archive.numbering import revision_label
from report.archive.provenance import package_versions, tool_info
from report.archive.schema import (
    MANIFEST_VERSION,
    READABLE_VERSIONS,
    RESERVED_KEYS,
    place_problems,
    shape_problems,
)

__all__ = [
    "MANIFEST_VERSION",
    "READABLE_VERSIONS",
    "Verdict",
    "check_revision",
    "draft_manifest",
    "file_digest",
    "seal_manifest",
    "verify_revision",
]

_FROM_ENV = object()  # "read the key from the environment"


def file_digest(path: Path) -> str:
    """sha256 of a file, hex (follows links: for the run's input files)."""
    with Path(path).open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


class InputRecord(Protocol):
    """An input as it was read: name, hex sha256 and size of the bytes the loader read."""

    name: str
    sha256: str
    size: int


def _input_entry(raw: Path | InputRecord) -> dict[str, Any]:
    """``{"name", "sha256", "size"}``: as recorded when read, or hashed now for a bare path."""
    if isinstance(raw, Path | str):
        path = Path(raw)
        return {"name": path.name, "sha256": file_digest(path), "size": path.stat().st_size}
    return {"name": raw.name, "sha256": raw.sha256, "size": raw.size}


def _input_table(inputs: Mapping[str, Path | InputRecord]) -> dict[str, dict[str, Any]]:
    """Return ``{key: {"name", "sha256", "size"}}`` for the run's input files."""
    return {key: _input_entry(raw) for key, raw in sorted(inputs.items())}


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
    return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False,
                      default=_json_default) + "\n"


def _write_text_durable(path: Path, text: str) -> None:
    """Write `text` as UTF-8 and fsync it."""
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())


def draft_manifest(revision_tmp_dir: Path, inputs: Mapping[str, Path | InputRecord],
                   extra: Mapping[str, Any]) -> dict[str, Any]:
    """Everything of the manifest but the chain fields (hashes every file: slow part).

    Parameters
    ----------
    revision_tmp_dir : Path
        Folder holding the finished outputs of the run.
    inputs : Mapping[str, Path | InputRecord]
        Input files by logical name: the digests taken when the loader read them
        (:class:`analysis.data.load.SourceFile`, so a file replaced during the run
        is recorded as it was read), or paths to hash now.
    extra : Mapping[str, Any]
        Further top-level entries: parameters, seed, timings, period, created_at, ...

    Raises
    ------
    ValueError
        `extra` uses a reserved key; the folder holds no file, a link or a special file.
    OSError
        A file cannot be read.
    """
    clash = RESERVED_KEYS.intersection(extra)
    if clash:
        raise ValueError(f"manifest extra uses reserved keys: {', '.join(sorted(clash))}")
    table = file_table(Path(revision_tmp_dir), skip={files.MANIFEST, signing.SIDECAR})
    if not table:
        raise ValueError(f"revision folder {revision_tmp_dir} holds no file to publish")
    return {**extra, "manifest_version": MANIFEST_VERSION, "files": table,
            "inputs": _input_table(inputs), "tool": tool_info(), "packages": package_versions()}


def seal_manifest(revision_tmp_dir: Path, draft: Mapping[str, Any], revision: str,
                  previous: str | None, key: bytes | None) -> str:
    """Add the chain fields, write ``manifest.json`` (and ``manifest.sig``), fsync both.

    Call with the publish lock held, once the final name ``PERIOD/rN`` is chosen.

    Returns
    -------
    str
        The sha256 of the manifest's bytes (the ledger's ``manifest_sha256``).
    """
    manifest = {**draft, "revision": revision, "previous_manifest_sha256": previous,
                "signature": signing.signature_claim(key)}
    text = _dump_json(manifest)
    folder = Path(revision_tmp_dir)
    _write_text_durable(folder / files.MANIFEST, text)
    data = text.encode("utf-8")
    if key is not None:
        _write_text_durable(folder / signing.SIDECAR, signing.sidecar_text(key, data))
    return hashlib.sha256(data).hexdigest()


# ------------------------------------------------------------------------ verify


@dataclass(frozen=True)
class Verdict:
    """What :func:`check_revision` found: ``problems`` fail it, ``notes`` do not."""

    problems: tuple[str, ...]
    notes: tuple[str, ...] = ()
    version: int | None = None

    @property
    def ok(self) -> bool:
        """True when nothing is wrong."""
        return not self.problems


def _read_manifest(rev: Path) -> tuple[bytes | None, Any, str | None]:
    """(bytes, parsed JSON, problem) of the revision's manifest, read without following links."""
    try:
        data = read_bytes_nofollow(rev, files.MANIFEST)
    except FileNotFoundError:
        return None, None, f"{files.MANIFEST} is missing in {rev}"
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.EISDIR) or isinstance(exc, IsADirectoryError):
            return None, None, f"{files.MANIFEST} is not a regular file (not followed)"
        return None, None, f"{files.MANIFEST} cannot be read: {exc.strerror or exc}"
    except ValueError as exc:
        return None, None, f"{files.MANIFEST} cannot be read: {exc}"
    try:
        manifest = json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError) as exc:
        return data, None, f"{files.MANIFEST} cannot be read: {type(exc).__name__}: {exc}"[:300]
    if not isinstance(manifest, dict):
        return data, None, f"{files.MANIFEST} is not a JSON object"
    return data, manifest, None


def _chained(rev: Path, manifest: Mapping[str, Any], data: bytes, key: bytes | None,
             ledger: Ledger | None, links: bool) -> tuple[list[str], list[str]]:
    """Problems and notes of a version-2 manifest: place, ledger, links, signature."""
    label = revision_label(rev)
    problems = place_problems(manifest, label)
    sha = hashlib.sha256(data).hexdigest()
    index = None
    if label is not None:
        ledger = ledger if ledger is not None else read_ledger(rev.parent.parent)
        found, index = ledger_problems(manifest, sha, label, ledger, links)
        problems += found
    sidecar = _read_sidecar(rev)
    if isinstance(sidecar, str):
        return [*problems, sidecar], []
    sig_problems, notes = signing.check_signature(manifest.get("signature"), sidecar, data, key)
    if manifest.get("signature") is None and sidecar is None:
        sig_problems, notes = unsigned_policy(ledger, index, key)
    previous = manifest.get("previous_manifest_sha256")
    chain_note = (f"chained: manifest sha256 {sha[:12]}…, previous "
                  f"{previous[:12] + '…' if isinstance(previous, str) else 'null'}")
    return [*problems, *sig_problems], [chain_note, *notes]


def _read_sidecar(rev: Path) -> bytes | str | None:
    """The signature sidecar's bytes, None if absent, or a problem (str)."""
    try:
        return read_bytes_nofollow(rev, signing.SIDECAR, limit=1 << 16)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        return f"{signing.SIDECAR} cannot be read without following links: {exc}"


def _legacy(rev: Path, data: bytes, ledger: Ledger | None) -> tuple[list[str], list[str]]:
    """A version-1 manifest: pinned by the ledger if the archive has one."""
    label = revision_label(rev)
    if label is not None and ledger is None:
        ledger = read_ledger(rev.parent.parent)
    if label is None or ledger is None or not ledger.exists:
        return [], ["legacy manifest (version 1), not chained: only its files are checked"]
    where = ledger.positions(label)
    if len(where) != 1 or not ledger.entries[where[0]].legacy:
        return [f"legacy manifest (version 1) that the ledger {LEDGER_NAME} does not record "
                "as legacy: added or rewritten after chaining began"], []
    entry = ledger.entries[where[0]]
    if entry.manifest_sha256 != hashlib.sha256(data).hexdigest():
        return [f"{files.MANIFEST} differs from the ledger (line {entry.line}): "
                "changed after chaining began"], []
    return [], [f"legacy manifest (version 1), not chained; its sha256 is pinned by the "
                f"ledger (line {entry.line})"]


def check_revision(revision_dir: Path, *, key: Any = _FROM_ENV, ledger: Ledger | None = None,
                   links: bool = True) -> Verdict:
    """Check a revision: its manifest, its files, its place in the chain, its signature.

    Parameters
    ----------
    revision_dir : Path
        A published revision, e.g. ``reports/2026-11/r1``.
    key : bytes or None, optional
        The signing key; by default read from :data:`report.archive.signing.ENV_KEY`.
    ledger : Ledger, optional
        The archive's ledger, when already read (``archive verify --all``).
    links : bool
        Also check the chain links into and out of this revision (the audit of a
        whole archive checks every link once instead).

    Returns
    -------
    Verdict
        ``problems`` (missing, changed, symbolic link, unlisted, manifest, ledger and
        chain breaks, bad signature) and ``notes`` (legacy, not signed, not checked).
    """
    rev = Path(os.path.abspath(revision_dir))
    key = signing.archive_key() if key is _FROM_ENV else key
    if rev.is_symlink() or not rev.is_dir():
        return Verdict((f"revision folder {rev} is not a real folder (not followed)",))
    data, manifest, problem = _read_manifest(rev)
    if problem is not None or data is None:
        return Verdict((problem or f"{files.MANIFEST} cannot be read",))
    version, problems = shape_problems(manifest)
    if version is None or not isinstance(manifest.get("files"), dict):
        return Verdict(tuple(problems), version=version)
    allowed = {files.MANIFEST, signing.SIDECAR} if version == 2 else {files.MANIFEST}
    problems += check_files(rev, manifest["files"], allowed=allowed)
    more, notes = (_chained(rev, manifest, data, key, ledger, links) if version == 2
                   else _legacy(rev, data, ledger))
    return Verdict(tuple(problems + more), tuple(notes), version)


def verify_revision(revision_dir: Path) -> list[str]:
    """The problems :func:`check_revision` finds (key from the environment); empty if intact."""
    return list(check_revision(revision_dir).problems)
