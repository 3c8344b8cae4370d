"""Tests of report.archive.listing: published revisions, the latest one, the text table."""

from __future__ import annotations

import json
from pathlib import Path

from _archive_outputs import write_outputs

from report.archive.listing import (
    RevisionInfo,
    format_revision_table,
    list_revisions,
)

# -------------------------------------------------------------------- list and find


def _fake_revision(archive_dir: Path, period: str, name: str, results: object = None) -> Path:
    path = archive_dir / period / name
    path.mkdir(parents=True)
    manifest = {"created_at": f"{period}-28T09:30:00+00:00", "files": {}}
    (path / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    if results is not None:
        (path / "results.json").write_text(json.dumps(results), encoding="utf-8")
    return path


def test_list_revisions_order_and_key_numbers(tmp_path: Path) -> None:
    for i in range(1, 11):
        _fake_revision(tmp_path, "2026-11", f"r{i}")
    _fake_revision(
        tmp_path,
        "2026-10",
        "r1",
        {
            "facts": {"decline_share": 0.383, "clients_total": 1300},
            "model": {"test_roc_auc": 0.92, "cv_roc_auc_mean": 0.905},
        },
    )
    _fake_revision(tmp_path, "2026-09", "r1", {"facts": {"clients_total": 1200}})
    (tmp_path / "2026-09" / "r1" / "results.json").write_text("{broken", encoding="utf-8")
    (tmp_path / ".tmp-2026-11-123-abcd").mkdir()
    (tmp_path / "2026-11" / "notes").mkdir()
    (tmp_path / "2026-11" / "r0").mkdir()
    (tmp_path / "misc").mkdir()
    (tmp_path / ".lock").touch()

    revs = list_revisions(tmp_path)
    assert [(r.period, r.revision) for r in revs] == [
        ("2026-09", "r1"),
        ("2026-10", "r1"),
        *[("2026-11", f"r{i}") for i in range(1, 11)],
    ]
    october = revs[1]
    assert october.created_at == "2026-10-28T09:30:00+00:00"
    assert october.path == tmp_path / "2026-10" / "r1"
    assert october.key_numbers == {
        "facts.clients_total": 1300,
        "facts.decline_share": 0.383,
        "model.test_roc_auc": 0.92,
        "model.cv_roc_auc_mean": 0.905,
    }
    assert set(revs[0].key_numbers.values()) == {None}  # unreadable results.json
    assert revs[-1].key_numbers["facts.decline_share"] is None  # no results.json
    assert list_revisions(tmp_path / "nowhere") == []


def test_format_revision_table() -> None:
    assert "No archived revisions" in format_revision_table([])
    revs = [
        RevisionInfo(
            period="2026-10",
            revision="r1",
            number=1,
            path=Path("reports/2026-10/r1"),
            created_at="2026-10-28T09:30:00+00:00",
            key_numbers={
                "facts.clients_total": 1300,
                "facts.decline_share": 0.383,
                "model.test_roc_auc": 0.92,
                "model.cv_roc_auc_mean": 0.9051,
            },
        ),
        RevisionInfo(period="2026-11", revision="r10", number=10, path=Path("reports/2026-11/r10")),
    ]
    table = format_revision_table(revs)
    lines = table.splitlines()
    assert table.endswith("\n")
    assert len(lines) == 3
    assert lines[0].split()[:2] == ["period", "rev"]
    assert "2026-10-28 09:30" in lines[1]
    assert "38.3%" in lines[1]
    assert "1 300" in lines[1]
    assert "0.920" in lines[1]
    assert "0.905" in lines[1]
    assert lines[1].endswith("reports/2026-10/r1")
    assert lines[2].startswith("2026-11  r10")
    assert lines[2].count(" - ") >= 4
    assert lines[1].index("reports/") == lines[2].index("reports/")  # columns align


def test_a_damaged_revision_is_skipped_for_comparison_and_marked_in_the_list(
        tmp_path: Path) -> None:
    """An emptied scores.csv or a deeply nested results.json never stops a later report."""
    from analysis.results.contract import SCHEMA_VERSION
    from report.archive.listing import intact_previous
    from report.archive.store import RevisionBuilder

    def publish_readable(period: str) -> Path:
        with RevisionBuilder(tmp_path, period) as build:
            write_outputs(build.path, period)
            (build.path / "results.json").write_text(
                json.dumps({"schema_version": SCHEMA_VERSION}), encoding="utf-8")
            return build.publish({})

    october, september = publish_readable("2026-10"), publish_readable("2026-09")
    assert intact_previous(tmp_path, "2026-11") == (october, [])

    (october / "scores.csv").write_text("", encoding="utf-8")  # damaged after publishing
    previous, skipped = intact_previous(tmp_path, "2026-11")
    assert previous == september
    assert [s["revision"] for s in skipped] == ["2026-10/r1"]
    assert "scores.csv" in skipped[0]["problem"]

    (september / "results.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    previous, skipped = intact_previous(tmp_path, "2026-11")
    assert previous is None and len(skipped) == 2

    table = format_revision_table(list_revisions(tmp_path))  # lists, does not fail
    assert table.count("повреждена") == 2

    november = publish_readable("2026-11")  # nothing intact before: this month's earlier run
    assert intact_previous(tmp_path, "2026-11")[0] == november
    assert intact_previous(tmp_path, "2026-12")[0] == november  # the latest earlier period
