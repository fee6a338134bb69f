"""Monthly rollups of the evidence the score counts, kept equal to a recount of the raw rows.

Scoring reads evidence per provider and month (risk/indicators.py). Reading it from every
raw incident, alert and comment each time costs a GROUP BY over millions of rows; these
tables hold the same counts, one row per provider and month, and are kept in step with the
raw tables by whoever writes them, inside the writer's own transaction:
- the loader (sources/load/run.py) recounts the months its rows were in before the write
  and are in after it (a reloaded row may move provider or date);
- the inbox (sources/people/actions.py) recounts a comment's month when a person links or
  dismisses it, and sources/duplicates.py when a copy is marked or unmarked;
- make_engine builds them once for a store made before they existed (`ensure_rollups`).
Anything else that writes incidents, alerts or comments must call `refresh_rollups` (the
keys it touched) or `rebuild_rollups` (everything) in its transaction, or the score will
not see what it wrote.

The rollups hold plain counts by category (harm; abuse type and risk level; tone, stars,
seriousness), never the score's weights: weights are risk/'s (risk/weights.py), and a new
weight must not need a rebuild. Each recount is one SQL statement per table, from the raw
rows, so a refused load (rolled back) leaves the rollups as they were and a reload of the
same files recounts the same numbers.

May import: sqlalchemy, sqlmodel, numpy and pandas, nothing of Carelens (sources.store
imports this module, to create the tables with the others).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Field, SQLModel

# A change to what the rollups hold bumps this: make_engine then rebuilds them once.
ROLLUP_VERSION = 1
HARMS: tuple[str, ...] = ("none", "low", "moderate", "severe", "death")  # contract.HARMS
STARS: tuple[int, ...] = (1, 2, 3, 4, 5)  # stars_1 counts 1 or fewer, stars_5 5 or more
KEY_CHUNK = 5_000  # keys recounted one by one at most, before a count decides
CHUNK_ROWS = 20_000  # rows per executemany into a temporary table
SQLITE_CACHE_KIB = 256 * 1024  # page cache while recounting whole tables (as the loader's)
SQLITE_DEFAULT_CACHE = -2000  # SQLite's own default (2 MB)
# A recount touching at least this share of a rollup's keys recounts the whole table:
# one GROUP BY over the raw rows beats as many index probes as there are keys.
FULL_SHARE = 0.5


def _key(primary: bool = True) -> object:
    return Field(primary_key=primary, sa_column_kwargs={"autoincrement": False})


class IncidentMonth(SQLModel, table=True):
    """Incidents per provider, month occurred and month visible (reported), by harm."""

    provider_id: str = Field(primary_key=True)
    month: int = _key()  # months since year 0 of occurred_on (risk.indicators.month_index)
    visible: int = _key()  # the same of COALESCE(reported_on, occurred_on)
    n: int = 0  # every incident, whatever its harm
    n_none: int = 0
    n_low: int = 0
    n_moderate: int = 0
    n_severe: int = 0
    n_death: int = 0


class AlertMonth(SQLModel, table=True):
    """Safeguarding alerts per provider and month raised, by abuse type and risk level."""

    provider_id: str = Field(primary_key=True)
    month: int = _key()
    abuse_type: str = Field(primary_key=True)
    risk_level: str = Field(primary_key=True)
    n: int = 0


class CommentMonth(SQLModel, table=True):
    """Linked comments that are no copy of another, per provider and month received."""

    provider_id: str = Field(primary_key=True)
    month: int = _key()
    n: int = 0
    negative: int = 0  # read as negative
    serious: int = 0  # a serious concern
    rated: int = 0  # with a star rating
    stars_1: int = 0  # rated 1 star or fewer
    stars_2: int = 0
    stars_3: int = 0
    stars_4: int = 0
    stars_5: int = 0  # rated 5 stars or more
    unread_1: int = 0  # no reading of the text, rated 1 star or fewer
    unread_2: int = 0
    unread_3: int = 0
    unread_4: int = 0
    unread_5: int = 0


class RollupBuild(SQLModel, table=True):
    """That the rollups of version `version` were built from the raw tables (ensure_rollups)."""

    version: int = _key()
    built_at: dt.datetime


def month_sql(dialect: str, column: str) -> str:
    """SQL for the months since year 0 of a date column (January 2026 is 2026 * 12)."""
    if dialect == "sqlite":  # dates are ISO text there
        return (
            f"(CAST(substr({column}, 1, 4) AS INTEGER) * 12 "
            f"+ CAST(substr({column}, 6, 2) AS INTEGER) - 1)"
        )
    return (
        f"(CAST(EXTRACT(YEAR FROM {column}) AS INTEGER) * 12 "
        f"+ CAST(EXTRACT(MONTH FROM {column}) AS INTEGER) - 1)"
    )


def month_of(day: dt.date) -> int:
    """Months since year 0 of `day`, as month_sql counts them."""
    return day.year * 12 + day.month - 1


def month_start(month: int) -> dt.date:
    """The first day of month `month` (see month_of)."""
    return dt.date(month // 12, month % 12 + 1, 1)


def _sum_when(condition: str) -> str:
    return f"SUM(CASE WHEN {condition} THEN 1 ELSE 0 END)"


@dataclass(frozen=True)
class _Rollup:
    """How one rollup table is counted from its raw table."""

    raw: str  # the raw table
    id_column: str
    date: str  # the raw date column whose month is the rollup's `month`
    table: str  # the rollup table
    keys: tuple[str, ...]  # the rollup's key columns, provider_id and month first
    counts: tuple[str, ...]  # its count columns
    where: str  # which raw rows count, as SQL on alias r ("1=1" for all)

    def selects(self, dialect: str) -> list[str]:
        """SQL for each key and count column, on raw alias r, in keys + counts order."""
        month = month_sql(dialect, f"r.{self.date}")
        if self.raw == "incident":
            visible = month_sql(dialect, "COALESCE(r.reported_on, r.occurred_on)")
            harms = [_sum_when(f"r.harm = '{h}'") for h in HARMS]
            return ["r.provider_id", month, visible, "COUNT(*)", *harms]
        if self.raw == "safeguardingalert":
            return ["r.provider_id", month, "r.abuse_type", "r.risk_level", "COUNT(*)"]
        unread = "r.sentiment IS NULL AND "
        stars = ["r.rating <= 1", "r.rating = 2", "r.rating = 3", "r.rating = 4", "r.rating >= 5"]
        return [
            "r.provider_id",
            month,
            "COUNT(*)",
            _sum_when("r.sentiment = 'negative'"),
            _sum_when("r.serious"),
            _sum_when("r.rating IS NOT NULL"),
            *(_sum_when(s) for s in stars),
            *(_sum_when(unread + s) for s in stars),
        ]


ROLLUPS: dict[str, _Rollup] = {
    "incident": _Rollup(
        "incident",
        "incident_id",
        "occurred_on",
        "incidentmonth",
        ("provider_id", "month", "visible"),
        ("n", *(f"n_{h}" for h in HARMS)),
        "1=1",
    ),
    "safeguardingalert": _Rollup(
        "safeguardingalert",
        "alert_id",
        "raised_on",
        "alertmonth",
        ("provider_id", "month", "abuse_type", "risk_level"),
        ("n",),
        "1=1",
    ),
    "comment": _Rollup(
        "comment",
        "comment_id",
        "received_on",
        "commentmonth",
        ("provider_id", "month"),
        (
            "n",
            "negative",
            "serious",
            "rated",
            *(f"stars_{k}" for k in STARS),
            *(f"unread_{k}" for k in STARS),
        ),
        # What the score counts: a comment about a known provider, copies counted once.
        "r.provider_id IS NOT NULL AND r.duplicate_of IS NULL",
    ),
}
Key = tuple[str, int]  # (provider_id, month)
_KEYS = "carelens_rollup_keys"
_IDS = "carelens_rollup_ids"
_LOCK_ID = 19_0001  # the advisory lock of rollup recounts (PostgreSQL)


def _recount_sql(rollup: _Rollup, dialect: str, keyed: bool) -> str:
    columns = ", ".join((*rollup.keys, *rollup.counts))
    selects = rollup.selects(dialect)
    source = f"{rollup.raw} r"
    where = rollup.where
    if keyed:
        # Each key is a provider and a date range, so the raw provider-and-date index serves;
        # CROSS JOIN keeps SQLite's planner from scanning the raw table instead.
        source = f"{_KEYS} k CROSS JOIN {rollup.raw} r"
        where += (
            f" AND r.provider_id = k.provider_id "
            f"AND r.{rollup.date} >= k.start AND r.{rollup.date} < k.stop"
        )
    group = ", ".join(str(i + 1) for i in range(len(rollup.keys)))
    return (
        f"INSERT INTO {rollup.table} ({columns}) SELECT {', '.join(selects)} "
        f"FROM {source} WHERE {where} GROUP BY {group}"
    )


def rebuild_rollups(conn: Connection, raw_tables: Iterable[str] = tuple(ROLLUPS)) -> None:
    """Recounts the rollups of `raw_tables` (default all three) from every raw row."""
    _lock(conn)
    sqlite = conn.dialect.name == "sqlite"
    if sqlite:  # a whole table read through SQLite's default 2 MB cache re-reads its pages
        conn.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    for raw in raw_tables:
        rollup = ROLLUPS[raw]
        conn.exec_driver_sql(f"DELETE FROM {rollup.table}")
        conn.exec_driver_sql(_recount_sql(rollup, conn.dialect.name, keyed=False))
    if sqlite:  # the connection goes back to the pool
        conn.exec_driver_sql(f"PRAGMA cache_size={SQLITE_DEFAULT_CACHE}")


def _lock(conn: Connection) -> None:
    """Serialises recounts until the transaction ends. SQLite has one writer at a time
    anyway; on PostgreSQL two recounts of one key at once would both insert its row."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_LOCK_ID})")


def refresh_rollups(conn: Connection, raw_table: str, keys: Iterable[Key] | None) -> None:
    """Recounts the rollup rows of `raw_table` for the (provider_id, month) `keys` from the
    raw rows, in `conn`'s transaction; keys with no raw rows left lose their rollup rows.
    None recounts the whole table (see stored_keys)."""
    if keys is None:
        rebuild_rollups(conn, [raw_table])
        return
    rollup = ROLLUPS[raw_table]
    wanted = sorted({(p, int(m)) for p, m in keys if p is not None})
    if not wanted:
        return
    _lock(conn)
    if len(wanted) > KEY_CHUNK:
        stored = conn.exec_driver_sql(
            f"SELECT COUNT(*) FROM (SELECT DISTINCT provider_id, month FROM {rollup.table}) s"
        ).scalar_one()
        if len(wanted) >= FULL_SHARE * int(stored):
            rebuild_rollups(conn, [raw_table])
            return
    _fill_keys(conn, wanted)
    # A row-value IN: each key finds its rows through the rollup's primary key.
    conn.exec_driver_sql(
        f"DELETE FROM {rollup.table} WHERE (provider_id, month) IN "
        f"(SELECT provider_id, month FROM {_KEYS})"
    )
    conn.exec_driver_sql(_recount_sql(rollup, conn.dialect.name, keyed=True))


def _temp_table(conn: Connection, name: str, columns: str) -> None:
    """Creates (once per connection or transaction) and empties a temporary table."""
    # SQLite keeps a temporary table with the connection; PostgreSQL drops it at commit.
    suffix = "" if conn.dialect.name == "sqlite" else " ON COMMIT DROP"
    conn.exec_driver_sql(f"CREATE TEMP TABLE IF NOT EXISTS {name} ({columns}){suffix}")
    conn.exec_driver_sql(f"DELETE FROM {name}")


def _fill_keys(conn: Connection, keys: Sequence[Key]) -> None:
    """Puts `keys` (distinct) in the connection's temporary keys table, with date ranges."""
    sqlite = conn.dialect.name == "sqlite"
    kind = "TEXT" if sqlite else "DATE"
    _temp_table(
        conn,
        _KEYS,
        f"provider_id TEXT, month INTEGER, start {kind}, stop {kind}, "
        "PRIMARY KEY (provider_id, month)",
    )
    bind = (lambda d: d.isoformat()) if sqlite else (lambda d: d)
    rows = [(p, m, bind(month_start(m)), bind(month_start(m + 1))) for p, m in keys]
    _insert_rows(conn, _KEYS, rows)


def _insert_rows(conn: Connection, table: str, rows: Sequence[tuple]) -> None:
    """Inserts plain tuples into a temporary table: one executemany on SQLite, COPY on
    PostgreSQL with psycopg (an executemany of a million rows takes minutes there)."""
    if not rows:
        return
    if conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg":
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f"COPY {table} FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.close()
        return
    marks = ", ".join("?" if conn.dialect.name == "sqlite" else "%s" for _ in rows[0])
    for i in range(0, len(rows), CHUNK_ROWS):
        conn.exec_driver_sql(
            f"INSERT INTO {table} VALUES ({marks})", list(rows[i : i + CHUNK_ROWS])
        )


def stored_keys(conn: Connection, raw_table: str, ids: Sequence[str]) -> set[Key] | None:
    """The (provider_id, month) keys the stored rows of `raw_table` with these ids count
    under now: none for a table without a rollup; None (recount the whole table) when more
    than KEY_CHUNK ids are at least FULL_SHARE of its rows."""
    rollup = ROLLUPS.get(raw_table)
    if rollup is None or not len(ids):
        return set()
    if len(ids) > KEY_CHUNK:
        # An empty table too: recounting all of it then is recounting the file's rows.
        stored = conn.exec_driver_sql(f"SELECT COUNT(*) FROM {rollup.raw}").scalar_one()
        if len(ids) >= FULL_SHARE * int(stored):
            return None
    _temp_table(conn, _IDS, "id TEXT PRIMARY KEY")
    _insert_rows(conn, _IDS, [(i,) for i in dict.fromkeys(ids)])
    month = month_sql(conn.dialect.name, f"r.{rollup.date}")
    rows = conn.exec_driver_sql(
        f"SELECT DISTINCT r.provider_id, {month} FROM {_IDS} i CROSS JOIN {rollup.raw} r "
        f"WHERE r.{rollup.id_column} = i.id AND r.provider_id IS NOT NULL"
    )
    return {(p, int(m)) for p, m in rows}


def row_keys(provider_ids: Sequence[str | None], days: Sequence[dt.date | None]) -> set[Key]:
    """The (provider_id, month) keys of rows given as provider ids and dates."""
    # A load has a million rows but a few thousand days: each day's month is worked out once.
    codes, uniques = pd.factorize(pd.Series(days, dtype=object), use_na_sentinel=True)
    months = np.array([month_of(d) for d in uniques] + [-1], dtype=np.int64)[codes]
    frame = pd.DataFrame({"p": pd.Series(provider_ids, dtype=object), "m": months})
    frame = frame[frame["p"].notna() & (frame["m"] >= 0)].drop_duplicates()
    return set(zip(frame["p"].tolist(), frame["m"].tolist(), strict=True))


def ensure_rollups(engine: Engine) -> bool:
    """Builds the rollups from the raw tables unless this version's already are (a store
    made before they existed, or by an older shape of them); returns whether it built.

    Idempotent: the build and its RollupBuild row commit together, so a crash leaves no
    half-built rollups and the next start builds them again.
    """
    table = RollupBuild.__tablename__
    built = text(f"SELECT 1 FROM {table} WHERE version = :v")
    with engine.connect() as conn:
        if conn.execute(built, {"v": ROLLUP_VERSION}).first() is not None:
            return False
    with engine.begin() as conn:
        _lock(conn)
        # Another process may have built them while this one waited for the lock.
        if conn.execute(built, {"v": ROLLUP_VERSION}).first() is not None:
            return False
        rebuild_rollups(conn)
        conn.exec_driver_sql(f"DELETE FROM {table}")
        conn.execute(
            text(f"INSERT INTO {table} (version, built_at) VALUES (:v, :at)"),
            {"v": ROLLUP_VERSION, "at": dt.datetime.now(dt.UTC)},
        )
    return True
