"""Every voice: who is heard, who is silent, duplicates across channels, what we did."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlmodel import Session

from risk import usage, voices
from sources import duplicates
from sources.demo import world as demo
from sources.people import actions, audit
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
    silent = voices.no_recent_voice(engine, D(2026, 2, 1))
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
    actions.mark_used(
        engine, "comment", "C0000", "inspection", "Raised at the visit: night staffing", "ayo"
    )
    used = usage.used_for_provider(engine, "P1")
    assert used[["record_id", "used_for", "used_by"]].values.tolist() == [
        ["C0000", "inspection", "ayo"]
    ]
    report = usage.you_said_we_did(engine, D(2025, 10, 1), D(2026, 3, 31)).set_index("channel")
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
    with pytest.raises(actions.UsageError, match=message):
        actions.mark_used(engine, kind, record_id, used_for, "", "ayo")


def test_the_shipped_reference_covers_every_region_and_group_and_each_field_sums_to_one():
    reference = voices.load_reference()
    sums = reference.groupby(["region", "field"])["share"].sum()
    assert sums.to_numpy() == pytest.approx(1.0, abs=1e-6)
    assert set(reference["region"]) == {voices.ALL_REGIONS, *demo.REGIONS}
    groups = reference.groupby("field")["group"].agg(set).to_dict()
    assert groups == {
        "age_band": {"18-24", "25-44", "45-64", "65-79", "80+"},
        "carer": {"yes", "no"},
        "disability": {"yes", "no"},
        "ethnicity": {"White", "Asian", "Black", "Mixed", "Other"},
    }


def test_the_reference_is_read_from_the_configured_file(tmp_path, monkeypatch):
    path = tmp_path / "mine.csv"
    path.write_text(
        "# our own figures\nregion,field,group,share\n*,carer,yes,0.5\n*,carer,no,0.5\n"
    )
    monkeypatch.setenv("CARELENS_VOICE_REFERENCE", str(path))
    assert voices.load_reference()["share"].tolist() == [0.5, 0.5]
    path.write_text("region,field,share\n*,carer,0.5\n")
    with pytest.raises(ValueError, match="group"):
        voices.load_reference()


def test_the_mix_sets_every_group_heard_against_its_region_reference(engine):
    add_providers(engine, ("P1", "care_home", "North East"))
    add_comments(
        engine,
        [{"provider_id": "P1", "age_band": "65+"} for _ in range(3)]
        + [{"provider_id": "P1", "age_band": "18-24"}, {"provider_id": "P1"}],
    )
    mix = voices.reference_mix(voices.heard_frame(engine), REFERENCE).set_index("group")
    assert mix.loc["65+", ["heard", "answered"]].tolist() == [3, 4]
    assert mix.loc["65+", "share"] == pytest.approx(0.75)
    assert mix.loc["65+", "ratio"] == pytest.approx(0.75 / 0.4)
    # A group served but never heard is listed with nothing heard.
    assert mix.loc["25-64", ["heard", "reference_share", "ratio"]].tolist() == [0, 0.4, 0.0]


def test_a_report_for_one_region_names_only_its_places(engine):
    add_providers(engine, ("P1", "care_home", "North East"), ("P2", "care_home", "London"))
    add_comments(
        engine,
        [{"provider_id": "P1", "age_band": "65+", "channel": "phone"} for _ in range(40)]
        + [{"provider_id": "P2", "age_band": "65+", "channel": "web_form"} for _ in range(40)],
    )
    heard = voices.heard_frame(engine)
    report = voices.voices_report(heard, REFERENCE, region="North East")
    assert (report.scope, report.received, report.described) == ("North East", 40, 40)
    assert set(report.silent_regions["area"]) == {"North East"}
    assert set(report.silent_providers["name"]) == {"P1"}
    assert report.channels[["area", "channel", "comments"]].values.tolist() == [
        ["North East", "phone", 40]
    ]
    one = voices.voices_report(heard, REFERENCE, provider_id="P2")
    assert one.scope == "P2" and set(one.mix["area"]) == {"P2"}


def test_copies_are_listed_once_with_every_channel(engine):
    add_providers(engine, ("P1", "care_home", "London"))
    add_comments(
        engine,
        [
            {"provider_id": "P1", "text": CONCERN, "channel": "phone"},
            {
                "provider_id": "P1",
                "text": CONCERN + ".",
                "channel": "web_form",
                "received_on": D(2026, 1, 3),
            },
            {
                "provider_id": "P1",
                "text": "Passed on: " + CONCERN,
                "channel": "healthwatch",
                "received_on": D(2026, 1, 5),
            },
        ],
    )
    duplicates.mark_duplicates(engine)
    copies = duplicates.copies_for_provider(engine, "P1")
    assert copies.values.tolist() == [["C0000", "phone, web form, Healthwatch", 2]]
    shown = duplicates.merge_copies(
        pd.DataFrame({"kind": ["comment"], "record_id": ["C0000"], "channel": ["phone"]}), copies
    )
    assert shown[["channels", "copies"]].values.tolist() == [["phone, web form, Healthwatch", 2]]


def test_the_report_counts_each_use_and_can_keep_to_one_region(engine):
    add_providers(engine, ("P1", "care_home", "London"), ("P2", "care_home", "North East"))
    add_comments(
        engine,
        [
            {"provider_id": "P1", "channel": "phone"},
            {"provider_id": "P2", "channel": "phone"},
            {"channel": "phone"},
        ],
    )
    actions.mark_used(engine, "comment", "C0000", "inspection", "", "ayo")
    actions.mark_used(engine, "comment", "C0000", "safeguarding_referral", "Referred", "ayo")
    actions.mark_used(engine, "comment", "C0001", "lines_of_enquiry", "", "ayo")
    every = usage.you_said_we_did(engine, D(2026, 1, 1), D(2026, 1, 31), freq="ME")
    row = every.iloc[0]
    assert row[["received", "linked", "used", "with_outcome"]].tolist() == [3, 2, 2, 1]
    assert row[["inspection", "lines_of_enquiry", "safeguarding_referral", "other"]].tolist() == [
        1,
        1,
        1,
        0,
    ]
    london = usage.you_said_we_did(engine, D(2026, 1, 1), D(2026, 1, 31), region="London")
    assert london[["received", "linked", "used"]].values.tolist() == [[1, 1, 1]]
    marks = usage.uses_between(engine, D(2020, 1, 1), D(2100, 1, 1), region="London")
    assert sorted(marks["used_for"]) == ["inspection", "safeguarding_referral"]
    assert set(marks["name"]) == {"P1"}


def test_the_picker_lists_each_provider_heard_from_once_by_name(engine):
    with Session(engine) as s:
        for provider_id, name, region in (
            ("P1", "Oak Lodge", "London"),
            ("P2", "Ash House", "North East"),
            ("P3", "Quiet Place", "London"),
        ):
            s.add(Provider(provider_id=provider_id, name=name, type="care_home", region=region))
        s.commit()
    add_comments(engine, [{"provider_id": p} for p in ("P1", "P2", "P1", "P2", "P1")])
    listed = voices.heard_providers(voices.heard_frame(engine))
    assert listed.to_dict("records") == [
        {"provider_id": "P2", "name": "Ash House", "region": "North East"},
        {"provider_id": "P1", "name": "Oak Lodge", "region": "London"},
    ]
