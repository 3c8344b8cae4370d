"""Documents: Markdown escaping of text from the data, and templates filled from results."""

from __future__ import annotations

import json
from pathlib import Path

import pypandoc
import pytest
from fake_bundle import write_fake_bundle

from analysis.behaviour.stats import id_leakage
from analysis.config import Config
from analysis.data.clients import load_export
from report.documents import build_context, md_escape, period_label, write_documents
from report.text.decision import group_rows

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
    results = _results(bundle, Config())
    results["segments"]["segments"].pop()
    text = _document(results, tmp_path)
    summary = text[text.index("Главное за месяц"):text.index("{#data-quality}")]
    groups = results["segments"]["decision"]["groups"]
    assert "список возврата" in summary and "по оценке модели" in summary
    assert "Возврат" in summary and "Профилактика" in summary
    assert "ожидаемая выгода положительна" in summary
    for row in group_rows(results):
        assert f"| {row['selected_cell']} | {row['sent_cell']} |" in summary
    assert sum(groups[c]["clients"] for c in groups) == results["segments"]["clients"]
    body = text[text.index("{#segments}"):]
    assert "Чувствительность к допущениям" in body and "Бонферрони" in body
    assert "сегменты не пересекаются" in body
    for s in results["segments"]["segments"]:
        grp = s["groups"]
        assert f"| {grp['winback']['clients']} / {grp['prevention']['clients']} |" in summary
