"""One provider: its register entry, ratings, scores over time, everything that happened
there, what people said about it (and the filters an inspector narrows that by), what
changed since its last inspection, and what its last visit found (`last_verdicts`)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import null, select
from sqlalchemy.engine import Engine

from risk.views.frames import parse_dates, present, split_list
from sources.contract import CONCERN_KINDS
from sources.people import access
from sources.store import (
    BriefPin,
    Comment,
    EbeNote,
    Incident,
    Inspection,
    Provider,
    RiskScore,
    SafeguardingAlert,
    Verdict,
    read_frame,
)


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
    frame = parse_dates(read_frame(engine, query), "published_on")
    return frame.sort_values("published_on", ascending=False).reset_index(drop=True)


def provider_scores(engine: Engine, provider_id: str) -> pd.DataFrame:
    """The provider's scores over time: as_of, score, band, uncertainty, contributions (dict)."""
    t = RiskScore.__table__
    query = select(
        t.c.as_of, t.c.score, t.c.band, t.c.uncertainty, t.c.evidence_count, t.c.contributions
    ).where(t.c.provider_id == provider_id)
    frame = (
        parse_dates(read_frame(engine, query), "as_of").sort_values("as_of").reset_index(drop=True)
    )
    frame["contributions"] = frame["contributions"].map(lambda s: json.loads(s or "{}"))
    return frame


def provider_events(engine: Engine, provider_id: str) -> pd.DataFrame:
    """Everything that happened at a provider, one row per event, oldest first.

    Columns: date, source (incidents, safeguarding, comments, ebe_notes, inspections),
    level (harm, risk level, sentiment, rating), record_id, text (plain, may be empty),
    category (an incident's category, an alert's abuse type, else missing). Copies of one
    comment (duplicate_of) are left out; alerts carry their abuse type in `text` too. Two
    more columns hold personal data, for pages to pass through access.redact: `summary`
    (an alert's safeguarding summary) and `author` (an expert note's author), missing
    (None) on every other row so redaction marks only what was there.
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
        category = {Incident: "category", SafeguardingAlert: "abuse_type"}.get(table)
        personal = [
            (t.c.summary if table is SafeguardingAlert else null()).label("summary"),
            (t.c.author if table is EbeNote else null()).label("author"),
        ]
        query = select(
            t.c[date_col].label("date"),
            t.c[level_col].label("level"),
            t.c[id_col].label("record_id"),
            t.c[text_col].label("text"),
            (t.c[category] if category else null()).label("category"),
            *personal,
        ).where(t.c.provider_id == provider_id)
        if table is Comment:
            # A copy of one concern sent by another channel is one event, not two.
            query = query.where(t.c.duplicate_of.is_(None))
        columns = ["date", "level", "record_id", "text", "category", "summary", "author"]
        frame = read_frame(engine, query, columns)
        frame.insert(1, "source", source)
        parts.append(frame)
    events = pd.concat([p for p in parts if not p.empty] or parts, ignore_index=True)
    events = parse_dates(events, "date")
    events["level"] = events["level"].fillna("unknown").astype(str)
    events["text"] = events["text"].fillna("").astype(str)
    events["summary"] = present(events["summary"])
    events["author"] = present(events["author"])
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
    voices = parse_dates(voices, "date")
    for listed in ("themes", "concern_kinds"):
        voices[listed] = voices[listed].map(split_list)
    voices["concern_confidence"] = pd.to_numeric(voices["concern_confidence"]).fillna(0.0)
    voices["concern_sentence"] = voices["concern_sentence"].fillna("")
    voices["serious"] = voices["serious"].fillna(False).astype(bool)
    voices["seen"] = voices["seen"].fillna("")
    voices["sentiment"] = voices["sentiment"].fillna("unknown")
    voices["channel"] = voices["channel"].fillna("unknown")
    voices["serious_terms"] = voices["serious_terms"].fillna("")
    voices["author"] = present(voices.get("author", pd.Series(None, index=voices.index)))
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


PIN_COLUMNS: tuple[str, ...] = (
    "kind",
    "record_id",
    "date",
    "text",
    "summary",
    "pinned_by",
    "pinned_at",
    "reason",
)
# Per kind a pin or a search result may name: table, date column, what is shown as text
# (an alert shows its abuse type; its summary is personal data, in `summary`).
_ITEMS = {
    "comment": (Comment, "received_on", "text"),
    "note": (EbeNote, "visit_on", "text"),
    "alert": (SafeguardingAlert, "raised_on", "abuse_type"),
    "incident": (Incident, "occurred_on", "description"),
}


# What a pin or a search result is called, by kind, in a line of text.
ITEM_KIND_NAMES: dict[str, str] = {
    "comment": "comment",
    "note": "expert note",
    "alert": "safeguarding",
    "incident": "incident",
}


def item_lines(item: dict[str, object], role: str | None) -> list[str]:
    """An evidence_item as `role` may read it, a line of plain text each: an alert's abuse
    type, and its summary only for a role that may see personal data."""
    if item.get("kind") != "alert":
        return [str(item.get("text") or "")]
    lines = [str(item.get("text") or "").replace("_", " ")]
    if access.may(role, access.VIEW_SENSITIVE) and item.get("summary"):
        lines.append(str(item["summary"]))
    return lines


def evidence_item(engine: Engine, kind: str, record_id: str) -> dict[str, object] | None:
    """One piece of evidence by kind and id: provider_id, date, text, summary (an alert's
    safeguarding summary, personal data: redact before showing); None when unknown."""
    if kind not in _ITEMS:
        return None
    table, date_col, text_col = _ITEMS[kind]
    t = table.__table__
    key = t.primary_key.columns.values()[0]
    summary = t.c.summary if table is SafeguardingAlert else null()
    query = select(
        t.c.provider_id,
        t.c[date_col].label("date"),
        t.c[text_col].label("text"),
        summary.label("summary"),
    ).where(key == record_id)
    frame = parse_dates(
        read_frame(engine, query, ["provider_id", "date", "text", "summary"]), "date"
    )
    if frame.empty:
        return None
    row = frame.iloc[0].to_dict()
    row["text"] = "" if pd.isna(row["text"]) else str(row["text"])
    row["summary"] = None if pd.isna(row["summary"]) else str(row["summary"])
    return {"kind": kind, "record_id": record_id, **row}


def brief_pins(engine: Engine, provider_id: str) -> pd.DataFrame:
    """What inspectors pinned to a provider's visit brief and have not taken off, oldest
    first (PIN_COLUMNS); `summary` is personal data, for pages to pass through redact."""
    pins = BriefPin.__table__
    query = (
        select(pins.c.kind, pins.c.record_id, pins.c.pinned_by, pins.c.pinned_at, pins.c.reason)
        .where(pins.c.provider_id == provider_id, pins.c.unpinned_at.is_(None))
        .order_by(pins.c.pinned_at, pins.c.id)
    )
    found = read_frame(engine, query, ["kind", "record_id", "pinned_by", "pinned_at", "reason"])
    rows = []
    for pin in found.itertuples(index=False):
        item = evidence_item(engine, pin.kind, pin.record_id) or {}
        rows.append(
            {
                "kind": pin.kind,
                "record_id": pin.record_id,
                "date": item.get("date"),
                "text": item.get("text", ""),
                "summary": item.get("summary"),
                "pinned_by": pin.pinned_by,
                "pinned_at": pd.Timestamp(pin.pinned_at),
                "reason": pin.reason,
            }
        )
    return pd.DataFrame(rows, columns=list(PIN_COLUMNS))


VERDICT_COLUMNS: tuple[str, ...] = (
    "visit_on",
    "enquiry_key",
    "verdict",
    "note",
    "recorded_by",
    "recorded_at",
    "source",
)


def last_verdicts(engine: Engine, provider_id: str, until: dt.date | None = None) -> pd.DataFrame:
    """What the provider's latest visit with verdicts (on or before `until`, when given)
    found, one row per line of enquiry (VERDICT_COLUMNS, by key); empty when no visit has
    any. `note` may name a person: pass the frame through access.redact_notes."""
    t = Verdict.__table__
    visits = select(t.c.visit_on).where(t.c.provider_id == provider_id)
    if until is not None:
        visits = visits.where(t.c.visit_on <= until)
    last = visits.order_by(t.c.visit_on.desc()).limit(1).scalar_subquery()
    query = (
        select(*(t.c[c] for c in VERDICT_COLUMNS))
        .where(t.c.provider_id == provider_id, t.c.visit_on == last)
        .order_by(t.c.enquiry_key)
    )
    found = read_frame(engine, query, list(VERDICT_COLUMNS))
    found["visit_on"] = pd.to_datetime(found["visit_on"]).dt.date
    # SQLite holds the app's clock with microseconds and its own without: both ISO.
    found["recorded_at"] = pd.to_datetime(found["recorded_at"], utc=True, format="ISO8601")
    found["note"] = found["note"].astype(object).where(found["note"].notna(), None)
    return found
