"""Wiring of one run: export → bundle → figures → documents → HTML → PDF → archive.

Each stage lives in its own module; this module only says which feeds which,
times the stages, and makes sure nothing is archived unless every stage passed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from analysis.bundle import Bundle, run_analysis, write_bundle
from analysis.config import Config
from analysis.data.clients import ClientData, load_export
from analysis.paths import export_paths
from report.progress import StageClock

__all__ = ["analyse_to_bundle", "build_report"]


def _analyse(data_dir: Path, config: Config, clock: StageClock) -> tuple[ClientData, Bundle]:
    with clock.stage("validate", "Проверка и исправление выгрузки"):
        data = load_export(data_dir, config.data)
    with clock.stage("analyse", "Анализ, модель, SHAP, сегменты"):
        bundle = run_analysis(data, config)
    return data, bundle


def analyse_to_bundle(data_dir: Path, out_dir: Path, config: Config, *,
                      quiet: bool = False) -> Path:
    """``oneclick analyse``: write the results bundle into ``out_dir``."""
    clock = StageClock(quiet=quiet)
    _, bundle = _analyse(data_dir, config, clock)
    with clock.stage("bundle", "Запись результатов"):
        write_bundle(bundle, out_dir)
    return out_dir


def _provenance(data_dir: Path, config: Config, timings: dict[str, float]) -> dict[str, Any]:
    from report.archive import describe_tool, file_digest

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


def _render(rev: Path, results: dict[str, Any], period: str, revision_hint: str, renderer: str,
            prov: dict[str, Any], clock: StageClock) -> str:
    from figures.build import build_figures
    from report.documents import build_context, period_label, write_documents
    from report.render.html import render_html, render_pdf
    from report.text.figures import with_captions

    with clock.stage("figures", "Графики"):
        specs = build_figures(rev, rev / "figures")
    figures = [with_captions(vars(s)) for s in specs]
    header = f"«В один клик» · {period_label(period)} · ревизия {revision_hint}"
    with clock.stage("documents", "Документы отчёта"):
        context = build_context(results, figures, period=period,
                                revision=revision_hint, provenance=prov)
        qmd = write_documents(context, rev)
    with clock.stage("html", "HTML"):
        used = render_html(qmd, rev / "report.html", renderer=renderer,  # type: ignore[arg-type]
                           title=f"Активность клиентов — {period_label(period)}",
                           running_header=header)
    with clock.stage("pdf", "PDF"):
        render_pdf(rev / "report.html", rev / "report.pdf", base_dir=rev,
                   running_header=header)
    return used


def _compare(archive_dir: Path, period: str, data: ClientData, bundle: Bundle,
             config: Config) -> dict[str, Any] | None:
    """Compare with the latest earlier revision, if any (``results.json: comparison``).

    The previous revision is an input of the run like the export: the same export
    and the same previous revision give the same bytes. Its path is stored relative
    to the archive, so moving the archive changes nothing.
    """
    from analysis.drift import compare_runs
    from report.archive import latest_revision

    previous = latest_revision(archive_dir, before_period=period, same_period=period)
    if previous is None:
        return None
    comparison = compare_runs(previous, bundle.results, data.modelled, bundle.scores,
                              config.compare)
    comparison["previous"]["path"] = previous.relative_to(archive_dir).as_posix()
    return comparison


def build_report(data_dir: Path, period: str, archive_dir: Path, config: Config, *,
                 renderer: str = "auto", quiet: bool = False) -> Path:
    """``oneclick report``: every stage, archived as a new revision; returns its path."""
    from report.archive import RevisionBuilder, next_revision_name

    clock = StageClock(quiet=quiet)
    data_dir = Path(data_dir)
    with RevisionBuilder(archive_dir, period) as rev:
        data, bundle = _analyse(data_dir, config, clock)
        with clock.stage("compare", "Сравнение с прошлым отчётом"):
            comparison = _compare(Path(archive_dir), period, data, bundle, config)
        if comparison:
            bundle.results["comparison"] = comparison
        with clock.stage("bundle", "Запись результатов"):
            write_bundle(bundle, rev.path)
        hint = next_revision_name(archive_dir, period)
        prov = _provenance(data_dir, config, {**clock.timings, **bundle.timings})
        used = _render(rev.path, bundle.results, period, hint, renderer, prov, clock)
        clock.write_log(rev.path / "run.log")
        final = rev.publish(
            {"period": period, "parameters": bundle.results["params"],
             "seed": config.model.seed, "renderer": used,
             "timings": {**clock.timings, **{f"analysis.{k}": round(v, 3)
                                             for k, v in bundle.timings.items()}},
             "created_at": datetime.now(UTC).isoformat(timespec="seconds")},
            inputs={key: path for key, path in export_paths(data_dir).items()},
        )
    return final


