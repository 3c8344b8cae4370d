"""Tests of report.archive.provenance: tool, git commit and package versions."""

from __future__ import annotations

from pathlib import Path

import pytest

from report.archive import provenance
from report.archive.manifest import draft_manifest


def test_missing_package_is_null(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(provenance, "PACKAGES", ("surely-not-installed-pkg", "pandas"))
    (tmp_path / "report.pdf").write_bytes(b"%PDF")
    manifest = draft_manifest(tmp_path, {}, {})
    assert manifest["packages"]["surely-not-installed-pkg"] is None
    assert manifest["packages"]["pandas"]
