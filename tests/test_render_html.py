"""Tests of the HTML rendering stage: report.qmd → self-contained HTML (report.render.html)."""

from __future__ import annotations

import http.server
import json
import os
import re
import shutil
import stat
from pathlib import Path

import pytest
from _render_sample import HEADER, SUMMARY, TITLE, make_figure, server_url, write_sample_report

from report.render.errors import RenderError
from report.render.html import render_html
from report.render.resources import REPORT_CSS

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
    render_html(qmd, out, renderer="builtin", title=TITLE, running_header=HEADER)
    html = out.read_text(encoding="utf-8")
    toc = html.index('<nav id="TOC"')
    assert html.index('class="level1 exec-summary"') < html.index('id="exec-summary-end"') < toc
    assert '<a href="#источник"' in html[toc:]
    assert '<a href="#мелочь"' not in html[toc:]


def test_without_summary_the_toc_comes_first(tmp_path: Path) -> None:
    qmd = write_sample_report(tmp_path, summary="", body="## Данные\n\n### Источник\n")
    out = tmp_path / "report.html"
    render_html(qmd, out, renderer="builtin", title=TITLE, running_header=HEADER)
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
    qmd = write_sample_report(tmp_path)
    out = tmp_path / "report.html"
    render_html(qmd, out, renderer="builtin", title="<b>A & B</b>", running_header="x < y")
    html = out.read_text(encoding="utf-8")
    assert "<title>&lt;b&gt;A &amp; B&lt;/b&gt;</title>" in html
    assert "x &lt; y" in html
    assert "<b>A" not in html


def test_auto_uses_builtin_without_quarto(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    qmd = write_sample_report(tmp_path / "run")
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    used = render_html(qmd, tmp_path / "r.html", title=TITLE, running_header=HEADER)
    assert used == "builtin"


def test_remote_figure_is_refused_before_any_request(
    tmp_path: Path, recording_server: http.server.ThreadingHTTPServer
) -> None:
    body = f"## Данные\n\n![Удалённый рисунок]({server_url(recording_server, 'x.png')})\n"
    qmd = write_sample_report(tmp_path, body=body)
    with pytest.raises(RenderError, match="figure must be a file inside the report folder"):
        render_html(qmd, tmp_path / "r.html", renderer="builtin", title=TITLE, running_header="")
    assert recording_server.requests == []  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "src", ["../secret.png", "figures/../../secret.png", "/etc/hostname", "file:///etc/hostname"]
)
def test_figure_outside_the_folder_is_refused(tmp_path: Path, src: str) -> None:
    make_figure(tmp_path / "secret.png")
    qmd = write_sample_report(tmp_path / "run", body=f"## Данные\n\n![Чужой]({src})\n")
    with pytest.raises(RenderError, match="inside the report folder"):
        render_html(qmd, tmp_path / "r.html", renderer="builtin", title=TITLE, running_header="")


@pytest.mark.parametrize(
    "raw", ['<img src="https://example.invalid/x.png">', "<img src='//example.invalid/x.png'>"]
)
def test_remote_raw_html_is_refused(tmp_path: Path, raw: str) -> None:
    qmd = write_sample_report(tmp_path, body=f"## Данные\n\n{raw}\n")
    with pytest.raises(RenderError, match="remote resources"):
        render_html(qmd, tmp_path / "r.html", renderer="builtin", title=TITLE, running_header="")


def test_missing_figure_makes_html_not_self_contained(tmp_path: Path) -> None:
    qmd = write_sample_report(tmp_path, body="## Данные\n\n![Нет файла](figures/missing.png)\n")
    with pytest.raises(RenderError, match=r"not self-contained.*figures/missing\.png"):
        render_html(qmd, tmp_path / "r.html", renderer="builtin", title=TITLE, running_header="")
    assert not (tmp_path / "r.html").exists()


def test_include_shortcode_is_refused(tmp_path: Path) -> None:
    qmd = write_sample_report(tmp_path, body="{{< include _body.qmd >}}\n")
    with pytest.raises(RenderError, match=r"shortcodes such as \{\{< include _body\.qmd >\}\}"):
        render_html(qmd, tmp_path / "r.html", renderer="builtin", title=TITLE, running_header="")


def test_bad_arguments(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    qmd = write_sample_report(tmp_path)
    with pytest.raises(RenderError, match="not found"):
        render_html(tmp_path / "nope.qmd", tmp_path / "r.html", title=TITLE, running_header="")
    with pytest.raises(RenderError, match="unknown renderer"):
        render_html(qmd, tmp_path / "r.html", renderer="latex", title=TITLE, running_header="")  # type: ignore[arg-type]
    monkeypatch.setenv("PATH", str(tmp_path / "no-bin"))
    with pytest.raises(RenderError, match="no quarto executable"):
        render_html(qmd, tmp_path / "r.html", renderer="quarto", title=TITLE, running_header="")


# --- HTML, Quarto -------------------------------------------------------------

FAKE_QUARTO = """\
#!/bin/sh
# Fake quarto: records its arguments, working directory and metadata file,
# then writes <stem>.html beside the document like `quarto render` does.
log="$FAKE_QUARTO_LOG"
pwd > "$log/cwd"
printf '%s\\n' "$@" > "$log/args"
previous=""
for arg in "$@"; do
  [ "$previous" = "--metadata-file" ] && cp "$arg" "$log/metadata.yml"
  previous="$arg"
done
case "$FAKE_QUARTO_MODE" in
  fail) echo "ERROR: boom in report.qmd" >&2; exit 1 ;;
  hang) sleep 30 ;;
  external) echo '<html><body><img src="figures/pages.png"></body></html>' > "${2%.qmd}.html" ;;
  *) echo '<!DOCTYPE html><html lang="ru"><body><p>fake quarto output</p></body></html>' \\
       > "${2%.qmd}.html" ;;
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


def test_quarto_command_and_output(tmp_path: Path, fake_quarto: Path) -> None:
    qmd = write_sample_report(tmp_path / "run")
    out = tmp_path / "out" / "report.html"
    used = render_html(qmd, out, title=TITLE, running_header=HEADER)
    assert used == "quarto"
    assert "fake quarto output" in out.read_text(encoding="utf-8")
    assert not (qmd.parent / "report.html").exists()  # moved, not copied
    args = (fake_quarto / "args").read_text(encoding="utf-8").splitlines()
    assert args[:4] == ["render", "report.qmd", "--to", "html"]
    assert args[4] == "--metadata-file"
    assert not Path(args[5]).exists()  # temporary, removed afterwards
    assert Path((fake_quarto / "cwd").read_text(encoding="utf-8").strip()) == qmd.parent.resolve()
    metadata = json.loads((fake_quarto / "metadata.yml").read_text(encoding="utf-8"))
    assert metadata["title"] == TITLE
    assert metadata["include-before-body"] == [{"text": f'<p class="running-header">{HEADER}</p>'}]
    assert metadata["lang"] == "ru"
    assert metadata["embed-resources"] is True
    assert metadata["toc"] is True
    assert metadata["css"] == [str(REPORT_CSS)]
    assert REPORT_CSS.is_file()


def test_quarto_metadata_escapes_the_running_header(tmp_path: Path, fake_quarto: Path) -> None:
    qmd = write_sample_report(tmp_path / "run")
    render_html(qmd, tmp_path / "r.html", title='Отчёт: "A"', running_header="<b>r1</b> & co")
    metadata = json.loads((fake_quarto / "metadata.yml").read_text(encoding="utf-8"))
    assert metadata["title"] == 'Отчёт: "A"'
    text = metadata["include-before-body"][0]["text"]
    assert text == '<p class="running-header">&lt;b&gt;r1&lt;/b&gt; &amp; co</p>'


def test_quarto_failure_reports_stderr(
    tmp_path: Path, fake_quarto: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_QUARTO_MODE", "fail")
    qmd = write_sample_report(tmp_path / "run")
    with pytest.raises(RenderError, match=r"exit status 1:.*boom in report\.qmd"):
        render_html(qmd, tmp_path / "r.html", renderer="quarto", title=TITLE, running_header="")


def test_quarto_timeout_stops_the_process_group(
    tmp_path: Path, fake_quarto: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_QUARTO_MODE", "hang")
    monkeypatch.setattr("report.render.html.QUARTO_TIMEOUT_S", 0.5)
    qmd = write_sample_report(tmp_path / "run")
    with pytest.raises(RenderError, match="did not finish"):  # the fake would hang for ever
        render_html(qmd, tmp_path / "r.html", renderer="quarto", title=TITLE, running_header="")


def test_quarto_output_must_be_self_contained(
    tmp_path: Path, fake_quarto: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_QUARTO_MODE", "external")
    qmd = write_sample_report(tmp_path / "run")
    with pytest.raises(RenderError, match="not self-contained"):
        render_html(qmd, tmp_path / "r.html", renderer="quarto", title=TITLE, running_header="")


@pytest.mark.quarto
@pytest.mark.skipif(shutil.which("quarto") is None, reason="no quarto executable on PATH")
def test_real_quarto_renders_self_contained_html(tmp_path: Path) -> None:
    qmd = write_sample_report(tmp_path / "run")
    out = tmp_path / "report.html"
    assert render_html(qmd, out, renderer="quarto", title=TITLE, running_header=HEADER) == "quarto"
    html = out.read_text(encoding="utf-8")
    assert 'lang="ru"' in html
    assert "data:image/png;base64," in html
    assert "Снижающиеся клиенты смотрят вдвое меньше страниц" in html
