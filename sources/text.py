"""Reading people's words: sentiment, themes and serious concerns of a comment or note.

First crude version (keyword rules) so the loader can call it; the trained models replace
the sentiment part without changing this interface.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

KEY_QUESTIONS = ("safe", "effective", "caring", "responsive", "well_led")
TOPICS = (
    "staffing",
    "medicines",
    "dignity_respect",
    "environment_cleanliness",
    "food_drink",
    "communication",
    "leadership",
    "abuse_neglect",
    "access_waiting",
)
THEMES = KEY_QUESTIONS + TOPICS


@dataclass(frozen=True)
class Reading:
    """What was read in one text."""

    sentiment: str  # "negative" | "neutral" | "positive"
    sentiment_score: float  # -1 .. 1
    themes: tuple[str, ...]  # key questions and topics, e.g. ("safe", "staffing")
    serious: bool
    serious_terms: tuple[str, ...]  # words that triggered `serious`
    evidence: dict[str, str] = field(default_factory=dict)  # theme -> carrying sentence


_NEG = re.compile(
    r"\b(rude|dirty|late|waited|ignored|terrible|awful|poor|bad|never|unhelpful|abuse\w*"
    r"|neglect\w*|shout\w*|scared|afraid)\b",
    re.I,
)
_POS = re.compile(r"\b(kind|caring|excellent|great|good|helpful|lovely|thank\w*|brilliant)\b", re.I)
_SERIOUS = re.compile(
    r"\b(abuse\w*|neglect\w*|bruis\w*|died|death|hit|slapped|afraid to complain)\b", re.I
)


def read_text(text: str) -> Reading:
    """Returns the Reading of one text (crude keyword rules)."""
    text = text or ""
    neg = len(_NEG.findall(text))
    pos = len(_POS.findall(text))
    score = 0.0 if neg + pos == 0 else (pos - neg) / (pos + neg)
    label = "negative" if score < -0.1 else "positive" if score > 0.1 else "neutral"
    terms = tuple(dict.fromkeys(m.lower() for m in _SERIOUS.findall(text)))
    themes: tuple[str, ...] = ("safe", "abuse_neglect") if terms else ()
    return Reading(
        sentiment=label,
        sentiment_score=float(score),
        themes=themes,
        serious=bool(terms),
        serious_terms=terms,
        evidence=dict.fromkeys(themes, text),
    )


def read_texts(texts: Sequence[str]) -> list[Reading]:
    """Returns one Reading per text, in order."""
    return [read_text(t) for t in texts]


def themes_to_str(themes: Iterable[str]) -> str:
    """Returns the themes joined by ';', as the store's `themes` column holds them."""
    return ";".join(themes)
