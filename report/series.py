"""The demo series: monthly demo exports, each answering the previous month's offers.

``oneclick demo-data OUT --months N``: month k+1 is drawn from the action list of
the archived report of month k (:func:`archived_action_list`), with the planted
uplifts of ``--effect``; ``--report`` builds each missing report on the way.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from analysis.config import Config
from analysis.errors import InputError
from analysis.paths import export_paths
from analysis.results import files
from report.pipeline import build_report

__all__ = ["archived_action_list", "demo_series"]

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
