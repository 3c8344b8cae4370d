"""How full each page of a laid-out PDF is, and where its sections end.

The measurements read WeasyPrint's page boxes (the layout :func:`report.render.pdf.render_pdf`
writes to the PDF), so they see text, images, table rules and backgrounds alike. A page's
fill is the share of its content area (inside the page margins, running header and page
number excluded) from the top down to the lowest printed box.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from xml.etree.ElementTree import Element

from weasyprint.document import Document, Page
from weasyprint.formatting_structure import boxes

__all__ = ["HYPHENS", "PageFill", "header_breaks", "images", "layout", "lone_paragraphs",
           "overflowing_text", "page_fills", "split_rows", "stranded_headings", "unmarked_breaks"]

HYPHENS = "-\u2010\u2011\u2013\u2014"
SOFT_HYPHEN = "\u00ad"
"""Characters after which a line may end inside a word (hyphen, soft hyphen, dashes)."""
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_BLOCKS = _HEADINGS | {"p", "li", "table", "figure", "pre", "dl", "blockquote", "nav", "header"}


@dataclass(frozen=True)
class PageFill:
    """One page: its number (from 1), its fill (0 … 1) and whether it ends a section."""

    number: int
    fill: float
    section_end: bool


def layout(html: Path, *, base_dir: Path, running_header: str = "") -> Document:
    """Lay out ``html`` exactly as the PDF stage does (print CSS, fonts, fetcher)."""
    from report.render.pdf import _layout

    return _layout(html, base_dir=base_dir, running_header=running_header)


def _content(page: Page) -> Iterator[boxes.Box]:
    """Every box printed in the page area (margin boxes, i.e. header and footer, skipped)."""
    for child in page._page_box.children:
        if not isinstance(child, boxes.MarginBox):
            yield from child.descendants()


def _printed(box: boxes.Box) -> bool:
    if isinstance(box, boxes.TextBox):
        return bool(box.text.strip())
    return isinstance(box, boxes.ReplacedBox | boxes.TableCellBox)


def _fill(page: Page) -> float:
    area = page._page_box
    top, height = area.content_box_y(), area.height
    bottoms = [box.border_box_y() + box.border_height() for box in _content(page)
               if _printed(box)]
    return 0.0 if not bottoms else min(1.0, (max(bottoms) - top) / height)


def _parents(document: Document) -> dict[int, Element]:
    """Each element's parent, by the child's identity (ElementTree has no parent links)."""
    root = next(child.element for child in document.pages[0]._page_box.children
                if not isinstance(child, boxes.MarginBox))
    return {id(child): parent for parent in root.iter() for child in parent}


def _starts_section(page: Page, parents: dict[int, Element]) -> bool:
    """The page starts a top-level section (a child of ``main`` or ``body``, or the TOC)."""
    for box in _content(page):
        if box.element is None or box.element_tag not in ("section", "nav"):
            continue
        parent = parents.get(id(box.element))
        if parent is not None and parent.tag in ("main", "body") \
                and "top" not in box.remove_decoration_sides:
            return True
    return False


def page_fills(document: Document) -> list[PageFill]:
    """The fill of every page; a page ends a section when the next one starts one (or none)."""
    pages, parents = document.pages, _parents(document)
    starts = [_starts_section(page, parents) for page in pages]
    return [PageFill(i + 1, _fill(page), i + 1 == len(pages) or starts[i + 1])
            for i, page in enumerate(pages)]


def _rows(page: Page, parents: dict[int, Element]) -> set[int]:
    """Body rows (``tbody tr``) with a fragment on ``page``, by element identity."""
    out = set()
    for box in _content(page):
        if isinstance(box, boxes.TableRowBox) and box.element is not None:
            group = parents.get(id(box.element))
            if group is not None and group.tag != "thead":
                out.add(id(box.element))
    return out


def split_rows(document: Document) -> int:
    """How many table body rows are laid out over more than one page."""
    seen: dict[int, int] = {}
    parents = _parents(document)
    for page in document.pages:
        for row in _rows(page, parents):
            seen[row] = seen.get(row, 0) + 1
    return sum(1 for count in seen.values() if count > 1)


def stranded_headings(document: Document) -> list[tuple[int, str]]:
    """Headings printed as the lowest text of a page (their text follows on the next page)."""
    out, parents = [], _parents(document)
    for number, page in enumerate(document.pages, start=1):
        printed = [box for box in _content(page) if _printed(box)]
        if not printed:
            continue
        lowest = max(printed, key=lambda b: b.border_box_y() + b.border_height())
        heading = _heading_of(lowest, parents)
        if heading is not None and number < len(document.pages):
            out.append((number, heading))
    return out


def lone_paragraphs(document: Document) -> list[tuple[int, str]]:
    """Pages (after the first) whose whole content is one paragraph: (number, its start)."""
    out, parents = [], _parents(document)
    for number, page in enumerate(document.pages, start=1):
        blocks = {id(block): block for box in _content(page) if _printed(box)
                  if (block := _block_of(box.element, parents)) is not None}
        if number > 1 and len(blocks) == 1:
            (block,) = blocks.values()
            if block.tag == "p":
                out.append((number, " ".join("".join(block.itertext()).split())[:60]))
    return out


def _block_of(element: Element | None, parents: dict[int, Element]) -> Element | None:
    while element is not None and element.tag not in _BLOCKS:
        element = parents.get(id(element))
    return element


def _heading_of(box: boxes.Box, parents: dict[int, Element]) -> str | None:
    element = box.element
    while element is not None:
        if element.tag in _HEADINGS:
            return "".join(element.itertext()).strip()
        if element.tag in ("section", "main", "body", "html"):
            return None
        element = parents.get(id(element))
    return None


def _lines(cell: boxes.Box) -> list[str]:
    return ["".join(b.text for b in line.descendants() if isinstance(b, boxes.TextBox))
            for line in cell.descendants() if isinstance(line, boxes.LineBox)]


def header_breaks(document: Document) -> list[str]:
    """Table header cells whose text breaks inside a word without a hyphen, as «line/line»."""
    bad = []
    for page in document.pages:
        for box in _content(page):
            if isinstance(box, boxes.TableCellBox) and box.element_tag == "th":
                text = "".join(box.element.itertext())
                bad += unmarked_breaks(text, [line for line in _lines(box) if line.strip()])
    return bad


def unmarked_breaks(text: str, lines: list[str]) -> list[str]:
    """Line ends of ``lines`` (the laid-out ``text``) that cut a word with no hyphen shown.

    A line may end at a space, after a hyphen or dash of the text, or with a hyphen the
    layout added (automatic hyphenation); anything else between two letters or digits
    is a word cut in two, returned as «upper/lower».
    """
    text = " ".join(text.replace(SOFT_HYPHEN, "").split())
    pos, bad = 0, []
    for upper, lower in zip(lines, [*lines[1:], ""], strict=True):
        part = " ".join(upper.replace(SOFT_HYPHEN, "").split())
        added = bool(part) and part[-1] in HYPHENS and text.find(part, pos) < 0
        if added:
            part = part[:-1]
        found = text.find(part, pos)
        if found < 0 or not part:
            continue
        pos = found + len(part)
        if lower and not added and pos < len(text) and _word_char(text[pos - 1]) \
                and _word_char(text[pos]):
            bad.append(f"{upper.strip()}/{lower.strip()}")
    return bad


def _word_char(char: str) -> bool:
    return bool(re.match(r"\w", char))


def _classes(box: boxes.Box) -> set[str]:
    element = box.element
    if element is None or not hasattr(element, "get"):
        return set()
    return set((element.get("class") or "").split())


def overflowing_text(page: Page, container: str) -> list[str]:
    """Text printed past the right edge of its ``container`` box (an element with that
    class, e.g. a key-figure card ``kpi``): «text (+2.3 mm)» for each piece that sticks out."""
    bad = []
    for box in _content(page):
        if container not in _classes(box) or box.element_tag not in ("div", "td", "span"):
            continue
        right = box.content_box_x() + box.width
        for inner in box.descendants():
            if isinstance(inner, boxes.TextBox) and inner.text.strip():
                end = inner.position_x + inner.width
                if end > right + 0.5:
                    bad.append(f"{inner.text.strip()} (+{(end - right) * 25.4 / 96:.1f} mm)")
    return bad


def images(page: Page) -> int:
    """How many images (charts) are printed on ``page``."""
    return sum(1 for box in _content(page) if isinstance(box, boxes.ReplacedBox))
