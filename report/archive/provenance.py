"""Provenance of a run: this tool's version, its git commit and the package versions.

The manifest records them (``tool``, ``packages``); the report's appendix shows
them through :func:`describe_tool`.
"""

from __future__ import annotations

import functools
import importlib.metadata
import platform
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["PACKAGES", "TOOL_NAME", "describe_tool", "package_versions", "tool_info",
           "tool_version"]

TOOL_NAME = "oneclick-report"
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
_GIT_TIMEOUT_S = 3.0


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


def tool_version() -> str:
    """Return the installed version of this tool, or ``0+unknown``."""
    try:
        return importlib.metadata.version(TOOL_NAME)
    except importlib.metadata.PackageNotFoundError:
        return "0+unknown"


def tool_info() -> dict[str, Any]:
    """Return the ``tool`` section of the manifest."""
    commit, dirty = _git_info()
    return {
        "name": TOOL_NAME,
        "version": tool_version(),
        "git_commit": commit,
        "git_dirty": dirty,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def package_versions() -> dict[str, str | None]:
    """Return the installed version of each package in :data:`PACKAGES` (None if missing)."""
    versions: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def describe_tool() -> dict[str, Any]:
    """The tool and package versions, as the manifest records them (for the report's appendix)."""
    return {**tool_info(), "packages": package_versions()}
