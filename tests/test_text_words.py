"""The report's vocabulary: one word per code and one set of AUC cut-offs."""

from __future__ import annotations

import pytest

from report.text.common import lift_row, lift_sentence
from report.text.method import parameter_value
from report.text.model import _threshold
from report.text.sections import quality_section
from report.text.words import (
    AUC_WORDS,
    CORRECTION_WORDS,
    TERMS,
    auc_quality,
    auc_separation,
    channel_label,
    correction_word,
    count,
    effect_word,
)

NB = "\u00a0"


def test_auc_quality_cut_offs() -> None:
    assert [auc_quality(v) for v in (0.95, 0.9, 0.85, 0.75, 0.6, float("nan"))] == [
        "высокое", "высокое", "хорошее", "умеренное", "слабое", "слабое"]
    assert [auc_separation(v) for v in (0.95, 0.85, 0.75, 0.6)] == [
        "очень хорошо", "хорошо", "умеренно", "слабо"]
    cuts = [cut for cut, *_ in AUC_WORDS]
    assert cuts == sorted(cuts, reverse=True) and cuts[-1] == 0.0


def test_codes_are_worded() -> None:
    assert effect_word("large") == "сильный" and effect_word(None) == "—"
    assert channel_label("personal_account") == "личный кабинет"
    assert channel_label("fax") == "fax"


def test_one_lift_sentence_at_the_nearest_share() -> None:
    model = {"lift": [{"top_share": s, "recall": r} for s, r in
                      ((0.1, 0.3), (0.2, 0.55), (0.3, 0.8), (0.5, 0.95))]}
    row = lift_row(model)
    assert row["top_share"] == 0.3
    assert lift_sentence(row) == (f"80{NB}% снизивших активность клиентов — среди 30{NB}% "
                                  "клиентов, которых модель считает самыми рискованными")
    assert lift_row({"lift": []}) is None


@pytest.mark.parametrize(("n", "noun", "expected"), [
    (501, "client", "501 клиент"), (103, "client", "103 клиента"),
    (2534, "client", "2\u202f534 клиента"), (11, "client", "11 клиентов"),
    (1534, "value", "1\u202f534 значения"), (21, "row", "21 строка"),
    (1, "client_gen", "1 клиента"), (802, "client_gen", "802 клиентов"),
])
def test_count_agrees_the_noun(n: int, noun: str, expected: str) -> None:
    assert count(n, noun) == expected


def test_corrections_are_translated() -> None:
    assert correction_word("holm") == "поправка Холма"
    assert "поправка Бонферрони" in CORRECTION_WORDS.values()


def test_terms_use_one_word_per_concept() -> None:
    assert TERMS["declined"] == "снизившие активность"
    assert TERMS["at_risk"] == "под угрозой"
    assert "снижающ" not in " ".join(TERMS.values())


def test_threshold_sentence_agrees_the_selected_clients() -> None:
    """«модель отобрала 103 клиентов» was the defect: the count goes through the one helper."""
    model = {"confusion_matrix": {"matrix": [[180, 11], [30, 92]]}, "threshold": 0.42,
             "threshold_rule": "f1", "cv_f1": 0.8}
    text = _threshold(model)
    assert "для контакта 103 клиента" in text
    assert "103 клиентов" not in text


def test_parameters_use_decimal_commas() -> None:
    assert parameter_value("stats.alpha", 0.05) == "0,05"
    assert parameter_value("x", 8.0) == "8"
    assert parameter_value("x", -0.25) == "−0,25"
    assert parameter_value("x", [0.5, 2.0]) == "0,5, 2"
    assert parameter_value("x", False) == "нет"
    assert parameter_value("x", None) == "—"
    assert parameter_value("x", "") == "—"


def test_quality_conclusion_reads_as_a_sentence() -> None:
    results = {"quality": {"clients_read": 1300, "clients_usable": 1297,
                           "exclusions": [{"count": 3}],
                           "repairs": [{"count": 1300}, {"count": 234}], "warnings": []},
               "params": {"profit_unit": "тыс. ₽"}}
    text = quality_section(results)["quality_conclusion"]
    assert "исправлено 1\u202f534 значения (2 вида ошибок)" in text
    assert "предупреждений нет" in text
    assert "видов," not in text and "предупреждений 0" not in text


def test_page_one_names_each_measure_once() -> None:
    from report.text.narrative import page_one_drivers

    drivers = [{"feature": f} for f in ("Страниц_за_визит", "Минут_предыдущий_месяц",
                                        "Акционные_покупки", "Минут_текущий_месяц",
                                        "Средний_просмотр_категорий_за_визит",
                                        "Неоплаченные_продукты_штук_квартал")]
    shown = [d["feature"] for d in page_one_drivers(drivers)]
    assert shown == ["Страниц_за_визит", "Минут_предыдущий_месяц", "Акционные_покупки",
                     "Средний_просмотр_категорий_за_визит"]
