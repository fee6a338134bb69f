"""The store as the pages reach it: its engine, its stamp, and the shared-frame cache.

Owns the one engine the app opens (one per database URL, shared by every session), the
store's stamp every cached loader is keyed by (views.store_stamp: newest load, newest
scoring, provider count), and `shared_frame`, the cache for frames too large to pickle on
every hit. The only page module that imports the store or SQLAlchemy; `Engine` is named
here for the annotations of the modules above, so they need not import SQLAlchemy.
Imports nothing else of pages/.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import pandas as pd
import streamlit as st
from sqlalchemy.engine import Engine

from risk import views
from sources import settings
from sources.store import make_engine

__all__ = ["Engine", "engine", "forget_frames", "shared_frame", "stamp"]

_SHARED: list[Callable[..., object]] = []  # the shared_frame caches, for forget_frames()


def shared_frame(
    show_spinner: bool | str = False, max_entries: int = 2
) -> Callable[[Callable[..., pd.DataFrame]], Callable[..., pd.DataFrame]]:
    """Caches a loader's frame once for every session, handing each caller its own view.

    st.cache_data pickles and unpickles its value on every hit, which at national scale is
    most of a page's time. Here the frame is kept as it is and each call gets a shallow
    copy, which pandas copies on write, so a page that changes its frame changes only its
    own.
    """

    def wrap(loader: Callable[..., pd.DataFrame]) -> Callable[..., pd.DataFrame]:
        cached = st.cache_resource(show_spinner=show_spinner, max_entries=max_entries)(loader)
        _SHARED.append(cached.clear)

        @functools.wraps(loader)
        def read(*args: object) -> pd.DataFrame:
            return cached(*args).copy(deep=False)

        return read

    return wrap


def forget_frames() -> None:
    """Forgets every st.cache_data value and every shared frame (not the engine, nor the
    demo build or the warmer, which are cache_resource values of their own)."""
    st.cache_data.clear()
    for clear_cache in _SHARED:
        clear_cache()


@st.cache_resource(show_spinner=False)
def _engine(url: str) -> Engine:
    return make_engine(url)


def engine() -> Engine:
    """The store's engine (one per database URL, shared by every session)."""
    return _engine(settings.database_url())


def stamp() -> tuple[int, str, int]:
    """The store's stamp now (a few indexed queries, not cached)."""
    return views.store_stamp(engine())
