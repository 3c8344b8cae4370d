"""Reliability of a whole run on bad input, an archive that cannot be written, a full disk."""

from __future__ import annotations

import contextlib
import errno
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest
from _reliability_runs import (
    PERIOD,
    RUN_TIMEOUT_S,
    assert_clean_failure,
    published,
    report_command,
    small_tmpfs,
)
from _render_sample import HEADER, write_sample_report

from report.archive.errors import ArchiveError
from report.archive.store import RevisionBuilder
from report.cli import main as oneclick_main

pytestmark = pytest.mark.slow

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
    assert status == 2  # refused before the analysis: the user's --out, not an internal fault
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
    assert status == 2  # refused before the analysis (no temporary file can be made there)
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
    render_html(qmd, run / "report.html", renderer="builtin")
    with pytest.raises(ArchiveError, match="no space left") as info, \
            RevisionBuilder(full_archive, PERIOD) as build:
        if stage == "html":
            render_html(qmd, build.path / "report.html", renderer="builtin")
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

