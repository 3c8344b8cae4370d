"""«Что изменилось»: drift measures, risk moves, the previous model, two archived revisions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd
import pypandoc
import pytest
from changed_export import ID_SHIFT, NEW_CATEGORY, write_changed_export
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from analysis import glossary as g
from analysis.comparison import compare_revisions, compare_runs
from analysis.config import CompareParams
from analysis.data.clients import load_export
from analysis.drift import (
    LEVELS,
    drift_level,
    feature_drift,
    moved_to_high_risk,
    psi_categorical,
    psi_numeric,
    score_previous_model,
)
from analysis.model.features import build_pipeline, feature_frame, target_vector
from analysis.results.contract import SCHEMA_VERSION
from report.cli import main as oneclick
from report.text.changes import changes_text, format_comparison
from report.text.words import DRIFT_WORDS

PARAMS = CompareParams()
RNG_SEED = 20261127


# ----------------------------------------------------------------------------- PSI, KS


def test_psi_of_identical_distributions_is_zero() -> None:
    values = np.random.default_rng(1).normal(size=5000)
    assert psi_numeric(values, values) == pytest.approx(0.0, abs=1e-12)
    same_law = np.random.default_rng(2).normal(size=5000)
    assert psi_numeric(values, same_law) < PARAMS.psi_warn
    labels = pd.Series(["а", "б", "б", "в"] * 100)
    assert psi_categorical(labels, labels.sample(frac=1.0, random_state=0)) == pytest.approx(0.0)


def test_psi_of_shifted_distribution_is_large() -> None:
    rng = np.random.default_rng(3)
    before, after = rng.normal(size=5000), rng.normal(loc=1.0, size=5000)
    assert psi_numeric(before, after) > 0.25
    assert drift_level(psi_numeric(before, after), PARAMS) == "strong"


def test_psi_handles_ties_and_empty_bins() -> None:
    before = np.array([1, 1, 1, 2, 2, 3] * 50, dtype=float)
    assert psi_numeric(before, before) == pytest.approx(0.0, abs=1e-12)
    after = np.full(300, 10.0)  # all mass where the previous month had none
    psi = psi_numeric(before, after)
    assert psi is not None and np.isfinite(psi) and psi > 1
    assert psi_numeric(before, np.array([])) is None


def test_drift_levels_follow_the_thresholds_and_read_in_russian() -> None:
    assert drift_level(0.05, PARAMS) == "stable"
    assert drift_level(0.1, PARAMS) == "moderate"
    assert drift_level(0.25, PARAMS) == "strong"
    assert drift_level(None, PARAMS) == "unknown"
    assert [DRIFT_WORDS[level] for level in LEVELS] == [
        "стабилен", "умеренный сдвиг", "сильный сдвиг", "нет данных"]


def _frame(n: int, seed: int, pages_shift: float = 0.0,
           categories: tuple[str, ...] = ("Кухонная посуда", "Товары для детей")) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "Страниц_за_визит": rng.normal(8 + pages_shift, 3, size=n),
        g.PROMO: rng.uniform(0, 1, size=n),
        g.CATEGORY: rng.choice(list(categories), size=n),
        g.SERVICE: rng.choice(["стандарт", "премиум"], size=n),
    }, index=pd.RangeIndex(n, name="id"))


def test_ks_flags_a_shift_and_not_a_resample() -> None:
    drift = {d["feature"]: d for d in feature_drift(_frame(2000, 1), _frame(2000, 2, -1.5))}
    pages = drift["Страниц_за_визит"]
    assert pages["test"] == "ks" and pages["test_flag"] and pages["p_value"] < PARAMS.ks_alpha
    assert pages["current_median"] < pages["previous_median"]
    promo = drift[g.PROMO]
    assert not promo["test_flag"] and promo["level"] == "stable"


def test_drift_records_are_json_ready_ordered_and_cover_the_glossary() -> None:
    drift = feature_drift(_frame(500, 1), _frame(500, 2))
    features = [d["feature"] for d in drift]
    assert features == [*g.NUMERIC, g.PROFIT, *g.CATEGORICAL]
    missing = next(d for d in drift if d["feature"] == "Длительность")
    assert missing["level"] == "unknown" and missing["psi"] is None
    assert missing["missing_in"] == ["previous", "current"]
    text = json.dumps(drift, ensure_ascii=False, allow_nan=False)
    assert json.loads(text) == drift
    for d in drift:
        for key in ("psi", "statistic", "p_value"):
            value = d[key]
            assert value is None or round(value, 6) == value


def test_new_and_vanished_categories_are_found() -> None:
    before = _frame(600, 1, categories=("Кухонная посуда", "Товары для детей", "Домашний текстиль"))
    after = _frame(600, 2, categories=("Кухонная посуда", "Товары для детей", NEW_CATEGORY))
    category = next(d for d in feature_drift(before, after) if d["feature"] == g.CATEGORY)
    assert category["new_values"] == [NEW_CATEGORY]
    assert category["vanished_values"] == ["Домашний текстиль"]
    assert category["test"] == "chi2" and category["test_flag"]
    assert category["level"] == "strong"
    service = next(d for d in feature_drift(before, after) if d["feature"] == g.SERVICE)
    assert service["new_values"] == [] and service["vanished_values"] == []


# ------------------------------------------------------------------------ risk moves


def test_moved_to_high_risk_on_hand_made_scores() -> None:
    before = pd.DataFrame({"id": [1, 2, 3, 4, 5, 6],
                           "risk_level": ["low", "medium", "high", "medium", "low", "high"]})
    after = pd.DataFrame({"id": [1, 2, 3, 4, 7],
                          "risk_level": ["high", "high", "high", "low", "high"],
                          "decline_probability": [0.7, 0.9, 0.8, 0.1, 0.9],
                          "profit": [2.0, 4.0, 1.0, 1.0, 10.0],
                          "profit_at_risk": [1.4, 3.6, 0.8, 0.1, 9.0]})
    moved = moved_to_high_risk(before, after)
    assert moved == {"clients": 2, "ids": [1, 2], "profit_at_risk": 5.0, "from_medium": 1,
                     "from_low": 1, "common_clients": 4}
    without_column = moved_to_high_risk(before, after.drop(columns="profit_at_risk"))
    assert without_column["profit_at_risk"] == pytest.approx(5.0)


def test_moved_ids_are_capped_at_fifty_and_sorted() -> None:
    ids = list(range(200, 0, -1))
    before = pd.DataFrame({"id": ids, "risk_level": "low"})
    after = pd.DataFrame({"id": ids, "risk_level": "high", "profit_at_risk": 1.0})
    moved = moved_to_high_risk(before, after)
    assert moved["clients"] == 200 and moved["ids"] == list(range(1, 51))


# ---------------------------------------------------------------- fake revisions


@pytest.fixture(scope="module")
def months(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Two months of the demo export: the original and its changed next month."""
    from analysis.data.demo.write import write_demo_export

    root = tmp_path_factory.mktemp("months")
    write_demo_export(root / "before", n_clients=400, seed=11)
    write_changed_export(root / "before", root / "after", seed=5)
    return {"before": load_export(root / "before").modelled,
            "after": load_export(root / "after").modelled, "root": root}


def _fit(clients: pd.DataFrame) -> Any:
    model = build_pipeline(LogisticRegression(max_iter=1000))
    return model.fit(feature_frame(clients), target_vector(clients))


def _scores(clients: pd.DataFrame, model: Any) -> pd.DataFrame:
    p = model.predict_proba(feature_frame(clients))[:, 1]
    risk = np.where(p >= 0.6, "high", np.where(p >= 0.3, "medium", "low"))
    segment = np.where((clients[g.PROMO] >= 0.5) & (p >= 0.6), "promo_risk", "")
    profit = clients[g.PROFIT].to_numpy()
    return pd.DataFrame({"id": clients.index.astype(int), "decline_probability": p,
                         "risk_level": risk, "segment": segment, "profit": profit,
                         "profit_at_risk": p * profit})


def _results(clients: pd.DataFrame, scores: pd.DataFrame, auc: float) -> dict[str, Any]:
    promo = scores[scores["segment"] == "promo_risk"]
    return {
        "schema_version": SCHEMA_VERSION,
        "facts": {"decline_share": float((clients[g.TARGET] == g.DECLINED).mean()),
                  "clients_modelled": len(clients)},
        "model": {"best": "logreg", "best_label": "Логистическая регрессия",
                  "cv_roc_auc_mean": auc, "test_roc_auc": auc - 0.01},
        "segments": {"profit_at_risk_total": float(scores["profit_at_risk"].sum()),
                     "segments": [{"code": "promo_risk",
                                   "name": "Охотники за акциями в зоне риска",
                                   "clients": len(promo),
                                   "profit_at_risk": float(promo["profit_at_risk"].sum())}]},
        "params": {"profit_unit": "тыс. ₽"},
    }


def _write_revision(folder: Path, period: str, clients: pd.DataFrame, model: Any,
                    sample: int | None = None) -> tuple[dict[str, Any], pd.DataFrame]:
    (folder / "tables").mkdir(parents=True)
    scores = _scores(clients, model)
    results = _results(clients, scores, 0.9)
    (folder / "results.json").write_text(json.dumps(results, ensure_ascii=False),
                                         encoding="utf-8")
    scores.to_csv(folder / "scores.csv", index=False)
    table = clients if sample is None else clients.sample(n=sample, random_state=0).sort_index()
    probability = pd.Series(scores["decline_probability"].to_numpy(), index=clients.index)
    table.assign(decline_probability=probability.reindex(table.index)).to_csv(
        folder / "tables" / "clients_sample.csv", float_format="%.6g", lineterminator="\n")
    joblib.dump(model, folder / "model.joblib")
    (folder / "manifest.json").write_text(json.dumps({"period": period}), encoding="utf-8")
    return results, scores


@pytest.fixture(scope="module")
def archive(months: dict[str, Any]) -> dict[str, Any]:
    root = months["root"] / "reports"
    rev_a, rev_b = root / "2026-10" / "r1", root / "2026-11" / "r1"
    model_a = _fit(months["before"])
    _write_revision(rev_a, "2026-10", months["before"], model_a, sample=300)
    results_b, scores_b = _write_revision(rev_b, "2026-11", months["after"],
                                          _fit(months["after"]))
    return {"a": rev_a, "b": rev_b, "results_b": results_b, "scores_b": scores_b}


def test_compare_revisions_on_two_fake_revisions(archive: dict[str, Any],
                                                 months: dict[str, Any]) -> None:
    c = compare_revisions(archive["a"], archive["b"], PARAMS)
    assert c["previous"] == {"path": archive["a"].as_posix(), "period": "2026-10",
                             "revision": "r1"}
    assert c["current"]["period"] == "2026-11" and c["current"]["is_sample"] is False
    population = len(months["before"])
    assert c["data"] == {"source": "tables/clients_sample.csv", "clients": 300,
                         "population": population, "is_sample": True}
    promo = next(d for d in c["drift"] if d["feature"] == g.PROMO)
    assert promo["level"] == "strong" and promo["test_flag"]
    assert c["drift_counts"]["strong"] >= 1
    assert [(n["feature"], n["value"]) for n in c["new_categories"]] == [
        (g.CATEGORY, NEW_CATEGORY)]
    assert c["new_categories"][0]["clients"] == 40
    assert c["vanished_categories"] == []
    assert 0.5 < c["previous_model_on_current"]["roc_auc"] <= 1
    run = c["previous_model_on_current"]
    assert run["error"] is None and run["clients"] == len(months["after"])
    assert run["unseen_clients"] == len(months["after"]) - c["moved_to_high_risk"]["common_clients"]
    assert 0.5 < run["unseen_roc_auc"] <= 1
    assert c["model"]["previous"]["best"] == "logreg"
    assert c["segments"][0]["code"] == "promo_risk"
    moved = c["moved_to_high_risk"]
    assert 0.25 * population < moved["common_clients"] < 0.35 * population
    assert moved["clients"] > 0 and moved["ids"] == sorted(moved["ids"])
    assert set(moved["ids"]) <= set(months["before"].index)
    assert c["problems"] == []
    assert json.dumps(c, ensure_ascii=False, allow_nan=False)
    assert compare_revisions(archive["a"], archive["b"], PARAMS) == c


def test_compare_runs_with_current_frames(archive: dict[str, Any], months: dict[str, Any]
                                          ) -> None:
    c = compare_runs(archive["a"], archive["results_b"], months["after"], archive["scores_b"])
    assert c["current"] == {"clients": len(months["after"])}
    expected = archive["results_b"]["facts"]["decline_share"]
    assert c["decline_share"]["current"] == pytest.approx(expected, abs=1e-6)
    change = c["decline_share"]["current"] - c["decline_share"]["previous"]
    assert c["decline_share"]["change"] == pytest.approx(change, abs=1e-6)


def test_previous_model_failure_is_recorded_not_raised(archive: dict[str, Any], tmp_path: Path,
                                                       months: dict[str, Any]) -> None:
    broken = tmp_path / "model.joblib"
    broken.write_bytes(b"not a pickle at all")
    out = score_previous_model(broken, months["after"])
    assert out["roc_auc"] is None and out["error"]

    before = months["before"]
    other = make_pipeline(ColumnTransformer([("num", StandardScaler(), ["Акции_доля"])]),
                          LogisticRegression())
    other.fit(before[[g.PROMO]].rename(columns={g.PROMO: "Акции_доля"}), target_vector(before))
    joblib.dump(other, broken)
    out = score_previous_model(broken, months["after"])
    assert out["roc_auc"] is None and out["error"] == "failed"
    assert "Акции_доля" in out["error_detail"]

    assert score_previous_model(tmp_path / "absent.joblib", months["after"])["error"] == (
        "no_model_file")

    rev = tmp_path / "2026-10" / "r1"
    rev.mkdir(parents=True)
    for name in ("results.json", "scores.csv", "manifest.json"):
        (rev / name).write_bytes((archive["a"] / name).read_bytes())
    (rev / "model.joblib").write_bytes(b"\x80\x04garbage")
    c = compare_revisions(rev, archive["b"], PARAMS)
    assert c["previous_model_on_current"]["roc_auc"] is None
    assert c["drift"] == [] and c["problems"] == ["no_clients_sample"]
    assert "не удалось применить" in changes_text(c)["previous_model"]


def test_missing_revision_is_an_input_error(tmp_path: Path, archive: dict[str, Any]) -> None:
    from analysis.errors import InputError

    with pytest.raises(InputError, match="папка ревизии не найдена"):
        compare_revisions(tmp_path / "nope", archive["b"])
    with pytest.raises(InputError, match=r"results\.json"):
        compare_revisions(tmp_path, archive["b"])


# ----------------------------------------------------------------------------- text


def test_changes_text_summary_and_rows(archive: dict[str, Any]) -> None:
    c = compare_revisions(archive["a"], archive["b"], PARAMS)
    text = changes_text(c)
    assert text is not None and changes_text(None) is None
    summary = text["summary"]
    assert summary.startswith("Доля снижения: ") and "→" in summary and "п.\u00a0п." in summary
    assert "сильный сдвиг у " in summary and "в высокий риск" in summary
    assert "Товары для дачи" in summary.replace("\\", "")
    assert text["drift_rows"][0]["level"] == "strong"
    assert [r["level"] for r in text["drift_rows"]] == sorted(
        (r["level"] for r in text["drift_rows"]),
        key=["strong", "moderate", "stable", "unknown"].index)
    assert "выборке из 300" in text["basis"]


def _render(text: dict[str, Any]) -> str:
    from report.documents import _environment

    return _environment().get_template("_changes.qmd.j2").render(text=text)


def test_changes_partial_renders_and_escapes_data(archive: dict[str, Any]) -> None:
    c = compare_revisions(archive["a"], archive["b"], PARAMS)
    hostile = "<script>alert(1)</script> **x** | y"
    c["new_categories"].append({"feature": g.CATEGORY, "label": "Любимая категория",
                                "value": hostile, "clients": 3})
    qmd = _render({"changes_section": changes_text(c)})
    assert qmd.startswith("## Что изменилось {#changes}")
    html = pypandoc.convert_text(qmd, "html5", format="markdown")
    assert "<script" not in html and "<strong>x</strong>" not in html
    assert html.count("<table") == 4
    assert "Товары для дачи" in html and "сильный сдвиг" in html
    assert _render({}).strip() == "" and _render({"changes_section": None}).strip() == ""


def test_format_comparison_and_cli(archive: dict[str, Any], capsys: pytest.CaptureFixture[str]
                                   ) -> None:
    c = compare_revisions(archive["a"], archive["b"], PARAMS)
    text = format_comparison(c)
    assert "Итог: Доля снижения" in text and "Товары для дачи" in text and "\\" not in text
    assert "Доля покупок по акции" in text and "сильный сдвиг" in text

    assert oneclick(["compare", str(archive["a"]), str(archive["b"]), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["previous"]["revision"] == "r1"
    assert oneclick(["compare", str(archive["a"]), str(archive["b"])]) == 0
    assert capsys.readouterr().out == text


# ----------------------------------------------------------------- changed export


def test_changed_demo_export_loads(months: dict[str, Any]) -> None:
    before, root = months["before"], months["root"]
    data = load_export(root / "after")
    files = data.quality.files
    assert {f["separator"] for f in files.values()} == {";"}
    assert files["market_file.csv"]["encoding"] == "cp1251"
    assert files["market_money.csv"]["encoding"] == "utf-8-sig"
    clients = data.clients
    kept = clients.index.isin(load_export(root / "before").clients.index)
    assert 0.25 < kept.mean() < 0.35
    assert set(clients.index[~kept] - ID_SHIFT) <= set(load_export(root / "before").clients.index)
    assert int((clients[g.CATEGORY] == NEW_CATEGORY).sum()) == 40
    assert any(w["code"] == "new_category" for w in data.quality.to_dict()["warnings"])
    assert ";" in (root / "after" / "money.csv").read_text(encoding="utf-8").splitlines()[1]
    assert before[g.PROMO].max() <= 1


@pytest.mark.real
def test_changed_real_export_loads(real_export: Path, tmp_path: Path) -> None:
    write_changed_export(real_export, tmp_path / "changed", seed=RNG_SEED)
    before = load_export(real_export)
    after = load_export(tmp_path / "changed")
    assert len(after.clients) == len(before.clients) == 1300
    kept = after.clients.index.isin(before.clients.index)
    assert kept.sum() == 390
    assert set(after.clients.index[~kept] - ID_SHIFT) <= set(before.clients.index)
    common = after.clients.index[kept]
    expected = (before.clients.loc[common, g.PROMO] + 0.1).clip(upper=1.0)
    assert np.allclose(after.clients.loc[common, g.PROMO], expected, atol=0.006)
    assert int((after.clients[g.CATEGORY] == NEW_CATEGORY).sum()) == 40


def test_skipped_revisions_are_named_in_the_changes_section() -> None:
    from report.text.changes import skipped_text

    assert skipped_text({"skipped": []}) is None and skipped_text(None) is None
    text = skipped_text({"skipped": [{"revision": "2026-10/r1",
                                      "problem": "scores.csv: sha256 mismatch"}]})
    assert text is not None and "2026-10/r1 (scores.csv: sha256 mismatch)" in text
    assert text.startswith("Повреждённая ревизия архива не использована для сравнения")
