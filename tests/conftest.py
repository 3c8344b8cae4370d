"""Shared fixtures: a small demo export made by the project's generator; the rendered sample."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from _reliability_runs import config_file, hostile_run, recorder  # noqa: F401  (shared fixtures)
from _render_sample import recording_server, rendered  # noqa: F401  (shared fixtures)
from _smtp_server import (  # noqa: F401  (shared fixtures)
    certificate,
    clean_delivery_env,
    client_tls,
    revision,
    server_tls,
    smtp_server,
)

REAL_EXPORT = Path(__file__).resolve().parents[2] / "shared" / "data" / "one-click"


@pytest.fixture(scope="session")
def demo_export_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 300-client demo export with planted defects, written once per session."""
    from analysis.data.demo.write import write_demo_export

    out = tmp_path_factory.mktemp("demo-master")
    write_demo_export(out, n_clients=300, seed=7)
    return out


@pytest.fixture
def export_dir(demo_export_master: Path, tmp_path: Path) -> Path:
    """A private, writable copy of the demo export for a test to damage."""
    target = tmp_path / "export"
    shutil.copytree(demo_export_master, target)
    return target


@pytest.fixture(scope="session")
def real_export() -> Path:
    """The real export beside the clone; the test is skipped where it is absent."""
    if not (REAL_EXPORT / "market_file.csv").is_file():
        pytest.skip("real export not available in ../shared/data/one-click")
    return REAL_EXPORT
