"""Wiring of one run: export → bundle → figures → documents → HTML → PDF → archive.

Each stage lives in its own module; this module only says which feeds which,
times the stages, and makes sure nothing is archived unless every stage passed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analysis.config import Config
from analysis.data.clients import load_export
from analysis.paths import export_paths
from analysis.results import files
from analysis.results.contract import Bundle
from analysis.results.store import write_bundle
from analysis.run import run_analysis
from report.actionlist import write_action_list
from report.progress import StageClock

if TYPE_CHECKING:
    from report.render.html import RendererInfo

__all__ = ["analyse_to_bundle", "build_report"]


def _analyse(data_dir: Path, config: Config, clock: StageClock,
             previous: Path | None = None, period: str | None = None,
             skipped: list[dict[str, str]] | None = None) -> Bundle:
    with clock.stage("validate", "Проверка и исправление выгрузки"):
        data = load_export(data_dir, config.data)
    with clock.stage("analyse", "Анализ, модель, SHAP, сегменты"):
        return run_analysis(data, config, previous, period, skipped)


def _write(bundle: Bundle, out_dir: Path) -> None:
    write_bundle(bundle, out_dir)
    write_action_list(bundle.scores, out_dir / files.SCORES_CSV, out_dir / files.SCORES_XLSX)


def analyse_to_bundle(data_dir: Path, out_dir: Path, config: Config, *,
                      quiet: bool = False, period: str | None = None) -> Path:
    """``oneclick analyse``: write the results bundle into ``out_dir``.

    ``period`` (``YYYY-MM``, optional) seeds the control draw as ``oneclick report`` does.
    """
    clock = StageClock(quiet=quiet)
    bundle = _analyse(data_dir, config, clock, period=period)
    with clock.stage("bundle", "Запись результатов"):
        _write(bundle, out_dir)
    return out_dir


def _provenance(data_dir: Path, config: Config, timings: dict[str, float]) -> dict[str, Any]:
    from report.archive.manifest import file_digest
    from report.archive.provenance import describe_tool

    tool = describe_tool()
    return {
        "tool_version": tool["version"],
        "git_commit": tool.get("git_commit") or "нет (не из git-репозитория)",
        "python": tool["python"],
        "packages": tool["packages"],
        "seed": config.model.seed,
        "inputs": {p.name: {"sha256": file_digest(p)} for p in export_paths(data_dir).values()},
        "timings": dict(timings),
    }


def _render(rev: Path, bundle: Bundle, period: str, revision_hint: str, renderer: str,
            prov: dict[str, Any], clock: StageClock) -> RendererInfo:
    from figures.build import build_figures
    from figures.reader import Bundle as FigureBundle
    from report.documents import build_context, write_documents
    from report.render.html import choose_renderer, render_html
    from report.render.pdf import render_pdf
    from report.text.common import running_header
    from report.text.figures import with_captions
    from report.text.method import renderer_label

    used = choose_renderer(renderer)  # the appendix names it
    with clock.stage("figures", "Графики"):
        specs = build_figures(FigureBundle.from_memory(bundle, rev), rev / files.FIGURES_DIR)
    figures = [with_captions(vars(s)) for s in specs]
    header = running_header(period, revision_hint)
    with clock.stage("documents", "Документы отчёта"):
        prov = {**prov, "renderer": renderer_label(used.name, used.version)}
        context = build_context(bundle.results, figures, period=period,
                                revision=revision_hint, provenance=prov)
        qmd = write_documents(context, rev)
    with clock.stage("html", "HTML"):
        render_html(qmd, rev / files.REPORT_HTML, renderer=used.name)
    with clock.stage("pdf", "PDF"):
        render_pdf(rev / files.REPORT_HTML, rev / files.REPORT_PDF, base_dir=rev,
                   running_header=header)
    return used


def build_report(data_dir: Path, period: str, archive_dir: Path, config: Config, *,
                 renderer: str = "auto", quiet: bool = False) -> Path:
    """``oneclick report``: every stage, archived as a new revision; returns its path."""
    from report.archive.listing import intact_previous
    from report.archive.numbering import next_revision_name
    from report.archive.store import RevisionBuilder

    clock = StageClock(quiet=quiet)
    data_dir = Path(data_dir)
    with RevisionBuilder(archive_dir, period) as rev:
        previous, skipped = intact_previous(Path(archive_dir), period)
        bundle = _analyse(data_dir, config, clock, previous, period, skipped)
        with clock.stage("bundle", "Запись результатов"):
            _write(bundle, rev.path)
        hint = next_revision_name(archive_dir, period)
        prov = _provenance(data_dir, config, {**clock.timings, **bundle.timings})
        used = _render(rev.path, bundle, period, hint, renderer, prov, clock)
        clock.write_log(rev.path / files.RUN_LOG)
        final = rev.publish(
            {"period": period, "parameters": bundle.results["params"],
             "seed": config.model.seed,
             "renderer": used.name, "renderer_version": used.version,
             "timings": {**clock.timings, **{f"analysis.{k}": round(v, 3)
                                             for k, v in bundle.timings.items()}},
             "created_at": datetime.now(UTC).isoformat(timespec="seconds")},
            inputs={key: path for key, path in export_paths(data_dir).items()},
        )
    return final


