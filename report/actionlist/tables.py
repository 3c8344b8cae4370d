"""The action list as two tables, and its counts by group, segment and channel.

:func:`action_table` is the list a person reads (``scores.csv``, the sheets of
``scores.xlsx``): Russian labels and worded reasons, numbers as numbers.
:func:`code_table` is the same list as stable codes (``scores-codes.csv``):
what a CRM imports and what next month's run reads back
(:func:`analysis.results.store.read_scores`). Both keep the rows of
:func:`analysis.segments.actions.action_list` in its order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analysis.explain.reasons import TOP_REASONS, reason_columns
from analysis.segments.actions import REASON_COLUMNS
from analysis.segments.decision import GROUPS
from analysis.segments.definitions import SEGMENTS
from analysis.segments.offers import CHANNELS, CRM_CHANNELS, SITE_CHANNELS
from report.text.actionlist import CODE_COLUMNS, NO, YES, label_tables
from report.text.reasons import reason_texts

__all__ = [
    "CODE_HEADER",
    "COLUMNS",
    "CSV_FORMATS",
    "NUMBERS",
    "ListOptions",
    "action_table",
    "channel_summary",
    "code_table",
    "group_summary",
    "offer_names",
    "segment_summary",
]

COLUMNS = tuple(CODE_COLUMNS)
"""Columns of the list (internal keys; the Russian headers are in :mod:`report.text.actionlist`)."""
CODE_HEADER = ("id", "group", "decline_probability", "risk_level", "segment",
               "favourite_category", "profit", "exposure", "expected_value", "reason_1",
               "reason_2", "reason_3", "offer_rule", "channel", "messages_allowed", "control",
               "tested_offer", "arm", "site_rule", "site_channel")
"""Columns of ``scores-codes.csv``, in order."""
NUMBERS = ("decline_probability", "profit", "exposure", "expected_value")
CSV_FORMATS = ("excel", "plain")
"""``excel``: UTF-8 with BOM, ``;``, decimal comma; ``plain``: UTF-8, ``,``, decimal point."""
_DEFAULT_UNIT = "тыс. ₽"


@dataclass(frozen=True)
class ListOptions:
    """How the list is written.

    Attributes
    ----------
    profit_unit
        Unit of profit shown in the money headers and number formats.
    csv_format
        One of :data:`CSV_FORMATS` for ``scores.csv``.
    offer_texts
        Rule id → offer text (the catalogue's ``action``) for rules that no
        row of the list spells out (a rule whose clients are all in control).
    """

    profit_unit: str = _DEFAULT_UNIT
    csv_format: str = "excel"
    offer_texts: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_results(cls, results: Mapping[str, Any]) -> ListOptions:
        """The options a run's ``results`` (params and the rule checks) imply."""
        params = results.get("params") or {}
        checks = (results.get("segments") or {}).get("rule_checks") or []
        return cls(profit_unit=params.get("profit_unit") or _DEFAULT_UNIT,
                   csv_format=params.get("action_list_csv") or "excel",
                   offer_texts={c["rule"]: c["action"] for c in checks
                                if c.get("rule") and c.get("action")})


def _labelled(values: pd.Series, table: Mapping[str, str]) -> pd.Series:
    """Codes → labels; a code without a label stays as it is."""
    return values.map(dict(table)).where(values.isin(list(table)), values)


def offer_names(scores: pd.DataFrame, offer_texts: Mapping[str, str] | None = None
                ) -> dict[str, str]:
    """Rule id → offer text, from the rows of the list and then ``offer_texts``."""
    names = dict(offer_texts or {})
    sent = scores.loc[scores["offer"].ne(""), ["tested_offer", "offer"]].drop_duplicates()
    shown = scores.loc[scores["site_rule"].ne(""), ["site_rule", "site_offer"]].drop_duplicates()
    names.update(zip(sent["tested_offer"], sent["offer"], strict=True))
    names.update(zip(shown["site_rule"], shown["site_offer"], strict=True))
    return names


def action_table(scores: pd.DataFrame, offer_texts: Mapping[str, str] | None = None
                 ) -> pd.DataFrame:
    """The list in Russian: columns :data:`COLUMNS`, labels and worded reasons, numbers as floats.

    ``decline_probability`` stays a fraction (the writers show it as %).
    """
    labels = label_tables()
    texts = reason_texts(scores[list(REASON_COLUMNS)])
    frame = pd.DataFrame({
        "id": scores["id"].astype("int64"),
        "group": _labelled(scores["group"], labels["group"]),
        **{c: scores[c].astype(float) for c in NUMBERS},
        "risk_level": _labelled(scores["risk_level"], labels["risk_level"]),
        "segment": _labelled(scores["segment"], labels["segment"]),
        "category": scores["category"],
        **{f"reason_{k}": texts[f"reason_{k}"] for k in range(1, TOP_REASONS + 1)},
        "offer": scores["offer"],
        "channel": _labelled(scores["channel"], labels["channel"]),
        "messages_allowed": scores["messages_allowed"],
        "control": np.where(scores["arm"].eq("control"), YES, NO),
        "tested_offer": _labelled(scores["tested_offer"], offer_names(scores, offer_texts)),
        "site_offer": scores["site_offer"],
        "site_channel": _labelled(scores["site_channel"], labels["site_channel"]),
    }, index=scores.index)
    return frame[list(COLUMNS)]


def _reason_codes(scores: pd.DataFrame, k: int) -> np.ndarray:
    """``feature:side`` (``Страниц_за_визит:low``) or ``feature=value`` for a category."""
    names = reason_columns(k)
    feature = scores[names["feature"]].astype(str)
    side = scores[names["side"]].astype(str)
    value = scores[names["value"]].astype(object).where(scores[names["value"]].notna(), "")
    code = np.where(side.eq("category"), feature + "=" + value.astype(str), feature + ":" + side)
    return np.where(feature.eq(""), "", code).astype(object)


def code_table(scores: pd.DataFrame) -> pd.DataFrame:
    """The list as codes: columns :data:`CODE_HEADER` (see ``COLUMN_NOTES`` for meanings)."""
    arm = scores["arm"]
    return pd.DataFrame({
        "id": scores["id"].astype("int64"), "group": scores["group"],
        "decline_probability": scores["decline_probability"].astype(float),
        "risk_level": scores["risk_level"], "segment": scores["segment"],
        "favourite_category": scores["category"],
        "profit": scores["profit"].astype(float), "exposure": scores["exposure"].astype(float),
        "expected_value": scores["expected_value"].astype(float),
        **{f"reason_{k}": _reason_codes(scores, k) for k in range(1, TOP_REASONS + 1)},
        "offer_rule": scores["tested_offer"].where(arm.eq("test"), ""),
        "channel": scores["channel"],
        "messages_allowed": np.where(scores["messages_allowed"].eq(YES), "1", "0"),
        "control": np.where(arm.eq("control"), "1", "0"),
        "tested_offer": scores["tested_offer"], "arm": arm,
        "site_rule": scores["site_rule"], "site_channel": scores["site_channel"],
    }, index=scores.index)[list(CODE_HEADER)]


def _counts(part: pd.DataFrame) -> dict[str, Any]:
    return {"clients": len(part), "profit": round(float(part["profit"].sum()), 2),
            "exposure": round(float(part["exposure"].sum()), 2),
            "sent": int(part["offer"].ne("").sum()),
            "control": int(part["arm"].eq("control").sum()),
            "site": int(part["site_rule"].ne("").sum())}


def group_summary(scores: pd.DataFrame) -> list[dict[str, Any]]:
    """Per group (prevention, win-back) and ``total``: clients, profit, exposure, actions."""
    rows = [{"code": grp, **_counts(scores[scores["group"].eq(grp)])} for grp in GROUPS]
    return [*rows, {"code": "total", **_counts(scores)}]


def segment_summary(scores: pd.DataFrame) -> list[dict[str, Any]]:
    """Per segment (priority order, then clients outside segments) and ``total``."""
    known = [d.code for d in SEGMENTS]
    other = sorted(set(scores["segment"]) - {*known, ""})
    rows = [{"code": code, **_counts(scores[scores["segment"].eq(code)])}
            for code in [*known, *other, ""]]
    return [*rows, {"code": "total", **_counts(scores)}]


def channel_summary(scores: pd.DataFrame) -> list[dict[str, Any]]:
    """Per channel with at least one client: CRM channels (offers sent), then the site's.

    ``kind`` is ``crm`` or ``site``; ``clients`` the clients of that channel's sheet.
    """
    rows = []
    for kind, column, pool in (("crm", "channel", CRM_CHANNELS),
                               ("site", "site_channel", SITE_CHANNELS)):
        for code in (c for c in CHANNELS if c in pool):
            part = scores[scores[column].eq(code)]
            if len(part):
                rows.append({"code": code, "kind": kind, "clients": len(part),
                             "exposure": round(float(part["exposure"].sum()), 2)})
    return rows
