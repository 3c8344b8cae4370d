"""Words of drivers, per-client reasons and example clients (report.text.reasons)."""

from __future__ import annotations

import pandas as pd

from analysis import glossary as g
from analysis.explain.reasons import REASON_FIELDS, reason_columns
from report.text.reasons import (
    direction_text,
    drivers_conclusion,
    example_summary,
    example_title,
    rank_text,
    reason_text,
    reason_texts,
)

NN, NB = "\u202f", "\u00a0"


def test_direction_words() -> None:
    assert direction_text({"direction": "low"}) == "чем меньше, тем выше риск"
    assert direction_text({"direction": "high"}) == "чем больше, тем выше риск"
    assert direction_text({"direction": "ambiguous"}) == "связь неоднозначна"
    assert direction_text({"direction": "category", "level": "Кухонная посуда"}) == \
        "выше риск при значении «Кухонная посуда»"


def test_reason_text_numeric_and_categorical() -> None:
    assert reason_text("Страниц_за_визит", "low", 3.0, 5.0) == \
        "мало страниц за визит: 3 против 5 у стабильных клиентов"
    assert reason_text(g.REVENUE_COLUMNS[2], "high", 5681.0, 4971.6).endswith(
        f": 5{NN}681{NB}₽ против 4{NN}971,6{NB}₽ у стабильных клиентов")
    assert reason_text("Популярная_категория", "category", "Кухонная посуда", 0.383, 0.5) == (
        f"любимая категория «Кухонная посуда»: снижение у 50{NB}% таких клиентов против "
        f"38{NB}% в среднем")
    assert reason_text("", "", None, float("nan")) == ""


def test_reason_texts_word_each_rank() -> None:
    columns = {}
    for k in (1, 2, 3):
        names = reason_columns(k)
        columns |= {names[f]: [None, None] for f in REASON_FIELDS}
        columns[names["feature"]] = ["", ""]
    frame = pd.DataFrame(columns, index=[10, 11])
    frame.loc[10, ["reason_1_feature", "reason_1_side", "reason_1_value", "reason_1_reference"]] \
        = ["Страниц_за_визит", "high", 12345.0, 5.25]
    texts = reason_texts(frame)
    assert list(texts.columns) == ["reason_1", "reason_2", "reason_3"]
    assert texts.loc[10, "reason_1"] == \
        f"много страниц за визит: 12{NN}345 против 5,25 у стабильных клиентов"
    assert (texts.loc[11] == "").all()


def test_example_title_and_summary() -> None:
    example = {"id": 215348, "kind": "highest", "probability": 0.91, "contributions": [
        {"feature": "Страниц_за_визит", "value": 0.8, "client_value": 2},
        {"feature": "Популярная_категория", "value": -0.1, "client_value": "Кухонная посуда"}]}
    assert example_title(example) == "Клиент 215348 с наибольшим риском"
    assert example_summary(example) == (
        f"Клиент 215348 с наибольшим риском: вероятность снижения 91{NB}%; риск сильнее всего "
        "повышают «Страниц за визит» (2); снижают «Любимая категория» («Кухонная посуда»).")
    assert example_title({"id": 7, "kind": "quantile"}) == "Клиент 7"


def _driver(feature: str, rank: int, tier: int, first: int, last: int) -> dict:
    return {"feature": feature, "rank": rank, "tier": tier, "tier_size": last - first + 1,
            "tier_first": first, "tier_last": last}


DRIVERS = [_driver("Минут_предыдущий_месяц", 1, 1, 1, 1), _driver("Страниц_за_визит", 2, 2, 2, 3),
           _driver("Акционные_покупки", 3, 2, 2, 3), _driver("Длительность", 4, 3, 4, 4)]


def test_place_is_a_rank_or_a_range_of_a_set() -> None:
    assert [rank_text(d) for d in DRIVERS] == ["1", "2–3, наравне", "2–3, наравне", "4"]
    assert rank_text({"feature": "x"}) == ""


def test_conclusion_orders_resolved_drivers_and_groups_the_rest() -> None:
    text = drivers_conclusion(DRIVERS, 0.95, 1000)
    assert text.startswith("Сильнее всего на прогноз влияет «Минут на сайте, предыдущий месяц», "
                           "затем «Страниц за визит» и «Доля покупок по акции» (наравне).")
    assert "«Дней с регистрации»" not in text            # the first three places are covered
    assert f"95{NB}% интервалы мест" in text and f"1{NN}000 повторов" in text
    assert drivers_conclusion(DRIVERS[:1], None, None) == (
        "Сильнее всего на прогноз влияет «Минут на сайте, предыдущий месяц».")
