"""The report's documents: Quarto (.qmd) Markdown filled from the results bundle with Jinja2.

Three steps, kept apart: :func:`build_context` computes what the documents say
(every number comes from the results bundle and the figure index),
:func:`render_qmd` fills the templates, :func:`write_documents` writes files.
Values from the data are escaped for Markdown and HTML wherever they appear;
only strings built here from numbers are marked safe.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from analysis.glossary import GLOSSARY
from analysis.segments.actions import CHANNEL_LABELS
from report.text import fmt

__all__ = ["build_context", "md_escape", "render_qmd", "write_documents"]

TEMPLATES = Path(__file__).resolve().parent / "templates"
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-!|$~^@&:\"'=%;])")
MONTHS_RU = ("январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август",
             "сентябрь", "октябрь", "ноябрь", "декабрь")


def md_escape(value: object) -> str:
    """Make any text literal in pandoc Markdown, HTML and Quarto shortcodes.

    Every Markdown punctuation character is backslash-escaped (pandoc then
    prints it literally, HTML-escaped), and line breaks become spaces so a
    value cannot start a block.
    """
    text = " ".join(str(value).split())
    return _MD_SPECIAL.sub(r"\\\1", text)


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
        "num": _safe(fmt.num), "pct": _safe(fmt.pct), "pp": _safe(fmt.pp),
        "money": _safe(fmt.money), "md": md_escape, "safe": Markup,
        "label": lambda c: GLOSSARY[c].label if c in GLOSSARY else c,
    })
    env.globals["plural"] = fmt.plural
    env.globals["channel_label"] = lambda code: CHANNEL_LABELS.get(code, code)
    return env


def period_label(period: str) -> str:
    """``2026-11`` → «ноябрь 2026»."""
    year, month = period.split("-")
    return f"{MONTHS_RU[int(month) - 1]} {year}"


def build_context(results: dict[str, Any], figures: list[dict[str, Any]], *, period: str,
                  revision: str, provenance: dict[str, Any],
                  created: date | None = None) -> dict[str, Any]:
    """Everything the templates need, computed from the results and the figure index."""
    from report.text.narrative import narrative

    return {
        "r": results,
        "fig": {f["name"]: f for f in figures},
        "period": period,
        "period_label": period_label(period),
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
    """Write ``report.qmd`` and a copy of the context's data as ``report-data.json``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    qmd = out_dir / "report.qmd"
    qmd.write_text(render_qmd(context), encoding="utf-8")
    return qmd


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)
