"""Which encoding an export file is in, and its text.

Accepted, in the order they are tried:

1. UTF-16, with a BOM, or without one when its zero bytes show it (the ASCII
   characters of a CSV, digits and separators, have a zero high byte).
2. A NUL byte anywhere else in the file (the whole file is checked) means the
   file is not text: refused, naming the first lines that hold one. NUL is
   refused rather than removed because a text export never holds it: it marks
   binary data or an encoding the tool does not read (UTF-32).
3. UTF-8, with or without BOM.
4. cp1251 or KOI8-R: both map Cyrillic letters to the bytes 0xC0–0xFF, in
   different orders, so either decodes without error. The one whose text has
   the larger share of the most common lower-case Russian letters wins
   (about 0.7–0.9 for a right guess, under 0.15 for a wrong one, where KOI8-R
   read as cp1251 becomes capitals and rare letters); cp1251 when there are too
   few letters to judge. Anything else is refused with a hint to save the file
   in UTF-8.

The encoding used is recorded per file in the data-quality section.
"""

from __future__ import annotations

import re
from typing import NoReturn

from analysis.errors import InputError

__all__ = ["EXPECTED_TEXT", "decode"]

EXPECTED_TEXT = "CSV-файл в кодировке UTF-8 (лучше всего), UTF-16, cp1251 или KOI8-R"
_SAMPLE_BYTES = 65536

#: The most frequent lower-case letters of Russian text (about two thirds of its letters).
_COMMON_RUSSIAN = "оеаинтсрвлкмдпуяыь"
_CYRILLIC = re.compile("[\u0400-\u04ff]")
_MIN_LETTERS_TO_JUDGE = 5
_KOI8_MIN_SHARE = 0.5
_KOI8_MARGIN = 0.3


def _nul_lines(text: str | bytes, limit: int = 5) -> list[int]:
    """Physical lines (1-based) of the first ``limit`` NUL characters or bytes."""
    nul, newline = ("\x00", "\n") if isinstance(text, str) else (b"\x00", b"\n")
    lines, start = [], 0
    while len(lines) < limit and (pos := text.find(nul, start)) >= 0:  # type: ignore[arg-type]
        lines.append(text.count(newline, 0, pos) + 1)  # type: ignore[arg-type]
        start = pos + 1
    return sorted(set(lines))


def _refuse_nul(name: str, lines: list[int]) -> NoReturn:
    raise InputError(name, "файл не является текстом (найдены нулевые байты)", EXPECTED_TEXT,
                     rows=lines)


def _utf16_codec(data: bytes) -> str | None:
    """``utf-16`` (BOM), ``utf-16-le``/``-be`` (zero bytes on one side only), or None.

    Without a BOM, UTF-16 shows itself by the zero high bytes of its ASCII
    characters (digits, separators, line ends): at least a tenth of the bytes on
    one side of each pair are zero, and almost none on the other side.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    sample = data[:_SAMPLE_BYTES]
    even, odd = sample[0::2], sample[1::2]
    zero_even, zero_odd = even.count(0), odd.count(0)
    if len(odd) >= 2 and zero_odd >= 0.1 * len(odd) and zero_even <= 0.02 * zero_odd:
        return "utf-16-le"
    if len(even) >= 2 and zero_even >= 0.1 * len(even) and zero_odd <= 0.02 * zero_even:
        return "utf-16-be"
    return None


def _decode_utf16(data: bytes, codec: str, name: str) -> str:
    try:
        text = data.decode(codec)
    except UnicodeDecodeError:
        raise InputError(name, "файл похож на UTF-16, но не читается как UTF-16",
                         EXPECTED_TEXT) from None
    if "\x00" in text:
        _refuse_nul(name, _nul_lines(text))
    return text


def _russian_share(text: str) -> tuple[float, int]:
    """Share of common lower-case Russian letters among Cyrillic ones, and their count."""
    letters = len(_CYRILLIC.findall(text))
    common = sum(text.count(ch) for ch in _COMMON_RUSSIAN)
    return (common / letters if letters else 0.0), letters


def _single_byte(data: bytes, name: str) -> tuple[str, str]:
    """cp1251 or KOI8-R, whichever reads as Russian; cp1251 when it cannot be told."""
    sample = data[:_SAMPLE_BYTES]
    cp_share, letters = _russian_share(sample.decode("cp1251", errors="replace"))
    koi_share, _ = _russian_share(sample.decode("koi8-r"))
    if letters >= _MIN_LETTERS_TO_JUDGE and koi_share >= max(cp_share + _KOI8_MARGIN,
                                                              _KOI8_MIN_SHARE):
        return data.decode("koi8-r"), "koi8-r"
    try:
        return data.decode("cp1251"), "cp1251"
    except UnicodeDecodeError:
        raise InputError(name, "файл не читается ни как UTF-8, ни как cp1251 или KOI8-R",
                         EXPECTED_TEXT + "; сохраните его в UTF-8") from None


def decode(data: bytes, name: str) -> tuple[str, str]:
    """The text of ``data`` and the name of its encoding.

    Raises
    ------
    InputError
        When the bytes hold a NUL or are in none of the accepted encodings.
    """
    codec = _utf16_codec(data)
    if codec is not None:
        return _decode_utf16(data, codec, name), codec
    if b"\x00" in data:
        _refuse_nul(name, _nul_lines(data))
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
        except UnicodeDecodeError:
            raise InputError(name, "файл помечен как UTF-8 (BOM), но не читается как UTF-8",
                             EXPECTED_TEXT) from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return _single_byte(data, name)
