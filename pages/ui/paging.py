"""A long list drawn a page of rows at a time (risk.views.paging): the chooser of rows
above the grid, and the rows to give it."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from risk import views


def paged(frame: pd.DataFrame, key: str, what: str = "rows") -> pd.DataFrame:
    """`frame`'s rows of the page chosen, all of them when they fit one page. A grid's
    selected row is a position in the rows returned."""
    per = views.PAGE_ROWS
    if len(frame) <= per:
        return frame
    pages = views.pages_of(len(frame), per)
    chosen = st.selectbox(
        f"{what.capitalize()} in the list below",
        range(len(pages)),
        format_func=lambda i: pages[i].label,
        key=f"{key}_page",
        help=f"{per:,} at a time, in this order; a column's heading sorts the rows shown, "
        "and filters narrow the list.",
    )
    page = views.page_at(len(frame), int(chosen or 0), per)
    return frame.iloc[page.start : page.stop]
