"""Reliability and security of a whole run on hostile text from the data.

Categories and a column name that would run a script, load a remote resource, be
evaluated by Jinja2 or parsed as TeX if they were not escaped: the HTML, PDF, action
list and a failed send (the run is ``hostile_run``, see ``_reliability_runs``).
"""

from __future__ import annotations

import http.server
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from _reliability_runs import PERIOD, cli_verify, digests, free_port, printed_revision

from analysis.data.quality import shorten_label
from report.cli import main as oneclick_main

pytestmark = pytest.mark.slow

class _Inspector(HTMLParser):
    """Tags, resource-loading attribute values, style/script contents and visible text."""

    LOADING = frozenset({"src", "href", "srcset", "style", "data", "poster", "background",
                         "action", "formaction", "xlink:href"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.loading: list[str] = []
        self.code: list[str] = []
        self.text: list[str] = []
        self._in_code = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self._in_code = tag in ("style", "script")
        self.loading += [value for name, value in attrs if name in self.LOADING and value]

    def handle_endtag(self, tag: str) -> None:
        self._in_code = False

    def handle_data(self, data: str) -> None:
        (self.code if self._in_code else self.text).append(data)


def squash(text: str) -> str:
    return " ".join(text.split())


def literals(texts: dict[str, str]) -> list[str]:
    """Pieces of the hostile text that must be shown exactly as they are in the data."""
    shown = [shorten_label(texts[k]).removesuffix("…") for k in ("html", "markup", "column")]
    pieces = ["<script>alert(1)</script>", "{{ 7*7 }}", "{% if true %}да{% endif %}",
              "{{< include x >}}", "$x^2$ $\\bad{$"]
    # a value longer than LABEL_LIMIT is cut with a disclosed «…»: what is shown must be literal
    return [*shown, *[p for p in pieces if any(p in s for s in shown)]]


def test_hostile_text_run_succeeds_with_every_figure(hostile_run: dict) -> None:
    done = hostile_run["done"]
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr and "skipped" not in done.stderr, done.stderr[-3000:]
    revision = printed_revision(done.stdout)
    assert revision == hostile_run["archive"] / PERIOD / "r1"
    assert cli_verify(revision) == 0
    # The category chart has the hostile values as tick labels: drawn, not skipped.
    assert (revision / "figures" / "categorical_shares.png").is_file()


def test_hostile_text_is_escaped_and_literal_in_html(hostile_run: dict) -> None:
    html = (hostile_run["archive"] / PERIOD / "r1" / "report.html").read_text(encoding="utf-8")
    page = _Inspector()
    page.feed(html)
    page.close()
    host = f"127.0.0.1:{hostile_run['port']}"
    assert "script" not in page.tags and "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert [value for value in page.loading if host in value] == []
    assert [code for code in page.code if host in code] == []
    text = squash("".join(page.text))
    for literal in literals(hostile_run["texts"]):
        assert squash(literal) in text, literal
    assert f"[link](http://{host}/) 49" not in text  # {{ 7*7 }} was not evaluated
    assert "49 {% if" not in text and "} да {{<" not in text


def test_hostile_text_is_literal_in_pdf(hostile_run: dict) -> None:
    pypdf = pytest.importorskip("pypdf")
    reader = pypdf.PdfReader(hostile_run["archive"] / PERIOD / "r1" / "report.pdf")
    text = re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))
    for literal in literals(hostile_run["texts"]):
        assert re.sub(r"\s+", "", literal) in text, literal


def test_hostile_text_in_action_list_is_not_a_formula(hostile_run: dict) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    revision = hostile_run["archive"] / PERIOD / "r1"
    assert "<script>alert(1)</script>" in (revision / "scores.csv").read_text(encoding="utf-8")
    book = openpyxl.load_workbook(revision / "scores.xlsx")
    assert [c.coordinate for sheet in book.worksheets for row in sheet.iter_rows() for c in row
            if c.data_type == "f"] == []


def test_rendering_hostile_text_made_no_request(hostile_run: dict) -> None:
    """Neither pandoc nor WeasyPrint fetched anything the data points at."""
    assert hostile_run["done"].returncode == 0
    assert hostile_run["requests"] == []


@pytest.mark.browser
@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs headless Chromium")
def test_hostile_report_loads_nothing_in_chromium(
    hostile_run: dict, recorder: http.server.ThreadingHTTPServer, tmp_path: Path
) -> None:
    from test_browser import LAPTOP, open_in_chromium, page_requests

    report = hostile_run["archive"] / PERIOD / "r1" / "report.html"
    port = hostile_run["port"]
    recorder.requests.clear()  # type: ignore[attr-defined]
    dom, _ = open_in_chromium(report, tmp_path / "profile", port, LAPTOP)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom
    assert page_requests(recorder) == []
    # Control: the same text unescaped does reach the recording server (without the
    # script, whose alert() would keep headless Chromium waiting).
    control = tmp_path / "control.html"
    raw = hostile_run["texts"]["html"].replace("<script>alert(1)</script>", "")
    control.write_text(report.read_text(encoding="utf-8").replace("</body>", raw + "</body>"),
                       encoding="utf-8")
    open_in_chromium(control, tmp_path / "profile-control", port, LAPTOP)
    assert any("/img.png" in request for request in page_requests(recorder))


def test_failed_send_leaves_the_revision_untouched(
    hostile_run: dict, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    revision = hostile_run["archive"] / PERIOD / "r1"
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ONECLICK_SMTP_USER", raising=False)
    monkeypatch.delenv("ONECLICK_SMTP_PASSWORD", raising=False)
    before = {k: v for k, v in digests(revision).items() if not k.startswith("deliveries/")}
    port = free_port()
    status = oneclick_main(["send", str(revision), "--to", "boss@example.ru", "--smtp-host",
                            "127.0.0.1", "--smtp-port", str(port), "--retries", "0"])
    assert status == 3
    assert f"127.0.0.1:{port}" in capsys.readouterr().err
    after = {k: v for k, v in digests(revision).items() if not k.startswith("deliveries/")}
    assert after == before
    assert cli_verify(revision) == 0

