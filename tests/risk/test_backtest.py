"""The backtest: outcomes from later ratings, every baseline beside the score, the CLI."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy.engine import Engine

from risk import backtest as B
from risk.__main__ import main
from risk.score import score_providers
from sources import load
from tests.risk import risk_world as rw

CUT = dt.date(2025, 6, 30)
BASELINES = (
    "last rating",
    "incidents per bed",
    "harmful per bed",
    "safeguarding count",
    "IM-like flags",
    "random",
)


def test_backtest_measures_the_score_beside_every_baseline(engine: Engine) -> None:
    world = rw.build(engine, providers=90, seed=5, months=30)
    result = B.backtest(engine, CUT, 365)
    names = [m.name for m in result.methods]
    assert names[0] == "score" and set(BASELINES) <= set(names)
    # Every provider of the small world is rated once a year (risk_world.build).
    assert result.n_all == len(world.ids)
    assert 0 < result.poor_all < result.n_all
    assert result.n_good <= result.n_all
    score, random = result.method("score"), result.method("random")
    assert score.auc_all > random.auc_all
    assert score.auc_all > 0.75
    assert 0 <= score.p10_all <= 1
    table = result.table()
    assert "last rating" in table and "AUC all" in table


def test_outcome_is_the_first_rating_after_the_day(engine: Engine) -> None:
    rw.build(engine, providers=12, seed=1, months=30)
    out = B.outcomes(engine, CUT, 365).set_index("provider_id")
    ratings = pd.read_sql("SELECT provider_id, published_on, overall FROM inspection", engine)
    ratings["published_on"] = pd.to_datetime(ratings["published_on"])
    later = ratings[
        (ratings["published_on"] > pd.Timestamp(CUT))
        & (ratings["published_on"] <= pd.Timestamp(CUT + dt.timedelta(days=365)))
    ].sort_values("published_on")
    first = later.groupby("provider_id")["overall"].first()
    assert set(out.index) == set(first.index)
    for pid, rating in first.items():
        assert out.loc[pid, "poor"] == int(rating in B.POOR)


def test_backtest_reads_a_truth_folder(engine: Engine, tmp_path: Path) -> None:
    world = rw.build(engine, providers=40, seed=2, months=30)
    months = pd.date_range("2024-01-01", "2026-06-01", freq="MS").strftime("%Y-%m")
    rows = [
        {"provider_id": p, "month": m, "latent": q, "failing": int(q > 0.6)}
        for p, q in zip(world.ids, world.quality, strict=True)
        for m in months
    ]
    pd.DataFrame(rows).to_csv(tmp_path / "providers_monthly.csv", index=False)
    result = B.backtest(engine, CUT, 365, truth_dir=tmp_path, learned=False)
    assert result.n_truth == len(world.ids)
    assert result.failing_now == int((world.quality > 0.6).sum())
    assert result.method("score").auc_failing_now > result.method("random").auc_failing_now
    # The hidden state itself is shown as the ceiling: it ranks "failing now" perfectly.
    assert result.method(B.ORACLE).auc_failing_now == 1.0
    assert B.ORACLE in result.table()


def test_backtest_command_prints_the_table(
    engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    rw.build(engine, providers=30, seed=4, months=30)
    assert main(["backtest", "--as-of", CUT.isoformat()]) == 0
    printed = capsys.readouterr().out
    table, legend = printed.split("Rows: ", 1)
    for name in ("score", *BASELINES):
        assert name in table
        # Each row printed is explained below the table, in the regulator's terms.
        assert f"  {name}  " in legend
    assert "Intelligent-Monitoring-like" in legend and "funnel limit" in legend
    for column in ("AUC all", "P@10% all", "AUC G/O", "P@10% G/O", "small in top 10%"):
        assert column in table and f"  {column}  " in legend
    assert "AUC failing now" not in printed, "truth-only columns are not explained without it"


def test_loading_the_same_files_twice_changes_no_score(
    engine: Engine, request: pytest.FixtureRequest
) -> None:
    try:
        demo = request.getfixturevalue("demo_world")
    except pytest.FixtureLookupError:
        pytest.skip("no demo_world fixture yet")
    assert load.load_folder(engine, demo.folder).ok
    as_of = demo.end - dt.timedelta(days=90)
    first = score_providers(engine, as_of)
    assert load.load_folder(engine, demo.folder).ok
    pd.testing.assert_frame_equal(first, score_providers(engine, as_of))


def test_notes_from_the_visit_being_predicted_are_not_read(engine: Engine) -> None:
    world = rw.build(engine, providers=40, seed=3, months=30)
    pid = world.ids[0]
    ratings = pd.read_sql("SELECT provider_id, published_on FROM inspection", engine)
    published = pd.to_datetime(ratings["published_on"])
    last = published[(ratings["provider_id"] == pid) & (published <= pd.Timestamp(CUT))].max()
    assert last < pd.Timestamp(CUT - dt.timedelta(days=5))
    for k, other in enumerate(world.ids[1:9]):  # peers with notes give the yardstick
        rw.add_note(engine, other, CUT - dt.timedelta(days=400), f"N-peer{k}", 0.6 - 0.2 * k)
    # A damning note written after the last published rating: the live score reads it, the
    # backtest (whose outcome is that visit's rating) must not (METHOD-NOTES 3.1).
    before = B.backtest(engine, CUT, 365, learned=False)
    live_before = score_providers(engine, CUT).set_index("provider_id").loc[pid, "score"]
    rw.add_note(engine, pid, CUT - dt.timedelta(days=5), "N-after", -1.0)
    live_after = score_providers(engine, CUT).set_index("provider_id").loc[pid, "score"]
    after = B.backtest(engine, CUT, 365, learned=False)
    assert live_after > live_before
    assert after.method("score").auc_all == before.method("score").auc_all
