"""Reliability and security of a whole run: hostile text, crashes, concurrency, full disks.

Every test here runs ``oneclick report`` end to end (mostly as a subprocess, as
cron would) on a 300-client demo export with a reduced model budget
(:data:`FAST_CONFIG`), so that one run takes a few seconds. The table of every
input and fault, with the test that shows its behaviour, is ``RELIABILITY.md``.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import http.server
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from test_render import HEADER, TITLE, recording_http_server, write_sample_report

from report.archive.errors import ArchiveError
from report.archive.listing import list_revisions
from report.archive.locks import STALE_TMP_MIN_AGE_S
from report.archive.store import RevisionBuilder
from report.cli import main as oneclick_main

pytestmark = pytest.mark.slow

PERIOD = "2026-11"
RUN_TIMEOUT_S = 300

FAST_CONFIG = """\
[model]
search_iter = 1
cv_repeats = 1
cv_folds = 3
bootstrap = 100
n_jobs = 1
families = ["dummy", "logreg"]

[shap]
background = 20
explain_sample = 60
example_clients = 1

[stats]
phik_sample = 200
"""

CATEGORY = "Популярная_категория"
# Text from the data that would do something if it were not escaped: run a script,
# load a remote image or stylesheet, become a Markdown link or image, be evaluated
# by Jinja2, include a file through a Quarto shortcode, or be parsed as TeX by
# matplotlib. BASE is replaced by the recording server's address.
HOSTILE_HTML = (
    "<script>alert(1)</script> <img src=BASE/img.png> "
    "<style>@import url(BASE/a.css);</style> <p style=\"background:url(BASE/b.png)\">"
)
HOSTILE_MARKUP = (
    "=1+1 ![x](BASE/m.png) [link](BASE/) {{ 7*7 }} {% if true %}да{% endif %} "
    "{{< include x >}} $x^2$ $\\bad{$"
)
HOSTILE_COLUMN = "<b>Заметка</b> {{ 7*7 }} <img src=BASE/col.png>"


# ----------------------------------------------------------------------------- helpers


@pytest.fixture(scope="module")
def config_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small ``oneclick.toml``: a few seconds per run instead of a minute."""
    path = tmp_path_factory.mktemp("config") / "oneclick.toml"
    path.write_text(FAST_CONFIG, encoding="utf-8")
    return path


def report_command(config: Path, data: Path, archive: Path) -> list[str]:
    """``oneclick report`` as cron runs it (quiet, built-in renderer)."""
    return [sys.executable, "-m", "report.cli", "--config", str(config), "report",
            "--data", str(data), "--period", PERIOD, "--out", str(archive),
            "--quiet", "--renderer", "builtin"]


def run_report(config: Path, data: Path, archive: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(report_command(config, data, archive), capture_output=True, text=True,
                          timeout=RUN_TIMEOUT_S, cwd=archive.parent, check=False)


def start_report(config: Path, data: Path, archive: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(report_command(config, data, archive), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=archive.parent)


def printed_revision(stdout: str) -> Path:
    """The revision path, printed as the last line of ``oneclick report``."""
    return Path(stdout.strip().splitlines()[-1])


def published(archive: Path) -> list[Path]:
    return sorted(archive.glob(f"{PERIOD}/r*"))


def cli_verify(revision: Path) -> int:
    """``oneclick archive verify REVISION``."""
    return oneclick_main(["archive", "verify", str(revision)])


def assert_unlocked(path: Path) -> None:
    """Nobody holds ``flock`` on ``path`` any more: a dead run left no stale lock."""
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        pytest.fail(f"{path} is still locked")
    finally:
        os.close(fd)


def assert_clean_failure(stderr: str, archive: Path) -> None:
    """One clear message naming the archive folder; no traceback, not an 'internal error'."""
    assert str(archive) in stderr, stderr
    assert "Traceback" not in stderr and "HasCallStack" not in stderr, stderr
    assert "Внутренняя ошибка" not in stderr, stderr


def digests(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@contextlib.contextmanager
def small_tmpfs(folder: Path, size: str, *options: str) -> Iterator[bool]:
    """Mount a tmpfs of ``size`` on ``folder``; yields False where mounting is not allowed."""
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0 or shutil.which("mount") is None:
        yield False
        return
    opts = ",".join([f"size={size}", *options])
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", opts, "tmpfs", str(folder)],
                          capture_output=True, check=False)
    if done.returncode != 0:
        yield False
        return
    try:
        yield True
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True, check=False)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# ------------------------------------------------------------------------ hostile text


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


def write_hostile_export(master: Path, target: Path, base: str) -> dict[str, str]:
    """The demo export with two new hostile categories (30 clients each) and a hostile column."""
    shutil.copytree(master, target)
    texts = {name: value.replace("BASE", base) for name, value in
             {"html": HOSTILE_HTML, "markup": HOSTILE_MARKUP, "column": HOSTILE_COLUMN}.items()}
    path = target / "market_file.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[10:39, CATEGORY] = texts["html"]
    frame.loc[50:79, CATEGORY] = texts["markup"]
    frame[texts["column"]] = texts["markup"]
    with path.open("w", encoding="utf-8", newline="") as handle:
        frame.to_csv(handle, index=False, lineterminator="\r\n")
    return texts


@pytest.fixture(scope="module")
def recorder() -> Iterator[http.server.ThreadingHTTPServer]:
    """The server every hostile URL points at; it records each request it gets."""
    with recording_http_server() as server:
        yield server


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory: pytest.TempPathFactory, demo_export_master: Path,
                config_file: Path, recorder: http.server.ThreadingHTTPServer) -> dict:
    """One full run on the hostile export; the requests the server saw during it."""
    folder = tmp_path_factory.mktemp("hostile")
    port = recorder.server_address[1]
    texts = write_hostile_export(demo_export_master, folder / "export", f"http://127.0.0.1:{port}")
    recorder.requests.clear()  # type: ignore[attr-defined]
    done = run_report(config_file, folder / "export", folder / "reports")
    return {"done": done, "texts": texts, "port": port, "archive": folder / "reports",
            "requests": list(recorder.requests)}  # type: ignore[attr-defined]


def literals(texts: dict[str, str]) -> list[str]:
    """Pieces of the hostile text that must be shown exactly as they are in the data."""
    html, markup, column = texts["html"], texts["markup"], texts["column"]
    return [html, markup, column, "<script>alert(1)</script>", "{{ 7*7 }}",
            "{% if true %}да{% endif %}", "{{< include x >}}", "$x^2$ $\\bad{$"]


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
    sheet = openpyxl.load_workbook(revision / "scores.xlsx").active
    assert [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"] == []


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


# ------------------------------------------------------------------------ crash safety


KILL_POINTS: dict[str, tuple[Callable[[Path], bool], float]] = {
    # (condition on the run's temporary folder, then seconds to wait before SIGKILL)
    # the folder exists; a second later the run is validating the export or modelling
    "analysis": (lambda tmp: True, 1.0),
    # results.json and tables written, the charts being drawn
    "figures": (lambda tmp: any((tmp / "figures").glob("*.png")), 0.0),
    # report.html written, WeasyPrint laying out the PDF
    "pdf": (lambda tmp: (tmp / "report.html").is_file(), 0.0),
}


def kill_at(point: str, config: Path, data: Path, archive: Path) -> list[str]:
    """Start a run, SIGKILL it once its temporary folder reaches ``point``; its files then."""
    ready, delay = KILL_POINTS[point]
    process = start_report(config, data, archive)
    deadline = time.monotonic() + RUN_TIMEOUT_S
    try:
        while (tmp := next(archive.glob(f".tmp-{PERIOD}-{process.pid}-*"), None)) is None \
                or not ready(tmp):
            if process.poll() is not None:
                pytest.fail(f"the run ended before {point!r}: {process.communicate()[1][-2000:]}")
            assert time.monotonic() < deadline, f"kill point {point!r} never reached"
            time.sleep(0.02)
        time.sleep(delay)
        assert process.poll() is None, f"the run ended before {point!r}"
        process.send_signal(signal.SIGKILL)
    finally:
        process.kill()
        process.communicate()
    assert process.returncode == -signal.SIGKILL
    return sorted(p.relative_to(tmp).as_posix() for p in tmp.rglob("*"))


def assert_nothing_published_and_unlocked(archive: Path) -> None:
    assert published(archive) == [] and list_revisions(archive) == []
    for path in [*archive.glob(".tmp-*"), archive / ".lock"]:
        if path.exists():
            assert_unlocked(path)


@pytest.mark.parametrize("point", list(KILL_POINTS))
def test_sigkill_leaves_no_revision_and_no_lock(
    point: str, config_file: Path, demo_export_master: Path, tmp_path: Path
) -> None:
    archive = tmp_path / "reports"
    files = kill_at(point, config_file, demo_export_master, archive)
    reached = {"analysis": "results.json" not in files, "figures": "results.json" in files,
               "pdf": "report.html" in files}
    assert reached[point], files
    assert_nothing_published_and_unlocked(archive)


def test_after_a_crash_two_runs_at_once_give_r1_and_r2(
    config_file: Path, demo_export_master: Path, tmp_path: Path
) -> None:
    """The runs after a SIGKILL succeed, even two started together for the same period.

    They publish r1 and r2 (both verify, with byte-identical results), and the dead
    run's temporary folder is removed by them once it is old enough.
    """
    archive = tmp_path / "reports"
    kill_at("figures", config_file, demo_export_master, archive)
    [leftover] = archive.glob(".tmp-*")
    assert_nothing_published_and_unlocked(archive)
    old = time.time() - 2 * STALE_TMP_MIN_AGE_S  # as if the crash was a while ago
    os.utime(leftover, (old, old))

    processes = [start_report(config_file, demo_export_master, archive) for _ in range(2)]
    outputs = [process.communicate(timeout=RUN_TIMEOUT_S) for process in processes]
    for process, (_, err) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, err[-3000:]
    revisions = sorted(printed_revision(out) for out, _ in outputs)
    assert revisions == [archive / PERIOD / "r1", archive / PERIOD / "r2"]
    assert published(archive) == revisions
    for revision in revisions:
        assert cli_verify(revision) == 0
    # The same export gives the same results; a run that finishes its analysis after
    # the other published r1 also compares with it, so that part may differ.
    first, second = (json.loads((revision / "results.json").read_text(encoding="utf-8"))
                     for revision in revisions)
    first.pop("comparison", None)
    second.pop("comparison", None)
    assert first == second
    assert not leftover.exists() and list(archive.glob(".tmp-*")) == []
    assert_unlocked(archive / ".lock")


# ------------------------------------------------------------------ bad input, archive


def test_bad_input_to_report_archives_nothing(
    config_file: Path, export_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = export_dir / "market_file.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    with path.open("w", encoding="utf-8", newline="") as handle:
        frame.drop(columns=["Страниц_за_визит"]).to_csv(handle, index=False)
    archive = tmp_path / "reports"
    assert oneclick_main(report_command(config_file, export_dir, archive)[3:]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    assert "market_file.csv" in err and "Страниц_за_визит" in err
    assert list(archive.iterdir()) == []  # no revision, no temporary folder


# ------------------------------------------------------------- archive cannot be written


def _unwritable_under_a_file(tmp_path: Path) -> Path:
    (tmp_path / "not-a-folder").write_text("x", encoding="utf-8")
    return tmp_path / "not-a-folder" / "reports"


def _unwritable_is_a_file(tmp_path: Path) -> Path:
    (tmp_path / "reports").write_text("x", encoding="utf-8")
    return tmp_path / "reports"


@pytest.mark.parametrize("make", [_unwritable_under_a_file, _unwritable_is_a_file],
                         ids=["parent-is-a-file", "archive-is-a-file"])
def test_unwritable_archive_is_a_clear_error(
    make: Callable[[Path], Path], config_file: Path, demo_export_master: Path, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    archive = make(tmp_path)
    status = oneclick_main(report_command(config_file, demo_export_master, archive)[3:])
    assert status == 1
    assert_clean_failure(capsys.readouterr().err, archive)


def test_read_only_filesystem_is_a_clear_error(
    config_file: Path, demo_export_master: Path, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with small_tmpfs(tmp_path / "ro", "1m", "ro") as mounted:
        if not mounted:
            pytest.skip("cannot mount a tmpfs here")
        archive = tmp_path / "ro" / "reports"
        status = oneclick_main(report_command(config_file, demo_export_master, archive)[3:])
        assert not archive.exists()
    assert status == 1
    assert_clean_failure(capsys.readouterr().err, archive)


# ------------------------------------------------------------------------------- full disk


_FSIZE_LIMIT = 64 * 1024


def _limited_command(command: list[str]) -> list[str]:
    """``command`` (a ``python -m report.cli`` line) with RLIMIT_FSIZE set and SIGXFSZ ignored."""
    code = ("import resource, signal, sys\n"
            "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
            f"resource.setrlimit(resource.RLIMIT_FSIZE, ({_FSIZE_LIMIT}, {_FSIZE_LIMIT}))\n"
            "from report.cli import main\n"
            "sys.exit(main(sys.argv[1:]))\n")
    return [command[0], "-c", code, *command[3:]]


@pytest.mark.parametrize("how", ["tmpfs-2m", "rlimit-fsize"])
def test_full_disk_is_a_clear_error_and_archives_nothing(
    how: str, config_file: Path, demo_export_master: Path, tmp_path: Path
) -> None:
    """2 MB fill up while the HTML is written; a 64 KiB file-size limit stops results.json."""
    folder = tmp_path / "disk"
    archive = folder / "reports"
    command = report_command(config_file, demo_export_master, archive)
    with small_tmpfs(folder, "2m") if how == "tmpfs-2m" else contextlib.nullcontext(True) as ok:
        if not ok:
            pytest.skip("cannot mount a tmpfs here")
        if how == "rlimit-fsize":
            command = _limited_command(command)
        done = subprocess.run(command, capture_output=True, text=True, timeout=RUN_TIMEOUT_S,
                              cwd=tmp_path, check=False)
        assert done.returncode == 1, done.stderr[-3000:]
        assert_clean_failure(done.stderr, archive)
        assert "no space left on device" in done.stderr or "file size limit" in done.stderr
        assert published(archive) == [] and list(archive.glob(".tmp-*")) == []


@pytest.fixture
def full_archive(tmp_path: Path) -> Iterator[Path]:
    """An archive folder on a 16 KiB tmpfs (skipped where mounting is not allowed)."""
    with small_tmpfs(tmp_path / "small", "16k") as mounted:
        if not mounted:
            pytest.skip("cannot mount a tmpfs here")
        yield tmp_path / "small" / "reports"


def test_full_disk_while_drawing_figures(hostile_run: dict, full_archive: Path,
                                         caplog: pytest.LogCaptureFixture) -> None:
    """Figures that cannot be saved are a disk problem, not figures 'skipped' one by one."""
    from figures.build import build_figures

    bundle = hostile_run["archive"] / PERIOD / "r1"
    with pytest.raises(ArchiveError, match="no space left") as info, \
            RevisionBuilder(full_archive, PERIOD) as build:
        build_figures(bundle, build.path / "figures")
    assert str(full_archive) in str(info.value)
    assert [r.getMessage() for r in caplog.records if "skipped" in r.getMessage()] == []
    assert list(full_archive.iterdir()) == []


@pytest.mark.parametrize("stage", ["html", "pdf"])
def test_full_disk_while_rendering(stage: str, full_archive: Path, tmp_path: Path) -> None:
    """pandoc and WeasyPrint failing to write are reported as a full archive, not a crash."""
    from report.render.html import render_html
    from report.render.pdf import render_pdf

    run = tmp_path / "run"
    qmd = write_sample_report(run)
    render_html(qmd, run / "report.html", renderer="builtin", title=TITLE, running_header=HEADER)
    with pytest.raises(ArchiveError, match="no space left") as info, \
            RevisionBuilder(full_archive, PERIOD) as build:
        if stage == "html":
            render_html(qmd, build.path / "report.html", renderer="builtin", title=TITLE,
                        running_header=HEADER)
        else:
            render_pdf(run / "report.html", build.path / "report.pdf", base_dir=run,
                       running_header=HEADER)
    assert str(full_archive) in str(info.value)
    assert list(full_archive.iterdir()) == []


def test_file_size_limit_is_reported_like_a_full_disk(tmp_path: Path) -> None:
    with pytest.raises(ArchiveError, match="file size limit") as info, \
            RevisionBuilder(tmp_path, PERIOD) as build:
        raise OSError(errno.EFBIG, "File too large", str(build.path / "report.pdf"))
    assert str(tmp_path) in str(info.value)
    assert [p.name for p in tmp_path.iterdir()] == []
