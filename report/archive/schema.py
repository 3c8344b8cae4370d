"""The shape of ``manifest.json``: versions, required keys, reserved keys.

Version 2 adds the chain fields ``revision``, ``previous_manifest_sha256`` and
``signature`` (see :mod:`report.archive.manifest`); version 1 is still read.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from analysis.results import files
from report.archive.contents import SHA256_RE, bad_relative_name, shown

__all__ = [
    "MANIFEST_VERSION",
    "READABLE_VERSIONS",
    "RESERVED_KEYS",
    "place_problems",
    "shape_problems",
]

MANIFEST_VERSION = 2
READABLE_VERSIONS = (1, 2)
_CHAIN_KEYS = frozenset({"revision", "previous_manifest_sha256", "signature"})
RESERVED_KEYS = frozenset({"files", "inputs", "tool", "packages", "manifest_version"}
                           ) | _CHAIN_KEYS
_REQUIRED_V1: dict[str, type | tuple[type, ...]] = {
    "period": str, "created_at": str, "files": dict, "inputs": dict, "tool": dict,
    "packages": dict,
}
_REQUIRED_V2 = {**_REQUIRED_V1, "revision": str, "previous_manifest_sha256": (str, type(None)),
                "signature": (dict, type(None))}


def shape_problems(manifest: Mapping[str, Any]) -> tuple[int | None, list[str]]:
    """The manifest's version and what is missing or malformed in it."""
    version = manifest.get("manifest_version")
    if "manifest_version" not in manifest:
        return None, [f"{files.MANIFEST} has no manifest_version (this tool reads "
                      f"{', '.join(map(str, READABLE_VERSIONS))}): not a manifest it wrote"]
    if isinstance(version, bool) or version not in READABLE_VERSIONS:
        return None, [f"{files.MANIFEST} has unknown manifest_version {version!r} "
                      f"(this tool reads {', '.join(map(str, READABLE_VERSIONS))})"]
    required = _REQUIRED_V2 if version == 2 else _REQUIRED_V1
    problems = [f"{files.MANIFEST} lacks '{key}' or it is not a {_type_name(kind)}"
                for key, kind in required.items()
                if key not in manifest or not isinstance(manifest[key], kind)]
    listed = manifest.get("files")
    if isinstance(listed, dict):
        if not listed:
            problems.append(f"{files.MANIFEST} lists no files")
        problems += [f"manifest entry is invalid: {shown(name)}" for name, entry in listed.items()
                     if bad_relative_name(name) or not _good_entry(entry)]
    previous = manifest.get("previous_manifest_sha256")
    if version == 2 and isinstance(previous, str) and not SHA256_RE.match(previous):
        problems.append(f"{files.MANIFEST} has a malformed previous_manifest_sha256")
    return version, problems


def _type_name(kind: type | tuple[type, ...]) -> str:
    """``str`` / ``dict`` / ``str or null`` for a message."""
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join("null" if k is type(None) else k.__name__ for k in kinds)


def _good_entry(entry: Any) -> bool:
    """A ``files`` entry: a sha256 and a non-negative integer size."""
    return (isinstance(entry, dict) and isinstance(entry.get("sha256"), str)
            and bool(SHA256_RE.match(entry["sha256"])) and isinstance(entry.get("size"), int)
            and not isinstance(entry.get("size"), bool) and entry["size"] >= 0)


def place_problems(manifest: Mapping[str, Any], label: str | None) -> list[str]:
    """A chained manifest names its own folder ``PERIOD/rN``."""
    if label is None:
        return ["the revision is not at ARCHIVE/YYYY-MM/rN: its chain and ledger "
                "cannot be checked"]
    problems = []
    if manifest.get("revision") != label:
        problems.append(f"{files.MANIFEST} names revision {manifest.get('revision')!r}, "
                        f"but lies in {label}")
    if manifest.get("period") != label.split("/")[0]:
        problems.append(f"{files.MANIFEST} names period {manifest.get('period')!r}, "
                        f"but lies in {label}")
    return problems


