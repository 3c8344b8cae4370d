"""Where the renderers' assets live (``report/render/assets/``, shipped in the wheel).

- ``_quarto.yml``: the Quarto project every report folder carries (:mod:`report.render.project`).
- ``report.css``: screen styles of the HTML (both renderers).
- ``report.html5`` and ``report.lua``: pandoc template and filter (both renderers).
- ``print.css`` and ``print-page.css.j2``: print rules, fonts and running header of the PDF.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "ASSETS_DIR",
    "HTML_TEMPLATE",
    "LUA_FILTER",
    "PAGE_CSS_TEMPLATE",
    "PRINT_CSS",
    "REPORT_CSS",
]

ASSETS_DIR = Path(__file__).resolve().parent / "assets"
REPORT_CSS = ASSETS_DIR / "report.css"
HTML_TEMPLATE = ASSETS_DIR / "report.html5"
LUA_FILTER = ASSETS_DIR / "report.lua"
PRINT_CSS = ASSETS_DIR / "print.css"
PAGE_CSS_TEMPLATE = "print-page.css.j2"
"""Jinja2 template name, looked up in :data:`ASSETS_DIR`."""
