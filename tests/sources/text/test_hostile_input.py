"""Hostile and random input: the loader neither crashes nor half-writes, text is kept whole."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from sources.load import load_folder
from sources.store import EVIDENCE_TABLES, Comment, Incident

HOSTILE = Path(__file__).resolve().parents[2] / "data" / "hostile_texts.csv"

# Printable text and the characters people paste by accident; CSV carries any Unicode
# scalar except surrogates, and NUL, which no text column can hold.
TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    max_size=80,
)
CELL = st.one_of(
    TEXT,
    st.sampled_from(["", " ", "2026-13-45", "none", "DEATH", "Low ", "-1", "1e9", "=1+1", "P1"]),
)
COLUMNS = ("incident_id", "provider_id", "occurred_on", "harm", "category", "extra")
# A row is either valid throughout or has cells that may be anything, so many examples
# load and the clean branch is exercised too.
VALID = {
    "incident_id": st.from_regex(r"I[0-9]{1,3}", fullmatch=True),
    "provider_id": st.just("P1"),
    "occurred_on": st.sampled_from(["2025-03-01", "2024-12-31"]),
    "harm": st.sampled_from(["none", "Low ", "DEATH", "moderate"]),
    "category": st.sampled_from(["falls", '=HYPERLINK("x")', "<b>med</b>"]),
    "extra": TEXT,
}
ROW = st.one_of(
    st.tuples(*(VALID[c] for c in COLUMNS)).map(list),
    st.tuples(*(st.one_of(VALID[c], CELL) for c in COLUMNS)).map(list),
)


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)


def counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            t.__tablename__: conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in EVIDENCE_TABLES
        }


def seed_store(engine, folder: Path) -> None:
    folder.mkdir()
    write_csv(
        folder / "providers.csv", ["provider_id", "name", "type"], [["P1", "Oak", "care_home"]]
    )
    assert load_folder(engine, folder).ok


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=st.lists(ROW, min_size=1, max_size=6))
def test_random_rows_give_either_a_clean_load_or_problems_and_no_partial_write(
    engine, tmp_path_factory, rows
):
    base = tmp_path_factory.mktemp("seed")
    if not counts(engine)["provider"]:
        seed_store(engine, base / "seed")
    before = counts(engine)
    folder = tmp_path_factory.mktemp("random")
    write_csv(folder / "incidents.csv", list(COLUMNS), rows)
    result = load_folder(engine, folder)
    after = counts(engine)
    event("loaded" if result.ok else "refused")
    if result.ok:
        # Every row the loader accepted is in the store, under its (trimmed) id, once.
        with engine.connect() as conn:
            stored = set(conn.execute(select(Incident.incident_id)).scalars())
        assert {row[0].strip() for row in rows} <= stored
        assert after["incident"] == len(stored)
        assert all(after[t] == before[t] for t in before if t != "incident")
    else:
        assert result.problems and after == before
        for problem in result.problems:
            text = str(problem)
            assert text.startswith("incidents.csv:") and "column '" in text


def test_hostile_texts_are_stored_whole(engine, tmp_path):
    hostile = pd.read_csv(HOSTILE, dtype=str, keep_default_na=False)
    seed_store(engine, tmp_path / "seed")
    folder = tmp_path / "hostile"
    folder.mkdir()
    write_csv(
        folder / "comments.csv",
        ["comment_id", "received_on", "text", "provider_id"],
        [[name, "2026-01-01", text, "P1"] for name, text in hostile.itertuples(index=False)],
    )
    result = load_folder(engine, folder)
    assert result.ok, [str(p) for p in result.problems]
    with engine.connect() as conn:
        stored = dict(conn.execute(select(Comment.comment_id, Comment.text)).all())
    for name, text in hostile.itertuples(index=False):
        assert stored[name].strip() == text.strip(), name
