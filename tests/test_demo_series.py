"""The monthly demo series: same clients, next month's labels answer the archived action list."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.data.demo.generate import generate_demo_export
from analysis.data.demo.schema import DECLINED, STEADY, TARGET
from analysis.data.demo.series import JOIN, LEAVE, next_month, treated_effect
from analysis.data.demo.write import next_period, write_demo_export, write_demo_series
from report.cli import main as oneclick

N = 400


@pytest.fixture(scope="module")
def month1() -> dict[str, pd.DataFrame]:
    return generate_demo_export(N, seed=3)


def _assignment(ids: np.ndarray, offer: str, arm: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({"id": ids, "group": "winback", "tested_offer": offer, "arm": arm})


def test_treated_effect_only_for_the_test_arm_of_a_planted_offer() -> None:
    plan = pd.DataFrame({"id": [1, 2, 3, 4], "tested_offer": ["a", "a", "b", ""],
                         "arm": ["test", "control", "test", ""]})
    effect = treated_effect(np.array([1, 2, 3, 4, 5]), plan, {"a": 0.15, "b": 0.0})
    assert effect.tolist() == [0.15, 0.0, 0.0, 0.0, 0.0]


def test_next_month_keeps_the_clients_and_their_profile(month1: dict[str, pd.DataFrame]
                                                        ) -> None:
    ids = month1["market_file"]["id"].to_numpy()
    nxt = next_month(month1, _assignment(ids, "a", np.array(["test"] * N)), {}, seed=3, month=2)
    new_ids = nxt["market_file"]["id"].to_numpy()
    stayed = np.intersect1d(ids, new_ids)
    assert len(stayed) == N - round(LEAVE * N)
    assert len(new_ids) == len(stayed) + round(JOIN * N) and new_ids.max() > ids.max()
    for table in nxt.values():
        assert set(table["id"]) == set(new_ids)
    before = month1["market_file"].set_index("id").loc[stayed]
    after = nxt["market_file"].set_index("id").loc[stayed]
    for column in ("Разрешить сообщать",):
        assert (before[column] == after[column]).all()
    assert (after["Длительность"] == before["Длительность"] + 30).all()
    assert after[TARGET].isin([STEADY, DECLINED]).all()


def test_next_month_is_deterministic_and_answers_the_offer(month1: dict[str, pd.DataFrame]
                                                           ) -> None:
    ids = month1["market_file"]["id"].to_numpy()
    arm = np.where(ids % 4 == 0, "control", "test")
    plan = _assignment(ids, "a", arm)
    up = next_month(month1, plan, {"a": 1.0}, seed=3, month=2)
    down = next_month(month1, plan, {"a": -1.0}, seed=3, month=2)
    again = next_month(month1, plan, {"a": 1.0}, seed=3, month=2)
    for key in up:
        pd.testing.assert_frame_equal(up[key], again[key])
    label_up = up["market_file"].set_index("id")[TARGET]
    label_down = down["market_file"].set_index("id")[TARGET]
    test_ids = np.intersect1d(ids[arm == "test"], label_up.index)
    control_ids = np.intersect1d(ids[arm == "control"], label_up.index)
    assert label_up.loc[test_ids].eq(STEADY).all()        # +100 p.p.: every treated client stays
    assert label_down.loc[test_ids].eq(DECLINED).all()    # −100 p.p.: every treated one declines
    assert label_up.loc[control_ids].equals(label_down.loc[control_ids])   # control untouched
    assert 0.05 < label_up.loc[control_ids].eq(DECLINED).mean() < 0.95


def test_a_series_stops_where_a_report_is_missing(tmp_path: Path) -> None:
    asked = []

    def action_list(period: str, export_dir: Path) -> tuple[pd.DataFrame, str] | None:
        asked.append((period, export_dir.name))
        if period == "2026-12":
            return None
        ids = pd.read_csv(export_dir / "market_file.csv")["id"].to_numpy()
        return _assignment(ids, "a", np.array(["test"] * len(ids))), f"{period}/r1"

    written, waiting = write_demo_series(tmp_path / "series", 4, "2026-11", action_list,
                                         {"a": 0.1}, n_clients=100, seed=5)
    assert [p.name for p in written] == ["2026-11", "2026-12"]
    assert waiting == "2026-12" and asked == [("2026-11", "2026-11"), ("2026-12", "2026-12")]
    first = tmp_path / "first"
    write_demo_export(first, n_clients=100, seed=5)
    for name in ("market_file.csv", "money.csv"):
        assert (first / name).read_bytes() == (written[0] / name).read_bytes()
    readme = (written[1] / "README.md").read_text(encoding="utf-8")
    assert "2026-11/r1" in readme and "+10 p.p." in readme and "synthetic" in readme


def test_next_period_rolls_over_the_year() -> None:
    assert next_period("2026-12") == "2027-01" and next_period("2026-09") == "2026-10"


def _cli(args: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = oneclick(args)
        except SystemExit as stop:          # argparse refuses a malformed argument
            code = int(stop.code or 0)
    return code, out.getvalue(), err.getvalue()


def test_cli_series_writes_the_first_month_and_names_the_missing_report(tmp_path: Path) -> None:
    code, out, err = _cli(["demo-data", str(tmp_path / "s"), "--months", "3", "--clients", "60",
                           "--effect", "basket_reminder=15", "--archive",
                           str(tmp_path / "reports")])
    assert code == 0
    assert out.split() == [str(tmp_path / "s" / "2026-09")]
    assert "2026-09" in err and "oneclick report" in err and "--report" in err


@pytest.mark.parametrize(("effect", "where"), [("no_such_offer=5", "no_such_offer"),
                                               ("basket_reminder=много", "ПРЕДЛОЖЕНИЕ=П.П."),
                                               ("basket_reminder=150", "ПРЕДЛОЖЕНИЕ=П.П."),
                                               ("few_pages=15", "идёт через сайт")])
def test_cli_refuses_a_bad_effect(tmp_path: Path, effect: str, where: str) -> None:
    code, _, err = _cli(["demo-data", str(tmp_path / "s"), "--months", "2", "--clients", "60",
                         "--effect", effect])
    assert code == 2 and where in err
    assert not (tmp_path / "s").exists()


def test_cli_names_the_measurable_offers_when_the_effect_is_on_a_site_offer(
        tmp_path: Path) -> None:
    """A site offer is shown to test and control alike: its planted effect cannot be measured."""
    code, _, err = _cli(["demo-data", str(tmp_path / "s"), "--months", "2", "--clients", "60",
                         "--effect", "basket_reminder=15", "--effect", "few_pages=15"])
    assert code == 2 and "few_pages" in err
    assert "basket_reminder" in err and "promo_calendar" in err


def test_redraw_labels_keeps_every_other_value(month1: dict[str, pd.DataFrame]) -> None:
    from analysis.data.demo.series import redraw_labels

    market = month1["market_file"]
    ids = market["id"].to_numpy()
    arm = np.where(ids % 3 == 0, "control", "test")
    redrawn = redraw_labels(market, _assignment(ids, "a", arm), {"a": 1.0}, seed=3, month=2)
    assert redrawn.drop(columns=[TARGET]).equals(market.drop(columns=[TARGET]))
    assert redrawn.loc[arm == "test", TARGET].eq(STEADY).all()
    assert redrawn.loc[arm == "control", TARGET].eq(DECLINED).any()


def test_the_action_list_counts_only_from_a_report_of_the_same_files(tmp_path: Path) -> None:
    """A report made from other files (another seed, edited data) is not the month's report:
    drawing the next month from its action list would plant effects on the wrong clients."""
    from report.archive.store import RevisionBuilder
    from report.series import archived_action_list

    reported, other = tmp_path / "2026-09", tmp_path / "other"
    write_demo_export(reported, n_clients=60, seed=1)
    write_demo_export(other, n_clients=60, seed=2)
    archive = tmp_path / "reports"
    with RevisionBuilder(archive, "2026-09") as rev:
        pd.DataFrame({"id": [300000], "group": ["winback"], "tested_offer": ["basket_reminder"],
                      "arm": ["test"]}).to_csv(rev.path / "scores.csv", index=False)
        published = rev.publish({"period": "2026-09"}, inputs={
            key: reported / f"{key}.csv"
            for key in ("market_file", "market_money", "market_time", "money")})
    found = archived_action_list(archive, "2026-09", reported)
    assert found is not None and found[1] == published
    assert found[0]["tested_offer"].tolist() == ["basket_reminder"]
    assert archived_action_list(archive, "2026-09", other) is None
    assert archived_action_list(archive, "2026-10", reported) is None
