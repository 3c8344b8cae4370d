"""Input hashes describe the bytes that were read (issue 13, defect 6).

The loader reads each export file once, hashes those bytes and decodes them;
the digests travel with the loaded data (``ClientData.sources``) to the
manifest, so a file replaced during the run is recorded as it was read.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from analysis.config import load_config
from analysis.data.clients import load_export
from analysis.paths import EXPORT_FILES
from report.archive.manifest import draft_manifest


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _replace(path: Path) -> bytes:
    """Put different content under the same name (a new inode, as an export tool would)."""
    replaced = path.read_bytes().replace(b"\n", b"\r\n")
    tmp = path.with_suffix(".new")
    tmp.write_bytes(replaced)
    tmp.replace(path)
    return replaced


def test_sources_are_the_digests_of_the_bytes_read(export_dir: Path) -> None:
    originals = {key: (export_dir / name).read_bytes() for key, name in EXPORT_FILES.items()}
    data = load_export(export_dir)
    assert set(data.sources) == set(EXPORT_FILES)
    for key, source in data.sources.items():
        assert (source.name, source.sha256, source.size) == (
            EXPORT_FILES[key], _sha(originals[key]), len(originals[key]))


def test_file_replaced_after_loading_is_recorded_as_it_was_read(export_dir: Path,
                                                                tmp_path: Path) -> None:
    """On main the manifest hashed the files again when it was written."""
    path = export_dir / "market_file.csv"
    read = path.read_bytes()
    data = load_export(export_dir)
    replaced = _replace(path)
    revision = tmp_path / "rev"
    revision.mkdir()
    (revision / "results.json").write_text("{}", encoding="utf-8")
    manifest = draft_manifest(revision, data.sources, {})
    entry = manifest["inputs"]["market_file"]
    assert entry == {"name": "market_file.csv", "sha256": _sha(read), "size": len(read)}
    assert entry["sha256"] != _sha(replaced)


@pytest.mark.slow
def test_report_records_the_inputs_it_analysed(export_dir: Path, tmp_path: Path,
                                               config_file: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """``oneclick report`` with the file replaced while the model runs.

    Figures, HTML and PDF are left out (they do not touch the inputs); the
    provenance they would show in the appendix is captured instead.
    """
    import report.pipeline as pipeline
    from report.render.html import RendererInfo

    path = export_dir / "money.csv"
    read = path.read_bytes()
    analyse = pipeline.run_analysis
    replaced: list[bytes] = []
    shown: list[dict] = []

    def analyse_then_replace(*args, **kwargs):
        replaced.append(_replace(path))
        return analyse(*args, **kwargs)

    def render(rev, bundle, period, hint, renderer, prov, *args) -> RendererInfo:
        shown.append(prov)
        return RendererInfo("builtin", "test")

    monkeypatch.setattr(pipeline, "run_analysis", analyse_then_replace)
    monkeypatch.setattr(pipeline, "_render", render)
    revision = pipeline.build_report(export_dir, "2026-11", tmp_path / "reports",
                                     load_config(config_file), quiet=True)
    manifest = json.loads((revision / "manifest.json").read_text(encoding="utf-8"))
    assert replaced and _sha(replaced[0]) != _sha(read)
    assert manifest["inputs"]["money"] == {"name": "money.csv", "sha256": _sha(read),
                                           "size": len(read)}
    assert shown[0]["inputs"]["money.csv"] == {"sha256": _sha(read)}   # the report's appendix
