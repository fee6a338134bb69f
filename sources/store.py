"""The evidence store: SQLModel tables and the engine (SQLite by default, PostgreSQL by URL).

The contract's columns keep the contract's names. What Carelens adds beside them (what the
text says, how a comment was linked, who saw a concern) is in extra columns that the loader
fills from the text or that people set in the app; the loader never overwrites the latter.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from functools import lru_cache

import pandas as pd
from sqlalchemy import DateTime, Index, Text, event, func, inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import Field, Session, SQLModel, create_engine

from sources import settings
from sources.rollups import ensure_rollups
from sources.search import index as search_index


def utcnow() -> dt.datetime:
    """Now, timezone-aware in UTC: every stored timestamp is."""
    return dt.datetime.now(dt.UTC)


def _stamp(nullable: bool = True) -> object:
    return Field(default=None, sa_type=DateTime(timezone=True), nullable=nullable)


class Provider(SQLModel, table=True):
    """A regulated service (one rated location)."""

    provider_id: str = Field(primary_key=True)
    name: str = Field(index=True)
    type: str = Field(index=True)
    region: str | None = Field(default=None, index=True)
    local_authority: str | None = Field(default=None, index=True)
    town: str | None = None
    postcode: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    capacity: int | None = None
    organisation: str | None = None


class Inspection(SQLModel, table=True):
    """A published rating. Ratings use the contract's spelling ("Requires improvement")."""

    __table_args__ = (Index("ix_inspection_provider_date", "provider_id", "published_on"),)

    inspection_id: str = Field(primary_key=True)
    provider_id: str
    published_on: dt.date
    overall: str
    safe: str | None = None
    effective: str | None = None
    caring: str | None = None
    responsive: str | None = None
    well_led: str | None = None


class Incident(SQLModel, table=True):
    """A patient-safety incident; harm is one of contract.HARMS."""

    __table_args__ = (
        Index("ix_incident_provider_date", "provider_id", "occurred_on"),
        # The incidents a score's explanation shows (risk.score.evidence_rows): without it
        # SQLite read them through the provider index, 6.7 s at 50,000 providers; 2.6 s.
        Index(
            "ix_incident_harmful",
            "occurred_on",
            sqlite_where=text("harm IN ('moderate', 'severe', 'death')"),
            postgresql_where=text("harm IN ('moderate', 'severe', 'death')"),
        ),
    )

    incident_id: str = Field(primary_key=True)
    provider_id: str
    occurred_on: dt.date
    harm: str
    category: str | None = None
    reported_on: dt.date | None = None
    description: str | None = Field(default=None, sa_type=Text)


class SafeguardingAlert(SQLModel, table=True):
    """A safeguarding concern. `summary` is personal data: shown only to inspectors."""

    __table_args__ = (Index("ix_safeguarding_provider_date", "provider_id", "raised_on"),)

    alert_id: str = Field(primary_key=True)
    provider_id: str
    raised_on: dt.date
    abuse_type: str
    risk_level: str
    source: str | None = None
    status: str | None = None
    summary: str | None = Field(default=None, sa_type=Text)


def _unseen_serious_index(table: str) -> Index:
    """A partial index of the serious texts nobody has marked seen: the triage page and the
    inbox count them per provider; without it that read every comment. The condition is
    written as SQLAlchemy renders `serious.is_(True)` on each database, so each planner
    sees the query's condition implies it."""
    return Index(
        f"ix_{table}_unseen_serious",
        "provider_id",
        sqlite_where=text("serious IS 1 AND serious_seen_at IS NULL"),
        postgresql_where=text("serious IS true AND serious_seen_at IS NULL"),
    )


class TextReading(SQLModel):
    """What Carelens read in a text when it was loaded (sources/text/)."""

    sentiment: str | None = None  # negative, neutral, positive
    sentiment_score: float | None = None  # -1 (negative) .. 1 (positive)
    themes: str | None = None  # ';'-separated key questions and topics
    serious: bool = False  # describes serious harm, or a risk of it, to a person
    serious_terms: str | None = None  # ';'-separated words a phrase rule matched there
    concern_kinds: str | None = None  # ';'-separated CONCERN_KINDS, likeliest first
    concern_confidence: float | None = None  # 0..1, the detector's, when serious
    concern_sentence: str | None = Field(default=None, sa_type=Text)  # the one carrying it
    read_by: str | None = None  # the reader's version (a newer reader reads the text again)
    # Set by a person in the inbox, never by the loader.
    serious_seen_by: str | None = None
    serious_seen_at: dt.datetime | None = _stamp()


class EbeNote(TextReading, table=True):
    """A note by an expert by experience from a visit. `author` is a reference, not a name."""

    __table_args__ = (
        Index("ix_ebenote_provider_date", "provider_id", "visit_on"),
        _unseen_serious_index("ebenote"),
    )

    note_id: str = Field(primary_key=True)
    provider_id: str
    visit_on: dt.date
    text: str = Field(sa_type=Text)
    author: str | None = None


class Comment(TextReading, table=True):
    """Feedback from the public.

    `provider_id` is the provider the comment is about: as given by the channel, or as
    linked (link_method `fuzzy` by sources/linking.py, `person` in the inbox). It stays
    empty while the comment is unlinked; such comments wait in the inbox.
    """

    __table_args__ = (
        Index("ix_comment_provider_date", "provider_id", "received_on"),
        _unseen_serious_index("comment"),
    )

    comment_id: str = Field(primary_key=True)
    received_on: dt.date = Field(index=True)
    text: str = Field(sa_type=Text)
    provider_id: str | None = None
    provider_name: str | None = None
    place: str | None = None
    channel: str | None = None
    rating: int | None = None
    age_band: str | None = None
    carer: str | None = None
    disability: str | None = None
    ethnicity: str | None = None
    # given | fuzzy | person | unlinked | dismissed
    link_method: str = Field(default="unlinked", index=True)
    link_confidence: float | None = None
    linked_by: str | None = None
    # The first comment of the same concern arriving by another channel (sources/duplicates.py);
    # a copy is shown with its original and counted once in the score.
    duplicate_of: str | None = Field(default=None, index=True)


class UseMark(SQLModel, table=True):
    """A piece of evidence an inspector used, and how: "you said, we did" (marked by
    sources/people/actions.py, reported by risk/usage.py)."""

    id: int | None = Field(default=None, primary_key=True)
    kind: str  # comment | note | alert
    record_id: str = Field(index=True)
    provider_id: str | None = Field(default=None, index=True)
    used_for: str  # inspection | lines_of_enquiry | safeguarding_referral | other
    outcome: str | None = Field(default=None, sa_type=Text)  # short free text
    used_by: str
    used_at: dt.datetime = Field(sa_type=DateTime(timezone=True))


# What a UseMark's `used_for` may say, in the order the pages offer it.
USES: tuple[str, ...] = ("inspection", "lines_of_enquiry", "safeguarding_referral", "other")


class BriefPin(SQLModel, table=True):
    """A piece of evidence an inspector pinned to a provider's visit brief ("bring this
    up"), found by search (pinned by sources/people/actions.py, shown by risk/brief.py)."""

    __table_args__ = (Index("ix_briefpin_provider_item", "provider_id", "kind", "record_id"),)

    id: int | None = Field(default=None, primary_key=True)
    provider_id: str = Field(index=True)
    kind: str  # comment | note | alert | incident (sources.search.index.SEARCHED)
    record_id: str
    pinned_by: str
    pinned_at: dt.datetime = Field(sa_type=DateTime(timezone=True))
    reason: str | None = Field(default=None, sa_type=Text)  # short free text
    unpinned_at: dt.datetime | None = _stamp()  # set when taken off; the row stays


class Verdict(SQLModel, table=True):
    """What an inspector found on a visit about one line of enquiry of the provider's brief
    (recorded by sources/people/actions.py, or loaded from verdicts.csv).

    `verdict_id` is "provider_id:visit_on:enquiry_key", so the same visit and line is one
    row however often it is recorded or loaded. `enquiry_key` is "question:kind"
    (sources.contract.ENQUIRY_KEYS). `note` is free text by an inspector and may name a
    person: pages show it only to a role that may see personal data.
    """

    __table_args__ = (Index("ix_verdict_provider_visit", "provider_id", "visit_on"),)

    verdict_id: str = Field(primary_key=True)
    provider_id: str
    visit_on: dt.date
    enquiry_key: str
    verdict: str  # confirmed | not_found | not_looked_at (sources.contract.VERDICTS)
    note: str | None = Field(default=None, sa_type=Text)  # short free text
    # What was behind the line when recorded in the app (';'-separated indicators of
    # risk/indicators.py and kinds of serious concern), for learning from verdicts; empty
    # for a loaded row, whose key says what made the line.
    indicators: str | None = None
    concern_kinds: str | None = None
    recorded_by: str | None = None
    # The database's clock when a loaded row is first stored (a reload leaves it); the
    # app's when a person records or changes a verdict.
    recorded_at: dt.datetime | None = Field(
        default=None,
        sa_type=DateTime(timezone=True),
        sa_column_kwargs={"server_default": func.current_timestamp()},
    )
    source: str  # app | file


class WeightSet(SQLModel, table=True):
    """A set of the score's indicator weights proposed by `python -m risk weights`
    (risk/refit.py), kept beside the set weights in risk/weights.py; nothing scores with it
    until an admin applies it (WeightChoice).

    `weights` is JSON {indicator: log-odds per z}; `backtest` is JSON: the figures of the
    backtest printed when it was proposed, per way of ranking ({name: {column: value}}).
    """

    id: int | None = Field(default=None, primary_key=True)
    proposed_at: dt.datetime = Field(sa_type=DateTime(timezone=True))
    proposed_by: str
    method: str  # ratings | ratings+verdicts (risk.refit.METHODS)
    as_of: dt.date  # learned from what was known on this day
    horizon_days: int
    ratings: int = 0  # later ratings learned from
    verdicts: int = 0  # verdicts (confirmed or not found) learned from
    weights: str = Field(default="{}", sa_type=Text)
    backtest: str = Field(default="{}", sa_type=Text)


class WeightChoice(SQLModel, table=True):
    """Which weights score the providers: one row per choice an admin made, the newest in
    force. `weight_set_id` None is the set weights of risk/weights.py; no row at all, too."""

    id: int | None = Field(default=None, primary_key=True)
    weight_set_id: int | None = None
    chosen_at: dt.datetime = Field(sa_type=DateTime(timezone=True))
    chosen_by: str


class Load(SQLModel, table=True):
    """One load of contract files, kept whatever its outcome."""

    id: int | None = Field(default=None, primary_key=True)
    started_at: dt.datetime = Field(sa_type=DateTime(timezone=True))
    finished_at: dt.datetime | None = _stamp()
    loaded_by: str = "cli"
    files: str = ""  # comma-separated file names
    rows: int = 0
    added: int = 0
    updated: int = 0
    outcome: str = "running"  # running | ok | rejected | failed
    message: str | None = Field(default=None, sa_type=Text)


class Scoring(SQLModel, table=True):
    """One scoring of the store by risk/score.py, recorded once all its days are stored.

    Its id is part of the store's stamp (risk.views.store_stamp): scoring the same day again
    (new weights, a rerun) must reach the pages as surely as a new day does.
    """

    id: int | None = Field(default=None, primary_key=True)
    as_of: dt.date
    days: int  # the as-of day and the month-ends before it
    providers: int
    finished_at: dt.datetime = Field(sa_type=DateTime(timezone=True))


class RiskScore(SQLModel, table=True):
    """A provider's risk of poor care scored as of one day (written by risk/score.py).

    `contributions` is JSON: {source: points}, summing to `score`. `explanation` is JSON
    with the indicators and the evidence behind the largest contributions.
    """

    __table_args__ = (Index("ix_riskscore_asof", "as_of"),)

    provider_id: str = Field(primary_key=True)
    as_of: dt.date = Field(primary_key=True)
    score: float
    band: str
    uncertainty: float
    evidence_count: int = 0
    contributions: str = Field(default="{}", sa_type=Text)
    explanation: str = Field(default="{}", sa_type=Text)
    scored_at: dt.datetime | None = _stamp()


class RiskPeers(SQLModel, table=True):
    """What providers were compared with when scored as of one day (risk/indicators.py).

    `params` is JSON: type rates per month, shrinkage priors and spreads, so one provider
    can be rescored after new evidence without refitting every peer.
    """

    as_of: dt.date = Field(primary_key=True)
    params: str = Field(default="{}", sa_type=Text)
    fitted_at: dt.datetime | None = _stamp()


class Account(SQLModel, table=True):
    """A person who may sign in. The password is kept only as an argon2 hash."""

    username: str = Field(primary_key=True)
    password_hash: str
    role: str  # inspector | manager | admin (sources/access.py)
    disabled: bool = False
    failed_attempts: int = 0
    locked_until: dt.datetime | None = _stamp()
    created_at: dt.datetime | None = _stamp()
    demo: bool = False  # created with the demo world; never in a real store


class AuditEvent(SQLModel, table=True):
    """One line of the append-only audit log (sources/audit.py); never updated or deleted."""

    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime = Field(sa_type=DateTime(timezone=True), index=True)
    username: str = Field(index=True)
    action: str = Field(index=True)
    target: str | None = Field(default=None, index=True)
    detail: str | None = Field(default=None, sa_type=Text)


_SQLITE_GUARDS = (
    "CREATE TRIGGER IF NOT EXISTS auditevent_no_update BEFORE UPDATE ON auditevent "
    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS auditevent_no_delete BEFORE DELETE ON auditevent "
    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
)
_POSTGRES_GUARDS = (
    "CREATE OR REPLACE FUNCTION auditevent_append_only() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'the audit log is append-only'; END; $$ LANGUAGE plpgsql",
    "DROP TRIGGER IF EXISTS auditevent_no_change ON auditevent",
    "CREATE TRIGGER auditevent_no_change BEFORE UPDATE OR DELETE ON auditevent "
    "FOR EACH ROW EXECUTE FUNCTION auditevent_append_only()",
)


def _guard(target: object, connection: object, **_: object) -> None:
    dialect = connection.dialect.name  # type: ignore[attr-defined]
    statements = _SQLITE_GUARDS if dialect == "sqlite" else _POSTGRES_GUARDS
    if dialect not in ("sqlite", "postgresql"):
        return
    for statement in statements:
        connection.execute(text(statement))  # type: ignore[attr-defined]


# Installed whenever the table is created, on either database, so the log is append-only
# below the app too.
event.listen(AuditEvent.__table__, "after_create", _guard)


def _install_search(target: object, connection: object, **_: object) -> None:
    search_index.install(connection, target.name)  # type: ignore[arg-type, attr-defined]


def _drop_search(target: object, connection: object, **_: object) -> None:
    search_index.drop(connection, target.name)  # type: ignore[arg-type, attr-defined]


# The full-text index lives and dies with its table (sources/search/index.py); stores made
# before it get it from make_engine.
for _searched in (Comment, EbeNote, SafeguardingAlert, Incident):
    event.listen(_searched.__table__, "after_create", _install_search)
    event.listen(_searched.__table__, "before_drop", _drop_search)


EVIDENCE_TABLES: tuple[type[SQLModel], ...] = (
    Provider,
    Inspection,
    Incident,
    SafeguardingAlert,
    EbeNote,
    Comment,
)
# The texts a serious concern can be found in, by kind: (table, id column, date column).
SERIOUS_TEXTS: dict[str, tuple[type[TextReading], str, str]] = {
    "comment": (Comment, "comment_id", "received_on"),
    "note": (EbeNote, "note_id", "visit_on"),
}


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    # WAL lets readers (the app's sessions) go on while a load writes; the busy timeout
    # makes a second writer wait instead of failing with "database is locked".
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str | None = None) -> Engine:
    """A new engine for `url` (default settings.database_url()), with the tables created."""
    url = url or settings.database_url()
    if url.startswith("sqlite"):
        path = url.split("sqlite:///", 1)[-1]
        if path and path != ":memory:":
            from pathlib import Path

            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = create_engine(url, pool_pre_ping=True)
    SQLModel.metadata.create_all(engine)
    _add_missing_columns(engine)
    _add_missing_indexes(engine)
    search_index.ensure(engine)
    ensure_rollups(engine)  # once for a store made before the rollups (sources/rollups.py)
    return engine


def _add_missing_columns(engine: Engine) -> None:
    """Adds the nullable columns a store made by an earlier version lacks (create_all
    makes only missing tables); their values stay empty until the rows are loaded again."""
    with engine.begin() as conn:
        catalogue = inspect(conn)
        tables = set(catalogue.get_table_names())
        for table in SQLModel.metadata.sorted_tables:
            if table.name not in tables:
                continue
            have = {c["name"] for c in catalogue.get_columns(table.name)}
            for column in table.columns:
                if column.name not in have and column.nullable:
                    kind = column.type.compile(dialect=conn.dialect)
                    conn.exec_driver_sql(
                        f'ALTER TABLE "{table.name}" ADD COLUMN "{column.name}" {kind}'
                    )


def _add_missing_indexes(engine: Engine) -> None:
    """Creates the indexes a store made by an earlier version lacks (create_all makes only
    missing tables, with their indexes; a table that exists keeps the indexes it had)."""
    with engine.begin() as conn:
        catalogue = inspect(conn)
        have = {
            (name, index["name"])
            for name in catalogue.get_table_names()
            for index in catalogue.get_indexes(name)
        }
        for table in SQLModel.metadata.sorted_tables:
            for index in table.indexes:
                if (table.name, index.name) not in have:
                    index.create(conn)


def read_frame(engine: Engine, query: object, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """The rows of a query as a DataFrame, built from the driver's own tuples.

    Skips SQLAlchemy's Row objects, which pandas would probe one by one. Types are the
    driver's (dates may be ISO strings, booleans 0/1 on SQLite): callers normalise what
    they use.
    """
    with engine.connect() as conn:
        result = conn.execute(query)  # type: ignore[call-overload]
        names = list(columns) if columns is not None else list(result.keys())
        rows = result.cursor.fetchall() if result.cursor is not None else []
    return pd.DataFrame.from_records(rows, columns=names)


@lru_cache(maxsize=4)
def get_engine(url: str | None = None) -> Engine:
    """The process-wide engine for `url` (default the configured store)."""
    return make_engine(url or settings.database_url())


def session(engine: Engine) -> Session:
    """A session on `engine`."""
    return Session(engine)
