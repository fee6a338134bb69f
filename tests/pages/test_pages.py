"""Every page under AppTest on the tiny world: renders, filters, opens by URL, acts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from risk import views
from sources.people import audit
from sources.store import Comment
from tests.pages import apptest
from tests.risk import tiny_world
from tests.risk.tiny_world import HOSTILE

ROOT = Path(__file__).resolve().parents[2]
PAGES = (
    "triage",
    "provider",
    "overview",
    "search",
    "inbox",
    "loads",
    "method",
    "accounts",
    "audit",
)
# Who opens each page in these tests: a role that may (tests/pages/test_access.py checks
# the refusals). The Data page and the admin pages are an admin's; the rest an inspector's.
ROLE_FOR = {"loads": "admin", "accounts": "admin", "audit": "admin"}


@pytest.fixture
def world(engine: Engine) -> Engine:
    tiny_world.build(engine)
    return engine


def signed_in(role: str = "inspector", user: str | None = None) -> AppTest:
    """The app with a session already signed in as `user` (default: named after the role)."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["user"] = user or f"{role}1"
    at.session_state["role"] = role
    return at


def open_page(page: str, role: str | None = None, **params: str) -> AppTest:
    """The page opened by a role that may see it, as the user named after the role."""
    role = role or ROLE_FOR.get(page, "inspector")
    return apptest.open_page(page, role, user=f"{role}1", **params)


def voices_table(at: AppTest) -> list[str]:
    """The texts in the provider page's table of what people say."""
    frames = [d.value for d in at.dataframe if "sentiment" in d.value.columns]
    assert len(frames) == 1
    return frames[0]["text"].tolist()


def all_markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown) + "\n".join(c.value for c in at.caption)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders(world: Engine, page: str) -> None:
    at = open_page(page)
    assert at.title, f"{page} has no title"


def test_triage_lists_every_provider_by_score(world: Engine) -> None:
    at = open_page("triage")
    table = at.dataframe[0].value
    assert table["provider_id"].tolist() == ["A", "B", "C"]


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("f_region", ["London"], ["A", "C"]),
        ("f_la", ["Bolton"], ["B"]),
        ("f_type", ["hospital"], ["C"]),
        ("f_band", ["low"], ["B"]),
        ("f_rating", ["Outstanding"], ["B"]),
        ("f_name", "acorn", ["A"]),
    ],
)
def test_triage_filters_change_the_rows(
    world: Engine, key: str, value: object, expected: list[str]
) -> None:
    at = open_page("triage")
    widget = at.text_input(key=key) if key == "f_name" else at.multiselect(key=key)
    widget.set_value(value).run()
    assert at.dataframe[0].value["provider_id"].tolist() == expected


def test_triage_says_what_to_do_when_nothing_matches(world: Engine) -> None:
    at = open_page("triage")
    at.text_input(key="f_name").set_value("no such place").run()
    assert not at.dataframe
    assert any("No provider matches" in i.value for i in at.info)


def test_triage_biggest_movers(world: Engine) -> None:
    at = open_page("triage")
    at.button_group(key="view").set_value("Biggest movers").run()
    assert at.dataframe[0].value["provider_id"].tolist() == ["A", "B"]


def test_triage_headline_says_what_is_new_with_the_total_a_click_away(world: Engine) -> None:
    audit.record(engine=world, username="inspector1", action="sign_in")  # the last visit
    audit.record(engine=world, username="inspector1", action="sign_in")  # this one
    at = open_page("triage")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["With new serious concerns"] == "1"
    text = all_markdown(at)
    assert "1 unseen serious concern dated in the 90 days to 30 June 2026, at 1 of 3" in text
    assert "Since your last visit on" in text and "none dated since" in text
    (everything,) = at.expander
    assert "2 serious concerns nobody has marked seen, at 1 of 3 providers" in " ".join(
        m.value for m in everything.markdown
    )
    table = at.dataframe[0].value.set_index("provider_id")
    assert table.loc["A", "voices"] == "! 1 new of 2"
    at.toggle(key="f_new").set_value(True).run()
    assert at.dataframe[0].value["provider_id"].tolist() == ["A"]


def test_triage_on_a_store_without_scores_says_what_to_do(engine: Engine) -> None:
    tiny_world.build(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM riskscore")
    at = open_page("triage")
    assert any("No scores yet" in i.value for i in at.info)


def test_provider_page_shows_the_provider_from_the_url(world: Engine) -> None:
    at = open_page("provider", provider="A")
    assert at.title[0].value == "Acorn House"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Score (0-100)"] == "72.5"
    assert metrics["Band"] == "very high"
    # Only the open tab runs: the score's chart, none of the other sections'.
    assert [c.key for c in at.get("plotly_chart")] == ["contributions"]
    assert [t.label for t in at.tabs] == [
        "Risk score",
        "Timeline",
        "What people say",
        "Search its evidence",
        "What we did with it",
        "Since the last inspection",
        "Visit brief",
    ]
    assert not at.get("download_button")


@pytest.mark.parametrize(
    ("section", "chart"),
    [("timeline", "timeline"), ("voices", "themes"), ("nope", "contributions")],
)
def test_provider_page_opens_the_section_the_url_names(
    world: Engine, section: str, chart: str
) -> None:
    at = open_page("provider", provider="A", section=section)
    assert [c.key for c in at.get("plotly_chart")] == [chart]  # an unknown one: the score
    assert at.metric == [] or section == "nope"


def test_each_provider_opens_on_its_score(world: Engine) -> None:
    at = open_page("provider", provider="A", section="brief")
    assert at.get("download_button")
    at.query_params.pop("section")
    at.query_params["provider"] = "B"
    at.run()
    assert not at.exception and at.title[0].value == "Bolton Road Surgery"
    assert not at.get("download_button")  # B's own tabs, on the score


def test_provider_root_link_opens_the_provider(world: Engine) -> None:
    at = signed_in("manager")
    at.query_params["provider"] = "B"
    at.run()
    assert not at.exception
    assert at.title[0].value == "Bolton Road Surgery"


def test_provider_page_shows_public_text_as_plain_text(world: Engine) -> None:
    at = open_page("provider", provider="A", section="voices")
    assert HOSTILE in voices_table(at)
    # Never through Markdown: no markdown or caption element carries the comment.
    assert "<script>" not in all_markdown(at)
    assert "shouted at Mum" not in all_markdown(at)


def test_provider_voices_filter(world: Engine) -> None:
    at = open_page("provider", provider="A", section="voices")
    at.multiselect(key="v_sentiment").set_value(["positive"]).run()
    assert voices_table(at) == ["Lovely food and kind staff."]


def test_provider_page_offers_the_brief(world: Engine) -> None:
    at = open_page("provider", provider="A", section="brief")
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["Download the brief (PDF)", "Download the brief (HTML)"]


def test_provider_page_lists_lines_of_enquiry_by_quality_statement(world: Engine) -> None:
    at = open_page("provider", provider="A", section="brief")
    tables = [d.value for d in at.dataframe if "quality statement" in d.value.columns]
    assert len(tables) == 1
    table = tables[0]
    assert table["key question"].tolist()[:3] == ["Safe", "Safe", "Safe"]
    assert table["quality statement"].tolist()[:3] == [
        "Learning culture",
        "Safeguarding",
        "Safe and effective staffing",
    ]
    assert "feedback from partners" in table["evidence"].tolist()
    captions = " ".join(c.value for c in at.caption)
    assert "**Responsive.** No recent evidence: Person-centred care;" in captions


def test_unknown_provider_says_so(world: Engine) -> None:
    at = open_page("provider", provider="nope")
    assert any("no provider with the id 'nope'" in e.value for e in at.error)


def test_provider_without_id_offers_a_search(world: Engine) -> None:
    at = open_page("provider")
    at.text_input(key="provider_search").set_value("bolton").run()
    assert at.selectbox(key="provider_pick").options == ["Bolton Road Surgery (B)"]


def test_inbox_links_a_comment_and_records_who(world: Engine) -> None:
    at = open_page("inbox")
    at.text_input(key="inbox_typed").set_value("A").run()
    at.button(key="inbox_link").click().run()
    assert not at.exception
    with world.connect() as conn:
        row = conn.execute(select(Comment.__table__).where(Comment.comment_id == "u1")).first()
    assert (row.provider_id, row.link_method, row.linked_by) == ("A", "person", "inspector1")
    assert any("linked to A by inspector1" in s.value for s in at.success)


def test_inbox_says_none_for_a_place_or_name_nobody_gave(world: Engine) -> None:
    with Session(world) as session:
        session.add(
            Comment(
                comment_id="u2",
                received_on=dt.date(2026, 6, 20),
                text="The night staff on the ground floor were rude",
                channel="listening_event",
                link_method="unlinked",
            )
        )
        session.commit()
    at = open_page("inbox")
    assert at.selectbox(key="inbox_comment").value == "u2"  # the newest is picked first
    shown = [t.value for t in at.text]
    assert "Name given: none · place: none" in shown
    assert not any("nan" in value.split() for value in shown)
    table = next(d.value for d in at.dataframe if "channel" in d.value.columns)
    assert "listening event" in table["channel"].tolist()


def test_inbox_counts_every_concern_waiting_not_just_those_listed(
    world: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    newest = views.unseen_serious
    monkeypatch.setattr(views, "unseen_serious", lambda engine: newest(engine, limit=1))
    at = open_page("inbox")
    assert "Serious concerns to see (3)" in [t.label for t in at.tabs]
    assert "Showing the newest 1 of 3." in [c.value for c in at.caption]


def test_inbox_marks_concerns_seen(world: Engine) -> None:
    at = open_page("inbox")
    at.multiselect(key="seen_pick").set_value(["comment:c1"]).run()
    at.button(key="mark_seen").click().run()
    assert not at.exception
    with world.connect() as conn:
        row = conn.execute(select(Comment.__table__).where(Comment.comment_id == "c1")).first()
    assert row.serious_seen_by == "inspector1" and row.serious_seen_at is not None
    assert audit.search(world, action="mark_seen")["target"].tolist() == ["comment:c1"]


def test_overview_draws_bands_map_and_distribution(world: Engine) -> None:
    at = open_page("overview")
    assert len(at.get("plotly_chart")) == 4
    assert [m.value for m in at.metric] == ["1", "0", "0", "1"]


def test_overview_maps_areas_once_there_are_many_providers(
    world: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pages.ui import charts

    monkeypatch.setattr(charts, "MAP_POINTS", 1)  # the tiny world maps two providers
    at = open_page("overview")
    assert len(at.get("plotly_chart")) == 4
    assert any("2 providers in areas of about 11 km" in c.value for c in at.caption)


def test_data_page_lists_loads_and_scores(world: Engine) -> None:
    at = open_page("loads")
    assert any("No loads yet" in i.value for i in at.info)
    assert any("30 June 2026" in m.value for m in at.markdown)


def test_data_page_says_when_the_last_scoring_finished(world: Engine) -> None:
    from risk import score

    assert not any("Last scoring" in c.value for c in open_page("loads").caption)
    score.score_and_store(world, as_of=tiny_world.AS_OF, history_months=1)
    shown = [c.value for c in open_page("loads").caption]
    assert any(
        c.startswith("Last scoring: as of 30 June 2026, 3 providers and 2 days, finished ")
        for c in shown
    ), shown


def test_data_page_marks_concerns_from_before_a_day_seen(world: Engine) -> None:
    at = open_page("loads")
    at.date_input(key="historical_before").set_value(dt.date(2026, 6, 1)).run()
    assert any("2 serious concerns received before 01 June 2026" in c.value for c in at.caption)
    assert at.button(key="historical_seen").disabled  # not until they say it was handled
    at.checkbox(key="historical_handled").check().run()
    at.button(key="historical_seen").click().run()
    assert not at.exception
    assert any(
        "2 serious concerns received before 01 June 2026 marked seen" in s.value for s in at.success
    )
    assert any("0 serious concerns received before" in c.value for c in at.caption)
    assert audit.search(world, action="mark_seen_historical")["username"].tolist() == ["admin1"]
    assert views.unseen_serious(world)["record_id"].tolist() == ["u1"]


def test_method_page_shows_every_weight(world: Engine) -> None:
    from risk import weights

    at = open_page("method")
    table = next(d.value for d in at.dataframe if "indicator" in d.value.columns)
    assert sorted(table["code"]) == sorted(weights.WEIGHTS)
    # In words for a person, each once; the code stays for whoever reads the files.
    assert not any("_" in label for label in table["indicator"])
    assert table["indicator"].is_unique


def test_method_page_shows_the_weights_an_admin_applied(world: Engine) -> None:
    from risk import weight_sets
    from sources.people import accounts

    accounts.add_account(world, "ada", "admin", "a long enough password")
    chosen = weight_sets.set_weight_values() | {"cm_negative": 0.9}
    new_id = weight_sets.propose(
        world, chosen, method="ratings", as_of=tiny_world.AS_OF, horizon_days=365, by="cli"
    )
    weight_sets.apply_weights(world, new_id, "ada")
    at = open_page("method")
    table = next(d.value for d in at.dataframe if "indicator" in d.value.columns)
    assert table.set_index("code").loc["cm_negative", "weight"] == 0.9
    assert any(f"weight set {new_id}, applied by ada" in c.value for c in at.caption)


def test_a_role_sees_only_what_it_may(world: Engine) -> None:
    at = signed_in("manager")
    at.run()
    assert [b.proto.label for b in at.get("download_button")] == ["Download these 3 rows (CSV)"]
    at.switch_page("pages/inbox.py").run()
    assert any("does not give access" in w.value for w in at.warning)
    assert not at.dataframe
    at.session_state["role"] = "admin"
    at.switch_page("pages/provider.py")
    at.query_params["provider"] = "A"
    at.run()
    assert not at.get("download_button")


def test_data_page_rejects_a_bad_upload_and_stores_nothing(world: Engine) -> None:
    at = open_page("loads")
    bad = (
        b"incident_id,provider_id,occurred_on,harm\n"
        b"x1,A,2026-06-01,low\n"
        b"x2,NOPE,2026-06-01,low\n"
        b"x3,A,2026-06-31,terrible\n"
    )
    at.file_uploader(key="uploads").upload("incidents.csv", bad, "text/csv").run()
    at.button(key="load").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert any("Nothing was stored" in e.value for e in at.error)
    problems = next(d.value for d in at.dataframe if "problem" in d.value.columns)
    assert set(problems["row"]) == {3, 4}
    assert "NOPE" in problems["value"].tolist()
    with world.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM incident").scalar() == 4


def test_data_page_loads_a_good_upload_and_lists_it(world: Engine) -> None:
    at = open_page("loads")
    good = b"incident_id,provider_id,occurred_on,harm\nx1,A,2026-06-01,moderate\n"
    at.file_uploader(key="uploads").upload("incidents.csv", good, "text/csv").run()
    at.button(key="load").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert any("Loaded" in s.value for s in at.success)
    with world.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM incident").scalar() == 5
    history = next(d.value for d in at.dataframe if "outcome" in d.value.columns)
    assert history["outcome"].tolist()[0] == "ok"


def test_triage_shows_a_long_list_a_page_at_a_time(
    world: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "PAGE_ROWS", 2)
    at = open_page("triage")
    chooser = at.selectbox(key="triage_page")
    assert chooser.options == ["1–2 of 3", "3–3 of 3"]
    assert at.dataframe[0].value["provider_id"].tolist() == ["A", "B"]
    chooser.set_value(1).run()
    assert at.dataframe[0].value["provider_id"].tolist() == ["C"]
    # A filter that leaves one page: no chooser, every row.
    at.multiselect(key="f_region").set_value(["London"]).run()
    assert not [s for s in at.selectbox if s.key == "triage_page"]
    assert at.dataframe[0].value["provider_id"].tolist() == ["A", "C"]


def test_a_row_picked_in_triage_opens_its_provider(
    world: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "PAGE_ROWS", 2)
    at = open_page("triage")
    at.selectbox(key="triage_page").set_value(1).run()
    shown = at.dataframe[0].value["provider_id"].tolist()
    assert shown == ["C"]
    # The grid's pick, as the browser sends it: the first row of the second page.
    at.session_state["triage_table"] = {"selection": {"rows": [0], "columns": []}}
    at.run()
    assert not at.exception
    assert at.query_params["provider"] in ("C", ["C"])
    assert at.title[0].value != "Triage"
