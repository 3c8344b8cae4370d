"""The results bundle as a typed contract: what ``results.json`` holds, and its schema version.

``results.json`` is the only way numbers travel from the analysis to the
figures, the documents, the e-mail, the archive listing and next month's
comparison. Its top-level sections are described here as :class:`TypedDict`
types (the JSON text is unchanged by them); :data:`SCHEMA_VERSION` is written
into every bundle and :func:`check_schema` is called by every reader, so a
bundle from a tool version this one cannot read is refused with a clear
message instead of failing somewhere inside a figure.

Schema history
--------------
1. The first version (the method list as Russian sentences in ``method``).
2. Numbers and codes only (the report words the method, verdicts, reasons
   and definitions); ``comparison`` always present (``None`` when there is no
   earlier revision); ``model.quality`` (the selection-free hold-out estimate)
   beside ``model.selection`` (the inner CV score that chose the family);
   duplicate groups; ``segments`` disjoint with win-back and prevention kept
   apart, the decision rule (``segments.decision``) and one test per offer and
   group (``segments.tests``); ``actions`` counts by group and arm; ``history``
   (damaged earlier revisions skipped).
3. ``outcome``: last month's offers measured on this month's labels (test
   against control per offer and group, pooled per group), ``None`` without
   an earlier revision (:func:`analysis.comparison.previous_outcome`);
   ``trend``: a few figures of every archived month and of this run
   (:func:`analysis.trend.build_trend`), ``None`` without an archive. Both are
   optional keys: a reader of version 3 must not require them. Added later
   to version 3, optional as well (page 1 of the report): ``facts.money``
   (typical profit against revenue under the assumed unit), ``model.lift``
   rows' ``found`` and ``declined`` counts, ``segments.decision`` groups' and
   offers' ``test_cost`` and offers' ``channels``, ``segments.tests.groups``
   (the pooled test per group on the drawn arms).

Readers of an earlier revision (the comparison, the outcome, the trend) accept
1, 2 and 3: they use only ``facts``, ``model`` scores and ``segments`` totals,
present in all, and the offer names of ``segments.tests`` when present (2 and
3); the trend leaves a figure a version lacks empty (None). The outcome reads
the earlier revision's ``scores.csv``; one without the ``tested_offer`` and
``arm`` columns (version 1) is reported as holding no assignment.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any, NotRequired, TypedDict

import numpy as np
import pandas as pd

from analysis.errors import InputError

__all__ = [
    "SCHEMA_VERSION",
    "SUPPORTED_SCHEMAS",
    "ActionsSummary",
    "Bundle",
    "Facts",
    "Results",
    "SchemaError",
    "check_schema",
    "dumps",
    "plain",
]

SCHEMA_VERSION = 3
SUPPORTED_SCHEMAS = (1, 2, 3)
"""Schema versions this tool reads (an older revision is still compared with)."""


class Facts(TypedDict):
    """Headline counts and shares over all clients read (``facts``)."""

    base: str
    clients_total: int
    clients_modelled: int
    clients_excluded: int
    declined: int
    decline_share: float
    declined_modelled: int
    decline_share_modelled: float
    premium_clients: int
    premium_allow_messages_share: float | None
    premium_decline_share: float | None
    standard_clients: int
    standard_allow_messages_share: float | None
    standard_decline_share: float | None
    money: NotRequired[dict[str, Any]]


class ActionsSummary(TypedDict):
    """Counts of this month's action list (``actions``)."""

    clients: int
    clients_with_offer: int
    by_channel: dict[str, int]
    by_segment: dict[str, int]
    clients_selected: NotRequired[int]
    clients_control: NotRequired[int]
    by_group: NotRequired[dict[str, Any]]
    clients_by_group: NotRequired[dict[str, int]]
    clients_by_segment: NotRequired[dict[str, int]]


class Results(TypedDict):
    """The content of ``results.json``.

    Sections
    --------
    facts
        :class:`Facts`.
    quality
        The data-quality log (:meth:`analysis.data.quality.QualityLog.to_dict`).
    leakage
        The ``id`` separability check (:func:`analysis.behaviour.correlation.id_leakage`).
    behaviour
        Group tests, summaries, breakdowns, monthly profile, phik
        (:mod:`analysis.behaviour`).
    model
        Candidates, chosen model, threshold, calibration and hold-out metrics
        (:mod:`analysis.model`).
    drivers, shap
        Global SHAP drivers and how they were computed (:mod:`analysis.explain`).
    segments
        Segment profiles, value at risk and coverage (:mod:`analysis.segments`).
    actions
        :class:`ActionsSummary`.
    params
        The configuration of the run (:class:`analysis.config.Config`).
    comparison
        Change since the previous revision (:mod:`analysis.comparison`), or None.
    outcome
        Last month's offers measured on this month's labels
        (:func:`analysis.comparison.previous_outcome`), or None.
    trend
        Every archived month's figures and this run's as the last point
        (:func:`analysis.trend.build_trend`), or None without an archive.
    history
        ``skipped``: damaged earlier revisions passed over (``revision``, ``problem``).
    """

    schema_version: int
    facts: Facts
    quality: dict[str, Any]
    leakage: dict[str, Any]
    behaviour: dict[str, Any]
    model: dict[str, Any]
    drivers: list[dict[str, Any]]
    shap: dict[str, Any]
    segments: dict[str, Any]
    actions: ActionsSummary
    params: dict[str, Any]
    comparison: NotRequired[dict[str, Any] | None]
    outcome: NotRequired[dict[str, Any] | None]
    trend: NotRequired[dict[str, Any] | None]
    history: NotRequired[dict[str, Any]]


@dataclass
class Bundle:
    """What the analysis produced: the one object every later stage of a run reads.

    Attributes
    ----------
    results
        The JSON-ready content of ``results.json`` (:class:`Results`).
    scores
        The action list, one row per modelled client.
    tables
        Extra tables for the figures (name → frame, written as ``tables/NAME.csv``).
    model
        The fitted final model, saved with joblib.
    timings
        Seconds per analysis step (kept out of ``results.json`` for byte-identity).
    """

    results: Results
    scores: pd.DataFrame
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    model: Any = None
    timings: dict[str, float] = field(default_factory=dict)


class SchemaError(InputError):
    """A results bundle this version of the tool cannot read."""


def check_schema(results: Any, source: str) -> Results:
    """Return ``results`` when its schema version is one this tool reads.

    Raises
    ------
    SchemaError
        When ``results`` is not a JSON object or its ``schema_version`` is
        missing or unknown; ``source`` names the file in the message.
    """
    expected = f"results.json версии схемы {', '.join(map(str, SUPPORTED_SCHEMAS))}"
    if not isinstance(results, dict):
        raise SchemaError(source, "в файле не объект JSON", expected)
    version = results.get("schema_version")
    if isinstance(version, bool) or version not in SUPPORTED_SCHEMAS:
        raise SchemaError(source, f"неизвестная версия схемы результатов: {version!r}", expected)
    return results  # type: ignore[return-value]


def plain(value: Any) -> Any:
    """Numpy and pandas scalars to plain Python; NaN to None."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        value = float(value)
        return None if not math.isfinite(value) else value
    return value


def dumps(results: Results | dict[str, Any]) -> str:
    """Deterministic JSON text of the results."""
    return json.dumps(plain(results), ensure_ascii=False, indent=2, allow_nan=False) + "\n"
