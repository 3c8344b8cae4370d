"""Page 1 as a decision page (report.text.summary): every sentence from the bundle's numbers."""

from __future__ import annotations

import copy
import re

import pytest

from report.text.narrative import kpis
from report.text.outcome import outcome_text
from report.text.summary import (
    baseline_line,
    drivers_line,
    group_actions,
    model_found,
    outcome_line,
    quality_line,
    unit_assumption,
)

NB = "\u00a0"
JARGON = re.compile(r"\b(ROC|AUC|SHAP|A/B)\b|кросс-валидац", flags=re.IGNORECASE)


def _pooled(group: str, test: int, control: int, mde: float | None, powered: bool,
            months: int | None) -> dict:
    return {"group": group, "test": test, "control": control,
            "baseline": 0.6 if group == "prevention" else 0.05,
            "baseline_source": "observed" if group == "prevention" else "assumed",
            "alpha": 0.025, "power": 0.8, "uplift": 0.05, "min_detectable_uplift": mde,
            "powered": powered, "n_total": 5000, "months": months}


def _results() -> dict:
    rule = {"prevention_uplift": 0.1, "winback_uplift": 0.05, "offer_cost": 0.1,
            "cost_email": 0.01, "cost_push": 0.005, "cost_site": 0.0, "control_share": 0.2}
    groups = {
        "winback": {"clients": 495, "profit": 1980.45, "exposure": 1980.45,
                    "selected": 285, "selected_profit": 1178.52, "selected_exposure": 1178.52,
                    "test": 228, "control": 57, "test_cost": 26.3},
        "prevention": {"clients": 802, "profit": 3204.45, "exposure": 528.02,
                       "exposure_interval": [462.4, 593.6], "selected": 65,
                       "selected_profit": 293.65, "selected_exposure": 123.74,
                       "test": 53, "control": 12, "test_cost": 6.2}}
    by_offer = [
        {"group": "winback", "rule": "promo_calendar", "clients": 121, "test": 97,
         "control": 24, "channels": {"email": 80, "personal_account": 17}, "test_cost": 10.5},
        {"group": "winback", "rule": "basket_reminder", "clients": 94, "test": 75,
         "control": 19, "channels": {"push": 75}, "test_cost": 7.9},
        {"group": "winback", "rule": "few_categories", "clients": 70, "test": 56,
         "control": 14, "channels": {"push": 56}, "test_cost": 5.9},
        {"group": "prevention", "rule": "basket_reminder", "clients": 65, "test": 53,
         "control": 12, "channels": {"push": 53}, "test_cost": 6.2}]
    tests = [{"group": o["group"], "rule": o["rule"], "action": f"Предложение {o['rule']}"}
             for o in by_offer]
    return {
        "facts": {"decline_share": 0.3831, "declined": 498, "clients_total": 1300,
                  "money": {"profit_unit": "тыс. ₽", "profit_median": 4.04,
                            "revenue_median": 5024.0, "revenue_unit": "₽",
                            "unit_in_roubles": 1000.0, "profit_to_revenue": 0.804}},
        "params": {"profit_unit": "тыс. ₽"},
        "model": {"lift": [{"top_share": 0.1, "clients": 33, "recall": 0.27, "found": 33,
                            "declined": 122},
                           {"top_share": 0.3, "clients": 97, "recall": 0.729508,
                            "found": 89, "declined": 122}]},
        "segments": {
            "decision": {"rule": rule, "groups": groups,
                         "control": {"share": 0.2, "by_offer": by_offer}},
            "tests": {"tests": tests, "groups": {
                "winback": _pooled("winback", 228, 57, 0.160289, False, 7),
                "prevention": _pooled("prevention", 53, 12, 0.352, False, 86)}}},
        "quality": {
            "clients_read": 1300, "exclusions": [{"code": "inactive", "count": 3}],
            "repairs": [
                {"code": "typo", "column": "Тип сервиса", "count": 10},
                {"code": "typo", "column": "Популярная_категория", "count": 223},
                {"code": "typo", "column": "Период", "count": 1300},
                {"code": "revenue_outlier", "column": "Выручка_текущий_месяц", "count": 1}],
            "warnings": [{"code": "duplicate_clients",
                          "details": {"sets": [[1, 2]] * 11}}]},
        "history": {"skipped": []}}


def _flat(text: str) -> str:
    return text.replace(NB, " ").replace("\u202f", " ")


def test_unit_assumption_says_what_the_unit_implies() -> None:
    text = _flat(unit_assumption(_results()))
    assert "принята «тыс. ₽» (параметр profit_unit)" in text
    assert "прибыль 4,0 тыс. ₽ в месяц при выручке 5 024 ₽ — 80 % выручки" in text
    assert "в 1 000 раз меньше" in text
    plausible = _results()
    plausible["facts"]["money"]["profit_to_revenue"] = 0.2
    assert "необычно" not in unit_assumption(plausible)
    older = _results()
    del older["facts"]["money"]                  # a bundle without the medians: the unit only
    assert _flat(unit_assumption(older)).endswith("принята «тыс. ₽» (параметр profit_unit).")


def test_model_quality_is_counted_exactly_in_plain_words() -> None:
    found = model_found(_results())
    assert (found["found"], found["declined"], found["value"], found["unit"]) == (
        89, 122, "89", "из 122")
    assert "первых 30 % списка" in _flat(found["label"])
    assert not JARGON.search(found["label"])
    older = _results()
    for row in older["model"]["lift"]:
        del row["found"]
    assert model_found(older) is None
    cards = kpis(older)                           # no made-up count: the card is left out
    assert len(cards) == 3 and all(c["value"] != "89" for c in cards)


def test_each_group_says_who_what_cost_and_a_test_that_runs() -> None:
    win, prev = group_actions(_results())
    assert (win["code"], prev["code"]) == ("winback", "prevention")
    assert _flat(win["who"]).startswith("228 из 495 снизивших активность получат предложение, "
                                        "ещё 57 — контрольная группа без него")
    assert "«Предложение promo\\_calendar» — 97 (электронное письмо 80, личный кабинет 17)" \
        in win["offers"]
    assert _flat(win["offers"]).endswith("; ещё 2 предложения — 131")
    assert _flat(win["cost"]).startswith("26,3 тыс. ₽ за месяц (допущения: 0,1 тыс. ₽")
    test = _flat(win["test"])
    assert "на 228 и 57 клиентах проверка заметит прирост от 16,0 п. п." in test
    assert "заложенные 5,0 п. п. — за 7 месяцев накопления" in test
    assert "ожидается 5 %, допущение" in test
    prevention = _flat(prev["test"])
    assert "от 35,2 п. п." in prevention and "не отличит от случайности" in prevention
    assert "ожидается 60 %, наблюдаемая доля у похожих клиентов" in prevention
    for entry in (win, prev):
        assert not JARGON.search(" ".join(str(v) for v in entry.values()))


def test_a_powered_test_an_undetectable_one_and_an_empty_group() -> None:
    results = _results()
    pooled = results["segments"]["tests"]["groups"]
    pooled["winback"] |= {"min_detectable_uplift": 0.04, "powered": True}
    pooled["prevention"] |= {"min_detectable_uplift": None}
    win, prev = group_actions(results)
    assert _flat(win["test"]).endswith("этого хватает, чтобы увидеть заложенные 5,0 п. п. "
                                       "прироста.")
    assert "не заметит даже наибольшего эффекта" in prev["test"]
    empty = copy.deepcopy(_results())
    empty["segments"]["decision"]["groups"]["prevention"] |= {"selected": 0, "test": 0,
                                                              "control": 0}
    assert group_actions(empty)[1]["test"] is None
    assert "правило не отобрало никого из 802 клиентов" in _flat(group_actions(empty)[1]["who"])


def test_quality_counts_label_typos_apart() -> None:
    line = _flat(quality_line(_results()))
    assert line.startswith("прочитано 1 300 клиентов; исключено из модели 3; заменён 1 выброс "
                           "выручки; 11 пар повторяющихся клиентов учтены при проверке модели")
    assert ("исправлены 3 опечатки в названиях (тип сервиса, категория, период) в 1 533 "
            "строках — на цифры они не влияют.") in line
    assert "значени" not in line                       # no «исправлено 1 534 значения»


def test_baseline_or_what_changed() -> None:
    results = _results()
    assert baseline_line(results, None).startswith("**Это первый отчёт — точка отсчёта.**")
    assert baseline_line(results, "Доля снижения: 40 % → 38 %.") == (
        "**Что изменилось с прошлого отчёта.** Доля снижения: 40 % → 38 %.")
    results["history"]["skipped"] = [{"revision": "2026-10/r1", "problem": "x"}]
    assert "повреждены" in baseline_line(results, None)


def test_drivers_in_one_line_with_units() -> None:
    drivers = [
        {"feature": "Страниц_за_визит", "declined_median": 5.0, "stable_median": 10.0,
         "direction": "low"},
        {"feature": "Минут_предыдущий_месяц", "declined_median": 10.0, "stable_median": 15.0,
         "direction": "low"},
        {"feature": "Популярная_категория", "declined_median": None, "stable_median": None,
         "direction": "category"}]
    line = _flat(drivers_line(drivers))
    assert line.startswith("страниц за визит 5 против 10; минут на сайте, предыдущий месяц "
                           "10 против 15 мин; любимая категория")
    assert line.endswith(".")


@pytest.mark.parametrize("share,word", [(0.804, "необычно"), (0.3, "выручки.")])
def test_unit_note_ends_as_a_sentence(share: float, word: str) -> None:
    results = _results()
    results["facts"]["money"]["profit_to_revenue"] = share
    text = unit_assumption(results)
    assert word in text and text.endswith(".")


def test_last_months_outcome_in_one_line() -> None:
    measured = {"measured": True, "column": "[Эффект предложений, октябрь 2026](#outcome)",
                "by_group": {"prevention": "+4,9 п. п., эффект не обнаружен",
                             "winback": "+8,7 п. п., эффект есть"}}
    assert outcome_line(measured, True) == (
        "**[Эффект предложений, октябрь 2026](#outcome):** возврат +8,7 п. п., эффект есть; "
        "профилактика +4,9 п. п., эффект не обнаружен.")
    assert outcome_line(outcome_text(None), False) is None        # first run: the baseline says
    status = outcome_text({"status": "same_period", "assignment": {"period": "2026-11"}})
    assert outcome_line(status, True).startswith("Результат предложений прошлого месяца не "
                                                 "измерен")
