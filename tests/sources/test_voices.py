"""Every voice: who is heard, who is silent, duplicates across channels, what we did."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlmodel import Session

from sources import audit, duplicates, usage, voices
from sources.store import Comment, Provider

D = dt.date


def add_providers(engine, *providers: tuple[str, str, str]) -> None:
    with Session(engine) as s:
        for provider_id, type_, region in providers:
            s.add(Provider(provider_id=provider_id, name=provider_id, type=type_, region=region))
        s.commit()


def add_comments(engine, rows: list[dict]) -> None:
    with Session(engine) as s:
        for i, row in enumerate(rows):
            row = {"comment_id": f"C{i:04d}", "received_on": D(2026, 1, 1), "text": "ok"} | row
            link = "given" if row.get("provider_id") else "unlinked"
            s.add(Comment(link_method=link, **row))
        s.commit()


REFERENCE = pd.DataFrame(
    {
        "region": ["*"] * 3,
        "field": ["age_band"] * 3,
        "group": ["18-24", "25-64", "65+"],
        "share": [0.2, 0.4, 0.4],
    }
)


def test_a_region_heard_only_from_one_age_band_is_named_as_missing_the_others(engine):
    add_providers(engine, ("P1", "care_home", "North East"), ("P2", "care_home", "London"))
    bands = ["18-24", "25-64", "65+"]
    add_comments(
        engine,
        [{"provider_id": "P1", "age_band": "65+"} for _ in range(40)]
        + [{"provider_id": "P2", "age_band": bands[i % 3]} for i in range(60)],
    )
    silent = voices.silent_groups(voices.heard_frame(engine), REFERENCE)
    north_east = silent[silent["area"] == "North East"]
    assert sorted(north_east["group"]) == ["18-24", "25-64"]
    assert north_east.set_index("group").loc["25-64", "expected"] == pytest.approx(16.0)
    assert "London" not in set(silent["area"])


def test_a_region_with_too_few_answers_is_not_accused_of_silence(engine):
    add_providers(engine, ("P1", "care_home", "North East"))
    add_comments(engine, [{"provider_id": "P1", "age_band": "65+"} for _ in range(4)])
    assert voices.silent_groups(voices.heard_frame(engine), REFERENCE).empty


def test_the_mix_counts_answers_not_comments(engine):
    add_providers(engine, ("P1", "gp_practice", "London"))
    add_comments(
        engine,
        [{"provider_id": "P1", "age_band": " 65+ "}, {"provider_id": "P1"}, {"provider_id": "P1"}],
    )
    mix = voices.voice_mix(voices.heard_frame(engine))
    row = mix[(mix["field"] == "age_band")].iloc[0]
    assert (row["group"], row["heard"], row["answered"], row["received"]) == ("65+", 1, 1, 3)


def test_a_silent_provider_of_a_chatty_type_is_flagged(engine):
    add_providers(
        engine,
        *((f"G{i}", "gp_practice", "London") for i in range(5)),
        ("H1", "homecare", "London"),
    )
    rows = [
        {"provider_id": f"G{i}", "received_on": D(2026, 1, 1) - dt.timedelta(days=20 * k)}
        for i in range(4)
        for k in range(8)
    ]
    rows.append({"provider_id": "G4", "received_on": D(2025, 3, 1)})
    add_comments(engine, rows)
    silent = voices.no_recent_voice(D(2026, 2, 1), engine=engine)
    # G4 last heard eleven months ago; H1 is of a type that seldom hears from anyone.
    assert silent["provider_id"].tolist() == ["G4"]
    assert silent["days_silent"].iloc[0] == (D(2026, 2, 1) - D(2025, 3, 1)).days


CONCERN = "My mother was left in a soiled bed all night and nobody came when she rang the bell"


def test_the_same_concern_by_phone_web_and_healthwatch_is_one_concern(engine):
    add_providers(engine, ("P1", "care_home", "London"), ("P2", "care_home", "London"))
    add_comments(
        engine,
        [
            {"provider_id": "P1", "text": CONCERN, "channel": "phone"},
            {
                "provider_id": "P1",
                "text": CONCERN.replace("My mother", "Mum") + ".",
                "channel": "web_form",
                "received_on": D(2026, 1, 4),
            },
            {
                "provider_id": "P1",
                "text": "Concern passed on: " + CONCERN.lower(),
                "channel": "healthwatch",
                "received_on": D(2026, 1, 9),
            },
            # Same words about another home, and much later at the same home: not copies.
            {"provider_id": "P2", "text": CONCERN, "received_on": D(2026, 1, 2)},
            {"provider_id": "P1", "text": CONCERN, "received_on": D(2026, 4, 1)},
            {
                "provider_id": "P1",
                "text": "Lovely garden and the food is always hot and tasty, thank you all",
                "received_on": D(2026, 1, 2),
            },
        ],
    )
    assert duplicates.mark_duplicates(engine) == 2
    with Session(engine) as s:
        copies = {c.comment_id: c.duplicate_of for c in s.query(Comment) if c.duplicate_of}
    assert copies == {"C0001": "C0000", "C0002": "C0000"}


def test_short_stock_praise_from_two_people_is_not_merged():
    frame = pd.DataFrame(
        {
            "comment_id": ["A", "B"],
            "provider_id": ["P1", "P1"],
            "received_on": [D(2026, 1, 1), D(2026, 1, 2)],
            "text": ["Lovely staff.", "Lovely staff!"],
        }
    )
    assert duplicates.find_duplicates(frame) == {}


def test_marking_a_comment_used_shows_on_the_provider_in_the_report_and_the_audit(engine):
    add_providers(engine, ("P1", "care_home", "London"))
    add_comments(
        engine,
        [
            {"provider_id": "P1", "channel": "phone"},
            {"provider_id": "P1", "channel": "phone"},
            {"channel": "web_form"},
        ],
    )
    usage.mark_used(
        "comment",
        "C0000",
        "inspection",
        "Raised at the visit: night staffing",
        "ayo",
        engine=engine,
    )
    used = usage.used_for_provider("P1", engine=engine)
    assert used[["record_id", "used_for", "used_by"]].values.tolist() == [
        ["C0000", "inspection", "ayo"]
    ]
    report = usage.you_said_we_did(D(2025, 10, 1), D(2026, 3, 31), engine=engine).set_index(
        "channel"
    )
    assert report.loc["phone", ["received", "linked", "used", "with_outcome"]].tolist() == [
        2,
        2,
        1,
        1,
    ]
    assert report.loc["web_form", ["received", "linked", "used"]].tolist() == [1, 0, 0]
    log = audit.search(engine, action="mark_used")
    assert log[["username", "target"]].values.tolist() == [["ayo", "comment:C0000"]]


@pytest.mark.parametrize(
    ("kind", "record_id", "used_for", "message"),
    [
        ("tweet", "C0000", "inspection", "kind must be one of"),
        ("comment", "C0000", "gossip", "used for must be one of"),
        ("comment", "NOPE", "inspection", "no comment 'NOPE'"),
    ],
)
def test_bad_marks_are_refused(engine, kind, record_id, used_for, message):
    add_providers(engine, ("P1", "care_home", "London"))
    add_comments(engine, [{"provider_id": "P1"}])
    with pytest.raises(usage.UsageError, match=message):
        usage.mark_used(kind, record_id, used_for, "", "ayo", engine=engine)
