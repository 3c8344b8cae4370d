"""What the benchmark ran on: cores, memory, CPU model, versions, load."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

__all__ = ["PACKAGES", "describe_machine", "load_average"]

PACKAGES = ("numpy", "pandas", "scipy", "scikit-learn", "shap", "numba", "phik", "matplotlib",
            "weasyprint", "pypandoc-binary", "openpyxl", "joblib")


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "неизвестно"


def _memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024**2, 1)
    except OSError:
        pass
    return None


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "не установлен"


def _git(root: Path, *args: str) -> str:
    try:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True,
                              timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


def load_average() -> tuple[float, float, float] | None:
    """1-, 5- and 15-minute load averages (``None`` where the OS has none)."""
    try:
        return os.getloadavg()
    except OSError:
        return None


def describe_machine(root: Path) -> dict[str, Any]:
    """Machine and software facts for the header of ``BENCHMARKS.md``."""
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    dirty = _git(root, "status", "--porcelain", "--untracked-files=no")
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cores": os.cpu_count(),
        "usable_cores": affinity,
        "memory_gib": _memory_gib(),
        "cpu_model": _cpu_model(),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "python_executable": sys.executable,
        "packages": {name: _version(name) for name in PACKAGES},
        "git_commit": _git(root, "rev-parse", "--short", "HEAD") or "нет",
        "git_dirty": bool(dirty),
        "blas_env": {k: os.environ[k] for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE",
                                                "OMP_NUM_THREADS") if k in os.environ},
    }
