"""How rows read from the store become frame columns the views can rely on: dates as
datetime64, blanks as missing, ';'-separated lists as lists."""

from __future__ import annotations

import pandas as pd


def parse_dates(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """`frame` with each of `columns` it has as datetime64 (unreadable values NaT), in place."""
    # SQLite gives ISO strings, PostgreSQL date objects: both become datetime64.
    for column in columns:
        if column in frame:
            frame[column] = pd.to_datetime(frame[column], errors="coerce")
    return frame


def present(values: pd.Series) -> pd.Series:
    """`values` as objects, with missing and blank (whitespace only) cells None."""
    # Blank counts as missing (None), so a redacted cell always stood for something.
    values = values.astype(object)
    return values.where(values.notna() & (values.astype(str).str.strip() != ""), None)


def split_list(stored: object) -> list[str]:
    """A ';'-separated stored column as a list (empty for None)."""
    return [t for t in stored.split(";") if t] if isinstance(stored, str) else []
