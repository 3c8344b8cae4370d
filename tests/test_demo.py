"""Tests of the synthetic demo export generator ``analysis.data.demo``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from analysis.data.demo.defects import (
    PERIOD_CONVENTION,
    PLANTED_DEFECTS,
    planted_defect_counts,
    planted_defect_ids,
)
from analysis.data.demo.generate import MIN_CLIENTS, generate_demo_export
from analysis.data.demo.schema import (
    CATEGORIES,
    CATEGORY_TYPO,
    FILE_NAMES,
    ID_BASE,
    MARKET_FILE_COLUMNS,
    MONEY_PERIODS,
    SERVICE_TYPO,
    TARGET,
    TIME_PERIODS,
)
from analysis.data.demo.write import write_demo_export

REAL_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "one-click"
REAL_IDS = range(215348, 216647 + 1)
N = 1300
SEED = 20261127

INT_COLUMNS = (
    "id",
    "Маркет_актив_тек_мес",
    "Длительность",
    "Средний_просмотр_категорий_за_визит",
    "Неоплаченные_продукты_штук_квартал",
    "Ошибка_сервиса",
    "Страниц_за_визит",
)


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    """Default-size demo export with planted defects."""
    return generate_demo_export(N, SEED)


@pytest.fixture(scope="module")
def clean() -> dict[str, pd.DataFrame]:
    """Default-size demo export without planted defects."""
    return generate_demo_export(N, SEED, defects=False)


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Paths of a written default-size demo export."""
    return write_demo_export(tmp_path_factory.mktemp("demo"), N, SEED)


def _wide(tables: dict[str, pd.DataFrame]) -> tuple[pd.DataFrame, pd.Series]:
    """Numeric features, one row per client, and the 0/1 target (1 = declined)."""
    market = tables["market_file"].set_index("id")
    money = tables["market_money"].pivot(index="id", columns="Период", values="Выручка")
    time = tables["market_time"].pivot(index="id", columns="Период", values="минут")
    wide = (
        market.join(money.add_prefix("Выручка_"))
        .join(time.add_prefix("минут_"))
        .join(tables["money"].set_index("id"))
    )
    target = (wide.pop(TARGET) == "Снизилась").astype(int)
    return wide.select_dtypes("number"), target


def _has_decimals(values: pd.Series, decimals: int) -> bool:
    """Whether every value has at most ``decimals`` decimal places."""
    return bool(np.allclose(values, values.round(decimals), rtol=0, atol=1e-9))


# ----------------------------------------------------------------- shapes and schema


def test_tables_have_the_export_shapes_and_columns(tables: dict[str, pd.DataFrame]) -> None:
    assert set(tables) == {"market_file", "market_money", "market_time", "money"}
    assert tuple(tables["market_file"].columns) == MARKET_FILE_COLUMNS
    assert list(tables["market_money"].columns) == ["id", "Период", "Выручка"]
    assert list(tables["market_time"].columns) == ["id", "Период", "минут"]
    assert list(tables["money"].columns) == ["id", "Прибыль"]
    assert [len(tables[k]) for k in FILE_NAMES] == [N, 3 * N, 2 * N, N]


def test_ids_are_contiguous_unique_and_shared(tables: dict[str, pd.DataFrame]) -> None:
    ids = tables["market_file"]["id"]
    assert ids.is_unique
    assert ids.tolist() == list(range(ID_BASE, ID_BASE + N))
    assert tables["money"]["id"].tolist() == ids.tolist()
    for key, k in (("market_money", 3), ("market_time", 2)):
        counts = tables[key]["id"].value_counts()
        assert set(counts.index) == set(ids)
        assert (counts == k).all()


def test_periods_follow_the_export_convention(tables: dict[str, pd.DataFrame]) -> None:
    money, time = tables["market_money"], tables["market_time"]
    assert money["Период"].head(3).tolist() == list(MONEY_PERIODS)
    assert time["Период"].head(2).tolist() == list(TIME_PERIODS)
    assert set(money["Период"]) == {"препредыдущий_месяц", "предыдущий_месяц", "текущий_месяц"}
    assert set(time["Период"]) == {"текущий_месяц", "предыдцщий_месяц"}
    assert PERIOD_CONVENTION["value"] in TIME_PERIODS


def test_integer_columns_stay_integers(tables: dict[str, pd.DataFrame]) -> None:
    market = tables["market_file"]
    for column in INT_COLUMNS:
        assert pd.api.types.is_integer_dtype(market[column]), column
    assert pd.api.types.is_integer_dtype(tables["market_time"]["минут"])


def test_values_have_plausible_ranges_and_decimals(clean: dict[str, pd.DataFrame]) -> None:
    market = clean["market_file"]
    assert market["Акционные_покупки"].between(0, 1).all()
    assert _has_decimals(market["Акционные_покупки"], 2)
    assert _has_decimals(market["Маркет_актив_6_мес"], 1)
    assert market["Маркет_актив_тек_мес"].isin([3, 4, 5]).all()
    assert market["Страниц_за_визит"].between(1, 20).all()
    assert market["Средний_просмотр_категорий_за_визит"].between(1, 6).all()
    assert clean["market_time"]["минут"].between(4, 23).all()
    revenue = clean["market_money"]["Выручка"]
    assert _has_decimals(revenue, 1)
    assert revenue.between(2500, 8000).all()
    assert 4000 < revenue.median() < 7000
    profit = clean["money"]["Прибыль"]
    assert _has_decimals(profit, 2)
    assert profit.between(0.8, 7.5).all()


def test_labels_without_defects_are_the_correct_ones(clean: dict[str, pd.DataFrame]) -> None:
    market = clean["market_file"]
    assert set(market[TARGET]) == {"Снизилась", "Прежний уровень"}
    assert set(market["Тип сервиса"]) == {"стандарт", "премиум"}
    assert set(market["Разрешить сообщать"]) == {"да", "нет"}
    assert set(market["Популярная_категория"]) == set(CATEGORIES)
    assert "Косметика и аксессуары" in CATEGORIES
    assert planted_defect_ids(clean) == {name: [] for name in PLANTED_DEFECTS}


def test_too_few_clients_are_refused() -> None:
    with pytest.raises(ValueError, match="n_clients"):
        generate_demo_export(MIN_CLIENTS - 1)


# ------------------------------------------------------------------ planted defects


def test_planted_defects_have_the_documented_counts(tables: dict[str, pd.DataFrame]) -> None:
    counts = planted_defect_counts(N)
    assert counts == {
        "service_type_typo": 13,
        "category_typo": 26,
        "inactive": 3,
        "revenue_outlier": 1,
    }
    found = planted_defect_ids(tables)
    assert {name: len(ids) for name, ids in found.items()} == counts
    market = tables["market_file"]
    assert (market["Тип сервиса"] == SERVICE_TYPO).sum() == counts["service_type_typo"]
    assert (market["Популярная_категория"] == CATEGORY_TYPO).sum() == counts["category_typo"]


def test_inactive_clients_have_zero_revenue_in_the_two_earlier_months(
    tables: dict[str, pd.DataFrame],
) -> None:
    money = tables["market_money"]
    inactive = planted_defect_ids(tables)["inactive"]
    zeros = money[money["Выручка"] == 0]
    assert sorted(zeros["id"].unique()) == inactive
    assert set(zeros["Период"]) == set(PLANTED_DEFECTS["inactive"]["periods"])
    current = money[(money["Период"] == "текущий_месяц") & money["id"].isin(inactive)]
    assert (current["Выручка"] > 0).all()


def test_one_revenue_outlier_in_the_current_month(tables: dict[str, pd.DataFrame]) -> None:
    money = tables["market_money"]
    (outlier,) = planted_defect_ids(tables)["revenue_outlier"]
    row = money[money["id"] == outlier]
    current = row.loc[row["Период"] == "текущий_месяц", "Выручка"].item()
    typical = money.loc[money["Период"] == "текущий_месяц", "Выручка"].median()
    assert 15 * typical < current < 25 * typical
    assert outlier not in planted_defect_ids(tables)["inactive"]


def test_defect_ids_are_found_again_after_writing(written: dict[str, Path]) -> None:
    read = {k: pd.read_csv(written[k]) for k in ("market_file", "market_money", "market_time")}
    assert planted_defect_ids(read) == planted_defect_ids(generate_demo_export(N, SEED))


@pytest.mark.parametrize("n_clients", [MIN_CLIENTS, 5000])
def test_defect_counts_hold_for_other_sizes(n_clients: int) -> None:
    found = planted_defect_ids(generate_demo_export(n_clients, seed=3))
    assert {k: len(v) for k, v in found.items()} == planted_defect_counts(n_clients)


# ------------------------------------------------------------------------- the files


def test_files_use_the_export_dialects(written: dict[str, Path]) -> None:
    for key in FILE_NAMES:
        raw = written[key].read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf"), key
        raw.decode("utf-8")
        lines = raw.split(b"\r\n")
        assert lines[-1] == b"", key
        assert b"\n" not in raw.replace(b"\r\n", b""), key
    header = written["market_file"].read_bytes().decode("utf-8").split("\r\n")[0]
    assert header == ",".join(MARKET_FILE_COLUMNS)


def test_money_csv_has_semicolons_and_decimal_commas(written: dict[str, Path]) -> None:
    lines = written["money"].read_bytes().decode("utf-8").split("\r\n")
    assert lines[0] == "id;Прибыль"
    body = [line for line in lines[1:] if line]
    assert len(body) == N
    assert all(line.count(";") == 1 and "." not in line for line in body)
    assert sum("," in line for line in body) > 0.9 * N
    read = pd.read_csv(written["money"], sep=";", decimal=",")
    expected = generate_demo_export(N, SEED)["money"]
    pd.testing.assert_frame_equal(read, expected)


def test_comma_files_read_back_identically(written: dict[str, Path]) -> None:
    expected = generate_demo_export(N, SEED)
    for key in ("market_file", "market_money", "market_time"):
        pd.testing.assert_frame_equal(pd.read_csv(written[key]), expected[key])


def test_readme_says_synthetic_with_seed_and_size(written: dict[str, Path]) -> None:
    text = written["readme"].read_text(encoding="utf-8")
    assert "synthetic" in text
    assert "oneclick demo-data" in text
    assert f"seed {SEED}" in text
    assert f"{N} clients" in text


# ----------------------------------------------------------------------- determinism


def _file_bytes(paths: dict[str, Path]) -> dict[str, bytes]:
    return {key: path.read_bytes() for key, path in paths.items()}


def test_same_seed_gives_identical_bytes(tmp_path: Path, written: dict[str, Path]) -> None:
    again = write_demo_export(tmp_path / "again", N, SEED)
    assert _file_bytes(again) == _file_bytes(written)


def test_different_seed_gives_different_files(tmp_path: Path, written: dict[str, Path]) -> None:
    other = _file_bytes(write_demo_export(tmp_path / "other", N, SEED + 1))
    mine = _file_bytes(written)
    for key in FILE_NAMES:
        assert other[key] != mine[key], key


def test_generation_is_deterministic() -> None:
    first, second = generate_demo_export(200, 7), generate_demo_export(200, 7)
    for key in first:
        pd.testing.assert_frame_equal(first[key], second[key])


# ------------------------------------------------------------ distributions, signal


def test_target_share_and_profile_relations() -> None:
    market = generate_demo_export(20_000, 1, defects=False)["market_file"]
    declined = market[TARGET] == "Снизилась"
    assert declined.mean() == pytest.approx(0.383, abs=0.001)
    premium = market["Тип сервиса"] == "премиум"
    assert 0.25 < premium.mean() < 0.35
    allow = market["Разрешить сообщать"] == "да"
    assert allow[premium].mean() > allow[~premium].mean() + 0.1
    assert declined[premium].mean() > declined[~premium].mean()
    for column in ("Страниц_за_визит", "Средний_просмотр_категорий_за_визит"):
        assert market.loc[declined, column].mean() < market.loc[~declined, column].mean()
    for column in ("Акционные_покупки", "Неоплаченные_продукты_штук_квартал"):
        assert market.loc[declined, column].mean() > market.loc[~declined, column].mean()


def test_promo_share_is_bimodal() -> None:
    promo = generate_demo_export(20_000, 2, defects=False)["market_file"]["Акционные_покупки"]
    assert promo.between(0.1, 0.35).mean() > 0.6
    assert promo.between(0.85, 0.99).mean() > 0.05
    assert promo.between(0.5, 0.8).mean() < 0.05


def test_minutes_are_lower_for_declined_clients(clean: dict[str, pd.DataFrame]) -> None:
    features, target = _wide(clean)
    for column in ("минут_текущий_месяц", "минут_предыдцщий_месяц"):
        assert features.loc[target == 1, column].mean() < features.loc[target == 0, column].mean()


@pytest.mark.parametrize("seed", [0, SEED])
def test_signal_is_learnable_but_not_perfect(seed: int) -> None:
    features, target = _wide(generate_demo_export(N, seed, defects=False))
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    cv = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    auc = cross_val_score(model, features, target, cv=cv, scoring="roc_auc").mean()
    assert 0.85 <= auc <= 0.93


def test_ids_do_not_leak_the_target_by_default(clean: dict[str, pd.DataFrame]) -> None:
    market = clean["market_file"]
    auc = roc_auc_score(market[TARGET] == "Снизилась", market["id"])
    assert 0.42 < auc < 0.58


def test_ids_in_blocks_by_target_on_request() -> None:
    market = generate_demo_export(N, SEED, id_blocks_by_target=True)["market_file"]
    declined = market[TARGET] == "Снизилась"
    assert roc_auc_score(declined, -market["id"]) == 1.0
    assert market["id"].tolist() == list(range(ID_BASE, ID_BASE + N))


# ----------------------------------------------------------------------------- scale


def test_large_export_is_generated() -> None:
    big = generate_demo_export(100_000, 5)
    assert len(big["market_file"]) == 100_000
    assert len(big["market_money"]) == 300_000
    assert big["market_file"]["id"].is_unique


@pytest.mark.parametrize("seed", [0, 1, SEED])
def test_no_real_ids(seed: int) -> None:
    ids = set(generate_demo_export(N, seed)["market_file"]["id"])
    assert ids.isdisjoint(REAL_IDS)


# ------------------------------------------------------------------ the real export


@pytest.mark.real
@pytest.mark.skipif(not REAL_DIR.is_dir(), reason="real export not available")
def test_headers_match_the_real_export(written: dict[str, Path]) -> None:
    for key, name in FILE_NAMES.items():
        with (REAL_DIR / name).open("rb") as real, written[key].open("rb") as demo:
            assert demo.readline() == real.readline(), name
