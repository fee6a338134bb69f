"""What the pages show, shaped from the store: plain functions returning pandas frames.

Pages never compute: they call these (through the cached loaders in pages/_data.py) and
draw the result. Nothing here imports streamlit, so every view is tested on its own.
Read-only: what people do in the app is written by sources.people.actions.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import Select, func, literal, null, select
from sqlalchemy.engine import Engine

from risk.score import BANDS
from sources.contract import CONCERN_KINDS, KEY_QUESTIONS, RATINGS, service_type_label
from sources.store import (
    EVIDENCE_TABLES,
    SERIOUS_TEXTS,
    Comment,
    EbeNote,
    Incident,
    Inspection,
    Load,
    Provider,
    RiskScore,
    SafeguardingAlert,
    Scoring,
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
# A spreadsheet runs a cell beginning with one of these as a formula.
FORMULA_START: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")


def _dates(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    # SQLite gives ISO strings, PostgreSQL date objects: both become datetime64.
    for column in columns:
        if column in frame:
            frame[column] = pd.to_datetime(frame[column], errors="coerce")
    return frame


# ---------------------------------------------------------------- the store at a glance


def store_stamp(engine: Engine) -> tuple[int, str, int]:
    """(newest load id, "newest scored day/newest scoring id", number of providers): changes
    when data does, a scoring of a day already scored included. The scored day comes first,
    empty when nothing is scored."""
    with engine.connect() as conn:
        load_id = conn.execute(select(func.max(Load.id))).scalar() or 0
        as_of = conn.execute(select(func.max(RiskScore.as_of))).scalar()
        scoring = conn.execute(select(func.max(Scoring.id))).scalar() or 0
        providers = conn.execute(select(func.count()).select_from(Provider)).scalar() or 0
    return int(load_id), f"{as_of}/{scoring}" if as_of else "", int(providers)


def newest_scoring(engine: Engine) -> dict[str, object] | None:
    """The newest scoring recorded (store.Scoring: as_of, days, providers, finished_at),
    or None when none is (nothing scored, or scores written before scorings were kept)."""
    t = Scoring.__table__
    with engine.connect() as conn:
        row = conn.execute(select(t).order_by(t.c.id.desc()).limit(1)).mappings().first()
    return dict(row) if row else None


def provider_count(engine: Engine) -> int:
    """How many providers the store holds (0 means an empty store)."""
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(Provider)).scalar() or 0)


def holds_evidence(engine: Engine) -> bool:
    """True when the store holds any record of any contract file (comments alone count:
    a store with only unlinked comments is not empty, and gets no demo world)."""
    with engine.connect() as conn:
        return any(
            conn.execute(select(literal(1)).select_from(table).limit(1)).first() is not None
            for table in EVIDENCE_TABLES
        )


def scored_dates(engine: Engine) -> list[dt.date]:
    """Every date the store has scores for, oldest first."""
    frame = read_frame(engine, select(RiskScore.as_of).distinct(), ["as_of"])
    dates = pd.to_datetime(frame["as_of"]).dt.date
    return sorted(dates.tolist())


def providers_frame(engine: Engine) -> pd.DataFrame:
    """Every provider with its register columns, one row each."""
    return read_frame(engine, select(Provider.__table__))


# ---------------------------------------------------------------- triage


def _score_history(engine: Engine, since: dt.date, until: dt.date) -> pd.DataFrame:
    t = RiskScore.__table__
    query = select(t.c.provider_id, t.c.as_of, t.c.score).where(
        t.c.as_of >= since, t.c.as_of <= until
    )
    return _dates(read_frame(engine, query), "as_of")


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
    frame = _dates(read_frame(engine, select(t)), "published_on")
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


def neutralise_formula(value: object) -> object:
    """A cell a spreadsheet will not run: text starting = + - @ tab CR gets a ' in front."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def safe_csv(frame: pd.DataFrame) -> bytes:
    """The frame as UTF-8 CSV (with BOM for spreadsheets), every text cell formula-safe."""
    out = frame.copy()
    for column in out.columns:
        if out[column].map(lambda v: isinstance(v, list)).any():
            out[column] = out[column].map(
                lambda v: " ".join(str(x) for x in v) if isinstance(v, list) else v
            )
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(neutralise_formula)
    buffer = io.StringIO()
    # CRLF rows, as spreadsheets expect; a CR or LF inside a cell is then quoted.
    out.to_csv(buffer, index=False, lineterminator="\r\n")
    return buffer.getvalue().encode("utf-8-sig")


# ---------------------------------------------------------------- overview


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


def map_frame(engine: Engine, triage: pd.DataFrame) -> pd.DataFrame:
    """Providers with coordinates and a score: id, name, type, latitude, longitude, score, band."""
    t = Provider.__table__
    coords = read_frame(
        engine,
        select(t.c.provider_id, t.c.latitude, t.c.longitude).where(
            t.c.latitude.is_not(None), t.c.longitude.is_not(None)
        ),
    )
    merged = coords.merge(
        triage[["provider_id", "name", "type", "score", "band"]], on="provider_id"
    )
    return merged.dropna(subset=["score"]).reset_index(drop=True)


# An area of about 11 km by 11 km in England (a degree of longitude is ~0.61 of one of
# latitude at 52.5 degrees north).
CELL_LATITUDE = 0.1
CELL_LONGITUDE = 0.16
# An area's share is read as if it also had this many providers at the share over all
# areas: three providers, two of them high, is not a red area but an uncertain one.
AREA_PRIOR_PROVIDERS = 10


def map_cells(points: pd.DataFrame) -> pd.DataFrame:
    """Providers of a map_frame gathered into areas of about 11 km square, for a map of the
    whole country (tens of thousands of dots are a blot, and slow to draw).

    One row per area with providers, most worrying first: area (its key, for
    area_providers), latitude and longitude (the mean of its providers', so the dot sits
    where they are), providers, high (how many are in the high or very high band),
    high_share, shrunk_share (high_share pulled towards the share over all areas by
    AREA_PRIOR_PROVIDERS, so a small area's few providers do not paint it), top_name and
    top_score (its highest-scored).
    """
    columns = [
        "area",
        "latitude",
        "longitude",
        "providers",
        "high",
        "high_share",
        "shrunk_share",
        "top_name",
        "top_score",
    ]
    if points.empty:
        return pd.DataFrame(columns=columns)
    cell = pd.DataFrame(
        {
            "area": _area_keys(points),
            "latitude": points["latitude"].to_numpy(float),
            "longitude": points["longitude"].to_numpy(float),
            "high": points["band"].isin(BANDS[2:]).to_numpy(),
            "score": points["score"].to_numpy(float),
            "name": points["name"].to_numpy(object),
        }
    )
    top = cell.sort_values("score", ascending=False, kind="stable").drop_duplicates("area")
    cells = cell.groupby("area").agg(
        latitude=("latitude", "mean"),
        longitude=("longitude", "mean"),
        providers=("score", "size"),
        high=("high", "sum"),
    )
    cells = cells.join(
        top.set_index("area")[["name", "score"]].rename(
            columns={"name": "top_name", "score": "top_score"}
        )
    )
    cells["high"] = cells["high"].astype("int64")
    cells["high_share"] = cells["high"] / cells["providers"]
    overall = cells["high"].sum() / cells["providers"].sum()
    cells["shrunk_share"] = (cells["high"] + AREA_PRIOR_PROVIDERS * overall) / (
        cells["providers"] + AREA_PRIOR_PROVIDERS
    )
    cells = cells.sort_values(["shrunk_share", "providers"], ascending=[False, False])
    return cells.reset_index()[columns]


def _area_keys(points: pd.DataFrame) -> np.ndarray:
    """Each provider's area of map_cells as "row:column" of the grid."""
    row = np.floor(points["latitude"].to_numpy(float) / CELL_LATITUDE).astype(int)
    col = np.floor(points["longitude"].to_numpy(float) / CELL_LONGITUDE).astype(int)
    return (pd.Series(row).astype(str) + ":" + pd.Series(col).astype(str)).to_numpy()


def area_providers(points: pd.DataFrame, areas: Iterable[str]) -> pd.DataFrame:
    """The providers of a map_frame in the map_cells `areas` named, highest score first:
    provider_id, name, type, score, band."""
    inside = points[np.isin(_area_keys(points), list(areas))]
    inside = inside.sort_values(["score", "name"], ascending=[False, True], kind="stable")
    return inside[["provider_id", "name", "type", "score", "band"]].reset_index(drop=True)


# ---------------------------------------------------------------- one provider


def provider_record(engine: Engine, provider_id: str) -> dict[str, object] | None:
    """The provider's register entry as a dict, or None when there is no such provider."""
    t = Provider.__table__
    with engine.connect() as conn:
        row = conn.execute(select(t).where(t.c.provider_id == provider_id)).mappings().first()
    return dict(row) if row else None


def provider_ratings(engine: Engine, provider_id: str) -> pd.DataFrame:
    """The provider's published ratings, newest first (overall and per key question)."""
    t = Inspection.__table__
    query = select(t).where(t.c.provider_id == provider_id)
    frame = _dates(read_frame(engine, query), "published_on")
    return frame.sort_values("published_on", ascending=False).reset_index(drop=True)


def provider_scores(engine: Engine, provider_id: str) -> pd.DataFrame:
    """The provider's scores over time: as_of, score, band, uncertainty, contributions (dict)."""
    t = RiskScore.__table__
    query = select(
        t.c.as_of, t.c.score, t.c.band, t.c.uncertainty, t.c.evidence_count, t.c.contributions
    ).where(t.c.provider_id == provider_id)
    frame = _dates(read_frame(engine, query), "as_of").sort_values("as_of").reset_index(drop=True)
    frame["contributions"] = frame["contributions"].map(lambda s: json.loads(s or "{}"))
    return frame


def _present(values: pd.Series) -> pd.Series:
    # Blank counts as missing (None), so a redacted cell always stood for something.
    values = values.astype(object)
    return values.where(values.notna() & (values.astype(str).str.strip() != ""), None)


def provider_events(engine: Engine, provider_id: str) -> pd.DataFrame:
    """Everything that happened at a provider, one row per event, oldest first.

    Columns: date, source (incidents, safeguarding, comments, ebe_notes, inspections),
    level (harm, risk level, sentiment, rating), record_id, text (plain, may be empty).
    Copies of one comment (duplicate_of) are left out; alerts carry their abuse type in
    `text`. Two more columns hold personal data, for pages to pass through access.redact:
    `summary` (an alert's safeguarding summary) and `author` (an expert note's author),
    missing (None) on every other row so redaction marks only what was there.
    """
    parts: list[pd.DataFrame] = []
    specs = (
        ("incidents", Incident, "occurred_on", "harm", "incident_id", "description"),
        ("safeguarding", SafeguardingAlert, "raised_on", "risk_level", "alert_id", "abuse_type"),
        ("comments", Comment, "received_on", "sentiment", "comment_id", "text"),
        ("ebe_notes", EbeNote, "visit_on", "sentiment", "note_id", "text"),
        ("inspections", Inspection, "published_on", "overall", "inspection_id", "overall"),
    )
    for source, table, date_col, level_col, id_col, text_col in specs:
        t = table.__table__
        personal = [
            (t.c.summary if table is SafeguardingAlert else null()).label("summary"),
            (t.c.author if table is EbeNote else null()).label("author"),
        ]
        query = select(
            t.c[date_col].label("date"),
            t.c[level_col].label("level"),
            t.c[id_col].label("record_id"),
            t.c[text_col].label("text"),
            *personal,
        ).where(t.c.provider_id == provider_id)
        if table is Comment:
            # A copy of one concern sent by another channel is one event, not two.
            query = query.where(t.c.duplicate_of.is_(None))
        columns = ["date", "level", "record_id", "text", "summary", "author"]
        frame = read_frame(engine, query, columns)
        frame.insert(1, "source", source)
        parts.append(frame)
    events = pd.concat([p for p in parts if not p.empty] or parts, ignore_index=True)
    events = _dates(events, "date")
    events["level"] = events["level"].fillna("unknown").astype(str)
    events["text"] = events["text"].fillna("").astype(str)
    events["summary"] = _present(events["summary"])
    events["author"] = _present(events["author"])
    return events.sort_values("date", kind="stable").reset_index(drop=True)


VOICE_COLUMNS: tuple[str, ...] = (
    "kind",
    "record_id",
    "date",
    "channel",
    "sentiment",
    "sentiment_score",
    "themes",
    "serious",
    "concern_kinds",
    "concern_confidence",
    "concern_sentence",
    "serious_terms",
    "seen",
    "author",
    "text",
)


def concern_label(kinds: list[str]) -> str:
    """The kinds of a serious concern in words, likeliest first ("physical abuse; ...")."""
    return "; ".join(CONCERN_KINDS.get(k, k.replace("_", " ")) for k in kinds)


def with_concern_kinds(frame: pd.DataFrame, kinds: Sequence[str]) -> pd.DataFrame:
    """The rows whose concern_kinds name any of `kinds` (all rows when none is chosen)."""
    if not kinds:
        return frame
    wanted = set(kinds)
    return frame[frame["concern_kinds"].map(lambda ks: bool(wanted.intersection(ks)))]


def split_list(stored: object) -> list[str]:
    """A ';'-separated stored column as a list (empty for None)."""
    return [t for t in stored.split(";") if t] if isinstance(stored, str) else []


def provider_voices(engine: Engine, provider_id: str) -> pd.DataFrame:
    """What people said about a provider: comments and expert notes, serious unseen first.

    Columns VOICE_COLUMNS; `themes` and `concern_kinds` lists (CONCERN_KINDS keys,
    likeliest first); `concern_confidence` 0..1 (0 when not serious); `seen` who marked a serious
    concern seen (empty when nobody has); `author` an expert note's author (personal data,
    None for comments: pass the frame through access.redact). Copies of one concern are
    left out.
    """
    c = Comment.__table__
    n = EbeNote.__table__
    # The reading columns, as VOICE_COLUMNS orders them.
    reading = VOICE_COLUMNS[VOICE_COLUMNS.index("sentiment") : VOICE_COLUMNS.index("seen")]
    comments = read_frame(
        engine,
        select(
            c.c.comment_id.label("record_id"),
            c.c.received_on.label("date"),
            c.c.channel,
            *(c.c[r] for r in reading),
            c.c.serious_seen_by.label("seen"),
            c.c.text,
        ).where(c.c.provider_id == provider_id, c.c.duplicate_of.is_(None)),
    )
    comments.insert(0, "kind", "comment")
    notes = read_frame(
        engine,
        select(
            n.c.note_id.label("record_id"),
            n.c.visit_on.label("date"),
            *(n.c[r] for r in reading),
            n.c.serious_seen_by.label("seen"),
            n.c.author,
            n.c.text,
        ).where(n.c.provider_id == provider_id),
    )
    notes.insert(0, "kind", "expert note")
    notes["channel"] = "expert by experience"
    voices = pd.concat(
        [p for p in (comments, notes) if not p.empty] or [comments], ignore_index=True
    )
    voices = _dates(voices, "date")
    for listed in ("themes", "concern_kinds"):
        voices[listed] = voices[listed].map(split_list)
    voices["concern_confidence"] = pd.to_numeric(voices["concern_confidence"]).fillna(0.0)
    voices["concern_sentence"] = voices["concern_sentence"].fillna("")
    voices["serious"] = voices["serious"].fillna(False).astype(bool)
    voices["seen"] = voices["seen"].fillna("")
    voices["sentiment"] = voices["sentiment"].fillna("unknown")
    voices["channel"] = voices["channel"].fillna("unknown")
    voices["serious_terms"] = voices["serious_terms"].fillna("")
    voices["author"] = _present(voices.get("author", pd.Series(None, index=voices.index)))
    unseen = voices["serious"] & (voices["seen"] == "")
    voices = voices.assign(_unseen=unseen).sort_values(
        ["_unseen", "serious", "date"], ascending=[False, False, False]
    )
    return voices.drop(columns="_unseen")[list(VOICE_COLUMNS)].reset_index(drop=True)


@dataclass(frozen=True)
class VoiceFilter:
    """How an inspector narrowed what people say; empty means everything."""

    themes: tuple[str, ...] = ()
    sentiments: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    start: dt.date | None = None
    end: dt.date | None = None
    concern_kinds: tuple[str, ...] = ()  # CONCERN_KINDS keys: serious concerns of these


def filter_voices(voices: pd.DataFrame, chosen: VoiceFilter) -> pd.DataFrame:
    """The comments and notes passing every filter (a theme or kind filter keeps any one
    chosen)."""
    keep = pd.Series(True, index=voices.index)
    if chosen.themes:
        wanted = set(chosen.themes)
        keep &= voices["themes"].map(lambda ts: bool(wanted.intersection(ts)))
    if chosen.sentiments:
        keep &= voices["sentiment"].isin(chosen.sentiments)
    if chosen.channels:
        keep &= voices["channel"].isin(chosen.channels)
    if chosen.start:
        keep &= voices["date"] >= pd.Timestamp(chosen.start)
    if chosen.end:
        keep &= voices["date"] <= pd.Timestamp(chosen.end)
    return with_concern_kinds(voices[keep], chosen.concern_kinds)


def themes_over_time(voices: pd.DataFrame, freq: str = "QE") -> pd.DataFrame:
    """Mentions per theme per period: columns period (datetime), theme, mentions, sentiment."""
    exploded = voices.explode("themes").dropna(subset=["themes"])
    if exploded.empty:
        return pd.DataFrame(columns=["period", "theme", "mentions", "sentiment"])
    exploded["period"] = exploded["date"].dt.to_period(freq.rstrip("E")).dt.to_timestamp()
    grouped = exploded.groupby(["period", "themes"]).agg(
        mentions=("record_id", "size"), sentiment=("sentiment_score", "mean")
    )
    return grouped.reset_index().rename(columns={"themes": "theme"})


def changes_since_inspection(
    engine: Engine, provider_id: str, as_of: dt.date | None = None
) -> pd.DataFrame:
    """What changed since the last inspection, against the same span of time before it.

    Rows: what, before, since. Empty when the provider was never inspected.
    """
    ratings = provider_ratings(engine, provider_id)
    if ratings.empty:
        return pd.DataFrame(columns=["what", "before", "since"])
    last = ratings["published_on"].iloc[0].date()
    end = as_of or dt.date.today()
    span = max((end - last).days, 1)
    start = last - dt.timedelta(days=span)
    events = provider_events(engine, provider_id)
    before = events[(events["date"] >= pd.Timestamp(start)) & (events["date"] < pd.Timestamp(last))]
    after = events[(events["date"] >= pd.Timestamp(last)) & (events["date"] <= pd.Timestamp(end))]
    rows: list[tuple[str, object, object]] = []

    def count(frame: pd.DataFrame, source: str, levels: Iterable[str] | None = None) -> int:
        picked = frame[frame["source"] == source]
        if levels is not None:
            picked = picked[picked["level"].isin(list(levels))]
        return int(len(picked))

    rows.append(("incidents", count(before, "incidents"), count(after, "incidents")))
    serious_harm = ("moderate", "severe", "death")
    rows.append(
        (
            "incidents of moderate harm or worse",
            count(before, "incidents", serious_harm),
            count(after, "incidents", serious_harm),
        )
    )
    rows.append(
        ("safeguarding alerts", count(before, "safeguarding"), count(after, "safeguarding"))
    )
    rows.append(
        (
            "high-risk safeguarding alerts",
            count(before, "safeguarding", ["high"]),
            count(after, "safeguarding", ["high"]),
        )
    )
    rows.append(("comments", count(before, "comments"), count(after, "comments")))
    rows.append(
        (
            "negative comments",
            count(before, "comments", ["negative"]),
            count(after, "comments", ["negative"]),
        )
    )
    rows.append(
        ("expert by experience notes", count(before, "ebe_notes"), count(after, "ebe_notes"))
    )
    voices = provider_voices(engine, provider_id)
    in_before = (voices["date"] >= pd.Timestamp(start)) & (voices["date"] < pd.Timestamp(last))
    in_after = (voices["date"] >= pd.Timestamp(last)) & (voices["date"] <= pd.Timestamp(end))
    rows.append(
        (
            "serious concerns",
            int((voices["serious"] & in_before).sum()),
            int((voices["serious"] & in_after).sum()),
        )
    )
    scores = provider_scores(engine, provider_id)
    if not scores.empty:
        at_last = scores[scores["as_of"] <= pd.Timestamp(last)]
        now = scores[scores["as_of"] <= pd.Timestamp(end)]
        rows.append(
            (
                "risk score",
                round(float(at_last["score"].iloc[-1]), 1) if not at_last.empty else None,
                round(float(now["score"].iloc[-1]), 1) if not now.empty else None,
            )
        )
    frame = pd.DataFrame(rows, columns=["what", "before", "since"], dtype=object)
    frame.attrs["days"] = span
    frame.attrs["last_inspection"] = last
    frame.attrs["last_rating"] = ratings["overall"].iloc[0]
    return frame


# ---------------------------------------------------------------- inbox


def unlinked_comments(engine: Engine, limit: int = 500) -> pd.DataFrame:
    """Comments no provider could be matched to, newest first (link_method 'unlinked')."""
    t = Comment.__table__
    query = (
        select(
            t.c.comment_id,
            t.c.received_on,
            t.c.provider_name,
            t.c.place,
            t.c.channel,
            t.c.serious,
            t.c.text,
        )
        .where(t.c.link_method == "unlinked")
        .order_by(t.c.received_on.desc(), t.c.comment_id)
        .limit(limit)
    )
    frame = _dates(read_frame(engine, query), "received_on")
    frame["serious"] = frame["serious"].fillna(False).astype(bool)
    return frame


def as_given(value: object, missing: str) -> str:
    """A name or place as the person wrote it, or `missing` when they gave none (a missing
    string reads from the store as NaN, which would show as "nan")."""
    return value.strip() if isinstance(value, str) and value.strip() else missing


def unlinked_count(engine: Engine) -> int:
    """How many comments wait to be linked."""
    t = Comment.__table__
    with engine.connect() as conn:
        query = select(func.count()).select_from(t).where(t.c.link_method == "unlinked")
        return int(conn.execute(query).scalar() or 0)


def unseen_serious_total(engine: Engine, before: dt.date | None = None) -> int:
    """How many serious concerns (comments, linked or not, and notes) nobody has marked
    seen, or only those dated before `before` (received, or the visit's day); counted from
    the partial indexes sources.store made for them."""
    total = 0
    with engine.connect() as conn:
        for table, _, date_col in SERIOUS_TEXTS.values():
            t = table.__table__
            query = (
                select(func.count())
                .select_from(t)
                .where(t.c.serious.is_(True), t.c.serious_seen_at.is_(None))
            )
            if before is not None:
                query = query.where(t.c[date_col] < before)
            total += int(conn.execute(query).scalar() or 0)
    return total


def unseen_serious(engine: Engine, limit: int = 500) -> pd.DataFrame:
    """Serious concerns nobody has marked seen, newest first: comments and expert notes.

    Columns kind (comment, note), record_id, date, provider_id, name, concern_kinds (a
    list, likeliest first), concern_confidence (0..1), concern_sentence, serious_terms, text.
    """
    p = Provider.__table__
    parts = []
    for kind, (table, id_col, date_col) in SERIOUS_TEXTS.items():
        t = table.__table__
        query = (
            select(
                t.c[id_col].label("record_id"),
                t.c[date_col].label("date"),
                t.c.provider_id,
                p.c.name,
                t.c.concern_kinds,
                t.c.concern_confidence,
                t.c.concern_sentence,
                t.c.serious_terms,
                t.c.text,
            )
            .select_from(t.outerjoin(p, p.c.provider_id == t.c.provider_id))
            .where(t.c.serious.is_(True), t.c.serious_seen_at.is_(None))
            .order_by(t.c[date_col].desc())
            .limit(limit)
        )
        frame = read_frame(engine, query)
        frame.insert(0, "kind", kind)
        parts.append(frame)
    both = _dates(pd.concat(parts, ignore_index=True), "date")
    both["concern_kinds"] = both["concern_kinds"].map(split_list)
    both["concern_confidence"] = pd.to_numeric(both["concern_confidence"]).fillna(0.0)
    both["concern_sentence"] = both["concern_sentence"].fillna("")
    return both.sort_values("date", ascending=False).head(limit).reset_index(drop=True)


# ---------------------------------------------------------------- loads


def loads_frame(engine: Engine, limit: int = 200) -> pd.DataFrame:
    """The history of loads, newest first."""
    t = Load.__table__
    query = select(t).order_by(t.c.id.desc()).limit(limit)
    frame = read_frame(engine, query)
    for column in ("started_at", "finished_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True, format="ISO8601")
    return frame


# ---------------------------------------------------------------- what makes a score

PART_LABELS: dict[str, str] = {
    "incidents": "incidents",
    "safeguarding": "safeguarding alerts",
    "comments": "public comments",
    "ebe_notes": "expert by experience notes",
    "ratings": "ratings history",
    "base": "baseline",
}


INDICATOR_LABELS: dict[str, str] = {
    "inc_severe": "incidents: severe harm and deaths",
    "inc_moderate": "incidents: moderate harm",
    "inc_reporting": "incidents: reporting of small ones",
    "inc_cusum": "incidents: recent rise",
    "inc_fewer_harms": "incidents: fewer harms than peers",
    "sg_weighted": "safeguarding: alerts by type and risk",
    "sg_high": "safeguarding: high-risk alerts",
    "sg_cusum": "safeguarding: recent rise",
    "sg_fewer_alerts": "safeguarding: fewer alerts than peers",
    "cm_negative": "comments: share negative",
    "cm_serious": "comments: serious concerns",
    "cm_low_stars": "comments: 1-2 stars",
    "cm_volume": "comments: how many",
    "cm_cusum": "comments: recent rise in negative",
    "ebe_negative": "expert notes: tone",
    "ebe_serious": "expert notes: serious concerns",
    "rt_last": "ratings: last overall rating",
    "rt_safe": "ratings: last Safe rating",
    "rt_decline": "ratings: fell last time",
    "rt_age": "ratings: years since rated",
    "rt_history": "ratings: every rating, recent ones weigh more",
}


def contribution_parts(contributions: dict[str, object] | None) -> pd.DataFrame:
    """A {part: points} mapping as rows part, points, largest magnitude first.

    Parts named like c_incidents lose the prefix; non-numeric values are left out.
    """
    rows = []
    for name, value in (contributions or {}).items():
        try:
            points = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            continue
        key = name[2:] if name.startswith("c_") else name
        label = PART_LABELS.get(key) or INDICATOR_LABELS.get(key) or key.replace("_", " ")
        rows.append((label, points))
    frame = pd.DataFrame(rows, columns=["part", "points"])
    order = frame["points"].abs().sort_values(ascending=False).index
    return frame.loc[order].reset_index(drop=True)


def stored_explanation(engine: Engine, provider_id: str, as_of: dt.date) -> dict[str, object]:
    """The explanation risk/score.py stored with the provider's score on `as_of` ({} if none).

    Keys by_indicator, indicators (observed, expected, p_worse... per indicator), evidence
    (source, kind, id, date, summary) and themes, as far as the scoring stored them.
    """
    t = RiskScore.__table__
    query = select(t.c.explanation).where(t.c.provider_id == provider_id, t.c.as_of == as_of)
    with engine.connect() as conn:
        raw = conn.execute(query).scalar()
    try:
        found = json.loads(raw or "{}")
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def indicator_table(explanation: object | None) -> pd.DataFrame:
    """Per indicator: indicator, points, observed, expected, p_worse; largest points first."""
    columns = ["indicator", "points", "observed", "expected", "p_worse"]
    detail = _field(explanation, "indicators") if explanation is not None else None
    if not isinstance(detail, dict) or not detail:
        return pd.DataFrame(columns=columns)
    rows = [
        {
            "indicator": INDICATOR_LABELS.get(name, name),
            "points": _field(item, "points"),
            "observed": _field(item, "observed"),
            "expected": _field(item, "expected"),
            "p_worse": _field(item, "p_worse"),
        }
        for name, item in detail.items()
    ]
    frame = pd.DataFrame(rows, columns=columns)
    order = frame["points"].astype(float).abs().sort_values(ascending=False).index
    return frame.loc[order].reset_index(drop=True)


def _field(item: object, name: str, default: object = None) -> object:
    if isinstance(item, dict):
        return item.get(name, default)
    return getattr(item, name, default)


def explanation_indicators(explanation: object | None) -> pd.DataFrame:
    """Points per indicator from risk.score.explain_provider's Explanation: part, points."""
    if explanation is None:
        return pd.DataFrame(columns=["part", "points"])
    by_indicator = _field(explanation, "by_indicator") or _field(explanation, "indicators")
    if isinstance(by_indicator, pd.DataFrame):
        by_indicator = dict(by_indicator.iloc[:, :2].itertuples(index=False))
    if not isinstance(by_indicator, dict):
        return pd.DataFrame(columns=["part", "points"])
    return contribution_parts(by_indicator)


EVIDENCE_KIND_PART: dict[str, str] = {
    "incident": "incidents",
    "alert": "safeguarding alerts",
    "safeguarding": "safeguarding alerts",
    "comment": "public comments",
    "note": "expert by experience notes",
    "ebe_note": "expert by experience notes",
    "inspection": "ratings history",
}


def explanation_evidence(explanation: object | None) -> pd.DataFrame:
    """The evidence rows behind the largest parts of a score: part, kind, id, date, summary."""
    columns = ["part", "kind", "id", "date", "summary"]
    if explanation is None:
        return pd.DataFrame(columns=columns)
    evidence = _field(explanation, "evidence") or []
    if isinstance(evidence, pd.DataFrame):
        evidence = evidence.to_dict("records")
    rows = []
    for item in evidence:
        kind = str(_field(item, "kind", "") or "")
        part = _field(item, "source") or _field(item, "part")
        part = PART_LABELS.get(str(part), None) if part else None
        rows.append(
            {
                "part": part or EVIDENCE_KIND_PART.get(kind, kind or "evidence"),
                "kind": kind,
                "id": str(_field(item, "id", _field(item, "record_id", "")) or ""),
                "date": _field(item, "date"),
                "summary": str(_field(item, "summary", "") or ""),
            }
        )
    frame = pd.DataFrame(rows, columns=columns)
    return _dates(frame, "date")


# Evidence kinds whose rows carry personal data in provider_events, by events' source.
PERSONAL_SOURCE: dict[str, str] = {
    "alert": "safeguarding",
    "safeguarding": "safeguarding",
    "note": "ebe_notes",
    "ebe_note": "ebe_notes",
}


def evidence_with_personal(evidence: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """Evidence rows (explanation_evidence) with their description renamed `evidence`, and
    beside each alert its summary and each expert note its author, from provider_events.

    `summary` and `author` are personal data: the caller passes the result (or the events
    first) through access.redact. The description is not, so it no longer shares a name
    with them.
    """
    out = evidence.rename(columns={"summary": "evidence"})
    personal = events[["source", "record_id", "summary", "author"]].rename(
        columns={"source": "_source", "record_id": "id"}
    )
    personal = personal.assign(id=personal["id"].astype(str)).drop_duplicates(["_source", "id"])
    out = out.assign(_source=out["kind"].map(PERSONAL_SOURCE), id=out["id"].astype(str))
    out = out.merge(personal, on=["_source", "id"], how="left").drop(columns="_source")
    out["summary"] = _present(out["summary"])
    out["author"] = _present(out["author"])
    return out


# ---------------------------------------------------------------- method


def weights_frame(module: object) -> pd.DataFrame:
    """The score's weights (risk.weights.WEIGHTS) as rows source, indicator (in words),
    weight, meaning, code (the indicator's name in risk.weights and the score's files).

    Largest weight first within each source, sources in the order of their total weight.
    """
    table = getattr(module, "WEIGHTS", None)
    rows = []
    for name, value in (table or {}).items():
        rows.append(
            {
                "source": str(_field(value, "source", "") or ""),
                "indicator": INDICATOR_LABELS.get(name, name),
                "weight": float(_field(value, "weight", value)),  # type: ignore[arg-type]
                "meaning": str(_field(value, "meaning", "") or ""),
                "code": name,
            }
        )
    frame = pd.DataFrame(rows, columns=["source", "indicator", "weight", "meaning", "code"])
    total = frame.groupby("source")["weight"].transform(lambda w: w.abs().sum())
    frame = frame.assign(_total=total, _size=frame["weight"].abs())
    frame = frame.sort_values(["_total", "source", "_size"], ascending=[False, True, False])
    return frame.drop(columns=["_total", "_size"]).reset_index(drop=True)


def band_bounds(module: object) -> list[tuple[str, str]]:
    """The bands and the scores they cover, from risk.weights.BAND_BOUNDS."""
    bounds = list(getattr(module, "BAND_BOUNDS", ()))
    if len(bounds) != len(BANDS) - 1:
        return []
    edges = [0.0, *bounds, 100.0]
    return [(band, f"{edges[i]:g} to {edges[i + 1]:g}") for i, band in enumerate(BANDS)]


def backtest_day(engine: Engine, horizon_days: int = 365) -> dt.date | None:
    """The newest day a backtest can judge: a full horizon of ratings after it, or None."""
    t = Inspection.__table__
    with engine.connect() as conn:
        newest = conn.execute(select(func.max(t.c.published_on))).scalar()
    if newest is None:
        return None
    return pd.Timestamp(newest).date() - dt.timedelta(days=horizon_days)


BACKTEST_COLUMNS: dict[str, str] = {
    "auc_all": "AUC, all",
    "p10_all": "precision in top 10%, all",
    "auc_good": "AUC, last rated Good/Outstanding",
    "p10_good": "precision in top 10%, Good/Outstanding",
    "auc_failing_now": "AUC, truly failing on the day",
    "auc_failing_horizon": "AUC, truly failing within the year",
}


def backtest_frame(result: object) -> tuple[str, pd.DataFrame]:
    """A risk.backtest.BacktestResult as one plain sentence and a table of methods."""
    as_of = _field(result, "as_of")
    summary = (
        f"Scored as of {as_of:%d %B %Y} with only the evidence known then, and compared with "
        f"the first rating published in the {_field(result, 'horizon_days')} days after: "
        f"{_field(result, 'poor_all')} of {_field(result, 'n_all')} providers rated then were "
        f"Requires improvement or Inadequate ({_field(result, 'poor_good')} of "
        f"{_field(result, 'n_good')} among those last rated Good or Outstanding). "
        "An AUC of 0.5 is chance, 1 is perfect."
    )
    rows = []
    for method in _field(result, "methods", []) or []:
        row = {"method": _field(method, "name")}
        for key, label in BACKTEST_COLUMNS.items():
            value = _field(method, key)
            row[label] = None if value is None or value != value else round(float(value), 3)
        rows.append(row)
    frame = pd.DataFrame(rows, columns=["method", *BACKTEST_COLUMNS.values()])
    return summary, frame.dropna(axis=1, how="all")
