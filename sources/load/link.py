"""Linking comments to providers: the register to choose from, and each comment's link.

The one place the loader calls `sources.linking.Linker`, in worker processes when there
are many comments (each worker builds its Linker once, as it starts).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.engine import Engine

from sources.load import pool
from sources.load.check import _Checked
from sources.load.pool import _in_workers, _worth_workers
from sources.load.write import _existing, _table
from sources.progress import Progress

WARNINGS_LISTED = 20  # of one kind, then how many more


def link_comments(
    providers: pd.DataFrame,
    names: list[str | None],
    places: list[str | None],
    texts: list[str],
    progress: Callable[[int], None] | None = None,
    workers: int = 1,
) -> list[tuple[str | None, float | None]]:
    """(provider_id or None, confidence) per comment with no usable provider_id.

    The one place the loader calls sources.linking.Linker; `providers` has provider_id,
    name, type, town, local_authority, postcode. `progress` hears how many are linked.
    """
    if not names:
        return []
    chunks = [
        (
            names[start : start + pool.TEXT_CHUNK],
            places[start : start + pool.TEXT_CHUNK],
            texts[start : start + pool.TEXT_CHUNK],
        )
        for start in range(0, len(names), pool.TEXT_CHUNK)
    ]
    links: list[tuple[str | None, float | None]] = []
    workers = _worth_workers(workers, len(chunks), len(names))
    if workers > 1:
        parts = _in_workers(_link_chunk, chunks, workers, _start_linker, (providers,))
    else:
        # A Linker of this call's own: the app's threads may run two loads at once.
        from sources.linking import Linker

        linker = Linker(providers)
        parts = (_link_rows(linker, chunk) for chunk in chunks)
    for part in parts:
        links += part
        if progress:
            progress(len(links))
    return links


# A worker process's Linker (one load at a time in a worker; set by _start_linker).
_WORKER_LINKER: Any = None


def _start_linker(providers: pd.DataFrame) -> None:
    """Builds the worker's Linker over the register, once, as the worker starts."""
    global _WORKER_LINKER
    from sources.linking import Linker

    _WORKER_LINKER = Linker(providers)


def _link_chunk(
    chunk: tuple[list[str | None], list[str | None], list[str]],
) -> list[tuple[str | None, float | None]]:
    """_link_rows with the worker's Linker."""
    return _link_rows(_WORKER_LINKER, chunk)


def _link_rows(
    linker: Any, chunk: tuple[list[str | None], list[str | None], list[str]]
) -> list[tuple[str | None, float | None]]:
    """(provider_id or None, confidence) for each comment of a chunk (names, places, texts)."""
    names, places, texts = chunk
    rows = pd.DataFrame({"provider_name": names, "place": places, "text": texts})
    return [(r.provider_id, float(r.confidence)) for r in linker.link_many(rows)]


def _register(engine: Engine, load_providers: _Checked | None) -> tuple[pd.DataFrame, bool]:
    """The providers linking may choose from (the store's, this load's over them), and
    whether that is the register the store already had (same ids, names and places)."""
    wanted = ["provider_id", "name", "type", "town", "local_authority", "postcode"]
    table = _table("provider")
    with engine.connect() as conn:
        stored = pd.DataFrame(
            conn.execute(select(*(table.c[c] for c in wanted))).all(), columns=wanted
        )
    if load_providers is None or not load_providers.rows:
        return stored, True
    new = pd.DataFrame(
        {c: load_providers.values.get(c, np.full(load_providers.rows, None)) for c in wanted},
        dtype=object,
    )
    kept = set(stored.astype(object).itertuples(index=False, name=None))
    same = all(row in kept for row in new.itertuples(index=False, name=None))
    stored = stored[~stored["provider_id"].isin(set(new["provider_id"]))]
    return pd.concat([stored, new], ignore_index=True), same


def _link(
    engine: Engine,
    checked: _Checked,
    register: pd.DataFrame,
    same_register: bool,
    warnings: list[str],
    note: Progress,
    workers: int,
) -> None:
    """Sets provider_id, link_method and link_confidence of every comment.

    A comment a person linked or dismissed is linked here too, but the upsert keeps the
    person's link (see write._upsert_statement). A stored comment with the same name, place and
    text keeps its link while the register is unchanged: the linker would say the same.
    """
    n = checked.rows
    given = checked.values.get("provider_id", np.full(n, None, dtype=object))
    known = set(register["provider_id"])
    method = np.full(n, "unlinked", dtype=object)
    confidence = np.full(n, None, dtype=object)
    provider = np.full(n, None, dtype=object)
    to_link: list[int] = []
    ids = checked.values["comment_id"]
    strangers = 0
    for i, pid in enumerate(given):
        if pid is None:
            to_link.append(i)
        elif pid in known:
            provider[i], method[i], confidence[i] = pid, "given", 1.0
        else:
            strangers += 1
            if strangers <= WARNINGS_LISTED:
                warnings.append(
                    f"comments.csv: comment '{ids[i]}' names provider_id '{pid}', which is "
                    "not a known provider; linked by its name and place instead"
                )
            to_link.append(i)
    if strangers > WARNINGS_LISTED:
        warnings.append(
            f"comments.csv: {strangers - WARNINGS_LISTED} more comments name an unknown "
            "provider_id; linked by name and place instead"
        )
    names = checked.values.get("provider_name", np.full(n, None, dtype=object))
    places = checked.values.get("place", np.full(n, None, dtype=object))
    texts = checked.values["text"]
    if same_register and to_link:
        wanted = ["provider_name", "place", "text", "provider_id", "link_method", "link_confidence"]
        with engine.connect() as conn:
            stored = _existing(
                conn, _table("comment"), "comment_id", [ids[i] for i in to_link], wanted
            )
        still: list[int] = []
        for i in to_link:
            old = stored.get(ids[i])
            if (
                old is not None
                and old["link_method"] in ("fuzzy", "unlinked")
                and (old["provider_name"], old["place"], old["text"])
                == (names[i], places[i], texts[i])
            ):
                provider[i], method[i] = old["provider_id"], old["link_method"]
                confidence[i] = old["link_confidence"]
            else:
                still.append(i)
        to_link = still
    links = link_comments(
        register,
        [names[i] for i in to_link],
        [places[i] for i in to_link],
        [texts[i] for i in to_link],
        lambda done: note(
            0.55 + 0.1 * done / len(to_link), f"linking comments: {done:,} of {len(to_link):,}"
        ),
        workers,
    )
    for i, (pid, conf) in zip(to_link, links, strict=True):
        confidence[i] = conf if conf else None
        if pid is not None:
            provider[i], method[i] = pid, "fuzzy"
    checked.values["provider_id"] = provider
    checked.values["link_method"] = method
    checked.values["link_confidence"] = confidence
