"""Serious concerns in people's words: a learned detector, the phrase rules a second voice.

Two stages, so that a national inbox reads at thousands of comments a second:

1. the **screen**, a scikit-learn Pipeline (word n-grams and MiniLM's static sentence
   embedding, `sources.text.embedding`, into a logistic regression), passes every passage
   that might describe harm; its threshold is set for near-total recall;
2. the **judge**, all-MiniLM-L6-v2 fine-tuned on sentences of harm and their look-alikes
   (negations, resolved past events, care done well, expected deaths, idioms), reads what
   the screen passed, in context, and says whether it is a serious concern;
3. the **kinds**, a second Pipeline on the screen's features fitted on serious passages
   only, names which kinds (CONCERN_KINDS) a flagged passage describes.

The phrase rules (`sources.text.concerns`) never decide alone: a passage a rule matches
always reaches the judge, and the words a rule matched are shown as the reason.

A passage is two sentences side by side, so that "She fell at home. That is why she moved
here." is read as one thought.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import joblib
import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from sources import settings
from sources.contract import CONCERN_KINDS
from sources.text.concerns import Concern, find_concerns, sentences_to_check
from sources.text.embedding import load_embedding
from sources.text.judge import Judge, load_judge
from sources.text.keywords import prepare

DETECTOR_VERSION = "carelens-concerns-4"  # 4: retrained on 640 more sentences
KINDS: tuple[str, ...] = tuple(CONCERN_KINDS)  # the kind classifier's classes, in order
KIND_SHARE = 0.5  # a second kind is named when it is at least this share of the first's
MAX_KINDS = 3
MEMO_SIZE = 200_000  # passages whose reading is kept (about 50 MB at most)


class StaticMeaning(BaseEstimator, TransformerMixin):
    """Sentence vectors from the shipped static embedding, as a Pipeline step (stateless:
    the matrix is read from its file, never pickled with the pipeline)."""

    def fit(self, texts: Sequence[str], y: object = None) -> StaticMeaning:
        return self

    def transform(self, texts: Sequence[str]) -> np.ndarray:
        return load_embedding().encode(list(texts))


@dataclass(frozen=True)
class ConcernFlag:
    """A passage read as a serious concern."""

    text_index: int  # which of the texts read
    sentence: str  # the sentence that carries it (the screen's likeliest in the passage)
    kinds: tuple[str, ...]  # KINDS, likeliest first
    confidence: float  # 0..1: the judge's probability that it is a serious concern
    terms: tuple[str, ...]  # words a phrase rule matched there, if any


@dataclass
class DetectorFiles:
    """What `train-concerns` writes beside the judge's weights (concern_model.joblib)."""

    screen: Any  # Pipeline: texts -> P(serious)
    kinds: Any  # Pipeline: serious texts -> P(kind), classes in KINDS' order
    screen_threshold: float
    threshold: float  # on the judge's P(serious)
    version: str = DETECTOR_VERSION
    trained_on: dict[str, int] | None = None


class ConcernDetector:
    """Finds the serious concerns in texts (see the module docstring)."""

    def __init__(self, files: DetectorFiles, judge: Judge) -> None:
        self.files = files
        self.judge = judge
        # The same words recur (copies across channels, stock phrases, the demo's
        # templates): each distinct passage is read by the judge once.
        self._memo: dict[str, float] = {}

    def forget(self) -> None:
        """Drops the passages judged so far (a benchmark reads cold)."""
        self._memo.clear()

    def _judged(self, passages: list[str]) -> np.ndarray:
        """The judge's probability that each passage is a serious concern."""
        new = list(dict.fromkeys(p for p in passages if p not in self._memo))
        if new:
            if len(self._memo) + len(new) > MEMO_SIZE:
                self._memo.clear()
            self._memo.update(zip(new, self.judge.proba(new).tolist(), strict=True))
        return np.array([self._memo[p] for p in passages])

    def detect(self, sentences: Sequence[str], owner: np.ndarray) -> list[ConcernFlag]:
        """Returns the flags in texts given as their sentences; `owner[j]` is the text
        sentence j belongs to (sorted). At most one flag per carrying sentence."""
        if not len(sentences):
            return []
        passages, members = passages_of(sentences, owner)
        screen = self.files.screen.predict_proba(passages)[:, 1]
        # The rules' own fast screen first: most sentences cannot match any phrase.
        terms: dict[int, list[Concern]] = {
            int(j): find_concerns(sentences[j]) for j in sentences_to_check(prepare(sentences))
        }
        candidates = [
            k
            for k, idx in enumerate(members)
            if screen[k] >= self.files.screen_threshold or any(terms.get(j) for j in idx)
        ]
        if not candidates:
            return []
        serious = self._judged([passages[k] for k in candidates])
        chosen = [(k, float(p)) for k, p in zip(candidates, serious, strict=True)]
        chosen = [(k, p) for k, p in chosen if p >= self.files.threshold]
        if not chosen:
            return []
        kinds_proba = self.files.kinds.predict_proba([passages[k] for k, _ in chosen])
        # The sentence shown is the one a rule matched, else the likelier of the two.
        shown = sorted({j for k, _ in chosen for j in members[k]})
        alone = dict(
            zip(
                shown,
                self.files.screen.predict_proba([sentences[j] for j in shown])[:, 1],
                strict=True,
            )
        )
        flags: list[ConcernFlag] = []
        seen: set[tuple[int, int]] = set()
        for (k, confidence), p in zip(chosen, kinds_proba, strict=True):
            idx = members[k]
            carrier = max(idx, key=lambda j: (bool(terms.get(j)), alone[j]))
            if (int(owner[carrier]), carrier) in seen:
                continue
            seen.add((int(owner[carrier]), carrier))
            order = np.argsort(-p)
            named = [
                KINDS[int(self.files.kinds.classes_[i])]
                for i in order[:MAX_KINDS]
                if p[i] >= KIND_SHARE * p[order[0]]
            ]
            flags.append(
                ConcernFlag(
                    text_index=int(owner[carrier]),
                    sentence=sentences[carrier],
                    kinds=tuple(named),
                    confidence=round(confidence, 4),
                    terms=tuple(dict.fromkeys(t.term for j in idx for t in terms.get(j, ()))),
                )
            )
        return flags


def passages_of(sentences: Sequence[str], owner: np.ndarray) -> tuple[list[str], list[list[int]]]:
    """Returns the passages the judge reads and the sentence indexes in each: each sentence
    with the next one of the same text (a text of one sentence alone), so that context
    carries ("She fell at home. That is why she moved here.") but praise around a concern
    does not drown it."""
    passages: list[str] = []
    members: list[list[int]] = []
    bounds = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1], True])
    for a, b in zip(bounds[:-1], bounds[1:], strict=True):
        own = list(range(int(a), int(b)))
        for i in range(max(1, len(own) - 1)):
            pair = own[i : i + 2]
            passages.append(" ".join(sentences[m] for m in pair))
            members.append(pair)
    return passages, members


_loaded: ConcernDetector | None = None
_lock = threading.Lock()


def load_detector() -> ConcernDetector:
    """Returns the shipped detector (read once per process); a missing or stale file is
    an error naming the command that writes it."""
    global _loaded
    with _lock:
        if _loaded is None:
            path = settings.concern_model_path()
            files = joblib.load(path) if path.is_file() else None
            if not isinstance(files, DetectorFiles) or files.version != DETECTOR_VERSION:
                raise RuntimeError(
                    f"{path}: no usable serious-concern detector "
                    "(python -m sources train-concerns writes it)"
                )
            _loaded = ConcernDetector(files, load_judge(path.with_suffix(".onnx")))
        return _loaded
