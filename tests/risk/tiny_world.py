"""A tiny store with every kind of evidence, each row placed to test one thing.

Three providers, scored on 2026-05-31 and 2026-06-30: A (care home, Camden, scored 60 then
72.5), B (GP practice, Bolton, 30 then 20) and C (hospital, Camden, never scored nor rated).
"""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy.engine import Engine
from sqlmodel import Session

from sources.rollups import rebuild_rollups
from sources.store import (
    Comment,
    EbeNote,
    Incident,
    Inspection,
    Provider,
    RiskScore,
    SafeguardingAlert,
)

AS_OF = dt.date(2026, 6, 30)
BEFORE = dt.date(2026, 5, 31)
HOSTILE = "=HYPERLINK(\"http://x\") <script>alert('x')</script> **staff** shouted at Mum"


def build(engine: Engine) -> None:
    """Fills `engine` with the tiny world."""
    d = dt.date
    rows = [
        Provider(
            provider_id="A",
            name="Acorn House",
            type="care home",
            region="London",
            local_authority="Camden",
            town="Camden Town",
            latitude=51.54,
            longitude=-0.14,
            capacity=40,
            organisation="Acorn Care",
        ),
        Provider(
            provider_id="B",
            name="Bolton Road Surgery",
            type="GP practice",
            region="North West",
            local_authority="Bolton",
            latitude=53.58,
            longitude=-2.43,
        ),
        Provider(
            provider_id="C",
            name="Camden General",
            type="hospital",
            region="London",
            local_authority="Camden",
        ),
        Inspection(
            inspection_id="A1", provider_id="A", published_on=d(2025, 1, 10), overall="Good"
        ),
        Inspection(
            inspection_id="A2",
            provider_id="A",
            published_on=d(2026, 1, 10),
            overall="Requires improvement",
            safe="Inadequate",
        ),
        Inspection(
            inspection_id="B1", provider_id="B", published_on=d(2024, 5, 1), overall="Outstanding"
        ),
        Incident(
            incident_id="i1",
            provider_id="A",
            occurred_on=d(2026, 3, 1),
            harm="severe",
            description="Fall on the stairs",
        ),
        Incident(incident_id="i2", provider_id="A", occurred_on=d(2025, 12, 1), harm="low"),
        Incident(incident_id="i3", provider_id="A", occurred_on=d(2025, 6, 1), harm="none"),
        Incident(incident_id="i4", provider_id="B", occurred_on=d(2026, 5, 5), harm="none"),
        SafeguardingAlert(
            alert_id="s1",
            provider_id="A",
            raised_on=d(2026, 2, 2),
            abuse_type="neglect",
            risk_level="high",
            summary="personal detail",
        ),
        Comment(
            comment_id="c1",
            received_on=d(2026, 4, 1),
            text=HOSTILE,
            provider_id="A",
            channel="web",
            sentiment="negative",
            sentiment_score=-0.8,
            themes="staffing;safe",
            serious=True,
            serious_terms="shouted",
            link_method="given",
        ),
        Comment(
            comment_id="c2",
            received_on=d(2026, 4, 2),
            text=HOSTILE,
            provider_id="A",
            channel="phone",
            sentiment="negative",
            sentiment_score=-0.8,
            themes="staffing;safe",
            serious=True,
            link_method="given",
            duplicate_of="c1",
        ),
        Comment(
            comment_id="c3",
            received_on=d(2026, 5, 1),
            text="Lovely food and kind staff.",
            provider_id="A",
            channel="web",
            sentiment="positive",
            sentiment_score=0.7,
            themes="food_drink;caring",
            link_method="given",
        ),
        Comment(
            comment_id="c4",
            received_on=d(2026, 6, 1),
            text="The receptionist was rude.",
            provider_id="B",
            channel="phone",
            sentiment="negative",
            sentiment_score=-0.5,
            themes="dignity_respect",
            link_method="given",
        ),
        Comment(
            comment_id="c5",
            received_on=d(2026, 6, 3),
            text="ok",
            provider_id="B",
            link_method="given",
        ),
        Comment(
            comment_id="u1",
            received_on=d(2026, 6, 2),
            text="Acorn Hse in Camden left my dad alone all night",
            provider_name="Acorn Hse",
            place="Camden",
            channel="web",
            sentiment="negative",
            serious=True,
            link_method="unlinked",
        ),
        EbeNote(
            note_id="n1",
            provider_id="A",
            visit_on=d(2026, 5, 1),
            text="People waited long for help with meals.",
            sentiment="negative",
            sentiment_score=-0.4,
            themes="food_drink",
            serious=True,
            serious_seen_by="lead",
            serious_seen_at=dt.datetime(2026, 5, 2, tzinfo=dt.UTC),
        ),
    ]
    for provider_id, scores in (("A", (60.0, 72.5)), ("B", (30.0, 20.0))):
        for as_of, score in zip((BEFORE, AS_OF), scores, strict=True):
            band = (
                "low"
                if score < 25
                else "moderate"
                if score < 50
                else "high"
                if score < 70
                else "very high"
            )
            rows.append(
                RiskScore(
                    provider_id=provider_id,
                    as_of=as_of,
                    score=score,
                    band=band,
                    uncertainty=0.3,
                    evidence_count=5,
                    contributions=json.dumps(
                        {"incidents": score * 0.5, "comments": score * 0.3, "ratings": score * 0.2}
                    ),
                )
            )
    with Session(engine) as session:
        # Providers first: PostgreSQL checks nothing here, but the order reads naturally.
        session.add_all(rows)
        session.flush()
        rebuild_rollups(session.connection())  # as a load would, in its transaction
        session.commit()
