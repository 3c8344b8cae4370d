"""Shared fixtures: a small demo export made by the project's generator; the rendered sample;
the whole runs shared by several modules. The order and grouping of the modules for
pytest-xdist (``--dist loadscope``, set in ``pyproject.toml``): see :data:`SHARED_RUNS`.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from _demo_report import demo_report  # noqa: F401  (shared fixture)
from _real_runs import real_october, real_runs  # noqa: F401  (shared fixtures)
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

# Under pytest-xdist (``-n 2``; ``--dist loadscope`` is set in pyproject.toml) each module
# runs whole on one worker, so that a module-scoped fixture (a whole report run, mostly) is
# built once, not once per worker that got some of its tests. Modules that share a session
# fixture built by a whole run form one unit, so that the run is made once, on one worker.
SHARED_RUNS = {
    "test_pipeline.py": "real-runs",               # real_runs / real_october
    "test_reasons_consistency.py": "real-runs",
    "test_reliability_hostile.py": "hostile-run",  # hostile_run
    "test_reliability_disk.py": "hostile-run",
    "test_page_fill.py": "demo-report",            # demo_report
    "test_report_language.py": "demo-report",
}
# The costliest units first, the costliest first (measured with --durations): a worker that
# finishes one takes the next, so the long ones do not start last and leave the other worker
# idle at the end. Modules not named here follow in collection order.
COSTLIEST_FIRST = (
    "test_pipeline.py", "test_reasons_consistency.py",
    "test_quarto.py",
    "test_reliability_crash.py",
    "test_reliability_escaping.py",
    "test_outcome_loop.py",
    "test_load_properties_damage.py",
    "test_outcome_real.py",
    "test_reliability_disk.py", "test_reliability_hostile.py",
    "test_explain.py",
    "test_page_fill.py", "test_report_language.py",
    "test_render_pdf.py",
    "test_model.py",
    "test_figures.py",
    "test_documents.py",
    "test_load_properties_dialects.py",
    "test_stats.py",
    "test_load_hashes.py",
    "test_dataset_report.py",
    "test_splits.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The costliest modules first (:data:`COSTLIEST_FIRST`); the order within a module is kept.

    With ``--no-loadscope-reorder`` xdist hands the units out in this order.
    """
    rank = {name: i for i, name in enumerate(COSTLIEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object | None:
    """``--dist loadscope`` with the modules of :data:`SHARED_RUNS` as one unit each.

    (xdist's own ``loadgroup`` does not regroup under pytest 9, whose node ids it cannot
    rewrite; a scheduler's ``_split_scope`` is how xdist's own schedulers define a unit.)
    """
    if config.getvalue("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class SharedRunScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return SHARED_RUNS.get(module.rsplit("/", 1)[-1], module)

    return SharedRunScheduling(config, log)


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
