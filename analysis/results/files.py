"""The names of the files in a results bundle and in an archived revision, in one place.

A revision folder (``ARCHIVE/PERIOD/rN``) holds the bundle (the first block)
plus the documents, figures and manifest the report stage adds. Every module
that reads or writes one of these files takes its name from here.
"""

from __future__ import annotations

__all__ = [
    "DELIVERY_LOG",
    "FIGURES_DIR",
    "FIGURE_INDEX",
    "MANIFEST",
    "MODEL",
    "REPORT_HTML",
    "REPORT_PDF",
    "REPORT_QMD",
    "RESULTS",
    "RUN_LOG",
    "SCORES_CODES_CSV",
    "SCORES_CSV",
    "SCORES_XLSX",
    "TABLES_DIR",
    "XLSX_MAX_CLIENTS",
    "table_path",
]

# the results bundle (``oneclick analyse`` writes these; the action list is written by
# report.actionlist)
RESULTS = "results.json"
SCORES_CSV = "scores.csv"
"""The action list in Russian (headers, labels, reasons) for a person; Excel's CSV by default."""
SCORES_CODES_CSV = "scores-codes.csv"
"""The same list as English codes for a CRM and for the next run (since schema of issue 16)."""
SCORES_XLSX = "scores.xlsx"
XLSX_MAX_CLIENTS = 1_048_575
"""Most clients ``scores.xlsx`` is written for: a sheet holds 1,048,576 rows with its header."""
MODEL = "model.joblib"
TABLES_DIR = "tables"

# what a report revision adds
REPORT_QMD = "report.qmd"
REPORT_HTML = "report.html"
REPORT_PDF = "report.pdf"
FIGURES_DIR = "figures"
FIGURE_INDEX = "index.json"
RUN_LOG = "run.log"
MANIFEST = "manifest.json"
DELIVERY_LOG = "deliveries/log.jsonl"
"""Appended by ``oneclick send`` beside the outputs; never listed in the manifest."""


def table_path(name: str) -> str:
    """Relative path of a bundle table: ``tables/NAME.csv``."""
    return f"{TABLES_DIR}/{name}.csv"
