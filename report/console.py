"""What the terminal shows: plain-text summaries, with text from the data escaped.

Nothing from the data reaches a terminal as it is: an ANSI escape (``\\x1b[2J``)
would clear the screen or retitle the window, a BEL would ring, a carriage return
or a bidirectional override (U+202E) would make a line say something else.
:func:`terminal_text` shows such characters the way Python's ``repr`` does
(``\\x1b``, ``\\x07``, ``\\u202e``); every message the CLI prints goes through it,
and :func:`install_terminal_guards` does the same for warnings and log records
that libraries print while a command runs.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import sys
import traceback
import warnings
from types import TracebackType
from typing import Any, TextIO

from analysis.data.quality import QualityLog
from analysis.errors import format_items
from report.text.quality import quality_text

__all__ = ["install_terminal_guards", "terminal_json", "terminal_text", "validation_summary"]

# C0 and C1 controls, DEL, the bidirectional marks, embeddings, overrides and isolates,
# line and paragraph separators, and the byte-order mark / interlinear annotation marks.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e"
                     "\u2066-\u2069\ufeff\ufff9-\ufffb]")


def _escaped(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal_text(value: object, *, keep_newlines: bool = True) -> str:
    """``value`` as text that cannot drive a terminal.

    Parameters
    ----------
    value
        Any value; it is converted with ``str``.
    keep_newlines
        Keep ``\\n`` (a multi-line message of the tool's own); when False a line
        break is shown as ``\\n`` too, for one-line messages that quote data.

    Returns
    -------
    str
        The text with every control, bidirectional and separator character
        replaced by its escape (``\\x1b``, ``\\u202e``); everything else,
        Cyrillic and no-break spaces included, is left as it is.
    """
    def escape(match: re.Match[str]) -> str:
        char = match[0]
        return char if keep_newlines and char == "\n" else _escaped(char)

    return _UNSAFE.sub(escape, str(value))


def terminal_json(data: Any) -> str:
    """``data`` as indented JSON (Cyrillic as it is) with no character that drives a terminal.

    ``json.dumps`` already escapes C0 controls inside strings; C1 controls and
    bidirectional marks become ``\\uXXXX`` escapes too, so the text stays valid JSON
    that decodes to the same data.
    """
    text = json.dumps(data, ensure_ascii=False, indent=2, allow_nan=False)
    return _UNSAFE.sub(lambda m: m[0] if m[0] == "\n" else f"\\u{ord(m[0]):04x}", text)


class _TerminalHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """``logging.lastResort`` with escaping: warnings and errors to the current ``sys.stderr``."""

    def __init__(self) -> None:
        logging.Handler.__init__(self, logging.WARNING)  # no stream of its own: see below

    @property  # type: ignore[override]
    def stream(self) -> TextIO:
        return sys.stderr

    def format(self, record: logging.LogRecord) -> str:
        return terminal_text(super().format(record))


def _show_warning(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                  file: TextIO | None = None, line: str | None = None) -> None:
    stream = file if file is not None else sys.stderr
    text = warnings.formatwarning(message, category, filename, lineno, line)
    with contextlib.suppress(OSError):  # as warnings.showwarning: a closed stderr loses it
        stream.write(terminal_text(text))


def _show_exception(kind: type[BaseException], error: BaseException,
                    tb: TracebackType | None) -> None:
    sys.stderr.write(terminal_text("".join(traceback.format_exception(kind, error, tb))))


def install_terminal_guards() -> None:
    """Escape data text in warnings, tracebacks and log records printed without a handler.

    Libraries quote the data in their warnings (matplotlib names a missing glyph
    by the character itself), WeasyPrint logs the URLs it skips, and ``--debug``
    lets a traceback (whose message may quote the data) reach the interpreter;
    all would reach stderr raw. Called by the CLI before a command runs.
    """
    warnings.showwarning = _show_warning
    sys.excepthook = _show_exception
    logging.lastResort = _TerminalHandler()


def validation_summary(log: QualityLog) -> str:
    """Readable summary of what validation read, repaired, excluded and noticed.

    Every line that quotes the data (a category, a column name) is escaped
    with :func:`terminal_text`.
    """
    lines = [
        f"Клиентов прочитано: {log.clients_read}",
        f"Клиентов пригодно для модели: {log.clients_usable}",
        "Файлы:",
    ]
    for name, info in log.files.items():
        lines.append(f"  {name}: {info['rows']} строк, кодировка {info['encoding']}, "
                     f"разделитель {info['separator']!r}")
    titles = {"exclusion": "Исключения", "repair": "Исправления", "warning": "Предупреждения"}
    for kind, title in titles.items():
        entries = log.of_kind(kind)  # type: ignore[arg-type]
        lines.append(f"{title}: {len(entries) or 'нет'}")
        for e in entries:
            where = f"{e.file}" + (f", «{e.column}»" if e.column else "")
            ids = f" — id: {format_items(list(e.ids), 10)}" if e.ids else ""
            lines.append(f"  [{where}] {quality_text(e)}: {e.count}{ids}")
    return "\n".join(terminal_text(line, keep_newlines=False) for line in lines)
