"""The Quarto project a report folder carries, so that Quarto renders it by hand as the tool does.

:func:`write_quarto_project` copies ``assets/_quarto.yml`` into a report
folder (a revision, or the temporary copy the Quarto path renders) and the
filter, template and CSS it names into ``_assets/`` beside it. ``quarto
render`` in that folder then writes ``report-quarto.html`` (:data:`QUARTO_OUTPUT`),
never over the archived ``report.html``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from report.render.resources import ASSETS_DIR, HTML_TEMPLATE, LUA_FILTER, REPORT_CSS

__all__ = ["PROJECT_ASSETS_DIR", "PROJECT_FILE", "QUARTO_OUTPUT", "write_quarto_project"]

PROJECT_FILE = "_quarto.yml"
PROJECT_ASSETS_DIR = "_assets"
"""Folder (inside the report folder) of the filter, template and CSS ``_quarto.yml`` names."""
QUARTO_OUTPUT = "report-quarto.html"
"""The HTML ``quarto render`` writes in a report folder (``output-file`` of the project)."""

_PROJECT_ASSETS = (LUA_FILTER, HTML_TEMPLATE, REPORT_CSS)


def write_quarto_project(folder: Path) -> list[Path]:
    """Make ``folder`` (which holds ``report.qmd``) a Quarto project; returns the files written.

    Parameters
    ----------
    folder : Path
        The report folder: a revision, or a copy of one.

    Returns
    -------
    list of Path
        ``_quarto.yml`` and ``_assets/report.lua``, ``report.html5``, ``report.css``.
    """
    folder = Path(folder)
    assets = folder / PROJECT_ASSETS_DIR
    assets.mkdir(parents=True, exist_ok=True)
    written = [Path(shutil.copyfile(ASSETS_DIR / PROJECT_FILE, folder / PROJECT_FILE))]
    written += [Path(shutil.copyfile(source, assets / source.name)) for source in _PROJECT_ASSETS]
    return written
