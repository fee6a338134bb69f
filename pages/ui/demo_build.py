"""The embedded demo world: built in a thread of its own when the store is empty.

Owns `demo_build` (the one build per store, its progress polled by app.py), `build_demo_store`
(writes, loads and scores the fictional world, then adds the demo accounts), its two stages
`load_first` and `load_rest`, and `notice` (the signed-in pages' line while the rest loads).

The build comes in two stages, so a newcomer signs in within seconds rather than minutes:
first a slice of the world (a few providers and every row about them,
sources.demo.slice), scored, with the demo accounts; then, in the same thread, the whole
world over it (the loader upserts, and reuses the slice's text readings) and a second
scoring. Each load and each scoring is a transaction of its own, so the store is consistent
at every moment; each stage ends by clearing the caches, as every write made in the app does.

Imports pages.ui.cache and pages.ui.writes.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field
from pathlib import Path

import streamlit as st

from pages.ui.cache import Engine, engine
from pages.ui.writes import clear
from risk import score, views
from sources import settings
from sources.demo.slice import FolderSlice, write_slice
from sources.people.accounts import create_demo_accounts
from sources.progress import Progress

# One demo build at a time in this process: a second session waits, then finds it done.
_BUILD_LOCK = threading.Lock()
# Who the two loads are by (the Data page's history shows them): a store whose demo slice is
# loaded but not the rest (the app stopped in between) gets the rest at the next start.
FIRST_BY = "demo (first providers)"
REST_BY = "demo"
FIRST_FOLDER = "first"  # the slice's files, beside the whole world's under data/demo/


def store_is_empty() -> bool:
    """True when the store holds no record of any kind."""
    return not views.holds_evidence(engine())


def rest_missing(eng: Engine) -> bool:
    """True when the store holds the demo world's first slice but not the rest of it."""
    loads = views.loads_frame(eng)
    ok = set(loads.loc[loads["outcome"] == "ok", "loaded_by"])
    return FIRST_BY in ok and REST_BY not in ok


@dataclass
class DemoBuild:
    """The embedded demo world being built in the background, and how far it got."""

    done: float = 0.0  # 0..1, of the stage running
    message: str = "Starting…"
    error: str | None = None
    ready: bool = False  # the first stage is stored and scored and the accounts exist
    finished: bool = False  # both stages ended (or failed)
    first: int = 0  # providers the first stage loaded
    providers: int = 0  # providers in the whole world
    thread: threading.Thread | None = field(default=None, repr=False)


@st.cache_resource(show_spinner=False)
def _demo_build(url: str) -> DemoBuild:
    return DemoBuild()


def demo_build() -> DemoBuild | None:
    """The demo build of this store: started when the store is empty; None once done.

    The build runs in a thread of its own, not in a session's script, so a closed tab or a
    second visitor neither interrupts it nor starts another; pages poll its progress. Until
    `ready` the app shows the build's progress instead of sign-in; after it, pages work on
    the first slice while the rest loads. A store left with only the first slice (the app
    stopped during the second stage) gets the rest in the same way.
    """
    build = _demo_build(settings.database_url())
    with _BUILD_LOCK:
        if build.thread is None:
            eng = engine()
            resume = not store_is_empty()
            if resume and not rest_missing(eng):
                return None
            if resume:  # the slice is there: pages work while the rest loads
                build.first, build.providers = views.provider_count(eng), settings.demo_providers()
                build.ready = True
            build.thread = threading.Thread(
                target=build_demo_store,
                args=(build, eng, settings.data_dir() / "demo"),
                kwargs={
                    "providers": settings.demo_providers(),
                    "seed": settings.demo_seed(),
                    "first": 0 if resume else settings.demo_first_providers(),
                    "resume": resume,
                },
                name="carelens-demo-build",
                daemon=True,
            )
            build.thread.start()
    if build.finished and build.error is None:
        return None
    return build


def build_demo_store(
    build: DemoBuild,
    eng: Engine,
    folder: Path,
    providers: int,
    seed: int,
    first: int = 0,
    resume: bool = False,
) -> None:
    """Generates, loads and scores the demo world into an empty store, noting progress.

    Writes the world to `folder` with the given size and seed. With 0 < `first` <
    `providers` it loads and scores a slice of `first` providers, adds the demo accounts
    and sets `build.ready`, then loads and scores the whole world; otherwise it loads the
    whole world at once. `resume` loads only the whole world over a store that holds its
    slice (the world is written again only if its files are gone). Sets `build.error`
    rather than raising; `build.finished` at the end either way.
    """
    try:
        part = None
        if not resume:
            part = load_first(build, eng, folder, providers, seed, first)
        load_rest(build, eng, folder, providers, seed, part)
    except Exception as error:  # shown on the page: a newcomer must see why
        build.error = f"{type(error).__name__}: {error}"
    finally:
        clear()
        build.finished = True


def load_first(
    build: DemoBuild, eng: Engine, folder: Path, providers: int, seed: int, first: int
) -> FolderSlice | None:
    """Writes the world into `folder`, then loads and scores its first `first` providers
    and adds the demo accounts; sets `build.ready` and clears the caches. Returns the
    slice, or None (nothing loaded yet) when `first` is 0 or covers the whole world.
    Raises RuntimeError when the slice does not load."""
    from sources.demo import world as demo

    staged = 0 < first < providers
    # Progress of this stage (0..1): writing the world is its first part.
    writing = 0.45 if staged else 0.25
    _note(build, 0.0, "Writing the demo world")
    # Meanwhile, on another core: the demo accounts (hashing their passwords) and the text
    # models the slice's load reads with, which it would otherwise wait for. The accounts
    # are harmless early: nobody is offered sign-in before `ready`.
    failed: list[BaseException] = []
    side = threading.Thread(
        target=_prepare, args=(eng, failed), name="carelens-demo-prepare", daemon=True
    )
    side.start()
    demo.write_demo_world(
        folder,
        providers=providers,
        seed=seed,
        progress=lambda f, m: _note(build, writing * f, f"Writing the demo world: {m}"),
    )
    build.providers = providers
    part = write_slice(folder, folder / FIRST_FOLDER, first) if staged else None
    side.join()  # the models are loaded once, before any load reads with them
    if failed:
        raise failed[0]
    if part is None:
        return None
    _load_and_score(build, eng, part.folder, FIRST_BY, part.newest, writing)
    build.first = len(part.provider_ids)
    clear()
    build.ready = True
    return part


def load_rest(
    build: DemoBuild,
    eng: Engine,
    folder: Path,
    providers: int,
    seed: int,
    part: FolderSlice | None,
) -> None:
    """Loads and scores the whole world in `folder` (written again from `providers` and
    `seed` if its files are gone), adds the demo accounts, and notes "Ready".
    Raises RuntimeError when the world does not load."""
    from sources.demo import world as demo

    if not (folder / "providers.csv").is_file():
        demo.write_demo_world(folder, providers=providers, seed=seed)
    build.providers = build.providers or providers
    # After a first stage the notice counts this one from nought; alone, it goes on from
    # the writing.
    start = 0.0 if build.ready else build.done
    _note(build, start, "Loading the rest of the demo world")
    _load_and_score(build, eng, folder, REST_BY, None, start)
    create_demo_accounts(eng)
    build.first = build.providers
    build.ready = True
    _note(build, 1.0, "Ready")


def _prepare(eng: Engine, failed: list[BaseException]) -> None:
    """Adds the demo accounts and loads the text models (by reading one sentence); a
    failure is kept in `failed` for the build to raise."""
    from sources import load

    try:
        create_demo_accounts(eng)
        load.read_stored_texts(["The staff were kind and the home was clean."])
    except Exception as error:
        failed.append(error)


def _note(build: DemoBuild, done: float, message: str) -> None:
    build.done, build.message = min(max(done, 0.0), 1.0), message


def _load_and_score(
    build: DemoBuild, eng: Engine, folder: Path, by: str, as_of: dt.date | None, start: float
) -> None:
    """Loads `folder` and scores the store (as of `as_of`, else its newest evidence),
    noting progress from `start` to 1 of the stage; raises RuntimeError on a failed load."""
    from sources import load

    share = 1.0 - start

    def note(low: float, high: float, prefix: str) -> Progress:
        return lambda f, m: _note(build, start + share * (low + (high - low) * f), f"{prefix}{m}")

    result = load.load_folder(eng, folder, by=by, progress=note(0.0, 0.8, "Loading: "))
    if not result.ok:
        problems = "; ".join(str(p) for p in result.problems[:5])
        raise RuntimeError(f"the demo world did not load: {problems}")
    day = as_of or score.evidence_end(eng)
    score.score_and_store(eng, as_of=day, progress=note(0.8, 0.99, "Scoring: "))


@st.fragment(run_every=2.0)
def notice(build: DemoBuild) -> None:
    """A line over every signed-in page while the rest of the demo world loads, redrawn
    every 2 s; reruns the whole app once the rest is in, so the page shows all of it."""
    if build.finished and build.error is None:
        st.rerun()
    if build.error:
        st.warning(
            f"The demo world shows {build.first:,} of its {build.providers:,} providers: "
            f"loading the rest failed ({build.error})."
        )
        return
    st.info(
        f"Demo world: {build.first:,} of {build.providers:,} providers loaded; "
        f"the rest is being built ({build.done:.0%})."
    )
