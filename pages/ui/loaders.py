"""The pages' cached loaders: each reads one frame or figure of risk/views.py (or of
risk.voices, risk.usage, sources.duplicates) through Streamlit's caches.

Every loader takes the store's stamp (pages.ui.cache.stamp) as its first argument, so a
load or a new scoring made anywhere, by the app or the command line, reaches the pages on
their next run without a restart, while a page switch with nothing new is answered from
the cache. Also owns what the Voices page opens on (its periods, counted back from the
newest scoring), which the warming reads as that page does.

Imports pages.ui.cache only; writes live in pages.ui.writes.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import streamlit as st

from pages.ui.cache import engine, shared_frame
from risk import brief, usage, views, voices
from risk.score import Explanation
from sources import duplicates, settings


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
def explanation(
    stamp: tuple[int, str, int], provider_id: str, as_of: dt.date
) -> Explanation | None:
    """What risk/score.py stored to explain the provider's score on that date (None if none)."""
    return views.stored_explanation(engine(), provider_id, as_of)


@st.cache_data(show_spinner=False, max_entries=64)
def visit_brief(
    stamp: tuple[int, str, int], provider_id: str, as_of: dt.date, role: str | None
) -> brief.VisitBrief:
    """The visit brief for a provider on a date, as `role` may read it (the role is part of
    the cache key: a manager never gets an inspector's brief)."""
    return brief.build_brief(engine(), provider_id, as_of, role)


@st.cache_data(show_spinner=False, max_entries=64)
def brief_files(
    stamp: tuple[int, str, int], provider_id: str, as_of: dt.date, role: str | None
) -> tuple[str, bytes]:
    """The visit brief for a provider as (HTML text, PDF bytes), as `role` may read it."""
    made = visit_brief(stamp, provider_id, as_of, role)
    return brief.brief_html(made), brief.brief_pdf(made)


@st.cache_data(show_spinner=False, max_entries=64)
def brief_pins(stamp: tuple[int, str, int], provider_id: str) -> pd.DataFrame:
    """What is pinned to a provider's visit brief (views.brief_pins), not yet redacted."""
    return views.brief_pins(engine(), provider_id)


@st.cache_data(show_spinner=False, max_entries=64)
def provider_verdicts(stamp: tuple[int, str, int], provider_id: str) -> pd.DataFrame:
    """What the provider's last visit found per line of enquiry (views.last_verdicts), its
    notes not yet redacted."""
    return views.last_verdicts(engine(), provider_id)


@st.cache_data(show_spinner=False, max_entries=64)
def evidence_item(
    stamp: tuple[int, str, int], kind: str, record_id: str
) -> dict[str, object] | None:
    """One piece of evidence by kind and id (views.evidence_item), not yet redacted."""
    return views.evidence_item(engine(), kind, record_id)


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
    # Imported on use, so the Inbox works (without suggestions) where rapidfuzz is missing.
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
    """The score's weights in force as a table (risk.weights, or the set an admin applied)
    and its bands with their scores."""
    try:  # imported on use, so the Method page still opens without it
        from risk import weights as w
        from risk.weight_sets import applied_weights
    except ImportError:
        return None
    return views.weights_frame(w, applied_weights(engine())), views.band_bounds(w)


@st.cache_data(show_spinner=False, max_entries=2)
def weights_in_force(stamp: tuple[int, str, int]) -> str | None:
    """Which weight set an admin applied, in a sentence; None for the set weights."""
    return views.weights_in_force(engine())


@st.cache_resource(show_spinner=False)
def _backtests() -> dict[tuple[int, str, int], tuple[str, pd.DataFrame]]:
    # Shared by every session: a backtest scores the whole store twice.
    return {}


def backtest(stamp: tuple[int, str, int]) -> tuple[str, pd.DataFrame] | None:
    """The backtest already run on this store (summary, table), or None."""
    return _backtests().get(stamp)


def run_backtest(stamp: tuple[int, str, int]) -> tuple[str, pd.DataFrame] | None:
    """Runs risk.backtest on the store (one year's horizon) and keeps it; None if it cannot."""
    from risk import backtest as bt  # imported on use: only a button press runs one

    eng = engine()
    day = views.backtest_day(eng)
    if day is None:
        return None
    truth = settings.data_dir() / "demo" / "truth"
    result = bt.backtest(eng, day, 365, truth if truth.exists() else None)
    _backtests()[stamp] = views.backtest_frame(result)
    return _backtests()[stamp]


# ---------------------------------------------------------------- voices and their use


@shared_frame(show_spinner="Reading who is heard…", max_entries=4)
def heard(stamp: tuple[int, str, int], since: dt.date | None) -> pd.DataFrame:
    """Linked comments (copies once) with their provider's region and area (voices.heard_frame)."""
    return voices.heard_frame(engine(), since)


@shared_frame(show_spinner=False, max_entries=4)
def heard_providers(stamp: tuple[int, str, int], since: dt.date | None) -> pd.DataFrame:
    """The providers heard from since the day (voices.heard_providers): the Voices picker's
    list, made once; from every comment on each visit it was a quarter of a second at
    national scale."""
    return voices.heard_providers(heard(stamp, since))


@st.cache_data(show_spinner=False, max_entries=2)
def voice_reference(path: str) -> pd.DataFrame:
    """The reference mix of people served per region (CARELENS_VOICE_REFERENCE)."""
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
    return voices.voices_report(
        heard(stamp, since), voice_reference(reference_path), region, provider_id
    )


@shared_frame(show_spinner=False, max_entries=4)
def no_recent_voice(stamp: tuple[int, str, int], as_of: dt.date) -> pd.DataFrame:
    """Providers of a type that usually hears from people, silent for months (voices)."""
    return voices.no_recent_voice(engine(), as_of)


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
    return usage.you_said_we_did(engine(), start, end, freq=freq, region=region)


@st.cache_data(show_spinner=False, max_entries=8)
def uses_between(
    stamp: tuple[int, str, int], start: dt.date, end: dt.date, region: str | None
) -> pd.DataFrame:
    """The marks made in a period, newest first (usage.uses_between)."""
    return usage.uses_between(engine(), start, end, region=region)


@st.cache_data(show_spinner=False, max_entries=64)
def provider_uses(stamp: tuple[int, str, int], provider_id: str) -> pd.DataFrame:
    """What was done with a provider's evidence, newest first (usage.used_for_provider)."""
    return usage.used_for_provider(engine(), provider_id)


@st.cache_data(show_spinner=False, max_entries=64)
def provider_copies(stamp: tuple[int, str, int], provider_id: str) -> pd.DataFrame:
    """A provider's comments that arrived more than once: channels and copy count."""
    return duplicates.copies_for_provider(engine(), provider_id)


# ---------------------------------------------------------------- what the Voices page opens on

# The Voices page's periods; the first is what it opens on (and what warm() reads).
VOICE_PERIODS: dict[str, int | None] = {
    "Last year": 365,
    "Last 3 years": 3 * 365,
    "Everything": None,
}
VOICES_PER = "QE"  # its "you said, we did" table opens per quarter


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
