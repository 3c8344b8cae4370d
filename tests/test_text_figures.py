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

HISTOGRAMS = {"top": {"feature": "Страниц_за_визит", "label": "Страниц за визит",
                      "declined": 5.0, "stable": 10.0, "mean": False, "effect_size": -0.6,
                      "effect_magnitude": None},
              "labels": ["Страниц за визит", "Категорий за визит"]}
ROC = {"auc": 0.91, "ci": [0.87, 0.94], "lift": None, "pr_auc": 0.85, "base_rate": 0.38}
CALIBRATION = {"mean_gap": 0.03, "bias": 0.01, "worst_predicted": 0.45,
               "worst_observed": 0.6, "bins": 10, "brier": 0.11}
MONTHLY = {"measure": "minutes", "period": "текущий_месяц", "declined": 10.0, "stable": 15.0,
           "unit": "мин", "revenue_trend": None, "minutes_trend": None}
EXAMPLES = {"clients": [
    {"id": 215460, "kind": "highest", "probability": 0.99,
     "lead": {"label": "Страниц за визит", "feature": "Страниц_за_визит", "value": 2,
              "raises": True},
     "raise": ["Страниц за визит", "Минут на сайте, предыдущий месяц"],
     "lower": ["Любимая категория"]},
    {"id": 215841, "kind": "lowest", "probability": 0.02,
     "lead": {"label": "Страниц за визит", "feature": "Страниц_за_визит", "value": 10,
              "raises": False},
     "raise": [], "lower": ["Страниц за визит"]}],
    "contrast": {"feature": "Страниц_за_визит", "label": "Страниц за визит",
                 "high": {"id": 215460, "value": 2, "contribution": 1.78},
                 "low": {"id": 215841, "value": 10, "contribution": -1.16}},
    "rows": 10}
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
    assert len(plans) >= 11
    for plan in plans:
        facts = json.loads(json.dumps(plan.facts))  # as the figure index stores them
        text = caption(plan.name, facts)
        for part in (text.title, text.takeaway, text.alt):
            assert part.strip() and CYRILLIC.search(part)
            assert "None" not in part and "nan" not in part
        assert text.takeaway.endswith(".") and text.alt.endswith(".")


def test_with_captions_adds_the_three_texts_to_a_spec() -> None:
    spec = {"name": "monthly_activity", "path": "figures/monthly_activity.png",
            "section": "behaviour", "facts": MONTHLY}
    full = with_captions(spec)
    assert {k: full[k] for k in spec} == spec
    assert full["title"] == caption("monthly_activity", MONTHLY).title
    with pytest.raises(KeyError):
        caption("no_such_figure", {})


def test_examples_caption_names_the_shared_lead_and_the_widest_contrast() -> None:
    text = caption("shap_examples", EXAMPLES)
    assert text.title == ("Прогноз всех двух клиентов сильнее всего сдвигает «Страниц за визит» "
                          "(2 и 10), но в разные стороны")
    assert text.takeaway == ("Сильнее всего клиенты расходятся по признаку «Страниц за визит»: "
                             "у клиента 215460 (2) вклад +1,78, у клиента 215841 (10) — −1,16.")
    assert "Для 2 клиентов из примеров (вероятность снижения 99\u00a0%, 2\u00a0%)" in text.alt
    apart = copy.deepcopy(EXAMPLES)
    apart["clients"][1]["lead"] = {"label": "Доля покупок по акции", "feature": "Акционные_покупки",
                                   "value": 0.12, "raises": False}
    assert caption("shap_examples", apart).title == (
        "Прогноз разных клиентов определяют разные признаки: у клиента 215460 — «Страниц за "
        "визит»; у клиента 215841 — «Доля покупок по акции»")
    alone = _with(EXAMPLES, clients=EXAMPLES["clients"][:1], contrast=None)
    text = caption("shap_examples", alone)
    assert text.title == ("У клиента 215460 риск снижения сильнее всего повышает «Страниц за "
                          "визит» (2)")
    assert text.takeaway == ("Риск повышают «Страниц за визит» и «Минут на сайте, предыдущий "
                             "месяц»; снижают «Любимая категория».")


def test_distribution_captions_follow_the_medians() -> None:
    swapped = _with(HISTOGRAMS, top={**HISTOGRAMS["top"], "declined": 10.0, "stable": 5.0})
    before, after = caption("numeric_histograms", HISTOGRAMS), caption("numeric_histograms",
                                                                       swapped)
    assert " меньше " in before.title and " больше " in after.title
    assert before.title.endswith("медиана 5 против 10 у стабильных")
    assert "в основном меньше" in before.takeaway and "в основном больше" in after.takeaway
    means = _with(HISTOGRAMS, top={**HISTOGRAMS["top"], "mean": True})
    assert "в среднем 5 против 10" in caption("numeric_histograms", means).title
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


@pytest.mark.parametrize(("gap", "bias", "worst", "start"), [
    (0.03, 0.01, 0.5, "Предсказанные вероятности близки к фактической доле"),
    (0.03, 0.01, 0.3, "Предсказанные вероятности в среднем близки к фактической доле"),
    (0.10, 0.01, 0.6, "Предсказанные вероятности то выше, то ниже"),
    (0.10, 0.09, 0.6, "Модель завышает"),
    (0.10, -0.09, 0.6, "Модель занижает"),
])
def test_calibration_title_follows_the_gaps(gap: float, bias: float, worst: float,
                                            start: str) -> None:
    text = caption("calibration", _with(CALIBRATION, mean_gap=gap, bias=bias,
                                        worst_observed=worst))
    assert text.title.startswith(start)
    assert "Брайера" not in caption("calibration", _with(CALIBRATION, brier=None)).takeaway


def test_calibration_title_never_says_close_past_a_wide_gap() -> None:
    """The worst group's gap is in the title whenever it is wide, whatever the mean gap."""
    text = caption("calibration", _with(CALIBRATION, mean_gap=0.041, worst_predicted=0.3987,
                                        worst_observed=0.28125))
    assert "но около 40\u00a0% расходятся с ней на 12\u00a0п.\u00a0п." in text.title
    assert text.takeaway.startswith("Из клиентов с прогнозом около 40\u00a0% активность "
                                    "снизилась у 28\u00a0%")


def test_monthly_captions_follow_the_period_measure_and_trend() -> None:
    text = caption("monthly_activity", MONTHLY)
    assert text.title == ("Снизившие активность проводят на сайте меньше времени в текущем "
                          "месяце: в среднем 10 против 15 мин")
    revenue = _with(MONTHLY, measure="revenue", period="предыдущий_месяц", declined=20.0,
                    unit="₽", revenue_trend={"months": 3, "declined": -0.1, "stable": 0.05})
    text = caption("monthly_activity", revenue)
    assert text.title.startswith("Снизившие активность приносят больше выручки в предыдущем")
    assert text.takeaway == ("За 3 месяца средняя выручка снизивших изменилась на −10,0\u00a0%, "
                             "стабильных — на +5,0\u00a0%.")


def test_monthly_caption_says_the_revenue_paradox_from_the_facts() -> None:
    """Declining clients whose revenue grew faster: the title says so, with the two changes."""
    paradox = _with(MONTHLY, declined=10.96, stable=14.6,
                    revenue_trend={"months": 3, "declined": 0.1336, "stable": 0.0536})
    text = caption("monthly_activity", paradox)
    assert text.title == ("Снизившие активность проводят на сайте меньше времени, но их выручка "
                          "растёт быстрее: +13,4\u00a0% против +5,4\u00a0% за 3 месяца")
    assert "выручка снижения активности пока не показывает" in text.takeaway
    assert text.takeaway.startswith("В текущем месяце у снизивших в среднем 11,0 мин на сайте "
                                    "против 14,6 мин у стабильных")
    usual = _with(paradox, revenue_trend={"months": 3, "declined": 0.02, "stable": 0.05})
    text = caption("monthly_activity", usual)
    assert "быстрее" not in text.title
    assert text.takeaway == ("За 3 месяца средняя выручка снизивших изменилась на +2,0\u00a0%, "
                             "стабильных — на +5,0\u00a0%.")


def test_segment_map_speaks_of_the_corner_and_of_the_sample() -> None:
    plain = caption("segment_map", SEGMENT_MAP)
    assert plain.takeaway == "300 клиентов с высоким риском из 1\u202f297 стабильных."
    assert plain.title.startswith("Высокий риск у 300 из 1\u202f297 стабильных клиентов")
    assert "выборка" not in plain.alt
    corner = _with(SEGMENT_MAP, corner={"clients": 21, "profit_at_risk": 120.5}, shown=500,
                   population=1297)
    text = caption("segment_map", corner)
    assert "у 21 клиента:" in text.takeaway and "120,5\u00a0тыс. ₽" in text.takeaway
    assert "(случайная выборка из 1\u202f297)" in text.alt
