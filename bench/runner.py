"""One timed report in a fresh process: wall time, stage timings, peak memory, PDF size.

Peak memory is measured two ways, with the standard library only:

* ``peak_rss_mib``: the largest resident set of any single process of the run
  (the report process or one of its joblib workers), from the ``rusage`` that
  :func:`os.wait4` returns for the child (``ru_maxrss`` covers the child and
  every descendant it waited for);
* ``peak_tree_mib``: the largest *sum* of resident sets of the whole process
  tree (report process plus workers at the same moment), sampled from
  ``/proc`` every 0.2 s (Linux only; ``None`` elsewhere). This is what the
  machine must hold, and what the memory targets are checked against.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["ReportRun", "RunFailed", "run_command", "run_report"]

PERIOD = "2026-11"
_SAMPLE_SECONDS = 0.2


class RunFailed(RuntimeError):
    """The report command exited with a non-zero status."""


@dataclass
class ReportRun:
    """One report run.

    Attributes
    ----------
    wall
        Seconds from starting the process to its exit (imports included).
    timings
        ``manifest.json`` ``timings``: seconds per stage and analysis step.
    peak_rss_mib, peak_tree_mib
        See the module docstring.
    pdf_bytes, html_bytes
        Sizes of ``report.pdf`` and ``report.html``.
    facts
        A few numbers of ``results.json`` (clients, chosen model, sample sizes).
    """

    wall: float
    timings: dict[str, float]
    peak_rss_mib: float
    peak_tree_mib: float | None
    pdf_bytes: int
    html_bytes: int
    facts: dict[str, Any] = field(default_factory=dict)


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text(encoding="utf-8")
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(parent, []).append(int(entry.name))
    return tree


def _rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text(encoding="utf-8").splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _tree_rss_kib(root: int) -> int:
    tree, total, todo = _children(), 0, [root]
    while todo:
        pid = todo.pop()
        total += _rss_kib(pid)
        todo.extend(tree.get(pid, []))
    return total


class _TreeSampler(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak = pid, 0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            self.peak = max(self.peak, _tree_rss_kib(self.pid))
            self.stop.wait(_SAMPLE_SECONDS)


def run_command(command: list[str], *, cwd: Path | None = None, timeout: float | None = None,
                env: dict[str, str] | None = None) -> tuple[float, float, float | None, str]:
    """Run ``command``; returns wall seconds, peak RSS (MiB), peak tree RSS (MiB), stdout.

    Raises :class:`RunFailed` with the end of stderr when the command fails.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(command, cwd=cwd, stdout=out, stderr=err, env=env)
        sampler = _TreeSampler(proc.pid) if Path("/proc/self/status").exists() else None
        if sampler:
            sampler.start()
        deadline = None if timeout is None else start + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if deadline is not None and time.perf_counter() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.05)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if sampler:
            sampler.stop.set()
            sampler.join()
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        if proc.returncode != 0:
            tail = err.read().decode("utf-8", "replace")[-3000:]
            raise RunFailed(f"{' '.join(command)} → {proc.returncode}\n{tail}")
    tree = round(sampler.peak / 1024, 1) if sampler else None
    return wall, round(usage.ru_maxrss / 1024, 1), tree, stdout


def _facts(results: dict[str, Any]) -> dict[str, Any]:
    model = results.get("model", {})
    shap = results.get("shap", {})
    return {
        "clients": results.get("facts", {}).get("clients_total"),
        "modelled": results.get("actions", {}).get("clients"),
        "best": model.get("best"),
        "families": [c["name"] for c in model.get("candidates", [])],
        "search_sample": model.get("search_sample_size"),
        "fit_sample": (model.get("large_export") or {}).get("fit_sample_size"),
        "explainer": shap.get("explainer"),
        "n_explained": shap.get("n_explained"),
        "reasons_method": shap.get("reasons_method"),
        "test_roc_auc": model.get("test_roc_auc"),
        "cv_roc_auc": model.get("cv_roc_auc_mean"),
    }


def run_report(oneclick: Path, data_dir: Path, *, timeout: float | None = None,
               keep: Path | None = None) -> ReportRun:
    """``oneclick report --quiet`` into a fresh archive; the archive is removed afterwards.

    ``keep`` copies ``results.json`` and ``manifest.json`` of the revision there.
    """
    archive = Path(tempfile.mkdtemp(prefix="bench-archive-"))
    try:
        command = [str(oneclick), "report", "--data", str(data_dir), "--period", PERIOD,
                   "--out", str(archive), "--quiet"]
        wall, peak, tree, stdout = run_command(command, timeout=timeout)
        revision = Path(stdout.strip().splitlines()[-1])
        manifest = json.loads((revision / "manifest.json").read_text(encoding="utf-8"))
        results = json.loads((revision / "results.json").read_text(encoding="utf-8"))
        if keep is not None:
            keep.mkdir(parents=True, exist_ok=True)
            for name in ("results.json", "manifest.json"):
                shutil.copy2(revision / name, keep / name)
        return ReportRun(wall=round(wall, 3), timings=manifest.get("timings", {}),
                         peak_rss_mib=peak, peak_tree_mib=tree,
                         pdf_bytes=(revision / "report.pdf").stat().st_size,
                         html_bytes=(revision / "report.html").stat().st_size,
                         facts=_facts(results))
    finally:
        shutil.rmtree(archive, ignore_errors=True)
