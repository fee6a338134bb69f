"""The explanation stored with a score: one typed shape, written and read back unchanged."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from risk import score as S
from risk import views
from risk.indicators import INDICATORS
from sources.store import RiskScore
from tests.risk import risk_world as rw

AS_OF = rw.END
HEAD = {
    "provider_id": "P000",
    "as_of": AS_OF,
    "score": 12.5,
    "band": "low",
    "uncertainty": 0.5,
    "by_source": {"base": 12.5},
}


@pytest.fixture
def scored(engine: Engine) -> Engine:
    rw.build(engine, providers=30, months=24)
    S.score_and_store(engine, AS_OF, history_months=1)
    return engine


def test_every_stored_explanation_reads_back_to_the_same_text(scored: Engine) -> None:
    t = RiskScore.__table__
    with scored.connect() as conn:
        rows = conn.execute(select(t.c.provider_id, t.c.as_of, t.c.explanation)).all()
    assert rows
    for pid, day, text in rows:
        read = S.Explanation.from_json(text, **{**HEAD, "provider_id": pid, "as_of": day})
        assert read.to_json() == text
        assert set(read.by_indicator) == set(INDICATORS)
        # Only the as-of day's explanation holds the indicators and the evidence.
        assert bool(read.indicators) == (str(day)[:10] == AS_OF.isoformat())


def test_the_views_read_the_stored_explanation_with_its_score(scored: Engine) -> None:
    frame = views.triage_frame(scored)
    top = frame.iloc[0]
    read = views.stored_explanation(scored, top["provider_id"], AS_OF)
    assert read is not None
    assert (read.provider_id, read.as_of, read.band) == (top["provider_id"], AS_OF, top["band"])
    assert round(read.score, 1) == top["score"]
    assert sum(read.by_source.values()) == pytest.approx(read.score, abs=1e-3)
    part = read.indicators["inc_severe"]
    assert part.source == "incidents" and part.p_worse is not None and part.alarm is None
    assert read.indicators["inc_cusum"].alarm is not None
    assert all(isinstance(row.date, dt.date) for row in read.evidence)
    table = views.indicator_table(read)
    assert len(table) == len(INDICATORS)
    assert views.stored_explanation(scored, "no such provider", AS_OF) is None


@pytest.mark.parametrize("text", [None, "", "{}", "[1, 2]", "not json"])
def test_an_empty_or_unreadable_explanation_reads_as_empty(text: str | None) -> None:
    read = S.Explanation.from_json(text, **HEAD)
    assert (read.by_indicator, read.indicators, read.evidence, read.themes) == ({}, {}, [], [])
    assert read.no_recent_voice is None and read.uncertainty_notes == []
    assert read.score == 12.5 and read.by_source == {"base": 12.5}
    assert views.indicator_table(read).empty and views.explanation_evidence(read).empty


def test_silence_is_written_with_its_note() -> None:
    silence = S.Silence(last_comment=dt.date(2025, 1, 31), days_silent=515)
    written = S.Explanation(
        **HEAD, by_indicator={}, no_recent_voice=silence, uncertainty_notes=[silence.note]
    )
    read = S.Explanation.from_json(written.to_json(), **HEAD)
    assert read == written
    assert "since 31 January 2025 (515 days)" in read.uncertainty_notes[0]
    never = S.Silence(last_comment=None, days_silent=None)
    assert "from the public ever" in never.note
