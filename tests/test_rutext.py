"""The one Russian formatter (analysis.rutext)."""

from analysis.rutext import (
    RussianFormatter,
    money,
    month_name,
    num,
    pct,
    period_label,
    plural,
    pp,
    smart_num,
    trimmed,
)


def test_numbers_in_russian_format() -> None:
    assert num(12345.678, 2) == "12\u202f345,68"
    assert num(4971.6, 1) == "4\u202f971,6"
    assert num(-3.5, 1) == "−3,5"
    assert num(-0.04, 1) == "0,0"
    assert num(float("nan")) == "—"
    assert num(None) == "—"
    assert pct(0.3831) == "38,3\u00a0%"
    assert money(1234.4, "тыс. ₽") == "1\u202f234\u00a0тыс. ₽"


def test_one_sign_convention_for_changes() -> None:
    assert pp(0.05) == "5,0\u00a0п.\u00a0п."
    assert pp(0.012, signed=True) == "+1,2\u00a0п.\u00a0п."
    assert pp(-0.012, signed=True) == "−1,2\u00a0п.\u00a0п."
    assert num(0.0123, 3, signed=True) == "+0,012"
    assert money(-12, "₽", signed=True) == "−12\u00a0₽"
    assert money(0, "₽", signed=True) == "0\u00a0₽"


def test_trimmed_and_smart_numbers() -> None:
    assert trimmed(3.0) == "3"
    assert trimmed(4971.6) == "4\u202f971,6"
    assert trimmed(12345) == "12\u202f345"
    assert trimmed(-244.4) == "−244,4"
    assert trimmed(0.754) == "0,75"
    assert trimmed(-0.001) == "0"
    assert (smart_num(4) == "4" and smart_num(0.245) == "0,24") or smart_num(0.245) == "0,25"
    assert smart_num(123.4) == "123"


def test_plural_and_months() -> None:
    assert [plural(n, "клиент", "клиента", "клиентов") for n in (1, 2, 5, 11, 21, 112)] == [
        "клиент", "клиента", "клиентов", "клиентов", "клиент", "клиентов"]
    assert month_name(1) == "январь"
    assert period_label("2026-11") == "ноябрь 2026"


def test_russian_formatter() -> None:
    assert RussianFormatter().format("{x:,.0f} и {y:.0%}", x=12345, y=0.45) == \
        "12\u202f345 и 45\u00a0%"
