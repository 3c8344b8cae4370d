"""The HTML stage: the report document → one self-contained HTML file.

The report is a Quarto document: a ``report.qmd`` (pandoc Markdown with YAML
front matter, no executable cells) that the documents stage writes into the
run folder, with its figures as PNG files in ``figures/`` beside it
(``![finding](figures/x.png)``), and the Quarto project of that folder
(``_quarto.yml`` with the filter, template and CSS in ``_assets/``, see
:mod:`report.render.project`). The document's front matter carries
everything the page shows around the body: ``title``, ``subtitle`` and
``running-header``.

Design choice: both renderers make the same document from it, with the same
template (``assets/report.html5``), CSS and Lua filter (``assets/report.lua``:
class ``num``, sections, the exec-summary anchor, the table of contents after
the summary). The renderers read **one** document: Quarto shortcodes
(``{{< include >}}`` and the like) are refused with a :class:`RenderError`
by both, instead of being left as text or expanded by one of them.

- :func:`choose_renderer` resolves ``"auto"`` (Quarto when a ``quarto``
  executable is on PATH, else the built-in renderer) and tells the version of
  the program that will render, for the report's appendix and the manifest.
- :func:`render_html` runs it: the built-in renderer is pandoc from
  ``pypandoc-binary`` with the options of ``assets/_quarto.yml``; Quarto
  renders a temporary copy of the folder made a Quarto project, exactly as
  ``quarto render`` by hand in a revision folder does. Either way the result
  is checked to be self-contained: figures and styles embedded as ``data:``
  URLs, nothing fetched when the file is opened.
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

import os
import re
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Literal

import pypandoc

from report.render.errors import RenderError
from report.render.project import (
    PROJECT_ASSETS_DIR,
    PROJECT_FILE,
    QUARTO_OUTPUT,
    write_quarto_project,
)
from report.render.resources import HTML_TEMPLATE, LUA_FILTER, REPORT_CSS

__all__ = ["QUARTO_TIMEOUT_S", "Renderer", "RendererInfo", "choose_renderer", "render_html"]

Renderer = Literal["auto", "builtin", "quarto"]

QUARTO_TIMEOUT_S = 600.0
"""Seconds ``quarto render`` may run before it is stopped."""
QUARTO_VERSION_TIMEOUT_S = 60.0
"""Seconds ``quarto --version`` may run."""

_SHORTCODE_RE = re.compile(r"\{\{<\s*[a-z][\w-]*\b[^>]*>\}\}")
_CSS_URL_RE = re.compile(r"url\(\s*['\"]?\s*(?!data:|#)([^'\")\s]+)", re.IGNORECASE)
_RESOURCE_ATTRS = frozenset({"src", "href", "xlink:href", "data", "poster", "srcset", "background"})
_NOT_COPIED = (".quarto", QUARTO_OUTPUT, PROJECT_FILE, PROJECT_ASSETS_DIR)
"""Left out of the copy Quarto renders: its own state, by-hand output, the project (rewritten)."""


@dataclass(frozen=True)
class RendererInfo:
    """The renderer that makes the HTML: ``"builtin"`` (pandoc) or ``"quarto"``, and its version."""

    name: Literal["builtin", "quarto"]
    version: str


# ---------------------------------------------------------------------------
# HTML
# ---------------------------------------------------------------------------


def choose_renderer(renderer: str = "auto") -> RendererInfo:
    """The renderer ``renderer`` stands for, and the version of its program.

    Parameters
    ----------
    renderer : {"auto", "builtin", "quarto"}
        ``"auto"`` is Quarto when ``quarto`` is on PATH, else the built-in
        renderer.

    Returns
    -------
    RendererInfo
        ``"quarto"`` with the version ``quarto --version`` prints, or
        ``"builtin"`` with the version of the pandoc it runs.

    Raises
    ------
    RenderError
        For an unknown name, ``"quarto"`` without a quarto executable, a
        quarto that does not answer, or a pandoc older than 3.
    """
    if _choose_name(renderer) == "quarto":
        return RendererInfo("quarto", _quarto_version())
    return RendererInfo("builtin", _require_pandoc_3())


def render_html(qmd_path: Path, out_html: Path, *, renderer: Renderer = "auto") -> str:
    """Render the report document into one self-contained HTML file.

    Parameters
    ----------
    qmd_path : Path
        The single ``report.qmd``; figures are read from its folder only. Its
        front matter gives the title, subtitle and ``running-header``.
    out_html : Path
        Where to write the HTML file (its folder is created if missing).
    renderer : {"auto", "builtin", "quarto"}
        ``"auto"`` uses Quarto when ``quarto`` is on PATH, else the built-in
        pandoc renderer.

    Returns
    -------
    str
        The renderer actually used: ``"builtin"`` or ``"quarto"``.

    Raises
    ------
    RenderError
        If the document is missing or holds a Quarto shortcode, the renderer
        fails or times out, or the result would load anything from outside
        the HTML file.
    """
    qmd_path = Path(qmd_path).resolve()
    out_html = Path(out_html).resolve()
    if not qmd_path.is_file():
        raise RenderError(f"report document not found: {qmd_path}")
    used = _choose_name(renderer)
    _refuse_shortcodes(qmd_path)
    out_html.parent.mkdir(parents=True, exist_ok=True)
    if used == "quarto":
        _render_quarto(qmd_path, out_html)
    else:
        _render_builtin(qmd_path, out_html)
    try:
        _check_self_contained(out_html)
    except RenderError:
        out_html.unlink()
        raise
    return used


def _choose_name(renderer: str) -> str:
    if renderer not in ("auto", "builtin", "quarto"):
        raise RenderError(f"unknown renderer {renderer!r}: expected auto, builtin or quarto")
    has_quarto = shutil.which("quarto") is not None
    if renderer == "quarto" and not has_quarto:
        raise RenderError("renderer 'quarto' requested but no quarto executable is on PATH")
    if renderer == "auto":
        return "quarto" if has_quarto else "builtin"
    return renderer


def _quarto_version() -> str:
    quarto = shutil.which("quarto") or "quarto"
    words = _run([quarto, "--version"], cwd=Path.cwd(), timeout=QUARTO_VERSION_TIMEOUT_S).split()
    if not words:
        raise RenderError(f"{quarto} --version printed nothing")
    return words[-1]


def _refuse_shortcodes(qmd_path: Path) -> None:
    """Both renderers read one plain document: an include or other shortcode stops the render."""
    if shortcode := _SHORTCODE_RE.search(qmd_path.read_text(encoding="utf-8")):
        raise RenderError(
            f"{qmd_path.name}: Quarto shortcodes such as {shortcode[0]} are not supported "
            "(neither renderer expands them); write the whole report into one document"
        )


def _render_builtin(qmd_path: Path, out_html: Path) -> None:
    """Run pandoc (from pypandoc-binary) with the project's template, CSS and filter."""
    source = qmd_path.read_text(encoding="utf-8")
    args = _pandoc_args(qmd_path.parent)
    try:
        _require_pandoc_3()
        html_text = pypandoc.convert_text(source, "html5", format="markdown", extra_args=args)
    except (RuntimeError, OSError) as exc:
        raise RenderError(f"pandoc could not render {qmd_path.name}: {_tail(str(exc))}") from exc
    # Written here, not by pandoc, so that a full disk is an OSError naming the file.
    out_html.write_text(html_text, encoding="utf-8")


def _require_pandoc_3() -> str:
    """The template and filter need pandoc ≥ 3 (``--embed-resources``, ``pandoc.structure``)."""
    version = pypandoc.get_pandoc_version()
    if int(version.split(".")[0]) < 3:
        raise RenderError(
            f"pandoc {version} at {pypandoc.get_pandoc_path()} is too old: the built-in renderer "
            "needs pandoc 3 (the pypandoc-binary wheel ships it; unset PYPANDOC_PANDOC or "
            "remove the older pandoc from PATH)"
        )
    return version


def _pandoc_args(resource_dir: Path) -> list[str]:
    """Pandoc's options for the settings of ``assets/_quarto.yml`` (a test keeps them equal)."""
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
    ]


def _render_quarto(qmd_path: Path, out_html: Path) -> None:
    """``quarto render <qmd> --to html`` in a copy of the document's folder made a project.

    The copy carries the package's project files (:func:`write_quarto_project`),
    the same ones a revision folder carries, so the HTML is the one ``quarto
    render`` by hand in that folder writes to ``report-quarto.html``; Quarto's
    own state (``.quarto/``) never reaches the revision.
    """
    quarto = shutil.which("quarto")
    if quarto is None:
        raise RenderError("no quarto executable on PATH")
    with tempfile.TemporaryDirectory(prefix="oneclick-quarto-") as tmp:
        work = Path(tmp) / qmd_path.parent.name
        shutil.copytree(qmd_path.parent, work, ignore=shutil.ignore_patterns(*_NOT_COPIED))
        write_quarto_project(work)
        _run([quarto, "render", qmd_path.name, "--to", "html"], cwd=work, timeout=QUARTO_TIMEOUT_S)
        produced = work / QUARTO_OUTPUT
        if not produced.is_file():
            raise RenderError(f"quarto finished but wrote no {QUARTO_OUTPUT} for {qmd_path.name}")
        shutil.move(produced, out_html)


def _run(command: list[str], *, cwd: Path, timeout: float) -> str:
    """Run ``command``; its stdout. On timeout kill its whole process group; RenderError on failure.
    """
    with subprocess.Popen(
        command,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    ) as process:
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise RenderError(f"{Path(command[0]).name} did not finish in {timeout:g} s") from None
    if process.returncode != 0:
        raise RenderError(
            f"{Path(command[0]).name} {command[1]} failed with exit status "
            f"{process.returncode}: {_tail(stderr)}"
        )
    return stdout


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

