"""Inspectors' verdicts after a visit: stored with who and when, audited, one per visit and
line (the same again changes nothing, a different one replaces it), refused when wrong."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from risk import views
from sources.contract import ENQUIRY_KEYS, MAX_VERDICT_NOTE
from sources.people import actions
from sources.store import AuditEvent, Verdict
from tests.risk import tiny_world

VISIT = dt.date(2026, 7, 2)
TODAY = dt.date(2026, 7, 3)


@pytest.fixture
def world(engine: Engine) -> Engine:
    tiny_world.build(engine)
    return engine


def audited(engine: Engine) -> list[tuple[str, str, str]]:
    with engine.connect() as conn:
        query = select(AuditEvent.username, AuditEvent.target, AuditEvent.detail)
        rows = conn.execute(query.where(AuditEvent.action == "verdict").order_by(AuditEvent.id))
        return [tuple(r) for r in rows.all()]


def stored(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(Verdict)).scalar_one())


def record(engine: Engine, *answers: actions.Answer, by: str = "ines", on: dt.date = VISIT) -> int:
    return actions.record_verdicts(engine, "A", on, list(answers), by, today=TODAY)


def test_a_verdict_is_stored_with_who_when_and_what_was_behind_the_line(world: Engine):
    before = dt.datetime.now(dt.UTC)
    answer = actions.Answer(
        "safe:harm", "confirmed", "  falls not investigated ", ("inc_severe",), ("falls",)
    )
    assert record(world, answer, actions.Answer("caring:voices", "not_found")) == 2
    found = views.last_verdicts(world, "A").set_index("enquiry_key")
    assert found.loc["safe:harm", "verdict"] == "confirmed"
    assert found.loc["safe:harm", "note"] == "falls not investigated"
    assert found.loc["caring:voices", "note"] is None
    assert set(found["recorded_by"]) == {"ines"} and set(found["source"]) == {"app"}
    assert (found["recorded_at"] >= pd.Timestamp(before) - pd.Timedelta(seconds=1)).all()
    assert set(found["visit_on"]) == {VISIT}
    with world.connect() as conn:
        row = conn.execute(select(Verdict).where(Verdict.enquiry_key == "safe:harm")).one()
    assert row.verdict_id == "A:2026-07-02:safe:harm"
    assert (row.indicators, row.concern_kinds) == ("inc_severe", "falls")


def test_each_verdict_is_audited_without_its_note(world: Engine):
    record(world, actions.Answer("safe:harm", "confirmed", "Mrs X fell twice"))
    assert audited(world) == [("ines", "A", "2026-07-02 safe:harm: confirmed")]


def test_the_same_verdict_again_changes_nothing_and_is_not_audited_again(world: Engine):
    answer = actions.Answer("safe:harm", "confirmed", "seen")
    assert record(world, answer) == 1
    first = views.last_verdicts(world, "A")
    assert record(world, answer, by="someone else") == 0
    assert not actions.record_verdict(world, "A", VISIT, "safe:harm", "confirmed", "x", "seen")
    pd.testing.assert_frame_equal(views.last_verdicts(world, "A"), first)
    assert len(audited(world)) == 1


def test_a_different_verdict_for_the_same_visit_and_line_replaces_it(world: Engine):
    record(world, actions.Answer("safe:harm", "not_looked_at"))
    assert record(world, actions.Answer("safe:harm", "confirmed", "on second look"), by="jo") == 1
    found = views.last_verdicts(world, "A")
    assert found[["verdict", "note", "recorded_by"]].values.tolist() == [
        ["confirmed", "on second look", "jo"]
    ]
    assert stored(world) == 1
    assert audited(world)[-1] == ("jo", "A", "2026-07-02 safe:harm: confirmed (was not_looked_at)")


def test_the_page_reads_the_last_visits_verdicts_only(world: Engine):
    record(world, actions.Answer("safe:harm", "confirmed"), on=dt.date(2026, 1, 5))
    record(world, actions.Answer("caring:voices", "not_found"))
    found = views.last_verdicts(world, "A")
    assert found[["enquiry_key", "verdict"]].values.tolist() == [["caring:voices", "not_found"]]
    assert views.last_verdicts(world, "B").empty


@pytest.mark.parametrize(
    ("provider", "answers", "visit", "message"),
    [
        ("A", [("safe:harm", "maybe", "")], VISIT, "verdict must be one of confirmed, not_found"),
        ("A", [("safe:nonsense", "confirmed", "")], VISIT, "no line of enquiry 'safe:nonsense'"),
        ("A", [("caring:harm", "confirmed", "")], VISIT, "no line of enquiry 'caring:harm'"),
        (
            "A",
            [("safe:harm", "confirmed", "x" * (MAX_VERDICT_NOTE + 1))],
            VISIT,
            f"limited to {MAX_VERDICT_NOTE} characters",
        ),
        ("Z", [("safe:harm", "confirmed", "")], VISIT, "no provider 'Z'"),
        ("A", [("safe:harm", "confirmed", "")], dt.date(2026, 7, 4), "is after today"),
        (
            "A",
            [
                ("caring:voices", "confirmed", ""),
                ("safe:harm", "confirmed", ""),
                ("safe:harm", "not_found", ""),
            ],
            VISIT,
            "answered once per visit",
        ),
    ],
)
def test_a_verdict_that_cannot_be_is_refused_and_nothing_is_written(
    world: Engine,
    provider: str,
    answers: list[tuple[str, str, str]],
    visit: dt.date,
    message: str,
):
    given = [actions.Answer(*a) for a in answers]
    with pytest.raises(actions.VerdictError, match=message):
        actions.record_verdicts(world, provider, visit, given, "ines", today=TODAY)
    assert stored(world) == 0 and audited(world) == []


def test_a_note_of_exactly_the_limit_is_kept(world: Engine):
    record(world, actions.Answer("safe:harm", "confirmed", "x" * MAX_VERDICT_NOTE))
    assert len(views.last_verdicts(world, "A")["note"].iloc[0]) == MAX_VERDICT_NOTE


def test_every_key_names_a_key_question_and_a_kind_of_line():
    assert "safe:harm" in ENQUIRY_KEYS and "well_led:voices" in ENQUIRY_KEYS
    assert "caring:harm" not in ENQUIRY_KEYS and len(set(ENQUIRY_KEYS)) == len(ENQUIRY_KEYS)
