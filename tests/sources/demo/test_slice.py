"""A slice of a contract folder: a fair few providers, every row about them, nothing lost."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from risk import score
from sources import load
from sources.contract import FILES, PROVIDERS
from sources.demo import slice as demo_slice
from sources.demo import world as demo
from tests.conftest import fresh_engine, on_postgres


def read(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / name, dtype=str, keep_default_na=False)


ROWS = [
    ("P1", "care_home", "London"),
    ("P2", "care_home", "London"),
    ("P3", "homecare", "London"),
    ("P4", "care_home", "North East"),
    ("P5", "gp_practice", "London"),
    ("P6", "care_home", "South West"),
]


@pytest.mark.parametrize(
    ("count", "chosen"),
    [
        (0, []),
        (1, ["P1"]),
        (3, ["P1", "P3", "P5"]),  # every type first
        (5, ["P1", "P3", "P4", "P5", "P6"]),  # then every region
        (6, ["P1", "P2", "P3", "P4", "P5", "P6"]),  # then file order
        (9, ["P1", "P2", "P3", "P4", "P5", "P6"]),
    ],
)
def test_providers_are_chosen_type_first_then_region_in_file_order(
    count: int, chosen: list[str]
) -> None:
    assert demo_slice.choose_providers(ROWS, count) == chosen


@pytest.fixture(scope="module")
def sliced(
    demo_world: demo.DemoSummary, tmp_path_factory: pytest.TempPathFactory
) -> demo_slice.FolderSlice:
    return demo_slice.write_slice(demo_world.folder, tmp_path_factory.mktemp("slice"), 25)


def test_a_slice_keeps_every_type_and_region_and_every_row_about_its_providers(
    demo_world: demo.DemoSummary, sliced: demo_slice.FolderSlice
) -> None:
    providers = read(demo_world.folder, PROVIDERS.filename)
    kept = set(sliced.provider_ids)
    assert len(kept) == 25 and sliced.providers == demo_world.providers
    mine = providers[providers["provider_id"].isin(kept)]
    assert set(mine["type"]) == set(providers["type"])
    assert set(mine["region"]) == set(providers["region"])
    for spec in FILES:
        whole = read(demo_world.folder, spec.filename)
        part = read(sliced.folder, spec.filename)
        # The same columns, and exactly the whole file's rows that name a kept provider,
        # values unchanged and in the same order.
        expected = whole[whole["provider_id"].isin(kept)].reset_index(drop=True)
        pd.testing.assert_frame_equal(part, expected)
        assert sliced.rows[spec.filename] == len(part) > 0, spec.filename
    comments = read(sliced.folder, "comments.csv")
    assert comments["provider_id"].ne("").all()  # unnamed ones wait for the whole folder


def test_a_slice_knows_the_whole_folders_newest_evidence(
    demo_world: demo.DemoSummary, sliced: demo_slice.FolderSlice
) -> None:
    newest = max(
        read(demo_world.folder, name)[column].max()
        for name, column in demo_slice.EVIDENCE_DATES.items()
    )
    assert sliced.newest is not None and sliced.newest.isoformat() == newest


def stored(engine: Engine) -> dict[str, pd.DataFrame]:
    """Every table a load or a scoring writes, without the columns that say when."""
    queries = {
        "provider": "SELECT * FROM provider ORDER BY provider_id",
        "inspection": "SELECT * FROM inspection ORDER BY provider_id, published_on",
        "incident": "SELECT * FROM incident ORDER BY incident_id",
        "safeguardingalert": "SELECT * FROM safeguardingalert ORDER BY alert_id",
        "ebenote": "SELECT * FROM ebenote ORDER BY note_id",
        "comment": "SELECT * FROM comment ORDER BY comment_id",
        "riskscore": "SELECT * FROM riskscore ORDER BY provider_id, as_of",
    }
    when = {"loaded_at", "updated_at", "scored_at", "load_id", "created_at"}
    found = {}
    with engine.connect() as conn:
        for table, sql in queries.items():
            frame = pd.DataFrame(conn.execute(text(sql)).mappings().all())
            found[table] = frame.drop(columns=[c for c in frame.columns if c in when])
    return found


@pytest.mark.skipif(on_postgres(), reason="two stores at once: SQLite files only")
def test_a_slice_then_the_whole_folder_stores_what_the_whole_folder_alone_does(
    tmp_path: Path,
) -> None:
    world = demo.write_demo_world(tmp_path / "world", providers=40, seed=5, years=1.5)
    part = demo_slice.write_slice(world.folder, tmp_path / "first", 8)

    (tmp_path / "once").mkdir()
    once = fresh_engine(tmp_path / "once")
    assert load.load_folder(once, world.folder, by="test").ok
    score.score_and_store(once, as_of=score.evidence_end(once))

    (tmp_path / "twice").mkdir()
    twice = fresh_engine(tmp_path / "twice")
    assert load.load_folder(twice, part.folder, by="test").ok
    # The slice is scored as of the whole folder's newest evidence, which is the day the
    # whole store's scoring takes: the second scoring replaces every day of the first.
    assert part.newest == score.evidence_end(once)
    score.score_and_store(twice, as_of=part.newest)
    assert load.load_folder(twice, world.folder, by="test").ok
    score.score_and_store(twice, as_of=score.evidence_end(twice))

    a, b = stored(once), stored(twice)
    for table in a:
        assert len(a[table]) == len(b[table]) > 0, table
        pd.testing.assert_frame_equal(a[table], b[table], obj=table)
