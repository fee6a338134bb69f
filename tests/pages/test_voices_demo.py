"""Every voice on the small demo world, whose truth says who was made scarce, which comments
are copies of one concern, and which providers hear nothing: the app must find the same."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pandas as pd
import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from streamlit.testing.v1 import AppTest

from risk import score, views, voices
from sources import load
from sources.demo import world as demo
from sources.store import Comment, get_engine
from tests.conftest import fresh_engine
from tests.pages import apptest
from tests.pages.apptest import frame_with


@pytest.fixture(scope="module")
def demo_store(demo_world: object, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """The session's small demo world, loaded (copies marked by the loader) and scored."""
    engine = fresh_engine(tmp_path_factory.mktemp("voices-demo"))
    result = load.load_folder(engine, demo_world.folder, by="test")  # type: ignore[attr-defined]
    assert result.ok, result.problems[:3]
    score.score_and_store(engine, as_of=score.evidence_end(engine), history_months=1)
    yield engine
    engine.dispose()


@pytest.fixture
def store(demo_store: Engine, monkeypatch: pytest.MonkeyPatch) -> Engine:
    monkeypatch.setenv("DATABASE_URL", demo_store.url.render_as_string(hide_password=False))
    get_engine.cache_clear()
    return demo_store


def open_page(page: str, **params: str) -> AppTest:
    return apptest.open_page(page, "inspector", **params)


def test_the_loader_merges_the_copies_the_demo_truth_names(
    store: Engine, demo_world: object
) -> None:
    folder = demo_world.folder  # type: ignore[attr-defined]
    truth = pd.read_csv(folder / "truth" / "comments.csv", dtype=str, keep_default_na=False)
    t = Comment.__table__
    with store.connect() as conn:
        rows = conn.execute(select(t.c.comment_id, t.c.provider_id, t.c.duplicate_of)).all()
    stored = pd.DataFrame(rows, columns=["comment_id", "provider_id", "duplicate_of"])
    said = dict(zip(truth["comment_id"], truth["duplicate_of"], strict=True))

    def concern(comment_id: str) -> str:
        return said.get(comment_id) or comment_id

    found = stored.dropna(subset=["duplicate_of"])
    right = sum(
        concern(c) == concern(o)
        for c, o in zip(found["comment_id"], found["duplicate_of"], strict=True)
    )
    assert right / len(found) > 0.85  # merged comments are one concern per the truth
    # Copies the loader could see (copy and original both linked to a provider).
    linked = set(stored.loc[stored["provider_id"].notna(), "comment_id"])
    copies = truth[
        truth["duplicate_of"].ne("")
        & truth["comment_id"].isin(linked)
        & truth["duplicate_of"].isin(linked)
    ]
    assert len(copies) >= 20
    merged = stored.set_index("comment_id")["duplicate_of"].reindex(copies["comment_id"])
    recovered = sum(
        isinstance(o, str) and concern(o) == concern(c)
        for c, o in zip(copies["comment_id"], merged, strict=True)
    )
    assert recovered / len(copies) > 0.9


def test_the_voices_page_names_only_groups_the_demo_world_made_scarce(store: Engine) -> None:
    at = open_page("voices")
    at.segmented_control(key="v_period").set_value("Everything").run()
    assert not at.exception
    silent = frame_with(at, "region", "group", "expected", without=("local authority", "name"))
    named = {
        (r, f.replace(" ", "_"), g)
        for r, f, g in zip(silent["region"], silent["field"], silent["group"], strict=True)
    }
    scarce = {
        (region, field, group.lower())
        for region, fields in demo.VOICE_GAPS.items()
        for field, groups in fields.items()
        for group, factor in groups.items()
        if factor < 0.5
    }
    assert ("North East", "age_band", "18-24") in named
    assert named <= scarce


def test_a_provider_with_no_recent_voice_is_marked_on_triage_and_its_page(store: Engine) -> None:
    as_of = views.scored_dates(store)[-1]
    silent = voices.no_recent_voice(store, as_of)
    assert not silent.empty
    at = open_page("triage")
    table = at.dataframe[0].value.set_index("provider_id")
    marked = set(table.index[table["voice"] != ""])
    assert marked == set(silent["provider_id"])

    quiet = str(silent["provider_id"].iloc[-1])  # heard once, long ago
    explanation = views.stored_explanation(store, quiet, as_of)
    assert explanation.no_recent_voice.days_silent >= 182
    at = open_page("provider", provider=quiet)
    assert any(w.value.startswith("No recent voice") for w in at.warning)
    heard = next(p for p in table.index if p not in marked and table.loc[p, "comments"] > 0)
    at = open_page("provider", provider=str(heard))
    assert not any(w.value.startswith("No recent voice") for w in at.warning)


def test_the_report_counts_every_comment_received_once(store: Engine) -> None:
    at = open_page("voices")
    report = frame_with(at, "received", "linked", "used")
    as_of = views.scored_dates(store)[-1]
    t = Comment.__table__
    year = (as_of - dt.timedelta(days=365), as_of)
    with store.connect() as conn:
        originals = conn.execute(
            select(t.c.comment_id).where(
                t.c.received_on >= year[0], t.c.received_on <= year[1], t.c.duplicate_of.is_(None)
            )
        ).all()
    assert report["received"].sum() == len(originals)
    assert "listening event" in set(report["channel"])
