"""Duplicate client records are found, grouped and logged."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import REAL_EXPORT

from analysis import glossary as g
from analysis.data.duplicates import DUPLICATE_COLUMNS, duplicate_groups, duplicate_sets
from report.text.quality import quality_text


def _clients() -> pd.DataFrame:
    row = {c: 1.0 for c in DUPLICATE_COLUMNS if c not in g.CATEGORICAL}
    row.update({g.SERVICE: "стандарт", g.PERMISSION: "да", g.CATEGORY: "Кухонная посуда"})
    frame = pd.DataFrame([row] * 5, index=pd.Index([30, 10, 20, 40, 50], name="id"))
    frame.loc[40, g.PROMO] = 0.5          # 40 differs in one feature
    frame.loc[50, g.CATEGORY] = "Товары для детей"
    frame[g.PROFIT] = [1.0, 2.0, 3.0, 4.0, 5.0]   # profit does not make a client different
    return frame


def test_identical_feature_rows_share_the_smallest_id_as_their_group() -> None:
    groups = duplicate_groups(_clients())
    assert groups.to_dict() == {30: 10, 10: 10, 20: 10, 40: 40, 50: 50}
    assert duplicate_sets(groups) == [(10, 20, 30)]


def test_no_duplicates_gives_every_client_its_own_group() -> None:
    clients = _clients().drop(index=[10, 20])
    assert duplicate_sets(duplicate_groups(clients)) == []
    assert duplicate_groups(clients.iloc[:0]).empty


@pytest.mark.real
def test_the_eleven_known_pairs_of_the_real_export_are_logged() -> None:
    from analysis.data.clients import load_export

    if not REAL_EXPORT.is_dir():
        pytest.skip("the real export is not beside the checkout")
    data = load_export(REAL_EXPORT)
    sets = duplicate_sets(data.groups)
    assert sets == [(215685 + k, 215895 + k) for k in range(11)]
    entry = next(e for e in data.quality.entries if e.code == "duplicate_clients")
    assert entry.count == 22 and entry.details["sets"][0] == [215685, 215895]
    assert "215685 = 215895" in quality_text(entry)
