"""What we did with people's words: "you said, we did", read from the use marks.

People keep speaking only when they see their words were used. An inspector marks a
comment, note or alert as used (in an inspection, a list of lines of enquiry, a
safeguarding referral) with a short outcome (sources.people.actions.mark_used, the one
writer); the report counts, per period and channel, what was received, linked to a
provider, used, and what came of it. Read-only.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from sources.store import USES, Comment, Provider, UseMark


def used_for_provider(engine: Engine, provider_id: str) -> pd.DataFrame:
    """Every use made of a provider's evidence, newest first."""
    table = UseMark.__table__
    query = (
        select(table)
        .where(table.c.provider_id == provider_id)
        .order_by(table.c.used_at.desc(), table.c.id.desc())
    )
    with engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
    return pd.DataFrame(rows, columns=[c.name for c in table.columns])


def you_said_we_did(
    engine: Engine,
    start: dt.date,
    end: dt.date,
    freq: str = "QE",
    region: str | None = None,
) -> pd.DataFrame:
    """Per period and channel: comments received, linked to a provider, used, and outcomes.

    Counts comments received in [start, end]; a comment counts as used when any mark names
    it (whenever the mark was made), and copies of one concern count once. `freq` is a
    pandas period alias (QE quarters, ME months). With a `region`, only comments linked to
    its providers count (so received equals linked). Columns: period, channel, received,
    linked, used, with_outcome (used, and the mark says what came of it), then one column
    per use in USES (comments used that way).
    """
    c = Comment.__table__
    m = UseMark.__table__
    uses = (
        select(
            m.c.record_id,
            func.count().label("uses"),
            func.count(m.c.outcome).label("outcomes"),
        )
        .where(m.c.kind == "comment")
        .group_by(m.c.record_id)
        .subquery()
    )
    query = (
        select(
            c.c.comment_id,
            c.c.received_on,
            c.c.channel,
            c.c.provider_id,
            c.c.duplicate_of,
            uses.c.uses,
            uses.c.outcomes,
        )
        .select_from(c.outerjoin(uses, uses.c.record_id == c.c.comment_id))
        .where(c.c.received_on >= start, c.c.received_on <= end)
    )
    if region is not None:
        p = Provider.__table__
        query = query.where(
            c.c.provider_id.in_(select(p.c.provider_id).where(p.c.region == region))
        )
    purposes = select(m.c.record_id, m.c.used_for).where(m.c.kind == "comment").distinct()
    with engine.connect() as conn:
        frame = pd.DataFrame(conn.execute(query).all(), columns=list(query.selected_columns.keys()))
        marked = pd.DataFrame(conn.execute(purposes).all(), columns=["record_id", "used_for"])
    columns = ["period", "channel", "received", "linked", "used", "with_outcome", *USES]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    frame = frame[frame["duplicate_of"].isna()]
    frame["period"] = (
        pd.to_datetime(frame["received_on"]).dt.to_period(freq.rstrip("E")).astype(str)
    )
    frame["channel"] = frame["channel"].fillna("unknown")
    frame["linked"] = frame["provider_id"].notna()
    frame["used"] = frame["uses"].fillna(0) > 0
    frame["with_outcome"] = frame["outcomes"].fillna(0) > 0
    for use in USES:
        frame[use] = frame["comment_id"].isin(marked.loc[marked["used_for"] == use, "record_id"])
    report = (
        frame.groupby(["period", "channel"])
        .agg(
            received=("linked", "size"),
            linked=("linked", "sum"),
            used=("used", "sum"),
            with_outcome=("with_outcome", "sum"),
            **{use: (use, "sum") for use in USES},
        )
        .reset_index()
    )
    return report[columns].astype(dict.fromkeys(columns[2:], int))


def uses_between(
    engine: Engine, start: dt.date, end: dt.date, region: str | None = None
) -> pd.DataFrame:
    """Every mark made in [start, end] (UTC days), newest first, with its provider's name.

    Columns: used_at, kind, record_id, provider_id, name, region, used_for, outcome, used_by.
    """
    m, p = UseMark.__table__, Provider.__table__
    first = dt.datetime.combine(start, dt.time(), tzinfo=dt.UTC)
    after = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    query = (
        select(
            m.c.used_at,
            m.c.kind,
            m.c.record_id,
            m.c.provider_id,
            p.c.name,
            p.c.region,
            m.c.used_for,
            m.c.outcome,
            m.c.used_by,
        )
        .select_from(m.outerjoin(p, p.c.provider_id == m.c.provider_id))
        .where(m.c.used_at >= first, m.c.used_at < after)
        .order_by(m.c.used_at.desc(), m.c.id.desc())
    )
    if region is not None:
        query = query.where(p.c.region == region)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return pd.DataFrame(rows, columns=list(query.selected_columns.keys()))
