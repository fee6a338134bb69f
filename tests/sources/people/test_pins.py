"""Pinning a search result to a provider's visit brief: who, when, audited, shown in the
brief as the reader's role may read it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from risk import brief, views
from sources.load import load_folder
from sources.people import actions
from sources.store import AuditEvent
from tests.sources.search.world import write_world


@pytest.fixture
def world(engine: Engine, tmp_path: Path) -> Engine:
    assert load_folder(engine, write_world(tmp_path / "world")).ok
    return engine


def events(engine: Engine) -> list[tuple[str, str, str, str]]:
    with engine.connect() as conn:
        query = select(AuditEvent.username, AuditEvent.action, AuditEvent.target, AuditEvent.detail)
        rows = conn.execute(query.where(AuditEvent.action.in_(["pin", "unpin"]))).all()
    return [tuple(r) for r in rows]


def test_a_pin_is_stored_with_who_and_when_and_audited(world: Engine):
    before = dt.datetime.now(dt.UTC)
    assert actions.pin_to_brief(world, "P1", "comment", "C1", "ines", "ask about nights")
    pins = views.brief_pins(world, "P1")
    assert list(pins["record_id"]) == ["C1"] and list(pins["pinned_by"]) == ["ines"]
    assert pins.loc[0, "reason"] == "ask about nights"
    assert pins.loc[0, "text"].startswith("The night staff never answered")
    assert pd_ts(pins.loc[0, "pinned_at"]) >= before - dt.timedelta(seconds=1)
    assert events(world) == [("ines", "pin", "comment:C1", "P1")]


def pd_ts(value: object) -> dt.datetime:
    stamp = pd.Timestamp(value)
    return (stamp if stamp.tzinfo else stamp.tz_localize("UTC")).to_pydatetime()


def test_pinning_twice_is_one_pin(world: Engine):
    assert actions.pin_to_brief(world, "P1", "note", "N1", "ines")
    assert not actions.pin_to_brief(world, "P1", "note", "N1", "ines")
    assert len(views.brief_pins(world, "P1")) == 1
    assert len(events(world)) == 1


@pytest.mark.parametrize(
    ("provider", "kind", "record", "message"),
    [
        ("P2", "comment", "C1", "not about provider P2"),
        ("P1", "comment", "C404", "no comment 'C404'"),
        ("P1", "rating", "C1", "kind must be one of"),
    ],
)
def test_a_pin_that_cannot_be_is_refused_and_writes_nothing(
    world: Engine, provider: str, kind: str, record: str, message: str
):
    with pytest.raises(actions.PinError, match=message):
        actions.pin_to_brief(world, provider, kind, record, "ines")
    assert views.brief_pins(world, provider).empty and events(world) == []


def test_a_long_reason_is_refused(world: Engine):
    with pytest.raises(actions.PinError, match="limited"):
        actions.pin_to_brief(world, "P1", "comment", "C1", "ines", "x" * (actions.MAX_REASON + 1))


def test_unpinning_takes_it_off_the_brief_and_keeps_the_record(world: Engine):
    actions.pin_to_brief(world, "P1", "comment", "C1", "ines")
    assert actions.unpin_from_brief(world, "P1", "comment", "C1", "ines")
    assert not actions.unpin_from_brief(world, "P1", "comment", "C1", "ines")
    assert views.brief_pins(world, "P1").empty
    assert [e[1] for e in events(world)] == ["pin", "unpin"]
    assert actions.pin_to_brief(world, "P1", "comment", "C1", "ines")  # may be pinned again


def test_the_brief_shows_pins_and_an_alert_summary_only_to_an_inspector(world: Engine):
    actions.pin_to_brief(world, "P1", "alert", "A1", "ines", "raise with the manager")
    actions.pin_to_brief(world, "P1", "incident", "I1", "ines")
    day = dt.date(2025, 12, 31)
    for_inspector = brief.build_brief(world, "P1", day, "inspector")
    for_manager = brief.build_brief(world, "P1", day, "manager")
    lines = [p.line for p in for_inspector.pinned]
    assert "found on the floor" in lines[0] and "raise with the manager" in lines[0]
    assert "fell from bed" in lines[1]
    assert "found on the floor" not in " ".join(p.line for p in for_manager.pinned)
    assert "neglect" in for_manager.pinned[0].line
    html = brief.brief_html(for_inspector)
    assert "Pinned to bring up on the visit" in html and "found on the floor" in html
    assert b"%PDF" in brief.brief_pdf(for_inspector)[:8]
