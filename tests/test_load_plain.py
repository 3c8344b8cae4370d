"""A plain file split as a whole gives what csv gives record by record (analysis/data/load.py)."""

from __future__ import annotations

import random

import numpy as np
import pytest

from analysis.data import load
from analysis.data.load import CONTROL_CHARACTERS
from analysis.errors import InputError

PIECES = ["1", "2,5", " x", "a b", "", " ", "  ", "Косметика", "-", "NA", "\t", "z ", "\u00a0",
          "\u3000", " \u00a0 ", "x\u2028y", "x\x0by", "\x85", '"q"', "x\x07"]


def _text(rng: random.Random) -> tuple[str, str]:
    sep = rng.choice([";", ",", "\t", "|"])
    width = rng.randint(1, 4)
    end = rng.choice(["\n", "\r\n", "\r"])
    lines = [sep.join(f"c{i}{rng.choice(['', ' '])}" for i in range(width))]
    for _ in range(rng.randint(0, 8)):
        draw = rng.random()
        if draw < 0.08:
            lines.append("")
        elif draw < 0.14:
            lines.append(rng.choice([" ", "  ", "\t"]))
        else:
            n = width + (rng.choice([-1, 1, 2]) if rng.random() < 0.1 else 0)
            lines.append(sep.join(rng.choice(PIECES[:15] if rng.random() < 0.9 else PIECES)
                                  for _ in range(max(n, 0))))
    if rng.random() < 0.05:
        lines.insert(0, "")
    return end.join(lines) + (end if rng.random() < 0.7 else ""), sep


def _cells(parsed: load._Cells) -> tuple:
    return (parsed.header_line, parsed.header_cells, [list(r) for r in np.asarray(parsed.cells)],
            list(parsed.lines), parsed.controls, list(parsed.empty))


@pytest.mark.parametrize("seed", range(4))
def test_plain_split_equals_csv_records(seed: int) -> None:
    rng = random.Random(seed)
    plain = 0
    for _ in range(600):
        text, sep = _text(rng)
        fast = load._plain_cells(text, sep)
        try:
            slow = load._record_cells(text, sep, "market_file.csv",
                                      CONTROL_CHARACTERS.search(text) is not None)
        except InputError:               # a refused file never takes the plain path
            assert fast is None, repr(text)
            continue
        if fast is not None:
            plain += 1
            assert _cells(fast) == _cells(slow), repr(text)
    assert plain > 100                       # the plain path is taken often enough to be tested


@pytest.mark.parametrize("text", ['id;a\n1;"x"\n', "id;a\n1;x\x07\n", "id;a\n1;x\u2028\n",
                                  "id;a\n1\n", "id;a\n1;2;3\n"])
def test_quotes_controls_odd_breaks_and_widths_go_through_csv(text: str) -> None:
    assert load._plain_cells(text, ";") is None
