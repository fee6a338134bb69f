"""The demo world's verdicts: what its inspectors found, from its hidden state, in the
format of verdicts.csv, loaded like any other, and a reload changes nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from risk import brief
from sources import load
from sources.contract import ENQUIRY_KEYS, VERDICT_FILE, VERDICTS
from sources.demo import visits
from sources.demo import world as demo
from sources.store import Verdict


def read(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / name, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def found(demo_world: demo.DemoSummary) -> pd.DataFrame:
    """The session world's verdicts, each with its provider's hidden state at the visit."""
    folder = demo_world.folder
    said = read(folder, "verdicts.csv")
    truth = read(folder / "truth", "providers_monthly.csv")
    truth["latent"] = truth["latent"].astype(float)
    said["month"] = said["visit_on"].str[:7]
    return said.merge(truth, on=["provider_id", "month"], how="left")


def test_the_verdicts_follow_the_file_format(found: pd.DataFrame) -> None:
    assert len(found) > 100
    assert list(found.columns[: len(visits.COLUMNS)]) == [c.name for c in VERDICT_FILE.columns]
    assert set(found["enquiry_key"]) <= set(ENQUIRY_KEYS)
    assert set(found["verdict"]) == set(VERDICTS)
    assert not found.duplicated(["provider_id", "visit_on", "enquiry_key"]).any()
    assert (found["note"].str.len() <= 500).all() and (found["note"] != "").any()
    assert set(found["recorded_by"]) == {"inspector"}
    assert found["latent"].notna().all()  # every visit is in the window, by the end date


def test_a_problem_truly_there_is_mostly_confirmed_and_one_not_there_mostly_not_found(
    found: pd.DataFrame,
) -> None:
    present = found["latent"] >= demo.VISIT_VERDICTS.problem_at
    looked = found[found["verdict"] != "not_looked_at"]
    there = looked[present[looked.index]]
    absent = looked[~present[looked.index]]
    assert (there["verdict"] == "confirmed").mean() > 0.8
    assert (absent["verdict"] == "not_found").mean() > 0.8
    unlooked = (found["verdict"] == "not_looked_at").mean()
    assert 0.05 < unlooked < 0.2


def test_each_line_is_one_a_brief_before_the_visit_would_have_made(
    demo_world: demo.DemoSummary, found: pd.DataFrame
) -> None:
    # Checked for the line read from the raw files most directly: harmful incidents.
    assert visits.BRIEF_WINDOW_DAYS == brief.WINDOW_DAYS
    incidents = read(demo_world.folder, "incidents.csv")
    harmful = incidents[incidents["harm"].isin(["moderate", "severe", "death"])]
    harmful = harmful.assign(month=harmful["occurred_on"].str[:7])
    months = harmful.groupby("provider_id")["month"].apply(set)
    lines = found[found["enquiry_key"] == "safe:harm"]
    assert len(lines) > 20
    for v in lines.itertuples():
        visit = pd.Period(v.visit_on, "M")
        before = {str(visit - k) for k in range(1, 25)}
        assert before & months.get(v.provider_id, set()), v
    # And no visit's verdicts name a line twice or a line that needs evidence it lacked.
    assert set(found["enquiry_key"]) <= set(visits.LINE_KEYS)


def test_the_same_seed_gives_the_same_verdicts(tmp_path: Path) -> None:
    a = demo.write_demo_world(tmp_path / "a", providers=60, seed=5, years=2)
    b = demo.write_demo_world(tmp_path / "b", providers=60, seed=5, years=2)
    assert (a.folder / "verdicts.csv").read_bytes() == (b.folder / "verdicts.csv").read_bytes()
    assert a.rows["verdicts.csv"] > 0


def test_the_demo_verdicts_load_and_a_reload_changes_nothing(
    engine: Engine, demo_world: demo.DemoSummary, tmp_path: Path
) -> None:
    # The register and the verdicts alone: the loader reads any subset of the files.
    folder = tmp_path / "visits"
    folder.mkdir()
    for name in ("providers.csv", "verdicts.csv"):
        shutil.copy(demo_world.folder / name, folder / name)
    first = load.load_folder(engine, folder, by="demo")
    assert first.ok, [str(p) for p in first.problems[:5]]
    assert first.added["verdicts.csv"] == demo_world.rows["verdicts.csv"]
    t = Verdict.__table__
    with engine.connect() as conn:
        stored = conn.execute(select(t).order_by(t.c.verdict_id)).fetchall()
    again = load.load_folder(engine, folder, by="demo")
    assert again.ok
    assert again.added["verdicts.csv"] == 0 and again.updated["verdicts.csv"] == 0
    with engine.connect() as conn:
        assert conn.execute(select(t).order_by(t.c.verdict_id)).fetchall() == stored
    assert {r.source for r in stored} == {"file"}
