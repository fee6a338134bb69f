"""The writes made through the app's pages, and `clear`, which every write ends with.

Owns `clear` (forgets every cached frame, then has a running warmer read the landing
pages' frames again), `score_store` (scores the store from the Data page), `mark_used`
(evidence marked as used, forgetting only the frames a mark changes) and `pin` / `unpin`
(evidence pinned to a visit brief, forgetting only the brief's frames) and
`record_verdicts` (what a visit found, forgetting only the verdicts and briefs read). A page
that writes through risk/ or sources/ itself calls `clear` afterwards.

Imports pages.ui.cache, pages.ui.gate, pages.ui.loaders and pages.ui.warming.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

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


def pin(provider_id: str, kind: str, record_id: str, reason: str) -> bool:
    """Pins evidence to a provider's visit brief as the person signed in (audited); False
    when it was pinned already. Forgets only the cached pins and briefs."""
    done = actions.pin_to_brief(
        cache.engine(), provider_id, kind, record_id, current_user(), reason
    )
    loaders.brief_pins.clear()
    loaders.brief_files.clear()
    return done


def unpin(provider_id: str, kind: str, record_id: str) -> bool:
    """Takes a pin off a provider's visit brief (audited); False when it was not pinned."""
    done = actions.unpin_from_brief(cache.engine(), provider_id, kind, record_id, current_user())
    loaders.brief_pins.clear()
    loaders.brief_files.clear()
    return done


def record_verdicts(provider_id: str, visit_on: dt.date, answers: Sequence[actions.Answer]) -> int:
    """Records what the visit found about each line answered, as the person signed in
    (actions.record_verdicts, audited); the lines stored or changed. Forgets only the cached
    verdicts and the briefs that show them."""
    done = actions.record_verdicts(cache.engine(), provider_id, visit_on, answers, current_user())
    for cached in (loaders.provider_verdicts, loaders.visit_brief, loaders.brief_files):
        cached.clear()
    return done
