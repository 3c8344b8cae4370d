"""Wiring of one run: export → bundle → figures → documents → HTML → PDF → archive.

Each stage lives in its own module; this module only says which feeds which,
times the stages, and makes sure nothing is archived unless every stage passed.

Before any computation both entry points check what can be checked up front
(:func:`check_before_run`): the data folder, the offer rule catalogue, the
renderer (``quarto`` must be on PATH; ``auto`` falls back to the built-in one)
and, for ``oneclick analyse``, the output folder (not a file, writable). The
archive folder of ``oneclick report`` is checked by entering the
:class:`~report.archive.store.RevisionBuilder`, also before the analysis.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from analysis.config import Config
from analysis.data.clients import load_export
from analysis.data.load import SourceFile
from analysis.errors import InputError
from analysis.paths import export_paths
from analysis.results import files
from analysis.results.contract import Bundle
from analysis.results.store import write_bundle
from analysis.run import run_analysis
from analysis.trend import History
from report.actionlist import write_action_list
from report.progress import StageClock

if TYPE_CHECKING:
    from report.render.html import RendererInfo

__all__ = ["Invocation", "analyse_to_bundle", "archived_action_list", "build_report",
           "check_before_run", "demo_series", "period_warnings", "require_period",
           "resolve_period"]


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
        return run_analysis(data, config, previous, period, skipped, history), data.sources


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
            _write(bundle, rev.path)
        hint = next_revision_name(archive_dir, period)
        run = _invocation(data_dir, period, invocation)
        prov = _provenance(sources, config, {**clock.timings, **bundle.timings}, run)
        used = _render(rev.path, bundle, period, hint, renderer, prov, clock)
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




# ----------------------------------------------------------------- the period

_PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def resolve_period(given: str | None, config: Config, data_dir: Path) -> str | None:
    """The month a run reports: ``--period``, else ``period`` in the configuration, else the
    export folder's name when it is ``YYYY-MM`` (``data/2026-11`` → ``2026-11``), else None."""
    name = Path(data_dir).resolve().name
    return given or config.period or (name if _PERIOD.match(name) else None)


def require_period(given: str | None, config: Config, data_dir: Path) -> str:
    """:func:`resolve_period`, or an input error naming the three ways to give the period."""
    period = resolve_period(given, config, data_dir)
    if period is None:
        raise InputError(str(data_dir), "не указан период отчёта",
                         "--period ГГГГ-ММ, period в oneclick.toml или папку выгрузки с "
                         "именем ГГГГ-ММ (например data/2026-11)")
    return period


def period_warnings(archive_dir: Path, period: str, data_dir: Path,
                    today: date | None = None) -> list[str]:
    """What looks wrong with the period before a report of it is archived (messages).

    A period already in the archive (a new revision of it will follow), a later
    period already archived (out of order), an export folder named after another
    month, and a month that has not ended yet (a run on 1 December reports November).
    """
    from report.archive.listing import list_revisions

    today = today or date.today()
    # an archive that is not a folder is refused by check_before_run, naming it
    revisions = list_revisions(Path(archive_dir)) if Path(archive_dir).is_dir() else []
    out = []
    same = [r.revision for r in revisions if r.period == period]
    if same:
        out.append(f"период {period} уже есть в архиве ({', '.join(same)}): "
                   "отчёт станет его новой ревизией")
    later = sorted({r.period for r in revisions if r.period > period})
    if later:
        out.append(f"в архиве уже есть более поздний период {later[-1]}: "
                   f"отчёт за {period} выходит не по порядку")
    name = Path(data_dir).resolve().name
    if _PERIOD.match(name) and name != period:
        out.append(f"папка выгрузки называется {name}, а период отчёта — {period}")
    if period >= f"{today.year}-{today.month:02d}":
        out.append(f"месяц {period} ещё не закончился (сегодня {today.isoformat()}): "
                   "выгрузка обычно покрывает прошлый месяц")
    return out


# -------------------------------------------------------------- the demo series


def archived_action_list(archive_dir: Path, period: str, export_dir: Path
                         ) -> tuple[pd.DataFrame, Path] | None:
    """The action list of the newest intact revision of ``period`` made from ``export_dir``.

    A revision counts only when the sha256 of its four inputs (manifest) are
    those of the files in ``export_dir``: the next month of a demo series then
    answers the offers the report of exactly this export made. Returns the
    action list and the revision's folder.
    """
    from analysis.results.store import read_scores
    from report.archive.contents import read_bytes_nofollow
    from report.archive.listing import list_revisions
    from report.archive.manifest import file_digest

    digests = {key: file_digest(path) for key, path in export_paths(export_dir).items()}
    for info in reversed(list_revisions(Path(archive_dir))):
        if info.period != period or info.problem is not None:
            continue
        manifest = json.loads(read_bytes_nofollow(info.path, files.MANIFEST))
        inputs = manifest.get("inputs") or {}
        if {key: (inputs.get(key) or {}).get("sha256") for key in digests} == digests:
            scores = read_scores(info.path)
            if scores is not None:
                return scores, info.path
    return None


def demo_series(out_dir: Path, months: int, start: str, effects: dict[str, float],
                config: Config, *, archive_dir: Path, n_clients: int, seed: int,
                report: bool = False, renderer: str = "auto", quiet: bool = False
                ) -> tuple[list[Path], list[Path], str | None]:
    """``oneclick demo-data OUT --months N``: the monthly demo exports (and their reports).

    Each month after the first is drawn from the action list of the previous
    month's report (:func:`archived_action_list`). With ``report`` a missing
    report is built on the way (the last month's too; an existing one made
    from the same files is reused); without it the series stops at the first
    month whose report is missing. Effects are planted only on CRM offers: a
    site or personal-account offer is shown to test and control alike, so its
    effect could not be measured (refused as bad input, exit 2).

    Returns
    -------
    tuple
        Month folders written; the revision of each month reported so far (in
        month order); the month whose report is needed before the series can
        go on (``None`` when complete).
    """
    from analysis.data.demo.write import write_demo_series
    from analysis.segments.offers import CRM_CHANNELS, load_rules

    rules = load_rules(config.segments.offer_rules)
    known = {r.id for r in rules}
    measured = sorted(r.id for r in rules if r.channel in CRM_CHANNELS)
    unknown = sorted(set(effects) - known)
    if unknown:
        raise InputError("--effect", f"неизвестное предложение «{unknown[0]}»",
                         f"id правила из каталога предложений: {', '.join(sorted(known))}")
    on_site = sorted(set(effects) - set(measured))
    if on_site:
        raise InputError("--effect", f"предложение {on_site[0]} идёт через сайт и не измеряется "
                         "(его показывают и тестовой, и контрольной группе)",
                         f"одно из предложений CRM: {', '.join(measured)}")
    revisions: dict[str, Path] = {}

    def action_list(period: str, export_dir: Path) -> tuple[pd.DataFrame, str] | None:
        found = archived_action_list(archive_dir, period, export_dir)
        if found is None and report:
            build_report(export_dir, period, archive_dir, config, renderer=renderer, quiet=quiet)
            found = archived_action_list(archive_dir, period, export_dir)
        if found is None:
            return None
        revisions[period] = found[1]
        return found[0], f"{period}/{found[1].name}"

    written, waiting = write_demo_series(out_dir, months, start, action_list, effects,
                                         n_clients=n_clients, seed=seed)
    if waiting is None:
        action_list(written[-1].name, written[-1])
    return written, [revisions[p.name] for p in written if p.name in revisions], waiting
