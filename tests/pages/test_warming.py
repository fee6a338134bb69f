"""pages/ui warming: the frames the pages open on are read before anyone asks for them."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from pages.ui import loaders, warming, writes
from risk import score, usage, views, voices
from sources.store import Load
from tests.pages.apptest import open_page
from tests.risk import tiny_world

WAIT = 60.0  # seconds a warming round may take on a slow CI machine


@pytest.fixture
def world(engine: Engine) -> Engine:
    tiny_world.build(engine)
    return engine


def _refuse(*args: object, **kwargs: object) -> pd.DataFrame:
    raise AssertionError("read from the store, not from the warmed cache")


def _no_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every big read behind the warmed frames fails from here on."""
    for module, name in (
        (views, "triage_frame"),
        (views, "map_frame"),
        (views, "unlinked_comments"),
        (views, "unlinked_count"),
        (views, "unseen_serious"),
        (voices, "heard_frame"),
        (voices, "heard_providers"),
        (voices, "no_recent_voice"),
        (voices, "voices_report"),
        (usage, "you_said_we_did"),
        (usage, "uses_between"),
    ):
        monkeypatch.setattr(module, name, _refuse)


def test_warm_reads_each_frame_under_the_key_its_page_asks_for(
    world: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    stamp = views.store_stamp(world)
    expected = views.triage_frame(world)
    warming.warm(stamp)
    _no_reads(monkeypatch)
    pd.testing.assert_frame_equal(loaders.triage(stamp), expected)
    # The pages draw from the warmed frames alone: had any asked with other arguments than
    # warm() used, its read would have failed above.
    for page in ("triage", "overview", "voices", "inbox"):
        at = open_page(page, "inspector")  # fails on any exception the page shows
        assert at.title, page


def test_voices_since_counts_back_from_the_newest_scoring(world: Engine) -> None:
    stamp = views.store_stamp(world)
    assert loaders.voices_since(stamp) == tiny_world.AS_OF - dt.timedelta(days=365)
    assert loaders.voices_since(stamp, "Last 3 years") == tiny_world.AS_OF - dt.timedelta(
        days=3 * 365
    )
    assert loaders.voices_since(stamp, "Everything") is None


def test_the_warmer_warms_each_new_stamp_and_again_after_clear(
    world: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CARELENS_WARM_SECONDS", "3600")  # only its first look and nudges
    readers: list[str] = []
    triage_frame = views.triage_frame

    def counted(engine: Engine, as_of: dt.date | None = None) -> pd.DataFrame:
        readers.append(threading.current_thread().name)
        return triage_frame(engine, as_of)

    monkeypatch.setattr(views, "triage_frame", counted)
    warmer = warming.keep_warm()
    assert warmer is not None and warming.keep_warm() is warmer  # one per store
    assert warmer.wait_for(1, WAIT)
    first = views.store_stamp(world)
    assert warmer.warmed == first and warmer.error is None
    assert readers == ["carelens-warm"]
    loaders.triage(first)  # a page's visit: already there
    assert readers == ["carelens-warm"]

    # A load made elsewhere (the command line) changes the stamp: the warmer reads again.
    with Session(world) as session:
        session.add(Load(started_at=dt.datetime.now(dt.UTC), outcome="ok"))
        session.commit()
    warmer.nudge()
    assert warmer.wait_for(2, WAIT)
    assert warmer.warmed == views.store_stamp(world) != first
    assert readers == ["carelens-warm"] * 2

    # A write in the app clears every cache without changing the stamp: warmed again.
    writes.clear()
    assert warmer.wait_for(3, WAIT)
    assert readers == ["carelens-warm"] * 3
    loaders.triage(views.store_stamp(world))
    assert readers == ["carelens-warm"] * 3


def test_the_warmer_leaves_an_unscored_store_alone_and_survives_a_broken_one(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _no_reads(monkeypatch)
    warmer = warming.Warmer(interval=3600)
    warmer.step()  # empty store: nothing scored, nothing read
    assert warmer.warmed is None and warmer.error is None
    not_a_folder = tmp_path / "a-file"
    not_a_folder.write_text("")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{not_a_folder / 'carelens.db'}")
    warmer.step()  # the store cannot be opened: noted, not raised, tried again next time
    assert warmer.warmed is None and warmer.error
    assert warmer.rounds == 2


def test_warming_is_off_when_set_to_zero(world: Engine) -> None:
    assert warming.keep_warm() is None  # the suite's setting: CARELENS_WARM_SECONDS=0
    warming.rewarm()  # and clearing starts nothing


def test_a_scoring_shows_its_new_day_only_once_its_history_is_stored(world: Engine) -> None:
    new_day = dt.date(2026, 7, 31)
    before = views.store_stamp(world)
    seen: list[tuple[str, int]] = []

    def look(done: float, message: str) -> None:
        history = views.scored_dates(world)
        seen.append((views.store_stamp(world)[1], len(history)))

    score.score_and_store(world, as_of=new_day, history_months=2, progress=look)
    # Before each day is scored and once at the end; the two month-ends are written first.
    assert [s for s, _ in seen[:-1]] == [before[1]] * 3
    assert seen[-1][0].startswith(f"{new_day}/")
    assert views.scored_dates(world)[-3:] == [
        dt.date(2026, 5, 31),
        dt.date(2026, 6, 30),
        new_day,
    ]


def test_a_clearing_during_a_warming_has_it_read_again(
    world: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CARELENS_WARM_SECONDS", "3600")
    warmer = warming._warmer(str(world.url.render_as_string(hide_password=False)), 3600.0)
    warmed: list[tuple[int, str, int]] = []

    def warm(stamp: tuple[int, str, int]) -> None:
        warmed.append(stamp)
        if len(warmed) == 1:
            writes.clear()  # a link made in the inbox while the first warming runs

    monkeypatch.setattr(warming, "warm", warm)
    warmer.step()
    assert len(warmed) == 1 and warmer.warmed is None  # what it read may be gone
    warmer.step()
    assert len(warmed) == 2 and warmer.warmed == views.store_stamp(world)
    warmer.step()
    assert len(warmed) == 2  # nothing new: nothing read
