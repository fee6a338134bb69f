"""Reading a batch of texts with a given text model: sentiment, themes, serious concerns.

Loads no model: the reader (`sources.text.reader`) and training hand it the model to use.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from sources.text.concerns import find_concerns, sentences_to_check
from sources.text.keywords import prepare as prepare_scan
from sources.text.model import TextModel
from sources.text.sentiment import (
    LABELS,
)
from sources.text.themes import (
    THEMES,
    TOPIC_KEY_QUESTION,
    lexicon_hits,
)


@dataclass(frozen=True)
class Reading:
    """What was read in one text."""

    sentiment: str  # "negative" | "neutral" | "positive"
    sentiment_score: float  # -1 .. 1: P(positive) - P(negative)
    themes: tuple[str, ...]  # key questions and topics, e.g. ("safe", "staffing")
    serious: bool
    serious_terms: tuple[str, ...]  # words that triggered `serious`
    evidence: dict[str, str] = field(default_factory=dict)  # theme -> carrying sentence


# --- reading ---------------------------------------------------------------------------


def _read_batch(model: TextModel, texts: list[str]) -> list[Reading]:
    """Returns the Readings of a batch: one feature transform for texts and sentences."""
    n = len(texts)
    read = model.read_sentiment(texts)
    labels, scores, sentences, owner, x_sent = (
        read.labels,
        read.scores,
        read.sentences,
        read.owner,
        read.x_sent,
    )

    theme_best: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for theme, clf in model.theme_classifiers.items():
        p = clf.predict_proba(x_sent)[:, 1]
        best = np.full(n, -1.0)
        np.maximum.at(best, owner, p)
        theme_best[theme] = (best, p)

    batch = prepare_scan(sentences)
    lexicon = lexicon_hits(batch)
    by_sentence: dict[int, list[str]] = {}
    for theme in THEMES:
        for j in lexicon.get(theme, ()):
            by_sentence.setdefault(int(j), []).append(theme)
    concerns = {int(j): find_concerns(sentences[j]) for j in sentences_to_check(batch)}

    readings: list[Reading] = []
    bounds = np.searchsorted(owner, np.arange(n + 1))
    for i in range(n):
        own = range(int(bounds[i]), int(bounds[i + 1]))
        evidence: dict[str, str] = {}
        terms: list[str] = []
        # Keyword evidence first: a sentence with the word in it is the plainest carrier.
        for j in own:
            for theme in by_sentence.get(j, ()):
                evidence.setdefault(theme, sentences[j])
        for theme, (best, p) in theme_best.items():
            if best[i] >= model.theme_thresholds[theme] and theme not in evidence:
                j = max(own, key=lambda k, p=p: p[k])
                evidence[theme] = sentences[j]
        for j in own:
            for concern in concerns.get(j, ()):
                terms.append(concern.term)
                if concern.kind in ("abuse", "neglect"):
                    evidence.setdefault("abuse_neglect", sentences[j])
                evidence.setdefault("safe", sentences[j])
        for topic, key_question in TOPIC_KEY_QUESTION.items():
            if topic in evidence:
                evidence.setdefault(key_question, evidence[topic])
        themes = tuple(t for t in THEMES if t in evidence)
        terms = list(dict.fromkeys(terms))
        readings.append(
            Reading(
                sentiment=LABELS[labels[i]],
                sentiment_score=round(float(scores[i]), 4),
                themes=themes,
                serious=bool(terms),
                serious_terms=tuple(terms),
                evidence={t: evidence[t] for t in themes},
            )
        )
    return readings


def read_with(model: TextModel, texts: Sequence[str], batch_size: int = 5000) -> list[Reading]:
    """Returns one Reading per text by `model`, in order; an empty or missing text reads
    as neutral, with no theme and no concern."""
    cleaned = [t if isinstance(t, str) else "" for t in texts]
    out: list[Reading] = []
    for start in range(0, len(cleaned), batch_size):
        batch = cleaned[start : start + batch_size]
        blank = [not t.strip() for t in batch]
        read = _read_batch(model, [t for t, b in zip(batch, blank, strict=True) if not b])
        it = iter(read)
        out.extend(_BLANK if b else next(it) for b in blank)
    return out


_BLANK = Reading("neutral", 0.0, (), False, (), {})
