"""Long lists shown a page of rows at a time.

A grid of every provider at national scale sent 15 MB to the browser for each view of
Triage (50,000 rows, bench/pages.py) and took seconds to paint; nobody reads past the first
few hundred of a ranked list, and the download still holds every row. The pages show
PAGE_ROWS rows at once, with the other rows a choice away.
"""

from __future__ import annotations

from dataclasses import dataclass

PAGE_ROWS = 1_000
# Choices listed at once in one drop-down before a typed name or id narrows them first: a
# list of 50,000 providers took the browser seconds to draw on each visit.
PICK_LIST = 1_000


@dataclass(frozen=True)
class Page:
    """Rows start..stop (0-based, stop excluded) of `total`, the `index`th page of `pages`."""

    index: int
    pages: int
    start: int
    stop: int
    total: int

    @property
    def label(self) -> str:
        """What the chooser shows: "1–1,000 of 50,000" (rows counted from 1)."""
        return page_label(self.start, self.stop, self.total)


def page_label(start: int, stop: int, total: int) -> str:
    """Rows start+1 to stop of total, as a person counts them."""
    return f"{start + 1:,}–{stop:,} of {total:,}"


def pages_of(total: int, per: int = PAGE_ROWS) -> list[Page]:
    """Every page of a list of `total` rows, `per` rows each (one empty page for none)."""
    if per < 1:
        raise ValueError("a page holds at least one row")
    count = max(1, -(-total // per))
    return [Page(i, count, i * per, min(total, (i + 1) * per), total) for i in range(count)]


def page_at(total: int, index: int, per: int = PAGE_ROWS) -> Page:
    """The `index`th page, the last one when the list has become shorter than that (a
    filter narrowed it while a later page was chosen), the first for a negative index."""
    pages = pages_of(total, per)
    return pages[min(max(index, 0), len(pages) - 1)]
