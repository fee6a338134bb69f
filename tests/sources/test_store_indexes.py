"""The store's indexes and columns: made for new stores, added to older ones, and the
indexes used by the queries."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from risk import views
from sources.store import Comment, EbeNote, make_engine


def index_names(engine: Engine, table: str) -> set[str]:
    return {index["name"] for index in inspect(engine).get_indexes(table)}


def test_an_older_store_gets_the_indexes_it_lacks(engine: Engine) -> None:
    assert "ix_comment_unseen_serious" in index_names(engine, "comment")
    with engine.begin() as conn:  # as a store made before the index existed
        conn.execute(text("DROP INDEX ix_comment_unseen_serious"))
        conn.execute(text("DROP INDEX ix_ebenote_unseen_serious"))
    assert "ix_comment_unseen_serious" not in index_names(engine, "comment")
    again = make_engine(engine.url.render_as_string(hide_password=False))
    assert "ix_comment_unseen_serious" in index_names(again, "comment")
    assert "ix_ebenote_unseen_serious" in index_names(again, "ebenote")
    again.dispose()


def column_names(engine: Engine, table: str) -> set[str]:
    return {column["name"] for column in inspect(engine).get_columns(table)}


@pytest.mark.parametrize("table", ["comment", "ebenote"])
def test_an_older_store_gets_the_reading_columns_it_lacks(engine: Engine, table: str) -> None:
    new = ("concern_kinds", "concern_confidence", "concern_sentence", "read_by")
    record = (
        Comment(comment_id="x1", received_on=dt.date(2025, 1, 1), text="kept", channel="web")
        if table == "comment"
        else EbeNote(note_id="x1", provider_id="P1", visit_on=dt.date(2025, 1, 1), text="kept")
    )
    with Session(engine) as session:
        session.add(record)
        session.commit()
    with engine.begin() as conn:  # as a store made before the serious-concern detector
        for name in new:
            conn.execute(text(f"ALTER TABLE {table} DROP COLUMN {name}"))
    assert not set(new) & column_names(engine, table)
    again = make_engine(engine.url.render_as_string(hide_password=False))
    assert set(new) <= column_names(again, table)
    with again.connect() as conn:
        row = conn.execute(text(f"SELECT text, concern_kinds, read_by FROM {table}")).one()
    assert tuple(row) == ("kept", None, None)  # read again at its next load
    again.dispose()


@pytest.mark.parametrize("table", [Comment, EbeNote])
def test_unseen_serious_counts_read_the_partial_index(engine: Engine, table: type) -> None:
    query = views.unseen_serious_count_query(table)
    sql = str(query.compile(engine, compile_kwargs={"literal_binds": True}))
    name = f"ix_{table.__tablename__}_unseen_serious"
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            # An empty table is scanned whatever the indexes: forbid that to see the planner
            # can use the index, i.e. that the query's condition implies the index's.
            conn.execute(text("SET enable_seqscan = off"))
            plan = " ".join(str(row[0]) for row in conn.execute(text(f"EXPLAIN {sql}")))
        else:
            plan = " ".join(str(row) for row in conn.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
    assert name in plan
