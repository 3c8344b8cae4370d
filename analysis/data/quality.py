"""The data-quality log: every repair, exclusion and warning, with counts and ids.

What the data stage does with awkward text, and the entry that discloses it in
the report's data-quality section (details in :mod:`analysis.data.load`,
:mod:`analysis.data.encoding` and :mod:`analysis.data.schema`):

===========================================  ==========================================
found in the export                          done, and recorded as
===========================================  ==========================================
control character (C0 but tab/CR/LF, DEL,    removed, in every encoding: repair
C1) in a header or value                     ``control_chars`` per file and column,
                                             with the file lines
NUL byte anywhere in a file                  refused (exit 2): not text; lines named
row of separators only (``;;;;``)            dropped: warning ``empty_rows`` with lines
missing-value spelling, any case (``""``,    missing: the client is excluded
``-``, ``—``, ``NA``, ``n/a``, ``#N/A``,     (exclusion ``missing``); other words in a
``<NA>``, ``nan``, ``null``, ``none``)       numeric column are refused
text value longer than :data:`LABEL_LIMIT`   kept whole in the data; cut with «…» on
characters                                   charts, tables and messages: warning
                                             ``long_label``
file in UTF-16 or KOI8-R                     read; its encoding shown per file
===========================================  ==========================================

Stripping control characters rather than refusing the file is deliberate: they
carry no data, and a stray escape in a few cells should not stop the monthly
report; each removal is counted and located, so nothing changes silently.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

__all__ = ["LABEL_LIMIT", "QualityEntry", "QualityLog", "shorten_label"]

Kind = Literal["repair", "exclusion", "warning"]

#: Longest label (characters) shown whole on a chart or in a table of the report.
LABEL_LIMIT = 60
_ELLIPSIS = "…"


def shorten_label(text: str, limit: int = LABEL_LIMIT) -> str:
    """``text`` cut to ``limit`` characters, the last being «…», when it is longer."""
    if len(text) <= limit:
        return text
    return text[:limit - 1].rstrip() + _ELLIPSIS


@dataclass(frozen=True)
class QualityEntry:
    """One thing the tool did to, or noticed in, the export.

    Parameters
    ----------
    kind
        ``repair`` (value changed, client kept), ``exclusion`` (client left out
        of modelling) or ``warning`` (nothing changed, reader should know).
    code
        Stable machine name (``typo``, ``inactive``, ``revenue_outlier`` …).
    file, column
        Where it was found.
    count
        Number of values (repairs) or clients (exclusions) concerned.
    ids
        Client ids concerned, sorted.
    details
        What the report needs to say it (``wrong``/``right`` of a typo, the
        outlier ``values`` and ``factor``, a new category ``value``, the
        duplicate ``sets`` …), JSON-ready; the words are ``report.text.quality``'s.
    """

    kind: Kind
    code: str
    file: str
    column: str | None
    count: int
    ids: tuple[int, ...] = ()
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class QualityLog:
    """Everything the validation stage did, in the order it did it."""

    entries: list[QualityEntry] = field(default_factory=list)
    files: dict[str, dict[str, object]] = field(default_factory=dict)
    clients_read: int = 0
    clients_usable: int = 0

    def add(self, entry: QualityEntry) -> None:
        """Record an entry; entries with a zero count are not recorded."""
        if entry.count > 0:
            self.entries.append(entry)

    def of_kind(self, kind: Kind) -> list[QualityEntry]:
        """Entries of one kind."""
        return [e for e in self.entries if e.kind == kind]

    @property
    def excluded_ids(self) -> set[int]:
        """Ids of all clients left out of modelling."""
        return {i for e in self.of_kind("exclusion") for i in e.ids}

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form, deterministic."""
        return {
            "clients_read": self.clients_read,
            "clients_usable": self.clients_usable,
            "files": self.files,
            "repairs": [asdict(e) for e in self.of_kind("repair")],
            "exclusions": [asdict(e) for e in self.of_kind("exclusion")],
            "warnings": [asdict(e) for e in self.of_kind("warning")],
        }
