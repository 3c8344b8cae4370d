"""Writing a demo export: the store's four CSV files in their dialects, plus a README.

:func:`write_demo_export` writes one export; :func:`write_demo_series` a
series of monthly exports of the same clients (:mod:`analysis.data.demo.series`),
one folder per month named ``YYYY-MM``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.data.demo.generate import generate_demo_export
from analysis.data.demo.schema import FILE_NAMES
from analysis.data.demo.series import next_month

__all__ = ["next_period", "write_demo_export", "write_demo_series"]


def _decimal_comma(values: np.ndarray) -> pd.Series:
    """Format 2-decimal numbers like the export: ``4,16``, ``4,1``, ``4``."""
    cents = np.rint(values * 100).astype(np.int64)
    whole = pd.Series(cents // 100).astype(str)
    frac = pd.Series(cents % 100).astype(str).str.zfill(2).str.rstrip("0")
    return whole.where(frac == "", whole + "," + frac)


def _write_csv(frame: pd.DataFrame, path: Path, sep: str = ",") -> None:
    """UTF-8 CSV without index, CRLF line endings."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        frame.to_csv(handle, sep=sep, index=False, lineterminator="\r\n")


def _readme(n_clients: int, seed: int, defects: bool, blocks: bool) -> str:
    """Text of the README written next to the demo export."""
    planted = "yes, see `analysis.data.demo.defects.PLANTED_DEFECTS`" if defects else "no"
    return (
        "# Synthetic demo export\n\n"
        "These four files are **synthetic**: no real customer data. They were made by\n"
        f"`oneclick demo-data` (`analysis.data.demo.write.write_demo_export`) with seed {seed}\n"
        f"and {n_clients} clients, in the schema and dialects of the store's export\n"
        "(CRLF line endings; `money.csv` with `;` and decimal comma).\n\n"
        f"- planted data-quality defects: {planted}\n"
        f"- ids in blocks by target: {'yes' if blocks else 'no'}\n"
    )


def write_demo_export(
    out_dir: Path,
    n_clients: int = 1300,
    seed: int = 0,
    defects: bool = True,
    id_blocks_by_target: bool = False,
) -> dict[str, Path]:
    """Write a synthetic export as the store's four CSV files plus a README.

    Parameters
    ----------
    out_dir : pathlib.Path
        Folder to write to; created if missing, existing files are replaced.
    n_clients, seed, defects, id_blocks_by_target
        As for :func:`analysis.data.demo.generate.generate_demo_export`.

    Returns
    -------
    dict of str to pathlib.Path
        Path of each written file, keyed like the tables plus ``readme``.

    Notes
    -----
    ``market_file.csv``, ``market_money.csv`` and ``market_time.csv`` use ``,``
    and a decimal point, ``money.csv`` uses ``;`` and a decimal comma; all are
    UTF-8 without BOM with CRLF line endings. The output is byte-identical for
    the same arguments.
    """
    tables = generate_demo_export(n_clients, seed, defects, id_blocks_by_target)
    return _write_tables(tables, Path(out_dir),
                         _readme(n_clients, seed, defects, id_blocks_by_target))


def _write_tables(tables: dict[str, pd.DataFrame], out_dir: Path,
                  readme: str) -> dict[str, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    tables = dict(tables)
    paths = {key: out_dir / name for key, name in FILE_NAMES.items()}
    for key in ("market_file", "market_money", "market_time"):
        _write_csv(tables.pop(key), paths[key])
    money = tables.pop("money")
    profit = _decimal_comma(money["Прибыль"].to_numpy())
    _write_csv(pd.DataFrame({"id": money["id"], "Прибыль": profit}), paths["money"], sep=";")
    paths["readme"] = out_dir / "README.md"
    paths["readme"].write_text(readme, encoding="utf-8", newline="\n")
    return paths


def next_period(period: str) -> str:
    """``2026-12`` → ``2027-01``."""
    year, month = map(int, period.split("-"))
    return f"{year + month // 12}-{month % 12 + 1:02d}"


def _series_readme(period: str, month: int, seed: int, effects: dict[str, float],
                   source: str) -> str:
    planted = ", ".join(f"`{rule}` {effect * 100:+g} p.p." for rule, effect in
                        sorted(effects.items())) or "none"
    return (
        f"# Synthetic demo export, {period} (month {month} of a series)\n\n"
        "These four files are **synthetic**: no real customer data. They were made by\n"
        "`oneclick demo-data --months` (`analysis.data.demo.series.next_month`) with seed\n"
        f"{seed} from the previous month's export and the action list of {source}.\n\n"
        f"- planted effects of the offers (test arm only): {planted}\n"
    )


def write_demo_series(
    out_dir: Path,
    months: int,
    start: str,
    action_list: Callable[[str, Path], tuple[pd.DataFrame, str] | None],
    effects: dict[str, float] | None = None,
    n_clients: int = 1300,
    seed: int = 0,
    defects: bool = True,
) -> tuple[list[Path], str | None]:
    """Write monthly exports ``out_dir/START``, ``out_dir/START+1``, … as far as possible.

    Parameters
    ----------
    out_dir
        Folder of the series; one subfolder per month.
    months
        Months in the series (the first is :func:`write_demo_export`'s export).
    start
        First month, ``YYYY-MM``.
    action_list
        ``action_list(period, export_dir)`` returns the action list the report
        of ``period`` on ``export_dir`` archived (with a name of its revision
        for the README), or ``None`` when there is no such report yet.
    effects
        Planted uplift per offer rule id, as a fraction.
    n_clients, seed, defects
        As for :func:`write_demo_export`.

    Returns
    -------
    tuple
        The month folders written, and the first month whose report is
        missing (``None`` when every month was written). Months are written
        in order, each from the one before; the same arguments and action
        lists give the same bytes.
    """
    out_dir = Path(out_dir)
    period = start
    written = [out_dir / period]
    write_demo_export(written[0], n_clients, seed, defects)
    for month in range(2, months + 1):
        found = action_list(period, written[-1])
        if found is None:
            return written, period
        assignment, source = found
        previous = {"market_file": pd.read_csv(written[-1] / FILE_NAMES["market_file"],
                                               encoding="utf-8")}
        tables = next_month(previous, assignment, effects or {}, seed, month, defects)
        period = next_period(period)
        written.append(out_dir / period)
        _write_tables(tables, written[-1],
                      _series_readme(period, month, seed, effects or {}, source))
    return written, None
