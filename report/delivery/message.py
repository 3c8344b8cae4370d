"""The email that carries a revision's PDF: Russian subject, short HTML and text bodies.

Key numbers come from the revision's ``results.json``; a missing or unreadable file
or key only drops the line concerned. Everything taken from files or folder names
(the period, the revision, the profit unit) loses its control characters (U+FFFD
instead: a line break cannot add a header) and is HTML-escaped in the HTML body.
"""

from __future__ import annotations

import hashlib
import html
import json
from collections.abc import Callable, Sequence
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from analysis.results import files
from analysis.rutext import money, num, pct, period_label
from report.text.markdown import without_controls

__all__ = ["attachment_name", "compose", "key_numbers", "subject"]

STORE = "«В один клик»"
DEFAULT_PROFIT_UNIT = "тыс. ₽"


def _clean(text: str) -> str:
    """Text from a file or a folder name without any control character (U+FFFD instead)."""
    return without_controls(text, keep="")


def _dig(data: Any, dotted: str) -> Any:
    """Return the value at ``a.b`` in nested dicts, or None."""
    for part in dotted.split("."):
        if not isinstance(data, dict):
            return None
        data = data.get(part)
    return data


def _number(data: Any, dotted: str) -> float | int | None:
    """Return the number at ``a.b`` (booleans and NaN excluded), or None."""
    value = _dig(data, dotted)
    ok = isinstance(value, int | float) and not isinstance(value, bool) and value == value
    return value if ok else None


def _read_json(path: Path) -> Any:
    """Parsed JSON, or None when absent or unreadable."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _period(revision_dir: Path) -> str:
    """The revision's period from its manifest, else from the parent folder's name."""
    period = _dig(_read_json(revision_dir / files.MANIFEST), "period")
    return period if isinstance(period, str) else revision_dir.parent.name


def subject(period: str, revision: str) -> str:
    """«Отчёт об активности клиентов «В один клик» — ноябрь 2026 (r1)»."""
    return f"Отчёт об активности клиентов {STORE} — {period_label(period)} ({revision})"


def attachment_name(period: str, revision: str) -> str:
    """``report-2026-11-r1.pdf``."""
    return f"report-{period}-{revision}.pdf"


def key_numbers(results: Any) -> list[tuple[str, str]]:
    """(label, formatted value) for each key number present in ``results.json``."""
    unit = _dig(results, "params.profit_unit")
    unit = _clean(unit) if isinstance(unit, str) and unit else DEFAULT_PROFIT_UNIT
    rows: list[tuple[str, str, Callable[[Any], str]]] = [
        ("Снизили покупательскую активность", "facts.decline_share", pct),
        ("Клиентов в выгрузке", "facts.clients_total", num),
        ("Прибыль под угрозой у стабильных клиентов в месяц (оценка)",
         "segments.profit_at_risk_total", lambda v: money(v, unit)),
        ("Качество модели (ROC AUC на тестовой выборке)", "model.test_roc_auc",
         lambda v: num(v, 3)),
        ("Клиентов в списке действий на месяц", "actions.clients_with_offer", num),
    ]
    found = ((label, _number(results, key), fmt) for label, key, fmt in rows)
    return [(label, fmt(value)) for label, value, fmt in found if value is not None]


def _text_body(intro: str, numbers: Sequence[tuple[str, str]], foot: str) -> str:
    lines = [f"— {label}: {value}" for label, value in numbers] or ["— нет данных"]
    return "\n".join(["Здравствуйте!", "", intro, "", "Главные цифры:", *lines, "", foot, ""])


def _html_body(title: str, intro: str, numbers: Sequence[tuple[str, str]], foot: str) -> str:
    e = html.escape
    rows = "".join(
        f'<tr><td style="padding:2px 12px 2px 0">{e(label)}</td>'
        f'<td style="text-align:right"><b>{e(value)}</b></td></tr>' for label, value in numbers
    ) or "<tr><td>нет данных</td></tr>"
    return (f'<!DOCTYPE html>\n<html lang="ru"><head><meta charset="utf-8"><title>{e(title)}'
            '</title></head><body style="font-family:Arial,sans-serif;font-size:14px">'
            f"<p>Здравствуйте!</p><p>{e(intro)}</p><p>Главные цифры:</p>"
            f'<table style="border-collapse:collapse">{rows}</table>'
            f'<p style="color:#666;font-size:12px">{e(foot)}</p></body></html>\n')


def compose(revision_dir: Path, pdf: bytes, sender: str, to: Sequence[str]) -> EmailMessage:
    """Build the message (no Date or Message-ID yet) for a verified revision.

    Parameters
    ----------
    revision_dir : Path
        The revision folder; its name is the revision (``r1``).
    pdf : bytes
        The verified content of ``report.pdf``, attached unchanged.
    sender : str
        ``From`` address.
    to : Sequence[str]
        ``To`` addresses.

    Returns
    -------
    EmailMessage
        ``multipart/mixed``: text and HTML alternatives, then the PDF
        (``application/pdf``, ``report-YYYY-MM-rN.pdf``).
    """
    period, revision = _clean(_period(revision_dir)), _clean(revision_dir.name)
    title = subject(period, revision)
    name = attachment_name(period, revision)
    numbers = key_numbers(_read_json(revision_dir / files.RESULTS))
    intro = (f"Во вложении — отчёт об активности клиентов {STORE} за {period_label(period)} "
             f"(ревизия {revision}).")
    foot = (f"Файл {name}, SHA-256 {hashlib.sha256(pdf).hexdigest()}. "
            "Письмо отправлено автоматически командой oneclick send.")
    msg = EmailMessage()
    msg["Subject"] = title
    msg["From"] = sender
    msg["To"] = ", ".join(to)
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(_text_body(intro, numbers, foot))
    msg.add_alternative(_html_body(title, intro, numbers, foot), subtype="html")
    msg.add_attachment(pdf, maintype="application", subtype="pdf", filename=name)
    return msg

