"""The inbox: comments no provider could be matched to, and serious concerns nobody has
marked seen (the writes an inspector makes on them are sources.people.actions')."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from risk.views.frames import parse_dates, split_list
from sources.store import SERIOUS_TEXTS, Comment, Provider, read_frame


def unlinked_comments(engine: Engine, limit: int = 500) -> pd.DataFrame:
    """Comments no provider could be matched to, newest first (link_method 'unlinked')."""
    t = Comment.__table__
    query = (
        select(
            t.c.comment_id,
            t.c.received_on,
            t.c.provider_name,
            t.c.place,
            t.c.channel,
            t.c.serious,
            t.c.text,
        )
        .where(t.c.link_method == "unlinked")
        .order_by(t.c.received_on.desc(), t.c.comment_id)
        .limit(limit)
    )
    frame = parse_dates(read_frame(engine, query), "received_on")
    frame["serious"] = frame["serious"].fillna(False).astype(bool)
    return frame


def as_given(value: object, missing: str) -> str:
    """A name or place as the person wrote it, or `missing` when they gave none (a missing
    string reads from the store as NaN, which would show as "nan")."""
    return value.strip() if isinstance(value, str) and value.strip() else missing


def unlinked_count(engine: Engine) -> int:
    """How many comments wait to be linked."""
    t = Comment.__table__
    with engine.connect() as conn:
        query = select(func.count()).select_from(t).where(t.c.link_method == "unlinked")
        return int(conn.execute(query).scalar() or 0)


def unseen_serious_total(engine: Engine, before: dt.date | None = None) -> int:
    """How many serious concerns (comments, linked or not, and notes) nobody has marked
    seen, or only those dated before `before` (received, or the visit's day); counted from
    the partial indexes sources.store made for them."""
    total = 0
    with engine.connect() as conn:
        for table, _, date_col in SERIOUS_TEXTS.values():
            t = table.__table__
            query = (
                select(func.count())
                .select_from(t)
                .where(t.c.serious.is_(True), t.c.serious_seen_at.is_(None))
            )
            if before is not None:
                query = query.where(t.c[date_col] < before)
            total += int(conn.execute(query).scalar() or 0)
    return total


def unseen_serious(engine: Engine, limit: int = 500) -> pd.DataFrame:
    """Serious concerns nobody has marked seen, newest first: comments and expert notes.

    Columns kind (comment, note), record_id, date, provider_id, name, concern_kinds (a
    list, likeliest first), concern_confidence (0..1), concern_sentence, serious_terms, text.
    """
    p = Provider.__table__
    parts = []
    for kind, (table, id_col, date_col) in SERIOUS_TEXTS.items():
        t = table.__table__
        query = (
            select(
                t.c[id_col].label("record_id"),
                t.c[date_col].label("date"),
                t.c.provider_id,
                p.c.name,
                t.c.concern_kinds,
                t.c.concern_confidence,
                t.c.concern_sentence,
                t.c.serious_terms,
                t.c.text,
            )
            .select_from(t.outerjoin(p, p.c.provider_id == t.c.provider_id))
            .where(t.c.serious.is_(True), t.c.serious_seen_at.is_(None))
            .order_by(t.c[date_col].desc())
            .limit(limit)
        )
        frame = read_frame(engine, query)
        frame.insert(0, "kind", kind)
        parts.append(frame)
    both = parse_dates(pd.concat(parts, ignore_index=True), "date")
    both["concern_kinds"] = both["concern_kinds"].map(split_list)
    both["concern_confidence"] = pd.to_numeric(both["concern_confidence"]).fillna(0.0)
    both["concern_sentence"] = both["concern_sentence"].fillna("")
    return both.sort_values("date", ascending=False).head(limit).reset_index(drop=True)
