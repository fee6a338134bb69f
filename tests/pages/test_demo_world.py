"""Every page on a small demo world, loaded and scored once; and the embedded default."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from streamlit.testing.v1 import AppTest

from risk import brief, score, views
from sources import load
from sources.store import get_engine
from tests.conftest import fresh_engine
from tests.pages import apptest

ROOT = Path(__file__).resolve().parents[2]
PAGES = ("triage", "provider", "overview", "inbox", "loads", "method")


@pytest.fixture(scope="module")
def demo_store(demo_world: object, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """The session's small demo world, loaded and scored once for this module."""
    engine = fresh_engine(tmp_path_factory.mktemp("demo-store"))
    result = load.load_folder(engine, demo_world.folder, by="test")  # type: ignore[attr-defined]
    assert result.ok, result.problems[:3]
    score.score_and_store(engine, as_of=score.evidence_end(engine))
    yield engine
    engine.dispose()


@pytest.fixture
def store(demo_store: Engine, monkeypatch: pytest.MonkeyPatch) -> Engine:
    monkeypatch.setenv("DATABASE_URL", demo_store.url.render_as_string(hide_password=False))
    get_engine.cache_clear()
    return demo_store


def open_page(page: str, **params: str) -> AppTest:
    # Signed in with a role that may open the page (the Data page is an admin's).
    return apptest.open_page(page, "admin" if page == "loads" else "inspector", **params)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_on_the_demo_world(store: Engine, page: str) -> None:
    at = open_page(page)
    assert at.title


def test_triage_ranks_every_provider_and_a_region_filter_narrows(
    store: Engine, demo_world: object
) -> None:
    at = open_page("triage")
    table = at.dataframe[0].value
    assert len(table) == demo_world.providers  # type: ignore[attr-defined]
    assert table["score"].dropna().is_monotonic_decreasing
    region = table["region"].value_counts().index[0]
    at.multiselect(key="f_region").set_value([region]).run()
    narrowed = at.dataframe[0].value
    assert 0 < len(narrowed) < len(table)
    assert set(narrowed["region"]) == {region}


def test_provider_page_and_its_brief_for_the_top_provider(store: Engine) -> None:
    top = views.triage_frame(store).iloc[0]
    at = open_page("provider", provider=str(top["provider_id"]))
    assert at.title[0].value == views.provider_record(store, top["provider_id"])["name"]
    timeline = next(
        json.loads(c.proto.spec)
        for c in at.get("plotly_chart")
        if "score" in json.dumps(json.loads(c.proto.spec).get("layout", {}))
    )
    assert timeline["data"], "the timeline has no traces"
    made = brief.build_brief(store, str(top["provider_id"]), views.scored_dates(store)[-1])
    assert brief.brief_pdf(made).startswith(b"%PDF")
    page = brief.brief_html(made)
    assert "<script" not in page.lower()
    for item in made.enquiries:
        for quote in item.quotes:
            assert brief.html.escape(quote.text, quote=True) in page


def test_an_empty_store_builds_the_demo_world_itself(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CARELENS_DEMO_PROVIDERS", "30")
    monkeypatch.setenv("CARELENS_DEMO_SEED", "3")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.session_state["user"] = "t"
    at.session_state["role"] = "manager"
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert views.provider_count(engine) == 30
    assert views.scored_dates(engine)
    assert at.title[0].value == "Triage"
    assert len(at.dataframe[0].value) == 30
