"""Read the results bundle for the charts, and say clearly when a part is missing.

Figures read only the bundle: ``results.json`` and the CSV tables beside it.
A figure whose data is absent is skipped, not fatal; :class:`Missing` is the
one exception that means «this part of the bundle is not there», so that real
errors are never swallowed with it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

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
    """The results bundle of one run, loaded lazily.

    Attributes
    ----------
    root
        Folder with ``results.json`` and ``tables/``.
    results
        The parsed ``results.json`` (an empty dict when the file is absent).
    """

    root: Path
    results: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def read(cls, root: Path) -> Bundle:
        """Load ``root/results.json``; a missing file gives an empty bundle."""
        path = Path(root) / "results.json"
        results = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
        return cls(Path(root), results)

    def get(self, *keys: str | int) -> Any:
        """A value of ``results.json`` by key path; :class:`Missing` when absent."""
        return need(self.results, *keys)

    def table(self, name: str, index: str | None = None) -> pd.DataFrame:
        """``tables/<name>.csv`` as a frame; :class:`Missing` when absent or empty."""
        path = self.root / "tables" / f"{name}.csv"
        if not path.is_file():
            raise Missing(f"tables/{name}.csv")
        frame = pd.read_csv(path, index_col=index, encoding="utf-8")
        if frame.empty:
            raise Missing(f"tables/{name}.csv")
        return frame

    @cached_property
    def segment_section(self) -> dict[str, Any]:
        """Segments, value-at-risk cells and thresholds, wherever the bundle keeps them.

        ``analysis.segments.build.build_segments`` returns a dict with ``segments``,
        ``value_at_risk`` and ``value_at_risk_thresholds``; the bundle may store
        that dict under ``segments`` or spread its parts at the top level.
        """
        raw = self.results.get("segments")
        if isinstance(raw, dict):
            return raw
        return {"segments": raw or [],
                "value_at_risk": self.results.get("value_at_risk") or [],
                "value_at_risk_thresholds": self.results.get("value_at_risk_thresholds") or {},
                "coverage": self.results.get("coverage") or {}}

    def segments(self) -> list[dict[str, Any]]:
        """The segment profiles in priority order; :class:`Missing` when there are none."""
        return need(self.segment_section, "segments")
