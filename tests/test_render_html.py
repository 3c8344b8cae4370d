"""Tests of the HTML rendering stage: report.qmd → self-contained HTML (report.render.html)."""

from __future__ import annotations

import http.server
import os
import re
import shutil
import stat
from pathlib import Path

import pypandoc
import pytest
from _render_sample import (
    HEADER,
    SUMMARY,
    TITLE,
    front_matter,
    make_figure,
    server_url,
    write_sample_report,
)

from report.render.errors import RenderError
from report.render.html import RendererInfo, _pandoc_args, choose_renderer, render_html
from report.render.project import QUARTO_OUTPUT, write_quarto_project
from report.render.resources import ASSETS_DIR, HTML_TEMPLATE, LUA_FILTER, REPORT_CSS

NO_QUARTO = "no quarto executable on PATH (bash ../shared/quarto/install.sh PREFIX; .ci/run does)"

# --- HTML, built-in renderer -------------------------------------------------


def test_builtin_html_is_one_self_contained_file(rendered: dict[str, Path]) -> None:
    html = rendered["html"].read_text(encoding="utf-8")
    assert sorted(p.name for p in rendered["html"].parent.iterdir()) == [
        "report.html",
        "report.pdf",
    ]
    assert '<img role="img"' in html
    assert re.search(r'<img [^>]*src="data:image/png;base64,', html)
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html)
    assert "http://" not in html
    assert "https://" not in html
    assert "<script" not in html
    assert "<link" not in html
    assert "--c-decline: #d62728" in html  # report.css embedded


def test_builtin_html_structure(rendered: dict[str, Path]) -> None:
    html = rendered["html"].read_text(encoding="utf-8")
    assert '<html lang="ru">' in html
    assert f"<title>{TITLE}</title>" in html
    assert HEADER in html
    assert '<p class="subtitle">Ежемесячный отчёт · сформирован 2026-12-01</p>' in html
    summary = html.index('<section id="summary" class="level2 exec-summary">')
    toc = html.index('<nav id="TOC" role="doc-toc">')
    assert summary < toc < html.index('id="качество-данных"')
    assert html.index('id="exec-summary-end"') < toc
    assert '<a href="#поведение-клиентов"' in html[toc:]
    assert '<a href="#активность-на-сайте"' in html[toc:]  # "###": two levels below "##"
    assert '<a href="#снижающиеся' not in html[toc:]  # "####" chart titles are not listed
    assert '<div class="kpi decline">' in html
    assert '<span class="kpi-value">38,3 %</span>' in html
    assert '<div class="takeaway">' in html
    assert re.search(r'<td class="num"[^>]*>173</td>', html)
    assert re.search(r'<td class="num"[^>]*>4\u202f567\u202f890 ₽</td>', html)
    assert not re.search(r'<td class="num"[^>]*>Акционные', html)


def test_top_level_hash_sections_work_too(tmp_path: Path) -> None:
    summary = SUMMARY.replace("## Главное", "# Главное").replace("### ", "## ")
    body = "# Данные\n\n## Источник\n\n### Мелочь\n\nТекст.\n"
    qmd = write_sample_report(tmp_path, summary=summary, body=body)
    out = tmp_path / "report.html"
    render_html(qmd, out, renderer="builtin")
    html = out.read_text(encoding="utf-8")
    toc = html.index('<nav id="TOC"')
    assert html.index('class="level1 exec-summary"') < html.index('id="exec-summary-end"') < toc
    assert '<a href="#источник"' in html[toc:]
    assert '<a href="#мелочь"' not in html[toc:]


def test_without_summary_the_toc_comes_first(tmp_path: Path) -> None:
    qmd = write_sample_report(tmp_path, summary="", body="## Данные\n\n### Источник\n")
    out = tmp_path / "report.html"
    render_html(qmd, out, renderer="builtin")
    html = out.read_text(encoding="utf-8")
    assert html.count('<nav id="TOC"') == 1
    assert html.index('<nav id="TOC"') < html.index('id="данные"')
    assert "exec-summary-end" not in html


def test_builtin_html_keeps_escaped_text_as_text(rendered: dict[str, Path]) -> None:
    html = " ".join(rendered["html"].read_text(encoding="utf-8").split())
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(2)&gt;" in html
    assert "onerror=alert(2)>" not in html


def test_title_and_header_are_escaped(tmp_path: Path) -> None:
    qmd = write_sample_report(tmp_path, front=front_matter("<b>A & B</b>", "x < y"))
    out = tmp_path / "report.html"
    render_html(qmd, out, renderer="builtin")
    html = out.read_text(encoding="utf-8")
    assert "<title>&lt;b&gt;A &amp; B&lt;/b&gt;</title>" in html
    assert "x &lt; y" in html
    assert "<b>A" not in html


def test_auto_uses_builtin_without_quarto(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    qmd = write_sample_report(tmp_path / "run")
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    used = render_html(qmd, tmp_path / "r.html")
    assert used == "builtin"


def test_remote_figure_is_refused_before_any_request(
    tmp_path: Path, recording_server: http.server.ThreadingHTTPServer
) -> None:
    body = f"## Данные\n\n![Удалённый рисунок]({server_url(recording_server, 'x.png')})\n"
    qmd = write_sample_report(tmp_path, body=body)
    with pytest.raises(RenderError, match="figure must be a file inside the report folder"):
        render_html(qmd, tmp_path / "r.html", renderer="builtin")
    assert recording_server.requests == []  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "src", ["../secret.png", "figures/../../secret.png", "/etc/hostname", "file:///etc/hostname"]
)
def test_figure_outside_the_folder_is_refused(tmp_path: Path, src: str) -> None:
    make_figure(tmp_path / "secret.png")
    qmd = write_sample_report(tmp_path / "run", body=f"## Данные\n\n![Чужой]({src})\n")
    with pytest.raises(RenderError, match="inside the report folder"):
        render_html(qmd, tmp_path / "r.html", renderer="builtin")


@pytest.mark.parametrize(
    "raw", ['<img src="https://example.invalid/x.png">', "<img src='//example.invalid/x.png'>"]
)
def test_remote_raw_html_is_refused(tmp_path: Path, raw: str) -> None:
    qmd = write_sample_report(tmp_path, body=f"## Данные\n\n{raw}\n")
    with pytest.raises(RenderError, match="remote resources"):
        render_html(qmd, tmp_path / "r.html", renderer="builtin")


def test_missing_figure_makes_html_not_self_contained(tmp_path: Path) -> None:
    qmd = write_sample_report(tmp_path, body="## Данные\n\n![Нет файла](figures/missing.png)\n")
    with pytest.raises(RenderError, match=r"not self-contained.*figures/missing\.png"):
        render_html(qmd, tmp_path / "r.html", renderer="builtin")
    assert not (tmp_path / "r.html").exists()


def test_include_shortcode_is_refused(tmp_path: Path) -> None:
    qmd = write_sample_report(tmp_path, body="{{< include _body.qmd >}}\n")
    with pytest.raises(RenderError, match=r"shortcodes such as \{\{< include _body\.qmd >\}\}"):
        render_html(qmd, tmp_path / "r.html", renderer="builtin")


def test_builtin_renderer_and_its_version(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "no-bin"))
    assert choose_renderer("auto") == RendererInfo("builtin", pypandoc.get_pandoc_version())
    assert choose_renderer("builtin").version.startswith("3.")


# --- the Quarto project a report folder carries ---------------------------------


def test_report_folder_becomes_a_quarto_project(tmp_path: Path) -> None:
    assets = ["_assets/report.css", "_assets/report.html5", "_assets/report.lua"]
    written = write_quarto_project(tmp_path)
    assert sorted(p.relative_to(tmp_path).as_posix() for p in written) == [*assets, "_quarto.yml"]
    project = (tmp_path / "_quarto.yml").read_text(encoding="utf-8")
    named = re.findall(r"(_assets/[\w.]+)", project)
    assert sorted(set(named)) == assets
    assert all((tmp_path / name).is_file() for name in named)
    assert re.search(r"render:\s*\n\s*- report\.qmd\n", project)  # exactly what it renders
    assert f"output-file: {QUARTO_OUTPUT}" in project
    assert (tmp_path / "_assets" / "report.lua").read_bytes() == LUA_FILTER.read_bytes()
    assert (ASSETS_DIR / "_quarto.yml").is_file() and not (ASSETS_DIR / "_quarto.yml").is_symlink()


def test_builtin_options_are_the_quarto_projects(tmp_path: Path) -> None:
    """The built-in renderer passes pandoc what the revision's _quarto.yml asks Quarto for."""
    project = (ASSETS_DIR / "_quarto.yml").read_text(encoding="utf-8")
    args = _pandoc_args(tmp_path)
    for key in ("toc", "section-divs", "embed-resources"):
        assert re.search(rf"^\s+{key}: true\b", project, re.MULTILINE), key
        assert f"--{key}" in args
    depth = re.search(r"^\s+toc-depth: (\d+)", project, re.MULTILINE)
    assert depth and f"--toc-depth={depth[1]}" in args
    lang = re.search(r"^lang: (\w+)", project, re.MULTILINE)
    assert lang and f"--metadata=lang={lang[1]}" in args
    assert f"--template={HTML_TEMPLATE}" in args and "template: _assets/report.html5" in project
    assert f"--css={REPORT_CSS}" in args and "- _assets/report.css" in project
    assert f"--lua-filter={LUA_FILTER}" in args and "- _assets/report.lua" in project
    assert "minimal: true" in project  # no Bootstrap or scripts under Quarto either


def test_bad_arguments(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    qmd = write_sample_report(tmp_path)
    with pytest.raises(RenderError, match="not found"):
        render_html(tmp_path / "nope.qmd", tmp_path / "r.html")
    with pytest.raises(RenderError, match="unknown renderer"):
        render_html(qmd, tmp_path / "r.html", renderer="latex")  # type: ignore[arg-type]
    with pytest.raises(RenderError, match="unknown renderer"):
        choose_renderer("latex")
    monkeypatch.setenv("PATH", str(tmp_path / "no-bin"))
    with pytest.raises(RenderError, match="no quarto executable"):
        render_html(qmd, tmp_path / "r.html", renderer="quarto")
    with pytest.raises(RenderError, match="no quarto executable"):
        choose_renderer("quarto")


# --- HTML, Quarto (a fake quarto; the real one in tests/test_quarto.py) -----------------

FAKE_QUARTO = """\
#!/bin/sh
# Fake quarto: answers --version; for render, records its arguments, working
# directory and the project files it finds there, then writes the project's
# output file like `quarto render` does.
log="$FAKE_QUARTO_LOG"
if [ "$1" = "--version" ]; then echo "9.8.76"; exit 0; fi
pwd > "$log/cwd"
printf '%s\\n' "$@" > "$log/args"
ls _quarto.yml _assets/report.lua _assets/report.css _assets/report.html5 "$2" figures/pages.png \\
  > "$log/found" 2>&1
case "$FAKE_QUARTO_MODE" in
  fail) echo "ERROR: boom in report.qmd" >&2; exit 1 ;;
  hang) sleep 30 ;;
  none) ;;
  external) echo '<html><body><img src="figures/pages.png"></body></html>' > report-quarto.html ;;
  *) mkdir -p .quarto
     echo '<!DOCTYPE html><html lang="ru"><body><p>fake quarto output</p></body></html>' \\
       > report-quarto.html ;;
esac
"""


@pytest.fixture
def fake_quarto(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Put a fake ``quarto`` first on PATH; returns the folder where it logs its calls."""
    bin_dir, log = tmp_path / "bin", tmp_path / "quarto-log"
    bin_dir.mkdir()
    log.mkdir()
    script = bin_dir / "quarto"
    script.write_text(FAKE_QUARTO, encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.setenv("FAKE_QUARTO_LOG", str(log))
    return log


def test_quarto_renders_a_copy_of_the_folder_made_a_project(
    tmp_path: Path, fake_quarto: Path
) -> None:
    qmd = write_sample_report(tmp_path / "run")
    before = sorted(p.relative_to(qmd.parent) for p in qmd.parent.rglob("*"))
    out = tmp_path / "out" / "report.html"
    used = render_html(qmd, out)
    assert used == "quarto"
    assert "fake quarto output" in out.read_text(encoding="utf-8")
    args = (fake_quarto / "args").read_text(encoding="utf-8").splitlines()
    assert args == ["render", "report.qmd", "--to", "html"]  # what `quarto render` by hand does
    cwd = Path((fake_quarto / "cwd").read_text(encoding="utf-8").strip())
    assert cwd != qmd.parent and not cwd.exists()  # a temporary copy, removed afterwards
    found = (fake_quarto / "found").read_text(encoding="utf-8")
    assert "No such file" not in found, found  # the project, the document and its figures
    assert sorted(p.relative_to(qmd.parent) for p in qmd.parent.rglob("*")) == before


def test_auto_picks_quarto_on_path_and_tells_its_version(fake_quarto: Path) -> None:
    assert choose_renderer("auto") == RendererInfo("quarto", "9.8.76")
    assert choose_renderer("quarto") == RendererInfo("quarto", "9.8.76")
    assert choose_renderer("builtin").name == "builtin"


def test_quarto_is_refused_a_shortcode_before_it_runs(tmp_path: Path, fake_quarto: Path) -> None:
    qmd = write_sample_report(tmp_path / "run", body="{{< include /etc/hostname >}}\n")
    with pytest.raises(RenderError, match="shortcodes such as"):
        render_html(qmd, tmp_path / "r.html", renderer="quarto")
    assert not (fake_quarto / "args").exists()


def test_quarto_failure_reports_stderr(
    tmp_path: Path, fake_quarto: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_QUARTO_MODE", "fail")
    qmd = write_sample_report(tmp_path / "run")
    with pytest.raises(RenderError, match=r"exit status 1:.*boom in report\.qmd"):
        render_html(qmd, tmp_path / "r.html", renderer="quarto")


def test_quarto_without_output_is_an_error(
    tmp_path: Path, fake_quarto: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_QUARTO_MODE", "none")
    qmd = write_sample_report(tmp_path / "run")
    with pytest.raises(RenderError, match=f"wrote no {QUARTO_OUTPUT}"):
        render_html(qmd, tmp_path / "r.html", renderer="quarto")


def test_quarto_timeout_stops_the_process_group(
    tmp_path: Path, fake_quarto: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_QUARTO_MODE", "hang")
    monkeypatch.setattr("report.render.html.QUARTO_TIMEOUT_S", 0.5)
    qmd = write_sample_report(tmp_path / "run")
    with pytest.raises(RenderError, match="did not finish"):  # the fake would hang for ever
        render_html(qmd, tmp_path / "r.html", renderer="quarto")


def test_quarto_output_must_be_self_contained(
    tmp_path: Path, fake_quarto: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_QUARTO_MODE", "external")
    qmd = write_sample_report(tmp_path / "run")
    with pytest.raises(RenderError, match="not self-contained"):
        render_html(qmd, tmp_path / "r.html", renderer="quarto")
    assert not (tmp_path / "r.html").exists()


@pytest.mark.quarto
@pytest.mark.skipif(shutil.which("quarto") is None, reason=NO_QUARTO)
def test_real_quarto_renders_the_sample_as_the_builtin_renderer(tmp_path: Path) -> None:
    """The sample with markup in its title and header, by real Quarto: same page as built-in."""
    front = front_matter("<b>A & B</b>", "x < y")
    qmd = write_sample_report(tmp_path / "run", front=front)
    htmls = {name: tmp_path / f"{name}.html" for name in ("quarto", "builtin")}
    for name, out in htmls.items():
        assert render_html(qmd, out, renderer=name) == name  # type: ignore[arg-type]
    quarto, builtin = (htmls[n].read_text(encoding="utf-8") for n in ("quarto", "builtin"))
    assert "<title>&lt;b&gt;A &amp; B&lt;/b&gt;</title>" in quarto
    assert '<p class="running-header">x &lt; y</p>' in quarto and "<b>A" not in quarto
    assert '<section id="summary" class="level2 exec-summary">' in quarto
    summary_end, toc = quarto.index('id="exec-summary-end"'), quarto.index('<nav id="TOC"')
    assert summary_end < toc < quarto.index('id="качество-данных"')
    assert "data:image/png;base64," in quarto and "<script" not in quarto
    assert quarto.count('class="num"') == builtin.count('class="num"') > 0
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in " ".join(quarto.split())
