"""Last month's offers measured: the interval, the test, the counts, the statuses, the words."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis import glossary as g
from analysis.comparison import previous_outcome
from analysis.results import files
from analysis.results.contract import SCHEMA_VERSION, SUPPORTED_SCHEMAS
from analysis.rutext import pp
from analysis.segments.outcome import (
    VERDICTS,
    fisher_p,
    holm,
    measure_outcome,
    newcombe_interval,
    wilson_interval,
)
from report.text.outcome import OUTCOME_STATUS, VERDICT_WORDS, outcome_text, verdict_text

# ------------------------------------------------------------------- the statistics


@pytest.mark.parametrize(("counts", "expected"), [
    # Newcombe (1998), Statistics in Medicine 17:873, Table II, method 10
    ((56, 70, 48, 80), (0.0524, 0.3339)),
    ((9, 10, 3, 10), (0.1705, 0.8090)),
    ((6, 7, 2, 7), (0.0582, 0.8062)),
    ((5, 56, 0, 29), (-0.0381, 0.1926)),
    ((0, 10, 0, 20), (-0.1611, 0.2775)),
    ((0, 10, 0, 10), (-0.2775, 0.2775)),
    ((10, 10, 0, 20), (0.6791, 1.0000)),
])
def test_newcombe_interval_matches_the_published_table(counts: tuple[int, ...],
                                                       expected: tuple[float, float]) -> None:
    low, high = newcombe_interval(*counts, 0.95)
    assert (low, high) == pytest.approx(expected, abs=5e-5)


def test_wilson_interval_matches_the_published_example() -> None:
    # Newcombe (1998), Statistics in Medicine 17:857, 81/263
    assert wilson_interval(81, 263, 0.95) == pytest.approx((0.2553, 0.3662), abs=5e-5)
    assert wilson_interval(0, 10, 0.95)[0] == 0.0


def test_newcombe_interval_covers_the_truth_about_as_often_as_it_says() -> None:
    """Small groups (12 and 9 clients), shares near the edge: coverage stays near 95 %."""
    rng = np.random.default_rng(5)
    p1, p2, n1, n2, runs = 0.85, 0.6, 12, 9, 4000
    k1, k2 = rng.binomial(n1, p1, runs), rng.binomial(n2, p2, runs)
    covered = [lo <= p1 - p2 <= hi for lo, hi in
               (newcombe_interval(int(a), n1, int(b), n2, 0.95) for a, b in zip(k1, k2,
                                                                                 strict=True))]
    assert 0.93 <= np.mean(covered) <= 0.99


def test_fisher_and_holm() -> None:
    assert fisher_p(3, 3, 0, 3) == pytest.approx(0.1, abs=1e-9)      # 1 / C(6, 3) × 2
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert holm([]) == []


# ------------------------------------------------------------------- the measurement


def _assignment(rows: list[tuple[int, str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["id", "group", "tested_offer", "arm"])


def _labels(stable: list[int], declined: list[int]) -> pd.Series:
    return pd.Series({**{i: g.STABLE for i in stable}, **{i: g.DECLINED for i in declined}},
                     name=g.TARGET)


def test_arms_are_counted_and_missing_clients_are_not_dropped() -> None:
    assignment = _assignment([
        (1, "winback", "a", "test"), (2, "winback", "a", "test"), (3, "winback", "a", "test"),
        (4, "winback", "a", "control"), (5, "winback", "a", "control"),
        (6, "winback", "b", "test"), (7, "winback", "b", "control"),
        (8, "prevention", "a", "test"), (9, "prevention", "a", "control"),
        (10, "prevention", "", "")])                     # no offer: not part of any test
    labels = _labels(stable=[1, 2, 4, 6, 8, 10], declined=[3, 5, 9])   # 7 is missing
    out = measure_outcome(assignment, labels, alpha=0.05, power=0.8, actions={"a": "Акция"})
    assert out["clients"] == {"assigned": 9, "measured": 8, "missing": 1, "missing_ids": [7]}
    rows = {(r["group"], r["rule"]): r for r in out["offers"]}
    wa = rows[("winback", "a")]
    assert wa["test"] == {"assigned": 3, "measured": 3, "missing": 0, "stable": 2,
                          "share": pytest.approx(2 / 3)}
    assert wa["control"]["share"] == 0.5 and wa["uplift"] == pytest.approx(2 / 3 - 0.5)
    assert wa["action"] == "Акция" and rows[("winback", "b")]["action"] == "b"
    wb = rows[("winback", "b")]
    assert wb["control"] == {"assigned": 1, "measured": 0, "missing": 1, "stable": 0,
                             "share": None}
    assert wb["verdict"] == "unmeasurable" and wb["interval"] is None
    pooled = {r["group"]: r for r in out["pooled"]}
    assert pooled["winback"]["test"]["measured"] == 4 and pooled["winback"]["control"][
        "missing"] == 1
    assert [r["group"] for r in out["offers"]] == ["prevention", "winback", "winback"]
    assert out["families"]["offers"]["tests"] == 2
    assert {r["verdict"] for r in out["offers"] + out["pooled"]} <= set(VERDICTS)


def test_a_large_effect_is_found_and_no_effect_is_not() -> None:
    rng = np.random.default_rng(11)
    n = 2000
    ids = np.arange(n)
    offer = np.where(ids % 2 == 0, "strong", "none")
    arm = np.where(rng.random(n) < 0.25, "control", "test")
    p = 0.3 + np.where((offer == "strong") & (arm == "test"), 0.2, 0.0)
    stable = rng.random(n) < p
    assignment = pd.DataFrame({"id": ids, "group": "winback", "tested_offer": offer, "arm": arm})
    labels = pd.Series(np.where(stable, g.STABLE, g.DECLINED), index=ids)
    out = measure_outcome(assignment, labels, alpha=0.05, power=0.8)
    rows = {r["rule"]: r for r in out["offers"]}
    assert rows["strong"]["verdict"] == "effect"
    low, high = rows["strong"]["interval"]
    assert low <= 0.2 <= high and low > 0
    assert rows["none"]["verdict"] == "none"
    assert rows["none"]["interval"][0] <= 0 <= rows["none"]["interval"][1]
    assert 0 < rows["none"]["min_detectable_uplift"] < 0.2


def test_harm_and_an_effect_the_adjustment_does_not_confirm() -> None:
    rows = [(i, "prevention", "x", "test" if i < 60 else "control") for i in range(80)]
    # 30 % of the test arm but 90 % of the control stay: the offer harms
    labels = _labels(stable=[*range(18), *range(60, 78)], declined=[*range(18, 60), 78, 79])
    out = measure_outcome(_assignment(rows), labels, alpha=0.05, power=0.8)
    assert out["offers"][0]["verdict"] == "harm" and out["offers"][0]["uplift"] < 0
    one = {"p_value": 0.03, "p_adjusted": 0.09, "uplift": 0.1, "interval": [0.01, 0.2],
           "verdict": "unconfirmed", "min_detectable_uplift": 0.12}
    assert verdict_text(one) == VERDICT_WORDS["unconfirmed"]


# ------------------------------------------------------------------- the revision


def _revision(tmp_path: Path, period: str, scores: pd.DataFrame | None,
              schema: int = SCHEMA_VERSION) -> Path:
    rev = tmp_path / "archive" / period / "r1"
    rev.mkdir(parents=True)
    results = {"schema_version": schema,
               "segments": {"tests": {"tests": [{"rule": "a", "action": "Скидка"}]}}}
    (rev / files.RESULTS).write_text(json.dumps(results), encoding="utf-8")
    (rev / files.MANIFEST).write_text(json.dumps({"period": period}), encoding="utf-8")
    if scores is not None:
        scores.to_csv(rev / files.SCORES_CSV, index=False)
    return rev


SCORES = pd.DataFrame({"id": [1, 2, 3, 4], "group": ["winback"] * 4,
                       "decline_probability": [0.9, 0.8, 0.7, 0.6],
                       "tested_offer": ["a", "a", "a", ""], "arm": ["test", "test", "control", ""]})


def test_previous_outcome_reads_the_action_list_of_an_earlier_month(tmp_path: Path) -> None:
    rev = _revision(tmp_path, "2026-10", SCORES)
    out = previous_outcome(rev, "2026-11", _labels([1, 3], [2]), 0.05, 0.8)
    assert out["status"] == "measured" and out["months"] == 1
    assert out["assignment"] == {"path": "2026-10/r1", "period": "2026-10", "revision": "r1"}
    assert out["offers"][0]["action"] == "Скидка"
    assert out["offers"][0]["test"]["share"] == 0.5 and out["offers"][0]["control"]["share"] == 1


@pytest.mark.parametrize(("period", "scores", "status"), [
    ("2026-10", SCORES, "same_period"),        # a rerun of the same month measures nothing
    ("2026-09", SCORES, "same_period"),        # nor does an earlier month
    (None, SCORES, "same_period"),
    ("2026-11", None, "no_scores"),
    ("2026-11", SCORES.drop(columns=["tested_offer", "arm"]), "no_assignment"),  # schema 1
    ("2026-11", SCORES.assign(tested_offer=""), "no_assignment"),
])
def test_previous_outcome_says_why_nothing_was_measured(
        tmp_path: Path, period: str | None, scores: pd.DataFrame | None, status: str) -> None:
    rev = _revision(tmp_path, "2026-10", scores, schema=1 if status == "no_assignment" else 3)
    out = previous_outcome(rev, period, _labels([1], [2]), 0.05, 0.8)
    assert out["status"] == status
    text = outcome_text(out)
    assert not text["measured"] and text["line"] == text["status"]
    assert OUTCOME_STATUS[status].split(" ")[1] in text["status"]


def test_no_common_client_is_a_status_not_an_error(tmp_path: Path) -> None:
    rev = _revision(tmp_path, "2026-10", SCORES)
    out = previous_outcome(rev, "2026-12", _labels([77], [78]), 0.05, 0.8)
    assert out["status"] == "no_common_clients" and out["months"] == 2
    assert out["clients"]["missing"] == 3


def test_schema_3_is_written_and_1_to_3_are_read() -> None:
    assert SCHEMA_VERSION == 3 and SUPPORTED_SCHEMAS == (1, 2, 3)


# ------------------------------------------------------------------- the words


def test_page_one_cells_and_section_state_the_same_numbers(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    ids = np.arange(600)
    arm = np.where(ids % 5 == 0, "control", "test")
    group = np.where(ids < 300, "winback", "prevention")
    stable = rng.random(600) < np.where(group == "winback", 0.3, 0.8)
    scores = pd.DataFrame({"id": ids, "group": group, "tested_offer": "a", "arm": arm})
    rev = _revision(tmp_path, "2026-10", scores)
    out = previous_outcome(rev, "2026-11", pd.Series(np.where(stable, g.STABLE, g.DECLINED),
                                                     index=ids), 0.05, 0.8)
    text = outcome_text(out)
    assert text["measured"] and text["line"] is None
    for row, cells in zip(out["pooled"], text["pooled_rows"], strict=True):
        uplift = pp(row["uplift"], signed=True)
        assert text["by_group"][row["group"]].startswith(uplift)     # the page-1 cell
        assert uplift in text["conclusion"] and cells["uplift"].startswith(uplift)
    assert "октябрь 2026" in text["column"] and "(#outcome)" in text["column"]
    assert "Ньюкомба" in text["method_note"]
    first = outcome_text(None)
    assert first["line"] == first["status"] and "следующем отчёте" in first["line"]


# ------------------------------------------------------------------- learning (opt-in)


def _measured_outcome(winback: str, prevention: str) -> dict:
    def row(group: str, verdict: str, share_test: float, share_control: float) -> dict:
        return {"group": group, "verdict": verdict, "uplift": share_test - share_control,
                "interval": [0.01, 0.2], "test": {"share": share_test},
                "control": {"share": share_control}}

    return {"status": "measured", "assignment": {"period": "2026-10"},
            "pooled": [row("prevention", prevention, 0.9, 0.8),
                       row("winback", winback, 0.42, 0.3)]}


def test_learned_assumptions_take_only_confirmed_effects() -> None:
    from analysis.segments.outcome import learned_assumptions

    assumed = {"prevention_uplift": 0.1, "winback_uplift": 0.05}
    both = learned_assumptions(_measured_outcome("effect", "effect"), assumed)
    assert both["winback_uplift"]["value"] == pytest.approx(0.12)
    # prevention: the share of the control arm's decline (20 %) the offer saved (10 p.p.)
    assert both["prevention_uplift"]["value"] == pytest.approx(0.5)
    kept = learned_assumptions(_measured_outcome("none", "unconfirmed"), assumed)
    assert kept["winback_uplift"]["value"] is None and kept["prevention_uplift"]["value"] is None
    assert learned_assumptions({"status": "same_period"}, assumed) == {}
    assert learned_assumptions(None, assumed) == {}


def test_the_rule_uses_a_measured_uplift_only_when_configured() -> None:
    from analysis.config import Config
    from analysis.run import _learning

    outcome = _measured_outcome("effect", "none")
    config, record = _learning(outcome, Config())
    assert config == Config() and record["enabled"] is False
    assert record["sources"] == {"prevention_uplift": "assumed", "winback_uplift": "assumed"}
    learning = Config().with_overrides(**{"decision.learn_from_outcome": True})
    config, record = _learning(outcome, learning)
    assert config.decision.winback_uplift == pytest.approx(0.12)
    assert config.decision.prevention_uplift == learning.decision.prevention_uplift
    assert record["sources"] == {"prevention_uplift": "assumed", "winback_uplift": "measured"}
    assert record["period"] == "2026-10"


def test_the_report_says_which_numbers_are_measured_and_which_assumed() -> None:
    from analysis.config import Config
    from analysis.run import _learning
    from report.text.decision import rule_summary, rule_text
    from report.text.outcome import learning_text

    config, record = _learning(_measured_outcome("effect", "none"),
                               Config().with_overrides(**{"decision.learn_from_outcome": True}))
    results = {"params": {"profit_unit": "тыс. ₽"}, "segments": {"decision": {
        "rule": config.decision.model_dump(mode="json"), "learning": record}}}
    text = rule_text(results)
    assert "эффект — измерен по контрольной группе отчёта за октябрь 2026: вернётся 12,0" in text
    assert "эффект — допущение: предложение сохраняет 10" in text
    assert "Остальные значения — допущения" in text
    short = rule_summary(results)                       # page 1 says it too, in two lines
    assert ("профилактика 10\u00a0%, допущение; возврат 12,0\u00a0%, измерен за октябрь 2026"
            in short)
    assumed = {**results, "segments": {"decision": {
        "rule": Config().decision.model_dump(mode="json"), "learning": None}}}
    assert "профилактика 10\u00a0%, возврат 5\u00a0%; допущения" in rule_summary(assumed)
    said = learning_text(record)
    assert "измеренный эффект 12,0" in said and "не подтверждён" in said
    assert "выключен" in learning_text(_learning(None, Config())[1])


def test_a_damaged_revision_passed_over_is_named_in_the_section(tmp_path: Path) -> None:
    rev = _revision(tmp_path, "2026-09", SCORES)
    out = previous_outcome(rev, "2026-11", _labels([1, 3], [2]), 0.05, 0.8)
    assert out["months"] == 2
    text = outcome_text(out, None, [{"revision": "2026-10/r1", "problem": "нет manifest.json"}])
    assert "2026-10/r1" in text["clients_note"] and "2026-09/r1" in text["clients_note"]
    assert "2 месяца" in text["clients_note"]
