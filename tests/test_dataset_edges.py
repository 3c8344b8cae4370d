"""Edges of the export found by the second adversarial pass (issue 13, item 11).

Duplicate headers, spellings of a missing value, physical line numbers, ids
beyond int64, a folder or a named pipe in place of a file, a trailing row of
separators, and a 200 000-character category.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from analysis import glossary as g
from analysis.data.clients import load_export
from analysis.data.quality import LABEL_LIMIT
from analysis.data.schema import MISSING_SPELLINGS
from figures import theme
from figures.behaviour import plot_category_shares
from report.cli import main
from report.text.quality import quality_text

ROOT = Path(__file__).resolve().parents[1]


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").split("\n")


def _write(path: Path, lines: list[str]) -> None:
    path.write_text("\n".join(lines), encoding="utf-8", newline="")


def _set_cell(path: Path, row: int, column: str, value: str, sep: str = ",") -> None:
    """Set the cell of data row ``row`` (0-based) of a simple file without quotes."""
    lines = _lines(path)
    header = lines[0].split(sep)
    cells = lines[row + 1].split(sep)
    cells[header.index(column)] = value
    lines[row + 1] = sep.join(cells)
    _write(path, lines)


def _expect_input_error(capsys, export_dir: Path, *needles: str) -> str:
    code = main(["validate", str(export_dir)])
    out, err = capsys.readouterr()
    assert code == 2, (out, err)
    assert "Traceback" not in out + err
    assert len(err.strip().splitlines()) == 1, err
    for needle in needles:
        assert needle in err, (needle, err)
    return err


# --- duplicate header columns -----------------------------------------------------------------


@pytest.mark.parametrize("second", ["Длительность", " Длительность  "],
                         ids=["exact", "spaced"])
def test_duplicate_header_is_refused_naming_both(export_dir: Path, capsys, second: str) -> None:
    """On main an exact duplicate was used silently (pandas renamed it «Длительность.1»)."""
    path = export_dir / "market_file.csv"
    lines = _lines(path)
    position = lines[0].split(",").index("Длительность") + 1
    lines = [lines[0] + "," + second] + [f"{line},1" if line else line for line in lines[1:]]
    _write(path, lines)
    width = len(lines[0].split(","))
    _expect_input_error(capsys, export_dir, "market_file.csv", "«Длительность»",
                        "дважды", f"{position}-й", f"{width}-й")


# --- missing values: one list, any case ----------------------------------------------------------


@pytest.mark.parametrize("spelling", ["n/a", "N/A", "N/a", "NA", "na", "null", "NULL", "None",
                                      "-", "—", "nan", "NaN", "#N/A", "<NA>", "", " n/a "])
def test_every_missing_spelling_is_missing_in_any_case(export_dir: Path, spelling: str) -> None:
    """On main ``n/a`` (and ``N/a``, ``#N/A``, ``—``) was an error while ``N/A`` was missing."""
    assert spelling.strip().casefold() in MISSING_SPELLINGS
    path = export_dir / "market_file.csv"
    ids = [int(line.split(",")[0]) for line in _lines(path)[4:6]]
    for row in (3, 4):
        _set_cell(path, row, "Страниц_за_визит", spelling)
    _set_cell(path, 5, g.CATEGORY, spelling)
    data = load_export(export_dir)
    missing = {e.column: e.ids for e in data.quality.entries if e.code == "missing"}
    assert missing["Страниц_за_визит"] == tuple(ids)
    assert g.CATEGORY in missing
    assert set(ids) <= data.quality.excluded_ids


def test_a_word_that_is_not_a_missing_spelling_is_still_an_error(export_dir: Path,
                                                                 capsys) -> None:
    _set_cell(export_dir / "market_file.csv", 3, "Страниц_за_визит", "n.a.")
    _expect_input_error(capsys, export_dir, "Страниц_за_визит", "n.a.", "строки: 5")


# --- physical line numbers ---------------------------------------------------------------------


def test_line_numbers_are_physical_after_quoted_newlines_and_blank_lines(export_dir: Path,
                                                                        capsys) -> None:
    """On main the line was off by one for each quoted line break and blank line before it."""
    path = export_dir / "market_file.csv"
    lines = _lines(path)
    lines[2] = lines[2].replace("стандарт", '"стандарт\n"', 1)   # a value on two lines
    lines[4:4] = ["", ""]                                         # two blank lines
    lines[9] = lines[9].replace("Прежний уровень", "Выросла").replace("Снизилась", "Выросла")
    text = "\n".join(lines)
    path.write_text(text, encoding="utf-8", newline="")
    physical = next(i for i, line in enumerate(text.split("\n"), start=1) if "Выросла" in line)
    assert physical == 11   # header, 6 rows (one on two lines), two blank lines, this row
    _expect_input_error(capsys, export_dir, g.TARGET, "Выросла", f"строки: {physical})")


# --- ids beyond int64 --------------------------------------------------------------------------


@pytest.mark.parametrize("big", [2**63, 2**64 + 1, 10**30], ids=["2^63", "2^64+1", "1e30"])
def test_id_beyond_int64_is_out_of_range(export_dir: Path, capsys, big: int) -> None:
    """On main: «дубликаты» (two ids that wrap alike) or a negative id in the message."""
    first, second = (line.split(",")[0] for line in _lines(export_dir / "market_file.csv")[1:3])
    for name in ("market_file.csv", "market_money.csv", "market_time.csv", "money.csv"):
        path = export_dir / name
        sep = ";" if name == "money.csv" else ","
        text = path.read_text(encoding="utf-8")
        text = text.replace(f"\n{first}{sep}", f"\n{big}{sep}")
        text = text.replace(f"\n{second}{sep}", f"\n{big + 1}{sep}")
        path.write_text(text, encoding="utf-8")
    err = _expect_input_error(capsys, export_dir, "market_file.csv", "«id»",
                              "id вне допустимого диапазона", str(big), "строки: 2, 3")
    assert "дубликат" not in err and "-" + str(2**63)[:5] not in err


# --- a folder or a named pipe instead of a file ------------------------------------------------


def test_folder_named_as_an_export_file_has_its_own_message(export_dir: Path, capsys) -> None:
    path = export_dir / "money.csv"
    path.unlink()
    path.mkdir()
    err = _expect_input_error(capsys, export_dir, "money.csv", "папка, а не файл")
    assert "не найден" not in err


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes on this system")
def test_fifo_named_as_an_export_file_is_refused_without_hanging(export_dir: Path) -> None:
    """Run as a subprocess with a timeout: reading a FIFO without a writer would block forever."""
    path = export_dir / "market_time.csv"
    path.unlink()
    os.mkfifo(path)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "report.cli", "validate", str(export_dir)],
                          capture_output=True, text=True, timeout=120, env=env, cwd=ROOT)
    assert done.returncode == 2, done.stderr
    assert "market_time.csv" in done.stderr and "FIFO" in done.stderr
    assert "не найден" not in done.stderr and "Traceback" not in done.stderr


# --- a trailing row of separators ----------------------------------------------------------------


@pytest.mark.parametrize(("name", "tail"), [("market_file.csv", ",,,,,,,,,,,,\n"),
                                             ("money.csv", ";\n"),
                                             ("market_money.csv", ",,\n ,  ,\n")])
def test_trailing_rows_of_separators_are_dropped_and_disclosed(export_dir: Path, name: str,
                                                               tail: str) -> None:
    """On main: «id клиента пуст» (exit 2) for an export that holds nothing wrong."""
    path = export_dir / name
    text = path.read_text(encoding="utf-8")
    canonical = load_export(export_dir).clients
    path.write_text(text + tail, encoding="utf-8")
    first = text.count("\n") + 1
    data = load_export(export_dir)
    pd.testing.assert_frame_equal(data.clients, canonical)
    entry = next(e for e in data.quality.entries if e.code == "empty_rows")
    expected = list(range(first, first + tail.count("\n")))
    assert (entry.file, entry.count, entry.details["lines"]) == (name, len(expected), expected)
    assert ", ".join(map(str, expected)) in quality_text(entry)


# --- a 200 000-character category ----------------------------------------------------------------


HUGE = "Очень длинная категория " + "Ж" * 200_000


def test_huge_category_is_kept_and_its_shortening_disclosed(export_dir: Path) -> None:
    path = export_dir / "market_file.csv"
    ids = []
    for row in (0, 1):
        ids.append(int(_lines(path)[row + 1].split(",")[0]))
        _set_cell(path, row, g.CATEGORY, HUGE)
    data = load_export(export_dir)
    assert (data.clients[g.CATEGORY] == HUGE).sum() == 2          # the data is not changed
    entry = next(e for e in data.quality.entries if e.code == "long_label")
    assert (entry.kind, entry.column, entry.count, entry.ids) == (
        "warning", g.CATEGORY, 2, tuple(sorted(ids)))
    assert entry.details["longest"] == len(HUGE)
    text = quality_text(entry)
    assert len(text) < 400 and "…" in text and "200\u202f024" in text
    new = next(e for e in data.quality.entries if e.code == "new_category")
    assert len(quality_text(new)) < 200


def test_huge_category_label_is_shortened_on_the_chart() -> None:
    """On main the tick label held all 200 024 characters (wrapped words are never broken)."""
    with theme.style():
        fig = Figure(figsize=(theme.WIDTH, 3))
        canvas = FigureCanvasAgg(fig)
        ax = fig.subplots()
        plot_category_shares(ax, ["Кухонная посуда", HUGE], [0.3, 0.5], [40, 2], 0.4)
        canvas.draw()
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[0] == "Кухонная посуда"
    assert len(labels[1].replace("\n", "")) <= LABEL_LIMIT
    assert labels[1].endswith("…")
    assert max(len(part) for part in labels[1].split("\n")) <= 28
    assert labels[1].count("\n") <= 1                         # two lines at most
    assert fig.get_tightbbox(canvas.get_renderer()).width < 2 * theme.WIDTH


@pytest.mark.parametrize("where", ["value", "header"])
def test_huge_text_is_shortened_in_an_error_message(export_dir: Path, capsys, where: str) -> None:
    """On main the one-line message carried all 200 024 characters."""
    path = export_dir / "market_file.csv"
    if where == "value":
        _set_cell(path, 2, g.SERVICE, HUGE)
    else:
        lines = _lines(path)
        lines[0] = lines[0].replace(g.SERVICE, HUGE)
        _write(path, lines)
    err = _expect_input_error(capsys, export_dir, "market_file.csv", g.SERVICE, "…")
    assert len(err) < 1000


# --- rows that do not fit the header ----------------------------------------------------------


@pytest.mark.parametrize(("edit", "problem"), [
    (lambda line: line + ",лишнее", "больше значений"),
    (lambda line: line.rsplit(",", 1)[0], "меньше значений"),
    (lambda line: line.replace(",", ',"', 1), "кавычки"),
], ids=["extra-value", "missing-value", "open-quote"])
def test_row_that_does_not_fit_the_header_names_its_line(export_dir: Path, capsys, edit,
                                                         problem: str) -> None:
    path = export_dir / "market_file.csv"
    lines = _lines(path)
    lines[1:1] = [""]                     # a blank line first: the line named is physical
    lines[7] = edit(lines[7])
    _write(path, lines)
    _expect_input_error(capsys, export_dir, "market_file.csv", problem, "строки: 8")


def test_empty_trailing_values_beyond_the_header_are_ignored(export_dir: Path) -> None:
    path = export_dir / "market_money.csv"
    canonical = load_export(export_dir).clients
    _write(path, [line + ",," if line and i else line for i, line in enumerate(_lines(path))])
    pd.testing.assert_frame_equal(load_export(export_dir).clients, canonical)
