"""The report's documents: Quarto (.qmd) Markdown filled from the results bundle with Jinja2.

Three steps, kept apart: :func:`build_context` computes what the documents say
(every number comes from the results bundle and the figure index),
:func:`render_qmd` fills the templates, :func:`write_documents` writes files.
Values from the data are escaped for Markdown and HTML wherever they appear;
only strings built here from numbers are marked safe.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from analysis import rutext
from analysis.glossary import GLOSSARY
from analysis.results import files
from analysis.rutext import period_label
from report.render.project import write_quarto_project
from report.text.common import report_title, running_header
from report.text.markdown import md_escape
from report.text.narrative import narrative
from report.text.quality import quality_text
from report.text.words import channel_label

__all__ = ["build_context", "md_escape", "period_label", "render_qmd", "write_documents"]

TEMPLATES = Path(__file__).resolve().parent / "templates"


def _finalize(value: object) -> object:
    if value is None:
        return "—"
    if isinstance(value, Markup):
        return value
    if isinstance(value, bool):
        return "да" if value else "нет"
    return md_escape(value)


def _safe(func: Any) -> Any:
    def wrapped(*args: Any, **kwargs: Any) -> Markup:
        return Markup(func(*args, **kwargs))
    wrapped.__name__ = func.__name__
    return wrapped


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=False,
        finalize=_finalize,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        comment_start_string="{##",  # pandoc attributes such as {#summary} are not comments
        comment_end_string="##}",
    )
    env.filters.update({
        "num": _safe(rutext.num), "pct": _safe(rutext.pct), "pp": _safe(rutext.pp),
        "money": _safe(rutext.money), "md": md_escape, "safe": Markup,
        "label": lambda c: GLOSSARY[c].label if c in GLOSSARY else c,
        "quality_text": quality_text,
    })
    env.globals["plural"] = rutext.plural
    env.globals["channel_label"] = channel_label
    return env


def build_context(results: dict[str, Any], figures: list[dict[str, Any]], *, period: str,
                  revision: str, provenance: dict[str, Any],
                  created: date | None = None) -> dict[str, Any]:
    """Everything the templates need, computed from the results and the figure index."""
    return {
        "r": results,
        "fig": {f["name"]: f for f in figures},
        "period": period,
        "period_label": period_label(period),
        "title": report_title(period),
        "running_header": running_header(period, revision),
        "revision": revision,
        "created": (created or date.today()).isoformat(),
        "prov": provenance,
        "text": narrative(results),
        "glossary": GLOSSARY,
    }


def render_qmd(context: dict[str, Any]) -> str:
    """Fill ``report.qmd.j2`` (which includes one partial per section)."""
    return _environment().get_template("report.qmd.j2").render(**context)


def write_documents(context: dict[str, Any], out_dir: Path) -> Path:
    """Write ``report.qmd`` and its Quarto project into ``out_dir``; returns the document's path.

    With the project (``_quarto.yml`` and ``_assets/``), ``quarto render`` in
    ``out_dir`` renders the report as ``oneclick report --renderer quarto`` does.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    qmd = out_dir / files.REPORT_QMD
    qmd.write_text(render_qmd(context), encoding="utf-8")
    write_quarto_project(out_dir)
    return qmd

