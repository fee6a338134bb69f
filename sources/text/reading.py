"""Reading a batch of texts with a given text model: sentiment, themes, serious concerns.

Loads no model: the reader (`sources.text.reader`) and training hand it the model to use.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from sources.contract import ABUSE_TYPES
from sources.text.detector import MAX_KINDS, ConcernDetector, load_detector
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

ABUSE_KINDS = frozenset(ABUSE_TYPES)  # the Care Act's types: they fill the abuse_neglect theme


@dataclass(frozen=True)
class Reading:
    """What was read in one text."""

    sentiment: str  # "negative" | "neutral" | "positive"
    sentiment_score: float  # -1 .. 1: P(positive) - P(negative)
    themes: tuple[str, ...]  # key questions and topics, e.g. ("safe", "staffing")
    serious: bool
    serious_terms: tuple[str, ...]  # words a phrase rule matched where a concern was read
    evidence: dict[str, str] = field(default_factory=dict)  # theme -> carrying sentence
    concern_kinds: tuple[str, ...] = ()  # CONCERN_KINDS keys, likeliest first
    concern_confidence: float = 0.0  # 0..1: the detector's confidence in its likeliest flag
    concern_sentence: str = ""  # the sentence that carries it


# --- reading ---------------------------------------------------------------------------


def _read_batch(
    model: TextModel, texts: list[str], detector: ConcernDetector | None = None
) -> list[Reading]:
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
    flags: dict[int, list] = {}
    for flag in (detector or load_detector()).detect(sentences, owner):
        flags.setdefault(flag.text_index, []).append(flag)

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
        mine = sorted(flags.get(i, ()), key=lambda f: -f.confidence)
        kinds: list[str] = []
        for flag in mine:
            terms.extend(flag.terms)
            kinds.extend(flag.kinds)
            if set(flag.kinds) & ABUSE_KINDS:
                evidence.setdefault("abuse_neglect", flag.sentence)
            evidence.setdefault("safe", flag.sentence)
        for topic, key_question in TOPIC_KEY_QUESTION.items():
            if topic in evidence:
                evidence.setdefault(key_question, evidence[topic])
        themes = tuple(t for t in THEMES if t in evidence)
        terms = list(dict.fromkeys(terms))
        readings.append(
            Reading(
                # A text that reports serious harm is negative, however politely put.
                sentiment="negative" if mine else LABELS[labels[i]],
                sentiment_score=round(
                    min(float(scores[i]), -mine[0].confidence) if mine else float(scores[i]), 4
                ),
                themes=themes,
                serious=bool(mine),
                serious_terms=tuple(terms),
                evidence={t: evidence[t] for t in themes},
                concern_kinds=tuple(dict.fromkeys(kinds))[:MAX_KINDS],
                concern_confidence=mine[0].confidence if mine else 0.0,
                concern_sentence=mine[0].sentence if mine else "",
            )
        )
    return readings


def read_with(
    model: TextModel,
    texts: Sequence[str],
    batch_size: int = 5000,
    detector: ConcernDetector | None = None,
) -> list[Reading]:
    """Returns one Reading per text by `model`, in order; an empty or missing text reads
    as neutral, with no theme and no concern."""
    cleaned = [t if isinstance(t, str) else "" for t in texts]
    out: list[Reading] = []
    for start in range(0, len(cleaned), batch_size):
        batch = cleaned[start : start + batch_size]
        blank = [not t.strip() for t in batch]
        written = [t for t, b in zip(batch, blank, strict=True) if not b]
        it = iter(_read_batch(model, written, detector) if written else [])
        out.extend(_BLANK if b else next(it) for b in blank)
    return out


_BLANK = Reading("neutral", 0.0, (), False, (), {})
