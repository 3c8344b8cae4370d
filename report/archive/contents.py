"""The files of a revision: hashing them without following links, and checking them.

Every read below opens each path component with ``O_NOFOLLOW`` relative to its
parent folder, so a listed file (or a folder on its way) replaced by a symbolic
link is reported, never read through; ``O_NONBLOCK`` keeps a FIFO in its place
from hanging the check. What a revision may hold besides the files its manifest
lists:

- ``manifest.json`` itself and its signature sidecar (named by the caller);
- ``deliveries/log.jsonl``: ``oneclick send`` appends one JSON object per line
  after publication. Only that file, as a real file in a real folder, with every
  line a JSON object, is allowed there; its content is not covered by the manifest;
- empty folders, which hold nothing.

Anything else (an extra file, a link, a FIFO) is reported as unlisted.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import stat
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from analysis.results import files

__all__ = [
    "DELIVERIES_DIR",
    "SHA256_RE",
    "bad_relative_name",
    "check_files",
    "file_table",
    "read_bytes_nofollow",
    "sha256_nofollow",
    "shown",
]

DELIVERIES_DIR = PurePosixPath(files.DELIVERY_LOG).parent.as_posix()
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
_CHUNK = 1 << 20


def shown(name: object) -> str:
    """A file name fit for a terminal: control characters escaped (names are data)."""
    return "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in str(name))


def bad_relative_name(name: Any) -> bool:
    """True unless `name` is a plain relative posix path inside the revision."""
    if not isinstance(name, str) or not name or "\\" in name or "\x00" in name:
        return True
    path = PurePosixPath(name)
    return path.is_absolute() or any(part in ("", ".", "..") for part in name.split("/"))


@contextlib.contextmanager
def _open_nofollow(root: Path, relative: str) -> Iterator[int]:
    """An fd of the regular file ``root/relative``, no component followed if a link.

    Raises OSError (ELOOP, ENOTDIR, ENOENT, ...) or ``IsADirectoryError`` for anything
    that is not a regular file reached through real folders.
    """
    parts = relative.split("/")
    fds = [os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)]
    try:
        for part in parts[:-1]:
            fds.append(os.open(part, _DIR_FLAGS, dir_fd=fds[-1]))
        fd = os.open(parts[-1], _FILE_FLAGS, dir_fd=fds[-1])
        fds.append(fd)
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise IsADirectoryError(f"{relative} is not a regular file")
        os.set_blocking(fd, True)
        yield fd
    finally:
        for fd in reversed(fds):
            os.close(fd)


def sha256_nofollow(root: Path, relative: str) -> tuple[str, int]:
    """The hex sha256 and size of ``root/relative``, read without following links."""
    digest, size = hashlib.sha256(), 0
    with _open_nofollow(root, relative) as fd:
        while chunk := os.read(fd, _CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def read_bytes_nofollow(root: Path, relative: str, limit: int = 64 << 20) -> bytes:
    """The content of ``root/relative`` (at most `limit` bytes), read without following links."""
    chunks: list[bytes] = []
    size = 0
    with _open_nofollow(root, relative) as fd:
        while size <= limit and (chunk := os.read(fd, _CHUNK)):
            chunks.append(chunk)
            size += len(chunk)
    if size > limit:
        raise ValueError(f"{relative} is larger than {limit} bytes")
    return b"".join(chunks)


# ----------------------------------------------------------------------- the walk


def _kind(mode: int) -> str:
    """``dir``, ``file``, ``link`` or ``other`` for an lstat mode."""
    if stat.S_ISLNK(mode):
        return "link"
    if stat.S_ISDIR(mode):
        return "dir"
    return "file" if stat.S_ISREG(mode) else "other"


def _walk(root: Path) -> dict[str, str]:
    """Every entry below `root` by relative posix path, with its kind; links are not entered."""
    found: dict[str, str] = {}
    pending = [""]
    while pending:
        prefix = pending.pop()
        with os.scandir(root / prefix if prefix else root) as entries:
            for entry in entries:
                name = f"{prefix}/{entry.name}" if prefix else entry.name
                found[name] = _kind(entry.stat(follow_symlinks=False).st_mode)
                if found[name] == "dir":
                    pending.append(name)
    return found


def file_table(revision_dir: Path, skip: Iterable[str]) -> dict[str, dict[str, Any]]:
    """``{relative posix path: {"sha256", "size"}}`` of every file below `revision_dir`.

    Raises
    ------
    ValueError
        If the folder holds a symbolic link or anything but files and folders.
    """
    skip = set(skip)
    table: dict[str, dict[str, Any]] = {}
    for name, kind in sorted(_walk(revision_dir).items()):
        if kind in ("link", "other"):
            what = "a symbolic link" if kind == "link" else "a special file"
            raise ValueError(f"revision folder {revision_dir} contains {what} {shown(name)}; "
                             "archive real files only")
        if kind == "file" and name not in skip:
            digest, size = sha256_nofollow(revision_dir, name)
            table[name] = {"sha256": digest, "size": size}
    return table


# ---------------------------------------------------------------------- the check


def _link_on_the_way(name: str, found: Mapping[str, str]) -> str | None:
    """The first folder of `name` that is a link or not a folder, if any."""
    parts = name.split("/")
    for depth in range(1, len(parts)):
        prefix = "/".join(parts[:depth])
        if found.get(prefix, "dir") != "dir":
            return prefix
    return None


def _check_listed(root: Path, name: str, entry: Any, found: Mapping[str, str]) -> str | None:
    """A problem with one listed file, or None when its bytes match the manifest."""
    if bad_relative_name(name) or not isinstance(entry, dict):
        return f"manifest entry is invalid: {shown(name)}"
    blocker = _link_on_the_way(name, found)
    if blocker is not None:
        return (f"not a real folder (symbolic link, not followed): {shown(blocker)} "
                f"(holds {shown(name)})")
    kind = found.get(name)
    if kind is None:
        return f"missing: {shown(name)}"
    if kind == "link":
        return f"symbolic link instead of a file (not followed): {shown(name)}"
    if kind != "file":
        return f"not a regular file: {shown(name)}"
    try:
        digest, size = sha256_nofollow(root, name)
    except OSError as exc:
        return f"cannot be read without following links: {shown(name)} ({exc.strerror or exc})"
    if size != entry.get("size") or digest != entry.get("sha256"):
        return f"changed: {shown(name)} (sha256 or size differs from the manifest)"
    return None


def _check_deliveries(root: Path, found: Mapping[str, str]) -> list[str]:
    """Problems with ``deliveries/``: a real folder holding only a JSON-lines log."""
    kind = found.get(DELIVERIES_DIR)
    if kind is None:
        return []
    if kind != "dir":
        return [f"{DELIVERIES_DIR} is not a real folder ({kind}); only send's delivery "
                "log may be added after publication"]
    inside = {n: k for n, k in found.items() if n.startswith(DELIVERIES_DIR + "/")}
    problems = [f"unlisted in {DELIVERIES_DIR}/ ({k}): {shown(n)}"
                for n, k in sorted(inside.items()) if n != files.DELIVERY_LOG and k != "dir"]
    if inside.get(files.DELIVERY_LOG) not in (None, "file"):
        problems.append(f"{files.DELIVERY_LOG} is not a regular file (not followed)")
    elif files.DELIVERY_LOG in inside:
        problems.extend(_check_log_lines(root))
    return problems


def _check_log_lines(root: Path) -> list[str]:
    """Every line of the delivery log is one JSON object."""
    try:
        text = read_bytes_nofollow(root, files.DELIVERY_LOG).decode("utf-8")
    except (OSError, ValueError) as exc:
        return [f"{files.DELIVERY_LOG} cannot be read: {exc}"]
    for number, line in enumerate(text.splitlines(), start=1):
        try:
            record = json.loads(line)
        except (ValueError, RecursionError):
            record = None
        if not isinstance(record, dict):
            return [f"{files.DELIVERY_LOG} line {number} is not a delivery record"]
    return []


def check_files(root: Path, listed: Mapping[str, Any], allowed: Iterable[str]) -> list[str]:
    """Compare a revision folder with its manifest's ``files`` table.

    Parameters
    ----------
    root : Path
        The revision folder.
    listed : Mapping[str, Any]
        The manifest's ``files``: ``{relative path: {"sha256", "size"}}``.
    allowed : Iterable[str]
        Top-level names that may be there without being listed (``manifest.json``,
        the signature sidecar); ``deliveries/`` has its own check.

    Returns
    -------
    list[str]
        ``missing``, ``changed``, ``symbolic link``, ``unlisted`` ... ; empty when the
        folder holds exactly the listed files with the listed bytes.
    """
    try:
        found = _walk(root)
    except OSError as exc:
        return [f"revision folder {root} cannot be read: {exc.strerror or exc}"]
    problems = [_check_listed(root, name, entry, found) for name, entry in sorted(listed.items())]
    allowed = set(allowed)
    for name, kind in sorted(found.items()):
        top = name.split("/")[0]
        if name in listed or name in allowed or top == DELIVERIES_DIR or kind == "dir":
            continue
        if _link_on_the_way(name, found) is None:
            what = {"link": "symbolic link, not followed", "other": "special file"}.get(kind, kind)
            problems.append(f"unlisted ({what}): {shown(name)}")
    problems.extend(_check_deliveries(root, found))
    return [p for p in problems if p is not None]
