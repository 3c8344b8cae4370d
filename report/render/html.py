"""The HTML stage: the report document → one self-contained HTML file.

The report is a Quarto project: ``_quarto.yml`` at the repository root and a
``report.qmd`` (pandoc Markdown with YAML front matter, no executable cells)
that the documents stage writes into the run folder, with its figures as PNG
files in ``figures/`` beside it (``![finding](figures/x.png)``).

Design choice: the renderers read **one** document. The documents stage
concatenates all sections into a single ``report.qmd``; Quarto shortcodes
(``{{< include >}}`` and the like) are refused by the built-in renderer with a
:class:`RenderError` instead of being left as text in the report.

- :func:`render_html` uses the built-in renderer (pandoc from
  ``pypandoc-binary`` with the project's template, CSS and Lua filter in
  ``report/render/assets/``) or Quarto, when a ``quarto`` executable is on PATH.
  Either way the result is checked to be self-contained: figures and styles
  embedded as ``data:`` URLs, nothing fetched when the file is opened.
- :func:`report.render.pdf.render_pdf` then lays the HTML out with WeasyPrint.

Errors are :mod:`report.render.errors`; the template, CSS and filter are found
through :mod:`report.render.resources`.

Classes the documents use (styled by ``assets/report.css``): ``exec-summary``
on the first section's heading, ``kpis``/``kpi`` fenced divs with
``kpi-value``/``kpi-label`` spans, ``takeaway`` divs under charts, ``num`` on
numeric table cells (added automatically for right-aligned ``---:`` columns),
``decline``/``stable`` for the group colours, ``note`` for small print.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
from html.parser import HTMLParser
from pathlib import Path
from typing import Literal

import pypandoc

from report.render.errors import RenderError
from report.render.resources import HTML_TEMPLATE, LUA_FILTER, REPORT_CSS

__all__ = ["QUARTO_TIMEOUT_S", "Renderer", "render_html"]

Renderer = Literal["auto", "builtin", "quarto"]

QUARTO_TIMEOUT_S = 600.0
"""Seconds ``quarto render`` may run before it is stopped."""

_SHORTCODE_RE = re.compile(r"\{\{<\s*[a-z][\w-]*\b[^>]*>\}\}")
_CSS_URL_RE = re.compile(r"url\(\s*['\"]?\s*(?!data:|#)([^'\")\s]+)", re.IGNORECASE)
_RESOURCE_ATTRS = frozenset({"src", "href", "xlink:href", "data", "poster", "srcset", "background"})


# ---------------------------------------------------------------------------
# HTML
# ---------------------------------------------------------------------------


def render_html(
    qmd_path: Path,
    out_html: Path,
    *,
    renderer: Renderer = "auto",
    title: str,
    running_header: str,
) -> str:
    """Render the report document into one self-contained HTML file.

    Parameters
    ----------
    qmd_path : Path
        The single ``report.qmd``; figures are read from its folder only.
    out_html : Path
        Where to write the HTML file (its folder is created if missing).
    renderer : {"auto", "builtin", "quarto"}
        ``"auto"`` uses Quarto when ``quarto`` is on PATH, else the built-in
        pandoc renderer.
    title : str
        Report title (plain text; escaped by the renderer).
    running_header : str
        Period and revision, e.g. ``"Период: ноябрь 2026 · ревизия r1"``,
        shown under the title.

    Returns
    -------
    str
        The renderer actually used: ``"builtin"`` or ``"quarto"``.

    Raises
    ------
    RenderError
        If the document is missing, the renderer fails or times out, or the
        result would load anything from outside the HTML file.
    """
    qmd_path = Path(qmd_path).resolve()
    out_html = Path(out_html).resolve()
    if not qmd_path.is_file():
        raise RenderError(f"report document not found: {qmd_path}")
    used = _choose_renderer(renderer)
    out_html.parent.mkdir(parents=True, exist_ok=True)
    if used == "quarto":
        _render_quarto(qmd_path, out_html, title=title, running_header=running_header)
    else:
        _render_builtin(qmd_path, out_html, title=title, running_header=running_header)
    try:
        _check_self_contained(out_html)
    except RenderError:
        out_html.unlink()
        raise
    return used


def _choose_renderer(renderer: str) -> str:
    if renderer not in ("auto", "builtin", "quarto"):
        raise RenderError(f"unknown renderer {renderer!r}: expected auto, builtin or quarto")
    has_quarto = shutil.which("quarto") is not None
    if renderer == "quarto" and not has_quarto:
        raise RenderError("renderer 'quarto' requested but no quarto executable is on PATH")
    if renderer == "auto":
        return "quarto" if has_quarto else "builtin"
    return renderer


def _render_builtin(qmd_path: Path, out_html: Path, *, title: str, running_header: str) -> None:
    """Run pandoc (from pypandoc-binary) with the project's template, CSS and filter."""
    source = qmd_path.read_text(encoding="utf-8")
    if shortcode := _SHORTCODE_RE.search(source):
        raise RenderError(
            f"{qmd_path.name}: Quarto shortcodes such as {shortcode[0]} are not supported by "
            "the built-in renderer; write the whole report into one document"
        )
    args = _pandoc_args(qmd_path.parent, title=title, running_header=running_header)
    try:
        _require_pandoc_3()
        html_text = pypandoc.convert_text(source, "html5", format="markdown", extra_args=args)
    except (RuntimeError, OSError) as exc:
        raise RenderError(f"pandoc could not render {qmd_path.name}: {_tail(str(exc))}") from exc
    # Written here, not by pandoc, so that a full disk is an OSError naming the file.
    out_html.write_text(html_text, encoding="utf-8")


def _require_pandoc_3() -> None:
    """The template and filter need pandoc ≥ 3 (``--embed-resources``, ``pandoc.structure``)."""
    version = pypandoc.get_pandoc_version()
    if int(version.split(".")[0]) < 3:
        raise RenderError(
            f"pandoc {version} at {pypandoc.get_pandoc_path()} is too old: the built-in renderer "
            "needs pandoc 3 (the pypandoc-binary wheel ships it; unset PYPANDOC_PANDOC or "
            "remove the older pandoc from PATH)"
        )


def _pandoc_args(resource_dir: Path, *, title: str, running_header: str) -> list[str]:
    return [
        "--standalone",
        "--embed-resources",
        "--section-divs",
        "--toc",
        "--toc-depth=2",
        f"--template={HTML_TEMPLATE}",
        f"--css={REPORT_CSS}",
        f"--lua-filter={LUA_FILTER}",
        f"--resource-path={resource_dir}",
        "--metadata=lang=ru",
        f"--metadata=title={title}",
        f"--metadata=running-header={running_header}",
    ]


def _render_quarto(qmd_path: Path, out_html: Path, *, title: str, running_header: str) -> None:
    """Run ``quarto render <qmd> --to html`` in the document's folder, then move the result."""
    quarto = shutil.which("quarto")
    if quarto is None:
        raise RenderError("no quarto executable on PATH")
    produced = qmd_path.with_suffix(".html")
    with tempfile.TemporaryDirectory(prefix="oneclick-quarto-") as tmp:
        metadata = Path(tmp) / "metadata.yml"
        metadata.write_text(
            json.dumps(_quarto_metadata(title, running_header), ensure_ascii=False),
            encoding="utf-8",
        )
        command = [
            quarto,
            "render",
            qmd_path.name,
            "--to",
            "html",
            "--metadata-file",
            str(metadata),
        ]
        _run(command, cwd=qmd_path.parent, timeout=QUARTO_TIMEOUT_S)
    if not produced.is_file():
        raise RenderError(f"quarto finished but wrote no {produced.name} in {qmd_path.parent}")
    shutil.move(produced, out_html)


def _quarto_metadata(title: str, running_header: str) -> dict[str, object]:
    """Metadata for ``--metadata-file`` (JSON is YAML), the same options as ``_quarto.yml``.

    The document's own subtitle stays; the running header becomes a line at
    the top of the page, as in the built-in renderer's title block.
    """
    header = f'<p class="running-header">{html.escape(running_header)}</p>'
    return {
        "title": title,
        "include-before-body": [{"text": header}],
        "lang": "ru",
        "toc": True,
        "toc-depth": 2,
        "embed-resources": True,
        "minimal": True,
        "html-math-method": "plain",
        "css": [str(REPORT_CSS)],
    }


def _run(command: list[str], *, cwd: Path, timeout: float) -> None:
    """Run ``command``; on timeout kill its whole process group; RenderError on failure."""
    with subprocess.Popen(
        command,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    ) as process:
        try:
            _, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise RenderError(f"{Path(command[0]).name} did not finish in {timeout:g} s") from None
    if process.returncode != 0:
        raise RenderError(
            f"{Path(command[0]).name} {command[1]} failed with exit status "
            f"{process.returncode}: {_tail(stderr)}"
        )


def _tail(text: str, lines: int = 15) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


class _ResourceScanner(HTMLParser):
    """Collect every reference that would make a browser load something."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.external: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_style = tag == "style"
        for name, value in attrs:
            if value is None:
                continue
            if name == "style":
                self._scan_css(value)
            elif name in _RESOURCE_ATTRS and tag != "a" and not _is_embedded(value):
                self.external.append(f"<{tag} {name}={value[:80]}>")

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self._scan_css(data)

    def _scan_css(self, css: str) -> None:
        self.external += [f"url({match[:80]})" for match in _CSS_URL_RE.findall(css)]
        if "@import" in css:
            self.external.append("@import")


def _is_embedded(value: str) -> bool:
    return value.startswith(("data:", "#")) or value == ""


def _check_self_contained(html_path: Path) -> None:
    scanner = _ResourceScanner()
    scanner.feed(html_path.read_text(encoding="utf-8"))
    scanner.close()
    if scanner.external:
        listed = "; ".join(scanner.external[:5])
        raise RenderError(
            f"{html_path.name} is not self-contained ({len(scanner.external)} external "
            f"reference(s), e.g. a figure missing from figures/): {listed}"
        )

