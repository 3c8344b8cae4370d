"""The PDF stage: the report HTML → an A4 PDF with WeasyPrint.

:func:`render_pdf` is the entry point (import this module only where a PDF is
made: WeasyPrint takes a while to import). The print rules live in
``assets/print.css``, which is added to the HTML as its last stylesheet; the
embedded fonts (matplotlib's DejaVu files) and the running header come from
``assets/print-page.css.j2``. Table header words get their hyphenation points
marked (:func:`hyphenate_headers`); the body cells of a table too wide for its words
may be cut anywhere (:func:`mark_wide_tables`); the cells' alignment moves from
their ``style`` attributes to classes (:func:`align_classes`), so that cells
share their computed styles. :class:`LocalOnlyURLFetcher` keeps WeasyPrint
inside the run folder.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlsplit
from urllib.request import url2pathname

import jinja2
import matplotlib
import pyphen
from weasyprint import CSS, HTML
from weasyprint.document import Document, Page
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from report.render.errors import RenderError, URLRefusedError
from report.render.resources import ASSETS_DIR, PAGE_CSS_TEMPLATE, PRINT_CSS

__all__ = [
    "LocalOnlyURLFetcher",
    "align_classes",
    "hyphenate_headers",
    "mark_wide_tables",
    "render_pdf",
]

_SUMMARY_END_ANCHOR = "exec-summary-end"
_LOG = logging.getLogger(__name__)
_SOFT_HYPHEN = "\u00ad"
_HEADER_CELL = re.compile(r"(<th\b[^>]*>)(.*?)(</th\s*>)", flags=re.IGNORECASE | re.DOTALL)
_TAG_OR_TEXT = re.compile(r"(<[^>]*>)")
_WORD = re.compile(r"(?<![&#\w\u00ad])[^\W\d_][^\W\d_\u00ad]*(?:\u00ad[^\W\d_]+)*")
_HYPHENATED_FROM = 6
"""Fewest letters of a header word that gets its hyphenation points marked."""
_TABLE = re.compile(r"(<table\b[^>]*>)(.*?)(</table\s*>)", flags=re.IGNORECASE | re.DOTALL)
_ROW = re.compile(r"<tr\b[^>]*>(.*?)</tr\s*>", flags=re.IGNORECASE | re.DOTALL)
_CELL = re.compile(r"<t[hd]\b[^>]*>(.*?)</t[hd]\s*>", flags=re.IGNORECASE | re.DOTALL)
_CLASS_ATTR = re.compile(r"""(\bclass\s*=\s*)(["'])""", flags=re.IGNORECASE)
_BREAKS = re.compile(r"[ \t\r\n\f\u2009\u200b]+")
_CELL_TAG = re.compile(r"<t[hd]\b[^>]*>", flags=re.IGNORECASE)
_ALIGN_STYLE = re.compile(
    r"""\s+style\s*=\s*(["'])\s*text-align\s*:\s*(left|right|center|justify)\s*;?\s*\1""",
    flags=re.IGNORECASE,
)
ALIGN_CLASS_PREFIX = "align-"
"""Class prefix of a table cell's alignment (``align-left``, ``align-right``...: ``print.css``)."""
CHAR_PT = 6.0
"""Width allowed per character of a table word: 0.75 em at 8 pt (DejaVu digits are 0.64 em)."""
CODE_CHAR_PT = 4.6
"""Width allowed per character of a word in ``<code>``: 0.65 em at 7 pt (0.88 em of the
table's 8 pt, ``report.css``); every DejaVu Sans Mono glyph is 0.60 em."""
_CODE = re.compile(r"<code\b[^>]*>(.*?)</code\s*>", flags=re.IGNORECASE | re.DOTALL)
CELL_PADDING_PT = 1.5 * 2 * 72 / 25.4
"""Left and right padding of a table cell (``print.css``: 1.5 mm each)."""
TABLE_WIDTH_PT = 0.85 * 180 * 72 / 25.4
"""Widest a table's estimated least width may be: 85 % of the A4 text column (180 mm)."""
WRAP_ANYWHERE = "wrap-anywhere"
"""Class of a table whose body cells may be cut anywhere (``print.css``)."""


class _FontFace(NamedTuple):
    family: str
    weight: int
    url: str


class LocalOnlyURLFetcher(URLFetcher):
    """WeasyPrint URL fetcher that reads only the run folder and the given files.

    ``data:`` URLs are allowed; ``file:`` URLs only when the resolved path
    (symbolic links followed) is inside ``base_dir`` or is one of
    ``allowed_files``. Anything else (``http``, ``https``, other schemes,
    files elsewhere) raises :class:`URLRefusedError`, which WeasyPrint logs
    before skipping the resource.

    Parameters
    ----------
    base_dir : Path
        The run folder.
    allowed_files : iterable of Path
        Individual files outside ``base_dir`` that may be read (fonts).
    """

    def __init__(self, base_dir: Path, *, allowed_files: Iterable[Path] = ()) -> None:
        super().__init__(timeout=5, allowed_protocols=("data", "file"), allow_redirects=False)
        self.base_dir = Path(base_dir).resolve()
        self.allowed_files = frozenset(Path(path).resolve() for path in allowed_files)

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        """Fetch ``url`` after :meth:`check`; see :class:`weasyprint.urls.URLFetcher`."""
        self.check(url)
        return super().fetch(url, headers)

    def check(self, url: str) -> None:
        """Raise :class:`URLRefusedError` unless ``url`` may be read."""
        scheme = url.partition(":")[0].lower()
        if scheme == "data":
            return
        if scheme == "file":
            parts = urlsplit(url)
            path = Path(url2pathname(parts.path)).resolve()
            local = parts.netloc in ("", "localhost")
            if local and (path in self.allowed_files or path.is_relative_to(self.base_dir)):
                return
        raise URLRefusedError(f"refused {url[:120]}: only data: URLs and files in {self.base_dir}")


def render_pdf(html_path: Path, out_pdf: Path, *, base_dir: Path, running_header: str) -> None:
    """Lay out the report HTML as an A4 PDF with WeasyPrint.

    A4 pages with the running header on top and "стр. N из M" at the bottom;
    the executive summary alone on page 1; the table of contents with page
    numbers; matplotlib's DejaVu Sans embedded. WeasyPrint may read only
    ``data:`` URLs, files inside ``base_dir`` and the font files
    (:class:`LocalOnlyURLFetcher`); anything else is skipped.

    Parameters
    ----------
    html_path : Path
        The self-contained HTML from :func:`report.render.html.render_html`.
    out_pdf : Path
        Where to write the PDF (its folder is created if missing).
    base_dir : Path
        The run folder: the only folder WeasyPrint may read from.
    running_header : str
        Period and revision, printed at the top of every page.

    Raises
    ------
    RenderError
        If WeasyPrint fails. A summary longer than one page is only logged as
        a warning: the content, not the renderer, has to change.
    """
    try:
        document = _layout(Path(html_path), base_dir=Path(base_dir), running_header=running_header)
        _warn_if_summary_overflows(document.pages)
        Path(out_pdf).parent.mkdir(parents=True, exist_ok=True)
        document.write_pdf(out_pdf)
    except RenderError:
        raise
    except Exception as exc:
        raise RenderError(f"WeasyPrint could not write {Path(out_pdf).name}: {exc}") from exc


def _layout(html_path: Path, *, base_dir: Path, running_header: str) -> Document:
    """Lay out the pages: print rules, embedded fonts, run-folder-only fetcher."""
    faces = _font_faces()
    fetcher = LocalOnlyURLFetcher(base_dir, allowed_files=[_url_path(face.url) for face in faces])
    fonts = FontConfiguration()
    page_css = CSS(string=_page_css(faces, running_header), url_fetcher=fetcher, font_config=fonts)
    html = HTML(
        string=_with_print_css(mark_wide_tables(hyphenate_headers(align_classes(
            html_path.read_text(encoding="utf-8"))))),
        base_url=str(base_dir.resolve()),
        url_fetcher=fetcher,
    )
    return html.render(stylesheets=[page_css], font_config=fonts)


def _url_path(url: str) -> Path:
    return Path(url2pathname(urlsplit(url).path))


def _with_print_css(html: str) -> str:
    """Add ``print.css`` as the last author stylesheet, so it overrides the screen rules.

    Stylesheets given to WeasyPrint's ``render`` are *user* stylesheets, which
    lose to the document's own CSS; the print rules must win, whichever
    renderer made the HTML.
    """
    style = f"<style>\n{PRINT_CSS.read_text(encoding='utf-8')}\n</style>\n"
    match = re.search(r"</head\s*>", html, flags=re.IGNORECASE)
    if match is None:
        return style + html
    return html[: match.start()] + style + html[match.start() :]


def hyphenate_headers(html: str, lang: str = "ru") -> str:
    """Mark every hyphenation point of the table headers' words with a soft hyphen.

    WeasyPrint sizes a table column by its longest unbreakable piece of text
    and does not count automatic hyphenation in it; so a header word either
    widens its column past the page or, with ``overflow-wrap: anywhere``, is cut
    with no hyphen («Клие/нтов»). With the points marked (Pyphen's dictionary,
    words of six letters and more, a soft hyphen already in such a word replaced
    by the dictionary's), a column may be as narrow as a syllable and a header
    breaks only at a syllable, with a visible hyphen. Markup, entities, words
    joined by ``_`` and ``<code>`` are kept as they are.
    """
    dictionary = pyphen.Pyphen(lang=lang)

    def word(match: re.Match[str]) -> str:
        plain = match.group(0).replace(_SOFT_HYPHEN, "")
        if len(plain) < _HYPHENATED_FROM:
            return match.group(0)
        return dictionary.inserted(plain, _SOFT_HYPHEN)

    def cell(match: re.Match[str]) -> str:
        parts, in_code = [], False
        for part in _TAG_OR_TEXT.split(match.group(2)):
            if part.startswith("<"):
                in_code = (part.lower().startswith("<code")
                           or (in_code and not part.lower().startswith("</code")))
                parts.append(part)
            else:
                parts.append(part if in_code else _WORD.sub(word, part))
        return match.group(1) + "".join(parts) + match.group(3)

    return _HEADER_CELL.sub(cell, html)


def mark_wide_tables(html: str, width_pt: float = TABLE_WIDTH_PT) -> str:
    """Give the class ``wrap-anywhere`` to every table whose words might not fit ``width_pt``.

    Body cells wrap with ``overflow-wrap: break-word`` (``print.css``): a word
    that does not fit its line is cut, but a column is never narrower than its
    longest word. That keeps WeasyPrint's table layout fast (with ``anywhere``
    every character is a break point while it measures the columns: half of
    the PDF stage on the real export) and keeps numbers and file names whole.
    A table whose longest words could together be wider than the page (many
    columns of long numbers, a hash, a path, a long value from the export)
    gets ``overflow-wrap: anywhere`` in its body cells instead, as every table
    had before, so that no table is cut at the page's edge.

    The estimate is deliberately generous: per column, the widest word of any
    of its cells (text between spaces once tags are removed; entities count as
    their characters; a header word is split at its soft hyphens) at
    :data:`CHAR_PT` points a character (:data:`CODE_CHAR_PT` in ``<code>``,
    smaller and monospaced: a sha256 there no longer marks its table, whose
    every cell then took a Pango layout per character, a third of the
    column measuring on the real export), plus the cell padding.
    """
    def table(match: re.Match[str]) -> str:
        tag, body = match.group(1), match.group(2)
        if WRAP_ANYWHERE in tag or _estimated_width(body) <= width_pt:
            return match.group(0)
        return _with_class(tag, WRAP_ANYWHERE) + body + match.group(3)

    return _TABLE.sub(table, html)


def align_classes(html: str) -> str:
    """Move a table cell's ``style="text-align: X"`` (pandoc's column alignment) to a class.

    WeasyPrint shares one computed style between elements whose parent,
    matching rules and ``style`` attribute are the same; but every ``style``
    attribute is parsed on its own and so never the same as another one. Each
    of the ~700 cells of the real report then had its own style, computed
    property by property, and so had its text (fonts, line breaking): moving
    the alignment to the class ``align-left``, ``align-right``, ``align-center``
    or ``align-justify`` (``print.css``, ``!important`` as the attribute beat
    every rule) took about an eighth of the PDF stage. A ``style`` with
    anything else than one ``text-align`` is kept.
    """
    def cell(match: re.Match[str]) -> str:
        tag = match.group(0)
        style = _ALIGN_STYLE.search(tag)
        if style is None:
            return tag
        tag = tag[: style.start()] + tag[style.end() :]
        return _with_class(tag, ALIGN_CLASS_PREFIX + style.group(2).lower())

    return _CELL_TAG.sub(cell, html)


def _with_class(tag: str, name: str) -> str:
    """Opening ``tag`` with class ``name`` added first to its ``class`` attribute."""
    if _CLASS_ATTR.search(tag):
        return _CLASS_ATTR.sub(lambda m: f"{m.group(1)}{m.group(2)}{name} ", tag, count=1)
    end = -2 if tag.endswith("/>") else -1
    return tag[:end] + f' class="{name}"' + tag[end:]


def _estimated_width(table_html: str) -> float:
    """Generous least width, in points, of a table laid out without cutting words."""
    widest: dict[int, float] = {}
    for row in _ROW.findall(table_html):
        for column, content in enumerate(_CELL.findall(row)):
            code = max((CODE_CHAR_PT * _longest_word(run) for run in _CODE.findall(content)),
                       default=0.0)
            word = max(CHAR_PT * _longest_word(_CODE.sub(" ", content)), code)
            widest[column] = max(widest.get(column, 0.0), word)
    return sum(width + CELL_PADDING_PT for width in widest.values())


def _longest_word(html: str) -> int:
    """Characters in the longest word of ``html`` (tags and soft hyphens break words)."""
    text = _TAG_OR_TEXT.sub(" ", html).replace(_SOFT_HYPHEN, " ")
    return max(map(len, _BREAKS.split(text)), default=0)


def _font_faces() -> list[_FontFace]:
    """matplotlib's DejaVu files, the only fonts the PDF uses (all have Cyrillic)."""
    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    faces = [
        _FontFace("Report Sans", 400, (folder / "DejaVuSans.ttf").as_uri()),
        _FontFace("Report Sans", 700, (folder / "DejaVuSans-Bold.ttf").as_uri()),
        _FontFace("Report Mono", 400, (folder / "DejaVuSansMono.ttf").as_uri()),
    ]
    missing = [face.url for face in faces if not _url_path(face.url).is_file()]
    if missing:
        raise RenderError(f"matplotlib's DejaVu fonts are missing: {', '.join(missing)}")
    return faces


def _page_css(faces: list[_FontFace], running_header: str) -> str:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(ASSETS_DIR),
        autoescape=False,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    environment.filters["css_string"] = _css_string
    template = environment.get_template(PAGE_CSS_TEMPLATE)
    return template.render(font_faces=faces, running_header=running_header)


def _css_string(value: str) -> str:
    """Quote ``value`` as a CSS string literal (quotes, backslashes, control characters)."""
    escaped = []
    for char in value:
        if char in '"\\':
            escaped.append("\\" + char)
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            escaped.append(f"\\{ord(char):x} ")
        else:
            escaped.append(char)
    return '"' + "".join(escaped) + '"'


def _warn_if_summary_overflows(pages: list[Page]) -> None:
    for number, page in enumerate(pages, start=1):
        if _SUMMARY_END_ANCHOR in page.anchors and number > 1:
            _LOG.warning(
                "the executive summary takes %d pages in the PDF instead of one; shorten it",
                number,
            )
