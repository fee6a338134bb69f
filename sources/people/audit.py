"""The audit log: who signed in, saw sensitive evidence, exported, linked, loaded.

Append-only: this module only inserts, and a database trigger (sources/store.py) refuses any
UPDATE or DELETE on the table, so not even a bug in the app can rewrite history.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import or_, select
from sqlalchemy.engine import Engine

from sources.store import AuditEvent, utcnow

ACTIONS = (
    "sign_in",
    "sign_in_failed",
    "view_sensitive",
    "export",
    "brief",
    "link",
    "dismiss",
    "mark_seen",
    "mark_seen_historical",
    "mark_used",
    "search",
    "pin",
    "unpin",
    "verdict",
    "weights",
    "load",
    "account",
)


def record(
    engine: Engine,
    username: str,
    action: str,
    target: str | None = None,
    detail: str | None = None,
) -> None:
    """Appends one event to the audit log, stamped now in UTC."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    with engine.begin() as conn:
        conn.execute(
            AuditEvent.__table__.insert().values(
                at=utcnow(), username=username, action=action, target=target, detail=detail
            )
        )


def search(
    engine: Engine,
    username: str | None = None,
    action: str | None = None,
    target: str | None = None,
    since: dt.date | None = None,
    limit: int = 1000,
    until: dt.date | None = None,
    text: str | None = None,
) -> pd.DataFrame:
    """The newest audit events matching every filter given (bound parameters only).

    `since` and `until` are whole days in UTC, both included; `text` is found, ignoring
    case, in the user, target or detail (% and _ in it are literal).
    """
    table = AuditEvent.__table__
    query = select(table).order_by(table.c.id.desc()).limit(limit)
    if username:
        query = query.where(table.c.username == username)
    if action:
        query = query.where(table.c.action == action)
    if target:
        query = query.where(table.c.target == target)
    if since:
        start = dt.datetime.combine(since, dt.time(), tzinfo=dt.UTC)
        query = query.where(table.c.at >= start)
    if until:
        end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
        query = query.where(table.c.at < end)
    if text and text.strip():
        escaped = text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        query = query.where(
            or_(
                *(
                    table.c[column].ilike(pattern, escape="\\")
                    for column in ("username", "target", "detail")
                )
            )
        )
    with engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
    return pd.DataFrame(rows, columns=[c.name for c in table.columns])
