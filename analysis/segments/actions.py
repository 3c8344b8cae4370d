"""This month's action list: one row per modelled client with a segment and an offer.

Which offer a client gets:

- A client in several segments belongs to the one with the lowest
  ``priority`` (``promo_risk`` before ``electronics_decline``, see
  :mod:`analysis.segments.build`).
- A segment member gets the first of the segment's offers (in the segment's
  order) whose condition fits the client individually (a feature below or
  above the median of stable clients, a flag met); if none fits, the segment's
  first offer.
- A client outside every segment with medium or high risk gets the
  highest-priority catalogue rule that fits them; a low-risk client outside
  the segments gets no offer (empty ``offer`` and ``channel``): an offer to a
  client who is likely to stay costs money and is not what the list is for.
- The channel respects consent: without ``Разрешить сообщать`` = да no client
  gets email, sms, push, newsletter or call; the rule's fallback channel
  (site or personal account) carries the same offer instead.

The frame keeps codes for enumerations (``risk_level`` high/medium/low,
``segment`` code, ``channel`` code) as the CSV does; the xlsx shows Russian
headers and labels.
"""

from __future__ import annotations

import os
import shutil
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

from analysis import glossary as g
from analysis.config import SegmentParams
from analysis.segments.definitions import (
    RISK_LABELS,
    SEGMENTS,
    aligned_probability,
    assign_segment,
    memberships,
    risk_level,
)
from analysis.segments.offers import OfferRule, client_matches, delivery_channel, load_rules

__all__ = ["CHANNEL_LABELS", "COLUMNS", "HEADERS_RU", "action_list", "write_action_list"]

COLUMNS = ("id", "decline_probability", "risk_level", "segment", "profit", "reason_1",
           "reason_2", "reason_3", "offer", "messages_allowed", "channel", "profit_at_risk")
HEADERS_RU = {
    "id": "id клиента", "decline_probability": "Вероятность снижения активности",
    "risk_level": "Уровень риска", "segment": "Сегмент",
    "profit": "Среднемесячная прибыль", "reason_1": "Причина 1", "reason_2": "Причина 2",
    "reason_3": "Причина 3", "offer": "Предложение", "messages_allowed": "Согласие на сообщения",
    "channel": "Канал", "profit_at_risk": "Прибыль под риском"}
CHANNEL_LABELS = {
    "email": "электронное письмо", "sms": "SMS", "push": "push-уведомление",
    "newsletter": "рассылка", "site": "сайт", "personal_account": "личный кабинет",
    "call": "звонок", "": ""}
_REASONS = ("reason_1", "reason_2", "reason_3")
_CSV_FORMATS = {"decline_probability": "{:.6f}", "profit": "{:.2f}", "profit_at_risk": "{:.6f}"}
_XLSX_FORMATS = {"decline_probability": "0.000", "profit": "0.00", "profit_at_risk": "0.00"}
_DECIMALS = {"decline_probability": 6, "profit": 2, "profit_at_risk": 6}
_FIXED_TIME = datetime(2000, 1, 1)


def _match_table(rules: tuple[OfferRule, ...], clients: pd.DataFrame) -> pd.DataFrame:
    stable = clients[clients[g.TARGET].astype("string").eq(g.STABLE).fillna(False)]
    medians = stable[[f for f in g.NUMERIC if f in clients.columns]].median()
    return pd.DataFrame({r.id: client_matches(r, clients, medians) for r in rules},
                        index=clients.index)


def _choose_rules(match: pd.DataFrame, segment: pd.Series, risk: pd.Series,
                  segment_rules: dict[str, list[str]], order: list[str]) -> pd.Series:
    """Rule id per client (``""`` for none), by the policy in the module docstring."""
    chosen = pd.Series("", index=match.index, dtype=object)
    free = (segment == "") | segment.map(lambda c: not segment_rules.get(c))
    for rule_id in reversed(order):
        chosen[free & (risk != "low") & match[rule_id]] = rule_id
    for code, rule_ids in segment_rules.items():
        if not rule_ids:
            continue
        inside = segment == code
        chosen[inside] = rule_ids[0]
        for rule_id in reversed(rule_ids):
            chosen[inside & match[rule_id]] = rule_id
    return chosen


def _segment_rules(segments: dict, rules: tuple[OfferRule, ...]) -> dict[str, list[str]]:
    known = {r.id for r in rules}
    return {s["code"]: [o["rule"] for o in s["offers"] if o["rule"] in known]
            for s in segments["segments"]}


def action_list(clients: pd.DataFrame, probability: pd.Series, reasons: pd.DataFrame,
                segments: dict, params: SegmentParams,
                rules: tuple[OfferRule, ...] | None = None) -> pd.DataFrame:
    """One row per modelled client, highest profit at risk first.

    Parameters
    ----------
    clients
        Modelled clients, index ``id``.
    probability
        Calibrated ``decline_probability``, index ``id``, in [0, 1].
    reasons
        ``reason_1`` … ``reason_3`` per client (missing → empty text).
    segments
        The result of :func:`analysis.segments.build.build_segments` for the same
        clients, probabilities and parameters.
    params
        Segment thresholds; ``offer_rules`` names the catalogue.
    rules
        The catalogue, when already loaded.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COLUMNS`, sorted by ``profit_at_risk`` descending, then ``id``.
    """
    rules = load_rules(params.offer_rules) if rules is None else rules
    by_id = {r.id: r for r in rules}
    p = aligned_probability(clients, probability)
    segment = assign_segment(memberships(clients, p, params))
    risk = risk_level(p, params)
    chosen = _choose_rules(_match_table(rules, clients), segment, risk,
                           _segment_rules(segments, rules), [r.id for r in rules])
    allowed = clients[g.PERMISSION].astype("string").eq("да").fillna(False).astype(bool)
    text = reasons.reindex(index=clients.index, columns=list(_REASONS)).fillna("")
    profit = clients[g.PROFIT].astype(float)
    frame = pd.DataFrame({
        "id": clients.index.astype(int), "decline_probability": p.to_numpy(),
        "risk_level": risk.to_numpy(), "segment": segment.to_numpy(),
        "profit": profit.to_numpy(),
        **{c: text[c].astype(str).to_numpy() for c in _REASONS},
        "offer": [by_id[r].action if r else "" for r in chosen],
        "messages_allowed": allowed.map({True: "да", False: "нет"}).to_numpy(),
        "channel": [delivery_channel(by_id[r], a) if r else "" for r, a in zip(
            chosen, allowed, strict=True)],
        "profit_at_risk": (p * profit).to_numpy()})
    frame = frame.sort_values(["profit_at_risk", "id"], ascending=[False, True],
                              kind="mergesort")
    return frame.reset_index(drop=True)[list(COLUMNS)]


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Stream the CSV to ``path`` (pandas writes it in chunks; no copy of the whole text)."""
    out = frame[list(COLUMNS)].assign(
        **{column: frame[column].map(pattern.format) for column, pattern in _CSV_FORMATS.items()})
    with Path(path).open("w", encoding="utf-8", newline="") as handle:
        out.to_csv(handle, index=False, lineterminator="\n")


def _cell(value: object) -> object:
    """A plain Python value for openpyxl; empty text becomes an empty cell."""
    if hasattr(value, "item"):
        return value.item()
    return None if value == "" else value


def _workbook(frame: pd.DataFrame) -> Workbook:
    """The action list as a write-only workbook: rows are streamed to a temporary file.

    A regular workbook keeps an object per cell (about 0.5 GB per 100,000
    clients); a write-only one holds one row at a time, so a million clients
    fit in the xlsx limit of 1,048,576 rows without holding the sheet in memory.
    """
    names = {d.code: d.name for d in SEGMENTS}
    shown = frame[list(COLUMNS)].assign(
        risk_level=frame["risk_level"].map(RISK_LABELS),
        segment=frame["segment"].map(lambda c: names.get(c, c)),
        channel=frame["channel"].map(lambda c: CHANNEL_LABELS.get(c, c)),
        **{c: frame[c].astype(float).round(d) for c, d in _DECIMALS.items()})
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Список действий")
    for index, column in enumerate(COLUMNS, start=1):
        longest = max([len(HEADERS_RU[column]), *shown[column].astype(str).str.len().head(500)])
        ws.column_dimensions[get_column_letter(index)].width = min(60, max(10, longest + 2))
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{len(shown) + 1}"
    header = []
    for column in COLUMNS:
        cell = WriteOnlyCell(ws, value=HEADERS_RU[column])
        cell.font = Font(bold=True)
        header.append(cell)
    ws.append(header)
    # one styled cell per formatted column, reused: a row is written out when appended
    styled = {}
    for column, number_format in _XLSX_FORMATS.items():
        styled[column] = WriteOnlyCell(ws)
        styled[column].number_format = number_format
    formatted = [styled.get(column) for column in COLUMNS]
    # plain lists: iterating a pandas text column goes through __getitem__ element by element
    for row in zip(*(shown[column].tolist() for column in COLUMNS), strict=True):
        cells: list[object] = []
        for value, template in zip(row, formatted, strict=True):
            value = _cell(value)
            if template is not None and value is not None:
                template.value = value
                value = template
            cells.append(value)
        ws.append(cells)
    wb.properties.creator = "oneclick-report"
    wb.properties.created = wb.properties.modified = _FIXED_TIME
    return wb


class _FixedTimeZip(zipfile.ZipFile):
    """A zip whose entries all carry one fixed timestamp and mode: the same bytes every run.

    openpyxl writes parts with ``writestr`` (stamped with the current time)
    and the streamed sheet of a write-only workbook with ``write`` (stamped
    with the temporary file's time); both are redirected here. The sheet is
    copied in 1 MiB blocks and compressed once.
    """

    def _entry(self, name: str, size: int) -> zipfile.ZipInfo:
        entry = zipfile.ZipInfo(name, date_time=_FIXED_TIME.timetuple()[:6])
        entry.compress_type = zipfile.ZIP_DEFLATED
        entry.external_attr = 0o600 << 16
        entry.file_size = size                         # as writestr does (zip64 when needed)
        return entry

    def writestr(self, zinfo_or_arcname: Any, data: Any, compress_type: Any = None,
                 compresslevel: Any = None) -> None:
        name = getattr(zinfo_or_arcname, "filename", zinfo_or_arcname)
        data = data.encode("utf-8") if isinstance(data, str) else data
        with self.open(self._entry(name, len(data)), "w") as dest:
            dest.write(data)

    def write(self, filename: Any, arcname: Any = None, compress_type: Any = None,
              compresslevel: Any = None) -> None:
        entry = self._entry(str(arcname or filename), os.path.getsize(filename))
        with open(filename, "rb") as source, self.open(entry, "w") as dest:
            shutil.copyfileobj(source, dest, 1 << 20)


def _write_xlsx(wb: Workbook, path: Path) -> None:
    """The workbook file without the current time (fixed docProps dates and zip timestamps)."""
    with _FixedTimeZip(path, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).save()


def write_action_list(frame: pd.DataFrame, csv_path: Path, xlsx_path: Path) -> None:
    """Write the action list as CSV (English headers) and xlsx (Russian headers).

    The CSV is UTF-8 with ``\\n`` line ends, probabilities with 6 decimals,
    profit with 2 and profit at risk with 6; both files are byte-for-byte
    the same for the same frame.
    """
    _write_csv(frame, Path(csv_path))
    _write_xlsx(_workbook(frame), Path(xlsx_path))
