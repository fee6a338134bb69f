"""The store at a glance: its stamp (what changed since a page last read it), what it
holds, the days it was scored, and the history of loads."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import func, literal, select
from sqlalchemy.engine import Engine

from sources.store import EVIDENCE_TABLES, Load, Provider, RiskScore, Scoring, read_frame


def store_stamp(engine: Engine) -> tuple[int, str, int]:
    """(newest load id, "newest scored day/newest scoring id", number of providers): changes
    when data does, a scoring of a day already scored included. The scored day comes first,
    empty when nothing is scored."""
    with engine.connect() as conn:
        load_id = conn.execute(select(func.max(Load.id))).scalar() or 0
        as_of = conn.execute(select(func.max(RiskScore.as_of))).scalar()
        scoring = conn.execute(select(func.max(Scoring.id))).scalar() or 0
        providers = conn.execute(select(func.count()).select_from(Provider)).scalar() or 0
    return int(load_id), f"{as_of}/{scoring}" if as_of else "", int(providers)


def newest_scoring(engine: Engine) -> dict[str, object] | None:
    """The newest scoring recorded (store.Scoring: as_of, days, providers, finished_at),
    or None when none is (nothing scored, or scores written before scorings were kept)."""
    t = Scoring.__table__
    with engine.connect() as conn:
        row = conn.execute(select(t).order_by(t.c.id.desc()).limit(1)).mappings().first()
    return dict(row) if row else None


def provider_count(engine: Engine) -> int:
    """How many providers the store holds (0 means an empty store)."""
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(Provider)).scalar() or 0)


def holds_evidence(engine: Engine) -> bool:
    """True when the store holds any record of any contract file (comments alone count:
    a store with only unlinked comments is not empty, and gets no demo world)."""
    with engine.connect() as conn:
        return any(
            conn.execute(select(literal(1)).select_from(table).limit(1)).first() is not None
            for table in EVIDENCE_TABLES
        )


def scored_dates(engine: Engine) -> list[dt.date]:
    """Every date the store has scores for, oldest first."""
    frame = read_frame(engine, select(RiskScore.as_of).distinct(), ["as_of"])
    dates = pd.to_datetime(frame["as_of"]).dt.date
    return sorted(dates.tolist())


def providers_frame(engine: Engine) -> pd.DataFrame:
    """Every provider with its register columns, one row each."""
    return read_frame(engine, select(Provider.__table__))


def loads_frame(engine: Engine, limit: int = 200) -> pd.DataFrame:
    """The history of loads, newest first."""
    t = Load.__table__
    query = select(t).order_by(t.c.id.desc()).limit(limit)
    frame = read_frame(engine, query)
    for column in ("started_at", "finished_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True, format="ISO8601")
    return frame
