"""``manifest.json``: the sha256 and size of every file of a revision, and its check.

The manifest also records the run's inputs (original name, sha256, size), the
tool and package versions (:mod:`report.archive.provenance`) and whatever the
run adds (parameters, seed, timings, period, created_at).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from analysis.results import files
from report.archive.errors import ArchiveError
from report.archive.provenance import package_versions, tool_info

__all__ = ["MANIFEST_VERSION", "file_digest", "read_json", "verify_revision", "write_manifest"]

MANIFEST_VERSION = 1
_RESERVED_KEYS = frozenset({"files", "inputs", "tool", "packages", "manifest_version"})


def _sha256(path: Path) -> str:
    """Return the hex sha256 of a file's content."""
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def file_digest(path: Path) -> str:
    """sha256 of a file, hex."""
    return _sha256(path)


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
    manifest = revision_dir / files.MANIFEST
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
        "tool": tool_info(),
        "packages": package_versions(),
    }
    text = _dump_json(manifest) + "\n"
    _write_text_durable(revision_tmp_dir / files.MANIFEST, text)
    return json.loads(text)


def read_json(path: Path) -> Any:
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
    manifest_path = revision_dir / files.MANIFEST
    if not manifest_path.is_file():
        return [f"{files.MANIFEST} is missing in {revision_dir}"]
    try:
        manifest = read_json(manifest_path)
    except (OSError, ValueError) as exc:
        return [f"{files.MANIFEST} cannot be read: {exc}"]
    listed = manifest.get("files") if isinstance(manifest, dict) else None
    if not isinstance(listed, dict):
        return [f"{files.MANIFEST} has no 'files' table"]
    problems = [
        _check_listed_file(revision_dir, name, entry) for name, entry in sorted(listed.items())
    ]
    return [p for p in problems if p is not None]
