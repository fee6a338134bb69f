"""The Search page and the provider page's search box, under AppTest."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from risk import score, views
from sources.load import load_folder
from sources.people import actions
from tests.pages import apptest
from tests.sources.search.world import write_world


@pytest.fixture
def world(engine: Engine, tmp_path: Path) -> Engine:
    assert load_folder(engine, write_world(tmp_path / "world")).ok
    return engine


def search(role: str, query: str, page: str = "search", key: str = "search", **params: str):
    at = apptest.open_page(page, role, user=f"{role}1", **params)
    at.text_input(key=f"{key}_query").input(query).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def results(at) -> list[str]:
    return apptest.frame_with(at, "found", "id")["id"].tolist()


def test_an_inspector_finds_a_safeguarding_summary(world: Engine):
    at = search("inspector", "money")
    assert results(at) == ["A2"]
    assert "«money»" in apptest.frame_with(at, "found")["found"][0]


def test_a_manager_does_not(world: Engine):
    at = search("manager", "money")
    assert not [d for d in at.dataframe if "found" in d.value.columns]
    assert any("Nothing matches" in m.value for m in at.markdown)
    assert any("inspectors only" in c.value for c in at.caption)


def test_public_text_is_shown_as_text(world: Engine):
    at = search("inspector", "script")
    assert results(at) == ["C8"]
    found = apptest.frame_with(at, "found")["found"][0]
    assert "<«script»>alert" in found and "**bold**" in found
    assert not any("<script>" in m.value or "«script»" in m.value for m in at.markdown), [
        m.value for m in at.markdown
    ]


def test_an_unreadable_query_is_searched_literally_and_says_so(world: Engine):
    at = search("inspector", '"night staff')
    assert any("words were searched" in i.value for i in at.info)
    assert set(results(at)) == {"C1", "C2", "N1"}


def test_a_query_with_nothing_to_find_gets_a_message(world: Engine):
    at = search("inspector", "*")
    assert any("at least one word" in w.value for w in at.warning)


def test_the_provider_page_searches_that_provider_only(world: Engine):
    at = search(
        "inspector", "medic*", page="provider", key="psearch", provider="P2", section="search"
    )
    assert set(results(at)) == {"C4", "C5", "I2"}


def test_a_result_opened_on_its_provider_page_is_shown_in_full(world: Engine):
    at = apptest.open_page("provider", "inspector", provider="P1", item="alert:A1")
    shown = "\n".join(t.value for t in at.text)
    assert "found on the floor" in shown
    assert any("From your search" in m.value for m in at.markdown)
    manager = apptest.open_page("provider", "manager", provider="P1", item="alert:A1")
    assert "found on the floor" not in "\n".join(t.value for t in manager.text)


def test_an_item_of_another_provider_is_not_shown(world: Engine):
    at = apptest.open_page("provider", "inspector", provider="P2", item="comment:C1")
    assert "never answered" not in "\n".join(t.value for t in at.text)
    assert any("not this provider's" in c.value for c in at.caption)


def test_pins_show_under_the_brief_and_unpin_from_there(world: Engine):
    score.score_and_store(world, as_of=dt.date(2025, 12, 31))
    actions.pin_to_brief(world, "P1", "comment", "C1", "ines", "nights")
    at = apptest.open_page("provider", "inspector", provider="P1", section="brief")
    pinned = [t.value for t in at.text if "pinned by ines" in t.value]
    assert len(pinned) == 1 and "never answered the call bell" in pinned[0]
    at.button(key="unpin_comment:C1").click().run()
    assert not at.exception
    assert views.brief_pins(world, "P1").empty
    assert not [t.value for t in at.text if "pinned by ines" in t.value]
