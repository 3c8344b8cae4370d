"""Whole runs of ``oneclick report`` for the reliability tests, shared by their modules.

Every reliability test runs ``oneclick report`` end to end (mostly as a subprocess, as
cron would) on a 300-client demo export with a reduced model budget
(:data:`FAST_CONFIG`), so that one run takes a few seconds. The table of every
input and fault, with the test that shows its behaviour, is ``RELIABILITY.md``.

The fixtures ``config_file``, ``recorder`` and ``hostile_run`` are registered in
``conftest.py`` and session-scoped, so the hostile run is made once for all modules.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import http.server
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from _render_sample import recording_http_server

from report.cli import main as oneclick_main

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


@pytest.fixture(scope="session")
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


@pytest.fixture(scope="session")
def recorder() -> Iterator[http.server.ThreadingHTTPServer]:
    """The server every hostile URL points at; it records each request it gets."""
    with recording_http_server() as server:
        yield server


@pytest.fixture(scope="session")
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

