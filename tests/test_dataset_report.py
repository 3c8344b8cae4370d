"""What the loader repaired is said in the report's data-quality section (issue 13).

Control characters removed (per file and column, with lines), rows of separators
dropped, and a 200 000-character category shown shortened: each appears in the
section, and the document holds neither the control characters nor the long value.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from fake_bundle import write_fake_bundle

from analysis import glossary as g
from analysis.behaviour.stats import id_leakage
from analysis.config import Config
from analysis.data.clients import load_export
from analysis.data.load import CONTROL_CHARACTERS
from analysis.data.quality import LABEL_LIMIT
from analysis.rutext import num
from report.documents import build_context, write_documents

PROVENANCE = {"tool_version": "0", "git_commit": "abc", "python": "3.11", "seed": 1,
              "inputs": {}, "timings": {}, "packages": {}}
HUGE = "Ж" * 200_000


def _damage(export: Path) -> None:
    market = export / "market_file.csv"
    lines = market.read_text(encoding="utf-8").split("\n")
    for row in (1, 2):
        cells = lines[row].split(",")
        cells[8] = HUGE
        lines[row] = ",".join(cells)
    text = "\n".join(lines).replace("Кухонная посуда", "Кухонная\x1b[2J\x07 посуда", 2)
    market.write_text(text, encoding="utf-8")
    money = export / "money.csv"
    money.write_text(money.read_text(encoding="utf-8") + ";\n", encoding="utf-8")


@pytest.fixture(scope="module")
def document(demo_export_master: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    export = tmp_path_factory.mktemp("damaged") / "export"
    shutil.copytree(demo_export_master, export)
    _damage(export)
    bundle = write_fake_bundle(export, tmp_path_factory.mktemp("bundle"))
    results = json.loads((bundle / "results.json").read_text(encoding="utf-8"))
    data = load_export(export)
    config = Config()
    results["model"] |= {"cv_folds": 5, "cv_repeats": 3, "cv_f1": 0.7, "threshold_rule": "f1",
                         "train_size": 200, "test_size": 70}
    results |= {"params": config.model_dump(mode="json"), "quality": data.quality.to_dict(),
                "leakage": id_leakage(data.clients), "actions": {"clients_with_offer": 10},
                "shap": {**results["shap"], "explainer": "linear", "n_explained": 200}}
    context = build_context(results, [], period="2026-11", revision="r1", provenance=PROVENANCE)
    out = tmp_path_factory.mktemp("documents")
    return write_documents(context, out).read_text(encoding="utf-8")


def _quality_section(document: str) -> str:
    start = document.index("{#data-quality}")
    return document[start:document.index("\n## ", start)]


def test_quality_section_discloses_every_loader_repair(document: str) -> None:
    section = re.sub(r"\s", " ", _quality_section(document).replace("\\", ""))  # unescaped
    assert re.search(rf"\| market_file.csv \| {g.CATEGORY} \| удалены управляющие символы .*"
                     r"строки файла: \d+, \d+ \| 2 \|", section)
    assert re.search(r"money.csv: пропущены строки без единого значения.*строки файла: 302",
                     section)
    assert f"сокращены до {LABEL_LIMIT} символов" in section
    assert f"самое длинное — {num(len(HUGE))} символов".replace("\u202f", " ") in section


def test_document_holds_no_control_character_and_no_huge_label(document: str) -> None:
    assert not CONTROL_CHARACTERS.search(document)
    assert "Ж" * 100 not in document
