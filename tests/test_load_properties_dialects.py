"""Property test of the export loader: every dialect loads the same client table.

A valid export written in any dialect, chosen per file (separator, decimal mark,
encoding, line endings, quoting, column order, extra columns, padded headers and
cells, row order), loads into the same client table as its canonical form
(issue "Reliability and security", part 1, property 1; the other two properties are
in ``test_load_properties_damage.py``, the shared machinery in ``_export_dialects.py``).

Every example is written to a fresh temporary folder; runs are derandomized so that
CI sees the same examples every time.
"""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path

import pandas as pd
from _export_dialects import (
    N_CLIENTS,
    SETTINGS,
    TABLES,
    FileDialect,
    canonical_data,
    everywhere,
    export_dialects,
    render_file,
    write_export,
)
from hypothesis import example, given, settings

from analysis import glossary as g
from analysis.data.clients import load_export


@settings(max_examples=60, **SETTINGS)
@given(dialects=export_dialects())
@example(dialects=everywhere(separator=",", decimal=",", encoding="cp1251"))
@example(dialects=everywhere(separator=",", decimal=",", quoting=csv.QUOTE_ALL,
                              encoding="utf-8-sig", newline="\r\n"))
@example(dialects=everywhere(separator="\t", decimal=",", header_pad=" ", cell_pad=" "))
@example(dialects=everywhere(separator="|", extra=("Комментарий", ""), order=()))
def test_every_dialect_loads_the_same_client_table(dialects: dict[str, FileDialect]) -> None:
    canonical = canonical_data()
    files = {key: render_file(key, TABLES[key], dialect) for key, dialect in dialects.items()}
    with tempfile.TemporaryDirectory() as tmp:
        write_export(Path(tmp), files)
        data = load_export(Path(tmp))
    pd.testing.assert_frame_equal(data.clients, canonical.clients)
    assert data.quality.excluded_ids == canonical.quality.excluded_ids
    assert data.quality.clients_usable == canonical.quality.clients_usable


def test_canonical_export_is_sound() -> None:
    """The reference the dialect property compares with: repaired, some clients excluded."""
    data = canonical_data()
    assert len(data.clients) == N_CLIENTS
    assert data.quality.excluded_ids  # the planted inactive clients
    assert set(data.clients[g.SERVICE]) == {"стандарт", "премиум"}

