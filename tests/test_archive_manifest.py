"""Tests of report.archive.manifest: manifest.json, its content and its verification."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from _archive_outputs import PERIOD, publish, write_outputs

from report.archive.manifest import MANIFEST_VERSION, draft_manifest, verify_revision
from report.archive.provenance import PACKAGES
from report.archive.store import RevisionBuilder


def test_manifest_content_and_format(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    market = data / "market_file.csv"
    market.write_bytes("id;Тип сервиса\n1;премиум\n".encode())
    extra = {"parameters": {"C": 0.1}, "seed": 42, "timings": {"model": 1.5}, "note": "отчёт"}

    with RevisionBuilder(tmp_path / "reports", PERIOD) as build:
        write_outputs(build.path)
        final = build.publish(extra, inputs={"market_file": market})

    text = (final / "manifest.json").read_text(encoding="utf-8")
    manifest = json.loads(text)
    canonical = json.dumps(manifest, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    assert text == canonical
    assert "отчёт" in text  # ensure_ascii=False

    assert list(manifest["files"]) == [
        "figures/shap.png",
        "report.html",
        "report.pdf",
        "results.json",
        "scores.csv",
    ]
    pdf = (final / "report.pdf").read_bytes()
    assert manifest["files"]["report.pdf"] == {
        "sha256": hashlib.sha256(pdf).hexdigest(),
        "size": len(pdf),
    }
    assert manifest["inputs"]["market_file"] == {
        "name": "market_file.csv",
        "sha256": hashlib.sha256(market.read_bytes()).hexdigest(),
        "size": market.stat().st_size,
    }
    tool = manifest["tool"]
    assert tool["name"] == "oneclick-report"
    assert tool["version"]
    assert {"git_commit", "python", "platform"} <= set(tool)
    assert set(manifest["packages"]) == set(PACKAGES)
    assert isinstance(manifest["packages"]["pandas"], str)
    assert manifest["seed"] == 42
    assert manifest["parameters"] == {"C": 0.1}
    assert manifest["timings"] == {"model": 1.5}
    assert manifest["period"] == PERIOD
    assert manifest["created_at"].startswith("20")
    assert manifest["manifest_version"] == MANIFEST_VERSION == 2
    assert manifest["revision"] == f"{PERIOD}/r1"
    assert manifest["previous_manifest_sha256"] is None  # the first of the archive
    assert manifest["signature"] is None  # no key in the environment


def test_draft_manifest_rejects_reserved_keys_and_an_empty_revision(tmp_path: Path) -> None:
    (tmp_path / "report.pdf").write_bytes(b"%PDF")
    for key in ("files", "revision", "previous_manifest_sha256", "signature"):
        with pytest.raises(ValueError, match=key):
            draft_manifest(tmp_path, {}, {key: []})
    (tmp_path / "report.pdf").unlink()
    with pytest.raises(ValueError, match="no file"):
        draft_manifest(tmp_path, {}, {})


# ------------------------------------------------------------------------------ verify


def test_verify_flags_changed_and_missing_files(tmp_path: Path) -> None:
    rev = publish(tmp_path)
    assert verify_revision(rev) == []

    pdf = rev / "report.pdf"
    content = bytearray(pdf.read_bytes())
    content[10] ^= 0x01  # same size, one byte flipped
    pdf.write_bytes(bytes(content))
    problems = verify_revision(rev)
    assert len(problems) == 1
    assert "report.pdf" in problems[0]
    assert "changed" in problems[0]

    (rev / "figures" / "shap.png").unlink()
    problems = verify_revision(rev)
    assert len(problems) == 2
    assert any("missing" in p and "figures/shap.png" in p for p in problems)


def test_verify_allows_the_delivery_log_added_later(tmp_path: Path) -> None:
    rev = publish(tmp_path)
    (rev / "deliveries").mkdir()
    (rev / "deliveries" / "log.jsonl").write_text('{"status": "sent"}\n', encoding="utf-8")
    assert verify_revision(rev) == []


def test_verify_missing_or_corrupt_manifest(tmp_path: Path) -> None:
    rev = publish(tmp_path)
    (rev / "manifest.json").write_text("{not json", encoding="utf-8")
    assert len(verify_revision(rev)) == 1
    (rev / "manifest.json").write_text("[]", encoding="utf-8")
    assert len(verify_revision(rev)) == 1
    (rev / "manifest.json").unlink()
    problems = verify_revision(rev)
    assert len(problems) == 1
    assert "manifest.json" in problems[0]


def test_verify_rejects_paths_escaping_the_revision(tmp_path: Path) -> None:
    rev = publish(tmp_path / "reports")
    (tmp_path / "reports" / "secret").write_text("x", encoding="utf-8")
    manifest = json.loads((rev / "manifest.json").read_text(encoding="utf-8"))
    manifest["files"]["../secret"] = {"sha256": hashlib.sha256(b"x").hexdigest(), "size": 1}
    (rev / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    problems = verify_revision(rev)
    assert "manifest entry is invalid: ../secret" in problems
    assert not any("changed: ../secret" in p or "missing: ../secret" in p for p in problems)
