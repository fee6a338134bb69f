"""verdicts.csv, Carelens's extension to the contract: loaded all or nothing like the rest,
each rule refusing the whole load with its exact message, a reload changing nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from risk import views
from sources.contract import MAX_VERDICT_NOTE
from sources.load import load_folder
from sources.people import actions
from sources.store import EVIDENCE_TABLES, Load, Verdict
from tests.sources.test_load import snapshot as evidence_snapshot
from tests.sources.test_load import write

PROVIDERS = "provider_id,name,type\nP1,Oak House,care_home\nP2,Elm Surgery,gp_practice\n"
VERDICTS = (
    "provider_id,visit_on,enquiry_key,verdict,note,recorded_by\n"
    "P1,2026-03-02,safe:harm,confirmed,two falls not reviewed,ines\n"
    "P1,2026-03-02,Caring:Voices,Not found,,ines\n"
    "P2,2026-02-10,well_led:nothing,not looked at,,\n"
)
KEYS = (
    "safe:harm, safe:safeguarding, safe:voices, safe:nothing, effective:voices, "
    "effective:nothing, caring:voices, caring:nothing, responsive:voices, responsive:nothing, "
    "well_led:voices, well_led:rating_fall, well_led:unseen_concerns, well_led:nothing"
)
HEADER = "provider_id,visit_on,enquiry_key,verdict,note\n"


def snapshot(engine: Engine) -> dict[str, list[tuple]]:
    """Every evidence and verdict row, sorted: equal snapshots mean an unchanged store."""
    return evidence_snapshot(engine, (*EVIDENCE_TABLES, Verdict))


def test_verdicts_load_with_canonical_values_and_the_natural_id(engine: Engine, tmp_path: Path):
    result = load_folder(
        engine, write(tmp_path / "in", {"providers.csv": PROVIDERS, "verdicts.csv": VERDICTS})
    )
    assert result.ok, [str(p) for p in result.problems]
    assert result.added["verdicts.csv"] == 3
    with engine.connect() as conn:
        rows = conn.execute(
            select(Verdict.verdict_id, Verdict.verdict, Verdict.note, Verdict.source).order_by(
                Verdict.verdict_id
            )
        ).all()
    assert [tuple(r) for r in rows] == [
        ("P1:2026-03-02:caring:voices", "not_found", None, "file"),
        ("P1:2026-03-02:safe:harm", "confirmed", "two falls not reviewed", "file"),
        ("P2:2026-02-10:well_led:nothing", "not_looked_at", None, "file"),
    ]
    last = views.last_verdicts(engine, "P1")
    assert set(last["recorded_by"]) == {"ines"} and last["recorded_at"].notna().all()


def test_loading_the_same_verdicts_again_changes_nothing(engine: Engine, tmp_path: Path):
    folder = write(tmp_path / "in", {"providers.csv": PROVIDERS, "verdicts.csv": VERDICTS})
    assert load_folder(engine, folder).ok
    before = snapshot(engine)
    again = load_folder(engine, folder)
    assert again.ok and again.added["verdicts.csv"] == 0 and again.updated["verdicts.csv"] == 0
    assert snapshot(engine) == before


def test_a_changed_verdict_in_the_file_updates_its_row(engine: Engine, tmp_path: Path):
    assert load_folder(
        engine, write(tmp_path / "a", {"providers.csv": PROVIDERS, "verdicts.csv": VERDICTS})
    ).ok
    changed = VERDICTS.replace("safe:harm,confirmed", "safe:harm,not_found")
    result = load_folder(engine, write(tmp_path / "b", {"verdicts.csv": changed}))
    assert result.ok and (result.added["verdicts.csv"], result.updated["verdicts.csv"]) == (0, 1)
    harm = views.last_verdicts(engine, "P1").set_index("enquiry_key").loc["safe:harm"]
    assert harm["verdict"] == "not_found"


def test_a_verdict_recorded_in_the_app_is_the_same_row_the_file_names(
    engine: Engine, tmp_path: Path
):
    assert load_folder(engine, write(tmp_path / "a", {"providers.csv": PROVIDERS})).ok
    visit = dt.date(2026, 3, 2)
    actions.record_verdict(engine, "P1", visit, "safe:harm", "not_looked_at", "jo")
    assert load_folder(engine, write(tmp_path / "b", {"verdicts.csv": VERDICTS})).ok
    harm = views.last_verdicts(engine, "P1").set_index("enquiry_key").loc["safe:harm"]
    assert (harm["verdict"], harm["source"]) == ("confirmed", "file")
    assert len(views.last_verdicts(engine, "P1")) == 2


CASES = [
    pytest.param(
        HEADER + "P1,2026-03-02,safe:harm,maybe,\n",
        [
            "verdicts.csv:2: column 'verdict' = 'maybe': "
            "not one of: confirmed, not_found, not_looked_at"
        ],
        id="verdict not one of the three",
    ),
    pytest.param(
        HEADER + "P1,2026-03-02,safe:harm,confirmed,\nP9,2026-03-02,safe:harm,confirmed,\n",
        [
            "verdicts.csv:3: column 'provider_id' = 'P9': "
            "unknown provider: not in the store nor in this load's providers.csv"
        ],
        id="unknown provider",
    ),
    pytest.param(
        HEADER + "P1,2026-03-02,caring:harm,confirmed,\n",
        [f"verdicts.csv:2: column 'enquiry_key' = 'caring:harm': not one of: {KEYS}"],
        id="no such line of enquiry",
    ),
    pytest.param(
        HEADER + f"P1,2026-03-02,safe:harm,confirmed,{'x' * (MAX_VERDICT_NOTE + 1)}\n",
        [
            f"verdicts.csv:2: column 'note' = '{'x' * 77}...': "
            f"longer than {MAX_VERDICT_NOTE} characters"
        ],
        id="note too long",
    ),
    pytest.param(
        HEADER + "P1,2026-03-02,safe:harm,confirmed,\nP1,2026-03-02,Safe:Harm,not_found,\n",
        [
            "verdicts.csv:3: column 'verdict_id' = 'P1:2026-03-02:safe:harm': "
            "the same id is already on row 2 of this file"
        ],
        id="one visit and line twice",
    ),
    pytest.param(
        "provider_id,visit_on,verdict\nP1,2026-03-02,confirmed\n",
        ["verdicts.csv:1: column 'enquiry_key' = '': required column is missing"],
        id="key column missing",
    ),
]


@pytest.mark.parametrize(("content", "expected"), CASES)
def test_a_bad_verdicts_file_refuses_the_whole_load_with_its_message(
    engine: Engine, tmp_path: Path, content: str, expected: list[str]
):
    result = load_folder(
        engine, write(tmp_path / "in", {"providers.csv": PROVIDERS, "verdicts.csv": content})
    )
    assert not result.ok
    assert [str(p) for p in result.problems] == expected
    assert all(rows == [] for rows in snapshot(engine).values())
    with engine.connect() as conn:
        assert conn.execute(select(Load.outcome)).scalars().all() == ["rejected"]
