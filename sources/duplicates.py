"""The same concern arriving more than once (phone, web form, a partner group): found and merged.

Two comments are copies of one concern when they are about the same provider, arrive within
a few days of each other and say nearly the same thing. The earliest is the original; the
others point at it through `Comment.duplicate_of`, so the score counts the concern once and
the app shows it once, with all its channels.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
from rapidfuzz import fuzz
from rapidfuzz.utils import default_process
from sqlalchemy import bindparam, select, update
from sqlalchemy.engine import Engine

from sources.rollups import month_of, refresh_rollups
from sources.store import Comment

WINDOW_DAYS = 14
# token_set_ratio of the processed texts; re-worded copies of one concern score 85-100,
# two people praising the same home in stock phrases rarely pass 80 once both are long.
SIMILARITY = 85.0
MIN_CHARACTERS = 40  # "Lovely staff." twice is two people, not one concern


def find_duplicates(
    comments: pd.DataFrame, window_days: int = WINDOW_DAYS, similarity: float = SIMILARITY
) -> dict[str, str]:
    """Maps each copy's comment_id to its original's (earliest) comment_id.

    `comments` has comment_id, provider_id, received_on and text; rows without a provider
    are never merged (who they are about is not known yet).
    """
    frame = comments.dropna(subset=["provider_id"]).copy()
    frame["received_on"] = pd.to_datetime(frame["received_on"])
    frame["clean"] = [default_process(str(t)) for t in frame["text"]]
    frame = frame[frame["clean"].str.len() >= MIN_CHARACTERS]
    frame = frame.sort_values(["provider_id", "received_on", "comment_id"])
    original_of: dict[str, str] = {}
    window = pd.Timedelta(days=window_days)
    for _, group in frame.groupby("provider_id", sort=False):
        ids = group["comment_id"].tolist()
        dates = group["received_on"].tolist()
        texts = group["clean"].tolist()
        for i in range(len(ids)):
            if ids[i] in original_of:
                continue
            for j in range(i + 1, len(ids)):
                if dates[j] - dates[i] > window:
                    break
                if ids[j] in original_of:
                    continue
                if fuzz.token_set_ratio(texts[i], texts[j]) >= similarity:
                    original_of[ids[j]] = ids[i]
    return original_of


def mark_duplicates(engine: Engine, provider_ids: Iterable[str] | None = None) -> int:
    """Recomputes `duplicate_of` for the given providers' comments (all when None).

    Returns how many comments are copies after the pass. The months of the comments whose
    mark changed are recounted in the rollups (a copy is counted once), in the same
    transaction.
    """
    table = Comment.__table__
    query = select(
        table.c.comment_id,
        table.c.provider_id,
        table.c.received_on,
        table.c.text,
        table.c.duplicate_of,
    )
    query = query.where(table.c.provider_id.is_not(None))
    wanted = None if provider_ids is None else sorted(set(provider_ids))
    with engine.begin() as conn:
        if wanted is not None:
            if not wanted:
                return 0
            query = query.where(table.c.provider_id.in_(bindparam("ids", expanding=True)))
            rows = conn.execute(query, {"ids": wanted}).all()
        else:
            rows = conn.execute(query).all()
        frame = pd.DataFrame(
            rows, columns=["comment_id", "provider_id", "received_on", "text", "duplicate_of"]
        )
        copies = find_duplicates(frame)
        reset = update(table).where(table.c.comment_id.in_(bindparam("ids", expanding=True)))
        ids = frame["comment_id"].tolist()
        for start in range(0, len(ids), 5000):
            conn.execute(reset.values(duplicate_of=None), {"ids": ids[start : start + 5000]})
        if copies:
            mark = (
                update(table)
                .where(table.c.comment_id == bindparam("cid"))
                .values(duplicate_of=bindparam("original"))
            )
            conn.execute(mark, [{"cid": c, "original": o} for c, o in copies.items()])
        refresh_rollups(conn, "comment", _changed_keys(frame, copies))
    return len(copies)


def _changed_keys(frame: pd.DataFrame, copies: dict[str, str]) -> set[tuple[str, int]]:
    """The (provider_id, month) of the comments in `frame` whose duplicate_of `copies` changes."""
    new = frame["comment_id"].map(copies)
    old = frame["duplicate_of"]
    changed = frame[~((new == old) | (new.isna() & old.isna()))]
    return {
        (p, month_of(pd.Timestamp(d).date()))
        for p, d in zip(changed["provider_id"], changed["received_on"], strict=True)
    }


# How the app names a channel in a list ("phone, web form, Healthwatch").
CHANNEL_NAMES = {"healthwatch": "Healthwatch", "ebe": "expert by experience"}


def channel_name(channel: object) -> str:
    """A channel as people say it: web_form -> "web form", healthwatch -> "Healthwatch"."""
    if channel is None or channel != channel or str(channel).strip() == "":
        return "unknown"
    text = str(channel).strip()
    return CHANNEL_NAMES.get(text.lower(), text.replace("_", " "))


def copies_for_provider(engine: Engine, provider_id: str) -> pd.DataFrame:
    """A provider's comments that have copies: record_id (the original), channels, copies.

    `channels` lists the original's channel then each copy's, oldest first, each once, as
    channel_name says it; `copies` counts the copies (not the original).
    """
    c = Comment.__table__
    original = c.alias("original")
    query = (
        select(
            c.c.duplicate_of.label("record_id"),
            original.c.channel.label("first_channel"),
            c.c.channel,
            c.c.received_on,
            c.c.comment_id,
        )
        .select_from(c.join(original, original.c.comment_id == c.c.duplicate_of))
        .where(c.c.provider_id == provider_id, c.c.duplicate_of.is_not(None))
        .order_by(c.c.duplicate_of, c.c.received_on, c.c.comment_id)
    )
    with engine.connect() as conn:
        rows = pd.DataFrame(conn.execute(query).all(), columns=list(query.selected_columns.keys()))
    columns = ["record_id", "channels", "copies"]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    out = []
    for record_id, group in rows.groupby("record_id", sort=True):
        said = [channel_name(group["first_channel"].iloc[0])]
        said += [channel_name(x) for x in group["channel"]]
        out.append((record_id, ", ".join(dict.fromkeys(said)), len(group)))
    return pd.DataFrame(out, columns=columns)


def merge_copies(voices: pd.DataFrame, copies: pd.DataFrame) -> pd.DataFrame:
    """`voices` (one row per original) with `channels` and `copies` columns added.

    A comment without copies keeps its own channel and 0 copies; expert notes likewise.
    """
    found = copies.set_index("record_id") if not copies.empty else None
    out = voices.copy()
    own = out["channel"].map(channel_name)
    if found is None:
        out["channels"], out["copies"] = own, 0
        return out
    is_comment = out["kind"] == "comment"
    key = out["record_id"].where(is_comment)
    out["channels"] = key.map(found["channels"]).fillna(own)
    out["copies"] = key.map(found["copies"]).fillna(0).astype(int)
    return out
