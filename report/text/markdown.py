"""Escaping text from the data for pandoc Markdown, HTML and Quarto shortcodes."""

from __future__ import annotations

import re

__all__ = ["md_escape"]

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-!|$~^@&:\"'=%;])")


def md_escape(value: object) -> str:
    """Make any text literal in pandoc Markdown, HTML and Quarto shortcodes.

    Every Markdown punctuation character is backslash-escaped (pandoc then
    prints it literally, HTML-escaped), and line breaks become spaces so a
    value cannot start a block.
    """
    text = " ".join(str(value).split())
    return _MD_SPECIAL.sub(r"\\\1", text)
