"""cProfile of every stage of one report, in its own process.

``python -m bench.profile DATA_DIR OUT_JSON [--n-jobs 1]`` builds one report
in-process (:func:`report.pipeline.build_report`) with a separate
:class:`cProfile.Profile` around each stage of :class:`report.progress.StageClock`
and writes the top functions by cumulative time per stage as JSON.

cProfile sees only its own process: with ``model.n_jobs > 1`` the fits run in
joblib worker processes and appear as ``time.sleep`` in joblib. The benchmark
therefore profiles with ``--n-jobs 1`` (the results are the same for any
``n_jobs``; see :mod:`analysis.model.fit`), so that every fit is visible.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = ["main", "profile_report", "top_functions"]

TOP = 40
_ROOT = str(Path(__file__).resolve().parents[1]).replace("\\", "/") + "/"
# frames that only wrap the stage and would top every list
_SKIP = ("contextlib.py", "bench/profile.py", "report/progress.py",
         "threading.py", "report/pipeline.py",
         "<frozen importlib", "builtins.__import__", "joblib/parallel.py",
         "sklearn/utils/parallel.py", "sklearn/base.py:1381(wrapper)",
         "sklearn/utils/_param_validation.py", "_set_output.py")


def _label(func: tuple[str, int, str]) -> str:
    filename, line, name = func
    if filename == "~":
        return "module code run by imports (exec)" if name.endswith("builtins.exec>") else name
    path = filename.replace("\\", "/")
    if path.startswith(_ROOT):
        path = path[len(_ROOT):]
    for marker in ("/site-packages/", "/lib/python3."):
        if marker in path:
            path = path.split(marker, 1)[1]
            if marker == "/lib/python3.":
                path = path.split("/", 1)[-1]
            break
    return f"{path}:{line}({name})"


_OWN = ("analysis/", "figures/", "report/")


def top_functions(profile: cProfile.Profile, total: float, n: int = TOP,
                  own: bool = False) -> list[dict[str, Any]]:
    """The ``n`` functions with the largest cumulative time (wrappers of the stage left out).

    ``own``: only the project's functions (``analysis/``, ``figures/``, ``report/``).
    """
    stats = pstats.Stats(profile)
    rows = []
    for func, (_cc, ncalls, tottime, cumtime, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        label = _label(func)
        if any(skip in label or skip in func[0] for skip in _SKIP):
            continue
        if own and not label.startswith(_OWN):
            continue
        rows.append({"function": label, "calls": ncalls, "cumtime": round(cumtime, 3),
                     "tottime": round(tottime, 3),
                     "share": round(cumtime / total, 3) if total > 0 else 0.0})
    rows.sort(key=lambda r: (-r["cumtime"], r["function"]))
    return rows[:n]


def profile_report(data_dir: Path, n_jobs: int = 1, top: int = TOP) -> dict[str, Any]:
    """Build one report with a profiler per stage; returns ``{stage: {seconds, top}}``."""
    from analysis.config import Config
    from report import pipeline, progress

    profiles: dict[str, tuple[cProfile.Profile, float]] = {}
    original = progress.StageClock.stage

    @contextmanager
    def profiled(self: progress.StageClock, name: str, title: str) -> Iterator[None]:
        profile = cProfile.Profile()
        start = time.perf_counter()
        with original(self, name, title):
            profile.enable()
            try:
                yield
            finally:
                profile.disable()
        profiles[name] = (profile, time.perf_counter() - start)

    config = Config().with_overrides(**{"model.n_jobs": n_jobs})
    progress.StageClock.stage = profiled  # type: ignore[method-assign]
    try:
        with tempfile.TemporaryDirectory(prefix="bench-profile-") as tmp:
            started = time.perf_counter()
            pipeline.build_report(Path(data_dir), "2026-11", Path(tmp), config,
                                  renderer="builtin", quiet=True)
            wall = time.perf_counter() - started
    finally:
        progress.StageClock.stage = original  # type: ignore[method-assign]
    stages = {name: {"seconds": round(seconds, 3), "top": top_functions(profile, seconds, top),
                     "own": top_functions(profile, seconds, top, own=True)}
              for name, (profile, seconds) in profiles.items()}
    return {"n_jobs": n_jobs, "wall": round(wall, 3), "stages": stages}


def main(argv: list[str] | None = None) -> int:
    """Command line: profile one report and write the JSON summary."""
    parser = argparse.ArgumentParser(prog="python -m bench.profile")
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--top", type=int, default=TOP)
    args = parser.parse_args(argv)
    found = profile_report(args.data_dir, args.n_jobs, args.top)
    args.out.write_text(json.dumps(found, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
