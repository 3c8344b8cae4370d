"""The loader's text: encodings (UTF-16, KOI8-R), NUL anywhere, control characters.

Issue 13, defect 4 (input side) and item 11. The policy is in the docstrings of
:mod:`analysis.data.load` and :mod:`analysis.data.encoding`: NUL is refused in
every encoding; every other control character is removed in every encoding and
disclosed per file and column with its lines.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analysis import glossary as g
from analysis.data.clients import load_export
from analysis.data.load import CONTROL_CHARACTERS
from report.cli import main
from report.text.quality import quality_text

FILES = ("market_file.csv", "market_money.csv", "market_time.csv", "money.csv")


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _reencode(path: Path, encoding: str) -> None:
    path.write_bytes(_text(path).encode(encoding))


def _validate(capsys: pytest.CaptureFixture[str], export: Path) -> tuple[int, str, str]:
    code = main(["validate", str(export)])
    out, err = capsys.readouterr()
    return code, out, err


def _line_of(text: str, needle: str) -> int:
    """Physical line (1-based) of the first line holding ``needle``."""
    return next(i for i, line in enumerate(text.split("\n"), start=1) if needle in line)


# --- UTF-16 and KOI8-R: read as what they are --------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_file_is_read_with_or_without_bom(export_dir: Path, encoding: str) -> None:
    """On main: «файл не является текстом (найдены нулевые байты)»."""
    canonical = load_export(export_dir)
    for name in ("market_file.csv", "money.csv"):
        _reencode(export_dir / name, encoding)
    data = load_export(export_dir)
    pd.testing.assert_frame_equal(data.clients, canonical.clients)
    assert data.quality.files["market_file.csv"]["encoding"] == encoding


def test_utf16_that_does_not_decode_says_utf16(export_dir: Path, capsys) -> None:
    path = export_dir / "money.csv"
    path.write_bytes(b"\xff\xfe" + _text(path).encode("utf-16-le")[:-1] + b"\x00\xd8")
    code, out, err = _validate(capsys, export_dir)
    assert code == 2 and "Traceback" not in out + err
    assert "money.csv" in err and "UTF-16" in err


@pytest.mark.parametrize("name", ["market_file.csv", "money.csv"])
def test_koi8r_file_is_not_read_as_cp1251(export_dir: Path, name: str) -> None:
    """On main a KOI8-R file decodes silently as cp1251 (headers become «пПХАШКЭ»)."""
    canonical = load_export(export_dir)
    _reencode(export_dir / name, "koi8-r")
    data = load_export(export_dir)
    pd.testing.assert_frame_equal(data.clients, canonical.clients)
    assert data.quality.files[name]["encoding"] == "koi8-r"


def test_cp1251_is_still_cp1251(export_dir: Path) -> None:
    canonical = load_export(export_dir)
    for name in FILES:
        _reencode(export_dir / name, "cp1251")
    data = load_export(export_dir)
    pd.testing.assert_frame_equal(data.clients, canonical.clients)
    assert {f["encoding"] for f in data.quality.files.values()} == {"cp1251"}


# --- NUL: refused wherever it is -------------------------------------------------------------


def test_nul_after_the_first_64_kib_is_refused(export_dir: Path, capsys) -> None:
    """On main only the first 64 KiB were checked: a late NUL reached the report."""
    path = export_dir / "market_file.csv"
    lines = _text(path).rstrip("\n").split("\n")
    lines = [lines[0] + ",Комментарий"] + [f"{row},{'примечание ' * 30}" for row in lines[1:]]
    lines[-1] += "\x00"
    text = "\n".join(lines) + "\n"
    path.write_text(text, encoding="utf-8")
    assert text.index("\x00") > 65536
    code, out, err = _validate(capsys, export_dir)
    assert code == 2, (out, err)
    assert "market_file.csv" in err and "нулевые байты" in err
    assert f"строки: {len(lines)}" in err


# --- other control characters: removed and disclosed, in every encoding ------------------------


CONTROLS = "\x1b[2J\x07\x0b\x0c\x7f"


@pytest.mark.parametrize(("encoding", "controls"), [
    ("utf-8", CONTROLS + "\x85\x9b"),
    ("utf-8-sig", CONTROLS),
    ("cp1251", CONTROLS),
    ("koi8-r", CONTROLS),
    ("utf-16", CONTROLS + "\x9b"),
], ids=["utf-8", "utf-8-sig", "cp1251", "koi8-r", "utf-16"])
def test_control_characters_are_removed_and_disclosed(export_dir: Path, encoding: str,
                                                      controls: str) -> None:
    """On main: kept raw in UTF-8 (on the terminal, openpyxl crashes); refused in cp1251."""
    path = export_dir / "market_file.csv"
    text = _text(path)
    category = "Кухонная посуда"
    dirty = text.replace(category, f"Кухонная{controls} посуда", 3)
    dirty = dirty.replace(",да,", ",да\x07,", 1)   # a closed value: «да» once removed
    path.write_bytes(dirty.encode(encoding))
    data = load_export(export_dir)

    text_columns = data.clients.select_dtypes(exclude="number")
    for column in text_columns:
        assert not text_columns[column].dropna().str.contains(CONTROL_CHARACTERS).any(), column
    entries = {e.column: e for e in data.quality.entries if e.code == "control_chars"}
    category_lines = [i for i, line in enumerate(dirty.split("\n"), start=1)
                      if f"Кухонная{controls}" in line]
    assert entries[g.CATEGORY].kind == "repair"
    assert entries[g.CATEGORY].file == "market_file.csv"
    assert entries[g.CATEGORY].count == 3
    assert entries[g.CATEGORY].details["lines"] == category_lines
    assert entries[g.PERMISSION].details["lines"] == [_line_of(dirty, ",да\x07,")]
    assert set(data.clients[g.PERMISSION].dropna()) == {"да", "нет"}
    assert (data.clients[g.CATEGORY] == "Кухонная[2J посуда").sum() == 3
    assert "строки файла: " + ", ".join(map(str, category_lines)) in quality_text(
        entries[g.CATEGORY])


def test_control_character_in_a_header_is_removed_and_disclosed(export_dir: Path) -> None:
    path = export_dir / "money.csv"
    path.write_text(_text(path).replace("Прибыль", "При\x1bбыль", 1), encoding="utf-8")
    data = load_export(export_dir)
    entry = next(e for e in data.quality.entries if e.code == "control_chars")
    assert (entry.file, entry.column, entry.details["lines"]) == ("money.csv", g.PROFIT, [1])


def test_validate_never_prints_a_control_character_from_the_data(export_dir: Path,
                                                                 capsys) -> None:
    path = export_dir / "market_file.csv"
    path.write_text(_text(path).replace("Кухонная посуда", "Кухонная\x1b[2J\x07 посуда"),
                    encoding="utf-8")
    code, out, err = _validate(capsys, export_dir)
    assert code == 0, err
    assert not CONTROL_CHARACTERS.search(out + err)
    assert "управляющие символы" in out
