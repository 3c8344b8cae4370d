"""Tests of report.delivery.message: subject, key numbers and the bodies of the e-mail."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _smtp_server import PDF, SUBJECT

from report.delivery.message import compose, key_numbers, subject

#: No credentials and no ./oneclick.toml from the developer's shell (see ``_smtp_server``).
pytestmark = pytest.mark.usefixtures("clean_delivery_env")

# ------------------------------------------------------------------- message


def test_subject_and_key_numbers_tolerate_missing_keys() -> None:
    assert subject("2026-11", "r1") == SUBJECT
    assert subject("2027-01", "r3").endswith("— январь 2027 (r3)")
    assert key_numbers(None) == []
    assert key_numbers({"facts": {"decline_share": 0.5, "clients_total": True}}) == [
        ("Снизили покупательскую активность", "50,0\u00a0%")]
    money = dict(key_numbers({"segments": {"profit_at_risk_total": 1500}}))
    assert money == {
        "Прибыль под угрозой у стабильных клиентов в месяц (оценка)": "1\u202f500\u00a0тыс. ₽"}


def test_text_from_results_is_escaped_in_html(tmp_path: Path) -> None:
    folder = tmp_path / "2026-11" / "r2"
    folder.mkdir(parents=True)
    (folder / "results.json").write_text(json.dumps(
        {"params": {"profit_unit": "<script>x</script>"},
         "segments": {"profit_at_risk_total": 1.0}}), encoding="utf-8")
    msg = compose(folder, PDF, "r@example.ru", ["a@example.ru"])
    assert msg["Subject"].endswith("ноябрь 2026 (r2)")
    html = msg.get_body(("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_control_characters_from_files_never_reach_the_mail(tmp_path: Path) -> None:
    """A period in the manifest, a revision folder name and a profit unit holding line
    breaks, ANSI escapes or BEL: no header is added, no control character is sent."""
    folder = tmp_path / "2026-11" / "r2\r\nBcc: spy@example.ru"
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text(json.dumps({"period": "2026-11\x1b[2J\x07"}),
                                          encoding="utf-8")
    (folder / "results.json").write_text(json.dumps(
        {"params": {"profit_unit": "тыс.\x1b[31m ₽\x00"},
         "segments": {"profit_at_risk_total": 1.0}}), encoding="utf-8")
    msg = compose(folder, PDF, "r@example.ru", ["a@example.ru"])
    assert msg["Bcc"] is None and "spy@example.ru" in msg["Subject"]
    text = msg.as_string()
    assert "\x1b" not in text and "\x07" not in text and "\x00" not in text
    assert "\nBcc:" not in text
    body = msg.get_body(("plain",)).get_content()
    assert "тыс.\ufffd[31m ₽\ufffd" in body
