"""What the demo world's inspectors found on their visits: verdicts.csv, simulated from the
hidden state, so the loop from a brief's lines to what a visit found to the score's weights
can be shown working.

For a share of the inspections in the window, the lines of enquiry a brief made before the
visit would have held (risk/brief.py's rules, read from what the world emitted: harmful
incidents, safeguarding alerts, worrying comments by the key question of their themes,
serious concerns, a fall in the rating) each get a verdict. The world's hidden state is one
quality per provider and month, so a line's problem is truly present when the provider's
care is truly poor at the visit (its latent at or past `problem_at`); a present problem is
mostly confirmed, an absent one mostly not found, and some lines are not looked at.

Its own random stream (seeded from the world's seed), so the contract's six files stay
byte-identical with or without it. Plain arrays in, a frame out: no store, no other room.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sources.contract import KEY_QUESTIONS, THEME_QUESTION, VERDICT_FILE, VERDICTS, enquiry_key

# The brief reads the two years before its day (risk/brief.py WINDOW_DAYS).
BRIEF_WINDOW_DAYS = 730
# The demo's inspector account records every verdict (sources.people.accounts).
RECORDED_BY = "inspector"
# A stream of its own: draws here never move the world's other files.
STREAM = 20
COLUMNS = [c.name for c in VERDICT_FILE.columns]


@dataclass(frozen=True)
class VerdictEffects:
    """How the demo's inspectors answer: the share of visits with verdicts recorded, where
    a problem counts as truly present, and the chances of each verdict (VERDICTS order:
    confirmed, not found, not looked at) when it is and when it is not."""

    share: float
    problem_at: float
    when_present: tuple[float, float, float]
    when_absent: tuple[float, float, float]
    note_share: float  # of verdicts looked at, those with a note


@dataclass
class Visited:
    """What the world emitted, as the simulation reads it (provider index i, global month t).

    `visits`: provider, month, inspected (datetime64[D]): inspections made by the end date.
    `ratings`: provider, published (datetime64[D]), overall_k (0 Outstanding .. 3
    Inadequate): the ratings written. `said`: provider, received (datetime64[D]), worrying
    (negative or a serious concern, not part of a media storm), serious, themes (a list):
    one row per comment told.
    """

    ids: np.ndarray  # provider_id per provider index
    latent: np.ndarray  # (N, T), higher = worse care
    harmful: np.ndarray  # (N, T) incidents of moderate harm or worse
    alerts: np.ndarray  # (N, T) safeguarding alerts
    first_month: int  # the first month of evidence written
    visits: pd.DataFrame
    ratings: pd.DataFrame
    said: pd.DataFrame


# Stock notes an inspector might write, by line kind and verdict; none names anyone.
NOTES: dict[str, dict[str, tuple[str, ...]]] = {
    "harm": {
        "confirmed": (
            "Incident reviews incomplete; learning not shared with night staff.",
            "Two of the harms had no investigation on file.",
        ),
        "not_found": ("Each incident investigated, actions followed through.",),
    },
    "safeguarding": {
        "confirmed": ("Referrals made late; no log of the provider's own enquiries.",),
        "not_found": ("Referrals made and followed up; staff knew the procedure.",),
    },
    "voices": {
        "confirmed": (
            "What people told us matched the comments.",
            "Relatives raised the same concerns on the day.",
        ),
        "not_found": ("People and relatives spoke well of the service on the day.",),
    },
    "rating_fall": {
        "confirmed": ("Improvement plan not yet started.",),
        "not_found": ("Improvement plan in place and working.",),
    },
    "unseen_concerns": {
        "confirmed": ("Leaders did not know of the concerns raised.",),
        "not_found": ("Leaders knew of the concerns and had acted.",),
    },
}


# The lines a simulated brief can hold, in the order a visit's rows are written.
LINE_KEYS: tuple[str, ...] = (
    enquiry_key("safe", "harm"),
    enquiry_key("safe", "safeguarding"),
    *(enquiry_key(q, "voices") for q in KEY_QUESTIONS),
    enquiry_key("well_led", "rating_fall"),
    enquiry_key("well_led", "unseen_concerns"),
)


def _in_window(counts: np.ndarray, rows: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Per visit: any count in months [lo, hi) of its provider's row (prefix sums)."""
    before = np.concatenate([np.zeros((counts.shape[0], 1)), np.cumsum(counts, axis=1)], axis=1)
    return before[rows, hi] - before[rows, lo] > 0


def _days(values: object) -> np.ndarray:
    return np.asarray(values).astype("datetime64[D]").astype(np.int64)


def _voice_lines(said: pd.DataFrame, rows: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Per visit (provider `rows`, on `day` in days since 1970): six booleans, a worrying
    comment under each key question (KEY_QUESTIONS order) and a serious concern, among the
    comments received in the brief's window before the day."""
    bits = np.zeros((len(said), len(KEY_QUESTIONS) + 1), dtype=np.int64)
    worrying = said["worrying"].to_numpy(dtype=bool)
    for j, themes in enumerate(said["themes"]):
        if worrying[j]:
            for t in themes:
                if t in THEME_QUESTION:
                    bits[j, KEY_QUESTIONS.index(THEME_QUESTION[t])] = 1
    bits[:, -1] = said["serious"].to_numpy(dtype=bool)
    # One sorted key per comment, provider then day: a visit's window is one slice of it.
    span = 1 << 20
    key = said["provider"].to_numpy(dtype=np.int64) * span + _days(said["received"])
    order = np.argsort(key, kind="stable")
    key, bits = key[order], bits[order]
    total = np.vstack([np.zeros((1, bits.shape[1]), dtype=np.int64), np.cumsum(bits, axis=0)])
    a = np.searchsorted(key, rows * span + day - BRIEF_WINDOW_DAYS, side="left")
    b = np.searchsorted(key, rows * span + day, side="left")
    return total[b] - total[a] > 0


def _rating_fell(ratings: pd.DataFrame, rows: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Per visit: the last rating published before the day is worse than the one before."""
    span = 1 << 20
    key = ratings["provider"].to_numpy(dtype=np.int64) * span + _days(ratings["published"])
    order = np.argsort(key, kind="stable")
    key = key[order]
    provider = ratings["provider"].to_numpy(dtype=np.int64)[order]
    rating = ratings["overall_k"].to_numpy(dtype=np.int64)[order]
    last = np.searchsorted(key, rows * span + day, side="left") - 1
    ok = (last >= 1) & (provider[np.maximum(last, 0)] == rows)
    ok &= provider[np.maximum(last - 1, 0)] == rows
    return ok & (rating[np.maximum(last, 0)] > rating[np.maximum(last - 1, 0)])


def simulate_verdicts(seed: int, v: Visited, effects: VerdictEffects) -> pd.DataFrame:
    """verdicts.csv's rows (COLUMNS) for a share of the visits, deterministic for `seed`:
    one row per line its brief would have made, by visit day, provider and line."""
    rng = np.random.default_rng([seed, STREAM])
    visits = v.visits.sort_values(["inspected", "provider"], kind="stable")
    visits = visits[rng.random(len(visits)) < effects.share]
    rows = visits["provider"].to_numpy(dtype=np.int64)
    month = visits["month"].to_numpy(dtype=np.int64)
    day = _days(visits["inspected"])
    # The brief's two years, in whole months before the visit's, for the monthly counts.
    lo = np.maximum(v.first_month, month - BRIEF_WINDOW_DAYS // 30)
    voices = _voice_lines(v.said, rows, day)
    made = np.column_stack(
        [
            _in_window(v.harmful, rows, lo, month),
            _in_window(v.alerts, rows, lo, month),
            voices[:, :-1],
            _rating_fell(v.ratings, rows, day),
            voices[:, -1],
        ]
    )
    visit, line = np.nonzero(made)  # row-major: by visit, then in LINE_KEYS order
    present = v.latent[rows[visit], month[visit]] >= effects.problem_at
    chances = np.where(present[:, None], effects.when_present, effects.when_absent)
    cut = np.cumsum(chances / chances.sum(axis=1, keepdims=True), axis=1)
    drawn = (rng.random(visit.size)[:, None] > cut[:, :-1]).sum(axis=1)
    verdicts = np.array(VERDICTS, dtype=object)[drawn]
    noted = rng.random(visit.size) < effects.note_share
    pick = rng.random(visit.size)
    notes = []
    for j in range(visit.size):
        bank = NOTES.get(LINE_KEYS[line[j]].partition(":")[2], {}).get(verdicts[j], ())
        notes.append(bank[int(pick[j] * len(bank))] if bank and noted[j] else "")
    return pd.DataFrame(
        {
            "provider_id": v.ids[rows[visit]].astype(str),
            "visit_on": np.datetime_as_string(day[visit].astype("datetime64[D]"), unit="D"),
            "enquiry_key": np.array(LINE_KEYS, dtype=object)[line],
            "verdict": verdicts,
            "note": notes,
            "recorded_by": RECORDED_BY,
        },
        columns=COLUMNS,
    )
