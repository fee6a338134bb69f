"""Any subset of the contract's files loads, scores and renders every page (issue 19).

A regulator's first load is often the register and ratings alone; a missing source must
read as "no evidence from this source", never as a crash.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy.engine import Engine

from risk import score, views
from sources import load
from sources.cqc import convert_cqc_2021, convert_cqc_history
from tests.pages import apptest

CQC = Path(__file__).resolve().parents[3] / "shared" / "data" / "cqc"
FILES = ("providers", "inspections", "incidents", "safeguarding", "ebe_notes", "comments")
PAGES = {
    "triage": "inspector",
    "provider": "inspector",
    "overview": "manager",
    "search": "inspector",
    "inbox": "inspector",
    "voices": "inspector",
    "method": "inspector",
    "loads": "admin",
    "accounts": "admin",
    "audit": "admin",
}
SUBSETS = [
    ("providers",),
    ("providers", "inspections"),
    ("providers", "incidents"),
    ("providers", "safeguarding"),
    ("providers", "ebe_notes"),
    ("providers", "comments"),
    ("comments",),
    *[tuple(f for f in FILES if f != gone) for gone in FILES[1:]],  # every source but one
]


@pytest.fixture(scope="module")
def small_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from sources.demo.world import write_demo_world

    folder = tmp_path_factory.mktemp("subset-world")
    write_demo_world(folder, providers=24, seed=3, years=2.0)
    return folder


def load_and_score(folder: Path, engine: Engine) -> None:
    result = load.load_folder(engine, folder)
    assert result.ok, [str(p) for p in result.problems[:5]]
    score.score_and_store(engine)


def render_every_page(provider_id: str | None) -> None:
    for page, role in PAGES.items():
        params = {"provider": provider_id} if page == "provider" and provider_id else {}
        at = apptest.open_page(page, role, **params)
        assert at.title, f"{page} shows no title"
        assert not at.error, (page, [e.value for e in at.error])
    # A search over whatever the store holds, texts or none.
    at = apptest.open_page("search", "inspector")
    at.text_input(key="search_query").input("staff OR care* OR fall").run()
    assert not at.exception and not at.error, [e.message for e in at.exception]


@pytest.mark.parametrize("files", SUBSETS, ids=["+".join(s) for s in SUBSETS])
def test_every_subset_loads_scores_and_renders(
    small_world: Path, tmp_path: Path, engine: Engine, files: tuple[str, ...]
) -> None:
    folder = tmp_path / "subset"
    folder.mkdir()
    for name in files:
        shutil.copy(small_world / f"{name}.csv", folder / f"{name}.csv")
    load_and_score(folder, engine)

    if "providers" in files:
        scores = score.score_providers(engine, score.latest_as_of(engine))
        assert len(scores) == len(pd.read_csv(folder / "providers.csv"))
        assert scores["score"].between(0, 100).all()
        # A source that never arrived contributes nothing, neither risk nor reassurance.
        for source in ("incidents", "safeguarding", "comments", "ebe_notes"):
            if source not in files:
                assert (scores[f"c_{source}"] == 0).all(), source
        provider_id = str(scores["provider_id"].iloc[0])
    else:  # comments nobody has linked yet: nothing to score, the inbox holds them
        assert score.latest_as_of(engine) is None
        provider_id = None
    render_every_page(provider_id)
    # Only an empty store gets the demo world: comments alone are somebody's evidence.
    expected = len(pd.read_csv(folder / "providers.csv")) if "providers" in files else 0
    assert views.provider_count(engine) == expected


def test_the_real_cqc_register_and_ratings_load_score_and_render(
    tmp_path: Path, engine: Engine
) -> None:
    # The real 2021 register (the first 1,500 locations, to keep the suite quick) and the
    # real Devon rating history, exactly as `python -m sources convert` maps them.
    register = pd.read_csv(CQC / "cqc_locations_2021.csv", dtype=str, nrows=1500)
    head = tmp_path / "cqc_2021_head.csv"
    register.to_csv(head, index=False)
    for convert, source, name in (
        (convert_cqc_2021, head, "2021"),
        (convert_cqc_history, CQC / "cqc_devon_rating_history.csv", "history"),
    ):
        providers, inspections, _ = convert(source)
        folder = tmp_path / name
        folder.mkdir()
        providers.to_csv(folder / "providers.csv", index=False)
        inspections.to_csv(folder / "inspections.csv", index=False)
        load_and_score(folder, engine)

    scores = score.score_providers(engine, score.latest_as_of(engine))
    assert len(scores) == 1500 + len(
        set(pd.read_csv(tmp_path / "history" / "providers.csv")["provider_id"])
        - set(register["Location.ID"])
    )
    assert scores["score"].between(0, 100).all()
    # Ratings are the only evidence: a worse last rating means a higher risk.
    rated = scores.set_index("provider_id")["c_ratings"]
    assert rated.max() > rated.min()
    render_every_page(str(scores.sort_values("score")["provider_id"].iloc[-1]))
