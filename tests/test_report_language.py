"""The report's Russian, read from its PDF: numbers agree with their nouns, decimal commas.

The demo export is rendered once per session (``demo_report``, see :mod:`_demo_report`:
small configuration, built-in renderer, shared with ``test_page_fill.py``) and the PDF
text is checked with :mod:`_report_language`; the checker itself is tested on strings.
"""

from __future__ import annotations

import pytest
from _report_language import agreement_errors, decimal_points, pdf_text


@pytest.fixture(scope="module")
def demo_pdf_text(demo_report: dict) -> str:
    """The text of the demo report's PDF (``demo_report``, made once per session)."""
    pytest.importorskip("pypdf")
    return pdf_text(demo_report["revision"] / "report.pdf")


def test_numbers_agree_with_clients_values_rows(demo_pdf_text: str) -> None:
    assert agreement_errors(demo_pdf_text) == []
    assert "клиент" in demo_pdf_text                     # the text was read at all


def test_no_decimal_point_outside_hashes_versions_code(demo_pdf_text: str) -> None:
    assert decimal_points(demo_pdf_text) == []


@pytest.mark.parametrize(("text", "wrong"), [
    ("модель отобрала 103 клиентов для контакта", True),
    ("модель отобрала 103 клиента для контакта", False),
    ("нужно 2 534 клиентов", True),
    ("нужно 2\u202f534 клиента", False),
    ("в сегменте 501 клиентов", True),
    ("в сегменте 501 клиент", False),
    ("в сегменте 511 клиентов", False),
    ("в сегменте 12 клиента", True),
    ("исправлено 1 534 значения", False),
    ("исправлено 1 535 значения", True),
    ("прочитано 21 строка", False),
    ("прочитано 21 строк", True),
    ("у 802 клиентов", False),
    ("из 1 клиента", False),
    ("у 1 клиентов", True),
    ("1,6 клиента на каждого", False),
    ("стр. 16 из 29 Клиент 215460", False),
])
def test_agreement_checker(text: str, wrong: bool) -> None:
    assert bool(agreement_errors(text)) is wrong


@pytest.mark.parametrize(("text", "wrong"), [
    ("α = 0.05 и мощность 0.8", True),
    ("выброс 106862.2", True),
    ("α = 0,05", False),
    ("Python 3.11.7, weasyprint 70.0", False),
    ("коммит 10772a278075e142e061a1850d95ed4e2eb2d43c", False),
    ("файл market_file.csv", False),
])
def test_decimal_point_checker(text: str, wrong: bool) -> None:
    assert bool(decimal_points(text)) is wrong
