"""Work cut into chunks and handed to spawned worker processes, or worked here when small.

`TEXT_CHUNK` is the one size of a chunk for reading texts and for linking comments; the
stages look it up here (`pool.TEXT_CHUNK`) at call time, so there is one knob to turn.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

TEXT_CHUNK = 2_000  # texts read or comments linked between two progress notes
# Fewer texts to read (or comments to link) than this are worked in the loading process:
# starting a worker (Python, scikit-learn, the model or the register) costs about as much
# as reading a few thousand texts.
PARALLEL_ITEMS = 20_000


def _in_workers(
    work: Callable[[Any], Any],
    chunks: list[Any],
    workers: int,
    setup: Callable[..., None] | None = None,
    setup_args: tuple[Any, ...] = (),
) -> Iterator[Any]:
    """work(chunk) for each chunk, in order, in `workers` worker processes.

    Reading and linking comments is pure CPU and most of a national load's time; one process
    uses one core. Workers are spawned, not forked (forking a threaded process, such as the
    app's server, can copy a lock some other thread holds), so each imports the main module
    again, and each runs setup(*setup_args) once. If a worker dies (e.g. out of memory), the
    chunks not yet done are worked here.
    """
    done = 0
    pool = ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=setup,
        initargs=setup_args,
    )
    try:
        for result in pool.map(work, chunks):
            yield result
            done += 1
    except BrokenProcessPool:
        if setup is not None:
            setup(*setup_args)
        yield from map(work, chunks[done:])
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _worth_workers(workers: int, chunks: int, items: int) -> int:
    """How many worker processes to start for `items` in `chunks` (below 2: none, work here)."""
    return min(workers, chunks) if items >= PARALLEL_ITEMS else 1
