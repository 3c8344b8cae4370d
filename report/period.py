"""The month a report covers: where it comes from and what looks wrong with it.

``--period``, else ``period`` in the configuration, else the export folder's name
(``data/2026-11``). Warnings (not errors) for a period already archived, one out of
order, a folder named after another month and a month not yet ended.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from analysis.config import Config
from analysis.errors import InputError

__all__ = ["period_warnings", "require_period", "resolve_period"]

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


