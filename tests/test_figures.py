"""The figures stage: plot helpers, computed captions, the builder and its determinism."""

from __future__ import annotations

import copy
import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.container import Container
from matplotlib.figure import Figure
from PIL import Image

from analysis import glossary as g
from figures import behaviour, drivers, model, segments, theme
from figures.build import FigureSpec, build_figures, plan_figures
from figures.plans import behaviour as behaviour_plans
from figures.plans import drivers as driver_plans
from figures.plans import model as model_plans
from figures.plans import segments as segment_plans
from figures.reader import Bundle, Missing, need

RUSSIAN_WORDS = re.compile(r"[А-Яа-яЁё]+\s+[А-Яа-яЁё]+")
PLOT_MODULES = ("behaviour", "model", "drivers", "segments", "theme")
PNG_HEADER = b"\x89PNG\r\n\x1a\n"
REAL_EXPORT = Path(__file__).resolve().parents[2] / "shared" / "data" / "one-click"
EXPECTED = {
    "target_balance", "numeric_histograms", "numeric_boxplots", "categorical_shares",
    "phik_heatmap", "monthly_activity", "model_comparison", "roc_pr", "confusion_matrix",
    "calibration", "shap_bar", "shap_beeswarm", "waterfall_1", "waterfall_2", "waterfall_3",
    "segment_map", "segment_profiles", "segment_differences",
}


@pytest.fixture(scope="session")
def bundle_dir(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Path:
    """One fake results bundle per session: the real export if present, else the demo one."""
    from fake_bundle import write_fake_bundle

    real = (REAL_EXPORT / "market_file.csv").is_file()
    export = REAL_EXPORT if real else request.getfixturevalue("demo_export_master")
    return write_fake_bundle(export, tmp_path_factory.mktemp("bundle"))


@pytest.fixture(scope="session")
def built(bundle_dir: Path, tmp_path_factory: pytest.TempPathFactory
          ) -> tuple[Path, list[FigureSpec]]:
    """The figures of the fake bundle, built once: ``(out_dir, specs)``."""
    out = tmp_path_factory.mktemp("run1") / "figures"
    return out, build_figures(bundle_dir, out, strict=True)


def _axes() -> Axes:
    with theme.style():
        return Figure(figsize=(theme.WIDTH, 3)).subplots()


def _owned(artist: Any, ax: Axes) -> bool:
    if isinstance(artist, Container):
        return all(child.axes is ax for child in artist if isinstance(child, Artist))
    return isinstance(artist, Artist) and artist.axes is ax


RNG = np.random.default_rng(0)
X, Y = RNG.normal(5, 2, 200), RNG.normal(8, 2, 300)
PLOTS: dict[str, Callable[[Axes], Any]] = {
    "target_balance": lambda ax: behaviour.plot_target_balance(ax, {g.DECLINED: 4, g.STABLE: 6}),
    "distribution": lambda ax: behaviour.plot_distribution(ax, X, Y),
    "box": lambda ax: behaviour.plot_box(ax, X, Y),
    "category_shares": lambda ax: behaviour.plot_category_shares(
        ax, ["да", "нет"], [0.4, 0.3], [100, 50], 0.35),
    "phik": lambda ax: behaviour.plot_phik(ax, [[1, 0.6], [0.6, 1]], ["А", "Б"]),
    "monthly": lambda ax: behaviour.plot_monthly(
        ax, ["прошлый", "текущий"], {g.DECLINED: [1, 2], g.STABLE: [2, None]}, "мин"),
    "model_comparison": lambda ax: model.plot_model_comparison(
        ax, ["А", "Б"], [0.9, 0.5], [0.02, 0.0], 0),
    "roc": lambda ax: model.plot_roc(ax, [0, 0.2, 1], [0, 0.8, 1], "ROC AUC 0,8"),
    "pr": lambda ax: model.plot_pr(ax, [0, 0.5, 1], [1, 0.8, 0.4], "PR AUC 0,8", 0.4),
    "confusion": lambda ax: model.plot_confusion(ax, [[50, 5], [10, 35]]),
    "calibration": lambda ax: model.plot_calibration(ax, [0.1, 0.5, 0.9], [0.15, 0.45, 0.8]),
    "gain": lambda ax: model.plot_gain(ax, [0.1, 0.3], [0.25, 0.7], 0.3),
    "beeswarm": lambda ax: drivers.plot_beeswarm(
        ax, RNG.normal(size=(50, 2)), np.column_stack([RNG.uniform(size=50), np.full(50, np.nan)]),
        ["А", "Б"]),
    "shap_bar": lambda ax: drivers.plot_shap_bar(ax, ["А", "Б"], [0.3, 0.1]),
    "waterfall": lambda ax: drivers.plot_waterfall(ax, -0.5, ["А = 1", "Б = 2"], [0.8, -0.2], "x"),
    "segment_map": lambda ax: segments.plot_segment_map(
        ax, [0.1, 0.7, 0.9], [3, 4, 5], ["", "С1", "С2"], ["С1", "С2"], [(0.6, "высокий")], 4),
    "segment_bars": lambda ax: segments.plot_segment_bars(
        ax, ["С1", "С2"], [0.7, 0.5], str, "вероятность"),
    "segment_differences": lambda ax: segments.plot_segment_differences(
        ax, ["А", "Б"], [0.5, -0.3], ["1 против 2", "3 против 4"], "#7b3294"),
}


@pytest.mark.parametrize("name", sorted(PLOTS))
def test_plot_function_draws_on_the_given_axes_and_returns_its_artist(name: str) -> None:
    ax = _axes()
    figures_before = ax.figure
    artist = PLOTS[name](ax)
    assert _owned(artist, ax)
    assert ax.figure is figures_before


def test_theme_keeps_the_target_colours_apart_from_the_segment_palette() -> None:
    assert theme.TARGET_COLOURS[g.DECLINED] != theme.TARGET_COLOURS[g.STABLE]
    assert not set(theme.TARGET_COLOURS.values()) & set(theme.SEGMENT_PALETTE)
    assert theme.rc()["font.family"] == "DejaVu Sans"


def test_need_raises_missing_for_absent_or_empty_parts() -> None:
    assert need({"a": {"b": [1]}}, "a", "b") == [1]
    for path in (("x",), ("a", "c"), ("a", "e")):
        with pytest.raises(Missing):
            need({"a": {"b": [1], "e": []}}, *path)


def test_builder_writes_every_figure_as_a_valid_png_with_its_facts(
        built: tuple[Path, list[FigureSpec]]) -> None:
    out, specs = built
    assert {s.name for s in specs} == EXPECTED
    for spec in specs:
        path = out.parent / spec.path
        assert spec.path == f"figures/{spec.name}.png"
        assert path.read_bytes()[:8] == PNG_HEADER
        with Image.open(path) as image:
            assert min(image.info["dpi"]) >= 150
            width, height = image.size
        assert 6.5 <= width / image.info["dpi"][0] <= 7.5
        assert height / image.info["dpi"][1] <= 4.6
        assert spec.facts and json.loads(json.dumps(spec.facts, allow_nan=False)) == spec.facts
        assert spec.section in {"behaviour", "model", "drivers", "segments"}
    index = json.loads((out / "index.json").read_text(encoding="utf-8"))
    assert [item["name"] for item in index] == [s.name for s in specs]
    assert [item["facts"] for item in index] == [s.facts for s in specs]
    assert set(index[0]) == {"name", "path", "section", "facts"}
    assert index[0] == dict(sorted(index[0].items()))


def test_two_builds_give_identical_bytes(built: tuple[Path, list[FigureSpec]],
                                         bundle_dir: Path, tmp_path: Path) -> None:
    out, specs = built
    again = build_figures(bundle_dir, tmp_path / "figures", strict=True)
    assert again == specs
    for spec in specs:
        assert (tmp_path / spec.path).read_bytes() == (out.parent / spec.path).read_bytes()
    assert (tmp_path / "figures" / "index.json").read_bytes() == (out / "index.json").read_bytes()


def _with(bundle_dir: Path, change: Callable[[dict[str, Any]], None]) -> Bundle:
    bundle = Bundle.read(bundle_dir)
    results = copy.deepcopy(bundle.results)
    change(results)
    return Bundle(bundle_dir, results)


def _top_numeric(results: dict[str, Any]) -> dict[str, Any]:
    rows = [r for r in results["behaviour"]["tests"] if r["kind"] == "numeric"]
    return max(rows, key=lambda r: abs(r["effect_size"]))


def _swap_medians(results: dict[str, Any]) -> None:
    row = _top_numeric(results)
    row["declined_median"], row["stable_median"] = row["stable_median"], row["declined_median"]
    row["declined_mean"], row["stable_mean"] = row["stable_mean"], row["declined_mean"]


def test_distribution_facts_follow_the_medians(bundle_dir: Path) -> None:
    before = behaviour_plans.numeric_histograms(Bundle.read(bundle_dir)).facts["top"]
    after = behaviour_plans.numeric_histograms(_with(bundle_dir, _swap_medians)).facts["top"]
    assert before["feature"] == after["feature"]
    assert (after["declined"], after["stable"]) == (before["stable"], before["declined"])


@pytest.mark.parametrize(("factory", "change", "fact"), [
    (behaviour_plans.target_balance,
     lambda r: r["facts"].update(declined=r["facts"]["declined"] // 2, decline_share=None),
     "decline_share"),
    (model_plans.roc_pr, lambda r: r["model"].update(test_roc_auc=0.61), "auc"),
    (model_plans.model_comparison,
     lambda r: r["model"].update(best=next(c["name"] for c in r["model"]["candidates"]
                                           if c["name"] != r["model"]["best"])), "chosen"),
    (driver_plans.shap_bar, lambda r: r["drivers"][-1].update(mean_abs_shap=10.0), "top"),
    (segment_plans.segment_profiles,
     lambda r: [s.update(profit_at_risk=1000.0 * i)
                for i, s in enumerate(r["segments"]["segments"])], "top"),
])
def test_facts_are_computed_from_the_numbers(bundle_dir: Path, factory: Callable,
                                             change: Callable, fact: str) -> None:
    before, after = factory(Bundle.read(bundle_dir)), factory(_with(bundle_dir, change))
    assert before.facts[fact] != after.facts[fact]


def test_the_figures_stage_writes_no_russian_prose() -> None:
    """Russian words in the figures' code are only in docstrings and the glossary's labels."""
    import ast

    root = Path(__file__).resolve().parents[1] / "figures"
    sources = [root / f"{m}.py" for m in PLOT_MODULES] + sorted((root / "plans").glob("*.py"))
    found = []
    for path in sources:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                      if isinstance(node, ast.Module | ast.FunctionDef | ast.ClassDef)
                      and node.body and isinstance(node.body[0], ast.Expr)}
        found += [f"{path.name}:{node.lineno}" for node in ast.walk(tree)
                  if isinstance(node, ast.Constant) and isinstance(node.value, str)
                  and id(node) not in docstrings and RUSSIAN_WORDS.search(node.value)]
    assert found == []


def test_confusion_matrix_reads_both_bundle_shapes() -> None:
    labelled = {"labels": [g.STABLE, g.DECLINED], "matrix": [[50, 5], [10, 35]]}
    flipped = {"labels": [g.DECLINED, g.STABLE], "matrix": [[35, 10], [5, 50]]}
    assert model_plans.confusion_counts(labelled) == (50, 5, 10, 35)
    assert model_plans.confusion_counts(flipped) == (50, 5, 10, 35)
    assert model_plans.confusion_counts([[50, 5], [10, 35]]) == (50, 5, 10, 35)


def test_a_bundle_without_optional_sections_builds_the_rest(bundle_dir: Path,
                                                            tmp_path: Path) -> None:
    partial = tmp_path / "bundle"
    shutil.copytree(bundle_dir, partial)
    results = json.loads((partial / "results.json").read_text(encoding="utf-8"))
    for key in ("model", "drivers", "shap", "segments"):
        results.pop(key)
    del results["behaviour"]["phik"]
    (partial / "results.json").write_text(json.dumps(results, ensure_ascii=False),
                                          encoding="utf-8")
    (partial / "tables" / "shap_values.csv").unlink()
    plans = {p.name for p in plan_figures(Bundle.read(partial), strict=True)}
    assert plans == {"target_balance", "numeric_histograms", "numeric_boxplots",
                     "categorical_shares", "monthly_activity"}
    specs = build_figures(partial, tmp_path / "figures", names={"target_balance"})
    assert [s.name for s in specs] == ["target_balance"]
    assert build_figures(tmp_path / "empty", tmp_path / "none") == []


def test_segment_map_samples_many_clients_and_says_so(bundle_dir: Path, tmp_path: Path) -> None:
    big = tmp_path / "bundle"
    shutil.copytree(bundle_dir, big)
    sample = pd.read_csv(big / "tables" / "clients_sample.csv")
    many = pd.concat([sample] * (segment_plans.MAX_POINTS // len(sample) + 1), ignore_index=True)
    many.to_csv(big / "tables" / "clients_sample.csv", index=False)
    plan = segment_plans.segment_map(Bundle.read(big))
    assert plan.facts["shown"] == segment_plans.MAX_POINTS < plan.facts["population"]


def test_malformed_data_skips_the_figure_unless_strict(bundle_dir: Path, tmp_path: Path,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    broken = tmp_path / "bundle"
    shutil.copytree(bundle_dir, broken)
    results = json.loads((broken / "results.json").read_text(encoding="utf-8"))
    results["facts"]["declined"] = "много"
    (broken / "results.json").write_text(json.dumps(results, ensure_ascii=False),
                                         encoding="utf-8")
    assert "target_balance" not in {p.name for p in plan_figures(Bundle.read(broken))}
    assert "target_balance" in caplog.text
    with pytest.raises(ValueError):
        plan_figures(Bundle.read(broken), strict=True)
