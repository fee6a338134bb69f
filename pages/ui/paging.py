"""A long list drawn a page of rows at a time (risk.views.paging): the chooser of rows
above the grid, and the rows to give it."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from risk import views


def paged(frame: pd.DataFrame, key: str, what: str = "rows") -> tuple[pd.DataFrame, int]:
    """`frame`'s rows of the page chosen (all of them when they fit one page) and the
    position of its first row in `frame`. A grid's selected row is a position in the rows
    returned."""
    per = views.PAGE_ROWS
    if len(frame) <= per:
        return frame, 0
    pages = views.pages_of(len(frame), per)
    chosen = st.selectbox(
        f"{what.capitalize()} in the list below",
        range(len(pages)),
        format_func=lambda i: pages[i].label,
        key=f"{key}_page",
        help=f"{per:,} at a time, in this order; a column's heading sorts the "
        "rows shown. Filters narrow the list; the download holds every row.",
    )
    page = views.page_at(len(frame), int(chosen or 0), per)
    return frame.iloc[page.start : page.stop], page.start
