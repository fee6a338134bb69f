"""Reading the texts of a load: each comment's and note's reading, in workers when many.

The one place the loader reads texts (`sources.text.reader.read_stored_texts`, which lives
there so that a worker process imports the reader alone, not the loader and the store); a
text unchanged since the store read it with the same reader keeps its stored reading.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
from sqlalchemy.engine import Engine

from sources.load import pool
from sources.load.check import _Checked
from sources.load.pool import _in_workers, _worth_workers
from sources.load.write import _existing, _table
from sources.progress import Progress
from sources.text.reader import READER_VERSION, READING_COLUMNS, read_stored_texts


def _read_in_order(chunks: list[list[str]], workers: int) -> Iterator[list[dict[str, Any]]]:
    """read_stored_texts of each chunk, in order, in worker processes when there are many."""
    workers = _worth_workers(workers, len(chunks), sum(len(c) for c in chunks))
    if workers < 2:
        return map(read_stored_texts, chunks)
    from sources.text.reader import load_model

    load_model()  # trains and saves the model once, here, if no usable file exists yet
    return _in_workers(read_stored_texts, chunks, workers)


def _enrich_texts(
    engine: Engine, checked: _Checked, note: Progress, share: tuple[float, float], workers: int
) -> None:
    """Adds the reading columns; texts unchanged since the store read them keep their reading."""
    spec = checked.spec
    ids = checked.values[spec.id_column].tolist()
    texts = checked.values["text"].tolist()
    table = _table(spec.table)
    with engine.connect() as conn:
        stored = _existing(conn, table, spec.id_column, ids, ["text", *READING_COLUMNS])
    reading: list[dict[str, Any] | None] = [None] * len(ids)
    fresh: list[int] = []
    for i, (record_id, text) in enumerate(zip(ids, texts, strict=True)):
        old = stored.get(record_id)
        if old is not None and old["text"] == text and old["read_by"] == READER_VERSION:
            reading[i] = {c: old[c] for c in READING_COLUMNS}
            reading[i]["serious"] = bool(old["serious"])  # SQLite gives 0/1
        else:
            fresh.append(i)
    low, high = share
    batches = [
        fresh[start : start + pool.TEXT_CHUNK] for start in range(0, len(fresh), pool.TEXT_CHUNK)
    ]
    done = 0
    read = _read_in_order([[texts[i] for i in batch] for batch in batches], workers)
    for batch, readings in zip(batches, read, strict=True):
        for i, r in zip(batch, readings, strict=True):
            reading[i] = r
        done += len(batch)
        note(
            low + (high - low) * done / len(fresh),
            f"reading {spec.filename}: {done:,} of {len(fresh):,} texts",
        )
    for column in READING_COLUMNS:
        checked.values[column] = np.array([r[column] for r in reading], dtype=object)  # type: ignore[index]
