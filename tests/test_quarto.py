"""Real Quarto: one ``oneclick report`` with ``--renderer auto`` (Quarto on PATH) on the demo
export, the same revision's document rendered by the built-in renderer, and ``quarto render``
by hand in a copy of the revision, made once and shared by every test of this module.

Needs a ``quarto`` executable on PATH (``bash ../shared/quarto/install.sh PREFIX``, then
``PREFIX/bin`` on PATH; ``.ci/run`` does both where ``../shared/quarto`` exists); skipped
otherwise.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
from collections import Counter
from html.parser import HTMLParser
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest
from test_browser import (  # noqa: F401  (proxy is a fixture)
    CHROMIUM,
    LAPTOP,
    console_errors,
    open_in_chromium,
    page_requests,
    probe_values,
    proxy,
    with_probe,
)

from report.archive.manifest import verify_revision
from report.cli import main
from report.render.html import choose_renderer, render_html
from report.render.project import QUARTO_OUTPUT
from report.text.method import renderer_label

QUARTO = shutil.which("quarto")

pytestmark = [
    pytest.mark.quarto,
    pytest.mark.slow,
    pytest.mark.skipif(
        QUARTO is None,
        reason="no quarto executable on PATH: bash ../shared/quarto/install.sh PREFIX and put "
        "PREFIX/bin on PATH (.ci/run does where ../shared/quarto exists)",
    ),
]

# Markup Quarto adds around the same content: a wrapper around figures, row and caption classes.
QUARTO_ONLY_CLASSES = frozenset({
    ("div", "quarto-figure"), ("div", "quarto-figure-center"),
    ("tr", "header"), ("tr", "odd"), ("tr", "even"), ("table", "caption-top"),
})


def _make_renders(tmp: Path, export: Path, config: Path) -> dict[str, Path]:
    """``oneclick report --renderer auto``, the built-in HTML of its document, a by-hand render."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["--config", str(config), "report", "--data", str(export),
                     "--period", "2026-11", "--out", str(tmp / "archive"), "--quiet",
                     "--renderer", "auto"])
    assert code == 0
    revision = Path(out.getvalue().strip().splitlines()[-1])
    builtin = tmp / "builtin.html"
    assert render_html(revision / "report.qmd", builtin, renderer="builtin") == "builtin"
    by_hand = tmp / "by-hand"
    shutil.copytree(revision, by_hand)
    done = subprocess.run([QUARTO or "quarto", "render"], cwd=by_hand, capture_output=True,
                          text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return {"revision": revision, "quarto": revision / "report.html", "builtin": builtin,
            "by_hand": by_hand}


@pytest.fixture(scope="module")
def renders(request: pytest.FixtureRequest,
            tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The renders, made once per session even when xdist spreads this module over workers.

    The folder is the session's base temp, which every worker sees under xdist (the
    recipe pytest-xdist documents); the first worker renders, the others wait on the lock.
    """
    base = tmp_path_factory.getbasetemp()
    shared = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "quarto-renders"
    shared.mkdir(exist_ok=True)
    index = shared / "renders.json"
    with (shared / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not index.is_file():
            made = _make_renders(shared, request.getfixturevalue("demo_export_master"),
                                 request.getfixturevalue("config_file"))
            index.write_text(json.dumps({k: str(v) for k, v in made.items()}), encoding="utf-8")
    return {k: Path(v) for k, v in json.loads(index.read_text(encoding="utf-8")).items()}


class _Outline(HTMLParser):
    """What a reader gets from the page: headings, sections, TOC, tables, figures, links."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.outline: dict[str, list] = {k: [] for k in (
            "headings", "sections", "toc", "tables", "images", "links", "classes", "text")}
        self._stack: list[tuple[str, dict[str, str]]] = []
        self._capture: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        inside = [t for t, _ in self._stack]
        in_toc = any(x.get("id") == "TOC" for _, x in self._stack)
        if tag not in ("img", "meta", "br", "col", "link", "hr"):
            self._stack.append((tag, a))
        self.outline["classes"] += [(tag, c) for c in a.get("class", "").split()
                                    if (tag, c) not in QUARTO_ONLY_CLASSES]
        if re.fullmatch(r"h[1-6]", tag):
            self._capture = [tag, a.get("class", "")]
        elif tag == "section":
            self.outline["sections"].append((a.get("id"), a.get("class")))
        elif tag == "table":
            self.outline["tables"].append([])
        elif tag in ("th", "td") and "table" in inside:
            self._cell = [tag, " ".join(sorted(a.get("class", "").split()))]
        elif tag == "img":
            digest = hashlib.sha256(a.get("src", "").encode()).hexdigest()[:16]
            self.outline["images"].append((a.get("alt"), a.get("aria-label"), digest))
        elif tag == "a":
            self.outline["toc" if in_toc else "links"].append(a.get("href"))

    def handle_endtag(self, tag: str) -> None:
        while self._stack:
            if self._stack.pop()[0] == tag:
                break
        if self._capture and tag == self._capture[0]:
            self.outline["headings"].append(_finished(self._capture))
            self._capture = None
        if self._cell and tag == self._cell[0]:
            self.outline["tables"][-1].append(_finished(self._cell))
            self._cell = None

    def handle_data(self, data: str) -> None:
        for buffer in (self._capture, self._cell):
            if buffer is not None:
                buffer.append(data)
        if not any(t in ("style", "script", "title") for t, _ in self._stack):
            self.outline["text"] += data.split()


def _finished(buffer: list[str]) -> tuple[str, str, str]:
    """(tag, classes, text with whitespace collapsed) of a captured heading or cell."""
    tag, classes, *text = buffer
    return tag, classes, " ".join("".join(text).split())


def outline(path: Path) -> dict[str, list]:
    parser = _Outline()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    return parser.outline


def test_auto_uses_quarto_and_the_revision_names_it(renders: dict[str, Path]) -> None:
    revision = renders["revision"]
    info = choose_renderer("auto")
    assert info.name == "quarto"
    manifest = json.loads((revision / "manifest.json").read_text(encoding="utf-8"))
    assert (manifest["renderer"], manifest["renderer_version"]) == ("quarto", info.version)
    appendix = renders["quarto"].read_text(encoding="utf-8")
    assert re.search(rf"<td[^>]*>{re.escape(renderer_label(info.name, info.version))}</td>",
                     appendix)
    assert {"_quarto.yml", "_assets/report.lua", "_assets/report.css"} <= set(manifest["files"])
    assert not (revision / ".quarto").exists()
    assert verify_revision(revision) == []


def test_both_renderers_make_the_same_document(renders: dict[str, Path]) -> None:
    quarto, builtin = outline(renders["quarto"]), outline(renders["builtin"])
    for part in ("headings", "sections", "toc", "tables", "images", "links", "text"):
        assert quarto[part] == builtin[part], part
    assert Counter(quarto["classes"]) == Counter(builtin["classes"])
    counts = [p.read_text(encoding="utf-8").count('class="num"')
              for p in (renders["quarto"], renders["builtin"])]
    assert counts[0] == counts[1] > 50, counts
    assert len(quarto["images"]) >= 10 and all(alt for alt, _, _ in quarto["images"])
    assert ("p", "running-header") in quarto["classes"]
    assert quarto["toc"][0] == "#summary" and len(quarto["toc"]) > len(quarto["sections"]) / 3


def test_quarto_render_by_hand_gives_the_tools_html(renders: dict[str, Path]) -> None:
    by_hand, revision = renders["by_hand"], renders["revision"]
    assert (by_hand / QUARTO_OUTPUT).read_bytes() == renders["quarto"].read_bytes()
    # the copy's archived files are left alone (report.html included); what Quarto adds
    # (.quarto/, report-quarto.html) is unlisted, so verify reports it, by design
    assert (by_hand / "report.html").read_bytes() == (revision / "report.html").read_bytes()
    problems = verify_revision(by_hand)
    assert not [p for p in problems if p.startswith(("changed", "missing"))], problems
    assert any(".quarto" in p for p in problems) and any(QUARTO_OUTPUT in p for p in problems)
    page = (by_hand / QUARTO_OUTPUT).read_text(encoding="utf-8")
    assert "--c-decline: #d62728" in page  # report.css
    assert 'class="num"' in page  # report.lua
    assert page.index('id="exec-summary-end"') < page.index('<nav id="TOC"')
    assert "data:image/png;base64," in page and "<script" not in page and "<link" not in page
    assert not (by_hand / "report_files").exists()
    assert sorted(p.name for p in revision.iterdir() if "quarto" in p.name) == ["_quarto.yml"]


def test_pdf_from_the_quarto_html(renders: dict[str, Path]) -> None:
    pypdf = pytest.importorskip("pypdf")
    reader = pypdf.PdfReader(renders["revision"] / "report.pdf")
    texts = [" ".join(page.extract_text().split()) for page in reader.pages]
    assert len(texts) >= 10
    for number, text in enumerate(texts, start=1):
        assert f"стр. {number} из {len(texts)}" in text
        assert "«В один клик» · ноябрь 2026 · ревизия r1" in text
    assert "Главное за месяц" in texts[0] and "Содержание" not in texts[0]
    assert "Содержание" in texts[1] and re.search(r"Главное за месяц\s*\.+\s*1\b", texts[1])


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="needs headless Chromium (tests/setup_browser.sh)")
def test_quarto_html_opens_offline(renders: dict[str, Path], tmp_path: Path,
                                   proxy: ThreadingHTTPServer) -> None:  # noqa: F811
    page = with_probe(renders["quarto"], tmp_path / "probe.html")
    dom, log = open_in_chromium(page, tmp_path / "profile", proxy.server_address[1], LAPTOP)
    probe = probe_values(dom)
    assert page_requests(proxy) == []
    assert probe["resources"] == ""
    assert int(probe["images"]) >= 10 and probe["images-loaded"] == probe["images"]
    assert console_errors(log) == []
