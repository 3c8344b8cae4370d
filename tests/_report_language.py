"""Language checks over a report's PDF text: number–noun agreement and decimal points.

Used by ``tests/test_report_language.py`` and by hand on a real revision::

    PYTHONPATH=$PWD python tests/_report_language.py REVISION/report.pdf
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from analysis.rutext import plural

NOUNS = {
    "клиент": ("клиент", "клиента", "клиентов"),
    "значение": ("значение", "значения", "значений"),
    "строка": ("строка", "строки", "строк"),
}
_FORMS = {form: lemma for lemma, forms in NOUNS.items() for form in forms}
GENITIVE = frozenset(("у", "из", "среди", "от", "до", "для", "без", "около", "кроме", "против",
                      "вместо", "после", "свыше", "более", "менее", "больше", "меньше",
                      "порядка", "нет"))
"""Words after which a number takes the genitive: «у 802 клиентов», «из 1 клиента»."""
_SPACES = "\u00a0\u202f\u2009 "
# A whole number (thousands split by any kind of space) right before a form of a noun.
# Not after a digit, comma, point, «−» or «+»: «0,5 клиента» or «2,3 %» are not counts.
_NUMBER_NOUN = re.compile(
    rf"(?<![\d,.\-−+/:])(\d{{1,3}}(?:[{_SPACES}]\d{{3}})+|\d+)[{_SPACES}]+"
    r"(клиент(?:ов|а|ы|у|ом|ами|ах)?|значени(?:й|я|е|ям|ями)|строк(?:а|и|ам|ами)?)"
    r"(?![а-яё])",
    re.IGNORECASE)
_DECIMAL_POINT = re.compile(r"\d\.\d")
# Where a point between digits is right: hashes, versions, code, file names, IPs.
_ALLOWED = (
    re.compile(r"\b[0-9a-f]{12,64}\b"),                              # hashes, commits
    re.compile(r"(?<![\d,])v?\d+(?:\.\d+){2,}(?:[-+.\w]*)"),          # versions 1.2.3
    re.compile(r"(?i)\b(?:python|weasyprint|quarto|pandoc|версия)\s*v?\d+\.\d+"),
    re.compile(r"\S+\.(?:csv|json|xlsx|html|pdf|png|toml|joblib|log)\b"),
)


def _count(number: str) -> int:
    return int(re.sub(rf"[{_SPACES}]", "", number))


def agreement_errors(text: str) -> list[str]:
    """Every «N noun» whose form does not agree with N.

    The counting forms are judged: 1 клиент, 2–4 клиента, 5+ (and 11–14) клиентов.
    After a preposition that takes the genitive («у», «из», «среди» …) the genitive
    is right: «у 1 клиента», «из 802 клиентов». Other cases («с 3 клиентами») are not
    matched; a capitalised noun starts a new sentence («стр. 16 из 29 Клиент 215460»).
    """
    errors = []
    for match in _NUMBER_NOUN.finditer(text):
        number, word = match.group(1), match.group(2)
        if word[:1].isupper():
            continue
        word = word.lower()
        lemma = _FORMS.get(word)
        if lemma is None:
            continue
        one, few, many = NOUNS[lemma]
        n = _count(number)
        before = re.findall(r"[А-Яа-яЁё]+", text[max(0, match.start() - 20):match.start()])
        if before and before[-1].lower() in GENITIVE:
            expected = few if plural(n, one, few, many) == one else many
        else:
            expected = plural(n, one, few, many)
        if word != expected:
            errors.append(text[max(0, match.start() - 30):match.end() + 10])
    return errors


def decimal_points(text: str) -> list[str]:
    """Every «digit.digit» outside hashes, versions, file names and code."""
    masked = text
    for pattern in _ALLOWED:
        masked = pattern.sub(lambda m: "#" * len(m.group(0)), masked)
    return [text[max(0, m.start() - 30):m.end() + 20] for m in _DECIMAL_POINT.finditer(masked)]


def pdf_text(path: Path, *, skip_after: str | None = "Версии пакетов") -> str:
    """The PDF's text, spaces normalised; the package list (versions) dropped."""
    import pypdf

    reader = pypdf.PdfReader(path)
    text = "\n".join(page.extract_text() for page in reader.pages)
    text = re.sub(r"-\n(?=[а-яё])", "", text)     # a word hyphenated at a line end
    text = re.sub(r"\s+", " ", text.replace("\u00a0", " ").replace("\u202f", " "))
    if skip_after and skip_after in text:
        head, _, tail = text.partition(skip_after)
        text = head + tail.partition("manifest.json")[2]
    return text


if __name__ == "__main__":
    body = pdf_text(Path(sys.argv[1]))
    found = agreement_errors(body)
    points = decimal_points(body)
    print(f"disagreements: {len(found)}")
    for item in found:
        print("  ", item)
    print(f"decimal points: {len(points)}")
    for item in points:
        print("  ", item)
