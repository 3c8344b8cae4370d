"""Escaping of text from the data: any string is literal in pandoc Markdown and fit for xlsx.

The property (issue 13, defect 1): whatever a text column of the export holds (HTML,
Markdown, Jinja2 and Quarto syntax, TeX, Lua-pattern characters, right-to-left marks,
control characters, long strings), :func:`md_escape` makes pandoc read it as plain
text in every place the report's templates put data: a paragraph, a list item, a
heading, a pipe-table cell, an image's alt text and a fenced div. Each example is a
batch of strings rendered by one pandoc call, so that many strings are tried quickly.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterator
from typing import Any

import pypandoc
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from report.text.markdown import REPLACEMENT, md_escape, shown_text, without_controls

SETTINGS = {"deadline": None, "derandomize": True, "database": None,
            "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large]}

SNIPPETS = (
    "<script>alert(1)</script>", '<img src="http://example.com/x.png">', "<!--", "-->",
    "](http://127.0.0.1:9/x)", "![x](http://127.0.0.1:9/y.png)", "[^1]", "[a]{.cls}",
    "{#id}", "{{ 7*7 }}", "{% if true %}", "{{< include x >}}", "{{{< meta x >}}}",
    "$x^2$", "$$", "\\(", "`", "```", "~~~", "**", "__", "~~", "^^", "1. ", "a) ", "#. ",
    "(@) ", "- ", "+ ", "* ", "> ", ": ", "# ", "---", "===", "| a | b |", "&amp;", "&#60;",
    "\\", "%a+", "%s", ".*", "[%]", "%%", "(.-)", "...", "--", "'", '"', "@cite",
    "http://example.com", "<http://example.com>", "\u202e", "\u200f", "\u2066", "\u00a0",
    "\ufeff", "\x1b[2J", "\x07", "\x0b", "\x0c", "\r\n", "\t", "\x85", "\u2028", "\x9b",
    "\x00", "\ufffe",
)
CHARACTERS = ("abcАБВяё019 .,;:!?*_`~^$%&#@<>[](){}|\\/=+-'\"«»—\u00a0\u202f\u202e"
              "\x00\x07\x1b\x7f\x9b\t\n\r")
text_pieces = st.one_of(
    st.sampled_from(SNIPPETS),
    st.text(alphabet=CHARACTERS, max_size=20),
    st.text(max_size=8),  # any code point but surrogates
)
hostile_text = st.lists(text_pieces, max_size=10).map("".join)

# Inline and block types that would mean a value was read as markup, not text.
MARKUP = frozenset({
    "RawInline", "RawBlock", "Link", "Code", "CodeBlock", "Math", "Emph", "Strong",
    "Underline", "Strikeout", "Superscript", "Subscript", "SmallCaps", "Quoted", "Cite",
    "Note", "Span", "LineBreak", "OrderedList", "BlockQuote", "HorizontalRule",
    "DefinitionList", "LineBlock",
})
CONTEXTS = ("para", "item", "heading", "cell", "alt", "div")


def _document(values: list[str]) -> str:
    """Each value in every context the report's templates use, each in a div of its own."""
    parts = []
    for i, value in enumerate(values):
        v = md_escape(value)
        parts += [
            f"::: {{#v{i}-para}}\nКатегория: {v}\n:::",
            f"::: {{#v{i}-item}}\n- «{v}»\n:::",
            f"::: {{#v{i}-heading}}\n### Значение {v}\n:::",
            f"::: {{#v{i}-cell}}\n| Признак | Значение |\n|:--|--:|\n| {v} | {v} |\n:::",
            f"::: {{#v{i}-alt}}\n![Доли: {v}](figures/x.png){{width=100%}}\n:::",
            f"::: {{#v{i}-div}}\n::: {{.takeaway}}\n{v}\n:::\n:::",
        ]
    return "\n\n".join(parts) + "\n"


def _nodes(tree: Any) -> Iterator[dict[str, Any]]:
    if isinstance(tree, dict):
        if "t" in tree:
            yield tree
        for value in tree.values():
            yield from _nodes(value)
    elif isinstance(tree, list):
        for value in tree:
            yield from _nodes(value)


def _text(tree: Any) -> str:
    """The visible text of a pandoc AST fragment (a figure's caption repeats its alt: once)."""
    out = []
    for node in _nodes(tree):
        if node["t"] == "Str":
            out.append(node["c"])
        elif node["t"] in ("Space", "SoftBreak"):
            out.append(" ")
        elif node["t"] == "Figure":
            return _text(node["c"][1])  # the caption; the Image inside repeats it
    return "".join(out)


def _body_cells(tree: Any) -> list[str]:
    """Texts of the body cells of the one table in ``tree``."""
    table = next(node for node in _nodes(tree) if node["t"] == "Table")
    bodies = table["c"][4]
    return [_text(cell[4]) for body in bodies for row in body[3] for cell in row[1]]


def _divs(ast: dict[str, Any]) -> dict[str, Any]:
    return {node["c"][0][0]: node["c"][1] for node in _nodes(ast["blocks"])
            if node["t"] == "Div" and node["c"][0][0]}


@settings(max_examples=40, **SETTINGS)
@given(values=st.lists(hostile_text, min_size=1, max_size=40))
@example(values=['<img src="http://example.com/x.png"><script>alert(1)</script>'])
@example(values=["=1+1 ![x](http://127.0.0.1:9/m.png) [link](http://127.0.0.1:9/) {{ 7*7 }} "
                 "{% if true %}да{% endif %} {{< include x >}} $x^2$ $\\bad{$"])
@example(values=["Игрушки " * 2500, "Текстиль\x1b[2J\x07 \u202eRTL\u202c <!-- c -->"])
def test_any_text_is_literal_in_every_markdown_context(values: list[str]) -> None:
    ast = json.loads(pypandoc.convert_text(_document(values), "json", format="markdown"))
    markup = sorted({node["t"] for node in _nodes(ast["blocks"])} & MARKUP)
    assert markup == [], markup
    images = [node for node in _nodes(ast["blocks"]) if node["t"] == "Image"]
    assert [image["c"][2][0] for image in images] == ["figures/x.png"] * len(values)
    divs = _divs(ast)
    for i, value in enumerate(values):
        shown = shown_text(value)
        assert _text(divs[f"v{i}-para"]) == f"Категория: {shown}".rstrip(" ")
        assert _text(divs[f"v{i}-item"]) == f"«{shown}»"
        assert _text(divs[f"v{i}-heading"]) == f"Значение {shown}".rstrip(" ")
        assert _body_cells(divs[f"v{i}-cell"]) == [shown, shown]
        assert _text(divs[f"v{i}-alt"]) == f"Доли: {shown}".rstrip(" ")
        assert _text(divs[f"v{i}-div"]) == shown


@settings(max_examples=300, **SETTINGS)
@given(value=hostile_text)
def test_shown_text_keeps_every_printable_character_and_no_control(value: str) -> None:
    shown = shown_text(value)
    assert ILLEGAL_CHARACTERS_RE.search(shown) is None
    assert not any(c in shown for c in "\t\n\r\x0b\x0c\x7f\x85\x9b\u2028\ufffe")
    assert shown == shown.strip(" ") and "  " not in shown
    dropped = {"Cc", "Zl", "Zp"}
    kept = [c for c in value if unicodedata.category(c) not in dropped
            and c not in (" ", "\ufffe", "\uffff", REPLACEMENT)]
    assert [c for c in shown if c not in (" ", REPLACEMENT)] == kept


@settings(max_examples=300, **SETTINGS)
@given(value=hostile_text)
def test_without_controls_fits_an_xlsx_cell_and_keeps_the_length(value: str) -> None:
    cleaned = without_controls(value)
    assert len(cleaned) == len(value)
    assert ILLEGAL_CHARACTERS_RE.search(cleaned) is None
    assert "\ufffe" not in cleaned and "\uffff" not in cleaned
    assert all(a == b or b == REPLACEMENT for a, b in zip(value, cleaned, strict=True))
    assert without_controls(value, keep="").count("\n") == 0


def test_no_break_spaces_of_numbers_survive_escaping() -> None:
    """Numbers are formatted with (narrow) no-break spaces; escaping must not break them."""
    assert md_escape("1\u202f300 клиентов, 38,3\u00a0%") == "1\u202f300 клиентов, 38,3\u00a0\\%"
