"""VADER's compound score, as vaderSentiment 3.3.2 computes it, about three times faster.

VADER (Hutto & Gilbert, ICWSM 2014; MIT licence) is the lexicon prior the sentiment reader
stacks on its models. The package lower-cases a text's whole word list again for every
sentiment word it meets (quadratic in a long comment) and copies the text character by
character to find emojis. This module runs the same rules, in the same order, on one
lower-cased word list, and looks for emojis only in text that has characters outside
ASCII (no emoji is ASCII). It reuses the package's lexicon, word lists, `but` rule and
final scoring, so there is one source for the numbers; tests compare it with the package on
every text we have.
"""

from __future__ import annotations

import string

from vaderSentiment.vaderSentiment import (
    BOOSTER_DICT,
    C_INCR,
    N_SCALAR,
    NEGATE,
    SPECIAL_CASES,
    SentimentIntensityAnalyzer,
    scalar_inc_dec,
)

_ANALYSER = SentimentIntensityAnalyzer()
_LEXICON: dict[str, float] = _ANALYSER.lexicon
# The package scans character by character, so only one-character emojis ever match.
_EMOJI: dict[str, str] = {e: d for e, d in _ANALYSER.emojis.items() if len(e) == 1}
_NEGATE = frozenset(NEGATE)
_PUNCTUATION = string.punctuation


def compound(text: str) -> float:
    """Returns VADER's compound score of a text, -1..1, rounded to 4 places as VADER does."""
    if not text.isascii():
        text = _describe_emojis(text)
    text = text.strip()
    words = [_strip_punctuation(w) for w in text.split()]
    lower = [w.lower() for w in words]
    n = len(words)
    capitals = sum(w.isupper() for w in words)
    cap_diff = 0 < n - capitals < n
    sentiments: list[float] = []
    for i, low in enumerate(lower):
        if low in BOOSTER_DICT or (i < n - 1 and low == "kind" and lower[i + 1] == "of"):
            sentiments.append(0)
        elif low not in _LEXICON:
            sentiments.append(0)
        else:
            sentiments.append(_valence(words, lower, i, cap_diff))
    sentiments = SentimentIntensityAnalyzer._but_check(words, sentiments)
    return _ANALYSER.score_valence(sentiments, text)["compound"]


def _describe_emojis(text: str) -> str:
    """Returns the text with each emoji replaced by its description, spaced as VADER does."""
    if not any(c in _EMOJI for c in text):
        return text
    out: list[str] = []
    prev_space = True
    for c in text:
        if c in _EMOJI:
            if not prev_space:
                out.append(" ")
            out.append(_EMOJI[c])
            prev_space = False
        else:
            out.append(c)
            prev_space = c == " "
    return "".join(out)


def _strip_punctuation(token: str) -> str:
    """Returns the word without leading and trailing punctuation, or the token itself when
    that leaves two characters or fewer (an emoticon such as ":)")."""
    stripped = token.strip(_PUNCTUATION)
    return token if len(stripped) <= 2 else stripped


def _negated(low: str) -> bool:
    low = low.lower()  # as VADER's `negated` does, though the word is lower-cased already
    return low in _NEGATE or "n't" in low


def _valence(words: list[str], lower: list[str], i: int, cap_diff: bool) -> float:
    """Returns the valence of the lexicon word at i after VADER's rules (its
    sentiment_valence, _negation_check, _special_idioms_check and _least_check)."""
    n = len(words)
    low = lower[i]
    valence = _LEXICON[low]
    if low == "no" and i != n - 1 and lower[i + 1] in _LEXICON:
        valence = 0.0
    if (
        (i > 0 and lower[i - 1] == "no")
        or (i > 1 and lower[i - 2] == "no")
        or (i > 2 and lower[i - 3] == "no" and lower[i - 1] in ("or", "nor"))
    ):
        valence = _LEXICON[low] * N_SCALAR
    if words[i].isupper() and cap_diff:
        valence = valence + C_INCR if valence > 0 else valence - C_INCR
    for start_i in range(3):
        if i > start_i and lower[i - (start_i + 1)] not in _LEXICON:
            s = scalar_inc_dec(words[i - (start_i + 1)], valence, cap_diff)
            if start_i == 1 and s != 0:
                s = s * 0.95
            if start_i == 2 and s != 0:
                s = s * 0.9
            valence = valence + s
            valence = _negation(valence, lower, start_i, i)
            if start_i == 2:
                valence = _special_idioms(valence, lower, i)
    if i > 1 and lower[i - 1] not in _LEXICON and lower[i - 1] == "least":
        if lower[i - 2] != "at" and lower[i - 2] != "very":
            valence = valence * N_SCALAR
    elif i > 0 and lower[i - 1] not in _LEXICON and lower[i - 1] == "least":
        valence = valence * N_SCALAR
    return valence


def _negation(valence: float, lower: list[str], start_i: int, i: int) -> float:
    if start_i == 0:
        if _negated(lower[i - 1]):
            valence = valence * N_SCALAR
    elif start_i == 1:
        if lower[i - 2] == "never" and lower[i - 1] in ("so", "this"):
            valence = valence * 1.25
        elif lower[i - 2] == "without" and lower[i - 1] == "doubt":
            pass
        elif _negated(lower[i - 2]):
            valence = valence * N_SCALAR
    else:
        if (lower[i - 3] == "never" and lower[i - 2] in ("so", "this")) or lower[i - 1] in (
            "so",
            "this",
        ):
            valence = valence * 1.25
        elif lower[i - 3] == "without" and (lower[i - 2] == "doubt" or lower[i - 1] == "doubt"):
            pass
        elif _negated(lower[i - 3]):
            valence = valence * N_SCALAR
    return valence


def _special_idioms(valence: float, lower: list[str], i: int) -> float:
    one_zero = f"{lower[i - 1]} {lower[i]}"
    two_one_zero = f"{lower[i - 2]} {lower[i - 1]} {lower[i]}"
    two_one = f"{lower[i - 2]} {lower[i - 1]}"
    three_two_one = f"{lower[i - 3]} {lower[i - 2]} {lower[i - 1]}"
    three_two = f"{lower[i - 3]} {lower[i - 2]}"
    for seq in (one_zero, two_one_zero, two_one, three_two_one, three_two):
        if seq in SPECIAL_CASES:
            valence = SPECIAL_CASES[seq]
            break
    if len(lower) - 1 > i:
        zero_one = f"{lower[i]} {lower[i + 1]}"
        if zero_one in SPECIAL_CASES:
            valence = SPECIAL_CASES[zero_one]
    if len(lower) - 1 > i + 1:
        zero_one_two = f"{lower[i]} {lower[i + 1]} {lower[i + 2]}"
        if zero_one_two in SPECIAL_CASES:
            valence = SPECIAL_CASES[zero_one_two]
    for n_gram in (three_two_one, three_two, two_one):
        if n_gram in BOOSTER_DICT:
            valence = valence + BOOSTER_DICT[n_gram]
    return valence
