"""Keeping the caches warm: a thread that reads what the pages open on before anyone asks.

Owns `warm` (one stamp's landing frames, each read as its page reads it), the `Warmer`
thread (one per store, looking at the stamp every CARELENS_WARM_SECONDS and at once when
nudged), `keep_warm` (app.py starts it) and `rewarm` (after the caches are cleared).

Imports pages.ui.cache, pages.ui.loaders and pages.ui.charts.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass, field

import streamlit as st

from pages.ui import cache, charts, loaders
from sources import settings

_WARM_LOCK = threading.Lock()
_WARM_THREAD = "carelens-warm"


class _QuietWarming(logging.Filter):
    """Drops Streamlit's "missing ScriptRunContext" warning for the warming thread: its
    loaders run outside any page on purpose, so their spinners have nowhere to go."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.threadName != _WARM_THREAD


def warm(stamp: tuple[int, str, int]) -> None:
    """Reads into the caches what the pages open on for this stamp, so the first person to
    visit after a load or a scoring does not wait for the store's slowest aggregations
    (the triage frame, the comments heard in a year). Each loader is called as its page
    calls it (same arguments, same key)."""
    loaders.triage(stamp)
    loaders.silent_providers(stamp)
    if len(loaders.map_points(stamp)) > charts.MAP_POINTS:
        loaders.map_areas(stamp)
    loaders.unlinked(stamp)
    loaders.unlinked_total(stamp)
    loaders.unseen(stamp)
    loaders.unseen_total(stamp)
    since = loaders.voices_since(stamp)
    loaders.heard(stamp, since)
    loaders.heard_providers(stamp, since)
    window = loaders.said_window(stamp)
    loaders.you_said_we_did(stamp, *window, loaders.VOICES_PER, None)
    loaders.uses_between(stamp, window[0], dt.datetime.now(dt.UTC).date(), None)
    reference = settings.voice_reference_path()
    if reference.exists():  # else the Voices page says what is missing
        loaders.voices_report(stamp, since, None, None, str(reference))


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
            now = cache.stamp()
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
    (pages.ui.writes.clear emptied them; a link or a dismissal leaves the stamp as it was)."""
    warmer = _store_warmer()
    if warmer is not None:
        warmer.generation += 1
        warmer.warmed = None
        warmer.nudge()
