from report.text.fmt import money, num, pct, plural, pp


def test_numbers_in_russian_format() -> None:
    assert num(12345.678, 2) == "12\u202f345,68"
    assert num(-3.5, 1) == "−3,5"
    assert num(float("nan")) == "—"
    assert pct(0.3831) == "38,3\u00a0%"
    assert pp(0.012) == "+1,2\u00a0п.\u00a0п."
    assert money(1234.4, "тыс. ₽") == "1\u202f234\u00a0тыс. ₽"


def test_plural() -> None:
    assert [plural(n, "клиент", "клиента", "клиентов") for n in (1, 2, 5, 11, 21, 112)] == [
        "клиент", "клиента", "клиентов", "клиентов", "клиент", "клиентов"]
