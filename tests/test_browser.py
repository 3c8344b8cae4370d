"""The rendered HTML in a real browser: headless Chromium, offline, one laptop screen.

Chromium runs with every connection sent to a local recording proxy, so any
request the report makes (a font, a script, an image from a CDN) is seen. A
probe script, added to a copy of the report, measures the page after it
loads and writes the numbers into the DOM, which ``--dump-dom`` prints.
"""

from __future__ import annotations

import html as html_lib
import os
import re
import shutil
import signal
import subprocess
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from _render_sample import TITLE, recording_http_server, write_sample_report

from report.render.html import render_html

CHROMIUM = shutil.which("chromium")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="needs headless Chromium (tests/setup_browser.sh)"),
]

# Chromium's own background traffic (component updater, Google account check,
# network time), made whatever page is open; everything else is the page's.
BROWSER_OWN_HOSTS = frozenset(
    {"update.googleapis.com", "accounts.google.com", "clients2.google.com"}
)

# A common laptop screen; Chromium's viewport is then about 1366×625 CSS px.
LAPTOP = "1366,768"

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--virtual-time-budget=5000",
    "--enable-logging=stderr",
    "--v=0",
]

PROBE = """
<script>
window.addEventListener("load", () => {
  const end = document.getElementById("exec-summary-end");
  const images = [...document.images];
  const probe = document.createElement("div");
  probe.id = "probe";
  probe.dataset.summaryBottom = Math.ceil(end.getBoundingClientRect().bottom + window.scrollY);
  probe.dataset.viewportHeight = window.innerHeight;
  probe.dataset.viewportWidth = window.innerWidth;
  probe.dataset.scrollWidth = document.documentElement.scrollWidth;
  probe.dataset.images = images.length;
  probe.dataset.imagesLoaded = images.filter((i) => i.complete && i.naturalWidth > 0).length;
  probe.dataset.resources = performance.getEntriesByType("resource").map((e) => e.name).join(" ");
  document.body.appendChild(probe);
});
</script>
"""


@pytest.fixture(scope="module")
def report_html(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample report rendered by the built-in renderer."""
    run = tmp_path_factory.mktemp("browser-run")
    out = run / "report.html"
    qmd = write_sample_report(run)
    render_html(qmd, out, renderer="builtin")
    return out


@pytest.fixture
def proxy() -> Iterator[ThreadingHTTPServer]:
    """A local server that Chromium uses as its proxy for every connection."""
    with recording_http_server() as server:
        yield server


def with_probe(report: Path, target: Path, extra: str = "") -> Path:
    """A copy of ``report`` with the probe script (and ``extra`` markup) before ``</body>``."""
    text = report.read_text(encoding="utf-8")
    target.write_text(text.replace("</body>", PROBE + extra + "</body>"), encoding="utf-8")
    return target


def open_in_chromium(page: Path, profile: Path, proxy_port: int, window: str) -> tuple[str, str]:
    """Load ``page`` in headless Chromium; returns the dumped DOM and the browser log."""
    command = [
        CHROMIUM or "chromium",
        *FLAGS,
        f"--user-data-dir={profile}",
        f"--proxy-server=http://127.0.0.1:{proxy_port}",
        "--proxy-bypass-list=<-loopback>",
        f"--window-size={window}",
        "--dump-dom",
        page.as_uri(),
    ]
    with subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    ) as process:
        try:
            dom, log = process.communicate(timeout=90)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            pytest.fail("Chromium did not finish in 90 s")
    assert process.returncode == 0, log[-2000:]
    return dom, log


def page_requests(server: ThreadingHTTPServer) -> list[str]:
    """Requests the proxy saw, minus Chromium's own background traffic."""
    seen = []
    for request in server.requests:  # type: ignore[attr-defined]
        method, target = request.split(" ", 1)
        host = target.split(":")[0] if method == "CONNECT" else urlsplit(target).hostname
        if host not in BROWSER_OWN_HOSTS:
            seen.append(request)
    return seen


def probe_values(dom: str) -> dict[str, str]:
    match = re.search(r'<div id="probe"([^>]*)>', dom)
    assert match, "the probe script did not run"
    return {
        name: html_lib.unescape(value)
        for name, value in re.findall(r'data-([a-z-]+)="([^"]*)"', match[1])
    }


def console_errors(log: str) -> list[str]:
    return [line for line in log.splitlines() if "CONSOLE" in line or "Uncaught" in line]


def test_report_opens_offline_and_summary_fits_a_laptop_screen(
    report_html: Path, tmp_path: Path, proxy: ThreadingHTTPServer
) -> None:
    port = proxy.server_address[1]
    dom, _ = open_in_chromium(report_html, tmp_path / "p1", port, LAPTOP)
    assert f"<title>{TITLE}</title>" in dom
    assert '<nav id="TOC" role="doc-toc">' in dom
    assert "Главное" in dom

    page = with_probe(report_html, tmp_path / "probe.html")
    dom, log = open_in_chromium(page, tmp_path / "p2", port, LAPTOP)
    probe = probe_values(dom)
    assert page_requests(proxy) == []
    assert probe["resources"] == ""
    assert int(probe["images"]) >= 1
    assert probe["images-loaded"] == probe["images"]
    assert int(probe["summary-bottom"]) <= int(probe["viewport-height"]), probe
    assert int(probe["scroll-width"]) <= int(probe["viewport-width"])
    assert console_errors(log) == []


def test_narrow_window_has_no_horizontal_scroll_even_with_a_wide_table(
    report_html: Path, tmp_path: Path, proxy: ThreadingHTTPServer
) -> None:
    port = proxy.server_address[1]
    cells = "".join('<td class="num">1\u202f234\u202f567 ₽</td>' for _ in range(14))
    wide_table = f"<table><tbody><tr>{cells}</tr></tbody></table>"
    page = with_probe(report_html, tmp_path / "probe.html", wide_table)
    dom, log = open_in_chromium(page, tmp_path / "profile", port, "800,1000")
    probe = probe_values(dom)
    assert int(probe["scroll-width"]) <= int(probe["viewport-width"]), probe
    assert console_errors(log) == []


def test_the_recording_proxy_does_see_remote_requests(
    report_html: Path, tmp_path: Path, proxy: ThreadingHTTPServer
) -> None:
    """Control: a remote image added to the page is requested and recorded."""
    port = proxy.server_address[1]
    extra = '<img src="http://cdn.example.invalid/remote.png" alt="">'
    page = with_probe(report_html, tmp_path / "remote.html", extra)
    dom, _ = open_in_chromium(page, tmp_path / "profile", port, "1440,900")
    assert "GET http://cdn.example.invalid/remote.png" in page_requests(proxy)
    assert "cdn.example.invalid" in probe_values(dom)["resources"]
