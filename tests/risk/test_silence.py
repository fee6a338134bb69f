"""Silence as a signal: a provider nobody has written about for months is flagged in its
score's uncertainty, and the silence never lowers its score."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import delete, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from risk import score
from sources.rollups import rebuild_rollups
from sources.store import Comment, Provider, RiskScore

AS_OF = dt.date(2026, 6, 30)
SILENT = "G09"


def build(engine: Engine) -> None:
    """Ten GP practices hearing from people every month for two years; one in four comments
    is negative, except at SILENT, whose comments are all neutral."""
    with Session(engine) as s:
        for i in range(10):
            pid = f"G{i:02d}"
            s.add(Provider(provider_id=pid, name=f"Practice {i}", type="gp_practice", capacity=50))
            for month in range(24):
                for k in range(2):
                    day = AS_OF - dt.timedelta(days=30 * month + 7 * k + i)
                    negative = pid != SILENT and (month * 2 + k) % 4 == 0
                    s.add(
                        Comment(
                            comment_id=f"{pid}-{month}-{k}",
                            provider_id=pid,
                            received_on=day,
                            text="The practice",
                            sentiment="negative" if negative else "neutral",
                            sentiment_score=-0.6 if negative else 0.0,
                            link_method="given",
                        )
                    )
        s.flush()
        rebuild_rollups(s.connection())  # as a load would, in its transaction
        s.commit()


def stored(engine: Engine, provider_id: str) -> tuple[float, float, dict]:
    t = RiskScore.__table__
    query = select(t.c.score, t.c.uncertainty, t.c.explanation).where(
        t.c.provider_id == provider_id, t.c.as_of == AS_OF
    )
    with engine.connect() as conn:
        row = conn.execute(query).one()
    return float(row.score), float(row.uncertainty), json.loads(row.explanation)


def test_a_silent_provider_is_flagged_and_its_score_not_lowered(engine: Engine) -> None:
    build(engine)
    score.score_and_store(engine, as_of=AS_OF, history_months=0)
    heard_score, _, heard = stored(engine, SILENT)
    assert "no_recent_voice" not in heard and "uncertainty_notes" not in heard

    # The same provider when nobody has written about it for over a year.
    with engine.begin() as conn:
        conn.execute(
            delete(Comment).where(
                Comment.provider_id == SILENT,  # type: ignore[arg-type]
                Comment.received_on > AS_OF - dt.timedelta(days=400),  # type: ignore[arg-type]
            )
        )
        rebuild_rollups(conn)
    score.score_and_store(engine, as_of=AS_OF, history_months=0)
    silent_score, _, silent = stored(engine, SILENT)
    assert silent["no_recent_voice"]["days_silent"] > 365
    assert silent["uncertainty_notes"][0].startswith("No recent voice")
    assert silent_score >= heard_score
    # Its peers, still heard from, carry no such note.
    assert "no_recent_voice" not in stored(engine, "G00")[2]
    explained = score.explain_provider(engine, SILENT, AS_OF)
    assert explained.uncertainty_notes == silent["uncertainty_notes"]


def test_a_provider_never_heard_from_is_flagged_and_its_comments_part_is_neutral(
    engine: Engine,
) -> None:
    build(engine)
    with engine.begin() as conn:
        conn.execute(delete(Comment).where(Comment.provider_id == SILENT))  # type: ignore[arg-type]
        rebuild_rollups(conn)  # as the store's own writers recount
    score.score_and_store(engine, as_of=AS_OF, history_months=0)
    _, _, silent = stored(engine, SILENT)
    assert silent["no_recent_voice"] == {"last_comment": None, "days_silent": None}
    assert "ever" in silent["uncertainty_notes"][0]
    t = RiskScore.__table__
    with engine.connect() as conn:
        parts = conn.execute(
            select(t.c.contributions).where(t.c.provider_id == SILENT, t.c.as_of == AS_OF)
        ).scalar_one()
    assert json.loads(parts)["comments"] == 0.0


def test_the_visit_brief_says_no_recent_voice(engine: Engine) -> None:
    from risk import brief

    build(engine)
    with engine.begin() as conn:
        conn.execute(delete(Comment).where(Comment.provider_id == SILENT))  # type: ignore[arg-type]
        rebuild_rollups(conn)  # as the store's own writers recount
    score.score_and_store(engine, as_of=AS_OF, history_months=0)
    silent = brief.build_brief(engine, SILENT, AS_OF, role="inspector")
    assert silent.uncertainty_notes and silent.uncertainty_notes[0].startswith("No recent voice")
    assert "No recent voice" in brief.brief_html(silent)
    heard = brief.build_brief(engine, "G00", AS_OF, role="inspector")
    assert heard.uncertainty_notes == []
    assert "No recent voice" not in brief.brief_html(heard)
