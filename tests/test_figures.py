"""The figures stage: plot helpers, computed captions, the builder and its determinism."""

from __future__ import annotations

import copy
import errno
import hashlib
import io
import json
import os
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
from matplotlib.cm import ScalarMappable
from matplotlib.collections import Collection
from matplotlib.colors import to_hex, to_rgba_array
from matplotlib.container import Container
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.text import Text
from PIL import Image

from analysis import glossary as g
from figures import behaviour, build, draw, drivers, model, segments, theme
from figures.build import FigureSpec, build_figures, draw_plan, plan_figures, start_figures
from figures.plans import PLANS, Plan
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
    "exposure_split", "trend",
    "numeric_histograms", "categorical_shares", "phik_heatmap", "monthly_activity", "roc_pr",
    "confusion_matrix", "calibration", "shap_beeswarm", "shap_examples", "segment_map",
    "segment_differences",
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
    "class_distribution": lambda ax: draw.plot_class_distribution(ax, X, Y),
    "heatmap": lambda ax: draw.plot_heatmap(
        ax, np.eye(2), [["1", "0"], ["0", "1"]], theme.MAGNITUDE_CMAP, 0, 1, "АБ", "АБ"),
    "category_shares": lambda ax: behaviour.plot_category_shares(
        ax, ["да", "нет"], [0.4, 0.3], [100, 50], 0.35),
    "phik": lambda ax: behaviour.plot_phik(
        ax, [[1, 0.6, 0.2], [0.6, 1, 0.3], [0.2, 0.3, 1]], ["Цель", "А", "Б"]),
    "monthly": lambda ax: behaviour.plot_monthly(
        ax, ["прошлый", "текущий"], {g.DECLINED: [1, 2], g.STABLE: [2, None]}),
    "roc": lambda ax: model.plot_roc(ax, [0, 0.2, 1], [0, 0.8, 1], "ROC AUC 0,8"),
    "pr": lambda ax: model.plot_pr(ax, [0, 0.5, 1], [1, 0.8, 0.4], "PR AUC 0,8", 0.4),
    "confusion": lambda ax: model.plot_confusion(ax, [[50, 5], [10, 35]]),
    "calibration": lambda ax: model.plot_calibration(ax, [0.1, 0.5, 0.9], [0.15, 0.45, 0.8]),
    "gain": lambda ax: model.plot_gain(ax, [0.1, 0.3], [0.25, 0.7], 0.3),
    "beeswarm": lambda ax: drivers.plot_beeswarm(
        ax, RNG.normal(size=(50, 2)), np.column_stack([RNG.uniform(size=50), np.full(50, np.nan)]),
        ["А", "Б"]),
    "contributions": lambda ax: drivers.plot_contributions(
        ax, ["А", "Б"], ["Клиент 1", "Клиент 2"], np.array([[0.8, -0.2], [np.nan, 0.1]]),
        [["1\n+0,80", "2\n−0,20"], ["", "3\n+0,10"]]),
    "segment_map": lambda ax: segments.plot_segment_map(
        ax, [0.1, 0.7, 0.9], [3, 4, 5], ["", "С1", "С2"], ["С1", "С2"], [(0.6, "высокий")], 4),
    "exposure_split": lambda ax: segments.plot_exposure_split(
        ax, ["Возврат", "Профилактика"], [[10.0, 1.0], [30.0, 8.0]], ["С1", "Вне"],
        ["#7b3294", theme.MUTED], ["40", "9"]),
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


def test_theme_keeps_classes_model_and_segments_apart() -> None:
    classes = set(theme.TARGET_COLOURS.values())
    assert len(classes) == 2 and theme.MODEL_COLOUR not in classes
    assert not (classes | {theme.MODEL_COLOUR}) & set(theme.SEGMENT_PALETTE)
    assert set(theme.GROUP_COLOURS.values()) == classes
    assert theme.rc()["font.family"] == "DejaVu Sans"
    assert min(v for k, v in theme.rc().items() if k.endswith("size")
               and isinstance(v, float)) >= theme.MIN_FONT


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
        assert height / image.info["dpi"][1] <= theme.PRINT_HEIGHT
        assert spec.facts and json.loads(json.dumps(spec.facts, allow_nan=False)) == spec.facts
        assert spec.section in {"summary", "behaviour", "model", "drivers", "segments"}
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


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_parallel_build_writes_the_bytes_of_the_sequential_one(
        built: tuple[Path, list[FigureSpec]], bundle_dir: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    out, specs = built
    monkeypatch.setattr(build, "_usable_cpus", lambda: 2)  # workers even on a one-CPU runner
    calls: list[tuple[str, int, int]] = []
    job = start_figures(bundle_dir, tmp_path / "figures", strict=True, jobs=2,
                        progress=lambda *call: calls.append(call))
    assert job.planned == specs  # the documents can be written before the files exist
    assert job.result() == specs
    assert _digests(tmp_path / "figures") == _digests(out)
    assert calls == [("figures", k, len(specs)) for k in range(1, len(specs) + 1)]


def test_one_job_draws_in_this_process(bundle_dir: Path, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    def no_pool(*args: object, **kwargs: object) -> None:
        raise AssertionError("a worker pool was started")

    monkeypatch.setattr(build, "ProcessPoolExecutor", no_pool)
    monkeypatch.setattr(build, "_usable_cpus", lambda: 2)
    assert {s.name for s in build_figures(bundle_dir, tmp_path / "one", jobs=1)} == EXPECTED
    with pytest.raises(AssertionError, match="pool"):
        build_figures(bundle_dir, tmp_path / "two", jobs=2)


def _failing(monkeypatch: pytest.MonkeyPatch, name: str, exc: Exception) -> None:
    """Make figure ``name`` fail to draw (a forked worker inherits the patch)."""
    original = build._render

    def render(plan: Plan, path: Path) -> None:
        if plan.name == name:
            path.write_bytes(b"half a PNG")
            raise exc
        original(plan, path)

    monkeypatch.setattr(build, "_render", render)


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_figure_that_fails_to_draw_is_left_out_unless_strict(
        bundle_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture, jobs: int) -> None:
    _failing(monkeypatch, "calibration", ValueError("no curve"))
    specs = build_figures(bundle_dir, tmp_path / "lenient", jobs=jobs)
    assert {s.name for s in specs} == EXPECTED - {"calibration"}
    assert not (tmp_path / "lenient" / "calibration.png").exists()
    assert "calibration skipped: it could not be drawn" in caplog.text
    assert "no curve" in caplog.text
    with pytest.raises(ValueError, match="no curve"):
        build_figures(bundle_dir, tmp_path / "strict", jobs=jobs, strict=True)


def test_a_worker_that_dies_has_its_figures_drawn_here(
        built: tuple[Path, list[FigureSpec]], bundle_dir: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    out, specs = built
    parent, original = os.getpid(), build._render

    def render(plan: Plan, path: Path) -> None:
        if plan.name == "roc_pr" and os.getpid() != parent:
            os._exit(1)  # the worker is killed mid-figure (out of memory, a signal)
        original(plan, path)

    monkeypatch.setattr(build, "_render", render)
    monkeypatch.setattr(build, "_usable_cpus", lambda: 2)
    assert build_figures(bundle_dir, tmp_path / "figures", strict=True, jobs=2) == specs
    assert _digests(tmp_path / "figures") == _digests(out)
    assert "worker process died" in caplog.text


def test_a_full_disk_stops_the_figures_even_when_lenient(
        bundle_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _failing(monkeypatch, "roc_pr", OSError(errno.ENOSPC, "No space left on device"))
    with pytest.raises(OSError) as raised:
        build_figures(bundle_dir, tmp_path / "figures", jobs=2)
    assert raised.value.errno == errno.ENOSPC


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


def _revenue_means(results: dict[str, Any]) -> None:
    for series in results["behaviour"]["monthly"]["revenue"]["series"]:
        series["means"] = list(reversed(series["means"]))


@pytest.mark.parametrize(("factory", "change", "fact"), [
    (behaviour_plans.monthly_activity, _revenue_means, "revenue_trend"),
    (model_plans.roc_pr, lambda r: r["model"].update(test_roc_auc=0.61), "auc"),
    (driver_plans.shap_examples,
     lambda r: r["shap"]["examples"][0]["contributions"][0].update(value=-25.0), "contrast"),
    (segment_plans.segment_differences,
     lambda r: r["segments"]["segments"][0]["differences"][-1].update(effect=0.999), "first"),
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
    for key in ("model", "drivers", "shap", "segments", "trend"):
        results.pop(key)
    del results["behaviour"]["phik"]
    (partial / "results.json").write_text(json.dumps(results, ensure_ascii=False),
                                          encoding="utf-8")
    (partial / "tables" / "shap_values.csv").unlink()
    plans = {p.name for p in plan_figures(Bundle.read(partial), strict=True)}
    assert plans == {"numeric_histograms", "categorical_shares", "monthly_activity"}
    specs = build_figures(partial, tmp_path / "figures", names={"monthly_activity"})
    assert [s.name for s in specs] == ["monthly_activity"]
    assert build_figures(tmp_path / "empty", tmp_path / "none") == []


def test_segment_map_samples_many_clients_and_says_so(bundle_dir: Path, tmp_path: Path) -> None:
    big = tmp_path / "bundle"
    shutil.copytree(bundle_dir, big)
    sample = pd.read_csv(big / "tables" / "clients_sample.csv")
    stable = int((sample[g.TARGET] == g.STABLE).sum())
    many = pd.concat([sample] * (segment_plans.MAX_POINTS // stable + 1), ignore_index=True)
    many.to_csv(big / "tables" / "clients_sample.csv", index=False)
    plan = segment_plans.segment_map(Bundle.read(big))
    assert plan.facts["shown"] == segment_plans.MAX_POINTS < plan.facts["population"]


def test_segment_map_shows_the_clients_its_cells_count(bundle_dir: Path) -> None:
    """The risk × profit cells are the stable clients': so are the map's dots."""
    bundle = Bundle.read(bundle_dir)
    sample = bundle.table("clients_sample")
    plan = segment_plans.segment_map(bundle)
    stable = int((sample[g.TARGET] == g.STABLE).sum())
    assert plan.facts["shown"] == stable == plan.facts["clients"] < len(sample)


def test_malformed_data_skips_the_figure_unless_strict(bundle_dir: Path, tmp_path: Path,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    broken = tmp_path / "bundle"
    shutil.copytree(bundle_dir, broken)
    results = json.loads((broken / "results.json").read_text(encoding="utf-8"))
    results["behaviour"]["monthly"]["revenue"]["series"][0]["means"][-1] = "много"
    (broken / "results.json").write_text(json.dumps(results, ensure_ascii=False),
                                         encoding="utf-8")
    assert "monthly_activity" not in {p.name for p in plan_figures(Bundle.read(broken))}
    assert "monthly_activity" in caplog.text
    with pytest.raises(TypeError):
        plan_figures(Bundle.read(broken), strict=True)


# ---- one palette, readable at A4 ------------------------------------------------------------

def _colours(figure: Figure) -> tuple[set[str], set[str]]:
    """Every colour (``#rrggbb``, transparency aside) and colour-map name a figure draws."""
    colours: set[str] = set()
    cmaps: set[str] = set()

    def add(colour: Any) -> None:
        for rgba in to_rgba_array(colour):
            if rgba[3] > 0:
                colours.add(to_hex(rgba[:3]))

    for artist in figure.findobj():
        if not artist.get_visible() or artist is figure.patch:
            continue
        if isinstance(artist, ScalarMappable) and artist.get_array() is not None:
            cmaps.add(artist.get_cmap().name)
        elif isinstance(artist, Line2D):
            if artist.get_linestyle() not in {"None", ""} and len(artist.get_xdata()):
                add(artist.get_color())
            if artist.get_marker() not in {"None", None, "", " "}:
                add(artist.get_markerfacecolor())
                add(artist.get_markeredgecolor())
        elif isinstance(artist, Text):
            if artist.get_text().strip():
                add(artist.get_color())
        elif isinstance(artist, Patch):
            if artist.get_fill():
                add(artist.get_facecolor())
            if artist.get_linewidth() > 0:
                add(artist.get_edgecolor())
        elif isinstance(artist, Collection):
            add(artist.get_facecolors())
            if np.any(np.asarray(artist.get_linewidths()) > 0):
                add(artist.get_edgecolors())
    return colours, cmaps


def _texts(figure: Figure) -> list[Text]:
    return [a for a in figure.findobj(Text) if a.get_visible() and a.get_text().strip()]


@pytest.fixture(scope="module")
def drawn(bundle_dir: Path) -> list[tuple[Plan, Figure]]:
    """Every plan of the fake bundle drawn (not saved) and laid out, as the builder draws it."""
    figures = []
    for plan in plan_figures(Bundle.read(bundle_dir), strict=True):
        figure = draw_plan(plan)
        with theme.style():
            figure.draw_without_rendering()
        figures.append((plan, figure))
    return figures


def test_the_colour_collector_sees_a_colour_outside_the_palette() -> None:
    ax = _axes()
    ax.plot([0, 1], [0, 1], color="#123456")
    ax.bar([0], [1], color="tab:green")
    ax.imshow(np.eye(2), cmap="viridis")
    colours, cmaps = _colours(ax.figure)
    assert {"#123456", to_hex("tab:green")} <= colours - theme.PALETTE
    assert cmaps == {"viridis"}


def test_every_chart_draws_only_the_palette(drawn: list[tuple[Plan, Figure]]) -> None:
    """Every factory of ``PLANS`` (a new one too): palette colours and the theme's colour maps."""
    assert len(drawn) >= len(PLANS) and {plan.name for plan, _ in drawn} == EXPECTED
    for plan, figure in drawn:
        colours, cmaps = _colours(figure)
        assert colours - theme.PALETTE == set(), plan.name
        assert cmaps <= theme.COLOUR_MAPS, plan.name


def test_class_colours_mean_the_classes_in_every_chart(drawn: list[tuple[Plan, Figure]]) -> None:
    """Where a chart names a class in its legend, the handle has that class's colour."""
    names = {theme.TARGET_LABELS[c]: theme.TARGET_COLOURS[c] for c in theme.TARGET_COLOURS}
    seen = 0
    for plan, figure in drawn:
        for legend in figure.findobj(Legend):
            for handle, text in zip(legend.legend_handles, legend.get_texts(), strict=True):
                if text.get_text() in names:
                    seen += 1
                    colour = (handle.get_color() if isinstance(handle, Line2D)
                              else handle.get_facecolor())
                    assert to_hex(colour) == names[text.get_text()], plan.name
    assert seen >= 4


def test_no_text_under_8_pt_at_the_printed_size(drawn: list[tuple[Plan, Figure]]) -> None:
    for plan, figure in drawn:
        scale = min(theme.PRINT_WIDTH / plan.width, theme.PRINT_HEIGHT / plan.height)
        small = {(t.get_text(), round(t.get_fontsize() * scale, 1)) for t in _texts(figure)
                 if t.get_fontsize() * scale < theme.MIN_FONT - 1e-9}
        assert small == set(), plan.name


def test_phik_heatmap_names_its_columns(drawn: list[tuple[Plan, Figure]]) -> None:
    plan, figure = next((p, f) for p, f in drawn if p.name == "phik_heatmap")
    ax = figure.axes[0]
    columns = [t.get_text() for t in ax.get_xticklabels()]
    rows = [t.get_text() for t in ax.get_yticklabels()]
    assert columns[0].replace("\n", " ") == g.label(g.TARGET)
    assert not any(label.strip().isdigit() for label in columns + rows)
    assert plan.facts["shown"] <= behaviour_plans.PHIK_FEATURES + 3
    a, c, _ = plan.facts["pair"]
    shown = {label.replace("\n", " ") for label in columns + rows}
    assert {g.label(a), g.label(c)} <= shown


def test_segment_map_spreads_the_sure_clients_and_labels_no_dot(
        drawn: list[tuple[Plan, Figure]]) -> None:
    _, figure = next((p, f) for p, f in drawn if p.name == "segment_map")
    ax = figure.axes[0]
    assert ax.get_xscale() == "logit"
    dots = np.concatenate([c.get_offset_transform().transform(c.get_offsets())
                           for c in ax.collections if len(c.get_offsets())])
    box = ax.get_window_extent()
    edge = (dots[:, 0] > box.x1 - 0.03 * box.width) | (dots[:, 0] < box.x0 + 0.03 * box.width)
    assert edge.mean() < 0.1  # on a linear axis a third of the clients sat on the edges
    renderer = figure.canvas.get_renderer()
    for text in ax.texts:
        extent = text.get_window_extent(renderer)
        inside = ((dots[:, 0] >= extent.x0) & (dots[:, 0] <= extent.x1)
                  & (dots[:, 1] >= extent.y0) & (dots[:, 1] <= extent.y1))
        assert not inside.any(), text.get_text()


def test_class_distribution_is_a_share_of_each_class() -> None:
    ax = _axes()
    draw.plot_class_distribution(ax, [1, 1, 2], [2] * 10)
    heights = {}
    for collection in ax.collections:
        colour = to_hex(collection.get_facecolor()[0][:3])
        top = max(path.vertices[:, 1].max() for path in collection.get_paths())
        heights[colour] = top
    assert heights[theme.DECLINED_COLOUR] == pytest.approx(2 / 3)
    assert heights[theme.STABLE_COLOUR] == pytest.approx(1.0)


def test_example_heatmap_keeps_every_contribution(bundle_dir: Path) -> None:
    """One heatmap for the examples: each column still adds up to the client's whole shift."""
    examples = Bundle.read(bundle_dir).get("shap", "examples")
    features = driver_plans._example_rows(examples)
    values, notes, rows = driver_plans._example_cells(examples, features)
    assert values.shape == (len(rows), len(examples)) and len(notes) == len(rows)
    assert len(features) == driver_plans.EXAMPLE_ROWS < len(rows)
    for j, example in enumerate(examples):
        assert np.nansum(values[:, j]) == pytest.approx(
            sum(c["value"] for c in example["contributions"]))


def test_written_png_has_the_pixels_savefig_writes_in_rgb(built: tuple[Path, list[FigureSpec]],
                                                           bundle_dir: Path) -> None:
    """The builder draws each figure once and drops the (opaque) alpha channel: same pixels."""
    out, _ = built
    plan = plan_figures(Bundle.read(bundle_dir), strict=True)[0]
    saved = io.BytesIO()
    with theme.style():
        draw_plan(plan).savefig(saved, format="png", dpi=theme.DPI)
    with Image.open(saved) as reference, Image.open(out / f"{plan.name}.png") as written:
        assert written.mode == "RGB" and reference.mode == "RGBA"
        rgba = np.asarray(reference)
        assert (rgba[..., 3] == 255).all()
        assert np.array_equal(np.asarray(written), rgba[..., :3])
        assert written.info["dpi"] == reference.info["dpi"]
        assert "Software" not in written.info
