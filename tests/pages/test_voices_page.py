"""Every voice in the app (issue 7), under AppTest on the tiny world: who is heard and who is
silent on the Voices page, marking evidence used on the provider page, and copies shown once.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from risk import views
from sources.people import actions, audit
from sources.people.access import REDACTED
from sources.store import Comment, Provider
from tests.pages import apptest
from tests.pages.apptest import frame_with
from tests.risk import tiny_world

# The reference's five age bands; a region heard only from people aged 65-79.
AGE_BANDS = ("18-24", "25-44", "45-64", "65-79", "80+")
HEARD_BAND = "65-79"


@pytest.fixture
def world(engine: Engine) -> Engine:
    """The tiny world, plus a North East care home whose 80 comments all come from 65-79."""
    tiny_world.build(engine)
    with Session(engine) as s:
        s.add(
            Provider(
                provider_id="N",
                name="Northgate Lodge",
                type="care home",
                region="North East",
                local_authority="Gateshead",
            )
        )
        for i in range(80):
            s.add(
                Comment(
                    comment_id=f"ne{i:02d}",
                    received_on=dt.date(2026, 3, 1) + dt.timedelta(days=i),
                    text="Visited my aunt.",
                    provider_id="N",
                    channel="listening_event" if i % 4 == 0 else "phone",
                    age_band=HEARD_BAND,
                    link_method="given",
                )
            )
        s.commit()
    return engine


def open_page(page: str, role: str = "inspector", **params: str) -> AppTest:
    return apptest.open_page(page, role, **params)


def test_the_voices_page_names_a_region_heard_from_one_age_band_as_missing_the_others(
    world: Engine,
) -> None:
    at = open_page("voices")
    assert at.title[0].value == "Voices"
    silent = frame_with(at, "region", "group", "expected", without=("local authority", "name"))
    north_east = silent[silent["region"] == "North East"]
    missing = set(north_east.loc[north_east["field"] == "age band", "group"])
    assert missing == set(AGE_BANDS) - {HEARD_BAND}
    # The places to go and listen: the local authority and the provider are named too.
    areas = frame_with(at, "local authority", "group")
    assert set(areas.loc[areas["local authority"] == "Gateshead", "group"]) == missing
    providers = frame_with(at, "name", "group")
    assert set(providers.loc[providers["name"] == "Northgate Lodge", "group"]) == missing


def test_a_region_chosen_shows_its_mix_against_the_reference_and_its_channels(
    world: Engine,
) -> None:
    at = open_page("voices")
    at.selectbox(key="v_region").select("North East").run()
    assert not at.exception
    mix = frame_with(at, "region", "reference_share", "answered")
    ages = mix[mix["field"] == "age band"].set_index("group")
    assert ages.loc[HEARD_BAND, "share"] == pytest.approx(1.0)
    assert ages.loc["18-24", "heard"] == 0 and ages.loc["18-24", "reference_share"] > 0
    channels = frame_with(at, "channel", "comments").set_index("channel")
    assert channels.loc["listening event", "comments"] == 20
    assert channels.loc["phone", "comments"] == 60
    # London's providers are not this region's.
    assert set(mix["region"]) == {"North East"}


def test_marking_a_comment_used_shows_on_the_provider_page_in_the_report_and_the_audit(
    world: Engine,
) -> None:
    at = open_page("provider", provider="A", section="used")
    assert not [d for d in at.dataframe if "used_for" in d.value.columns]
    at.selectbox(key="use_record").select("comment:c3")
    at.selectbox(key="use_for").select("lines_of_enquiry")
    at.text_input(key="use_outcome").input("Asked about meals at the visit")
    at.button(key="use_submit").click().run()
    assert not at.exception, [e.message for e in at.exception]
    used = frame_with(at, "used_for", "outcome")
    assert used[["record_id", "used_for", "outcome", "used_by"]].values.tolist() == [
        ["c3", "lines of enquiry", "Asked about meals at the visit", "t"]
    ]
    assert "Marked comment c3" in " ".join(s.value for s in at.success)

    log = audit.search(world, action="mark_used")
    assert log[["username", "target", "detail"]].values.tolist() == [
        ["t", "comment:c3", "lines_of_enquiry"]
    ]

    at = open_page("voices")
    report = frame_with(at, "received", "linked", "used")
    # c3 came by web form on 1 May 2026; c1 came the same way and is not marked.
    web = report[(report["period"] == "2026Q2") & (report["channel"] == "web")].iloc[0]
    assert (web["used"], web["with_outcome"], web["lines_of_enquiry"]) == (1, 1, 1)
    assert report["used"].sum() == 1
    uses = frame_with(at, "used_at", "outcome")
    assert uses["record_id"].tolist() == ["c3"]


def test_a_manager_cannot_mark_evidence_used_nor_read_outcomes_nor_an_admin_export(
    world: Engine,
) -> None:
    actions.mark_used(world, "comment", "c3", "safeguarding_referral", "Referred Mrs P", "t")
    at = open_page("provider", role="manager", provider="A", section="used")
    assert not [s for s in at.selectbox if s.key == "use_record"]
    # An outcome may name a person: hidden from a manager, shown to an inspector.
    assert frame_with(at, "used_for", "outcome")["outcome"].tolist() == [REDACTED]
    inspector = open_page("provider", role="inspector", provider="A", section="used")
    assert frame_with(inspector, "used_for", "outcome")["outcome"].tolist() == ["Referred Mrs P"]
    at = open_page("voices", role="admin")
    assert frame_with(at, "received", "linked", "used").shape[0] > 0
    assert not at.get("download_button")
    at = open_page("voices", role="inspector")
    assert len(at.get("download_button")) == 1


def test_a_concern_sent_twice_shows_once_with_both_channels(world: Engine) -> None:
    at = open_page("provider", provider="A", section="voices")
    table = frame_with(at, "sentiment", "channels")
    comments = table[table["kind"] == "comment"].set_index("record_id")
    # c2 is a phone copy of c1 (web): one row, both channels, one copy.
    assert "c2" not in comments.index
    assert comments.loc["c1", "channels"] == "web, phone"
    assert comments.loc["c1", "copies"] == 1
    assert comments.loc["c3", "copies"] == 0


def test_past_a_long_list_a_typed_name_narrows_the_providers_to_pick(
    world: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "PICK_LIST", 1)
    at = open_page("voices")
    picker = at.selectbox(key="v_provider")
    assert picker.options == []  # nothing listed until a name is typed
    at.text_input(key="v_provider_find").input("northgate").run()
    picker = at.selectbox(key="v_provider")
    assert picker.options == ["Northgate Lodge (N)"]
    picker.select("N").run()
    assert not at.exception
    channels = frame_with(at, "channel", "comments").set_index("channel")
    assert channels.loc["phone", "comments"] == 60
