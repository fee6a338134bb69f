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

from sources.store import Comment, get_engine

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


def mark_duplicates(engine: Engine | None = None, provider_ids: Iterable[str] | None = None) -> int:
    """Recomputes `duplicate_of` for the given providers' comments (all when None).

    Returns how many comments are copies after the pass.
    """
    engine = engine or get_engine()
    table = Comment.__table__
    query = select(table.c.comment_id, table.c.provider_id, table.c.received_on, table.c.text)
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
        frame = pd.DataFrame(rows, columns=["comment_id", "provider_id", "received_on", "text"])
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
    return len(copies)
