"""The writes made through the app's pages, and `clear`, which every write ends with.

Owns `clear` (forgets every cached frame, then has a running warmer read the landing
pages' frames again), `score_store` (scores the store from the Data page) and `mark_used`
(evidence marked as used, forgetting only the frames a mark changes). A page that writes
through risk/ or sources/ itself calls `clear` afterwards.

Imports pages.ui.cache, pages.ui.gate, pages.ui.loaders and pages.ui.warming.
"""

from __future__ import annotations

from pages.ui import cache, loaders, warming
from pages.ui.gate import current_user
from risk import score
from sources.people import actions
from sources.progress import Progress


def clear() -> None:
    """Forgets every cached frame, shared ones too: after a write made in the app. The
    warmer, if on, reads the landing pages' frames again at once."""
    cache.forget_frames()
    warming.rewarm()


def score_store(progress: Progress | None = None) -> int:
    """Scores every provider as of the newest evidence (and the year before); rows stored."""
    eng = cache.engine()
    as_of = score.evidence_end(eng)
    if as_of is None:
        return 0
    stored = score.score_and_store(eng, as_of=as_of, progress=progress)
    clear()
    return stored


def mark_used(kind: str, record_id: str, used_for: str, outcome: str) -> int:
    """Marks evidence as used by the person signed in (actions.mark_used, audited); forgets
    only the cached frames a mark changes, not the whole store's."""
    mark = actions.mark_used(cache.engine(), kind, record_id, used_for, outcome, current_user())
    for loader in (loaders.provider_uses, loaders.you_said_we_did, loaders.uses_between):
        loader.clear()
    return mark
