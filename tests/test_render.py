"""Tests of the rendering stage: report.qmd → self-contained HTML → A4 PDF."""

from __future__ import annotations

import contextlib
import http.server
import io
import json
import logging
import os
import re
import shutil
import stat
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from matplotlib.figure import Figure

from report.render import pdf as pdf_stage
from report.render.errors import RenderError, URLRefusedError
from report.render.html import render_html
from report.render.pdf import render_pdf
from report.render.resources import REPORT_CSS

TITLE = "Активность клиентов «В один клик»"
HEADER = "Период: ноябрь 2026 · ревизия r1"
DECLINE, STABLE = "#d62728", "#1f77b4"
THIN = "\u202f"

SUMMARY = f"""\
## Главное {{#summary .exec-summary}}

В ноябре снижают активность **497 из 1{THIN}297 постоянных клиентов (38,3 %)**;
под угрозой **12{THIN}345{THIN}678 ₽** прибыли (вероятность × прибыль).

::: {{.kpis}}
::: {{.kpi .decline}}
[38,3 %]{{.kpi-value}} [клиентов снижают активность]{{.kpi-label}}
:::
::: {{.kpi .decline}}
[12,3 млн ₽]{{.kpi-value}} [прибыли под угрозой]{{.kpi-label}}
:::
::: {{.kpi}}
[8 из 10]{{.kpi-value}} [снижающихся — среди 30 % клиентов с наибольшим риском]{{.kpi-label}}
:::
::: {{.kpi .stable}}
[214]{{.kpi-value}} [клиентов в списке действий на месяц]{{.kpi-label}}
:::
:::

### Что движет снижением

- **Страниц за визит:** у снижающихся 4,2, у стабильных 9,8.
- **Доля покупок по акции:** 47 % против 24 %.
- **Минут на сайте:** 10 против 15 в прошлом месяце.

### Сегменты

| Сегмент | Клиентов | Прибыль под угрозой | Предложение | Как проверить |
|:--------|---------:|--------------------:|:------------|:--------------|
| Акционные покупатели | 173 | 4{THIN}567{THIN}890 ₽ | Подборка акций | A/B, 4 недели |
| Редкие гости | 121 | 3{THIN}210{THIN}000 ₽ | Напоминание в приложении | A/B, 4 недели |
| Ценные клиенты | 96 | 2{THIN}980{THIN}123 ₽ | Звонок менеджера | 50 на 50 |
| Остальные | 107 | 1{THIN}587{THIN}665 ₽ | Рассылка | Контроль 20 % |

**Что изменилось:** доля снижающихся выросла на +1,2 п. п. с октября.

::: {{.note}}
Качество данных: исключено 4 клиента, исправлено 23 значения;
см. [раздел о данных](#качество-данных). Последняя строка сводки.
:::
"""

BODY = """\
## Качество данных {#качество-данных}

Пришло 1 300 клиентов; категория «&lt;script&gt;alert(1)&lt;/script&gt;» и
товар &lt;img src=x onerror=alert(2)&gt; показаны как текст.

| Столбец | Исправлено | Доля |
|:--------|-----------:|-----:|
| Выручка | 3 | 0,2 % |

## Поведение клиентов

### Активность на сайте

::: {.figure-block}
#### Снижающиеся клиенты смотрят меньше страниц за визит

![Столбцы: страниц за визит у снижающихся и стабильных](figures/pages.png){width=100%}

::: {.takeaway}
Снижающиеся клиенты смотрят вдвое меньше страниц за визит, чем стабильные.
:::
:::
"""


def make_figure(path: Path, *, width_in: float = 6.0) -> None:
    """A small bar chart in the report's two group colours."""
    figure = Figure(figsize=(width_in, 2.6), dpi=80)
    axes = figure.subplots()
    axes.bar(["снижается", "стабильно"], [4.2, 9.8], color=[DECLINE, STABLE])
    axes.set_title("Страниц за визит")
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)


def write_sample_report(folder: Path, *, summary: str = SUMMARY, body: str = BODY) -> Path:
    """A run folder with ``report.qmd`` and ``figures/pages.png``; returns the qmd path."""
    folder.mkdir(parents=True, exist_ok=True)
    make_figure(folder / "figures" / "pages.png")
    qmd = folder / "report.qmd"
    front = (
        '---\ntitle: "Черновик"\nsubtitle: "Ежемесячный отчёт · сформирован 2026-12-01"\n---\n\n'
    )
    qmd.write_text(front + summary + "\n" + body, encoding="utf-8")
    return qmd


class _Recorder(http.server.BaseHTTPRequestHandler):
    def _record(self) -> None:
        self.server.requests.append(f"{self.command} {self.path}")  # type: ignore[attr-defined]
        self.send_response(404)
        self.end_headers()

    do_GET = do_HEAD = do_POST = do_CONNECT = _record

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextlib.contextmanager
def recording_http_server() -> Iterator[http.server.ThreadingHTTPServer]:
    """An HTTP server (and proxy) on 127.0.0.1 that records every request it receives."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    server.requests = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def recording_server() -> Iterator[http.server.ThreadingHTTPServer]:
    with recording_http_server() as server:
        yield server


def server_url(server: http.server.ThreadingHTTPServer, path: str) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}/{path}"


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The sample report rendered once with the built-in renderer, HTML and PDF."""
    run = tmp_path_factory.mktemp("run")
    qmd = write_sample_report(run)
    html = run / "out" / "report.html"
    used = render_html(qmd, html, renderer="builtin", title=TITLE, running_header=HEADER)
    assert used == "builtin"
    pdf = run / "out" / "report.pdf"
    render_pdf(html, pdf, base_dir=run, running_header=HEADER)
    return {"run": run, "html": html, "pdf": pdf}


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
    started = time.monotonic()
    with pytest.raises(RenderError, match="did not finish"):
        render_html(qmd, tmp_path / "r.html", renderer="quarto", title=TITLE, running_header="")
    assert time.monotonic() - started < 10


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


# --- PDF ----------------------------------------------------------------------


def pdf_pages_text(path: Path) -> list[str]:
    """Text of each page, whitespace collapsed (skips the test without pypdf)."""
    pypdf = pytest.importorskip("pypdf")
    return [" ".join(page.extract_text().split()) for page in pypdf.PdfReader(path).pages]


def test_pdf_is_a4_with_header_footer_and_cyrillic_text(rendered: dict[str, Path]) -> None:
    data = rendered["pdf"].read_bytes()
    assert data.startswith(b"%PDF-")
    pypdf = pytest.importorskip("pypdf")
    reader = pypdf.PdfReader(rendered["pdf"])
    for page in reader.pages:
        assert float(page.mediabox.width) == pytest.approx(595.28, abs=0.5)
        assert float(page.mediabox.height) == pytest.approx(841.89, abs=0.5)
    texts = pdf_pages_text(rendered["pdf"])
    total = len(texts)
    for number, text in enumerate(texts, start=1):
        assert f"стр. {number} из {total}" in text
        assert HEADER in text
    assert "Главное" in texts[0]
    assert "Снижающиеся клиенты смотрят вдвое меньше" in "".join(texts)
    assert "<script>alert(1)</script>" in "".join(texts)  # shown as text


def test_pdf_summary_alone_on_page_one_then_toc_with_page_numbers(
    rendered: dict[str, Path],
) -> None:
    texts = pdf_pages_text(rendered["pdf"])
    assert "Последняя строка сводки" in texts[0]
    assert "Содержание" not in texts[0]
    assert "Содержание" in texts[1]
    quality_page = next(i for i, t in enumerate(texts, start=1) if t.startswith("Качество данных"))
    assert re.search(rf"Качество данных\s*\.+\s*{quality_page}\b", texts[1])
    assert re.search(r"Главное\s*\.+\s*1\b", texts[1])


def test_pdf_embeds_dejavu_fonts_with_cyrillic_glyphs(rendered: dict[str, Path]) -> None:
    pypdf = pytest.importorskip("pypdf")
    programs = {}
    for page in pypdf.PdfReader(rendered["pdf"]).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            assert "/FontFile2" in descriptor, font["/BaseFont"]  # embedded TrueType
            programs[str(font["/BaseFont"])] = descriptor["/FontFile2"].get_object().get_data()
    families = {}
    for name, program in programs.items():
        embedded = TTFont(io.BytesIO(program))
        families[name] = embedded["name"].getDebugName(1)
        assert set(map(ord, "Главное")) <= set(embedded.getBestCmap()), name
    assert set(families.values()) == {"DejaVu Sans"}
    assert any("Bold" in name for name in families)


def test_pdf_does_not_warn_when_summary_fits(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    qmd = write_sample_report(tmp_path)
    html = tmp_path / "report.html"
    render_html(qmd, html, renderer="builtin", title=TITLE, running_header=HEADER)
    with caplog.at_level(logging.WARNING, logger="report.render.pdf"):
        render_pdf(html, tmp_path / "report.pdf", base_dir=tmp_path, running_header=HEADER)
    assert "executive summary" not in caplog.text


def test_pdf_warns_when_summary_overflows(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    long_summary = SUMMARY + "\n".join(f"\nАбзац {i}: " + "слово " * 60 for i in range(25))
    qmd = write_sample_report(tmp_path, summary=long_summary)
    html = tmp_path / "report.html"
    render_html(qmd, html, renderer="builtin", title=TITLE, running_header=HEADER)
    with caplog.at_level(logging.WARNING, logger="report.render.pdf"):
        render_pdf(html, tmp_path / "report.pdf", base_dir=tmp_path, running_header=HEADER)
    assert "executive summary takes" in caplog.text


def test_wide_tables_and_figures_stay_inside_the_page(tmp_path: Path) -> None:
    make_figure(tmp_path / "figures" / "wide.png", width_in=30)
    header = "| " + " | ".join(f"Столбец {i}" for i in range(14)) + " |"
    rule = "|" + "---:|" * 14
    row = "| " + " | ".join(f"1{THIN}234{THIN}567 ₽" for _ in range(14)) + " |"
    sha = "a3f1" * 16
    body = (
        f"## Широкое\n\n![Широкий рисунок](figures/wide.png)\n\n{header}\n{rule}\n"
        + f"{row}\n" * 40
        + f"\n| Файл | sha256 |\n|:--|:--|\n| `customers.csv` | `{sha}` |\n"
    )
    qmd = write_sample_report(tmp_path, body=body)
    html = tmp_path / "report.html"
    render_html(qmd, html, renderer="builtin", title=TITLE, running_header=HEADER)
    # WeasyPrint's layout boxes are internal API; this is the direct way to see clipping.
    document = pdf_stage._layout(html, base_dir=tmp_path, running_header=HEADER)
    checked = 0
    for page in document.pages:
        box = page._page_box
        right = box.content_box_x() + box.width
        for child in box.descendants():
            if child.element_tag in ("img", "table", "td", "th", "code"):
                assert child.position_x + child.margin_width() <= right + 1, child.element_tag
                checked += 1
    assert checked > 100


def test_pdf_of_a_long_report_renders_in_seconds(tmp_path: Path) -> None:
    section = (
        "## Раздел {n}\n\nВывод раздела {n}.\n\n![Вывод {n}](figures/pages.png)\n\n"
        "::: {{.takeaway}}\nСнижающиеся смотрят меньше страниц.\n:::\n\n"
        "| Признак | Снижается | Стабильно |\n|:--|--:|--:|\n"
        + "| Страниц за визит | 4,2 | 9,8 |\n" * 25
        + "\n"
        + "Текст абзаца. " * 120
        + "\n\n"
    )
    body = "".join(section.format(n=n) for n in range(1, 13))
    qmd = write_sample_report(tmp_path, body=body)
    html = tmp_path / "report.html"
    render_html(qmd, html, renderer="builtin", title=TITLE, running_header=HEADER)
    started = time.monotonic()
    render_pdf(html, tmp_path / "report.pdf", base_dir=tmp_path, running_header=HEADER)
    elapsed = time.monotonic() - started
    pages = len(pdf_pages_text(tmp_path / "report.pdf"))
    assert pages >= 25
    assert elapsed < 30, f"{pages} pages took {elapsed:.1f} s"


# --- PDF: nothing outside the run folder ------------------------------------


def test_fetcher_allows_only_data_the_run_folder_and_given_files(tmp_path: Path) -> None:
    run, outside = tmp_path / "run", tmp_path / "outside"
    (run / "figures").mkdir(parents=True)
    outside.mkdir()
    (run / "figures" / "a.png").write_bytes(b"inside")
    (outside / "secret.txt").write_text("secret", encoding="utf-8")
    (outside / "font.ttf").write_bytes(b"font")
    (run / "link.txt").symlink_to(outside / "secret.txt")
    fetcher = pdf_stage.LocalOnlyURLFetcher(run, allowed_files=[outside / "font.ttf"])

    fetcher.check("data:image/png;base64,AAAA")
    response = fetcher.fetch((run / "figures" / "a.png").as_uri())
    assert response.read() == b"inside"
    response.close()
    fetcher.check((outside / "font.ttf").as_uri())
    refused = [
        "http://127.0.0.1:9/x.png",
        "https://example.com/font.woff2",
        "ftp://example.com/x",
        (outside / "secret.txt").as_uri(),
        (run / "link.txt").as_uri(),
        (run / ".." / "outside" / "secret.txt").as_uri(),
        f"file://example.com{run / 'figures' / 'a.png'}",
        "file:///etc/hostname",
    ]
    for url in refused:
        with pytest.raises(URLRefusedError):
            fetcher.fetch(url)


def test_pdf_skips_remote_and_outside_resources_without_requests(
    tmp_path: Path, recording_server: http.server.ThreadingHTTPServer
) -> None:
    run, outside = tmp_path / "run", tmp_path / "outside"
    make_figure(run / "figures" / "inside.png")
    make_figure(outside / "secret.png")
    remote = server_url(recording_server, "x.png")
    html = run / "hostile.html"
    html.write_text(
        f"""<!DOCTYPE html><html lang="ru"><head><meta charset="utf-8">
<link rel="stylesheet" href="{server_url(recording_server, "s.css")}">
<style>@import url("{server_url(recording_server, "i.css")}");
body {{ background: url("{server_url(recording_server, "bg.png")}"); }}</style>
</head><body><h1>Проверка</h1>
<img src="{remote}"><img src="{(outside / "secret.png").as_uri()}">
<img src="../outside/secret.png"><img src="figures/inside.png">
</body></html>""",
        encoding="utf-8",
    )
    render_pdf(html, run / "report.pdf", base_dir=run, running_header=HEADER)
    assert recording_server.requests == []  # type: ignore[attr-defined]
    pypdf = pytest.importorskip("pypdf")
    images = [image for page in pypdf.PdfReader(run / "report.pdf").pages for image in page.images]
    assert len(images) == 1  # only figures/inside.png


def test_running_header_is_quoted_as_css_string() -> None:
    assert pdf_stage._css_string('Период "r1" \\ 2026') == '"Период \\"r1\\" \\\\ 2026"'
    assert pdf_stage._css_string("a\nb") == '"a\\a b"'
    css = pdf_stage._page_css(pdf_stage._font_faces(), 'x"; } @page { margin: 0')
    assert 'content: "x\\"; } @page { margin: 0";' in css
