"""Tests of the PDF rendering stage: self-contained HTML → A4 PDF (report.render.pdf)."""

from __future__ import annotations

import http.server
import io
import logging
import re
from pathlib import Path

import pytest
from _render_sample import (
    HEADER,
    SUMMARY,
    THIN,
    make_figure,
    server_url,
    write_sample_report,
)
from fontTools.ttLib import TTFont
from weasyprint.formatting_structure import boxes

from report.render import pdf as pdf_stage
from report.render.errors import URLRefusedError
from report.render.html import render_html
from report.render.pdf import render_pdf

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
    render_html(qmd, html, renderer="builtin")
    with caplog.at_level(logging.WARNING, logger="report.render.pdf"):
        render_pdf(html, tmp_path / "report.pdf", base_dir=tmp_path, running_header=HEADER)
    assert "executive summary" not in caplog.text


def test_pdf_warns_when_summary_overflows(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    long_summary = SUMMARY + "\n".join(f"\nАбзац {i}: " + "слово " * 60 for i in range(25))
    qmd = write_sample_report(tmp_path, summary=long_summary)
    html = tmp_path / "report.html"
    render_html(qmd, html, renderer="builtin")
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
    render_html(qmd, html, renderer="builtin")
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


def test_pdf_of_a_long_report_renders_every_section(tmp_path: Path) -> None:
    """A long report lays out completely (its time is measured by `python -m bench`, not here)."""
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
    render_html(qmd, html, renderer="builtin")
    render_pdf(html, tmp_path / "report.pdf", base_dir=tmp_path, running_header=HEADER)
    pages = pdf_pages_text(tmp_path / "report.pdf")
    assert len(pages) >= 25
    text = "".join(pages)
    assert all(f"Раздел {n}" in text for n in range(1, 13))


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


def test_header_words_get_soft_hyphens_and_nothing_else_changes() -> None:
    shy = "\u00ad"
    html = ('<table><thead><tr><th class="num" style="text-align: right;">Клиен' + shy
            + 'тов &laquo;ы&raquo; <code>market_file_column</code></th><th>p (скорр.)</th>'
            '</tr></thead><tbody><tr><td>Значений</td></tr></tbody></table><p>Снизилась</p>')
    out = pdf_stage.hyphenate_headers(html)
    assert f'<th class="num" style="text-align: right;">Кли{shy}ен{shy}тов' in out
    assert "&laquo;ы&raquo; <code>market_file_column</code>" in out
    assert "<th>p (скорр.)</th>" in out          # short words stay whole
    assert out.endswith("<td>Значений</td></tr></tbody></table><p>Снизилась</p>")
    assert pdf_stage.hyphenate_headers(out) == out


def test_running_header_is_quoted_as_css_string() -> None:
    assert pdf_stage._css_string('Период "r1" \\ 2026') == '"Период \\"r1\\" \\\\ 2026"'
    assert pdf_stage._css_string("a\nb") == '"a\\a b"'
    css = pdf_stage._page_css(pdf_stage._font_faces(), 'x"; } @page { margin: 0')
    assert 'content: "x\\"; } @page { margin: 0";' in css


def test_only_tables_too_wide_for_their_words_may_cut_words_anywhere() -> None:
    narrow = ("<table><tr><th>Файл</th><th>Строк</th></tr>"
              "<tr><td><code>market_file.csv</code></td><td>1\u202f300</td></tr></table>")
    many_numbers = ('<table class="x"><tr>' + "<td>1\u202f234\u202f567 ₽</td>" * 14
                    + "</tr></table>")
    long_word = "<table><tr><td>путь</td><td>" + "/каталог" * 12 + "</td></tr></table>"
    out = pdf_stage.mark_wide_tables(narrow + many_numbers + long_word)
    assert out.startswith(narrow)                      # its words keep whole
    assert '<table class="wrap-anywhere x">' in out
    assert '<table class="wrap-anywhere"><tr><td>путь' in out
    assert pdf_stage.mark_wide_tables(out) == out


def test_cell_alignment_moves_from_style_attributes_to_classes() -> None:
    html = ('<table><tr><th class="num" style="text-align: right;">Строк</th>'
            "<th STYLE='text-align:center'>Канал</th></tr>"
            '<tr><td style="text-align: left;">utf-8</td>'
            '<td style="text-align: left; color: red">x</td></tr></table>'
            '<p style="text-align: right;">текст</p>')
    out = pdf_stage.align_classes(html)
    assert '<th class="align-right num">Строк</th>' in out
    assert '<th class="align-center">Канал</th>' in out
    assert '<td class="align-left">utf-8</td>' in out
    assert '<td style="text-align: left; color: red">x</td>' in out  # more than alignment: kept
    assert out.endswith('<p style="text-align: right;">текст</p>')  # only table cells
    assert pdf_stage.align_classes(out) == out
    css = pdf_stage.PRINT_CSS.read_text(encoding="utf-8")
    for side in ("left", "right", "center", "justify"):
        assert f"td.align-{side} {{ text-align: {side} !important; }}" in css


def test_aligned_cells_keep_their_alignment_and_share_one_style(tmp_path: Path) -> None:
    rows = "".join(f"| Канал {i} | {i}{THIN}300 | да |\n" for i in range(6))
    body = f"## Таблица\n\n| Канал | Клиентов | Итог |\n|:--|--:|:-:|\n{rows}"
    qmd = write_sample_report(tmp_path, body=body)
    html = tmp_path / "report.html"
    render_html(qmd, html, renderer="builtin")
    assert 'style="text-align: right;"' in html.read_text(encoding="utf-8")  # pandoc's way
    # WeasyPrint's layout boxes are internal API; this is the direct way to see alignment.
    document = pdf_stage._layout(html, base_dir=tmp_path, running_header=HEADER)
    rows = [box.children for page in document.pages for box in page._page_box.descendants()
            if isinstance(box, boxes.TableRowBox) and "Канал " in _text(box.children[0])]
    assert len(rows) == 6
    left, right, centre = zip(*rows, strict=True)
    for column, side in ((left, "left"), (right, "right"), (centre, "center")):
        assert len(column) == 6
        # One style for all, not one per cell (odd and even rows differ: zebra stripes).
        assert all(cell.style is column[0].style for cell in column[::2])
        assert column[0].style["text_align_all"] == side
    for cell in right:
        text = next(box for box in cell.descendants() if isinstance(box, boxes.TextBox))
        cell_right = cell.content_box_x() + cell.width
        assert text.position_x + text.width == pytest.approx(cell_right, abs=0.5)


def _text(box: boxes.Box) -> str:
    return "".join(child.text for child in box.descendants() if isinstance(child, boxes.TextBox))


def test_a_hash_in_code_does_not_let_its_table_cut_words_anywhere() -> None:
    sha = "d37e1cecc397903be42484eb3302d8e418ae3ee03982f3243d7a22ad656fda39"
    row = "<tr><td>market_money.csv (sha256)</td><td>{}</td></tr>"
    in_code = "<table>" + row.format(f"<code>{sha}</code>") + "</table>"
    as_text = "<table>" + row.format(sha) + "</table>"
    assert pdf_stage.mark_wide_tables(in_code) == in_code          # 7 pt monospace: fits
    assert "wrap-anywhere" in pdf_stage.mark_wide_tables(as_text)  # 8 pt text: might not
    two_hashes = "<table>" + row.format(f"<code>{sha}</code> <code>{sha}</code>") * 2
    assert "wrap-anywhere" not in pdf_stage.mark_wide_tables(two_hashes + "</table>")
    wide = "<table><tr>" + f"<td><code>{sha}</code></td>" * 2 + "</tr></table>"
    assert "wrap-anywhere" in pdf_stage.mark_wide_tables(wide)     # two columns of hashes
