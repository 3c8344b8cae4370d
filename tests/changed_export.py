"""A CHANGED export for the month-to-month tests, made at test time from a given export.

:func:`write_changed_export` reads an export folder (the real one in
``../shared/data/one-click`` or the demo in ``data/demo``) and writes into
``out_dir`` a next month's export of the kind the design brief expects:

* other ids: about 70 % of the clients get ``id + 100000``; about 30 % keep
  their id (they are in both months, so risk moves can be followed);
* shifted behaviour: pages per visit −1 (not below 0) for a random 30 % of
  the clients, share of promo purchases +0.1 (at most 1) for everyone;
* one new category value, «Товары для дачи», for 40 clients (fewer when the
  export is small);
* another dialect: ``;`` separators and a decimal comma in every file,
  ``market_money.csv`` in UTF-8 with a BOM, ``market_file.csv`` in cp1251,
  the other two in plain UTF-8.

Nothing is copied into the repository: the files exist only in ``out_dir``
(a test's ``tmp_path``).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from analysis import glossary as g
from analysis.data.load import read_table
from analysis.paths import EXPORT_FILES

__all__ = ["ID_SHIFT", "NEW_CATEGORY", "write_changed_export"]

ID_SHIFT = 100_000
NEW_CATEGORY = "Товары для дачи"
SHIFTED_SHARE = 0.7
PAGES_SHARE = 0.3
PROMO_STEP = 0.1
NEW_CATEGORY_CLIENTS = 40
ENCODINGS = {"market_file": "cp1251", "market_money": "utf-8-sig"}
_DECIMAL = re.compile(r"^-?\d+\.\d+$")


def _decimal_comma(frame: pd.DataFrame) -> pd.DataFrame:
    """Every cell that is a decimal number written with a point gets a comma instead."""
    return frame.apply(lambda column: column.map(
        lambda cell: cell.replace(".", ",") if _DECIMAL.match(cell) else cell))


def _number(text: pd.Series) -> pd.Series:
    return pd.to_numeric(text.str.replace(",", ".", regex=False), errors="raise")


def write_changed_export(src_dir: Path, out_dir: Path, seed: int) -> None:
    """Write the changed export (module docstring) of ``src_dir`` into ``out_dir``."""
    rng = np.random.default_rng(seed)
    tables = {key: read_table(Path(src_dir) / name).frame.copy()
              for key, name in EXPORT_FILES.items()}
    market = tables["market_file"]
    ids = pd.Index(market["id"].astype("int64").unique()).sort_values()

    shifted = rng.choice(ids.to_numpy(), size=round(SHIFTED_SHARE * len(ids)), replace=False)
    new_ids = pd.Series(ids.to_numpy(), index=ids)
    new_ids[shifted] += ID_SHIFT
    if new_ids.duplicated().any():
        raise ValueError("shifted ids collide with kept ids; choose another ID_SHIFT")

    rows = market.index.to_numpy()
    fewer_pages = rng.choice(rows, size=round(PAGES_SHARE * len(rows)), replace=False)
    pages = _number(market["Страниц_за_визит"])
    pages[fewer_pages] = (pages[fewer_pages] - 1).clip(lower=0)
    market["Страниц_за_визит"] = pages.round().astype("int64").astype(str)
    promo = (_number(market[g.PROMO]) + PROMO_STEP).clip(upper=1.0)
    market[g.PROMO] = promo.map(lambda v: f"{v:.2f}")
    garden = rng.choice(rows, size=min(NEW_CATEGORY_CLIENTS, len(rows) // 10), replace=False)
    market.loc[garden, g.CATEGORY] = NEW_CATEGORY

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for key, frame in tables.items():
        frame["id"] = frame["id"].astype("int64").map(new_ids).astype(str)
        text = _decimal_comma(frame).to_csv(sep=";", index=False, lineterminator="\n")
        encoding = ENCODINGS.get(key, "utf-8")
        (out_dir / EXPORT_FILES[key]).write_bytes(text.encode(encoding))
