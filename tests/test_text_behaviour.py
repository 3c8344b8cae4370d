"""Words of the behaviour section: group summaries, effect words, the id-leakage sentence."""

from __future__ import annotations

import pandas as pd
from test_stats import _clients

from analysis import glossary as g
from analysis.behaviour.stats import behaviour_records, behaviour_tests, id_leakage
from analysis.config import StatsParams
from report.text.behaviour import behaviour_row, group_summaries, leakage_text


def test_group_summaries_name_what_differs_and_what_does_not() -> None:
    summaries = group_summaries(behaviour_records(behaviour_tests(_clients(), StatsParams())))
    assert list(summaries) == list(g.GROUPS)
    site = summaries["Активность на сайте"]
    assert site.startswith("Сильнее всего различается: «Страниц за визит» (эффект сильный")
    assert "ниже" in site and "не различаются:" in site
    assert "«Согласие на сообщения»" in summaries["Маркетинговые коммуникации"]
    assert all(s.endswith(".") for s in summaries.values())


def test_effect_codes_are_worded_in_rows() -> None:
    records = behaviour_records(behaviour_tests(_clients(), StatsParams()))
    pages = next(r for r in records if r["feature"] == "Страниц_за_визит")
    assert behaviour_row(pages)["effect"].startswith("сильный (r = ")


def test_leakage_sentence_follows_the_check() -> None:
    target = [g.DECLINED] * 5 + [g.STABLE] * 5
    blocks = pd.DataFrame({g.TARGET: target}, index=pd.Index(range(10), name="id"))
    text = leakage_text(id_leakage(blocks))
    assert "никогда не подаются в модель" in text and "1,00" in text
    mixed = pd.DataFrame({g.TARGET: target, "id": [0, 9, 2, 7, 4, 5, 3, 6, 1, 8]})
    assert "почти не связан" in leakage_text(id_leakage(mixed))
