"""Text from the data made safe for the report's outputs: pandoc Markdown, spreadsheets, e-mail.

Values from the export (category names, column headers) and from earlier
revisions reach the report as plain text. Two rules hold at every boundary:

- **Control characters never pass.** C0 controls other than the line breaks and
  tabs, DEL, C1 controls, and the XML non-characters U+FFFE/U+FFFF are replaced
  by U+FFFD «�» (:func:`without_controls`): an xlsx cell cannot hold them
  (openpyxl raises ``IllegalCharacterError``), HTML and PDF would show nothing or
  garbage, a mail header would break. The loader already strips and counts them;
  this is the second line of defence, so the count shown in the data-quality
  section stays the true one.
- **Markdown metacharacters are literal.** :func:`md_escape` backslash-escapes
  every ASCII punctuation character pandoc could read as markup (emphasis, links,
  images, raw HTML, spans, attributes, lists, tables, math, Quarto shortcodes,
  smart quotes and dashes, ellipses) and turns line breaks into spaces, so that a
  value cannot start a block. The terminal has its own escaping
  (:func:`report.console.terminal_text`).
"""

from __future__ import annotations

import re

__all__ = ["REPLACEMENT", "md_escape", "shown_text", "without_controls"]

REPLACEMENT = "\ufffd"
"""What a control character from the data becomes in a document, a cell or a mail."""

_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\ufffe\uffff]")
_BREAKS = re.compile("[\t\n\r\x0b\x0c\x85\u2028\u2029 ]+")
_MD_SPECIAL = re.compile(r"""([!"#$%&'()*+\-.:;<=>@\[\\\]^_`{|}~])""")


def without_controls(value: object, *, keep: str = "\t\n\r") -> str:
    """``value`` as text with every control character except those in ``keep`` replaced.

    Parameters
    ----------
    value
        Any value; it is converted with ``str``.
    keep
        Control characters left as they are (by default tab and line breaks,
        which every output handles).

    Returns
    -------
    str
        The text with C0 (outside ``keep``), DEL, C1 and U+FFFE/U+FFFF replaced
        by :data:`REPLACEMENT`.
    """
    return _CONTROLS.sub(lambda m: m[0] if m[0] in keep else REPLACEMENT, str(value))


def shown_text(value: object) -> str:
    """The text a reader of the report sees for ``value`` (what :func:`md_escape` keeps).

    Line breaks, tabs and runs of spaces become one space (no-break spaces are
    kept), the ends are trimmed, control characters become U+FFFD.
    """
    return without_controls(_BREAKS.sub(" ", str(value)).strip(" "))


def md_escape(value: object) -> str:
    """Make any text literal in pandoc Markdown (and so in the HTML and PDF made from it).

    The text of :func:`shown_text` with every ASCII punctuation character pandoc
    gives a meaning to backslash-escaped: pandoc prints it as itself,
    HTML-escaped where needed.
    """
    return _MD_SPECIAL.sub(r"\\\1", shown_text(value))
