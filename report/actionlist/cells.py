"""What a text cell of the action list may hold: no control characters, never a formula.

Every text cell of every file of the list (both CSVs and every sheet of the
xlsx) goes through here, whatever its source (the data, the offer catalogue,
the wording):

- a control character other than tab and line breaks becomes U+FFFD «�»
  (:func:`report.text.markdown.without_controls`; XML cannot hold it and
  openpyxl would stop with ``IllegalCharacterError``, a terminal would obey it);
- a text that starts like a formula (:data:`FORMULA_START`: ``=``, ``+``,
  ``-``, ``@``, tab, carriage return, and their full-width forms) is kept as
  text: in a CSV it gets a leading apostrophe ``'`` (Excel and LibreOffice
  show such a cell as text and do not evaluate it; the apostrophe is part of
  the value a program reads); in the xlsx it is a string cell (``data_type``
  ``s``) with the quote prefix set, so the text is unchanged and stays text
  even when the cell is edited.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from report.text.markdown import without_controls

__all__ = ["FORMULA_START", "csv_texts", "is_formula_like", "safe_text"]

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
"""Leading characters that make a spreadsheet read a cell as a formula (OWASP CSV injection)."""


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet could take ``text`` for a formula."""
    return text.startswith(FORMULA_START)


@lru_cache(maxsize=65536)
def safe_text(text: str) -> str:
    """``text`` with XML-illegal control characters replaced by U+FFFD (tab, CR, LF kept)."""
    return without_controls(text)


def _csv_text(text: str) -> str:
    text = safe_text(text)
    return "'" + text if is_formula_like(text) else text


def csv_texts(values: pd.Series) -> pd.Series:
    """A text column as the CSV writes it: safe, formula-like cells prefixed with ``'``.

    Missing values become ``""``; each distinct value is converted once.
    """
    filled = values.astype(object).where(values.notna(), "")
    codes, uniques = pd.factorize(filled.astype(str), sort=False)
    converted = np.array([_csv_text(u) for u in uniques], dtype=object)
    return pd.Series(converted[codes] if len(codes) else [], index=values.index, dtype=object)
