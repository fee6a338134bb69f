"""The one place Streamlit's caches meet the store: cached loaders for the pages.

Every loader takes the store's stamp (views.store_stamp: newest load, newest scoring,
provider count) as its first argument, so a load or a new scoring made anywhere, by the
app or the command line, reaches the pages on their next run without a restart, while a
page switch with nothing new is answered from the cache.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import streamlit as st
from sqlalchemy.engine import Engine

from pages.ui import charts
from risk import views
from sources import settings
from sources.progress import Progress
from sources.store import make_engine

VIA_APP = "_via_app"  # set by app.py in every session it runs
# One demo build at a time in this process: a second session waits, then finds it done.
_BUILD_LOCK = threading.Lock()
_SHARED: list[Callable[..., object]] = []  # the shared_frame caches, for clear()


def shared_frame(
    show_spinner: bool | str = False, max_entries: int = 2
) -> Callable[[Callable[..., pd.DataFrame]], Callable[..., pd.DataFrame]]:
    """Caches a loader's frame once for every session, handing each caller its own view.

    st.cache_data pickles and unpickles its value on every hit: at national scale that was
    most of a page's time (the 50,000-row triage frame, the comments heard in a year). Here
    the frame is kept as it is and each call gets a shallow copy, which pandas copies on
    write, so a page that changes its frame changes only its own.
    """

    def wrap(loader: Callable[..., pd.DataFrame]) -> Callable[..., pd.DataFrame]:
        cached = st.cache_resource(show_spinner=show_spinner, max_entries=max_entries)(loader)
        _SHARED.append(cached.clear)

        @functools.wraps(loader)
        def read(*args: object) -> pd.DataFrame:
            return cached(*args).copy(deep=False)

        return read

    return wrap


@st.cache_resource(show_spinner=False)
def _engine(url: str) -> Engine:
    return make_engine(url)


def engine() -> Engine:
    """The store's engine (one per database URL, shared by every session)."""
    return _engine(settings.database_url())


def stamp() -> tuple[int, str, int]:
    """The store's stamp now (a few indexed queries, not cached)."""
    return views.store_stamp(engine())


def via_app(page_file: str) -> None:
    """Sends a page opened without app.py (the first visit after a restart) through app.py.

    Streamlit serves the pages/ folder by itself until some session has run app.py's
    st.navigation; a page reached that way would miss the page setup, sign-in and menu.
    The page asks app.py to open it again (`goto`), keeping the query parameters.
    """
    if not st.session_state.get(VIA_APP):
        params = {k: st.query_params[k] for k in st.query_params}
        params["goto"] = f"pages/{Path(page_file).name}"
        st.switch_page("app.py", query_params=params)


def role() -> str | None:
    """The signed-in person's role (st.session_state["role"], set by app.py), or None."""
    found = st.session_state.get("role")
    return str(found) if found else None


def allowed(action: str) -> bool:
    """True when the signed-in role may do `action` (sources.people.access); nobody signed in,
    or a role the store does not know, may do nothing."""
    from sources.people import access

    return access.may(role(), action)


def require(action: str) -> None:
    """Stops the page with a plain message unless the role may do `action`.

    Checked on the server on every run, so a page opened by its URL is refused as surely as
    one left out of the menu. Nobody signed in gets the sign-in screen instead; whoever is
    signed in sees their name, role and the sign-out button in the sidebar.
    """
    from pages.ui import gate

    gate.gate()
    gate.account_sidebar()
    if not allowed(action):
        st.warning("Your role does not give access to this page.")
        st.stop()


def note_sensitive_view(provider_id: str) -> None:
    """Audits that this person saw a provider's personal data: once per provider per
    session, not on every rerun (a slider moved is not a second look)."""
    seen = st.session_state.setdefault("_sensitive_seen", set())
    if provider_id in seen:
        return
    from sources.people import audit

    audit.record(current_user(), "view_sensitive", provider_id, engine=engine())
    seen.add(provider_id)


def current_user() -> str:
    """Who is using the app, as written into the store beside what they do."""
    return str(st.session_state.get("user") or "app user")


def clear() -> None:
    """Forgets every cached frame, shared ones too: after a write made in the app. The
    warmer, if on, reads the landing pages' frames again at once."""
    st.cache_data.clear()
    for clear_cache in _SHARED:
        clear_cache()
    rewarm()


def md_escape(text: object) -> str:
    """Text with Markdown's special characters escaped, for headings built from register data."""
    return re.sub(r"([\\`*_{}\[\]()<>#+\-.!|~$])", r"\\\1", str(text))


# ---------------------------------------------------------------- the embedded demo world


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
    from risk import score
    from sources import load
    from sources.demo import world as demo
    from sources.people.accounts import create_demo_accounts

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


def score_store(progress: Progress | None = None) -> int:
    """Scores every provider as of the newest evidence (and the year before); rows stored."""
    from risk import score

    eng = engine()
    as_of = score.evidence_end(eng)
    if as_of is None:
        return 0
    stored = score.score_and_store(eng, as_of=as_of, progress=progress)
    clear()
    return stored


# ---------------------------------------------------------------- cached loaders


@shared_frame(show_spinner="Reading the scores…", max_entries=2)
def triage(stamp: tuple[int, str, int]) -> pd.DataFrame:
    """Every provider ranked by its newest score (views.triage_frame)."""
    return views.triage_frame(engine())


@st.cache_data(show_spinner=False, max_entries=2)
def newest_scoring(stamp: tuple[int, str, int]) -> dict[str, object] | None:
    """The newest scoring recorded (views.newest_scoring), or None."""
    return views.newest_scoring(engine())


@st.cache_data(show_spinner=False, max_entries=2)
def scored_dates(stamp: tuple[int, str, int]) -> list[dt.date]:
    """The dates the store has scores for, oldest first."""
    return views.scored_dates(engine())


@shared_frame(show_spinner=False, max_entries=2)
def map_points(stamp: tuple[int, str, int]) -> pd.DataFrame:
    """Providers with coordinates and their newest score."""
    return views.map_frame(engine(), triage(stamp))


@st.cache_data(show_spinner=False, max_entries=2)
def map_areas(stamp: tuple[int, str, int]) -> pd.DataFrame:
    """The mapped providers gathered into areas of about 11 km (views.map_cells)."""
    return views.map_cells(map_points(stamp))


@st.cache_data(show_spinner=False, max_entries=64)
def provider(stamp: tuple[int, str, int], provider_id: str) -> dict[str, object] | None:
    """A provider's register entry, or None."""
    return views.provider_record(engine(), provider_id)


@st.cache_data(show_spinner=False, max_entries=64)
def provider_ratings(stamp: tuple[int, str, int], provider_id: str) -> pd.DataFrame:
    """A provider's published ratings, newest first."""
    return views.provider_ratings(engine(), provider_id)


@st.cache_data(show_spinner=False, max_entries=64)
def provider_scores(stamp: tuple[int, str, int], provider_id: str) -> pd.DataFrame:
    """A provider's scores over time."""
    return views.provider_scores(engine(), provider_id)


@st.cache_data(show_spinner=False, max_entries=64)
def provider_events(stamp: tuple[int, str, int], provider_id: str) -> pd.DataFrame:
    """Everything that happened at a provider, oldest first."""
    return views.provider_events(engine(), provider_id)


@st.cache_data(show_spinner=False, max_entries=64)
def provider_voices(stamp: tuple[int, str, int], provider_id: str) -> pd.DataFrame:
    """What people said about a provider, serious unseen first."""
    return views.provider_voices(engine(), provider_id)


@st.cache_data(show_spinner=False, max_entries=64)
def changes(stamp: tuple[int, str, int], provider_id: str, as_of: dt.date | None) -> pd.DataFrame:
    """What changed at a provider since its last inspection."""
    return views.changes_since_inspection(engine(), provider_id, as_of)


@st.cache_data(show_spinner=False, max_entries=64)
def explanation(stamp: tuple[int, str, int], provider_id: str, as_of: dt.date) -> dict:
    """What risk/score.py stored to explain the provider's score on that date ({} if none)."""
    return views.stored_explanation(engine(), provider_id, as_of)


@st.cache_data(show_spinner=False, max_entries=64)
def brief_files(
    stamp: tuple[int, str, int], provider_id: str, as_of: dt.date, role: str | None
) -> tuple[str, bytes]:
    """The visit brief for a provider as (HTML text, PDF bytes), as `role` may read it
    (the role is part of the cache key: a manager never gets an inspector's brief)."""
    from risk import brief

    made = brief.build_brief(engine(), provider_id, as_of, role)
    return brief.brief_html(made), brief.brief_pdf(made)


@shared_frame(show_spinner=False, max_entries=2)
def unlinked(stamp: tuple[int, str, int]) -> pd.DataFrame:
    """Comments waiting to be linked to a provider."""
    return views.unlinked_comments(engine())


@st.cache_data(show_spinner=False, max_entries=2)
def unlinked_total(stamp: tuple[int, str, int]) -> int:
    """How many comments wait to be linked."""
    return views.unlinked_count(engine())


@st.cache_data(show_spinner=False, max_entries=2)
def unseen_total(stamp: tuple[int, str, int]) -> int:
    """How many serious concerns wait to be seen."""
    return views.unseen_serious_total(engine())


@st.cache_data(show_spinner=False, max_entries=8)
def unseen_before(stamp: tuple[int, str, int], before: dt.date) -> int:
    """How many serious concerns dated before `before` wait to be seen."""
    return views.unseen_serious_total(engine(), before)


@st.cache_data(show_spinner=False, max_entries=2)
def unseen(stamp: tuple[int, str, int]) -> pd.DataFrame:
    """Serious concerns nobody has marked seen."""
    return views.unseen_serious(engine())


@st.cache_resource(show_spinner="Preparing suggestions…", max_entries=2)
def _linker(stamp: tuple[int, str, int]) -> object:
    from sources.linking import Linker

    providers = views.providers_frame(engine())
    return Linker(providers[["provider_id", "name", "type", "town", "local_authority", "postcode"]])


def suggestions(
    stamp: tuple[int, str, int], name: str | None, place: str | None, text: str | None
) -> list[tuple[str, float]]:
    """The linker's best candidate providers for a comment: (provider_id, confidence)."""
    try:
        linker = _linker(stamp)
    except ImportError:
        return []
    return list(linker.link(name, place, text).candidates)  # type: ignore[attr-defined]


@st.cache_data(show_spinner=False, max_entries=2)
def loads(stamp: tuple[int, str, int]) -> pd.DataFrame:
    """The history of loads, newest first."""
    return views.loads_frame(engine())


@st.cache_data(show_spinner=False, max_entries=2)
def weights(stamp: tuple[int, str, int]) -> tuple[pd.DataFrame, list[tuple[str, str]]] | None:
    """The score's weights as a table and its bands with their scores (risk.weights)."""
    try:
        from risk import weights as w
    except ImportError:
        return None
    return views.weights_frame(w), views.band_bounds(w)


@st.cache_resource(show_spinner=False)
def _backtests() -> dict[tuple[int, str, int], tuple[str, pd.DataFrame]]:
    # Shared by every session: a backtest scores the whole store twice.
    return {}


def backtest(stamp: tuple[int, str, int]) -> tuple[str, pd.DataFrame] | None:
    """The backtest already run on this store (summary, table), or None."""
    return _backtests().get(stamp)


def run_backtest(stamp: tuple[int, str, int]) -> tuple[str, pd.DataFrame] | None:
    """Runs risk.backtest on the store (one year's horizon) and keeps it; None if it cannot."""
    from risk import backtest as bt

    eng = engine()
    day = views.backtest_day(eng)
    if day is None:
        return None
    truth = settings.data_dir() / "demo" / "truth"
    result = bt.backtest(eng, day, 365, truth if truth.exists() else None)
    _backtests()[stamp] = views.backtest_frame(result)
    return _backtests()[stamp]


# ---------------------------------------------------------------- voices (issue 7)


@shared_frame(show_spinner="Reading who is heard…", max_entries=4)
def heard(stamp: tuple[int, str, int], since: dt.date | None) -> pd.DataFrame:
    """Linked comments (copies once) with their provider's region and area (voices.heard_frame)."""
    from risk import voices

    return voices.heard_frame(engine(), since)


@st.cache_data(show_spinner=False, max_entries=2)
def voice_reference(path: str) -> pd.DataFrame:
    """The reference mix of people served per region (CARELENS_VOICE_REFERENCE)."""
    from risk import voices

    return voices.load_reference(Path(path))


@st.cache_data(show_spinner=False, max_entries=16)
def voices_report(
    stamp: tuple[int, str, int],
    since: dt.date | None,
    region: str | None,
    provider_id: str | None,
    reference_path: str,
) -> object:
    """Who is heard and who is silent in one scope (voices.voices_report, a VoicesReport)."""
    from risk import voices

    return voices.voices_report(
        heard(stamp, since), voice_reference(reference_path), region, provider_id
    )


@shared_frame(show_spinner=False, max_entries=4)
def no_recent_voice(stamp: tuple[int, str, int], as_of: dt.date) -> pd.DataFrame:
    """Providers of a type that usually hears from people, silent for months (voices)."""
    from risk import voices

    return voices.no_recent_voice(as_of, engine())


def silent_providers(stamp: tuple[int, str, int]) -> frozenset[str]:
    """Ids of providers with no recent voice as of the newest scoring (empty if unscored)."""
    dates = scored_dates(stamp)
    if not dates:
        return frozenset()
    return frozenset(no_recent_voice(stamp, dates[-1])["provider_id"])


@st.cache_data(show_spinner=False, max_entries=8)
def you_said_we_did(
    stamp: tuple[int, str, int], start: dt.date, end: dt.date, freq: str, region: str | None
) -> pd.DataFrame:
    """Received, linked, used and outcomes per period and channel (usage.you_said_we_did)."""
    from risk import usage

    return usage.you_said_we_did(start, end, engine(), freq=freq, region=region)


@st.cache_data(show_spinner=False, max_entries=8)
def uses_between(
    stamp: tuple[int, str, int], start: dt.date, end: dt.date, region: str | None
) -> pd.DataFrame:
    """The marks made in a period, newest first (usage.uses_between)."""
    from risk import usage

    return usage.uses_between(start, end, engine(), region=region)


@st.cache_data(show_spinner=False, max_entries=64)
def provider_uses(stamp: tuple[int, str, int], provider_id: str) -> pd.DataFrame:
    """What was done with a provider's evidence, newest first (usage.used_for_provider)."""
    from risk import usage

    return usage.used_for_provider(provider_id, engine())


@st.cache_data(show_spinner=False, max_entries=64)
def provider_copies(stamp: tuple[int, str, int], provider_id: str) -> pd.DataFrame:
    """A provider's comments that arrived more than once: channels and copy count."""
    from sources import duplicates

    return duplicates.copies_for_provider(provider_id, engine())


def mark_used(kind: str, record_id: str, used_for: str, outcome: str) -> int:
    """Marks evidence as used by the person signed in (usage.mark_used, audited); forgets
    only the cached frames a mark changes, not the whole store's."""
    from risk import usage

    mark = usage.mark_used(kind, record_id, used_for, outcome, current_user(), engine())
    for loader in (provider_uses, you_said_we_did, uses_between):
        loader.clear()
    return mark


# ---------------------------------------------------------------- warming the caches

# The Voices page's periods; the first is what it opens on (and what warm() reads).
VOICE_PERIODS: dict[str, int | None] = {
    "Last year": 365,
    "Last 3 years": 3 * 365,
    "Everything": None,
}
VOICES_PER = "QE"  # its "you said, we did" table opens per quarter
_WARM_LOCK = threading.Lock()
_WARM_THREAD = "carelens-warm"


class _QuietWarming(logging.Filter):
    """Drops Streamlit's "missing ScriptRunContext" warning for the warming thread: its
    loaders run outside any page on purpose, so their spinners have nowhere to go."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.threadName != _WARM_THREAD


def newest_day(stamp: tuple[int, str, int]) -> dt.date:
    """The newest scored day, which the Voices page counts back from (today if none)."""
    dates = scored_dates(stamp)
    return dates[-1] if dates else dt.date.today()


def voices_since(stamp: tuple[int, str, int], period: str | None = None) -> dt.date | None:
    """The first day of the Voices page's `period` (default its first), counted back from
    the newest scoring (today when nothing is scored); None for everything."""
    days = VOICE_PERIODS.get(period or next(iter(VOICE_PERIODS)))
    return newest_day(stamp) - dt.timedelta(days=days) if days else None


def said_window(stamp: tuple[int, str, int]) -> tuple[dt.date, dt.date]:
    """The days the Voices page's "you said, we did" table opens on: the year to the newest
    scoring (today when nothing is scored)."""
    today = newest_day(stamp)
    return today - dt.timedelta(days=365), today


def warm(stamp: tuple[int, str, int]) -> None:
    """Reads into the caches what the pages open on for this stamp, so the first person to
    visit after a load or a scoring does not wait for it: at 50,000 providers the triage
    frame and the comments heard in a year take 10-15 s to aggregate, their later visits
    under a second. Each loader is called as its page calls it (same arguments, same key)."""
    triage(stamp)
    silent_providers(stamp)
    if len(map_points(stamp)) > charts.MAP_POINTS:
        map_areas(stamp)
    unlinked(stamp)
    unlinked_total(stamp)
    unseen(stamp)
    unseen_total(stamp)
    since = voices_since(stamp)
    heard(stamp, since)
    you_said_we_did(stamp, *said_window(stamp), VOICES_PER, None)
    reference = settings.voice_reference_path()
    if reference.exists():  # else the Voices page says what is missing
        voices_report(stamp, since, None, None, str(reference))


@dataclass
class Warmer:
    """Warms the caches in a thread of its own whenever the store's stamp changes.

    It looks every `interval` seconds (a load or a scoring made by the command line) and
    at once when nudged (one made in the app). A store with no scores yet is left alone:
    a demo build or a first load is still under way.
    """

    interval: float
    warmed: tuple[int, str, int] | None = None
    error: str | None = None
    rounds: int = 0  # stamps looked at, for tests and the curious
    generation: int = 0  # one more at each rewarm(): a warming it overtook is not done
    wake: threading.Event = field(default_factory=threading.Event, repr=False)
    looked: threading.Condition = field(default_factory=threading.Condition, repr=False)
    thread: threading.Thread | None = field(default=None, repr=False)

    def start(self) -> None:
        """Starts the thread (once; later calls do nothing)."""
        with _WARM_LOCK:
            if self.thread is None:
                context_log = logging.getLogger(
                    "streamlit.runtime.scriptrunner_utils.script_run_context"
                )
                if not any(isinstance(f, _QuietWarming) for f in context_log.filters):
                    context_log.addFilter(_QuietWarming())
                self.thread = threading.Thread(target=self._run, name=_WARM_THREAD, daemon=True)
                self.thread.start()

    def nudge(self) -> None:
        """Looks at the stamp now rather than at the next interval."""
        self.wake.set()

    def step(self) -> None:
        """Looks at the stamp once, and warms the caches for it if it is new and scored."""
        generation = self.generation
        try:
            now = stamp()
            if now != self.warmed and now[1]:
                warm(now)
                # Caches cleared while it ran lost part of what it read: leave it to the
                # next look (the clearing nudged it) to read them again.
                if self.generation == generation:
                    self.warmed, self.error = now, None
        except Exception as error:  # a store being replaced or unreachable: try again later
            self.error = f"{type(error).__name__}: {error}"
        with self.looked:
            self.rounds += 1
            self.looked.notify_all()

    def wait_for(self, rounds: int, timeout: float) -> bool:
        """Waits until `rounds` stamps have been looked at; False if `timeout` passed first."""
        with self.looked:
            return self.looked.wait_for(lambda: self.rounds >= rounds, timeout)

    def _run(self) -> None:
        while True:
            self.step()
            self.wake.wait(self.interval)
            self.wake.clear()


@st.cache_resource(show_spinner=False)
def _warmer(url: str, interval: float) -> Warmer:
    return Warmer(interval)


def _store_warmer() -> Warmer | None:
    """The configured store's warmer (not started), or None when warming is off."""
    interval = settings.warm_seconds()
    return _warmer(settings.database_url(), interval) if interval > 0 else None


def keep_warm() -> Warmer | None:
    """The store's warmer, started on first call (app.py calls this on every run);
    None when CARELENS_WARM_SECONDS is 0."""
    warmer = _store_warmer()
    if warmer is not None:
        warmer.start()
    return warmer


def rewarm() -> None:
    """Has a running warmer read the caches again now, even for the stamp it last warmed
    (clear() emptied them; a link or a dismissal leaves the stamp as it was)."""
    warmer = _store_warmer()
    if warmer is not None:
        warmer.generation += 1
        warmer.warmed = None
        warmer.nudge()
