"""Files are read and validated one at a time; the message is the one reading all first gives."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from analysis.data.clients import load_export
from analysis.data.demo.write import write_demo_export
from analysis.errors import InputError


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("export")
    write_demo_export(folder, n_clients=200, seed=3)
    return folder


def _broken(export: Path, tmp_path: Path) -> Path:
    """market_file.csv (read first) with a word in a numeric column."""
    folder = tmp_path / "data"
    shutil.copytree(export, folder)
    path = folder / "market_file.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    header = lines[0].rstrip("\r\n").split(";" if ";" in lines[0] else ",")
    sep = ";" if ";" in lines[0] else ","
    cells = lines[1].rstrip("\r\n").split(sep)
    cells[header.index("Длительность")] = "много"
    lines[1] = sep.join(cells) + "\n"
    path.write_text("".join(lines), encoding="utf-8")
    return folder


def test_a_bad_value_is_named_when_every_file_reads(export: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="Длительность"):
        load_export(_broken(export, tmp_path))


def test_a_file_that_cannot_be_read_is_named_before_a_bad_value(export: Path,
                                                                 tmp_path: Path) -> None:
    folder = _broken(export, tmp_path)
    (folder / "money.csv").unlink()
    with pytest.raises(InputError, match=r"money\.csv"):
        load_export(folder)
