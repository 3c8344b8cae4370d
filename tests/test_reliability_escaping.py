"""Hostile text in every text column of the export, end to end (issue 13, defects 1 and 4).

Two runs of ``oneclick report`` (in process, so that WeasyPrint's URL fetcher can be
watched) on the demo export with hostile text wherever the export accepts text: the
category (on 40 clients whose activity declined, so that it becomes the categorical
driver, an example client's reason and a figure title), a new column in each of the
four files (its header and its cells), ANSI escapes, BEL and a right-to-left override.
The second month has other hostile categories, so its «Что изменилось» section names
new and vanished values. The closed columns (target, service type, permission, period)
refuse unknown text with exit 2: ``test_console.py`` checks that message.

Every URL in the text points at a recording HTTP server, which is also the HTTP proxy
of the runs: any request, from pandoc, WeasyPrint or anything else, is recorded.
"""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from _reliability_runs import CATEGORY
from _render_sample import recording_http_server

from analysis import glossary as g
from analysis.data.load import CONTROL_CHARACTERS
from analysis.data.quality import shorten_label
from report.cli import main as oneclick_main

pytestmark = pytest.mark.slow

PERIODS = ("2026-10", "2026-11")
MONTH_ONE = {  # category → how many clients get it (declined ones first)
    '<img src="BASE/x.png"><script>alert(1)</script>': 40,
    "=1+1 ![x](BASE/m.png) [ссылка](BASE/) {{ 7*7 }} {% if true %}да{% endif %} "
    "{{< include x >}} $x^2$ `код` <!-- %a+ [%] .* --> 1. ...\x1b[2J\x07": 30,
}
MONTH_TWO = {
    "</td></tr></table><iframe src=BASE/f.html> **жирный** \u202eRTL": 40,
    "<style>@import url(BASE/a.css);</style> ~~зачёркнуто~~ &amp;\x1b]0;title\x07": 30,
}
COLUMN = "<b>Заметка</b> {{ 7*7 }} <img src=BASE/col.png> $y$\x1b[31m"
CELL = "<script>alert(2)</script>\x07"
CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202e]")
TERMINAL_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _pieces(text: str) -> list[str]:
    """The parts of ``text`` that must appear literally (controls and bidi marks aside)."""
    return [p for p in re.split(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e]+|\]0;title", text) if p]


def _needle(text: str) -> str:
    """What the report shows of a value: controls stripped by the loader, a long value cut
    (the disclosed «…», :func:`analysis.data.quality.shorten_label`) — without the «…»."""
    return shorten_label(CONTROL_CHARACTERS.sub("", text).strip()).removesuffix("…")


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _write_export(master: Path, target: Path, categories: dict[str, int],
                  base: str) -> dict:
    """The demo export with hostile categories and a hostile new column in every file."""
    target.mkdir(parents=True)
    texts = {k.replace("BASE", base): n for k, n in categories.items()}
    for path in master.glob("*.csv"):
        sep = ";" if path.name == "money.csv" else ","
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, sep=sep)
        if path.name == "market_file.csv":
            declined = frame.index[frame[g.TARGET] == g.DECLINED].tolist()
            stable = frame.index[frame[g.TARGET] != g.DECLINED].tolist()
            (first, n1), (second, n2) = texts.items()
            frame.loc[declined[:n1], CATEGORY] = first
            frame.loc[stable[:n2], CATEGORY] = second
        frame[COLUMN.replace("BASE", base)] = CELL
        with (target / path.name).open("w", encoding="utf-8", newline="") as handle:
            frame.to_csv(handle, index=False, sep=sep, lineterminator="\n")
    return {"categories": list(texts), "column": COLUMN.replace("BASE", base)}


def _oneclick(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = oneclick_main(list(argv))
    return status, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory, demo_export_master: Path,
         config_file: Path) -> Iterator[dict]:
    """Two months of hostile exports, reported; every URL WeasyPrint was asked for."""
    from report.render import pdf

    folder = tmp_path_factory.mktemp("escaping")
    fetched: list[str] = []
    original = pdf.LocalOnlyURLFetcher.fetch

    def recording_fetch(self: pdf.LocalOnlyURLFetcher, url: str, headers: object = None):
        fetched.append(url)
        return original(self, url, headers)  # type: ignore[arg-type]

    with recording_http_server() as server, pytest.MonkeyPatch.context() as patch:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
            patch.setenv(name, base)
        patch.setenv("no_proxy", "")
        patch.setattr(pdf.LocalOnlyURLFetcher, "fetch", recording_fetch)
        result: dict = {"archive": folder / "reports", "fetched": fetched, "months": []}
        for period, categories in zip(PERIODS, (MONTH_ONE, MONTH_TWO), strict=True):
            export = folder / f"export-{period}"
            texts = _write_export(demo_export_master, export, categories, base)
            status, out, err = _oneclick(
                "--config", str(config_file), "report", "--data", str(export), "--period",
                period, "--out", str(result["archive"]), "--quiet", "--renderer", "builtin")
            result["months"].append({"texts": texts, "status": status, "out": out, "err": err,
                                     "revision": result["archive"] / period / "r1",
                                     "export": export})
        result["validate"] = _oneclick("validate", str(result["months"][0]["export"]))
        result["requests"] = list(server.requests)  # type: ignore[attr-defined]
        yield result


class _Page(HTMLParser):
    """Tags, every attribute value, style/script/title contents and the visible text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str, str]] = []
        self.text: list[str] = []
        self.code: list[str] = []
        self._hidden = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes += [(tag, name, value or "") for name, value in attrs]
        self._hidden = tag in ("style", "script", "title")

    def handle_endtag(self, tag: str) -> None:
        self._hidden = False

    def handle_data(self, data: str) -> None:
        (self.code if self._hidden else self.text).append(data)


def _page(revision: Path) -> tuple[_Page, str]:
    html = (revision / "report.html").read_text(encoding="utf-8")
    page = _Page()
    page.feed(html)
    page.close()
    return page, html


def _all_texts(month: dict) -> list[str]:
    return [*month["texts"]["categories"], month["texts"]["column"]]


def test_both_hostile_months_are_reported(runs: dict) -> None:
    for month in runs["months"]:
        assert month["status"] == 0, month["err"][-3000:]
        assert "Traceback" not in month["err"] and "Внутренняя ошибка" not in month["err"]
        assert Path(month["out"].strip().splitlines()[-1]) == month["revision"]
        assert (month["revision"] / "report.pdf").is_file()


def test_hostile_text_is_literal_and_inert_in_html(runs: dict) -> None:
    for month in runs["months"]:
        page, html = _page(month["revision"])
        assert not {"script", "iframe", "object", "embed", "base", "link", "b"} & set(page.tags)
        loading = [(tag, name, value) for tag, name, value in page.attributes
                   if name in {"src", "href", "srcset", "data", "poster", "background",
                               "action", "formaction", "xlink:href"}
                   and not value.startswith(("data:", "#"))]
        assert loading == []
        assert not [a for a in page.attributes  # ids made from headings hold the text, inert
                    if a[1] != "id" and ("127.0.0.1" in a[2] or "url(" in a[2])]
        assert not [code for code in page.code if "127.0.0.1" in code or "@import" in code]
        assert CONTROLS.search(html.replace("\u202e", "")) is None
        text = _squash("".join(page.text))
        for hostile in _all_texts(month):
            for piece in _pieces(_needle(hostile)):
                assert _squash(piece) in text, piece
        # the categorical driver and an example client name the category on page 1 and below
        first = _squash(_pieces(_needle(month["texts"]["categories"][0]))[0])
        assert text.count(first) >= 4


def test_changes_section_names_new_and_vanished_hostile_values_literally(runs: dict) -> None:
    page, _ = _page(runs["months"][1]["revision"])
    text = _squash("".join(page.text))
    section = text[text.index("Новыеиисчезнувшиезначениякатегорий"):]
    for hostile in (*runs["months"][0]["texts"]["categories"],
                    *runs["months"][1]["texts"]["categories"]):
        assert _squash(_pieces(_needle(hostile))[0]) in section


def test_hostile_text_is_literal_in_pdf(runs: dict) -> None:
    pypdf = pytest.importorskip("pypdf")
    for month in runs["months"]:
        reader = pypdf.PdfReader(month["revision"] / "report.pdf")
        text = _squash("".join(page.extract_text() for page in reader.pages))
        for hostile in month["texts"]["categories"]:
            assert _squash(_pieces(_needle(hostile))[0]) in text, hostile


def test_nothing_was_fetched_from_the_network(runs: dict) -> None:
    """No request reached the recording server (also the runs' proxy); WeasyPrint was asked
    only for data: URLs and files of the run folder and the fonts."""
    import matplotlib

    assert runs["requests"] == []
    fonts = Path(matplotlib.get_data_path()).resolve().as_uri()
    archive = runs["archive"].resolve().as_uri()
    assert runs["fetched"], "WeasyPrint fetched nothing at all: the recording is broken"
    assert [u for u in runs["fetched"] if not u.startswith(("data:", fonts, archive))] == []


def test_action_list_holds_the_text_without_controls_or_formulas(runs: dict) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    for month in runs["months"]:
        revision = month["revision"]
        book = openpyxl.load_workbook(revision / "scores.xlsx")
        cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
        assert [c.coordinate for c in cells if c.data_type == "f"] == []
        texts = [c.value for c in cells if isinstance(c.value, str)]
        assert not [t for t in texts if CONTROLS.search(t.replace("\u202e", ""))]
        first = _pieces(month["texts"]["categories"][0])[0]
        assert any(first in t for t in texts)
        scores = pd.read_csv(revision / "scores.csv", sep=";", encoding="utf-8-sig", dtype=str,
                             keep_default_na=False)
        assert any(first in cell for cell in scores.to_numpy().ravel())


def test_nothing_from_the_data_reaches_the_terminal_raw(runs: dict) -> None:
    status, out, err = runs["validate"]
    assert status == 0, err
    for month in runs["months"]:
        assert TERMINAL_UNSAFE.search(month["out"] + month["err"]) is None
    assert TERMINAL_UNSAFE.search(out + err) is None
    # the new category is shown (cut as disclosed), escaped
    assert _needle(runs["months"][0]["texts"]["categories"][0]) in out
    assert "Заметка" in out  # the extra column is named
