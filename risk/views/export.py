"""Frames as files a person downloads: CSV a spreadsheet opens without running a cell."""

from __future__ import annotations

import io

import pandas as pd

# A spreadsheet runs a cell beginning with one of these as a formula.
FORMULA_START: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(value: object) -> object:
    """A cell a spreadsheet will not run: text starting = + - @ tab CR gets a ' in front."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def safe_csv(frame: pd.DataFrame) -> bytes:
    """The frame as UTF-8 CSV (with BOM for spreadsheets), every text cell formula-safe."""
    out = frame.copy()
    for column in out.columns:
        if out[column].map(lambda v: isinstance(v, list)).any():
            out[column] = out[column].map(
                lambda v: " ".join(str(x) for x in v) if isinstance(v, list) else v
            )
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(neutralise_formula)
    buffer = io.StringIO()
    # CRLF rows, as spreadsheets expect; a CR or LF inside a cell is then quoted.
    out.to_csv(buffer, index=False, lineterminator="\r\n")
    return buffer.getvalue().encode("utf-8-sig")
