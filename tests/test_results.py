"""The results contract: schema versions, writing and reading a bundle, file names."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from analysis.errors import InputError
from analysis.results import files
from analysis.results.contract import (
    SCHEMA_VERSION,
    SUPPORTED_SCHEMAS,
    Bundle,
    SchemaError,
    check_schema,
    dumps,
)
from analysis.results.store import (
    read_clients_sample,
    read_results,
    read_scores,
    revision_label,
    write_bundle,
)


def _bundle() -> Bundle:
    sample = pd.DataFrame({"Страниц_за_визит": [3.0, 7.25]}, index=pd.Index([10, 11], name="id"))
    scores = pd.DataFrame({"id": [10, 11], "risk_level": ["high", "low"]})
    results = {"schema_version": SCHEMA_VERSION, "facts": {"decline_share": 0.5},
               "comparison": None}
    return Bundle(results=results, scores=scores, tables={"clients_sample": sample})  # type: ignore[arg-type]


def test_the_current_schema_is_one_this_tool_reads() -> None:
    assert SCHEMA_VERSION in SUPPORTED_SCHEMAS and 1 in SUPPORTED_SCHEMAS


@pytest.mark.parametrize("results", [{}, {"schema_version": 99}, {"schema_version": "2"},
                                     {"schema_version": True}, [1, 2], None])
def test_unknown_or_missing_schema_is_refused_naming_the_file(results: object) -> None:
    with pytest.raises(SchemaError) as error:
        check_schema(results, "reports/2026-11/r1/results.json")
    assert isinstance(error.value, InputError)
    assert "reports/2026-11/r1/results.json" in error.value.message


def test_dumps_is_deterministic_and_turns_nan_into_null() -> None:
    text = dumps({"b": float("nan"), "a": [1, 2.5], "schema_version": 2})
    assert json.loads(text) == {"b": None, "a": [1, 2.5], "schema_version": 2}
    assert text == dumps({"b": float("nan"), "a": [1, 2.5], "schema_version": 2})


def test_a_written_bundle_reads_back(tmp_path: Path) -> None:
    bundle = _bundle()
    paths = write_bundle(bundle, tmp_path)
    assert paths["results"] == tmp_path / files.RESULTS
    assert (tmp_path / files.table_path("clients_sample")).is_file()
    assert not (tmp_path / files.MODEL).exists()  # no model in this bundle
    assert read_results(tmp_path) == bundle.results
    sample = read_clients_sample(tmp_path)
    assert sample is not None and list(sample.index) == [10, 11]
    assert read_scores(tmp_path) is None  # the action list is the report stage's document
    bundle.scores.to_csv(tmp_path / files.SCORES_CSV, index=False)
    scores = read_scores(tmp_path)
    assert scores is not None and scores["id"].dtype == "int64"


def test_reading_a_missing_damaged_or_foreign_bundle_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"нет файла results\.json"):
        read_results(tmp_path)
    (tmp_path / files.RESULTS).write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError, match="не читается как JSON"):
        read_results(tmp_path)
    (tmp_path / files.RESULTS).write_text('{"schema_version": 7}', encoding="utf-8")
    with pytest.raises(SchemaError, match="версия схемы"):
        read_results(tmp_path)


def test_revision_label_takes_the_period_from_the_manifest(tmp_path: Path) -> None:
    revision = tmp_path / "2026-11" / "r2"
    revision.mkdir(parents=True)
    assert revision_label(revision)["period"] == "2026-11"
    (revision / files.MANIFEST).write_text('{"period": "2026-10"}', encoding="utf-8")
    assert revision_label(revision) == {"path": revision.as_posix(), "period": "2026-10",
                                        "revision": "r2"}
