"""Read the results bundle for the charts, and say clearly when a part is missing.

Figures read only the bundle: ``results.json`` and the CSV tables beside it.
A figure whose data is absent is skipped, not fatal; :class:`Missing` is the
one exception that means «this part of the bundle is not there», so that real
errors are never swallowed with it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.results import files
from analysis.results.contract import Bundle as ResultsBundle
from analysis.results.contract import check_schema

__all__ = ["Bundle", "Missing", "need"]


class Missing(LookupError):
    """A section or table a figure needs is not in the bundle (or is empty)."""


def need(mapping: Any, *keys: str | int) -> Any:
    """``mapping[k1][k2]...``, raising :class:`Missing` when any step is absent or empty.

    Examples
    --------
    >>> need({"model": {"roc_curve": {"fpr": [0, 1]}}}, "model", "roc_curve", "fpr")
    [0, 1]
    """
    node = mapping
    path: list[str] = []
    for key in keys:
        path.append(str(key))
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            raise Missing(".".join(path)) from None
        if node is None or (isinstance(node, list | dict | str) and len(node) == 0):
            raise Missing(".".join(path))
    return node


@dataclass
class Bundle:
    """The results bundle as the figures see it: the results and the tables folder.

    Within a run the report stage hands over the analysis's own results
    (:meth:`from_memory`); a bundle folder is read with :meth:`read`. Tables are
    read from ``root/tables/NAME.csv`` either way, so a figure is drawn from the
    same numbers the archive keeps.

    Attributes
    ----------
    root
        The bundle folder (holds ``tables/``).
    results
        The results (an empty dict when a folder has no ``results.json``).
    """

    root: Path
    results: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_memory(cls, bundle: ResultsBundle, root: Path) -> Bundle:
        """The analysis's results as they are, with the tables written to ``root``."""
        return cls(Path(root), dict(bundle.results))

    @classmethod
    def read(cls, root: Path) -> Bundle:
        """Load ``root/results.json`` (schema checked); a missing file gives an empty bundle."""
        path = Path(root) / files.RESULTS
        results: dict[str, Any] = {}
        if path.is_file():
            results = dict(check_schema(json.loads(path.read_text(encoding="utf-8")), str(path)))
        return cls(Path(root), results)

    def get(self, *keys: str | int) -> Any:
        """A value of ``results.json`` by key path; :class:`Missing` when absent."""
        return need(self.results, *keys)

    def table(self, name: str, index: str | None = None) -> pd.DataFrame:
        """The table ``name`` as a frame; :class:`Missing` when absent or empty."""
        path = self.root / files.table_path(name)
        if not path.is_file():
            raise Missing(files.table_path(name))
        frame = pd.read_csv(path, index_col=index, encoding="utf-8")
        if frame.empty:
            raise Missing(files.table_path(name))
        return frame

    @property
    def segment_section(self) -> dict[str, Any]:
        """The ``segments`` section: segments, value-at-risk cells, thresholds, coverage."""
        raw = self.results.get("segments")
        return raw if isinstance(raw, dict) else {}

    def segments(self) -> list[dict[str, Any]]:
        """The segment profiles in priority order; :class:`Missing` when there are none."""
        return need(self.segment_section, "segments")
