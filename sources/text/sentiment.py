"""Sentiment pieces: sentence splitting, the shared TF-IDF features, and the stacked reading.

The reading is stacked in two levels. Level one are plain linear models on TF-IDF word and
character n-grams: a 3-class logistic regression, a ridge on the labeller's 1..5 scale, and
a ridge on the second file's -4..+4 criticality (extra signal from 7,700 more comments).
They read the whole text and each of its sentences; level two (a small logistic regression)
sees the whole-text reading beside the most negative and most positive sentence, plus VADER
as a lexicon prior, so one complaint inside praise is not averaged away and a "mixed"
comment (the hard neutral class) shows as strong sentences pulling both ways.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion
from sklearn.preprocessing import normalize

from sources.text import vader
from sources.text.ngrams import ngram_counts

LABELS = ("negative", "neutral", "positive")
WORST_SENTENCE = 5  # column of stack_features: the most negative sentence's P(negative)

# Sentence ends, line breaks and the turn words that join praise to complaint.
_SPLIT = re.compile(
    r"(?<=[.!?;])\s+|\s*\n+\s*|,?\s+(?=\b(?:but|however|although|though|except)\b)", re.I
)


def split_sentences(texts: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """Returns (sentences, owner): every sentence of every text and the text index it came from.

    A text with no sentence break is its own single sentence, so every text owns at least one.
    """
    sentences: list[str] = []
    owner: list[int] = []
    for i, text in enumerate(texts):
        parts = [p.strip() for p in _SPLIT.split(text) if p and len(p.strip()) > 1]
        if not parts:
            parts = [text]
        sentences.extend(parts)
        owner.extend([i] * len(parts))
    return sentences, np.asarray(owner, dtype=np.int64)


def make_features(max_word: int = 30000, max_char: int = 60000) -> FeatureUnion:
    """Returns the unfitted TF-IDF features: word 1-2-grams and character 2-5-grams."""
    return FeatureUnion(
        [
            (
                "word",
                TfidfVectorizer(
                    ngram_range=(1, 2),
                    min_df=2,
                    sublinear_tf=True,
                    max_features=max_word,
                    dtype=np.float32,
                ),
            ),
            (
                "char",
                TfidfVectorizer(
                    analyzer="char_wb",
                    ngram_range=(2, 5),
                    min_df=2,
                    sublinear_tf=True,
                    max_features=max_char,
                    dtype=np.float32,
                ),
            ),
        ]
    )


def vader_compound(texts: Sequence[str]) -> np.ndarray:
    """Returns VADER's compound score (-1..1) for each text."""
    return np.fromiter((vader.compound(t) for t in texts), float, len(texts))


def _per_owner(values: np.ndarray, owner: np.ndarray, n: int, how: str) -> np.ndarray:
    """Returns the max or min of `values` over each owner's rows."""
    if how == "max":
        out = np.full(n, -np.inf)
        np.maximum.at(out, owner, values)
    else:
        out = np.full(n, np.inf)
        np.minimum.at(out, owner, values)
    return out


def stack_features(
    doc_proba: np.ndarray,
    doc_reg: np.ndarray,
    sent_proba: np.ndarray,
    sent_reg: np.ndarray,
    doc_vader: np.ndarray,
    owner: np.ndarray,
) -> np.ndarray:
    """Returns the level-two features of each text (one row per text).

    doc_proba: (n, 3) class probabilities of the whole text; doc_reg: (n, k) regressions;
    the sent_* arrays hold the same per sentence, with `owner` naming each sentence's text;
    doc_vader: VADER's compound score of each whole text.
    """
    n = len(doc_proba)
    counts = np.bincount(owner, minlength=n)
    columns = [
        doc_proba,
        doc_reg,
        _per_owner(sent_proba[:, 0], owner, n, "max")[:, None],
        _per_owner(sent_proba[:, 2], owner, n, "max")[:, None],
    ]
    for k in range(sent_reg.shape[1]):
        columns.append(_per_owner(sent_reg[:, k], owner, n, "min")[:, None])
        columns.append(_per_owner(sent_reg[:, k], owner, n, "max")[:, None])
    # VADER on the whole text only: per sentence it doubled the cost of reading (pure
    # Python) for no measurable gain on the held-out split.
    columns += [np.log1p(counts)[:, None], doc_vader[:, None]]
    return np.hstack(columns)


def sentence_and_text_features(
    features: FeatureUnion, sentences: Sequence[str], owner: np.ndarray, n: int
) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
    """Returns (TF-IDF of each sentence, TF-IDF of each whole text) with one tokenising pass.

    Each sentence is counted once; a text's counts are the sum of its sentences' counts
    (the same n-grams, bar word pairs across a sentence break), weighted exactly as the
    fitted vectorisers weight them. This halves the work on long texts.
    """
    to_text = sparse.csr_matrix(
        (np.ones(len(owner), dtype=np.float32), (owner, np.arange(len(owner)))),
        shape=(n, len(owner)),
    )
    sentence_blocks, text_blocks = [], []
    for _, vectoriser in features.transformer_list:
        counts = ngram_counts(vectoriser, list(sentences))
        sentence_blocks.append(_weigh(counts, vectoriser))
        text_blocks.append(_weigh((to_text @ counts).tocsr(), vectoriser))
    return sparse.hstack(sentence_blocks).tocsr(), sparse.hstack(text_blocks).tocsr()


def _weigh(counts: sparse.csr_matrix, vectoriser: TfidfVectorizer) -> sparse.csr_matrix:
    """Returns counts weighted as the fitted vectoriser does: 1 + log(tf), idf, unit rows."""
    weighted = counts.copy()
    weighted.data = 1.0 + np.log(weighted.data)
    weighted = (weighted @ sparse.diags(vectoriser.idf_.astype(np.float32))).tocsr()
    return normalize(weighted, norm="l2", copy=False)


def with_soft_labels(
    x: sparse.csr_matrix,
    y: np.ndarray,
    x_soft: sparse.csr_matrix,
    p_soft: np.ndarray,
    weight: float,
) -> tuple[sparse.csr_matrix, np.ndarray, np.ndarray | None]:
    """Returns (rows, labels, sample weights) to fit a classifier on hard labels and on soft
    ones: each soft row once per class, weighted by its probability times `weight`, which
    makes the log-loss the cross-entropy against the soft label."""
    if x_soft.shape[0] == 0:
        return x, y, None
    k = p_soft.shape[1]
    stacked = sparse.vstack([x] + [x_soft] * k).tocsr()
    labels = np.concatenate([y] + [np.full(x_soft.shape[0], c, dtype=y.dtype) for c in range(k)])
    weights = np.concatenate([np.ones(len(y))] + [weight * p_soft[:, c] for c in range(k)])
    return stacked, labels, weights


def rows(matrix: sparse.spmatrix, index: np.ndarray) -> sparse.csr_matrix:
    """Returns the given rows of a sparse matrix in CSR form."""
    return sparse.csr_matrix(matrix)[index]
