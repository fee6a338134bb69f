"""The triage list and the overview's counts: every provider ranked by its score, with
its change, trend, evidence counts and last rating; the filters a manager narrows it by,
the biggest movers, and the list as the pages show it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import Select, func, select
from sqlalchemy.engine import Engine

from risk.score import BANDS
from risk.views.frames import parse_dates
from risk.views.glance import providers_frame, scored_dates
from sources.contract import KEY_QUESTIONS, RATINGS, service_type_label
from sources.store import (
    Comment,
    EbeNote,
    Incident,
    Inspection,
    RiskScore,
    SafeguardingAlert,
    read_frame,
)

# Evidence counted in the triage table: the year up to the scoring date.
COUNT_DAYS = 365


# Per source: (table, date column) for counting and for the timeline.
EVIDENCE: dict[str, tuple[type, str]] = {
    "incidents": (Incident, "occurred_on"),
    "safeguarding": (SafeguardingAlert, "raised_on"),
    "comments": (Comment, "received_on"),
    "ebe_notes": (EbeNote, "visit_on"),
}


TRIAGE_COLUMNS: tuple[str, ...] = (
    "provider_id",
    "name",
    "type",
    "region",
    "local_authority",
    "score",
    "band",
    "change",
    "trend",
    "uncertainty",
    "incidents",
    "safeguarding",
    "comments",
    "ebe_notes",
    "last_rating",
    "last_rated_on",
    "days_since_inspection",
    "unseen_serious",
)


def _score_history(engine: Engine, since: dt.date, until: dt.date) -> pd.DataFrame:
    t = RiskScore.__table__
    query = select(t.c.provider_id, t.c.as_of, t.c.score).where(
        t.c.as_of >= since, t.c.as_of <= until
    )
    return parse_dates(read_frame(engine, query), "as_of")


def _scores_on(engine: Engine, day: dt.date) -> pd.DataFrame:
    t = RiskScore.__table__
    query = select(t.c.provider_id, t.c.score, t.c.band, t.c.uncertainty).where(t.c.as_of == day)
    return read_frame(engine, query).set_index("provider_id")


def evidence_counts(engine: Engine, since: dt.date, until: dt.date) -> pd.DataFrame:
    """Per provider, how many incidents, alerts, comments and notes fall in [since, until]."""
    parts = []
    for source, (table, column) in EVIDENCE.items():
        t = table.__table__
        query = (
            select(t.c.provider_id, func.count().label(source))
            .where(t.c[column] >= since, t.c[column] <= until, t.c.provider_id.is_not(None))
            .group_by(t.c.provider_id)
        )
        if table is Comment:
            # A copy of one concern sent by another channel counts once.
            query = query.where(t.c.duplicate_of.is_(None))
        parts.append(read_frame(engine, query).set_index("provider_id"))
    counts = pd.concat(parts, axis=1).fillna(0).astype("int64")
    return counts.reindex(columns=list(EVIDENCE), fill_value=0)


def unseen_serious_count_query(table: type) -> Select:
    """Per provider, how many serious texts in `table` (Comment or EbeNote) nobody has marked
    seen (answered from the partial index sources.store made for it)."""
    t = table.__table__
    return (
        select(t.c.provider_id, func.count().label("n"))
        .where(t.c.serious.is_(True), t.c.serious_seen_at.is_(None))
        .where(t.c.provider_id.is_not(None))
        .group_by(t.c.provider_id)
    )


def _unseen_serious_counts(engine: Engine) -> pd.Series:
    parts = [read_frame(engine, unseen_serious_count_query(table)) for table in (Comment, EbeNote)]
    both = pd.concat(parts)
    if both.empty:
        return pd.Series(dtype="int64")
    return both.groupby("provider_id")["n"].sum().astype("int64")


def latest_ratings(engine: Engine) -> pd.DataFrame:
    """Per provider, its newest published rating: last_rating, last_rated_on, key questions."""
    t = Inspection.__table__
    frame = parse_dates(read_frame(engine, select(t)), "published_on")
    if frame.empty:
        return pd.DataFrame(columns=["last_rating", "last_rated_on", *KEY_QUESTIONS])
    frame = frame.sort_values(["provider_id", "published_on"]).drop_duplicates(
        "provider_id", keep="last"
    )
    frame = frame.rename(columns={"overall": "last_rating", "published_on": "last_rated_on"})
    return frame.set_index("provider_id")[["last_rating", "last_rated_on", *KEY_QUESTIONS]]


def triage_frame(engine: Engine, as_of: dt.date | None = None) -> pd.DataFrame:
    """Every provider ranked by its score as of `as_of` (default the newest scoring).

    Columns TRIAGE_COLUMNS: score 0..100 and band; `change` in points since the previous
    scoring date; `trend` the monthly scores of the last year (oldest first); evidence
    counts per source in the COUNT_DAYS before as_of; the newest rating and the days since
    it; `unseen_serious` the serious concerns nobody has marked seen. Providers never scored
    come last with no score. Empty when the store has no scores.
    """
    dates = scored_dates(engine)
    if not dates:
        return pd.DataFrame(columns=list(TRIAGE_COLUMNS))
    as_of = as_of or dates[-1]
    earlier = [d for d in dates if d < as_of]
    since = as_of - dt.timedelta(days=COUNT_DAYS)
    history = _score_history(engine, min([since, *earlier[-1:]]), as_of)
    providers = providers_frame(engine).set_index("provider_id")
    now = _scores_on(engine, as_of)
    frame = providers[["name", "type", "region", "local_authority"]].join(
        now[["score", "band", "uncertainty"]], how="left"
    )
    if earlier:
        before = history[history["as_of"] == pd.Timestamp(earlier[-1])].set_index("provider_id")
        frame["change"] = frame["score"] - before["score"].reindex(frame.index)
    else:
        frame["change"] = np.nan
    year = history[history["as_of"] >= pd.Timestamp(since)].sort_values("as_of")
    # One row of monthly scores per provider (a wide table is far faster than a groupby).
    wide = year.pivot_table(index="provider_id", columns="as_of", values="score").round(1)
    wide = wide.reindex(frame.index)
    frame["trend"] = [[v for v in row if v == v] for row in wide.to_numpy().tolist()]
    counts = evidence_counts(engine, since, as_of).reindex(frame.index, fill_value=0)
    frame = frame.join(counts)
    ratings = latest_ratings(engine)
    frame = frame.join(ratings[["last_rating", "last_rated_on"]], how="left")
    # to_datetime: with no ratings in the store the joined column is float NaN.
    rated_on = pd.to_datetime(frame["last_rated_on"])
    frame["days_since_inspection"] = (pd.Timestamp(as_of) - rated_on).dt.days
    frame["unseen_serious"] = (
        _unseen_serious_counts(engine).reindex(frame.index, fill_value=0).astype("int64")
    )
    frame = frame.reset_index().rename(columns={"index": "provider_id"})
    frame = frame.sort_values(["score", "name"], ascending=[False, True], na_position="last")
    frame["score"] = frame["score"].round(1)
    frame["change"] = frame["change"].round(1)
    return frame[list(TRIAGE_COLUMNS)].reset_index(drop=True)


@dataclass(frozen=True)
class TriageFilter:
    """What a manager narrowed the triage list to; empty means everything."""

    regions: tuple[str, ...] = ()
    local_authorities: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    bands: tuple[str, ...] = ()
    ratings: tuple[str, ...] = ()  # last overall rating; "Not rated" for none
    name: str = ""


NOT_RATED = "Not rated"


def filter_triage(frame: pd.DataFrame, chosen: TriageFilter) -> pd.DataFrame:
    """The rows of a triage frame that pass every filter chosen, order kept."""
    keep = pd.Series(True, index=frame.index)
    for column, values in (
        ("region", chosen.regions),
        ("local_authority", chosen.local_authorities),
        ("type", chosen.types),
        ("band", chosen.bands),
    ):
        if values:
            keep &= frame[column].isin(values)
    if chosen.ratings:
        ratings = frame["last_rating"].fillna(NOT_RATED)
        keep &= ratings.isin(chosen.ratings)
    needle = chosen.name.strip()
    if needle:
        keep &= frame["name"].str.contains(needle, case=False, regex=False, na=False) | frame[
            "provider_id"
        ].str.contains(needle, case=False, regex=False, na=False)
    return frame[keep]


def biggest_movers(frame: pd.DataFrame, n: int = 50) -> pd.DataFrame:
    """The `n` rows whose score changed most since the previous scoring, either way."""
    moved = frame.dropna(subset=["change"])
    order = moved["change"].abs().sort_values(ascending=False).index
    return moved.loc[order[:n]]


def rating_choices() -> list[str]:
    """The last-rating filter's options: the contract's ratings, then "Not rated"."""
    return [*RATINGS, NOT_RATED]


NO_RECENT_VOICE = "🔇 no recent voice"


def mark_silent(frame: pd.DataFrame, silent: Iterable[str]) -> pd.DataFrame:
    """`frame` with a `voice` column marking the providers nobody has written about for
    months: silence is no evidence, and their scores' uncertainty says so."""
    quiet = frame["provider_id"].isin(set(silent))
    return frame.assign(voice=np.where(quiet, NO_RECENT_VOICE, ""))


def triage_display(frame: pd.DataFrame) -> pd.DataFrame:
    """The triage rows as shown: each band a one-item list (a coloured label in a read-only
    multiselect column), service types in words, unseen serious concerns as "! n unseen".

    Vectorised: per-row Python took a fifth of a second for 50,000 providers on every click.
    """
    bands = {band: [band] for band in BANDS}
    band = frame["band"].map(bands)
    types = frame["type"].dropna().unique()
    unseen = frame["unseen_serious"].fillna(0).astype(int)
    return frame.assign(
        band=[b if isinstance(b, list) else [] for b in band],
        type=frame["type"].map({t: service_type_label(str(t)) for t in types}),
        unseen_serious=np.where(unseen > 0, "! " + unseen.astype(str) + " unseen", ""),
    )


def band_counts(frame: pd.DataFrame, by: str) -> pd.DataFrame:
    """Providers per value of `by` (region, type) and band: columns by, band, providers."""
    scored = frame.dropna(subset=["band"])
    counts = scored.groupby([by, "band"]).size().rename("providers").reset_index()
    counts["band"] = pd.Categorical(counts["band"], categories=BANDS, ordered=True)
    return counts.sort_values([by, "band"]).reset_index(drop=True)
