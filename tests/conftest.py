"""Shared fixtures: a fresh store per test, SQLite by default, PostgreSQL when DATABASE_URL says.

Every test gets its own CARELENS_DATA_DIR, so nothing a test does touches the real data/.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from sources.store import get_engine, make_engine

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
POSTGRES_URL = os.environ.get("DATABASE_URL", "")


def on_postgres() -> bool:
    """True when the suite runs against a PostgreSQL server."""
    return POSTGRES_URL.startswith("postgresql")


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARELENS_DATA_DIR", str(tmp_path / "data"))
    # No cache-warming thread left polling a test's store after it ends (the warming's own
    # tests turn it on).
    monkeypatch.setenv("CARELENS_WARM_SECONDS", "0")
    get_engine.cache_clear()


def fresh_engine(tmp_path: Path) -> Engine:
    """An empty store: a new SQLite file, or the PostgreSQL database emptied."""
    if on_postgres():
        engine = make_engine(POSTGRES_URL)
        SQLModel.metadata.drop_all(engine)
        SQLModel.metadata.create_all(engine)
        return engine
    return make_engine(f"sqlite:///{tmp_path / 'store.db'}")


@pytest.fixture
def engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """An empty store that is also the configured one (DATABASE_URL points at it)."""
    eng = fresh_engine(tmp_path)
    monkeypatch.setenv("DATABASE_URL", str(eng.url.render_as_string(hide_password=False)))
    get_engine.cache_clear()
    yield eng
    eng.dispose()
    get_engine.cache_clear()


@pytest.fixture(scope="session")
def demo_world(tmp_path_factory: pytest.TempPathFactory) -> object:
    """A small demo world (150 providers, seed 7, 3.5 years), written once per session.

    Returns the sources.demo.world.DemoSummary (folder, providers, rows, start, end).
    """
    from sources.demo.world import write_demo_world

    return write_demo_world(tmp_path_factory.mktemp("demo-world"), providers=150, seed=7)
