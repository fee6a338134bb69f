"""The views the pages draw: each one on a tiny world whose every row is placed on purpose."""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd
import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from risk import views
from risk.indicators import INDICATORS
from sources.people import actions, audit
from sources.store import Comment, EbeNote
from tests.risk import tiny_world
from tests.risk.tiny_world import AS_OF


@pytest.fixture
def world(engine: Engine) -> Engine:
    tiny_world.build(engine)
    return engine


def test_triage_ranks_by_score_and_puts_the_unscored_last(world: Engine) -> None:
    frame = views.triage_frame(world)
    assert frame["provider_id"].tolist() == ["A", "B", "C"]
    assert list(frame.columns) == list(views.TRIAGE_COLUMNS)
    a = frame.set_index("provider_id").loc["A"]
    assert a["score"] == 72.5 and a["band"] == "very high"
    assert a["change"] == 12.5
    assert a["trend"] == [60.0, 72.5]
    # i3 (2025-06-01) is older than a year before 2026-06-30; c2 is a copy of c1.
    assert (a["incidents"], a["safeguarding"], a["comments"], a["ebe_notes"]) == (2, 1, 2, 1)
    assert a["last_rating"] == "Requires improvement"
    assert a["last_rated_on"] == pd.Timestamp("2026-01-10")
    assert a["days_since_inspection"] == (AS_OF - dt.date(2026, 1, 10)).days
    # c1 is serious and unseen; c2 (a copy) is too, but n1 was seen.
    assert a["unseen_serious"] == 2
    c = frame.set_index("provider_id").loc["C"]
    assert pd.isna(c["score"]) and pd.isna(c["last_rating"]) and c["trend"] == []


def test_triage_of_a_store_without_scores_is_empty(engine: Engine) -> None:
    assert views.triage_frame(engine).empty


@pytest.mark.parametrize(
    ("chosen", "expected"),
    [
        (views.TriageFilter(), ["A", "B", "C"]),
        (views.TriageFilter(regions=("London",)), ["A", "C"]),
        (views.TriageFilter(local_authorities=("Bolton",)), ["B"]),
        (views.TriageFilter(types=("hospital", "GP practice")), ["B", "C"]),
        (views.TriageFilter(bands=("low",)), ["B"]),
        (views.TriageFilter(ratings=(views.NOT_RATED,)), ["C"]),
        (views.TriageFilter(ratings=("Outstanding", "Requires improvement")), ["A", "B"]),
        (views.TriageFilter(name="  acorn "), ["A"]),
        (views.TriageFilter(name="b"), ["B"]),  # the id matches too
        (views.TriageFilter(regions=("London",), bands=("low",)), []),
    ],
)
def test_triage_filters(world: Engine, chosen: views.TriageFilter, expected: list[str]) -> None:
    shown = views.filter_triage(views.triage_frame(world), chosen)
    assert shown["provider_id"].tolist() == expected


def test_triage_display_shows_bands_types_and_concerns_as_a_person_reads_them() -> None:
    frame = pd.DataFrame(
        {
            "provider_id": ["A", "B", "C", "D"],
            "band": ["very high", None, "low", "high"],
            "type": ["gp_practice", "care_home", None, "hospital"],
            "last_rating": ["Requires improvement", "Good", None, "Inadequate"],
            "unseen_serious": [2, 0, 1, 3],
            "new_serious": [0, 0, 1, 2],
        }
    )
    shown = views.triage_display(views.mark_silent(frame, ["B", "D", "Z"]))
    assert shown["band"].tolist() == [["very high"], [], ["low"], ["high"]]
    assert shown["type"].tolist()[:2] == ["GP practice", "care home"]
    assert pd.isna(shown["type"].iloc[2])
    assert shown["last_rating"].tolist()[:2] == ["Req. improvement", "Good"]
    assert shown["unseen_serious"].tolist() == ["2 unseen", "", "! 1 new of 1", "! 2 new of 3"]
    assert shown["voice"].tolist() == ["", views.NO_RECENT_VOICE, "", views.NO_RECENT_VOICE]
    # One narrow column for what people's words say: the concerns, after the silence mark.
    assert shown["voices"].tolist() == [
        "2 unseen",
        views.SILENT,
        "! 1 new of 1",
        views.NO_VOICE_MARK + " ! 2 new of 3",
    ]
    assert "voice" not in frame and frame["band"].iloc[0] == "very high"  # input left alone


def test_serious_concerns_are_new_in_the_days_before_the_scoring(world: Engine) -> None:
    frame = views.triage_frame(world).set_index("provider_id")
    # Unseen at A: c1 (1 April) and its copy c2 (2 April); new from 2 April, 90 days to 30 June.
    assert views.new_since(AS_OF) == dt.date(2026, 4, 2)
    assert (AS_OF - views.new_since(AS_OF)).days + 1 == views.NEW_DAYS
    a, b = frame.loc["A"], frame.loc["B"]
    assert (a["unseen_serious"], a["new_serious"]) == (2, 1)
    assert a["newest_serious"] == pd.Timestamp("2026-04-02")
    assert (b["unseen_serious"], b["new_serious"]) == (0, 0) and pd.isna(b["newest_serious"])
    only = views.filter_triage(frame.reset_index(), views.TriageFilter(new_serious_only=True))
    assert only["provider_id"].tolist() == ["A"]
    # Marked seen, a concern is neither unseen nor new.
    actions.mark_seen(world, "comment", "c2", "inspector1")
    a = views.triage_frame(world).set_index("provider_id").loc["A"]
    assert (a["unseen_serious"], a["new_serious"]) == (1, 0)
    assert a["newest_serious"] == pd.Timestamp("2026-04-01")


def test_the_serious_headline_counts_what_is_new_and_keeps_the_total(world: Engine) -> None:
    frame = views.triage_frame(world)
    headline = views.serious_headline(frame, AS_OF)
    assert (headline.providers, headline.new_providers, headline.new_concerns) == (3, 1, 1)
    assert (headline.unseen_providers, headline.unseen_concerns) == (1, 2)
    assert headline.visit is None and headline.visit_providers is None
    assert headline.summary() == (
        "1 unseen serious concern dated in the 90 days to 30 June 2026, at 1 of 3 providers."
    )
    # Since a visit on 2 April (c2's day) one provider has one; since 3 April none has.
    visit = dt.datetime(2026, 4, 2, 18, 30, tzinfo=dt.UTC)
    assert views.serious_headline(frame, AS_OF, visit).visit_providers == 1
    later = views.serious_headline(frame, AS_OF, visit + dt.timedelta(days=1))
    assert later.visit_providers == 0
    assert later.summary().endswith("Since your last visit on 03 April 2026: none dated since.")
    quiet = views.serious_headline(frame[frame["provider_id"] != "A"], AS_OF)
    assert quiet.summary() == "No unseen serious concern dated in the 90 days to 30 June 2026."


def test_the_previous_visit_is_the_sign_in_before_this_one(world: Engine) -> None:
    assert views.previous_visit(world, "inspector1") is None
    audit.record(engine=world, username="inspector1", action="sign_in")
    assert views.previous_visit(world, "inspector1") is None  # this visit's own
    audit.record(engine=world, username="someone else", action="sign_in")
    audit.record(engine=world, username="inspector1", action="sign_in_failed")
    audit.record(engine=world, username="inspector1", action="sign_in")
    signed = audit.search(world, username="inspector1", action="sign_in")
    visit = views.previous_visit(world, "inspector1")
    assert visit is not None and visit.utcoffset() == dt.timedelta(0)
    at = pd.Timestamp(signed["at"].iloc[1])  # SQLite gives it without its zone
    assert visit == (at.tz_localize("UTC") if at.tzinfo is None else at).to_pydatetime()


def test_biggest_movers_orders_by_size_of_change_either_way(world: Engine) -> None:
    movers = views.biggest_movers(views.triage_frame(world))
    assert movers["provider_id"].tolist() == ["A", "B"]
    assert movers["change"].tolist() == [12.5, -10.0]


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_csv_export_neutralises_formulas(start: str) -> None:
    frame = pd.DataFrame({"name": [f"{start}cmd|' /C calc'!A0", "Plain"], "change": [-10.0, 2.0]})
    read = pd.read_csv(io.BytesIO(views.safe_csv(frame)), encoding="utf-8-sig", dtype=str)
    assert read["name"].tolist() == [f"'{start}cmd|' /C calc'!A0", "Plain"]
    # Numbers are numbers, not text: a negative change stays a number.
    assert read["change"].tolist() == ["-10.0", "2.0"]


def test_csv_export_of_the_triage_table_keeps_its_rows(world: Engine) -> None:
    frame = views.triage_frame(world)
    read = pd.read_csv(io.BytesIO(views.safe_csv(frame)), encoding="utf-8-sig")
    assert read["provider_id"].tolist() == ["A", "B", "C"]
    assert read.loc[0, "trend"] == "60.0 72.5"


def test_band_counts_and_map(world: Engine) -> None:
    triage = views.triage_frame(world)
    counts = views.band_counts(triage, "region")
    assert counts.to_dict("records") == [
        {"region": "London", "band": "very high", "providers": 1},
        {"region": "North West", "band": "low", "providers": 1},
    ]
    # C has no coordinates and no score.
    assert set(views.map_frame(world, triage)["provider_id"]) == {"A", "B"}


def test_provider_events_cover_every_source_in_date_order(world: Engine) -> None:
    events = views.provider_events(world, "A")
    assert set(events["source"]) == {
        "incidents",
        "safeguarding",
        "comments",
        "ebe_notes",
        "inspections",
    }
    assert events["date"].is_monotonic_increasing
    fall = events[events["record_id"] == "i1"].iloc[0]
    assert (fall["level"], fall["text"]) == ("severe", "Fall on the stairs")
    # The safeguarding summary is personal data: the timeline carries the abuse type only.
    assert "personal detail" not in events["text"].tolist()


def test_voices_put_unseen_serious_first_and_leave_out_copies(world: Engine) -> None:
    voices = views.provider_voices(world, "A")
    assert voices["record_id"].tolist() == ["c1", "n1", "c3"]
    assert voices.loc[0, "themes"] == ["staffing", "safe"]
    assert voices.loc[1, "seen"] == "lead"


@pytest.mark.parametrize(
    ("chosen", "expected"),
    [
        (views.VoiceFilter(themes=("food_drink",)), ["n1", "c3"]),
        (views.VoiceFilter(sentiments=("positive",)), ["c3"]),
        (views.VoiceFilter(channels=("expert by experience",)), ["n1"]),
        (views.VoiceFilter(start=dt.date(2026, 4, 15)), ["n1", "c3"]),
        (views.VoiceFilter(end=dt.date(2026, 4, 15)), ["c1"]),
    ],
)
def test_voice_filters(world: Engine, chosen: views.VoiceFilter, expected: list[str]) -> None:
    voices = views.provider_voices(world, "A")
    assert views.filter_voices(voices, chosen)["record_id"].tolist() == expected


def test_themes_over_time_counts_mentions_per_quarter(world: Engine) -> None:
    themes = views.themes_over_time(views.provider_voices(world, "A"))
    q2 = themes[themes["period"] == pd.Timestamp("2026-04-01")].set_index("theme")
    assert q2.loc["food_drink", "mentions"] == 2
    assert q2.loc["staffing", "mentions"] == 1


def test_changes_since_the_last_inspection(world: Engine) -> None:
    changed = views.changes_since_inspection(world, "A", AS_OF)
    table = changed.set_index("what")
    assert changed.attrs["last_inspection"] == dt.date(2026, 1, 10)
    assert changed.attrs["days"] == 171
    # Since 2026-01-10: i1, s1, c1 and c3 (c2 is a copy), n1. Before (171 days): i2.
    assert table.loc["incidents"].tolist() == [1, 1]
    assert table.loc["incidents of moderate harm or worse"].tolist() == [0, 1]
    assert table.loc["high-risk safeguarding alerts"].tolist() == [0, 1]
    assert table.loc["comments"].tolist() == [0, 2]
    assert table.loc["serious concerns"].tolist() == [0, 2]
    assert table.loc["risk score"].tolist() == [None, 72.5]
    assert views.changes_since_inspection(world, "C", AS_OF).empty


def test_inbox_lists_unlinked_comments_and_unseen_concerns(world: Engine) -> None:
    assert views.unlinked_comments(world)["comment_id"].tolist() == ["u1"]
    assert views.unlinked_count(world) == 1
    unseen = views.unseen_serious(world)
    assert set(zip(unseen["kind"], unseen["record_id"], strict=True)) == {
        ("comment", "u1"),
        ("comment", "c2"),
        ("comment", "c1"),
    }
    # The queue shows the newest; its count is of all of them.
    assert len(views.unseen_serious(world, limit=2)) == 2
    assert views.unseen_serious_total(world) == 3
    actions.mark_seen(world, "comment", "c1", by="inspector1")
    assert views.unseen_serious_total(world) == 2


def test_linking_a_comment_records_who_and_is_audited(world: Engine) -> None:
    actions.link_comment(world, "u1", "A", by="inspector1")
    with world.connect() as conn:
        row = conn.execute(select(Comment.__table__).where(Comment.comment_id == "u1")).first()
    assert (row.provider_id, row.link_method, row.linked_by) == ("A", "person", "inspector1")
    assert views.unlinked_count(world) == 0
    log = audit.search(world, action="link")
    assert log[["username", "target", "detail"]].values.tolist() == [
        ["inspector1", "comment:u1", "A"]
    ]


def test_linking_to_an_unknown_provider_or_comment_fails(world: Engine) -> None:
    with pytest.raises(actions.InboxError, match="no provider 'Z'"):
        actions.link_comment(world, "u1", "Z", by="x")
    with pytest.raises(actions.InboxError, match="no comment 'nope'"):
        actions.link_comment(world, "nope", "A", by="x")


def test_dismissing_a_comment(world: Engine) -> None:
    actions.dismiss_comment(world, "u1", by="inspector1")
    with world.connect() as conn:
        row = conn.execute(select(Comment.__table__).where(Comment.comment_id == "u1")).first()
    assert (row.provider_id, row.link_method, row.linked_by) == (None, "dismissed", "inspector1")
    assert views.unlinked_comments(world).empty


def test_marking_a_concern_seen_records_who_and_when(world: Engine) -> None:
    before = dt.datetime.now(dt.UTC)
    actions.mark_seen(world, "comment", "c1", by="inspector1")
    with world.connect() as conn:
        row = conn.execute(select(Comment.__table__).where(Comment.comment_id == "c1")).first()
    assert row.serious_seen_by == "inspector1"
    seen_at = pd.Timestamp(row.serious_seen_at)
    seen_at = seen_at.tz_localize("UTC") if seen_at.tzinfo is None else seen_at
    assert seen_at >= pd.Timestamp(before) - pd.Timedelta(seconds=1)
    assert "c1" not in views.unseen_serious(world)["record_id"].tolist()
    assert audit.search(world, action="mark_seen")["target"].tolist() == ["comment:c1"]
    with pytest.raises(actions.InboxError):
        actions.mark_seen(world, "alert", "s1", by="x")
    with world.connect() as conn:
        assert conn.execute(select(EbeNote.serious_seen_by)).scalar() == "lead"


@pytest.mark.parametrize(
    ("value", "shown"),
    [("  Oak Lodge ", "Oak Lodge"), (None, "none"), (float("nan"), "none"), ("   ", "none")],
)
def test_a_name_or_place_nobody_gave_reads_as_missing(value: object, shown: str) -> None:
    assert views.as_given(value, "none") == shown


def test_contribution_parts_are_labelled_and_largest_first() -> None:
    parts = views.contribution_parts({"c_incidents": 3.0, "comments": -7.5, "note": "x"})
    assert parts.values.tolist() == [["public comments", -7.5], ["incidents", 3.0]]


def test_every_indicator_has_a_label_a_person_can_read() -> None:
    assert [name for name in INDICATORS if name not in views.INDICATOR_LABELS] == []


def test_store_stamp_changes_with_new_scores(world: Engine) -> None:
    from risk import score

    assert views.store_stamp(world) == (0, f"{AS_OF}/0", 3)  # scores written by hand
    assert views.newest_scoring(world) is None
    score.score_and_store(world, as_of=AS_OF, history_months=1)
    first = views.store_stamp(world)
    assert first == (0, f"{AS_OF}/1", 3)
    last = views.newest_scoring(world)
    assert last is not None
    assert (last["id"], last["as_of"], last["days"], last["providers"]) == (1, AS_OF, 2, 3)
    # The same day scored again (new weights, a rerun) is new to the pages too.
    score.score_and_store(world, as_of=AS_OF, history_months=1)
    assert views.store_stamp(world) == (0, f"{AS_OF}/2", 3) != first


def test_weights_table_comes_from_risk_weights() -> None:
    from risk import weights

    table = views.weights_frame(weights)
    assert len(table) == len(weights.WEIGHTS)
    row = table.set_index("code").loc["rt_last"]
    assert (row["source"], row["weight"]) == ("ratings", weights.WEIGHTS["rt_last"].weight)
    assert row["indicator"] == "ratings: last overall rating"
    bands = views.band_bounds(weights)
    assert [b for b, _ in bands] == list(views.BANDS)
    assert bands[0][1] == f"0 to {weights.BAND_BOUNDS[0]:g}"


def test_load_history_reads_times_as_utc(world: Engine) -> None:
    from sources.store import Load, utcnow

    with world.begin() as conn:
        conn.execute(
            Load.__table__.insert().values(
                started_at=utcnow(), finished_at=utcnow(), files="incidents.csv", outcome="ok"
            )
        )
    loads = views.loads_frame(world)
    assert loads["outcome"].tolist() == ["ok"]
    assert str(loads["started_at"].dt.tz) == "UTC"
    assert views.unlinked_comments(world)["serious"].tolist() == [True]


def test_backtest_frame_reads_a_backtest_result() -> None:
    from risk.backtest import BacktestResult, MethodResult

    result = BacktestResult(
        as_of=dt.date(2025, 6, 30), horizon_days=365, n_all=10, poor_all=4, n_good=6, poor_good=2
    )
    result.methods.append(MethodResult("score", 0.8123, 0.5, float("nan"), 0.25))
    summary, table = views.backtest_frame(result)
    assert "4 of 10 providers" in summary and "30 June 2025" in summary
    assert table.to_dict("records") == [
        {
            "method": "score",
            "AUC, all": 0.812,
            "precision in top 10%, all": 0.5,
            "precision in top 10%, Good/Outstanding": 0.25,
        }
    ]


def test_backtest_day_leaves_a_year_of_ratings(world: Engine) -> None:
    assert views.backtest_day(world) == dt.date(2025, 1, 10)


def test_voices_read_without_themes_or_sentiment(world: Engine) -> None:
    voices = views.provider_voices(world, "B").set_index("record_id")
    assert voices.loc["c5", "themes"] == []
    assert voices.loc["c5", "sentiment"] == "unknown"
    assert views.themes_over_time(voices.reset_index())["theme"].tolist() == ["dignity_respect"]


def test_map_cells_gathers_providers_into_areas() -> None:
    points = pd.DataFrame(
        {
            "provider_id": ["a", "b", "c", "d"],
            "name": ["Ash", "Birch", "Cedar", "Dell"],
            "type": ["care_home"] * 4,
            # a and b a few hundred metres apart; c in the same town; d far north.
            "latitude": [51.501, 51.503, 51.52, 54.9],
            "longitude": [-0.121, -0.125, -0.10, -1.6],
            "score": [80.0, 20.0, 45.0, 10.0],
            "band": ["very high", "low", "high", "low"],
        }
    )
    cells = views.map_cells(points)
    assert cells["providers"].sum() == len(points)
    town = cells.iloc[0]  # the most worrying area first
    assert (town["providers"], town["high"]) == (3, 2)
    assert town["high_share"] == pytest.approx(2 / 3)
    assert (town["top_name"], town["top_score"]) == ("Ash", 80.0)
    assert town["latitude"] == pytest.approx((51.501 + 51.503 + 51.52) / 3)
    north = cells.iloc[1]
    assert (north["providers"], north["high"], north["high_share"]) == (1, 0, 0.0)
    # Read with ten providers at the share over all areas (2 of 4): few providers, little pull.
    prior = views.AREA_PRIOR_PROVIDERS
    assert town["shrunk_share"] == pytest.approx((2 + prior * 0.5) / (3 + prior))
    assert north["shrunk_share"] == pytest.approx((0 + prior * 0.5) / (1 + prior))
    assert 2 / 3 > town["shrunk_share"] > 0.5 > north["shrunk_share"] > 0.0
    assert views.map_cells(points.iloc[0:0]).empty
    # Picking an area lists its providers, highest score first.
    assert views.area_providers(points, [town["area"]])["name"].tolist() == [
        "Ash",
        "Cedar",
        "Birch",
    ]
    both = views.area_providers(points, cells["area"])
    assert both["provider_id"].tolist() == ["a", "c", "b", "d"]
    assert views.area_providers(points, ["no such area"]).empty


def test_concerns_from_before_a_day_can_be_marked_seen_at_once(world: Engine) -> None:
    # Serious and unseen: c1 (1 April), c2 (2 April), u1 (2 June); the note n1 was seen.
    assert views.unseen_serious_total(world, before=dt.date(2026, 6, 1)) == 2
    marked = actions.mark_seen_before(world, dt.date(2026, 6, 1), "admin1", dt.date(2026, 12, 2))
    assert marked == 2
    assert views.unseen_serious(world)["record_id"].tolist() == ["u1"]
    with world.connect() as conn:
        rows = conn.execute(
            select(Comment.comment_id, Comment.serious_seen_by).where(
                Comment.comment_id.in_(["c1", "c2"])
            )
        ).all()
        note_by = conn.execute(select(EbeNote.serious_seen_by)).scalar()
    assert {by for _, by in rows} == {"admin1 (historical: before 2026-06-01)"}
    assert note_by == "lead"  # one already seen keeps who saw it
    logged = audit.search(world, action="mark_seen_historical")
    assert logged["target"].tolist() == ["before:2026-06-01"]
    assert logged["detail"].tolist() == ["2 comments, 0 notes"]
    assert actions.mark_seen_before(world, dt.date(2026, 6, 1), "admin1", dt.date(2026, 12, 2)) == 0
    with pytest.raises(actions.InboxError, match="after today"):
        actions.mark_seen_before(world, dt.date(2026, 12, 3), "admin1", dt.date(2026, 12, 2))
    assert views.unseen_serious_total(world) == 1


def test_a_long_list_is_cut_into_pages_of_rows():
    pages = views.pages_of(2_500, 1_000)
    assert [(p.start, p.stop) for p in pages] == [(0, 1_000), (1_000, 2_000), (2_000, 2_500)]
    assert [p.label for p in pages] == [
        "1–1,000 of 2,500",
        "1,001–2,000 of 2,500",
        "2,001–2,500 of 2,500",
    ]
    # A filter shortened the list while a later page was chosen: its last page.
    assert views.page_at(1_500, 2, 1_000) == views.Page(1, 2, 1_000, 1_500, 1_500)
    assert views.page_at(2_500, -1, 1_000).start == 0
    assert len(views.pages_of(0, 1_000)) == 1 and views.pages_of(0, 1_000)[0].stop == 0
    assert len(views.pages_of(1_000, 1_000)) == 1
    with pytest.raises(ValueError):
        views.pages_of(10, 0)


def test_score_bins_count_every_scored_provider_in_its_band_and_bin():
    frame = pd.DataFrame(
        {
            "score": [0.0, 1.9, 2.0, 55.5, 100.0, None],
            "band": ["low", "low", "low", "high", "very high", None],
        }
    )
    bins = views.score_bins(frame)
    assert bins["providers"].sum() == 5
    assert len(bins) == len(views.BANDS) * (100 // views.SCORE_BIN)
    at = bins.set_index(["band", "start"])["providers"]
    assert at[("low", 0.0)] == 2 and at[("low", 2.0)] == 1
    assert at[("high", 54.0)] == 1
    assert at[("very high", 98.0)] == 1  # 100 falls in the last bin
