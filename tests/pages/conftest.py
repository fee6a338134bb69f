"""Fixtures for every page test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import streamlit as st


@pytest.fixture(autouse=True)
def _fresh_caches() -> Iterator[None]:
    # Streamlit's caches outlive one AppTest: each test starts from its own store.
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()
