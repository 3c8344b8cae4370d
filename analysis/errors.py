"""The one error type that stops a run because of the input, never with a traceback."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["InputError", "format_items"]


def format_items(items: Sequence[object], limit: int = 5) -> str:
    """Show the first ``limit`` items and how many more there are."""
    shown = ", ".join(str(item) for item in items[:limit])
    rest = len(items) - limit
    return f"{shown} … и ещё {rest}" if rest > 0 else shown


class InputError(Exception):
    """The export cannot be used as it is.

    Parameters
    ----------
    file
        File name of the export (``market_file.csv``) or the folder.
    problem
        What is wrong, in plain words.
    expected
        What the tool expected instead.
    column
        Column concerned, when there is one.
    rows
        Line numbers in the file (1 = header) or client ids concerned.
    rows_are_ids
        Whether ``rows`` holds client ids rather than line numbers.
    noun
        The word before ``file`` in the message («файл»); empty when ``file`` names
        something that is not a file (``командная строка``).
    """

    def __init__(
        self,
        file: str,
        problem: str,
        expected: str,
        column: str | None = None,
        rows: Sequence[object] = (),
        rows_are_ids: bool = False,
        noun: str = "файл",
    ) -> None:
        self.file = file
        self.noun = noun
        self.problem = problem
        self.expected = expected
        self.column = column
        self.rows = list(rows)
        self.rows_are_ids = rows_are_ids
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """One line that names the file, the column, the rows and what was expected."""
        parts = [f"Ошибка во входных данных: {self.noun} {self.file}".replace(":  ", ": ")]
        if self.column is not None:
            parts.append(f"столбец «{self.column}»")
        text = ", ".join(parts) + f": {self.problem}"
        if self.rows:
            what = "id клиентов" if self.rows_are_ids else "строки"
            text += f" ({what}: {format_items(self.rows)})"
        return text + f". Ожидалось: {self.expected}."

    def to_dict(self) -> dict[str, object]:
        """Machine-readable form for ``--json`` output."""
        return {
            "file": self.file,
            "column": self.column,
            "problem": self.problem,
            "expected": self.expected,
            "rows": [str(r) for r in self.rows[:20]],
            "rows_are_ids": self.rows_are_ids,
            "message": self.message,
        }
