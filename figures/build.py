"""The one place that creates matplotlib figures and writes them: the figures stage.

:func:`build_figures` reads the results bundle, makes every figure whose data
is present, writes each as a PNG into ``out_dir`` and lists them in
``out_dir/index.json`` with the facts their captions are written from (the
sentences themselves are ``report.text.figures``'s). The same bundle gives the
same PNG bytes: the Agg canvas is used directly (no pyplot state), the theme is
fixed, jitter is seeded, and the files carry no software version or timestamp.

Parallel drawing: :func:`start_figures` plans every figure in the calling
process (the facts, so the documents can be written at once) and draws them in
``jobs`` worker processes forked from it (Linux: a fork inherits the bundle and
the imported matplotlib, so a worker starts in milliseconds and nothing is
pickled but the figure's number); the caller goes on with work that does not
read the figures and collects them with :meth:`FigureJob.result`. Each figure is
drawn alone on its own canvas, so a worker writes the bytes the sequential loop
writes (``jobs=1``, or a platform without ``fork``: drawn in the calling
process, in report order).
"""

from __future__ import annotations

import errno
import gc
import json
import logging
import multiprocessing
import os
import sys
import threading
import warnings
from collections.abc import Collection
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from analysis.progress import FIGURES, Progress, no_progress
from analysis.results import files
from figures import theme
from figures.plans import PLANS, Plan
from figures.reader import Bundle, Missing

__all__ = ["FigureJob", "FigureSpec", "build_figures", "draw_plan", "plan_figures",
           "start_figures", "write_png"]

log = logging.getLogger(__name__)

PNG_METADATA: dict[str, str | None] = {"Software": None}
"""No matplotlib version in the file, so an upgrade alone does not change the bytes
(for ``savefig``; :func:`write_png` writes no text chunk at all)."""
_DISK_FULL = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
PIL_KWARGS: dict[str, object] = {"compress_level": 6, "optimize": False}
"""Fixed PNG encoder settings (zlib level 6, no optimiser pass)."""


@dataclass(frozen=True)
class FigureSpec:
    """One written figure, as the report documents use it.

    Attributes
    ----------
    name
        File stem, stable across runs (``numeric_histograms``).
    path
        PNG path relative to the parent of ``out_dir`` (``figures/numeric_histograms.png``).
    section
        Report section: ``behaviour``, ``model``, ``drivers`` or ``segments``.
    facts
        The numbers and codes the figure's title, takeaway and alt text are
        written from (JSON-ready; ``report.text.figures`` writes the sentences).
    """

    name: str
    path: str
    section: str = ""
    facts: dict[str, Any] = field(default_factory=dict)


def plan_figures(bundle: Bundle, strict: bool = False) -> list[Plan]:
    """Every figure the bundle has data for, in report order; nothing is drawn.

    A figure whose data is missing (:class:`~figures.reader.Missing`) is left
    out and logged. Any other error in a figure's data is logged with its
    traceback and the figure left out too, unless ``strict``: then it propagates.
    """
    plans: list[Plan] = []
    for factory in PLANS:
        try:
            made = factory(bundle)
        except Missing as missing:
            log.info("figure %s skipped: the bundle has no %s", factory.__name__, missing)
            continue
        except Exception:
            if strict:
                raise
            log.exception("figure %s skipped: its data could not be read", factory.__name__)
            continue
        plans.extend(made if isinstance(made, list) else [made])
    return plans


def draw_plan(plan: Plan) -> Figure:
    """The figure of one plan, drawn in the theme on an Agg canvas, not saved."""
    with theme.style():
        figure = Figure(figsize=(plan.width, plan.height), dpi=theme.DPI, layout="constrained")
        FigureCanvasAgg(figure)
        axes = figure.subplots(*plan.shape, squeeze=False, gridspec_kw=dict(plan.grid))
        plan.draw(list(axes.flat))
    return figure


def _render(plan: Plan, path: Path) -> None:
    figure = draw_plan(plan)
    with theme.style():
        figure.canvas.draw()
    write_png(figure, path)


def write_png(figure: Figure, path: Path) -> None:
    """Write a drawn figure as a PNG at :data:`figures.theme.DPI`.

    The Agg buffer is written as it is, so the pixels are those
    ``Figure.savefig`` writes; but the figure is drawn once (``savefig`` lays
    out a constrained-layout figure in a draw of its own first, about a tenth
    of the figures stage), and an opaque figure (all of the report's: white
    background) is written as RGB, not RGBA: a tenth smaller, and the PDF
    stage does not split off an alpha channel of 255s. No text chunks (no
    software version), fixed encoder settings (:data:`PIL_KWARGS`).
    """
    rgba = np.asarray(figure.canvas.buffer_rgba())
    image = (Image.fromarray(rgba[..., :3]) if bool((rgba[..., 3] == 255).all())
             else Image.fromarray(rgba, mode="RGBA"))
    image.save(path, format="png", dpi=(theme.DPI, theme.DPI), **PIL_KWARGS)


def _png(out_dir: Path, plan: Plan) -> Path:
    return out_dir / f"{plan.name}.png"


_WORKER_PLANS: list[tuple[Plan, Path]] = []
"""The plans a forked worker draws, by number (set in the worker by :func:`_adopt`)."""


def _adopt(plans: list[tuple[Plan, Path]]) -> None:
    _WORKER_PLANS[:] = plans


def _draw_numbered(k: int) -> None:
    plan, path = _WORKER_PLANS[k]
    _render(plan, path)


def _fork_available() -> bool:
    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


def _usable_cpus() -> int:
    """CPUs this process may run on (its affinity, not the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


@dataclass
class FigureJob:
    """Figures being drawn: the plans are known, the files come with :meth:`result`.

    Attributes
    ----------
    planned
        The spec of every figure being drawn, in report order (what the
        documents can be written from before the files exist; a figure that
        fails to draw is left out of :meth:`result`).
    """

    planned: list[FigureSpec]
    _out_dir: Path
    _plans: list[tuple[Plan, Path]]
    _strict: bool
    _progress: Progress
    _futures: list[Future[None]] = field(default_factory=list)
    _pool: ProcessPoolExecutor | None = None
    _errors: dict[int, BaseException] = field(default_factory=dict)
    _done: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _tick(self, _: object = None) -> None:
        with self._lock:
            self._done += 1
            self._progress(FIGURES, self._done, len(self._plans))

    def _draw_here(self, k: int, count: bool = True) -> None:
        try:
            _render(*self._plans[k])
        except Exception as exc:
            self._errors[k] = exc
        if count:
            self._tick()

    def _start(self, jobs: int) -> None:
        workers = min(jobs, len(self._plans), _usable_cpus())
        if workers <= 1 or not _fork_available():  # a worker costs ~0.2 s of start-up CPU
            for k in range(len(self._plans)):
                self._draw_here(k)
            return
        context = multiprocessing.get_context("fork")
        # the workers inherit the run's heap copy-on-write: frozen, the collector of a worker
        # does not walk (and so copy) it; unfrozen when the workers have stopped
        gc.freeze()
        self._pool = ProcessPoolExecutor(workers, mp_context=context,
                                         initializer=_adopt, initargs=(self._plans,))
        with warnings.catch_warnings():
            # Python 3.12+ warns on any fork of a process with threads (the display's, the
            # model search's pool manager): the workers only draw with matplotlib and write
            # files, they take no lock those threads hold
            warnings.filterwarnings("ignore", ".*use of fork\\(\\) may lead to deadlocks",
                                    DeprecationWarning)
            for k in range(len(self._plans)):
                future = self._pool.submit(_draw_numbered, k)
                future.add_done_callback(self._tick)
                self._futures.append(future)

    def _collect(self) -> None:
        """Wait for the workers; a figure whose worker died is drawn here instead."""
        if self._pool is None:
            return
        try:
            for k, future in enumerate(self._futures):
                try:
                    future.result()
                except BrokenProcessPool:
                    log.warning("figure %s: its worker process died, drawn again in this one",
                                self._plans[k][0].name)
                    self._draw_here(k, count=False)  # its future was counted when it broke
                except Exception as exc:
                    self._errors[k] = exc
        finally:
            self.close()

    def close(self) -> None:
        """Stop the workers (figures not yet drawn are not drawn); harmless when done."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
            gc.unfreeze()

    def result(self) -> list[FigureSpec]:
        """Wait for every figure, write ``index.json`` and return the figures written.

        A figure that failed to draw is logged and left out, unless ``strict``
        or the disk is full: then its error is raised (after every worker has stopped).
        """
        self._collect()
        specs = []
        for k, ((plan, path), spec) in enumerate(zip(self._plans, self.planned, strict=True)):
            exc = self._errors.get(k)
            if exc is None:
                specs.append(spec)
                continue
            if self._strict or (isinstance(exc, OSError) and exc.errno in _DISK_FULL):
                raise exc  # a full disk is the archive's problem, not this figure's
            log.error("figure %s skipped: it could not be drawn", plan.name, exc_info=exc)
            path.unlink(missing_ok=True)
        index = json.dumps([asdict(s) for s in specs], ensure_ascii=False, indent=2,
                           sort_keys=True)
        (self._out_dir / files.FIGURE_INDEX).write_text(index + "\n", encoding="utf-8")
        return specs


def start_figures(bundle: Bundle | Path, out_dir: Path, names: Collection[str] | None = None,
                  strict: bool = False, jobs: int = 1,
                  progress: Progress = no_progress) -> FigureJob:
    """Plan the figures here and start drawing them in ``jobs`` processes.

    Parameters are those of :func:`build_figures`. With ``jobs`` > 1 on Linux
    the drawing goes on in forked workers while the caller continues; otherwise
    every figure is drawn before this returns. Either way
    :meth:`FigureJob.result` gives what :func:`build_figures` returns.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if not isinstance(bundle, Bundle):
        bundle = Bundle.read(Path(bundle))
    plans = [p for p in plan_figures(bundle, strict) if names is None or p.name in names]
    numbered = [(plan, _png(out_dir, plan)) for plan in plans]
    planned = [FigureSpec(plan.name, f"{out_dir.name}/{path.name}", plan.section, plan.facts)
               for plan, path in numbered]
    job = FigureJob(planned, out_dir, numbered, strict, progress)
    job._start(jobs)
    return job


def build_figures(bundle: Bundle | Path, out_dir: Path, names: Collection[str] | None = None,
                  strict: bool = False, jobs: int = 1,
                  progress: Progress = no_progress) -> list[FigureSpec]:
    """Draw the report's figures from a results bundle.

    Parameters
    ----------
    bundle
        The bundle (:meth:`figures.reader.Bundle.from_memory` within a run), or
        a folder with ``results.json`` and ``tables/``.
    out_dir
        Where the PNGs and ``index.json`` go (created if needed), usually
        ``<run>/figures``.
    names
        Only these figures (by name); all when ``None``.
    strict
        Raise on a figure whose data is present but malformed, or that fails
        to draw, instead of logging it and leaving it out. Missing sections are
        skipped either way.
    jobs
        Worker processes that draw (forked, Linux only; at most one per usable
        CPU); 1, or a single CPU, draws in this process. The files are the same
        bytes either way.
    progress
        Told of every figure drawn (:data:`analysis.progress.FIGURES`).

    Returns
    -------
    list of FigureSpec
        The figures written, in report order (also in ``out_dir/index.json``).
    """
    return start_figures(bundle, out_dir, names, strict, jobs, progress).result()
