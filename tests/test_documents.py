"""Documents: Markdown escaping of text from the data, and templates filled from results."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pypandoc
import pytest
from fake_bundle import write_fake_bundle

from analysis import glossary as g
from analysis.behaviour.stats import id_leakage
from analysis.config import Config
from analysis.data.clients import load_export
from analysis.rutext import num
from report.documents import build_context, md_escape, period_label, write_documents

NB = "\u00a0"

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "{{ 7*7 }} {% raw %}",
    "{{< include /etc/passwd >}}",
    "**жирный** [ссылка](http://127.0.0.1:9/x) ![img](http://127.0.0.1:9/y.png)",
    "@import url(http://127.0.0.1:9/a.css); `code` $x^2$",
    "# заголовок\n- пункт\n| a | b |",
    "&lt;b&gt; &amp; \\ backslash",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_escaped_text_renders_literally(text: str) -> None:
    html = pypandoc.convert_text(f"Категория: {md_escape(text)}", "html5", format="markdown")
    assert "<script" not in html and "<img" not in html and "<a " not in html
    assert "<strong>" not in html and "<code>" not in html and "<h1" not in html
    assert "<ul>" not in html and "<table" not in html
    plain = pypandoc.convert_text(html, "plain", format="html").replace("\n", " ")
    assert " ".join(text.split()) in " ".join(plain.split())


def test_period_label() -> None:
    assert period_label("2026-11") == "ноябрь 2026"
    assert period_label("2027-01") == "январь 2027"


# ------------------------------------------------------- text follows the configuration

SPECIAL = {"model.test_size": 0.3, "model.cv_folds": 4, "model.cv_repeats": 5,
           "segments.sensitivity_step": 0.15}
PROVENANCE = {"tool_version": "0", "git_commit": "abc", "python": "3.11", "seed": 1,
              "inputs": {}, "timings": {}, "packages": {}}


def _third_segment(segment: dict) -> dict:
    return {**segment, "code": "loyal_decline", "name": "Третий сегмент",
            "priority": 3, "thresholds": {"promo_high": 0.7}}


@pytest.fixture(scope="module")
def bundle(demo_export_master: Path, tmp_path_factory: pytest.TempPathFactory
           ) -> tuple[Path, Path]:
    """A fake results bundle of the demo export, and the export."""
    return write_fake_bundle(demo_export_master, tmp_path_factory.mktemp("bundle")), \
        demo_export_master


def _results(bundle: tuple[Path, Path], config: Config) -> dict:
    bundle_dir, export = bundle
    results = json.loads((bundle_dir / "results.json").read_text(encoding="utf-8"))
    data = load_export(export)
    m = config.model
    results["model"] |= {"cv_folds": m.cv_folds, "cv_repeats": m.cv_repeats, "cv_f1": 0.7,
                         "threshold_rule": "f1", "train_size": 900, "test_size": 400}
    segments = results["segments"]["segments"]
    segments.append(_third_segment(segments[0]))
    results |= {"params": config.model_dump(mode="json"), "quality": data.quality.to_dict(),
                "leakage": id_leakage(data.clients),
                "actions": {"clients_with_offer": 10},
                "shap": {**results["shap"], "explainer": "linear", "n_explained": 900}}
    return results


def _document(results: dict, tmp_path: Path) -> str:
    context = build_context(results, [], period="2026-11", revision="r1",
                            provenance=PROVENANCE)
    return write_documents(context, tmp_path).read_text(encoding="utf-8")


def test_text_follows_the_configuration(bundle: tuple[Path, Path], tmp_path: Path) -> None:
    """Non-default test_size, sensitivity_step, cv_folds, cv_repeats and a third segment."""
    config = Config().with_overrides(**SPECIAL)
    text = _document(_results(bundle, config), tmp_path)
    assert f"30{NB}% стратифицированно" in text and f"отложенная выборка 30{NB}%" in text
    assert f"25{NB}% стратифицированно" not in text and f"выборка 25{NB}%" not in text
    assert f"±15{NB}%" in text and "±10" not in text
    assert text.count("4 блока × 5 повторов") >= 3          # selection method, reason, method
    assert "повтора)" not in text
    assert "В 3 сегментах" in text and "### Третий сегмент" in text
    assert "Правило «Третий сегмент»\\: promo\\_high \\= 0,70" in text     # escaped data
    assert "Два сегмента" not in text


def test_default_configuration_words(bundle: tuple[Path, Path], tmp_path: Path) -> None:
    results = _results(bundle, Config())
    results["segments"]["segments"].pop()
    text = _document(results, tmp_path)
    assert f"25{NB}% стратифицированно" in text and f"±10{NB}%" in text
    assert "5 блоков × 3 повтора" in text and "В 2 сегментах" in text


def test_page_one_keeps_winback_and_prevention_apart(bundle: tuple[Path, Path],
                                                     tmp_path: Path) -> None:
    """Page 1 is a decision page: the two groups with clients and money, the unit's
    assumption, a runnable test per group with what it can detect, the baseline line."""
    results = _results(bundle, Config())
    results["segments"]["segments"].pop()
    text = _document(results, tmp_path)
    summary = text[text.index("Главное за месяц"):text.index("{#data-quality}")]
    page_one = summary[:summary.index("{#trend}")] if "{#trend}" in summary else summary
    groups = results["segments"]["decision"]["groups"]
    assert "список возврата" in summary and "по оценке модели" in summary
    assert "ожидаемая выгода положительна" in summary
    assert "**Единица прибыли — допущение:**" in page_one and "«тыс. ₽»" in page_one
    money = results["facts"]["money"]
    assert f"{round(money['profit_to_revenue'] * 100)}{NB}% выручки" in page_one
    assert "**Это первый отчёт — точка отсчёта.**" in page_one       # no comparison yet
    for code, title in (("winback", "Возврат"), ("prevention", "Профилактика")):
        grp, pooled = groups[code], results["segments"]["tests"]["groups"][code]
        line = next(li for li in page_one.splitlines() if li.startswith(f"- **{title}:**"))
        assert f"{num(grp['test'])} из {num(grp['clients'])}" in line
        assert f"ещё {num(grp['control'])} — контрольная группа" in line
        assert "*Как проверим:*" in line and "*Стоимость:*" in line and "*Что и как:*" in line
        assert f"на {num(grp['test'])} и {num(grp['control'])} клиентах проверка заметит" \
            in line or pooled["min_detectable_uplift"] is None
        assert f"{num(grp['test_cost'], 1)}{NB}тыс. ₽ за месяц" in line
        mde = pooled["min_detectable_uplift"]
        if mde is not None:
            assert f"от {num(mde * 100, 1)}{NB}п.{NB}п." in line
        assert "нужно" not in line and "в сегменте меньше" not in line  # no test that can't run
    assert sum(groups[c]["clients"] for c in groups) == results["segments"]["clients"]
    assert not re.search(r"\b(ROC|AUC|SHAP|A/B)\b|кросс-валидац", page_one)
    body = text[text.index("{#segments}"):]
    assert "Чувствительность к допущениям" in body and "Бонферрони" in body
    assert "сегменты не пересекаются" in body


def test_page_one_counts_label_typos_apart_from_real_problems(bundle: tuple[Path, Path],
                                                              tmp_path: Path) -> None:
    results = _results(bundle, Config())
    results["quality"]["repairs"] = [
        {"kind": "repair", "code": "typo", "file": "market_time.csv", "column": "Период",
         "count": 1300, "ids": [], "details": {"wrong": "предыдцщий_месяц",
                                                "right": "предыдущий_месяц"}},
        {"kind": "repair", "code": "revenue_outlier", "file": "market_money.csv",
         "column": "Выручка_текущий_месяц", "count": 1, "ids": [1],
         "details": {"values": [106862.2], "factor": 8.0}}]
    text = _document(results, tmp_path)
    summary = text[text.index("Главное за месяц"):text.index("{#data-quality}")]
    line = next(li for li in summary.splitlines() if li.startswith("*Качество данных:*"))
    assert "заменён 1 выброс выручки" in line.replace(NB, " ")
    assert "исправлена 1 опечатка в названиях (период) в 1\u202f300 строках — на цифры они " \
        "не влияют" in line
    assert "исправлено 1" not in line                      # no «исправлено 1 301 значение»


def _trend(results: dict) -> dict:
    """A trend of two archived months and this run (:func:`analysis.trend.build_trend`)."""
    from analysis.trend import History, PastRun, build_trend

    earlier = [PastRun(period, "r1", {**results, "facts": {**results["facts"],
                                                           "clients_total": clients}})
               for period, clients in (("2026-09", 1111), ("2026-10", 1222))]
    return build_trend(History(tuple(earlier)), results, "2026-11")


def test_trend_chart_on_page_one_and_its_table_in_the_body(bundle: tuple[Path, Path],
                                                           tmp_path: Path) -> None:
    results = _results(bundle, Config())
    results["trend"] = _trend(results)
    figure = {"name": "trend", "path": "figures/trend.png", "section": "summary",
              "title": "Динамика за 3 месяца", "alt": "Графики по месяцам", "takeaway": "-"}
    context = build_context(results, [figure], period="2026-11", revision="r1",
                            provenance=PROVENANCE)
    text = write_documents(context, tmp_path).read_text(encoding="utf-8")
    summary = text[text.index("Главное за месяц"):text.index("{#data-quality}")]
    page_one = summary[:summary.index("{#trend}")]
    assert "figures/trend.png" in page_one and "Динамика за 3 месяца" not in page_one
    body = summary[summary.index("{#trend}"):]
    assert "**Динамика за 3 месяца.**" in body              # the finding leads the section
    for month, clients in (("сентябрь 2026 (r1)", 1111), ("октябрь 2026 (r1)", 1222),
                           ("ноябрь 2026 (этот отчёт)", results["facts"]["clients_total"])):
        assert f"| {month} | {num(clients)} |" in body
    for s in results["segments"]["segments"]:
        assert md_escape(s["name"]) in body
    ast = json.loads(pypandoc.convert_text(text, "json", format="markdown"))
    assert not [n for n in _ast_nodes(ast["blocks"]) if n["t"] == "Figure"
                and "figures/trend.png" in json.dumps(n)]      # a strip, not a captioned figure

    results["trend"] = None            # a first run, or ``oneclick analyse``: no chart, no table
    context = build_context(results, [], period="2026-11", revision="r1",
                            provenance=PROVENANCE)
    text = write_documents(context, tmp_path).read_text(encoding="utf-8")
    assert "{#trend}" not in text and "trend.png" not in text


# ------------------------------------------------------ hostile text on every path

MARK = "ЯД"
"""In every hostile text below, so that a text read as markup can be found in the AST."""

HOSTILE_SETS = [
    [f'{MARK}<img src="http://example.com/x.png"><script>alert(1)</script>',
     f"{MARK} ![x](http://127.0.0.1:9/m.png) [ссылка](http://127.0.0.1:9/) **жирный**",
     f"{MARK} {{{{ 7*7 }}}} {{% if true %}}да{{% endif %}} {{{{< include /etc/passwd >}}}}",
     f"{MARK} $x^2$ $\\bad{{$ `код` <!-- комментарий --> &amp; &#60;",
     f"{MARK}\n# заголовок\n- пункт\n1. пункт\n| a | b |\n> цитата",
     f"{MARK} %a+ [%] .* (.-) %% [^1] {{#id .cls}} :::",
     f"{MARK}\x1b[2J\x07\x0b\x0c\x7f\x9b \u202eRTL\u202c \u200f",
     f"{MARK} " + "длинная категория " * 600],
    [f"{MARK}</td></tr></table><iframe src=http://127.0.0.1:9/f>",
     f"{MARK} <style>@import url(http://127.0.0.1:9/a.css);</style>",
     f"{MARK} [a]{{.underline}} ~~зачёркнуто~~ ^верх^ ~низ~ @cite",
     f"{MARK} ... -- --- 'кавычки' \"двойные\" \\ в конце\\",
     f"{MARK} <http://127.0.0.1:9/auto> http://127.0.0.1:9/bare",
     f"{MARK} \t табуляция\r\nи перевод строки",
     f"{MARK}{{{{{{< meta x >}}}}}}",
     f"{MARK}=1+1"],
]
FORBIDDEN = frozenset({"RawInline", "RawBlock", "Code", "CodeBlock", "Math", "Link", "Note",
                       "Cite"})
"""Nodes no text from the data may be in (an image's alt text may: only its target is checked)."""


def _replaced(tree: object, mapping: dict[str, str]) -> object:
    """``tree`` with every string (values and keys) found in ``mapping`` replaced."""
    if isinstance(tree, dict):
        return {mapping.get(k, k) if isinstance(k, str) else k: _replaced(v, mapping)
                for k, v in tree.items()}
    if isinstance(tree, list):
        return [_replaced(v, mapping) for v in tree]
    return mapping.get(tree, tree) if isinstance(tree, str) else tree


def _comparison(texts: list[str]) -> dict:
    """A comparison with the previous report whose data-borne strings are ``texts``."""
    cat = {"feature": g.CATEGORY, "label": "Любимая категория", "clients": 3}
    return {
        "previous": {"period": "2026-10", "revision": "r1", "path": "reports/2026-10/r1"},
        "decline_share": {"previous": 0.3, "current": 0.35, "change": 0.05},
        "drift": [{"feature": g.CATEGORY, "label": texts[0], "kind": "categorical",
                   "psi": 0.5, "test": "chi2", "p_value": 0.0001, "test_flag": True,
                   "level": "strong"}],
        "drift_counts": {"strong": 1},
        "new_categories": [{**cat, "value": t} for t in texts[:4]],
        "vanished_categories": [{**cat, "value": t} for t in texts[4:]],
        "model": {"previous": {"best_label": texts[1], "cv_roc_auc_mean": 0.8,
                               "test_roc_auc": 0.8},
                  "current": {"best_label": texts[2], "cv_roc_auc_mean": 0.81,
                              "test_roc_auc": 0.82}},
        "previous_model_on_current": {"roc_auc": None, "error": "failed",
                                      "error_detail": texts[3]},
        "data": {"source": "tables/clients_sample.csv", "clients": 300, "population": 300,
                 "is_sample": False},
        "current": {},
        "params": {"psi_bins": 10, "psi_warn": 0.1, "psi_alert": 0.25, "ks_alpha": 0.05},
        "profit_at_risk_total": {"previous": 1.0, "current": 2.0, "change": 1.0},
        "segments": [{"name": texts[5], "previous_clients": 1, "current_clients": 2,
                      "previous_profit_at_risk": 1.0, "current_profit_at_risk": 2.0}],
        "moved_to_high_risk": None,
        "problems": [texts[6]],
        "profit_unit": "тыс. ₽",
    }


def _hostile_results(results: dict, export: Path, texts: list[str]) -> dict:
    """The results with every category of the export, and every other string that comes
    from the data, an earlier revision or the offer catalogue, replaced by hostile text."""
    categories = sorted(set(load_export(export).clients[g.CATEGORY].dropna()))
    out = _replaced(results, dict(zip(categories, texts, strict=False)))
    assert isinstance(out, dict)
    for d in out["drivers"]:
        if d["feature"] == g.CATEGORY:
            d.update(direction="category", level=texts[0])
    out["drivers"].insert(0, {**out["drivers"][-1], "feature": g.CATEGORY,
                              "direction": "category", "level": texts[1]})
    warning = {"kind": "warning", "file": "market_file.csv", "count": 40, "ids": []}
    out["quality"]["warnings"] += [
        {**warning, "code": "new_category", "column": g.CATEGORY,
         "details": {"value": texts[2]}},
        {**warning, "code": "extra_columns", "column": None,
         "details": {"columns": texts[3:5]}}]
    segments = out["segments"]
    for s in segments["segments"]:
        s["offers"] = [{**o, "title": texts[5], "action": texts[6]} for o in s["offers"]]
    segments["rule_checks"] = [
        {"rule": "r1", "action": texts[7], "fires": False, "kind": "feature",
         "feature": texts[0], "direction": "high", "effect": 0.2},
        {"rule": "r2", "action": texts[1], "fires": False, "kind": "flag"}]
    for t in segments["tests"]["tests"]:
        t["action"] = texts[2]
    out["comparison"] = _comparison(texts)
    out["history"] = {"skipped": [{"revision": texts[3], "problem": texts[4]}]}
    out["trend"] = _trend(out)
    out["trend"]["segments"][0]["name"] = texts[5]
    out["trend"]["skipped"] = [{"revision": texts[6], "problem": texts[7]}]
    return out


def _ast_nodes(tree: object) -> list[dict]:
    """Every pandoc AST node in ``tree``, in document order."""
    if isinstance(tree, dict):
        return ([tree] if "t" in tree else []) + [
            node for value in tree.values() for node in _ast_nodes(value)]
    if isinstance(tree, list):
        return [node for value in tree for node in _ast_nodes(value)]
    return []


def _visible(nodes: list[dict]) -> str:
    return "".join(n["c"] for n in nodes if n["t"] == "Str")


@pytest.mark.parametrize("texts", HOSTILE_SETS, ids=["html-markdown-controls", "more-syntax"])
def test_hostile_text_from_the_data_is_literal_on_every_path(
        bundle: tuple[Path, Path], tmp_path: Path, texts: list[str]) -> None:
    """Categories, column names, offer names, an earlier revision's values, figure captions:
    whatever they hold, pandoc reads them as text (issue 13, defect 1)."""
    from report.text.markdown import shown_text

    results = _hostile_results(_results(bundle, Config()), bundle[1], texts)
    figures = [{"name": "categorical_shares", "path": "figures/categorical_shares.png",
                "title": texts[0], "alt": texts[1], "takeaway": texts[2]}]
    context = build_context(results, figures, period="2026-11", revision="r1",
                            provenance=PROVENANCE)
    qmd = write_documents(context, tmp_path).read_text(encoding="utf-8")
    ast = json.loads(pypandoc.convert_text(qmd, "json", format="markdown"))
    nodes = _ast_nodes(ast["blocks"])
    leaked = [n for n in nodes if n["t"] in FORBIDDEN and MARK in json.dumps(
        n, ensure_ascii=False)]
    assert leaked == []
    assert [n for n in nodes if n["t"] == "Image" and MARK in json.dumps(n["c"][2])] == []
    assert not [n for n in nodes if n["t"] in ("RawInline", "RawBlock")]
    assert [n["c"][2][0] for n in nodes if n["t"] == "Image"] == [
        "figures/categorical_shares.png"]
    visible = _visible(nodes)
    for text in texts:
        assert "".join(shown_text(text).split(" ")) in visible, text[:60]
    html = pypandoc.convert_text(qmd, "html5", format="markdown")
    assert "<script" not in html and "<img src=\"http" not in html and "<iframe" not in html
    assert "<style" not in html and not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", html)
