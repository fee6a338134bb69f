"""Opening the app under AppTest with a session already signed in (as sign-in would leave it)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]


def open_page(page: str, role: str, user: str = "t", **params: str) -> AppTest:
    """pages/`page`.py opened through app.py by `user` with `role`, with query `params`;
    fails on any exception the run shows."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["user"] = user
    at.session_state["role"] = role
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def frame_with(at: AppTest, *columns: str, without: tuple[str, ...] = ()) -> pd.DataFrame:
    """The one dataframe on the page having every column in `columns` and none in `without`."""
    found = [
        d.value
        for d in at.dataframe
        if set(columns) <= set(d.value.columns) and not set(without) & set(d.value.columns)
    ]
    assert len(found) == 1, [list(d.value.columns) for d in at.dataframe]
    return found[0]
