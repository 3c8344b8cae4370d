"""The one place that creates matplotlib figures and writes them: the figures stage.

:func:`build_figures` reads the results bundle, makes every figure whose data
is present, writes each as a PNG into ``out_dir`` and lists them in
``out_dir/index.json`` with the facts their captions are written from (the
sentences themselves are ``report.text.figures``'s). The same bundle gives the
same PNG bytes: the Agg canvas is used directly (no pyplot state), the theme is
fixed, jitter is seeded, and the files carry no software version or timestamp.
"""

from __future__ import annotations

import errno
import json
import logging
from collections.abc import Collection
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from analysis.results import files
from figures import theme
from figures.plans import PLANS, Plan
from figures.reader import Bundle, Missing

__all__ = ["FigureSpec", "build_figures", "draw_plan", "plan_figures", "write_png"]

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


def build_figures(bundle: Bundle | Path, out_dir: Path, names: Collection[str] | None = None,
                  strict: bool = False) -> list[FigureSpec]:
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

    Returns
    -------
    list of FigureSpec
        The figures written, in report order (also in ``out_dir/index.json``).
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    specs = []
    if not isinstance(bundle, Bundle):
        bundle = Bundle.read(Path(bundle))
    for plan in plan_figures(bundle, strict):
        if names is not None and plan.name not in names:
            continue
        path = out_dir / f"{plan.name}.png"
        try:
            _render(plan, path)
        except Exception as exc:
            if strict or (isinstance(exc, OSError) and exc.errno in _DISK_FULL):
                raise  # a full disk is the archive's problem, not this figure's
            log.exception("figure %s skipped: it could not be drawn", plan.name)
            path.unlink(missing_ok=True)
            continue
        specs.append(FigureSpec(plan.name, f"{out_dir.name}/{path.name}", plan.section,
                                plan.facts))
    index = json.dumps([asdict(s) for s in specs], ensure_ascii=False, indent=2, sort_keys=True)
    (out_dir / files.FIGURE_INDEX).write_text(index + "\n", encoding="utf-8")
    return specs
