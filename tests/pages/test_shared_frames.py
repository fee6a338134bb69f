"""pages/cache.shared_frame: one cached frame for every session, each caller its own view."""

from __future__ import annotations

import pandas as pd

from pages.ui import cache, writes


def test_a_caller_changing_its_frame_leaves_the_cached_one_alone() -> None:
    calls: list[int] = []

    @cache.shared_frame()
    def loader(key: int) -> pd.DataFrame:
        calls.append(key)
        return pd.DataFrame({"score": [10.0, 20.0], "band": ["low", "high"]})

    first = loader(1)
    first["score"] = 0.0
    first.loc[1, "band"] = "changed"
    first["extra"] = 1
    again = loader(1)
    assert calls == [1]  # read once
    assert again["score"].tolist() == [10.0, 20.0]
    assert again["band"].tolist() == ["low", "high"]
    assert "extra" not in again
    assert again is not loader(1)  # a view per call


def test_clear_forgets_shared_frames_too() -> None:
    calls: list[int] = []

    @cache.shared_frame()
    def loader(key: int) -> pd.DataFrame:
        calls.append(key)
        return pd.DataFrame({"n": [len(calls)]})

    assert loader(7)["n"].tolist() == [1]
    writes.clear()  # what a page calls after it writes (a link, a dismissal)
    assert loader(7)["n"].tolist() == [2]
    assert calls == [7, 7]
