"""The embedded demo world's two stages: a slice to sign in to at once, the rest behind it."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from streamlit.testing.v1 import AppTest

from pages.ui import demo_build
from risk import views
from sources import settings
from sources.people import accounts

ROOT = Path(__file__).resolve().parents[2]
WORLD, FIRST, SEED = 40, 8, 3


@pytest.fixture
def small_demo(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Engine:
    monkeypatch.setenv("CARELENS_DEMO_PROVIDERS", str(WORLD))
    monkeypatch.setenv("CARELENS_DEMO_FIRST", str(FIRST))
    monkeypatch.setenv("CARELENS_DEMO_SEED", str(SEED))
    return engine


def signs_in(engine: Engine) -> bool:
    return accounts.authenticate(engine, "inspector", "demo-inspector").ok


def test_the_first_stage_stores_a_scored_slice_and_the_accounts_the_second_the_rest(
    small_demo: Engine,
) -> None:
    build = demo_build.DemoBuild()
    folder = settings.data_dir() / "demo"
    part = demo_build.load_first(build, small_demo, folder, WORLD, SEED, FIRST)
    assert part is not None and build.ready and not build.finished
    assert views.provider_count(small_demo) == build.first == FIRST
    assert build.providers == WORLD
    assert views.scored_dates(small_demo)
    assert len(views.triage_frame(small_demo)) == FIRST
    assert signs_in(small_demo)

    demo_build.load_rest(build, small_demo, folder, WORLD, SEED, part)
    assert views.provider_count(small_demo) == build.first == WORLD
    assert len(views.triage_frame(small_demo)) == WORLD
    assert views.triage_frame(small_demo)["score"].notna().all()
    assert signs_in(small_demo)


def test_sign_in_opens_after_the_first_stage_with_a_notice_until_the_rest_is_in(
    small_demo: Engine,
) -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.session_state["user"] = "t"
    at.session_state["role"] = "manager"
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    build = demo_build._demo_build(settings.database_url())
    assert build.ready and build.thread is not None
    assert at.title[0].value == "Triage"
    # The rest takes seconds even on a tiny world, so the run above sees the slice.
    shown = len(at.dataframe[0].value)
    if not build.finished:
        assert shown == FIRST
        assert f"Demo world: {FIRST} of {WORLD} providers loaded" in at.info[0].value
    # A second visitor finds the same build and starts no other.
    assert demo_build.demo_build() is build
    build.thread.join(timeout=300)
    assert build.finished and build.error is None
    assert demo_build.demo_build() is None
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert len(at.dataframe[0].value) == WORLD
    assert not [i for i in at.info if "Demo world" in i.value]


def test_a_store_left_with_only_the_slice_gets_the_rest_at_the_next_start(
    small_demo: Engine,
) -> None:
    build = demo_build.DemoBuild()
    folder = settings.data_dir() / "demo"
    demo_build.load_first(build, small_demo, folder, WORLD, SEED, FIRST)
    assert demo_build.rest_missing(small_demo)
    # The app stops here; at its next start the store is not empty, but the rest is missing.
    resumed = demo_build.demo_build()
    assert resumed is not None and resumed.ready and resumed.first == FIRST
    assert resumed.thread is not None
    resumed.thread.join(timeout=300)
    assert resumed.error is None
    assert views.provider_count(small_demo) == WORLD
    assert not demo_build.rest_missing(small_demo)
    assert demo_build.demo_build() is None
