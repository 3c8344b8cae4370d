"""Writing a results bundle into a folder, and reading one back from a bundle or revision.

The same bundle gives the same bytes: ``results.json`` through
:func:`analysis.results.contract.dumps`, tables with a fixed float format and
line ending, the model with joblib at a fixed compression. The action list
(``scores.csv``, ``scores-codes.csv``, ``scores.xlsx``) is a document for
people and the CRM and is written by the report stage; :func:`read_scores`
reads its codes back. Readers check the schema version
(:func:`analysis.results.contract.check_schema`).
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.errors import InputError
from analysis.results import files
from analysis.results.contract import Bundle, Results, check_schema, dumps

__all__ = [
    "SAMPLE_TABLE",
    "read_clients_sample",
    "read_results",
    "read_scores",
    "revision_label",
    "write_bundle",
]

SAMPLE_TABLE = files.table_path("clients_sample")
"""The table of modelled clients (or a stratified sample of them) the figures and drift read."""
_MAX_REASON_CHARS = 300


def write_bundle(bundle: Bundle, out_dir: Path) -> dict[str, Path]:
    """Write ``results.json``, ``tables/*.csv`` and the model into ``out_dir``, by name."""
    import joblib

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / files.TABLES_DIR).mkdir(exist_ok=True)
    paths = {"results": out_dir / files.RESULTS, "model": out_dir / files.MODEL}
    paths["results"].write_text(dumps(bundle.results), encoding="utf-8")
    for name, frame in sorted(bundle.tables.items()):
        path = out_dir / files.table_path(name)
        frame.to_csv(path, float_format="%.6g", lineterminator="\n")
        paths[f"table:{name}"] = path
    if bundle.model is not None:
        joblib.dump(bundle.model, paths["model"], compress=3)
    return paths


def _reason(exc: BaseException) -> str:
    text = " ".join(f"{type(exc).__name__}: {exc}".split())
    return text if len(text) <= _MAX_REASON_CHARS else text[:_MAX_REASON_CHARS - 1] + "…"


def read_results(folder: Path) -> Results:
    """The ``results.json`` of a bundle or revision folder, schema checked.

    Raises
    ------
    InputError
        When the file is missing, is not JSON, or has a schema this tool does not read.
    """
    path = Path(folder) / files.RESULTS
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(str(path.parent), f"нет файла {path.name}",
                         "папку опубликованной ревизии отчёта (ARCHIVE/ГГГГ-ММ/rN)") from None
    except (OSError, ValueError, RecursionError) as exc:
        raise InputError(str(path), f"файл не читается как JSON ({_reason(exc)})",
                         "results.json опубликованной ревизии") from None
    return check_schema(data, str(path))


def read_scores(revision: Path) -> pd.DataFrame | None:
    """The revision's action list as codes (id as int64, codes as text), or None when absent.

    Read from ``scores-codes.csv``; a revision written before it existed has
    the codes in ``scores.csv`` (English headers ``id``, ``risk_level`` …),
    which is read instead. Since then ``scores.csv`` is the Russian list for
    people and is never read back.

    Raises
    ------
    InputError
        When the file has no ``id`` column (not an action list of codes).
    """
    folder = Path(revision)
    path = folder / files.SCORES_CODES_CSV
    if not path.is_file():
        path = folder / files.SCORES_CSV
        if not path.is_file():
            return None
    numbers = ("decline_probability", "profit", "profit_at_risk", "exposure", "expected_value")
    scores = pd.read_csv(path, dtype={"risk_level": str, "segment": str, "group": str},
                         encoding="utf-8", keep_default_na=False,
                         na_values={column: [""] for column in numbers})
    if "id" not in scores.columns:
        raise InputError(str(path), "нет столбца id", "список действий с кодами "
                         f"({files.SCORES_CODES_CSV}, в старых ревизиях {files.SCORES_CSV})")
    return scores.assign(id=scores["id"].astype("int64"))


def read_clients_sample(revision: Path) -> pd.DataFrame | None:
    """The revision's ``tables/clients_sample.csv`` indexed by ``id``, or None when absent."""
    path = Path(revision) / SAMPLE_TABLE
    if not path.is_file():
        return None
    frame = pd.read_csv(path, index_col="id", encoding="utf-8")
    frame.index = frame.index.astype("int64")
    return frame


def revision_label(revision: Path) -> dict[str, Any]:
    """``path``, ``period`` (from the manifest when readable, else the folder) and ``revision``."""
    revision = Path(revision)
    period = revision.parent.name
    with contextlib.suppress(OSError, ValueError, AttributeError):
        manifest = json.loads((revision / files.MANIFEST).read_text(encoding="utf-8"))
        period = manifest.get("period") or period
    return {"path": revision.as_posix(), "period": period, "revision": revision.name}
