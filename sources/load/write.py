"""The store's side of a load: rows already stored by id, and upserts per dialect.

One upsert statement (`_upsert_statement`), written three ways: chunks of dicts for any
database (`_write_generic`), compiled once and fed tuples on SQLite (`_write_sqlite`), and
COPY into a staging table then one INSERT ... SELECT on PostgreSQL with psycopg
(`_write_postgresql`). All run inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import (
    Date,
    Table,
    bindparam,
    case,
    func,
    literal_column,
    or_,
    select,
)
from sqlalchemy import column as sa_column
from sqlalchemy import table as sa_table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from sources.load.check import _iso

CHUNK_ROWS = 20_000  # rows per executemany: bounds memory, not speed
ID_CHUNK = 2_000  # ids per IN (...) query
SQLITE_CACHE_KIB = 256 * 1024  # page cache of the loading connection
SQLITE_DEFAULT_CACHE = -2000  # SQLite's own default (2 MB)

# Comment columns a person sets in the inbox; a reload keeps them when a person linked.
LINK_COLUMNS = ("provider_id", "link_method", "link_confidence", "linked_by")
PERSON_LINKS = ("person", "dismissed")


def _table(name: str) -> Table:
    from sqlmodel import SQLModel

    return SQLModel.metadata.tables[name]


def _existing(
    conn: Connection, table: Table, id_column: str, ids: list[str], columns: list[str]
) -> dict[str, dict[str, Any]]:
    """The stored rows among `ids` (only `columns`), by id."""
    query = select(*(table.c[c] for c in [id_column, *columns])).where(
        table.c[id_column].in_(bindparam("ids", expanding=True))
    )
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(ids), ID_CHUNK):
        for row in conn.execute(query, {"ids": ids[start : start + ID_CHUNK]}).mappings():
            found[row[id_column]] = dict(row)
    return found


def _upsert_statement(
    conn: Connection, table: Table, id_column: str, columns: list[str], source: Any = None
) -> Any:
    """INSERT ... ON CONFLICT (id) DO UPDATE the given columns, only where a value differs.

    The WHERE makes an identical row a no-op, so a reload updates nothing; a comment a
    person linked or dismissed keeps its link whatever the file says. With `source` (a
    SELECT of `columns`), the rows come from it instead of parameters.
    """
    dialect = sqlite if conn.dialect.name == "sqlite" else postgresql
    statement = dialect.insert(table)
    if source is not None:
        statement = statement.from_select(columns, source)
    new = statement.excluded
    changes: dict[str, Any] = {}
    for name in columns:
        if name == id_column:
            continue
        value: Any = new[name]
        if table.name == "comment" and name in LINK_COLUMNS:
            # Literal values, not binds: the statement then takes exactly one parameter per
            # column, which the SQLite fast path in _write relies on.
            person = table.c.link_method.in_([literal_column(f"'{p}'") for p in PERSON_LINKS])
            value = case((person, table.c[name]), else_=new[name])
        changes[name] = value
    differs = or_(*(table.c[n].is_distinct_from(v) for n, v in changes.items()))
    return statement.on_conflict_do_update(
        index_elements=[table.c[id_column]], set_=changes, where=differs
    )


def _count(conn: Connection, table: Table) -> int:
    return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _write(
    conn: Connection,
    table: Table,
    id_column: str,
    columns: dict[str, np.ndarray],
    rows: int,
    progress: Callable[[int], None],
) -> tuple[int, int]:
    """Upserts `rows` rows given as columns; returns (added, updated).

    Added is how much the table grew (nothing is ever deleted); updated is the rows the
    upsert changed less those added, since an identical row is not touched.
    """
    names = list(columns)
    before = _count(conn, table)
    if conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg":
        changed = _write_postgresql(conn, table, id_column, columns, rows, progress)
    else:
        statement = _upsert_statement(conn, table, id_column, names)
        if conn.dialect.name == "sqlite":
            changed = _write_sqlite(conn, table, id_column, statement, columns, rows, progress)
        else:
            changed = _write_generic(conn, table, id_column, statement, columns, rows, progress)
    added = _count(conn, table) - before
    return added, changed - added


def _write_generic(
    conn: Connection,
    table: Table,
    id_column: str,
    statement: Any,
    columns: dict[str, np.ndarray],
    rows: int,
    progress: Callable[[int], None],
) -> int:
    """Executes the upsert in chunks of dicts; returns the rows inserted or changed."""
    # psycopg reports no rowcount for an executemany (-1) whatever the dialect flag says:
    # count the rows RETURNING gives back (only inserted or changed rows come back).
    sane_rowcount = conn.dialect.name == "sqlite"
    if not sane_rowcount:
        statement = statement.returning(table.c[id_column])
    names = list(columns)
    changed = 0
    for start in range(0, rows, CHUNK_ROWS):
        stop = min(start + CHUNK_ROWS, rows)
        chunk = [
            dict(zip(names, values, strict=True))
            for values in zip(*(columns[n][start:stop].tolist() for n in names), strict=True)
        ]
        result = conn.execute(statement, chunk)
        changed += result.rowcount if sane_rowcount else len(result.all())
        progress(stop)
    return changed


def _write_sqlite(
    conn: Connection,
    table: Table,
    id_column: str,
    statement: Any,
    columns: dict[str, np.ndarray],
    rows: int,
    progress: Callable[[int], None],
) -> int:
    """The same upsert, compiled once and given plain tuples; returns the rows changed.

    SQLAlchemy's per-value bind processing (dicts, dates to text) is half the time of a
    million-row load; here dates become ISO text once per distinct date instead.
    """
    compiled = statement.compile(dialect=conn.dialect, column_keys=list(columns))
    order = list(compiled.positiontup or [])
    if set(order) != set(columns):
        # A column default would need a value this path does not know: the general way.
        return _write_generic(conn, table, id_column, statement, columns, rows, progress)
    arrays = []
    for name in order:
        values = columns[name]
        if isinstance(table.c[name].type, Date):
            codes, uniques = pd.factorize(pd.Series(values, dtype=object))
            iso = np.array([_iso(d) for d in uniques] + [None], dtype=object)
            values = iso[codes]  # code -1 (no date) picks the None
        arrays.append(values)
    sql = compiled.string
    # The provider-and-date index takes rows in random order; with SQLite's default 2 MB
    # page cache a million-row load spends its time re-reading index pages.
    conn.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    changed = 0
    for start in range(0, rows, CHUNK_ROWS):
        stop = min(start + CHUNK_ROWS, rows)
        chunk = list(zip(*(a[start:stop].tolist() for a in arrays), strict=True))
        changed += conn.exec_driver_sql(sql, chunk).rowcount
        progress(stop)
    # The connection goes back to the pool: give it SQLite's default cache again.
    conn.exec_driver_sql(f"PRAGMA cache_size={SQLITE_DEFAULT_CACHE}")
    return changed


def _write_postgresql(
    conn: Connection,
    table: Table,
    id_column: str,
    columns: dict[str, np.ndarray],
    rows: int,
    progress: Callable[[int], None],
) -> int:
    """The same upsert on PostgreSQL: rows COPied into a staging table, then one INSERT.

    COPY and one INSERT ... SELECT ... ON CONFLICT are much faster than an executemany with
    RETURNING, and stay in the same transaction. Returns the rows inserted or changed.
    """
    names = list(columns)
    staging = f"carelens_load_{table.name}"
    listed = ", ".join(f'"{n}"' for n in names)
    # Same column types, no constraints; dropped with the transaction, committed or not.
    conn.exec_driver_sql(f'DROP TABLE IF EXISTS "{staging}"')
    conn.exec_driver_sql(
        f'CREATE TEMP TABLE "{staging}" ON COMMIT DROP AS '
        f'SELECT {listed} FROM "{table.name}" WITH NO DATA'
    )
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(f'COPY "{staging}" ({listed}) FROM STDIN') as copy:
        for start in range(0, rows, CHUNK_ROWS):
            stop = min(start + CHUNK_ROWS, rows)
            for row in zip(*(columns[n][start:stop].tolist() for n in names), strict=True):
                copy.write_row(row)
            progress(stop)
    cursor.close()
    source_table = sa_table(staging, *(sa_column(n) for n in names))
    upsert = _upsert_statement(conn, table, id_column, names, select(*source_table.c))
    changed = upsert.returning(table.c[id_column]).cte("changed")
    return int(conn.execute(select(func.count()).select_from(changed)).scalar_one())
