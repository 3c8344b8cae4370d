"""The figures' captions: written from each figure's facts, and following them."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from figures.build import plan_figures
from figures.reader import Bundle
from report.text.figures import caption, with_captions

CYRILLIC = re.compile(r"[А-Яа-яЁё]")
REAL_EXPORT = Path(__file__).resolve().parents[2] / "shared" / "data" / "one-click"

BALANCE = {"clients": 1300, "declined": 498, "stable": 802, "decline_share": 0.383077,
           "modelled": 1297}
HISTOGRAMS = {"top": {"feature": "Страниц_за_визит", "label": "Страниц за визит",
                      "declined": 5.0, "stable": 10.0, "mean": False, "effect_size": -0.6,
                      "effect_magnitude": None},
              "labels": ["Страниц за визит", "Категорий за визит"]}
ROC = {"auc": 0.91, "ci": [0.87, 0.94], "lift": None, "pr_auc": 0.85, "base_rate": 0.38}
COMPARISON = {"chosen": {"label": "Логистическая регрессия", "auc": 0.905, "std": 0.01},
              "rival": {"label": "Случайный лес", "gap": 0.004, "spread": 0.01},
              "baseline": {"label": "Без признаков", "auc": 0.5}, "candidates": 3}
CALIBRATION = {"mean_gap": 0.03, "bias": 0.01, "worst_predicted": 0.45,
               "worst_observed": 0.6, "bins": 10, "brier": 0.11}
MONTHLY = {"measure": "minutes", "period": "текущий_месяц", "declined": 10.0, "stable": 15.0,
           "unit": "мин", "revenue_trend": None}
SEGMENT_MAP = {"clients": 1297, "high_risk": 300, "high_risk_share": 0.7,
               "profit_at_risk": 900.0, "corner": None, "unit": "тыс. ₽", "shown": 1297,
               "population": 1297}


def _with(facts: dict[str, Any], **changes: Any) -> dict[str, Any]:
    changed = copy.deepcopy(facts)
    changed.update(changes)
    return changed


@pytest.fixture(scope="module")
def plans(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> list:
    """The plans of a fake bundle: the real export if present, else the demo one."""
    from fake_bundle import write_fake_bundle

    real = (REAL_EXPORT / "market_file.csv").is_file()
    export = REAL_EXPORT if real else request.getfixturevalue("demo_export_master")
    bundle = write_fake_bundle(export, tmp_path_factory.mktemp("bundle"))
    return plan_figures(Bundle.read(bundle), strict=True)


def test_every_figure_of_a_bundle_gets_russian_captions(plans: list) -> None:
    assert len(plans) >= 16
    for plan in plans:
        facts = json.loads(json.dumps(plan.facts))  # as the figure index stores them
        text = caption(plan.name, facts)
        for part in (text.title, text.takeaway, text.alt):
            assert part.strip() and CYRILLIC.search(part)
            assert "None" not in part and "nan" not in part
        assert text.takeaway.endswith(".") and text.alt.endswith(".")


def test_with_captions_adds_the_three_texts_to_a_spec() -> None:
    spec = {"name": "target_balance", "path": "figures/target_balance.png",
            "section": "behaviour", "facts": BALANCE}
    full = with_captions(spec)
    assert {k: full[k] for k in spec} == spec
    assert full["title"] == caption("target_balance", BALANCE).title
    assert full["title"] == "Активность снизилась у 38,3\u00a0% клиентов: 498 из 1\u202f300"


def test_waterfalls_share_one_writer_and_unknown_figures_are_refused() -> None:
    facts = {"number": 3, "id": 215400, "kind": None, "probability": 0.9996,
             "lead": {"label": "Страниц за визит", "feature": "Страниц_за_визит", "value": 3,
                      "raises": True},
             "raise": ["Страниц за визит"], "lower": []}
    text = caption("waterfall_3", facts)
    assert text.title.startswith("Клиент 215400: вероятность снижения больше 99")
    assert "повышает «Страниц за визит» (3)" in text.title
    assert text.takeaway == "Риск повышают «Страниц за визит»."
    assert "клиента сдвигают" in caption("waterfall_1", _with(facts, id=None)).alt
    assert caption("waterfall_1", _with(facts, id=None)).title.startswith("Клиент 3:")
    with pytest.raises(KeyError):
        caption("no_such_figure", {})


def test_title_follows_the_share_and_plural_follows_the_count() -> None:
    before = caption("target_balance", BALANCE)
    after = caption("target_balance", _with(BALANCE, declined=249, stable=1051,
                                            decline_share=0.19, modelled=21))
    assert before.title != after.title and "19,0\u00a0%" in after.title
    assert "участвуют 21 клиент из" in after.takeaway
    assert "участвуют 1\u202f297 клиентов" in before.takeaway


def test_distribution_captions_follow_the_medians() -> None:
    swapped = _with(HISTOGRAMS, top={**HISTOGRAMS["top"], "declined": 10.0, "stable": 5.0})
    before, after = caption("numeric_histograms", HISTOGRAMS), caption("numeric_histograms",
                                                                       swapped)
    assert " меньше " in before.title and " больше " in after.title
    assert before.takeaway.endswith("левее.") and after.takeaway.endswith("правее.")
    assert "эффект" not in before.takeaway
    strong = _with(HISTOGRAMS, top={**HISTOGRAMS["top"], "effect_magnitude": "large"})
    assert "(эффект сильный, r = −0,60)" in caption("numeric_histograms", strong).takeaway


@pytest.mark.parametrize(("auc", "word"), [(0.95, "очень хорошо"), (0.85, "хорошо"),
                                           (0.75, "умеренно"), (0.61, "слабо")])
def test_roc_title_says_the_quality_word_of_the_auc(auc: float, word: str) -> None:
    title = caption("roc_pr", _with(ROC, auc=auc)).title
    assert title.startswith(f"Модель {word} отделяет") and "95 % ДИ 0,87–0,94" in title
    assert "ДИ" not in caption("roc_pr", _with(ROC, auc=auc, ci=None)).title


def test_roc_takeaway_prefers_the_lift_then_the_pr_curve() -> None:
    lift = {"top_share": 0.3, "recall": 0.65, "lift": 2.2}
    assert "в 2,2 раза больше" in caption("roc_pr", _with(ROC, lift=lift)).takeaway
    assert "точность–полнота 0,85" in caption("roc_pr", ROC).takeaway
    assert "ROC-кривой" in caption("roc_pr", _with(ROC, pr_auc=None)).takeaway


def test_model_comparison_says_whether_the_gap_exceeds_the_spread() -> None:
    close = caption("model_comparison", COMPARISON).takeaway
    assert close.startswith("Разница с моделью «Случайный лес» (0,004) меньше разброса")
    far = _with(COMPARISON, rival={"label": "Случайный лес", "gap": -0.05, "spread": 0.01})
    assert "Модель уступает «Случайный лес» на 0,050" in caption("model_comparison", far).takeaway
    alone = _with(COMPARISON, rival=None, baseline=None, candidates=1)
    text = caption("model_comparison", alone)
    assert text.takeaway == "Сравнивалась одна модель, «Логистическая регрессия»."
    assert "для 1 модели;" in text.alt


@pytest.mark.parametrize(("gap", "bias", "start"), [
    (0.03, 0.01, "Предсказанные вероятности совпадают"),
    (0.10, 0.01, "Предсказанные вероятности то выше, то ниже"),
    (0.10, 0.09, "Модель завышает"),
    (0.10, -0.09, "Модель занижает"),
])
def test_calibration_title_follows_the_gaps(gap: float, bias: float, start: str) -> None:
    text = caption("calibration", _with(CALIBRATION, mean_gap=gap, bias=bias))
    assert text.title.startswith(start)
    assert "Брайера" not in caption("calibration", _with(CALIBRATION, brier=None)).takeaway


def test_monthly_captions_follow_the_period_measure_and_trend() -> None:
    text = caption("monthly_activity", MONTHLY)
    assert text.title == ("Снизившие активность проводят на сайте меньше времени в текущем "
                          "месяце: 10 против 15 мин")
    revenue = _with(MONTHLY, measure="revenue", period="предыдущий_месяц", declined=20.0,
                    unit="₽", revenue_trend={"months": 3, "declined": -0.1, "stable": 0.05})
    text = caption("monthly_activity", revenue)
    assert text.title.startswith("Снизившие активность приносят больше выручки в предыдущем")
    assert text.takeaway == ("За 3 месяца средняя выручка снизивших изменилась на −10,0\u00a0%, "
                             "стабильных — на +5,0\u00a0%.")


def test_segment_map_speaks_of_the_corner_and_of_the_sample() -> None:
    plain = caption("segment_map", SEGMENT_MAP)
    assert plain.takeaway == "300 клиентов с высоким риском при 1\u202f297 всего."
    assert "выборка" not in plain.alt
    corner = _with(SEGMENT_MAP, corner={"clients": 21, "profit_at_risk": 120.5}, shown=500,
                   population=1297)
    text = caption("segment_map", corner)
    assert "у 21 клиента:" in text.takeaway and "120,5\u00a0тыс. ₽" in text.takeaway
    assert "(случайная выборка из 1\u202f297)" in text.alt


def test_model_comparison_names_the_tie() -> None:
    tie = _with(COMPARISON, tied=["Случайный лес", "k ближайших соседей"])
    text = caption("model_comparison", tie)
    assert text.takeaway.startswith("Ничья в пределах одной стандартной ошибки")
    assert "«Случайный лес», «k ближайших соседей»" in text.takeaway
    assert "оценка отбора" in text.title
