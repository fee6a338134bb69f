"""The explanation stored with a score: one typed shape, written and read back unchanged."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy import text as sa_text
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


def test_the_stored_texts_are_those_of_each_rows_explanation(engine: Engine) -> None:
    world = rw.build(engine, providers=30, months=24)
    # A provider nobody has written to lately: its explanation carries the silence note.
    with engine.begin() as conn:
        conn.execute(sa_text("DELETE FROM comment WHERE provider_id = :p"), {"p": world.ids[0]})
    frame = S.score_providers(engine, AS_OF)
    detail = S._as_of_detail(S._detail_reads(engine, AS_OF), frame)
    assert detail.evidence and detail.themes and detail.silence
    rows = list(frame.itertuples(index=False))
    for day, held in ((AS_OF, detail), (dt.date(2026, 5, 31), None)):
        one_by_one = [S._explanation_of(row, day, held) for row in rows]
        assert S.explanations_json(frame, held) == [e.to_json() for e in one_by_one]
        assert S.contributions_json(frame) == [json.dumps(e.by_source) for e in one_by_one]


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_rounding_a_column_is_pythons_round(value: float) -> None:
    # Halves at the fourth decimal and their neighbours are where NumPy's rounding slips.
    half = (np.floor(value * 1e4) + 0.5) / 1e4 if np.isfinite(value) else value
    near = [half, np.nextafter(half, np.inf), np.nextafter(half, -np.inf)]
    values = np.array([value, -value, *near], dtype=float)
    expected = [round(float(v), 4) for v in values]
    got = S.rounded(values).tolist()
    assert [repr(v) for v in got] == [repr(v) for v in expected]
