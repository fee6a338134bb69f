"""The full-text index of what people said, kept by the database itself.

Four texts are searchable: public comments, expert-by-experience notes, safeguarding
summaries and incident descriptions (`SEARCHED`). On SQLite each has an FTS5 table with
external content (the text is stored once, in its own table; the FTS table holds only the
index), kept in step by triggers on the content table; on PostgreSQL each table has a
generated `search_vector` tsvector column with a GIN index. Either way the index changes in
the same statement as the row, so it moves inside the loader's transaction: a refused load
rolls it back with the rows, a reload that changes nothing touches nothing, and an inbox
write cannot forget it.

Both databases stem English words with the same algorithm and no stop words, so one query
finds the same rows on either: FTS5's porter tokenizer (diacritics kept, since PostgreSQL
keeps them), and on PostgreSQL a configuration `carelens_search` of the porter stemmer
(Snowball's `porter`, not its `english`, which stems "kindly" to "kind" where porter keeps
"kindli") with no stop-word list, the whole of a hyphenated word left out (FTS5 indexes only
its parts), over the text with its punctuation made spaces (`vector_sql`).

A SQLite table without an INTEGER PRIMARY KEY may have its rowids renumbered by VACUUM, and
the FTS index is keyed by rowid: `rebuild` re-reads every text (Carelens never vacuums).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

CONFIG: Final = "carelens_search"
VECTOR: Final = "search_vector"  # the PostgreSQL column


@dataclass(frozen=True)
class Searched:
    """One searchable text: its kind (as the pages name it), table, id and text columns,
    the date column and whether its text is personal data (sources.people.access)."""

    kind: str
    table: str
    id_column: str
    text_column: str
    date_column: str
    sensitive: bool = False

    @property
    def fts(self) -> str:
        """The FTS5 table's name (SQLite)."""
        return f"{self.table}_fts"


SEARCHED: Final = (
    Searched("comment", "comment", "comment_id", "text", "received_on"),
    Searched("note", "ebenote", "note_id", "text", "visit_on"),
    Searched("alert", "safeguardingalert", "alert_id", "summary", "raised_on", sensitive=True),
    Searched("incident", "incident", "incident_id", "description", "occurred_on"),
)
BY_TABLE: Final = {s.table: s for s in SEARCHED}
BY_KIND: Final = {s.kind: s for s in SEARCHED}

# The porter stemmer (FTS5's own algorithm, which PostgreSQL's Snowball template also offers)
# with no StopWords: "not", "no" and "the" are searchable, as on SQLite. Created only when
# missing, so every store and test may run it.
_POSTGRES_CONFIG = f"""
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_ts_dict WHERE dictname = 'carelens_porter') THEN
    CREATE TEXT SEARCH DICTIONARY carelens_porter (TEMPLATE = snowball, LANGUAGE = porter);
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = '{CONFIG}') THEN
    CREATE TEXT SEARCH CONFIGURATION {CONFIG} (COPY = simple);
    ALTER TEXT SEARCH CONFIGURATION {CONFIG}
      ALTER MAPPING FOR asciiword, word, hword_asciipart, hword_part WITH carelens_porter;
    ALTER TEXT SEARCH CONFIGURATION {CONFIG} DROP MAPPING FOR asciihword, hword;
  END IF;
END $$
"""


# Prefix indexes for prefixes of 3 to 5 letters: a query such as medic* reads one list
# instead of merging the lists of every word that starts so (bench/search.py).
PREFIXES = "3 4 5"


def _fts_table_sql(s: Searched) -> str:
    """The FTS5 table's CREATE statement, as SQLite keeps it in sqlite_master."""
    return (
        f"CREATE VIRTUAL TABLE {s.fts} USING fts5({s.text_column}, content='{s.table}', "
        f"content_rowid='rowid', tokenize='porter unicode61 remove_diacritics 0', "
        f"prefix='{PREFIXES}')"
    )


def _insert_trigger(s: Searched) -> str:
    """The trigger that indexes each row inserted (a load drops it and indexes in bulk)."""
    return (
        f"CREATE TRIGGER IF NOT EXISTS {s.fts}_ai AFTER INSERT ON {s.table} BEGIN "
        f"INSERT INTO {s.fts}(rowid, {s.text_column}) VALUES (new.rowid, new.{s.text_column}); "
        "END"
    )


def _sqlite_statements(s: Searched) -> list[str]:
    col = s.text_column
    return [
        _fts_table_sql(s).replace("CREATE VIRTUAL TABLE", "CREATE VIRTUAL TABLE IF NOT EXISTS"),
        _insert_trigger(s),
        f"CREATE TRIGGER IF NOT EXISTS {s.fts}_ad AFTER DELETE ON {s.table} BEGIN "
        f"INSERT INTO {s.fts}({s.fts}, rowid, {col}) VALUES ('delete', old.rowid, old.{col}); "
        "END",
        # Only when the text itself changes: a reload that updates a link or a reading, or
        # an inbox link, leaves the index alone.
        f"CREATE TRIGGER IF NOT EXISTS {s.fts}_au AFTER UPDATE OF {col} ON {s.table} "
        f"WHEN old.{col} IS NOT new.{col} BEGIN "
        f"INSERT INTO {s.fts}({s.fts}, rowid, {col}) VALUES ('delete', old.rowid, old.{col}); "
        f"INSERT INTO {s.fts}(rowid, {col}) VALUES (new.rowid, new.{col}); END",
    ]


def vector_sql(column: str) -> str:
    """PostgreSQL's tsvector of a text column, as the generated column computes it.

    ASCII punctuation becomes a space first: PostgreSQL's parser would otherwise read
    `<script>` as a tag and skip it, `x.org/a` as one host and `3.5` as one number, where
    FTS5 reads the words and digits between.
    """
    return (
        f"to_tsvector('{CONFIG}'::regconfig, "
        f"regexp_replace(coalesce({column}, ''), '[[:punct:]]', ' ', 'g'))"
    )


def _postgres_statements(s: Searched) -> list[str]:
    return [
        _POSTGRES_CONFIG,
        f'ALTER TABLE "{s.table}" ADD COLUMN IF NOT EXISTS {VECTOR} tsvector GENERATED ALWAYS '
        f"AS ({vector_sql(s.text_column)}) STORED",
        f'CREATE INDEX IF NOT EXISTS ix_{s.table}_search ON "{s.table}" USING gin ({VECTOR})',
        # Newest first, as the search reads its candidates: for a common word the planner
        # walks this and stops after the first matches (bench/search.py: a common word's
        # safeguarding summaries 478 -> 82 ms) instead of reading and sorting every match.
        # SQLite reads them by rowid, the load order, and needs none.
        f'CREATE INDEX IF NOT EXISTS ix_{s.table}_newest ON "{s.table}" '
        f"({s.date_column}, {s.id_column})",
    ]


def install(conn: Connection, table: str) -> None:
    """Creates the index of `table` (one of SEARCHED) if missing; the FTS5 table is filled
    from the rows already there when it is new."""
    s = BY_TABLE[table]
    dialect = conn.dialect.name
    if dialect == "sqlite":
        held = _fts_sql(conn, s)
        if held is not None and held != _fts_table_sql(s):
            # Made by an earlier version (another tokenizer or prefixes): made again.
            conn.exec_driver_sql(f"DROP TABLE {s.fts}")
            held = None
        new = held is None
        for statement in _sqlite_statements(s):
            conn.exec_driver_sql(statement)
        if new:
            conn.exec_driver_sql(f"INSERT INTO {s.fts}({s.fts}) VALUES ('rebuild')")
    elif dialect == "postgresql":
        for statement in _postgres_statements(s):
            conn.exec_driver_sql(statement)


# A load's rows go into the index in bulk, not through the insert triggers one at a time:
# bench/load.py's first load of a million incidents took 39.7 s through the triggers against
# about 15 s without the index. start_load drops the insert triggers inside the load's
# transaction (SQLite's DDL is transactional: a refused load gets them back with its
# rollback) and notes each table's last rowid; finish_load indexes every row added since in
# one INSERT ... SELECT and puts the triggers back. Updates keep their trigger: a changed
# text must take its old words out. FTS5's merging of new segments (automerge, 4 at a
# level by default) is paused meanwhile and one bounded merge done at the end: in a large
# index it was most of the cost (bench/search.py).
AUTOMERGE = 4  # FTS5's default
LOAD_MERGE_PAGES = 500


def start_load(conn: Connection) -> dict[str, int]:
    """Inside a load's transaction, before its writes: each table's last rowid, with the
    insert triggers dropped and merging paused (SQLite; nothing to do on PostgreSQL)."""
    if conn.dialect.name != "sqlite":
        return {}
    last: dict[str, int] = {}
    for s in SEARCHED:
        # A write first: Python's sqlite3 opens the transaction only at one, and the DDL
        # below must be inside it.
        conn.exec_driver_sql(f"INSERT INTO {s.fts}({s.fts}, rank) VALUES ('automerge', 0)")
        found = conn.exec_driver_sql(f"SELECT max(rowid) FROM {s.table}").scalar()
        last[s.table] = int(found or 0)
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {s.fts}_ai")
    return last


def finish_load(conn: Connection, last: dict[str, int]) -> None:
    """Inside the same transaction, after the writes: the rows added since `last` indexed,
    the insert triggers back, merging back on and one bounded merge."""
    if conn.dialect.name != "sqlite":
        return
    for s in SEARCHED:
        col = s.text_column
        conn.exec_driver_sql(
            f"INSERT INTO {s.fts}(rowid, {col}) SELECT rowid, {col} FROM {s.table} "
            f"WHERE rowid > {int(last[s.table])} ORDER BY rowid"
        )
        conn.exec_driver_sql(_insert_trigger(s))
        conn.exec_driver_sql(
            f"INSERT INTO {s.fts}({s.fts}, rank) VALUES ('automerge', {AUTOMERGE})"
        )
        conn.exec_driver_sql(
            f"INSERT INTO {s.fts}({s.fts}, rank) VALUES ('merge', {LOAD_MERGE_PAGES})"
        )


def drop(conn: Connection, table: str) -> None:
    """Drops the FTS5 table of `table` (its triggers go with the content table)."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {BY_TABLE[table].fts}")


def _fts_sql(conn: Connection, s: Searched) -> str | None:
    """The CREATE statement of the store's FTS5 table for `s`, or None when it has none."""
    found = conn.execute(
        text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :n"), {"n": s.fts}
    ).first()
    return None if found is None else str(found[0])


def ensure(engine: Engine) -> None:
    """Installs the index on a store made before search existed (idempotent)."""
    with engine.begin() as conn:
        for s in SEARCHED:
            install(conn, s.table)


def rebuild(engine: Engine) -> None:
    """Re-reads every text into the index (SQLite; PostgreSQL's column is never stale)."""
    if engine.dialect.name != "sqlite":
        return
    with engine.begin() as conn:
        for s in SEARCHED:
            conn.exec_driver_sql(f"INSERT INTO {s.fts}({s.fts}) VALUES ('rebuild')")


def mismatches(engine: Engine) -> list[str]:
    """The searchable tables whose index does not match their rows (empty when in step).

    SQLite: FTS5's own integrity check against the content table. PostgreSQL: the stored
    vector against the text read again.
    """
    wrong: list[str] = []
    with engine.connect() as conn:
        for s in SEARCHED:
            if conn.dialect.name == "sqlite":
                try:
                    conn.exec_driver_sql(
                        f"INSERT INTO {s.fts}({s.fts}, rank) VALUES ('integrity-check', 1)"
                    )
                except Exception:  # noqa: BLE001 - SQLite reports a mismatch as corruption
                    wrong.append(s.table)
            else:
                stale = conn.exec_driver_sql(
                    f'SELECT count(*) FROM "{s.table}" '
                    f"WHERE {VECTOR} IS DISTINCT FROM {vector_sql(s.text_column)}"
                ).scalar_one()
                if stale:
                    wrong.append(s.table)
    return wrong
