"""Loading, validation and repair: the real export, dialects, and every bad-input case."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analysis import glossary as g
from analysis.config import DataParams
from analysis.data.clients import load_export
from analysis.errors import InputError
from report.cli import main


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _rewrite(path: Path, edit) -> None:
    text = path.read_text(encoding="utf-8")
    path.write_text(edit(text), encoding="utf-8", newline="")


def _frame(path: Path, sep: str = ",") -> pd.DataFrame:
    return pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False)


def _save(frame: pd.DataFrame, path: Path, sep: str = ",") -> None:
    frame.to_csv(path, sep=sep, index=False)


def _expect_input_error(capsys, export_dir: Path, *needles: str) -> str:
    code, out, err = _run(capsys, "validate", str(export_dir))
    assert code == 2, (out, err)
    assert "Traceback" not in err + out
    assert len(err.strip().splitlines()) == 1, err
    for needle in needles:
        assert needle in err, (needle, err)
    return err


# --- the real export ---------------------------------------------------------------------


def test_real_export_repairs_and_exclusions(real_export: Path) -> None:
    data = load_export(real_export)
    log = data.quality
    assert log.clients_read == 1300
    assert log.clients_usable == 1297
    assert data.quality.excluded_ids == {215348, 215357, 215359}
    repairs = {(e.column, e.code): e.count for e in log.of_kind("repair")}
    assert repairs[(g.SERVICE, "typo")] == 10
    assert repairs[(g.CATEGORY, "typo")] == 223
    assert repairs[("Период", "typo")] == 1300
    assert repairs[("Выручка_текущий_месяц", "revenue_outlier")] == 1
    outlier = next(e for e in log.entries if e.code == "revenue_outlier")
    assert outlier.ids == (215380,)
    assert data.clients.loc[215380, "Выручка_текущий_месяц"] < 10_000
    assert set(data.clients[g.SERVICE]) == {"стандарт", "премиум"}
    assert len(data.modelled) == 1297
    assert "id" not in data.clients.columns


def test_validate_cli_on_real_export(real_export: Path, capsys) -> None:
    code, out, _ = _run(capsys, "validate", str(real_export))
    assert code == 0
    assert "1300" in out and "1297" in out
    for client in ("215348", "215357", "215359", "215380"):
        assert client in out


def test_validate_json(real_export: Path, capsys) -> None:
    import json

    code, out, _ = _run(capsys, "validate", str(real_export), "--json")
    assert code == 0
    summary = json.loads(out)
    assert summary["clients_read"] == 1300
    assert [e["ids"] for e in summary["exclusions"]] == [[215348, 215357, 215359]]


# --- dialects ------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp1251"])
@pytest.mark.parametrize("sep", [";", "\t"])
def test_dialects_give_the_same_table(export_dir: Path, tmp_path: Path, encoding: str,
                                      sep: str) -> None:
    canonical = load_export(export_dir).clients
    other = tmp_path / "other"
    other.mkdir()
    for path in export_dir.glob("*.csv"):
        frame = _frame(path, ";" if path.name == "money.csv" else ",")
        if sep == ";":
            frame = frame.apply(lambda col: col.str.replace(".", ",", regex=False)
                                if col.name != "id" else col)
        frame.columns = [f"  {c} " for c in frame.columns]
        frame.to_csv(other / path.name, sep=sep, index=False, encoding=encoding)
    pd.testing.assert_frame_equal(load_export(other).clients, canonical)


# --- bad input: stopped with exit 2 -----------------------------------------------------


def test_missing_file(export_dir: Path, capsys) -> None:
    (export_dir / "market_time.csv").unlink()
    _expect_input_error(capsys, export_dir, "market_time.csv", "не найден")


def test_missing_column(export_dir: Path, capsys) -> None:
    path = export_dir / "market_file.csv"
    _save(_frame(path).drop(columns=["Страниц_за_визит"]), path)
    _expect_input_error(capsys, export_dir, "market_file.csv", "Страниц_за_визит")


def test_non_numeric_value(export_dir: Path, capsys) -> None:
    path = export_dir / "market_file.csv"
    frame = _frame(path)
    frame.loc[4, "Длительность"] = "много"
    _save(frame, path)
    err = _expect_input_error(capsys, export_dir, "market_file.csv", "Длительность", "6")
    assert "много" in err


def test_duplicate_ids(export_dir: Path, capsys) -> None:
    path = export_dir / "money.csv"
    frame = _frame(path, ";")
    frame.loc[3, "id"] = frame.loc[2, "id"]
    _save(frame, path, ";")
    _expect_input_error(capsys, export_dir, "money.csv", "id", "дубликат")


def test_empty_table(export_dir: Path, capsys) -> None:
    path = export_dir / "market_money.csv"
    _rewrite(path, lambda text: text.splitlines(keepends=True)[0])
    _expect_input_error(capsys, export_dir, "market_money.csv", "нет ни одной строки")


def test_unknown_target_value(export_dir: Path, capsys) -> None:
    path = export_dir / "market_file.csv"
    frame = _frame(path)
    frame.loc[9, g.TARGET] = "Выросла"
    _save(frame, path)
    _expect_input_error(capsys, export_dir, g.TARGET, "Выросла", "11", "Снизилась")


def test_negative_revenue(export_dir: Path, capsys) -> None:
    path = export_dir / "market_money.csv"
    frame = _frame(path)
    frame.loc[20, "Выручка"] = "-15.5"
    _save(frame, path)
    _expect_input_error(capsys, export_dir, "market_money.csv", "Выручка", "22", "от 0 до")


@pytest.mark.parametrize(("file", "sep", "column", "value", "problem"), [
    ("money.csv", ";", g.PROFIT, "inf", "бесконечные"),
    ("money.csv", ";", g.PROFIT, "-inf", "бесконечные"),
    ("market_money.csv", ",", "Выручка", "1e400", "бесконечные"),
    ("market_file.csv", ",", "Страниц_за_визит", "1e305", "недопустимые"),
    ("market_time.csv", ",", "минут", "50000", "недопустимые"),
])
def test_non_finite_and_absurd_numbers_are_refused(export_dir: Path, capsys, file: str, sep: str,
                                                    column: str, value: str,
                                                    problem: str) -> None:
    """Infinities, overflow and values beyond the column's plausible range: exit 2, no run."""
    path = export_dir / file
    frame = _frame(path, sep)
    frame.loc[7, column] = value
    _save(frame, path, sep)
    err = _expect_input_error(capsys, export_dir, file, column, "9", problem, "конечное число")
    assert value in err or repr(float(value)) in err  # as written, or as the number read


def test_file_that_is_not_text(export_dir: Path, capsys) -> None:
    (export_dir / "money.csv").write_bytes(bytes(range(256)) * 10)
    _expect_input_error(capsys, export_dir, "money.csv", "не является текстом")


def test_export_too_small(export_dir: Path, capsys) -> None:
    keep = _frame(export_dir / "market_file.csv")["id"].head(12)
    for path in export_dir.glob("*.csv"):
        sep = ";" if path.name == "money.csv" else ","
        frame = _frame(path, sep)
        _save(frame[frame["id"].isin(keep)], path, sep)
    _expect_input_error(capsys, export_dir, "слишком мало клиентов", "12")


def test_single_target_class(export_dir: Path, capsys) -> None:
    path = export_dir / "market_file.csv"
    frame = _frame(path)
    frame[g.TARGET] = g.STABLE
    _save(frame, path)
    _expect_input_error(capsys, export_dir, g.TARGET, g.DECLINED)


def test_id_missing_from_one_file(export_dir: Path, capsys) -> None:
    path = export_dir / "money.csv"
    frame = _frame(path, ";")
    dropped = frame.loc[5, "id"]
    _save(frame.drop(index=5), path, ";")
    _expect_input_error(capsys, export_dir, "money.csv", str(dropped))


def test_many_missing_values_stop(export_dir: Path, capsys) -> None:
    path = export_dir / "market_file.csv"
    frame = _frame(path)
    frame.loc[: len(frame) // 4, "Ошибка_сервиса"] = ""
    _save(frame, path)
    _expect_input_error(capsys, export_dir, "Ошибка_сервиса", "пропуски")


# --- bad input: repaired or excluded, and recorded ------------------------------------------


def test_few_missing_values_are_excluded_and_logged(export_dir: Path) -> None:
    path = export_dir / "market_file.csv"
    frame = _frame(path)
    frame.loc[[3, 7], "Страниц_за_визит"] = ""
    _save(frame, path)
    data = load_export(export_dir)
    entry = next(e for e in data.quality.entries if e.code == "missing")
    assert entry.column == "Страниц_за_визит"
    assert entry.ids == tuple(sorted(int(i) for i in frame.loc[[3, 7], "id"]))
    assert set(entry.ids) <= data.quality.excluded_ids
    assert len(data.clients) == len(frame)  # nobody is lost: excluded, not dropped


def test_new_category_is_kept_and_reported(export_dir: Path) -> None:
    path = export_dir / "market_file.csv"
    frame = _frame(path)
    frame.loc[0, g.CATEGORY] = "Товары для дачи"
    _save(frame, path)
    data = load_export(export_dir)
    warning = next(e for e in data.quality.of_kind("warning") if e.code == "new_category")
    assert warning.ids == (int(frame.loc[0, "id"]),)
    assert data.clients.loc[int(frame.loc[0, "id"]), g.CATEGORY] == "Товары для дачи"


def test_case_and_whitespace_are_normalised(export_dir: Path) -> None:
    path = export_dir / "market_file.csv"
    frame = _frame(path)
    frame.loc[1, g.PERMISSION] = "  ДА "
    _save(frame, path)
    data = load_export(export_dir)
    assert data.clients.loc[int(frame.loc[1, "id"]), g.PERMISSION] == "да"
    assert any(e.code == "case" for e in data.quality.entries)


def test_thresholds_come_from_params(export_dir: Path) -> None:
    with pytest.raises(InputError, match="слишком мало"):
        load_export(export_dir, DataParams(min_clients=10_000))


def test_validator_finds_exactly_the_planted_defects(demo_export_master: Path) -> None:
    from analysis.data.demo.defects import planted_defect_ids
    from analysis.data.demo.generate import generate_demo_export

    planted = planted_defect_ids(generate_demo_export(n_clients=300, seed=7))
    log = load_export(demo_export_master).quality
    found = {e.code if e.code != "typo" else f"typo:{e.column}": set(e.ids) for e in log.entries}
    assert found["inactive"] == set(planted["inactive"])
    assert found["revenue_outlier"] == set(planted["revenue_outlier"])
    assert found[f"typo:{g.SERVICE}"] == set(planted["service_type_typo"])
    assert found[f"typo:{g.CATEGORY}"] == set(planted["category_typo"])


@pytest.mark.parametrize("period", ["", "-", "nan"])
def test_a_row_without_its_period_is_refused_not_dropped(export_dir: Path, capsys,
                                                         period: str) -> None:
    path = export_dir / "market_money.csv"
    frame = _frame(path)
    frame.loc[4, "Период"] = period
    _save(frame, path)
    _expect_input_error(capsys, export_dir, "market_money.csv", "Период", "строки: 6",
                        "пустое значение ключа")
