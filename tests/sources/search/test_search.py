"""Full-text search over the store, on whichever database the suite runs against: what is
found, the filters, the roles and the audit, and the index kept in step with every load."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import Engine

from sources.load import load_folder
from sources.people import actions
from sources.search import index
from sources.search.find import SearchFilter, search_evidence
from sources.search.query import QueryError
from sources.store import AuditEvent, make_engine
from tests.conftest import on_postgres
from tests.sources.search.world import write_world


@pytest.fixture
def world(engine: Engine, tmp_path: Path) -> Engine:
    assert load_folder(engine, write_world(tmp_path / "world")).ok
    return engine


def found(engine: Engine, query: str, role: str = "inspector", **filters: object) -> set[str]:
    result = search_evidence(engine, query, role, "tester", SearchFilter(**filters), limit=500)
    return set(result.hits["record_id"])


def searches(engine: Engine) -> list[dict]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(AuditEvent.username, AuditEvent.target, AuditEvent.detail).where(
                AuditEvent.action == "search"
            )
        ).all()
    return [{"who": r[0], "target": r[1], **json.loads(r[2])} for r in rows]


def test_words_phrases_prefixes_and_operators(world: Engine):
    assert found(world, "night staff") == {"C1", "C2", "N1"}
    assert found(world, '"night staff"') == {"C1", "N1"}
    assert found(world, "medic*") == {"C4", "C5", "N2", "I2"}
    assert found(world, "medication OR medicines") == {"C4", "C5", "N2", "I2"}
    assert found(world, "staff NOT night") == {"C9"}
    assert found(world, "staff -night") == {"C9"}
    assert found(world, "(rude OR late) carers") == {"C6"}
    assert found(world, "night AND (fall OR fell)") == {"A1", "I1"}


def test_words_match_by_stem_and_ignore_case(world: Engine):
    # "falls" and "fall" share a stem; "fell" is another word.
    assert found(world, "FALL") == {"C3", "A1"}
    assert found(world, "fell") == {"C3", "I1"}
    assert found(world, "waiting") == {"C10"}  # waited
    assert found(world, "not") == {"C10"}  # no stop words: "not" is a word like any other


def test_punctuation_inside_words(world: Engine):
    assert found(world, "well-being") == {"C6"}
    assert found(world, "o'brien") == {"C7"}
    assert found(world, "didn’t") == {"C7"}
    assert found(world, "café") == {"C9"}


def test_matches_are_marked_in_plain_text(world: Engine):
    result = search_evidence(world, '"call bell"', "inspector", "tester")
    assert result.hits.loc[0, "snippet"].count("«") >= 1
    assert (
        "«call" in result.hits.loc[0, "snippet"] or "«call bell»" in result.hits.loc[0, "snippet"]
    )
    markup = search_evidence(world, "script", "inspector", "tester").hits
    assert list(markup["record_id"]) == ["C8"]
    # The text comes back as the person wrote it, tags and all: the page shows it as text.
    assert "<" in markup.loc[0, "snippet"] and "alert" in markup.loc[0, "snippet"]


def test_results_carry_what_the_pages_need(world: Engine):
    hits = search_evidence(world, "medic*", "inspector", "tester").hits
    assert {"kind", "record_id", "provider_id", "provider_name", "date", "snippet"} <= set(hits)
    row = hits.set_index("record_id").loc["I2"]
    assert row["kind"] == "incident" and row["provider_name"] == "Elm Surgery"
    assert pd.Timestamp(row["date"]) == pd.Timestamp("2025-04-02")
    assert "author" not in hits.columns


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"provider_id": "P2"}, {"C4", "C5", "I2"}),
        ({"region": "North West"}, {"N2"}),
        ({"local_authority": "Camden"}, {"C4", "C5", "I2"}),
        ({"provider_type": "homecare"}, {"N2"}),
        ({"kinds": ("incident",)}, {"I2"}),
        ({"kinds": ("comment", "note")}, {"C4", "C5", "N2"}),
        ({"since": dt.date(2025, 4, 20), "until": dt.date(2025, 5, 25)}, {"C4", "C5"}),
    ],
)
def test_filters_narrow_the_matches(world: Engine, filters: dict, expected: set[str]):
    assert found(world, "medic*", **filters) == expected


def test_filters_on_what_was_read_keep_to_comments_and_notes(world: Engine):
    everything = search_evidence(world, "staff OR night OR medic*", "inspector", "t", limit=500)
    hits = everything.hits
    for column, value in (("sentiment", "negative"), ("sentiment", "positive")):
        want = set(hits[hits[column] == value]["record_id"])
        assert found(world, "staff OR night OR medic*", sentiment=value) == want
    themed = hits[hits["themes"].fillna("").str.split(";").map(lambda t: "safe" in t)]
    assert found(world, "staff OR night OR medic*", theme="safe") == set(themed["record_id"])
    assert not {"A1", "I1", "I2"} & found(world, "staff OR night OR medic*", theme="safe")


def test_a_manager_never_searches_safeguarding_summaries(world: Engine):
    assert found(world, "money") == {"A2"}
    assert found(world, "money", role="manager") == set()
    assert found(world, "money", role="manager", kinds=("alert",)) == set()
    result = search_evidence(world, "money", "manager", "m", SearchFilter(kinds=("alert",)))
    assert result.kinds == () and result.notes
    assert searches(world) == [{"who": "tester", "target": "all providers", "query": "money"}]


def test_searches_over_personal_data_are_audited_with_the_query(world: Engine):
    search_evidence(world, '"night staff"', "inspector", "ines", SearchFilter(provider_id="P1"))
    search_evidence(world, "night", "manager", "mo")
    search_evidence(world, "night", "inspector", "ines", SearchFilter(kinds=("comment",)))
    assert searches(world) == [
        {"who": "ines", "target": "P1", "query": '"night staff"', "provider_id": "P1"}
    ]


def test_a_role_that_may_not_view_providers_is_refused(world: Engine):
    with pytest.raises(PermissionError):
        search_evidence(world, "night", None, "nobody")
    with pytest.raises(PermissionError):
        search_evidence(world, "night", "visitor", "nobody")


@pytest.mark.parametrize(
    "query",
    [
        '"unbalanced quote',
        "(unbalanced bracket",
        "closing) bracket",
        "night AND",
        "OR night",
        "NOT",
        "NEAR(night staff, 2)",
        "text: night",
        "night^ staff",
        "night & staff | !bell <-> 'x':*",
        "'; DROP TABLE comment; --",
        '"" night',
        "night" * 2000,
        "x " * 5000,
        "\x00 night \u202e",
    ],
)
def test_odd_queries_search_literally_and_never_fail(world: Engine, query: str):
    result = search_evidence(world, query, "inspector", "tester")
    assert result.total >= 0
    with world.connect() as conn:  # nothing typed reached the database as SQL
        assert conn.execute(text("SELECT count(*) FROM comment")).scalar_one() == 10


@pytest.mark.parametrize("query", ["", "   ", "*", '""', "()", "-night", "NOT night", "!!! ???"])
def test_a_query_with_nothing_to_find_is_refused_with_a_message(world: Engine, query: str):
    with pytest.raises(QueryError, match="word"):
        search_evidence(world, query, "inspector", "tester")


def test_unbalanced_quotes_say_they_were_read_literally(world: Engine):
    result = search_evidence(world, '"night staff', "inspector", "tester")
    assert result.notes and "words were searched" in result.notes[0]
    assert set(result.hits["record_id"]) == {"C1", "C2", "N1"}


# ------------------------------------------------------------------ the index and the loader


def test_the_index_matches_the_tables_after_a_load(world: Engine):
    assert index.mismatches(world) == []


def test_the_index_check_sees_a_stale_index(world: Engine):
    if on_postgres():
        pytest.skip("PostgreSQL's generated column cannot go stale")
    with world.begin() as conn:  # a write the triggers do not see
        conn.exec_driver_sql("DROP TRIGGER comment_fts_au")
        conn.exec_driver_sql(
            "UPDATE comment SET text = 'changed behind its back' WHERE comment_id = 'C1'"
        )
    assert index.mismatches(world) == ["comment"]
    index.rebuild(world)
    assert index.mismatches(world) == []


def test_a_reload_does_not_duplicate_entries(world: Engine, tmp_path: Path):
    before = search_evidence(world, "staff OR medic* OR night", "inspector", "t", limit=500)
    assert load_folder(world, write_world(tmp_path / "again")).ok
    after = search_evidence(world, "staff OR medic* OR night", "inspector", "t", limit=500)
    assert after.counts == before.counts
    assert sorted(after.hits["record_id"]) == sorted(before.hits["record_id"])
    assert index.mismatches(world) == []


def test_a_changed_text_is_found_by_its_new_words_only(world: Engine, tmp_path: Path):
    folder = write_world(tmp_path / "changed")
    comments = (folder / "comments.csv").read_text(encoding="utf-8")
    (folder / "comments.csv").write_text(
        comments.replace("never answered the call bell", "ignored the buzzer"), encoding="utf-8"
    )
    assert load_folder(world, folder).ok
    assert found(world, "buzzer") == {"C1"}
    assert found(world, "bell") == set()
    assert index.mismatches(world) == []


def test_a_refused_load_leaves_the_index_unchanged(world: Engine, tmp_path: Path):
    before = search_evidence(world, "staff OR medic*", "inspector", "t", limit=500).counts
    folder = write_world(
        tmp_path / "bad",
        extra_comments=[
            ("C11", "2025-11-11", "P1", "A zanzibar word that must never be indexed."),
            ("C12", "2025-13-01", "P1", "A bad date refuses the whole load."),
        ],
    )
    comments = (folder / "comments.csv").read_text(encoding="utf-8")
    (folder / "comments.csv").write_text(comments.replace("call bell", "klaxon"), encoding="utf-8")
    assert not load_folder(world, folder).ok
    assert found(world, "zanzibar") == set() and found(world, "klaxon") == set()
    assert found(world, '"call bell"') == {"C1"}
    assert search_evidence(world, "staff OR medic*", "inspector", "t", limit=500).counts == before
    assert index.mismatches(world) == []


def test_an_inbox_link_keeps_the_index_and_moves_the_provider(world: Engine, tmp_path: Path):
    folder = write_world(
        tmp_path / "unlinked",
        extra_comments=[("C20", "2025-11-20", "", "The quokka in reception bit my son.")],
    )
    assert load_folder(world, folder).ok
    assert found(world, "quokka", provider_id="P2") == set()
    actions.link_comment(world, "C20", "P2", "ines")
    assert found(world, "quokka", provider_id="P2") == {"C20"}
    assert index.mismatches(world) == []


def test_a_store_made_before_search_gets_its_index(world: Engine):
    if on_postgres():
        with world.begin() as conn:
            for table in index.SEARCHED:
                conn.exec_driver_sql(f'ALTER TABLE "{table.table}" DROP COLUMN {index.VECTOR}')
    else:
        with world.begin() as conn:
            for table in index.SEARCHED:
                conn.exec_driver_sql(f"DROP TABLE {table.fts}")
                for suffix in ("ai", "ad", "au"):
                    conn.exec_driver_sql(f"DROP TRIGGER {table.fts}_{suffix}")
    again = make_engine(world.url.render_as_string(hide_password=False))
    assert found(again, '"night staff"') == {"C1", "N1"}
    assert found(again, "money") == {"A2"}
    assert index.mismatches(again) == []
    again.dispose()


def test_an_index_made_by_an_earlier_version_is_made_again(world: Engine):
    if on_postgres():
        pytest.skip("the FTS5 table is SQLite's")
    with world.begin() as conn:
        conn.exec_driver_sql("DROP TABLE comment_fts")
        conn.exec_driver_sql(
            "CREATE VIRTUAL TABLE comment_fts USING fts5(text, content='comment', "
            "content_rowid='rowid', tokenize='unicode61')"
        )
    again = make_engine(world.url.render_as_string(hide_password=False))
    with again.connect() as conn:
        made = conn.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE name = 'comment_fts'"
        ).scalar_one()
    assert "porter" in made and "prefix=" in made
    assert found(again, "fall") == {"C3", "A1"}  # stems again: "falls"
    assert index.mismatches(again) == []
    again.dispose()


def test_a_load_that_fails_while_writing_leaves_the_index_and_its_triggers(
    world: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    from sources.load import run as load_run

    real_write = load_run._write

    def failing_write(conn, table, *args, **kwargs):
        found = real_write(conn, table, *args, **kwargs)  # the comments are written...
        if table.name == "comment":
            raise RuntimeError("disk full")  # ...then the load fails
        return found

    monkeypatch.setattr(load_run, "_write", failing_write)
    folder = write_world(
        tmp_path / "fails", extra_comments=[("C30", "2025-11-30", "P1", "An axolotl word.")]
    )
    assert not load_folder(world, folder).ok
    monkeypatch.undo()
    assert found(world, "axolotl") == set()
    assert index.mismatches(world) == []
    # The insert trigger is back with the rollback: a row added later is indexed.
    later = write_world(
        tmp_path / "later", extra_comments=[("C31", "2025-12-01", "P1", "A narwhal word.")]
    )
    assert load_folder(world, later).ok
    actions.link_comment(world, "C31", "P2", "ines")
    assert found(world, "narwhal") == {"C31"}
    with world.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO comment (comment_id, received_on, text, provider_id, link_method, "
                "serious) VALUES ('C32', '2025-12-02', 'A platypus word.', 'P1', 'given', false)"
            )
        )
    assert found(world, "platypus") == {"C32"}
    assert index.mismatches(world) == []


def test_one_providers_texts_holding_more_of_the_words_rank_first(world: Engine):
    hits = search_evidence(world, "night OR staff", "inspector", "t", SearchFilter("P1")).hits
    order = list(hits["record_id"])
    assert set(order) >= {"C1", "C2", "C9", "N1"}
    # C9 holds "staff" alone; the others both words.
    assert order.index("C9") > max(order.index(k) for k in ("C1", "C2", "N1"))


def test_term_relevance_counts_matches_and_prefers_the_shorter_text():
    from sources.search.find import START, STOP, term_relevance

    def mark(word: str) -> str:
        return f"{START}{word}{STOP}"

    once, twice = f"the {mark('staff')} were kind", f"{mark('staff')} and {mark('staff')} again"
    longer = f"the {mark('staff')} were kind " + "and so on " * 20
    scores = term_relevance([once, twice, longer, "nothing here", None])
    assert scores[1] > scores[0] > scores[2] > scores[3] == scores[4] == 0.0
    assert term_relevance([]) == []


@pytest.mark.parametrize("candidates", [1, 2, 4])
def test_past_the_candidates_the_newest_matches_are_ranked(
    world: Engine, monkeypatch: pytest.MonkeyPatch, candidates: int
):
    from sources.search import find

    every = search_evidence(world, "the OR staff OR my", "inspector", "t", limit=500).hits
    comments = every[every["kind"] == "comment"].sort_values("date", ascending=False)
    assert len(comments) > max(candidates, 2) + 1  # the world holds enough to cut
    monkeypatch.setattr(find, "CANDIDATES", candidates)
    # The first window as short as it can be: the windows must still reach back in order.
    monkeypatch.setattr(find, "WINDOW_MATCHES", 1e-9)
    cut = search_evidence(
        world, "the OR staff OR my", "inspector", "t", SearchFilter(kinds=("comment",))
    )
    assert cut.counts == {"comment": candidates + 1}
    assert set(cut.hits["record_id"]) == set(comments["record_id"].head(candidates))
