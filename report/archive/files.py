"""Names of the files of a published revision that the archive and the delivery read.

Written once here; they move to the results contract's ``analysis/results/files.py``
once that module exists.
"""

from __future__ import annotations

from pathlib import PurePosixPath

__all__ = ["DELIVERY_LOG", "MANIFEST_NAME", "REPORT_PDF", "RESULTS_NAME"]

MANIFEST_NAME = "manifest.json"
RESULTS_NAME = "results.json"
REPORT_PDF = "report.pdf"
DELIVERY_LOG = PurePosixPath("deliveries") / "log.jsonl"
"""Appended by ``oneclick send`` beside the outputs; never listed in the manifest."""
