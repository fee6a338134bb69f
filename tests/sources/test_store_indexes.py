"""The store's indexes: made for new stores, added to older ones, and used by the queries."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

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
