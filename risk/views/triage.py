"""The triage list and the overview's counts: every provider ranked by its score, with
its change, trend, evidence counts and last rating; the filters a manager narrows it by,
the biggest movers, the headline of what serious concerns are new (since the reader's last
visit, in the last NEW_DAYS), and the list as the pages show it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import Select, case, func, select
from sqlalchemy.engine import Engine

from risk.score import BANDS
from risk.views.frames import parse_dates
from risk.views.glance import providers_frame, scored_dates
from sources.contract import KEY_QUESTIONS, RATINGS, service_type_label
from sources.people import audit
from sources.store import (
    SERIOUS_TEXTS,
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
# A serious concern is new when dated in the NEW_DAYS up to the scoring date (or after it).
NEW_DAYS = 90


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
    "new_serious",
    "newest_serious",
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


def unseen_serious_count_query(table: type, new_since: dt.date | None = None) -> Select:
    """Per provider, how many serious texts in `table` (Comment or EbeNote) nobody has marked
    seen (column n; answered from the partial index sources.store made for it). With
    `new_since`, also how many of them are dated on or after it (column new) and the newest
    one's date (column newest)."""
    t = table.__table__
    columns = [t.c.provider_id, func.count().label("n")]
    if new_since is not None:
        date = t.c[_date_column(table)]
        columns += [
            func.sum(case((date >= new_since, 1), else_=0)).label("new"),
            func.max(date).label("newest"),
        ]
    return (
        select(*columns)
        .where(t.c.serious.is_(True), t.c.serious_seen_at.is_(None))
        .where(t.c.provider_id.is_not(None))
        .group_by(t.c.provider_id)
    )


def _date_column(table: type) -> str:
    (date_col,) = [d for t, _, d in SERIOUS_TEXTS.values() if t is table]
    return date_col


def new_since(as_of: dt.date) -> dt.date:
    """The first day a serious concern counts as new for a scoring as of `as_of`: the
    NEW_DAYS up to and including as_of."""
    return as_of - dt.timedelta(days=NEW_DAYS - 1)


def _unseen_serious_counts(engine: Engine, since: dt.date) -> pd.DataFrame:
    """Per provider (the index): unseen_serious, new_serious (dated on or after `since`)
    and newest_serious (the newest one's date)."""
    parts = [
        parse_dates(read_frame(engine, unseen_serious_count_query(table, since)), "newest")
        for table in (Comment, EbeNote)
    ]
    both = pd.concat(parts)
    columns = ["unseen_serious", "new_serious", "newest_serious"]
    if both.empty:
        return pd.DataFrame(columns=columns)
    grouped = both.groupby("provider_id").agg(
        unseen_serious=("n", "sum"), new_serious=("new", "sum"), newest_serious=("newest", "max")
    )
    return grouped[columns]


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
    it; `unseen_serious` the serious concerns nobody has marked seen, `new_serious` those of
    them dated on or after new_since(as_of), `newest_serious` the newest one's date (NaT
    for none). Providers never scored come last with no score. Empty when the store has no
    scores.
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
    serious = _unseen_serious_counts(engine, new_since(as_of)).reindex(frame.index)
    for column in ("unseen_serious", "new_serious"):
        frame[column] = serious[column].fillna(0).astype("int64")
    frame["newest_serious"] = pd.to_datetime(serious["newest_serious"])
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
    new_serious_only: bool = False  # only providers with a new unseen serious concern


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
    if chosen.new_serious_only:
        keep &= frame["new_serious"] > 0
    if chosen.name.strip():
        keep &= named_like(frame, chosen.name)
    return frame[keep]


def named_like(frame: pd.DataFrame, needle: str) -> pd.Series:
    """True for the rows whose name or provider_id holds `needle` (any case, as typed);
    every row for an empty needle."""
    needle = needle.strip()
    if not needle:
        return pd.Series(True, index=frame.index)
    return frame["name"].str.contains(needle, case=False, regex=False, na=False) | frame[
        "provider_id"
    ].astype(str).str.contains(needle, case=False, regex=False, na=False)


def biggest_movers(frame: pd.DataFrame, n: int = 50) -> pd.DataFrame:
    """The `n` rows whose score changed most since the previous scoring, either way."""
    moved = frame.dropna(subset=["change"])
    order = moved["change"].abs().sort_values(ascending=False).index
    return moved.loc[order[:n]]


def rating_choices() -> list[str]:
    """The last-rating filter's options: the contract's ratings, then "Not rated"."""
    return [*RATINGS, NOT_RATED]


NO_VOICE_MARK = "🔇"
NO_RECENT_VOICE = f"{NO_VOICE_MARK} no recent voice"
SILENT = f"{NO_VOICE_MARK} silent"  # the same where a column is narrow


def mark_silent(frame: pd.DataFrame, silent: Iterable[str]) -> pd.DataFrame:
    """`frame` with a `voice` column marking the providers nobody has written about for
    months: silence is no evidence, and their scores' uncertainty says so."""
    quiet = frame["provider_id"].isin(set(silent))
    return frame.assign(voice=np.where(quiet, NO_RECENT_VOICE, ""))


# How a rating reads where a column is narrow (the triage grid); others read as written.
RATING_SHORT: dict[str, str] = {"Requires improvement": "Req. improvement"}


def triage_display(frame: pd.DataFrame) -> pd.DataFrame:
    """The triage rows as shown: each band a one-item list (a coloured label in a read-only
    multiselect column), service types in words, ratings in RATING_SHORT's words, unseen
    serious concerns as "! n new of m" when some are new (new_serious) and "m unseen" when
    none is, and `voices` the two things people's words say at a glance: those concerns,
    after NO_VOICE_MARK for a provider `voice` marks (mark_silent), or SILENT alone.

    Vectorised: it runs on every click over every provider.
    """
    bands = {band: [band] for band in BANDS}
    band = frame["band"].map(bands)
    types = frame["type"].dropna().unique()
    unseen = frame["unseen_serious"].fillna(0).astype(int)
    new = frame["new_serious"].fillna(0).astype(int)
    concerns = pd.Series(
        np.where(
            new > 0,
            "! " + new.astype(str) + " new of " + unseen.astype(str),
            np.where(unseen > 0, unseen.astype(str) + " unseen", ""),
        ),
        index=frame.index,
    )
    silent = frame["voice"].fillna("") != "" if "voice" in frame else pd.Series(False, frame.index)
    voices = np.where(
        silent,
        np.where(concerns != "", NO_VOICE_MARK + " " + concerns, SILENT),
        concerns,
    )
    return frame.assign(
        band=[b if isinstance(b, list) else [] for b in band],
        type=frame["type"].map({t: service_type_label(str(t)) for t in types}),
        last_rating=frame["last_rating"].replace(RATING_SHORT),
        unseen_serious=concerns,
        voices=voices,
    )


def previous_visit(engine: Engine, username: str) -> dt.datetime | None:
    """When `username` last signed in before this visit (UTC), or None for a first visit.

    Every session signs in through the gate, which audits it, so the newest sign-in in the
    audit log is this visit's own and the one before it is the last visit."""
    signed = audit.search(engine, username=username, action="sign_in", limit=2)
    if len(signed) < 2:
        return None
    at = pd.Timestamp(signed["at"].iloc[1])
    # SQLite hands back the UTC time it was given without its zone; PostgreSQL, with one.
    at = at.tz_localize("UTC") if at.tzinfo is None else at.tz_convert("UTC")
    return at.to_pydatetime()


@dataclass(frozen=True)
class SeriousHeadline:
    """What triage says about serious concerns nobody has marked seen, for the rows shown.

    `new_*` count those dated on or after `new_since` (the NEW_DAYS to the scoring date);
    `visit_providers` the providers with one dated on or after the day of `visit` (the
    reader's last visit; None with no visit known); `unseen_*` every unseen one, however old.
    """

    providers: int
    as_of: dt.date
    new_since: dt.date
    new_providers: int
    new_concerns: int
    unseen_providers: int
    unseen_concerns: int
    visit: dt.datetime | None = None
    visit_providers: int | None = None

    def summary(self) -> str:
        """The headline in words, plain text (the page shows it as text)."""
        days = f"in the {NEW_DAYS} days to {self.as_of:%d %B %Y}"
        if self.new_concerns:
            new = (
                f"{self.new_concerns:,} unseen serious {_concerns(self.new_concerns)} dated "
                f"{days}, at {self.new_providers:,} of {self.providers:,} "
                f"{_providers(self.providers)}."
            )
        else:
            new = f"No unseen serious concern dated {days}."
        if self.visit is None:
            return new
        n = self.visit_providers or 0
        since = f" Since your last visit on {self.visit:%d %B %Y}: " + (
            f"{n:,} {_providers(n)} with one dated since." if n else "none dated since."
        )
        return new + since


def _providers(n: int) -> str:
    return "provider" if n == 1 else "providers"


def _concerns(n: int) -> str:
    return "concern" if n == 1 else "concerns"


def serious_headline(
    frame: pd.DataFrame, as_of: dt.date, visit: dt.datetime | None = None
) -> SeriousHeadline:
    """The serious-concern headline for triage rows `frame` (as from triage_frame, filtered)
    scored as of `as_of`, with the reader's last visit when known (previous_visit)."""
    unseen = frame["unseen_serious"].fillna(0)
    new = frame["new_serious"].fillna(0)
    visit_providers = None
    if visit is not None:
        newest = pd.to_datetime(frame["newest_serious"])
        visit_providers = int((newest >= pd.Timestamp(visit.date())).sum())
    return SeriousHeadline(
        providers=len(frame),
        as_of=as_of,
        new_since=new_since(as_of),
        new_providers=int((new > 0).sum()),
        new_concerns=int(new.sum()),
        unseen_providers=int((unseen > 0).sum()),
        unseen_concerns=int(unseen.sum()),
        visit=visit,
        visit_providers=visit_providers,
    )


def band_counts(frame: pd.DataFrame, by: str) -> pd.DataFrame:
    """Providers per value of `by` (region, type) and band: columns by, band, providers."""
    scored = frame.dropna(subset=["band"])
    counts = scored.groupby([by, "band"]).size().rename("providers").reset_index()
    counts["band"] = pd.Categorical(counts["band"], categories=BANDS, ordered=True)
    return counts.sort_values([by, "band"]).reset_index(drop=True)


SCORE_BIN = 2  # points of score per bar of the overview's distribution


def score_bins(frame: pd.DataFrame) -> pd.DataFrame:
    """Scored providers per band and SCORE_BIN-point bin of score: columns band, start
    (the bin's lowest score), providers; every band's every bin, empty ones at 0. Counted
    here so a chart gets 50 numbers a band, not every provider's score."""
    edges = np.arange(0, 100 + SCORE_BIN, SCORE_BIN, dtype=float)
    scored = frame.dropna(subset=["score"])
    parts = []
    for band in BANDS:
        counts, _ = np.histogram(scored.loc[scored["band"] == band, "score"], bins=edges)
        parts.append(pd.DataFrame({"band": band, "start": edges[:-1], "providers": counts}))
    return pd.concat(parts, ignore_index=True)
