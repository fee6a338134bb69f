"""Who may see what: the roles, what each may do, and the redaction of personal data.

Pages ask `may(role, action)` on the server side before drawing or serving anything;
a hidden button is not a control. Frames shown to a role go through `redact` first.
"""

from __future__ import annotations

from typing import Final

import pandas as pd

ROLES: Final = ("inspector", "manager", "admin")

# Actions, in the words the pages use.
VIEW_PROVIDERS: Final = "view_providers"  # triage, provider pages, overview
VIEW_SENSITIVE: Final = "view_sensitive"  # safeguarding summaries, note authors
EXPORT: Final = "export"  # CSV exports and visit briefs
INBOX: Final = "inbox"  # link/dismiss comments, mark serious concerns seen, mark used
LOAD: Final = "load"  # upload contract files
ACCOUNTS: Final = "accounts"  # add, disable, reset accounts
AUDIT: Final = "audit"  # search the audit log
PIN: Final = "pin"  # pin a piece of evidence to a provider's visit brief
VERDICTS: Final = "verdicts"  # record what a visit found about each line of enquiry
WEIGHTS: Final = "weights"  # apply a proposed set of the score's weights, or go back

PERMISSIONS: Final[dict[str, frozenset[str]]] = {
    "inspector": frozenset({VIEW_PROVIDERS, VIEW_SENSITIVE, EXPORT, INBOX, PIN, VERDICTS}),
    # Managers triage: every provider and score, but no personal detail about people.
    "manager": frozenset({VIEW_PROVIDERS, EXPORT}),
    # Admins run the system; they do not need to read about people to do it.
    # They may record verdicts (entering a visit's findings sent in on paper), but read a
    # verdict's note, free text that may name a person, no more than other personal data.
    # Only they change how the score is made (applying a reviewed weight set, audited).
    "admin": frozenset({VIEW_PROVIDERS, LOAD, ACCOUNTS, AUDIT, VERDICTS, WEIGHTS}),
}

# Columns that hold personal data about people who use services or about experts.
SENSITIVE_COLUMNS: Final = ("summary", "author")
# A verdict's note (sources.store.Verdict): an inspector's free text, which may name a person.
NOTE_COLUMNS: Final = ("note",)
REDACTED: Final = "[hidden: inspectors only]"


def may(role: str | None, action: str) -> bool:
    """True when `role` is allowed `action`; an unknown or missing role may do nothing."""
    return role is not None and action in PERMISSIONS.get(role, frozenset())


def redact(
    frame: pd.DataFrame, role: str | None, columns: tuple[str, ...] = SENSITIVE_COLUMNS
) -> pd.DataFrame:
    """`frame` with its sensitive `columns` (a value, not a gap, replaced by REDACTED)
    blanked unless `role` may see personal data."""
    if may(role, VIEW_SENSITIVE):
        return frame
    hidden = [c for c in columns if c in frame.columns]
    if not hidden:
        return frame
    out = frame.copy()
    for column in hidden:
        out[column] = out[column].where(out[column].isna(), REDACTED)
    return out


def redact_notes(verdicts: pd.DataFrame, role: str | None) -> pd.DataFrame:
    """Verdicts (views.last_verdicts) with their notes blanked unless `role` may see
    personal data."""
    return redact(verdicts, role, NOTE_COLUMNS)
