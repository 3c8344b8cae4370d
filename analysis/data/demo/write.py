"""Writing a demo export: the store's four CSV files in their dialects, plus a README."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from analysis.data.demo.generate import generate_demo_export
from analysis.data.demo.schema import FILE_NAMES

__all__ = ["write_demo_export"]


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
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tables = generate_demo_export(n_clients, seed, defects, id_blocks_by_target)
    paths = {key: out_dir / name for key, name in FILE_NAMES.items()}
    for key in ("market_file", "market_money", "market_time"):
        _write_csv(tables.pop(key), paths[key])
    money = tables.pop("money")
    profit = _decimal_comma(money["Прибыль"].to_numpy())
    _write_csv(pd.DataFrame({"id": money["id"], "Прибыль": profit}), paths["money"], sep=";")
    paths["readme"] = out_dir / "README.md"
    readme = _readme(n_clients, seed, defects, id_blocks_by_target)
    paths["readme"].write_text(readme, encoding="utf-8", newline="\n")
    return paths
