"""The report's pages as its readers get them: full pages, whole rows, headings with their text,
header words cut only with a hyphen, an HTML that fits a laptop screen, an appendix an auditor
can use.

One representative report is made once for the session (``demo_report``, see
:mod:`_demo_report`, shared with ``test_report_language.py``): ``oneclick report`` on the
300-client demo export with the reliability tests' small model budget; its PDF layout (the
WeasyPrint document that was written to ``report.pdf``) is kept for the measurements
(:mod:`_page_fill`).
"""

from __future__ import annotations

import csv
import html as html_lib
import re
from pathlib import Path

import pytest
from _page_fill import (
    header_breaks,
    images,
    lone_paragraphs,
    overflowing_text,
    page_fills,
    split_rows,
    stranded_headings,
    unmarked_breaks,
)
from _render_sample import HEADER, recording_http_server, write_sample_report
from weasyprint.document import Document

from report.render import pdf as pdf_stage
from report.render.html import render_html
from report.render.resources import PRINT_CSS

HALF = 0.5


@pytest.fixture(scope="module")
def pdf_pages(demo_report: dict) -> list[str]:
    pypdf = pytest.importorskip("pypdf")
    reader = pypdf.PdfReader(demo_report["revision"] / "report.pdf")
    return [" ".join(page.extract_text().replace("\u00a0", " ").split())
            for page in reader.pages]


# --- full pages ----------------------------------------------------------------------------


def test_no_page_is_under_half_full_except_the_last_of_a_section(demo_report: dict) -> None:
    fills = page_fills(demo_report["document"])
    assert len(fills) > 15 and sum(p.section_end for p in fills) >= 6  # a whole report
    thin = [f"p{p.number}: {p.fill:.0%}" for p in fills if p.fill < HALF and not p.section_end]
    assert not thin, f"pages under half full inside a section: {thin}"


def test_pages_are_measured_against_the_pdf(demo_report: dict, pdf_pages: list[str]) -> None:
    """The measured layout is the one in report.pdf: same pages, the same page numbers."""
    fills = page_fills(demo_report["document"])
    assert len(fills) == len(pdf_pages)
    assert all(f"стр. {i} из {len(pdf_pages)}" in text for i, text in enumerate(pdf_pages, 1))


def test_no_table_row_is_split_and_no_heading_ends_a_page(demo_report: dict) -> None:
    document = demo_report["document"]
    assert split_rows(document) == 0
    assert stranded_headings(document) == []


def test_no_page_holds_only_one_paragraph(demo_report: dict) -> None:
    assert lone_paragraphs(demo_report["document"]) == []


def _caveat_sample(rows: int) -> str:
    table = "| Группа | Предложение | Клиентов |\n|:--|:--|--:|\n" + "".join(
        f"| Профилактика | Рассылка с подборками из соседних категорий, вариант {i} | {i} |\n"
        for i in range(rows))
    return (f"## Как проверить предложения\n\n{table}\n"
            "Эффект предложений из этих данных неизвестен: заложенные эффекты — допущения, "
            "а контрольные группы этого месяца позволят измерить их в следующем отчёте.\n\n"
            "## Приложение\n\nТекст приложения.\n")


def _layout_sample(folder: Path, body: str, print_css: str | None = None,
                   patch: pytest.MonkeyPatch | None = None) -> Document:
    qmd = write_sample_report(folder, body=body)
    html = folder / "report.html"
    render_html(qmd, html, renderer="builtin")
    if print_css is not None and patch is not None:
        changed = folder / "print.css"
        changed.write_text(print_css, encoding="utf-8")
        patch.setattr(pdf_stage, "PRINT_CSS", changed)
    return pdf_stage._layout(html, base_dir=folder, running_header=HEADER)


def _rows_on_first_body_page(document: Document) -> int:
    """Rows of the sample table on the first page of its section (page 3: after summary, TOC)."""
    page = document.pages[2]
    return sum(1 for box in page._page_box.descendants()
               if box.element_tag == "tr" and type(box).__name__ == "TableRowBox")


def test_the_caveat_after_a_table_never_stands_alone(tmp_path: Path) -> None:
    """A section's last paragraph takes the table's last row with it to the next page.

    The table is sized so that it fills its page exactly; without the rule
    (``section > p:last-child``) the caveat is alone on the next page.
    """
    probe = _layout_sample(tmp_path / "probe", _caveat_sample(80))
    rows = _rows_on_first_body_page(probe) - 1  # the header row repeats on every page
    without = PRINT_CSS.read_text(encoding="utf-8").replace(
        "section > p:last-child { break-before: avoid; }", "")
    with pytest.MonkeyPatch.context() as patch:
        control = _layout_sample(tmp_path / "control", _caveat_sample(rows), without, patch)
    assert [text for _, text in lone_paragraphs(control)] == [
        "Эффект предложений из этих данных неизвестен: заложенные эфф"]
    fixed = _layout_sample(tmp_path / "fixed", _caveat_sample(rows))
    assert lone_paragraphs(fixed) == []


def test_charts_fit_two_to_a_page(tmp_path: Path) -> None:
    """A tall chart (7 × 4.5 in) with its title, caption and takeaway takes under half a page."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7, 4.5), dpi=60)
    figure.subplots().plot([1, 2, 3])
    (tmp_path / "figures").mkdir()
    figure.savefig(tmp_path / "figures" / "tall.png")
    block = ("::: {.figure-block}\n#### Заголовок графика в две строки: что показывает график "
             "и почему это важно для решения в этом месяце\n\n"
             "![Подпись к графику, которая занимает две строки: что на нём показано, в каких "
             "единицах и за какой период, и откуда взяты данные](figures/tall.png){width=100%}\n\n"
             "::: {.takeaway}\nВывод под графиком в две строки: что из него следует для решения "
             "в этом месяце и на что смотреть в следующем отчёте, с числами.\n:::\n:::\n\n")
    document = _layout_sample(tmp_path, "## Графики\n\n" + block * 4)
    fills = page_fills(document)
    assert len(fills) == 4  # summary, contents, two pages of two charts
    assert all(p.fill >= HALF for p in fills[2:])


# --- page 1: the decision page -----------------------------------------------------------------

JARGON = re.compile(r"\b(ROC|AUC|SHAP|A/B)\b|кросс-валидац", flags=re.IGNORECASE)


def test_page_one_is_one_full_decision_page(demo_report: dict, pdf_pages: list[str]) -> None:
    """One A4 page, no blank half, with a chart, the win-back / prevention split, a test that
    can run per group, the profit unit's assumption, and no jargon."""
    document = demo_report["document"]
    first = document.pages[0]
    assert "exec-summary-end" in first.anchors            # the summary ends on page 1
    assert page_fills(document)[0].fill > 0.8
    assert images(first) >= 1
    text = pdf_pages[0]
    assert "Возврат:" in text and "Профилактика:" in text
    assert text.count("Как проверим:") == 2 and text.count("проверка заметит прирост от") == 2
    assert "контрольная группа без него" in text and "Стоимость:" in text
    assert "Единица прибыли — допущение" in text and "(параметр profit_unit)" in text
    assert "Это первый отчёт — точка отсчёта" in text
    assert "в сегменте меньше" not in text and "нужно" not in text
    assert not JARGON.search(text), JARGON.search(text)


def test_key_figures_stay_inside_their_cards(demo_report: dict) -> None:
    assert overflowing_text(demo_report["document"].pages[0], "kpi") == []


def test_overflowing_text_is_found(tmp_path: Path) -> None:
    """The check sees a number wider than its card (the «528 тыс. ₽» of issue 16)."""
    cards = ("::: {.kpis}\n" + "".join(
        f"::: {{.kpi}}\n[{value}]{{.kpi-value}} [подпись]{{.kpi-label}}\n:::\n"
        for value in ("38,3\u00a0%", "528\u00a0тыс.\u00a0₽\u00a0в\u00a0месяц", "73\u00a0%", "53",
                      "228")) + ":::\n\n")
    document = _layout_sample(tmp_path, "## Карточки\n\n" + cards)
    found = [bad for page in document.pages for bad in overflowing_text(page, "kpi")]
    assert len(found) == 1 and found[0].startswith("528"), found


# --- table headers ---------------------------------------------------------------------------


def test_unmarked_breaks_are_found() -> None:
    assert unmarked_breaks("Клиентов", ["Клие", "нтов"]) == ["Клие/нтов"]
    assert unmarked_breaks("market_file.csv", ["market_file.c", "sv"]) == ["market_file.c/sv"]
    assert unmarked_breaks("Клиентов", ["Кли\u2010", "ентов"]) == []
    assert unmarked_breaks("Прежний уровень", ["Прежний", "уровень"]) == []
    assert unmarked_breaks("Клиен\u00adтов", ["Клиен\u00ad\u2010", "тов"]) == []
    assert unmarked_breaks("p (скорр.)", ["p (скор", "р.)"]) == ["p (скор/р.)"]


def test_report_table_headers_break_only_at_a_hyphen(demo_report: dict) -> None:
    assert header_breaks(demo_report["document"]) == []


def test_narrow_table_headers_are_hyphenated_or_fit(tmp_path: Path) -> None:
    """Ten squeezed columns: every header word breaks at a syllable with a hyphen, or not at all."""
    words = ["Клиентов", "Значений", "Снизилась", "Конфигураций", "market_file.csv",
             "Получают", "Базовая доля", "из них контроль", "p (скорр.)", "Эффект"]
    header = "| " + " | ".join(words) + " |\n|" + "--:|" * len(words) + "\n"
    row = "| " + " | ".join(f"{i}{i} {i}{i}{i}" for i in range(len(words))) + " |\n"
    document = _layout_sample(tmp_path, "## Таблица\n\n" + header + row * 3)
    assert header_breaks(document) == []
    texts = [box.text for page in document.pages for box in page._page_box.descendants()
             if type(box).__name__ == "TextBox"]
    assert any(text.endswith("\u2010") or text.endswith("-") for text in texts)


# --- HTML on a laptop screen -------------------------------------------------------------------

_TABLES_PROBE = """
<script>
window.addEventListener("load", () => {
  const probe = document.createElement("pre");
  probe.id = "probe";
  probe.textContent = [document.documentElement.scrollWidth + " " + window.innerWidth,
    ...[...document.querySelectorAll("table")].map((t) => t.scrollWidth + " " + t.clientWidth
      + " " + (t.querySelector("th") || t).textContent.replace(/\\s+/g, " ").slice(0, 40))
  ].join("\\n");
  document.body.appendChild(probe);
});
</script>
"""


def test_html_tables_fit_a_1366_px_screen(demo_report: dict, tmp_path: Path) -> None:
    """No table scrolls (its last column, «Эффект», cut off) in a 1366 × 768 window."""
    from test_browser import CHROMIUM, LAPTOP, open_in_chromium

    if CHROMIUM is None:
        pytest.skip("needs headless Chromium (tests/setup_browser.sh)")
    page = tmp_path / "probe.html"
    text = (demo_report["revision"] / "report.html").read_text(encoding="utf-8")
    page.write_text(text.replace("</body>", _TABLES_PROBE + "</body>"), encoding="utf-8")
    with recording_http_server() as proxy:
        dom, _ = open_in_chromium(page, tmp_path / "profile", proxy.server_address[1], LAPTOP)
    found = re.search(r'<pre id="probe">(.*?)</pre>', dom, flags=re.DOTALL)
    assert found, dom[-2000:]
    lines = html_lib.unescape(found.group(1)).splitlines()
    page_width, window = (int(v) for v in lines[0].split())
    assert page_width <= window
    tables = [line.split(" ", 2) for line in lines[1:]]
    assert len(tables) > 10
    clipped = [head for scroll, client, head in tables if int(scroll) > int(client)]
    assert not clipped, f"tables wider than the screen: {clipped}"


# --- header and appendix -------------------------------------------------------------------


def test_revision_is_named_once_on_page_one(demo_report: dict, pdf_pages: list[str]) -> None:
    assert pdf_pages[0].count("ревизия r1") == 1
    html = (demo_report["revision"] / "report.html").read_text(encoding="utf-8")
    header = html[html.index('<header id="title-block-header">'):html.index("</header>")]
    assert header.count("ревизия r1") == 1


def _appendix(pdf_pages: list[str]) -> str:
    start = next(i for i, text in enumerate(pdf_pages) if "Приложение Методика" in text)
    return " ".join(pdf_pages[start:])


def test_appendix_names_the_run(demo_report: dict, pdf_pages: list[str]) -> None:
    """Command, configuration file, data folder, months, commit and tree state; no «—» folder."""
    # long paths wrap inside their cells; a hyphenated word is joined again
    text = re.sub(r"\s+", "", re.sub("\u2010\\s*", "", _appendix(pdf_pages)))
    assert re.sub(r"\s+", "", f"oneclick --config {demo_report['config']} report") in text
    assert f"Файлнастроек{demo_report['config'].resolve()}".replace(" ", "") in text
    assert f"Папкавыгрузки{Path(demo_report['data']).resolve()}".replace(" ", "") in text
    assert "сентябрь—ноябрь2026" in text and "июнь—ноябрь2026" in text
    assert re.search(r"Коммиткода([0-9a-f]{40};(рабочаякопиябезизменений|вра"
                     r"бочейкопиибылинезафиксированныеизменения)|нет:)", text)
    manifest = (demo_report["revision"] / "manifest.json").read_text(encoding="utf-8")
    assert '"invocation"' in manifest and '"command": "oneclick --config' in manifest


def test_appendix_shows_only_the_parameters_used(pdf_pages: list[str]) -> None:
    text = _appendix(pdf_pages)
    assert "model.seed" in text and "segments.uplift" in text and "profit_unit" in text
    for unused in ("email.", "large_export", "compare.psi", "data_dir", "miss_cost",
                   "permutation_background"):
        assert unused not in text, unused
    assert "0,05" in text and not re.search(r"uplift 0\.05", text)


def test_glossary_explains_every_column_of_the_export_and_the_action_list(
        demo_report: dict, pdf_pages: list[str]) -> None:
    text = re.sub(r"\s+", " ", _appendix(pdf_pages))
    with (demo_report["revision"] / "scores.csv").open(encoding="utf-8-sig") as handle:
        action_columns = next(csv.reader(handle, delimiter=";"))  # the Excel-ready default
    for column in action_columns:
        assert column in text, column
    for column in ("Маркет_актив_6_мес", "Ошибка_сервиса", "Период", "минут", "Прибыль"):
        assert f"{column} " in text or f"{column} (" in text, column
    assert "Покупательская активность — Покупательская активность" not in text
