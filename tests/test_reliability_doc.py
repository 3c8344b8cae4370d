"""RELIABILITY.md names real tests: every ``tests/FILE::TEST`` (and ``::TEST`` shorthand) exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NODE = re.compile(r"`(tests/[\w/]+\.py)?::(\w+)(?:\[[^`]*\])?`")


def _named_tests(text: str) -> list[tuple[str, str]]:
    """``(file, test)`` for every node id of the table; ``::TEST`` takes the file before it."""
    named: list[tuple[str, str]] = []
    for line in text.splitlines():
        if not line.startswith("| "):
            continue
        current = None
        for file, test in NODE.findall(line):
            current = file or current
            assert current is not None, f"a ::{test} with no file before it: {line[:60]}"
            named.append((current, test))
    return named


def test_every_test_named_in_reliability_md_exists() -> None:
    named = _named_tests((ROOT / "RELIABILITY.md").read_text(encoding="utf-8"))
    assert len(named) > 100
    missing = []
    for file, test in named:
        path = ROOT / file
        if not path.is_file() or not re.search(rf"^\s*def {test}\(", path.read_text(
                encoding="utf-8"), re.M):
            missing.append(f"{file}::{test}")
    assert not missing, missing


def test_rows_are_numbered_once() -> None:
    numbers = re.findall(r"^\| (\w+) \|", (ROOT / "RELIABILITY.md").read_text(encoding="utf-8"),
                         re.M)
    numbers = [n for n in numbers if n[0].isdigit()]
    assert len(numbers) == len(set(numbers)), sorted(n for n in numbers if numbers.count(n) > 1)
