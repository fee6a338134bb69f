"""The provider page's verdicts under AppTest: an inspector records what a visit found per
line of enquiry (stored, audited, shown beside the line); a manager gets no form and reads
no note; an admin may record but reads no note either."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from risk import views
from sources.people import access, actions
from sources.store import AuditEvent, Verdict
from tests.pages.apptest import frame_with, open_page
from tests.risk import tiny_world

VISIT = dt.date(2026, 7, 2)


@pytest.fixture
def world(engine: Engine) -> Engine:
    tiny_world.build(engine)
    return engine


def verdict_widgets(at: object) -> list[str]:
    return [w.key for w in at.selectbox if str(w.key).startswith("verdict_")]  # type: ignore[attr-defined]


def lines_table(at: object) -> dict[str, tuple[str, str]]:
    """What the lines of enquiry table shows: the line's first words -> (verdict, note)."""
    table = frame_with(at, "line of enquiry", "verdict", "verdict note")  # type: ignore[arg-type]
    return {
        str(line)[:40]: (str(v), str(n))
        for line, v, n in zip(
            table["line of enquiry"], table["verdict"], table["verdict note"], strict=True
        )
    }


def test_an_inspector_records_the_visits_verdicts_and_sees_them_beside_the_lines(world: Engine):
    at = open_page("provider", "inspector", user="ines", provider="A", section="brief")
    assert "verdict_safe:harm" in verdict_widgets(at)
    at.date_input(key="verdict_visit").set_value(VISIT)
    at.selectbox(key="verdict_safe:harm").select("confirmed")
    at.text_input(key="verdict_note_safe:harm").input("two falls never reviewed")
    at.selectbox(key="verdict_well_led:rating_fall").select("not_looked_at")
    at.button(key="verdict_submit").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert any("Recorded 2 verdict(s)" in s.value for s in at.success)
    stored = views.last_verdicts(world, "A").set_index("enquiry_key")
    assert stored.loc["safe:harm", ["verdict", "note", "recorded_by", "source"]].tolist() == [
        "confirmed",
        "two falls never reviewed",
        "ines",
        "app",
    ]
    assert stored.loc["well_led:rating_fall", "verdict"] == "not_looked_at"
    with world.connect() as conn:
        details = conn.execute(
            select(AuditEvent.username, AuditEvent.detail).where(AuditEvent.action == "verdict")
        ).all()
    assert sorted(tuple(d) for d in details) == [
        ("ines", "2026-07-02 safe:harm: confirmed"),
        ("ines", "2026-07-02 well_led:rating_fall: not_looked_at"),
    ]
    shown = lines_table(at)
    harm = next(v for line, v in shown.items() if "moderate harm or worse" in line)
    assert harm == ("confirmed", "two falls never reviewed")
    fall = next(v for line, v in shown.items() if line.startswith("The rating fell"))
    assert fall == ("not looked at", "")
    assert any("the visit on 02 July 2026 found" in c.value for c in at.caption)


def test_a_manager_gets_no_form_and_reads_the_verdicts_without_their_notes(world: Engine):
    actions.record_verdicts(
        world, "A", VISIT, [actions.Answer("safe:harm", "confirmed", "Mrs X fell twice")], "ines"
    )
    at = open_page("provider", "manager", user="mo", provider="A", section="brief")
    assert verdict_widgets(at) == []
    assert not [b for b in at.button if b.key == "verdict_submit"]
    harm = next(v for line, v in lines_table(at).items() if "moderate harm or worse" in line)
    assert harm == ("confirmed", access.REDACTED)


def test_an_admin_may_record_but_reads_no_note(world: Engine):
    actions.record_verdicts(
        world, "A", VISIT, [actions.Answer("safe:harm", "not_found", "Mrs X is fine")], "ines"
    )
    at = open_page("provider", "admin", user="ada", provider="A", section="brief")
    assert "verdict_safe:harm" in verdict_widgets(at)
    harm = next(v for line, v in lines_table(at).items() if "moderate harm or worse" in line)
    assert harm == ("not found", access.REDACTED)


def test_submitting_with_no_line_answered_writes_nothing(world: Engine):
    at = open_page("provider", "inspector", user="ines", provider="A", section="brief")
    at.button(key="verdict_submit").click().run()
    assert any("at least one line" in w.value for w in at.warning)
    assert views.last_verdicts(world, "A").empty


def test_a_role_that_lost_the_right_after_the_form_was_drawn_writes_nothing(world: Engine):
    at = open_page("provider", "inspector", user="ines", provider="A", section="brief")
    at.selectbox(key="verdict_safe:harm").select("confirmed")
    at.session_state["role"] = "manager"
    at.button(key="verdict_submit").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert views.last_verdicts(world, "A").empty
    assert verdict_widgets(at) == []


def test_the_form_keeps_what_was_behind_each_line_for_learning(world: Engine):
    at = open_page("provider", "inspector", user="ines", provider="A", section="brief")
    at.date_input(key="verdict_visit").set_value(VISIT)
    at.selectbox(key="verdict_safe:harm").select("confirmed")
    at.button(key="verdict_submit").click().run()
    with world.connect() as conn:
        row = conn.execute(select(Verdict.indicators, Verdict.concern_kinds)).one()
    assert row.indicators == "inc_severe;inc_moderate;inc_cusum" and row.concern_kinds is None
