"""Names of the files a published revision holds, written once.

Every module of the archive and of the delivery reads these names from here.
They move to the results contract's ``analysis/results/files.py`` once
that module exists.
"""

from __future__ import annotations

from pathlib import PurePosixPath

__all__ = [
    "DELIVERY_LOG",
    "FIGURES_DIR",
    "MANIFEST_NAME",
    "REPORT_HTML",
    "REPORT_PDF",
    "RESULTS_NAME",
    "RUN_LOG",
    "SCORES_NAME",
]

MANIFEST_NAME = "manifest.json"
RESULTS_NAME = "results.json"
SCORES_NAME = "scores.csv"
REPORT_HTML = "report.html"
REPORT_PDF = "report.pdf"
RUN_LOG = "run.log"
FIGURES_DIR = "figures"
DELIVERY_LOG = PurePosixPath("deliveries") / "log.jsonl"
"""Appended by ``oneclick send`` beside the outputs; never listed in the manifest."""
