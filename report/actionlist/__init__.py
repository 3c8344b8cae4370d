"""The action list as files: ``scores.csv``, ``scores-codes.csv`` and ``scores.xlsx``.

:func:`analysis.segments.actions.action_list` returns the list as codes with
reason records; here it becomes three files of one revision:

- ``scores.csv`` — the list in Russian for a person (Russian headers and
  labels, worded reasons, probability in %, money in the profit unit), by
  default for Excel with Russian settings (UTF-8 with BOM, ``;``, decimal
  comma; ``action_list_csv = "plain"`` in ``oneclick.toml`` for UTF-8, ``,``
  and a decimal point), see :mod:`report.actionlist.delimited`;
- ``scores-codes.csv`` — the same rows as stable English codes for a CRM
  import and for next month's comparison (:mod:`report.actionlist.tables`);
- ``scores.xlsx`` — summary, a sheet per segment and per channel, all clients
  and the codes (:mod:`report.actionlist.workbook`), for a list of at most
  :data:`XLSX_MAX_CLIENTS` clients: a sheet holds 1,048,576 rows, so a longer
  list cannot be one sheet «Все клиенты» and only the two CSVs are written.

Every text cell is safe in a spreadsheet (:mod:`report.actionlist.cells`).
The same list gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.results import files
from report.actionlist.delimited import write_codes_csv, write_list_csv
from report.actionlist.tables import (
    CODE_HEADER,
    COLUMNS,
    CSV_FORMATS,
    NUMBERS,
    ListOptions,
    action_table,
    code_table,
)
from report.actionlist.workbook import build_workbook, write_workbook
from report.text.actionlist import headers

__all__ = ["CODE_HEADER", "COLUMNS", "CSV_FORMATS", "NUMBERS", "XLSX_MAX_CLIENTS", "ListOptions",
           "action_table", "code_table", "write_action_list"]

XLSX_MAX_CLIENTS = files.XLSX_MAX_CLIENTS
"""Most clients ``scores.xlsx`` is written for: a sheet's 1,048,576 rows less the header."""


def write_action_list(scores: pd.DataFrame, out_dir: Path,
                      results: Mapping[str, Any] | None = None, *,
                      options: ListOptions | None = None) -> dict[str, Path]:
    """Write ``scores.csv``, ``scores-codes.csv`` and ``scores.xlsx`` into ``out_dir``.

    ``scores.xlsx`` only for at most :data:`XLSX_MAX_CLIENTS` clients (see the module
    docstring); the CSVs are the same either way.

    Parameters
    ----------
    scores
        The frame of :func:`analysis.segments.actions.action_list` (``contact_cost`` may
        be absent).
    out_dir
        The bundle or revision folder.
    results
        The run's ``results`` (``params.profit_unit``, ``params.action_list_csv``,
        ``segments.rule_checks``), read when ``options`` is not given.
    options
        How to write the list; by default :meth:`ListOptions.from_results`.

    Returns
    -------
    dict
        ``csv``, ``codes`` and ``xlsx`` → the paths written (no ``xlsx`` above the limit).
    """
    options = options or ListOptions.from_results(results or {})
    out = Path(out_dir)
    paths = {"csv": out / files.SCORES_CSV, "codes": out / files.SCORES_CODES_CSV}
    table = action_table(scores, options.offer_texts)
    write_list_csv(table, headers(options.profit_unit), paths["csv"], options.csv_format)
    write_codes_csv(code_table(scores), paths["codes"])
    if len(scores) <= XLSX_MAX_CLIENTS:
        paths["xlsx"] = out / files.SCORES_XLSX
        write_workbook(build_workbook(scores, table, options.profit_unit,
                                      dict(options.offer_texts)), paths["xlsx"])
    return paths
