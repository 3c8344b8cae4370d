"""One whole run of ``oneclick report`` on the demo export, made once per session and shared.

``oneclick report`` in process on the 300-client demo export (``demo_export_master``)
with the reliability tests' small model budget (``config_file``) and the built-in
renderer; the WeasyPrint document that was written to ``report.pdf`` is kept for the
page measurements (:mod:`_page_fill`). ``test_page_fill.py`` and
``test_report_language.py`` read it; both modules are one xdist unit
(``conftest.SHARED_RUNS``), so that the run is made once, on one worker.

The fixture ``demo_report`` is registered in ``conftest.py``.
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from _reliability_runs import PERIOD

from report.cli import main

if TYPE_CHECKING:
    from weasyprint.document import Document


@pytest.fixture(scope="session")
def demo_report(demo_export_master: Path, config_file: Path,
                tmp_path_factory: pytest.TempPathFactory) -> dict:
    """``oneclick report`` on the demo export, in-process; the revision and its PDF layout."""
    from report.render import pdf as pdf_stage

    laid_out: list[Document] = []
    layout = pdf_stage._layout

    def keep(*args: object, **kwargs: object) -> Document:
        laid_out.append(layout(*args, **kwargs))
        return laid_out[-1]

    archive = tmp_path_factory.mktemp("demo-report") / "reports"
    out = io.StringIO()
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(out):
        patch.setattr(pdf_stage, "_layout", keep)
        code = main(["--config", str(config_file), "report", "--data", str(demo_export_master),
                     "--period", PERIOD, "--out", str(archive), "--quiet",
                     "--renderer", "builtin"])
    assert code == 0
    revision = Path(out.getvalue().strip().splitlines()[-1])
    return {"revision": revision, "document": laid_out[-1], "config": config_file,
            "data": demo_export_master}
