"""Wiring of one run: export → bundle → figures → documents → HTML → PDF → archive.

Each stage lives in its own module; this module only says which feeds which,
times the stages, and makes sure nothing is archived unless every stage passed.

No stage waits on one it does not read, and both cores are used where the
work allows (``model.n_jobs`` processes; 1 runs everything in order, in this
process). After the analysis, the bundle's tables and the action list are
written first (the figures read the tables; a demo series draws its next
month from the list even when it skips rendering a month); the figures are
then drawn in worker processes while this one writes the documents (written
from the figures' facts, known before the files exist) and imports WeasyPrint; the
HTML, which embeds the figures, waits for them, and the PDF starts as soon as
the HTML exists. The figures are the same bytes drawn in workers or in order
(the ``figures`` timing covers the drawing and the work done meanwhile). The
long loops inside the stages report their counts to the display through
:meth:`report.progress.StageClock.progress`.

Before any computation both entry points check what can be checked up front
(:func:`check_before_run`): the data folder, the offer rule catalogue, the
renderer (``quarto`` must be on PATH; ``auto`` falls back to the built-in one)
and, for ``oneclick analyse``, the output folder (not a file, writable). The
archive folder of ``oneclick report`` is checked by entering the
:class:`~report.archive.store.RevisionBuilder`, also before the analysis.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analysis.config import Config
from analysis.data.clients import load_export
from analysis.data.load import SourceFile
from analysis.errors import InputError
from analysis.results import files
from analysis.results.contract import Bundle
from analysis.results.store import write_bundle
from analysis.run import run_analysis
from analysis.trend import History
from report.actionlist import write_action_list
from report.progress import StageClock, weasyprint_steps

if TYPE_CHECKING:
    from report.render.html import RendererInfo

__all__ = ["Invocation", "analyse_to_bundle", "build_report", "check_before_run"]


@dataclass(frozen=True)
class Invocation:
    """How a run was started, for the appendix and the manifest (``invocation``).

    Parameters
    ----------
    command
        The command line as typed, program name first (``oneclick --config x report …``).
    config_file
        The configuration file read; None when the defaults were used.
    """

    command: str
    config_file: Path | None = None


def _check_data_dir(data_dir: Path) -> None:
    if not data_dir.exists():
        raise InputError(str(data_dir), "папка с выгрузкой не найдена",
                         "папка с четырьмя CSV-файлами выгрузки")
    if not data_dir.is_dir():
        raise InputError(str(data_dir), "это файл, а не папка с выгрузкой",
                         "папка с четырьмя CSV-файлами выгрузки")


def _check_renderer(renderer: str) -> None:
    if renderer == "quarto" and shutil.which("quarto") is None:
        raise InputError("--renderer quarto", "программа quarto не найдена в PATH",
                         "установленный Quarto, или --renderer auto / builtin "
                         "(встроенный отрисовщик)")


def _check_out_dir(out_dir: Path) -> None:
    """``out_dir`` (or its nearest existing parent) is a folder a file can be created in."""
    existing = out_dir
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise InputError(str(out_dir), f"{existing} — файл, а не папка",
                         "папка для результатов (новая или существующая)")
    try:
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as exc:
        raise InputError(str(out_dir), f"в папку {existing} нельзя записать "
                         f"({exc.strerror or exc})", "папка, доступная для записи") from None


def check_before_run(data_dir: Path, config: Config, *, renderer: str | None = None,
                     out_dir: Path | None = None) -> None:
    """Refuse, before any computation, what would otherwise fail after it.

    Raises
    ------
    InputError
        The data folder is missing or a file; the offer rule catalogue is malformed;
        ``renderer`` is ``quarto`` with no ``quarto`` on PATH; ``out_dir`` is a file, lies
        under one, or cannot be written.
    """
    from analysis.segments.offers import load_rules

    _check_data_dir(Path(data_dir))
    load_rules(config.segments.offer_rules)
    if renderer is not None:
        _check_renderer(renderer)
    if out_dir is not None:
        _check_out_dir(Path(out_dir))


def _analyse(data_dir: Path, config: Config, clock: StageClock,
             previous: Path | None = None, period: str | None = None,
             skipped: list[dict[str, str]] | None = None,
             history: History | None = None) -> tuple[Bundle, dict[str, SourceFile]]:
    """The bundle, and the inputs as they were read (hashed at read time, for the manifest)."""
    with clock.stage("validate", "Проверка и исправление выгрузки"):
        data = load_export(data_dir, config.data)
    with clock.stage("analyse", "Анализ, модель, SHAP, сегменты"):
        return (run_analysis(data, config, previous, period, skipped, history, clock.progress),
                data.sources)


def _write(bundle: Bundle, out_dir: Path) -> None:
    write_bundle(bundle, out_dir)
    write_action_list(bundle.scores, out_dir, bundle.results)


def analyse_to_bundle(data_dir: Path, out_dir: Path, config: Config, *,
                      quiet: bool = False, period: str | None = None) -> Path:
    """``oneclick analyse``: write the results bundle into ``out_dir``.

    ``period`` (``YYYY-MM``, optional) seeds the control draw as ``oneclick report`` does.
    """
    check_before_run(data_dir, config, out_dir=out_dir)
    clock = StageClock(quiet=quiet)
    bundle, _ = _analyse(data_dir, config, clock, period=period)
    with clock.stage("bundle", "Запись результатов"):
        _write(bundle, out_dir)
    return out_dir


def _invocation(data_dir: Path, period: str, invocation: Invocation | None) -> dict[str, Any]:
    """What the run was started with: command, folders, configuration file (absolute paths)."""
    config_file = invocation.config_file if invocation else None
    try:
        working_dir: str | None = os.getcwd()
    except OSError:  # the folder was removed while the run went on
        working_dir = None
    return {"command": invocation.command if invocation else None,
            "working_dir": working_dir,
            "config_file": str(Path(config_file).resolve()) if config_file else None,
            "data_dir": str(Path(data_dir).resolve()),
            "period": period}


def _provenance(sources: dict[str, SourceFile], config: Config, timings: dict[str, float],
                run: dict[str, Any]) -> dict[str, Any]:
    from report.archive.provenance import describe_tool
    from report.text.method import run_rows

    tool = describe_tool()
    return {
        "run": run_rows({**run, "git_commit": tool.get("git_commit"),
                         "git_dirty": tool.get("git_dirty")}),
        "tool_version": tool["version"],
        "git_commit": tool.get("git_commit") or "нет (не из git-репозитория)",
        "python": tool["python"],
        "packages": tool["packages"],
        "seed": config.model.seed,
        "inputs": {s.name: {"sha256": s.sha256} for s in sources.values()},
        "timings": dict(timings),
    }


def _render(rev: Path, bundle: Bundle, period: str, revision_hint: str, renderer: str,
            prov: dict[str, Any], clock: StageClock, jobs: int) -> RendererInfo:
    """Figures ‖ documents, then HTML, then PDF; see the module docstring."""
    from figures.build import start_figures
    from figures.reader import Bundle as FigureBundle
    from report.documents import build_context, write_documents
    from report.render.html import choose_renderer, render_html
    from report.text.common import running_header
    from report.text.figures import with_captions
    from report.text.method import renderer_label

    used = choose_renderer(renderer)  # the appendix names it
    prov = {**prov, "renderer": renderer_label(used.name, used.version)}

    def documents(specs: list[Any]) -> Path:
        context = build_context(bundle.results, [with_captions(vars(s)) for s in specs],
                                period=period, revision=revision_hint, provenance=prov)
        return write_documents(context, rev)

    with clock.stage("figures", "Графики"):
        job = start_figures(FigureBundle.from_memory(bundle, rev), rev / files.FIGURES_DIR,
                            jobs=jobs, progress=clock.progress)
        try:
            with clock.stage("documents", "Документы отчёта"):
                qmd = documents(job.planned)
            from report.render.pdf import render_pdf  # WeasyPrint's import, while they draw

            specs = job.result()
        finally:
            job.close()
    if specs != job.planned:  # a figure could not be drawn: the documents leave it out
        qmd = documents(specs)
    with clock.stage("html", "HTML"):
        render_html(qmd, rev / files.REPORT_HTML, renderer=used.name)
    with clock.stage("pdf", "PDF"), weasyprint_steps(clock.progress):
        render_pdf(rev / files.REPORT_HTML, rev / files.REPORT_PDF, base_dir=rev,
                   running_header=running_header(period, revision_hint))
    return used


def build_report(data_dir: Path, period: str, archive_dir: Path, config: Config, *,
                 renderer: str = "auto", quiet: bool = False,
                 invocation: Invocation | None = None) -> Path:
    """``oneclick report``: every stage, archived as a new revision; returns its path.

    ``invocation`` (the command line and the configuration file) is shown in the
    appendix and recorded in the manifest; None when called from Python.
    """
    from report.archive.listing import intact_history, intact_previous
    from report.archive.numbering import next_revision_name
    from report.archive.store import RevisionBuilder

    data_dir = Path(data_dir)
    check_before_run(data_dir, config, renderer=renderer, out_dir=Path(archive_dir))
    clock = StageClock(quiet=quiet)
    with RevisionBuilder(archive_dir, period) as rev:
        previous, skipped = intact_previous(Path(archive_dir), period)
        history = intact_history(Path(archive_dir), before=period)
        bundle, sources = _analyse(data_dir, config, clock, previous, period, skipped, history)
        with clock.stage("bundle", "Запись результатов"):
            write_bundle(bundle, rev.path)  # the tables feed the figures
        with clock.stage("actions", "Список действий"):
            # before the rendering, which a demo series may skip for earlier months: the
            # next month is drawn from this list
            write_action_list(bundle.scores, rev.path, bundle.results)
        hint = next_revision_name(archive_dir, period)
        run = _invocation(data_dir, period, invocation)
        prov = _provenance(sources, config, {**clock.timings, **bundle.timings}, run)
        used = _render(rev.path, bundle, period, hint, renderer, prov, clock, config.model.n_jobs)
        clock.write_log(rev.path / files.RUN_LOG)
        final = rev.publish(
            {"period": period, "parameters": bundle.results["params"],
             "invocation": run, "seed": config.model.seed,
             "renderer": used.name, "renderer_version": used.version,
             "timings": {**clock.timings, **{f"analysis.{k}": round(v, 3)
                                             for k, v in bundle.timings.items()}},
             "created_at": datetime.now(UTC).isoformat(timespec="seconds")},
            inputs=sources,  # digests taken when the loader read the files
        )
    return final
