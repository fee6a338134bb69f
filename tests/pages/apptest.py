"""Opening the app under AppTest with a session already signed in (as sign-in would leave it)."""

from __future__ import annotations

from pathlib import Path

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
