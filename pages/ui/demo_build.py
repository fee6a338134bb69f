"""The embedded demo world: built in a thread of its own when the store is empty.

Owns `demo_build` (the one build per store, its progress polled by app.py) and
`build_demo_store` (writes, loads and scores the fictional world, then adds the demo
accounts). A build ends by clearing the caches, as every write made in the app does.

Imports pages.ui.cache and pages.ui.writes.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

import streamlit as st

from pages.ui.cache import Engine, engine
from pages.ui.writes import clear
from risk import score, views
from sources import settings
from sources.people.accounts import create_demo_accounts

# One demo build at a time in this process: a second session waits, then finds it done.
_BUILD_LOCK = threading.Lock()


def store_is_empty() -> bool:
    """True when the store holds no record of any kind."""
    return not views.holds_evidence(engine())


@dataclass
class DemoBuild:
    """The embedded demo world being built in the background, and how far it got."""

    done: float = 0.0  # 0..1
    message: str = "Starting…"
    error: str | None = None
    finished: bool = False
    thread: threading.Thread | None = field(default=None, repr=False)


@st.cache_resource(show_spinner=False)
def _demo_build(url: str) -> DemoBuild:
    return DemoBuild()


def demo_build() -> DemoBuild | None:
    """The demo build of this store: started when the store is empty; None once done.

    The build runs in a thread of its own, not in a session's script, so a closed tab or a
    second visitor neither interrupts it nor starts another; pages poll its progress.
    """
    build = _demo_build(settings.database_url())
    with _BUILD_LOCK:
        if build.thread is None:
            if not store_is_empty():
                return None
            build.thread = threading.Thread(
                target=build_demo_store,
                args=(build, engine(), settings.data_dir() / "demo"),
                kwargs={"providers": settings.demo_providers(), "seed": settings.demo_seed()},
                name="carelens-demo-build",
                daemon=True,
            )
            build.thread.start()
    if build.finished and build.error is None:
        return None
    return build


def build_demo_store(
    build: DemoBuild, eng: Engine, folder: Path, providers: int, seed: int
) -> None:
    """Generates, loads and scores the demo world into an empty store, noting progress.

    Writes the world to `folder` with the given size and seed, loads it with the CLI's
    loader, scores it as of its newest evidence, and adds the demo accounts.
    """
    # Imported on use: the loader brings the text models, which only a build needs here.
    from sources import load
    from sources.demo import world as demo

    def note(done: float, message: str) -> None:
        build.done, build.message = min(max(done, 0.0), 1.0), message

    try:
        demo.write_demo_world(
            folder,
            providers=providers,
            seed=seed,
            progress=lambda f, m: note(0.25 * f, f"Writing the demo world: {m}"),
        )
        result = load.load_folder(
            folder,
            engine=eng,
            by="demo",
            progress=lambda f, m: note(0.25 + 0.45 * f, f"Loading: {m}"),
        )
        if not result.ok:
            problems = "; ".join(str(p) for p in result.problems[:5])
            raise RuntimeError(f"the demo world did not load: {problems}")
        as_of = score.evidence_end(eng)
        score.score_and_store(
            eng, as_of=as_of, progress=lambda f, m: note(0.7 + 0.28 * f, f"Scoring: {m}")
        )
        create_demo_accounts(eng)
        note(1.0, "Ready")
    except Exception as error:  # shown on the page: a newcomer must see why
        build.error = f"{type(error).__name__}: {error}"
    finally:
        clear()
        build.finished = True
