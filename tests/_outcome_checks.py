"""Checks shared by the outcome acceptance tests: the page-1 line, the body and results.json."""

from __future__ import annotations

import html
import re
from pathlib import Path

from analysis.rutext import num, pct, pp


def page_text(path: Path) -> str:
    """The visible text of a report's HTML, spaces normalised (no-break spaces too)."""
    raw = html.unescape(re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8")))
    return " ".join(raw.replace("\u00a0", " ").replace("\u202f", " ").split())


def _plain(text: str) -> str:
    return " ".join(text.split())


def assert_outcome_shown(report_html: Path, outcome: dict, period_words: str) -> None:
    """Page 1 (a column of the group table) and the section state the pooled uplifts of
    ``outcome``; the section its arms and intervals."""
    text = page_text(report_html)
    summary, body = text.split("Результат предложений прошлого месяца", 1)
    assert f"Эффект предложений, {period_words}" in summary
    for pooled in outcome["pooled"]:
        uplift = _plain(pp(pooled["uplift"], signed=True))
        assert uplift in summary and uplift in body, uplift
        shares = f"{pct(pooled['test']['share'])} / {pct(pooled['control']['share'])}"
        assert _plain(shares) in body
    for row in outcome["offers"]:
        arms = f"{num(row['test']['measured'])} / {num(row['control']['measured'])}"
        assert _plain(arms) in body
        if row["interval"] is not None:
            assert _plain(pp(row["interval"][1], signed=True)) in body
