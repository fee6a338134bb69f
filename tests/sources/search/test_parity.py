"""The same query finds the same items on SQLite and on PostgreSQL.

Runs when the suite runs against PostgreSQL (CI's second pass): the same demo world is
loaded into a SQLite file beside it and every query asked of both.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from sources.demo.world import write_demo_world
from sources.load import load_folder
from sources.search.find import MAX_LIMIT, SearchFilter, search_evidence
from sources.store import make_engine
from tests.conftest import on_postgres
from tests.sources.search.world import write_world

QUERIES = (
    "medic*",
    '"night staff"',
    "fall OR falls",
    "staff NOT night",
    "bruis*",
    '"call bell"',
    "(food OR drink) -water",
    "well-being",
    "waited",
    "appoint*",
    "not",
    "dignity",
    "neglect*",
    '"did not"',
    "famil*",
    "manager",
    "agency staff",
    "infection",
    "o'brien",
    "script",
    "3 weeks",
    "rude OR unkind OR shouted",
    "money",
    "(night OR weekend) staff -kind",
)


def _matches(engine: Engine, query: str, **filters: object) -> tuple[dict, set]:
    result = search_evidence(
        engine, query, "inspector", "parity", SearchFilter(**filters), limit=MAX_LIMIT
    )
    return result.counts, set(zip(result.hits["kind"], result.hits["record_id"], strict=True))


@pytest.mark.skipif(not on_postgres(), reason="needs PostgreSQL beside SQLite")
def test_both_databases_find_the_same_items(engine: Engine, tmp_path: Path):
    demo = write_demo_world(tmp_path / "demo", providers=30, seed=3)
    sqlite = make_engine(f"sqlite:///{tmp_path / 'beside.db'}")
    for folder in (demo.folder, write_world(tmp_path / "world")):
        assert load_folder(engine, folder).ok
        assert load_folder(sqlite, folder).ok
    compared = 0
    for query in QUERIES:
        for filters in ({}, {"kinds": ("comment",), "sentiment": "negative"}, {"region": "London"}):
            on_sqlite, on_postgres_ = (
                _matches(sqlite, query, **filters),
                _matches(engine, query, **filters),
            )
            assert on_sqlite[0] == on_postgres_[0], (query, filters)
            if sum(on_sqlite[0].values()) <= MAX_LIMIT:  # every match returned: compare them
                assert on_sqlite[1] == on_postgres_[1], (query, filters)
                compared += len(on_sqlite[1])
    assert compared > 1000  # the queries found plenty to compare
    sqlite.dispose()
