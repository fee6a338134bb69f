"""Counting the n-grams of a fitted TF-IDF vectoriser, fast and exactly.

scikit-learn builds every n-gram of every text as a Python string and looks each one up
in a dict: on long comments that was over half the time Carelens spent reading. Here the
n-grams are packed into integers with NumPy and looked up in the vocabulary's sorted keys.
The counts are the same matrix `CountVectorizer.transform` returns (tests compare them on
real, demo and hostile text).

Packing is exact, not a hash: every character (or word) that occurs in the vocabulary gets
a small code (1 .. K), so an n-gram is its codes side by side in one 64-bit integer. One
the vocabulary never uses gets code 0, and no n-gram that holds one can be in the
vocabulary, so it is dropped.
"""

from __future__ import annotations

import weakref

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

# What str.split() splits on: every character whose isspace() is true (none above U+3000).
_WHITESPACE = np.array([c for c in range(0x3001) if chr(c).isspace()], dtype=np.uint32)
_SPACE = ord(" ")


class _PackedVocabulary:
    """A fitted vectoriser's vocabulary as sorted packed keys, and the n-gram lookup."""

    min_n: int
    max_n: int
    bits: int  # per packed character or word
    n_features: int
    keys: np.ndarray  # sorted packed n-grams (uint64)
    columns: np.ndarray  # the vectoriser's column of each key

    def _set_vocabulary(
        self, vocabulary: dict[str, int], codes: np.ndarray, lengths: np.ndarray
    ) -> None:
        """Packs each term (its `lengths[i]` codes, in order in `codes`) into a key."""
        if self.bits * self.max_n > 63:
            raise ValueError("vocabulary too large to pack its n-grams in 64 bits")
        self.n_features = len(vocabulary)
        keys = np.zeros(len(lengths), dtype=np.uint64)
        starts = np.cumsum(lengths) - lengths
        for k in range(int(lengths.max(initial=0))):
            has = lengths > k
            keys[has] = (keys[has] << np.uint64(self.bits)) | codes[starts[has] + k]
        columns = np.fromiter(vocabulary.values(), np.int64, len(vocabulary))
        order = np.argsort(keys)
        self.keys, self.columns = keys[order], columns[order]

    def _count(
        self, codes: np.ndarray, unit: np.ndarray, row_of_unit: np.ndarray, n_rows: int
    ) -> sparse.csr_matrix:
        """Returns the counts of the vocabulary's n-grams in a sequence of codes, each n-gram
        inside one unit (`unit[p]`, non-decreasing) and counted in that unit's row."""
        total = len(codes)
        rows, cols = [], []
        key = np.zeros(total, dtype=np.uint64)
        poisoned = np.zeros(total, dtype=bool)
        shift = np.uint64(self.bits)
        for n in range(1, self.max_n + 1):
            # key[p] becomes the n codes from p; positions past the end drop out.
            m = total - n + 1
            if m <= 0:
                break
            key = (key[:m] << shift) | codes[n - 1 : n - 1 + m]
            poisoned = poisoned[:m] | (codes[n - 1 : n - 1 + m] == 0)
            if n < self.min_n:
                continue
            at = np.flatnonzero((unit[:m] == unit[n - 1 : n - 1 + m]) & ~poisoned)
            found = np.minimum(np.searchsorted(self.keys, key[at]), len(self.keys) - 1)
            hit = self.keys[found] == key[at]
            rows.append(row_of_unit[unit[at[hit]]])
            cols.append(self.columns[found[hit]])
        row = np.concatenate(rows) if rows else np.zeros(0, np.int64)
        col = np.concatenate(cols) if cols else np.zeros(0, np.int64)
        counts = sparse.csr_matrix(
            (np.ones(len(row), dtype=np.float32), (row, col)), shape=(n_rows, self.n_features)
        )
        counts.sum_duplicates()
        return counts


class CharNgramCounter(_PackedVocabulary):
    """Counts a fitted `char_wb` vectoriser's n-grams in texts (its vocabulary, its columns)."""

    def __init__(self, vectoriser: TfidfVectorizer) -> None:
        plain = vectoriser.lowercase and not vectoriser.strip_accents
        if vectoriser.analyzer != "char_wb" or not plain or vectoriser.preprocessor:
            raise ValueError("only lower-cased char_wb n-grams are counted here")
        self.min_n, self.max_n = vectoriser.ngram_range
        vocabulary = vectoriser.vocabulary_
        alphabet = sorted({ord(ch) for gram in vocabulary for ch in gram})
        self.alphabet = np.array(alphabet, dtype=np.uint32)
        self.bits = max(1, len(alphabet).bit_length())
        points = np.fromiter((c for g in vocabulary for c in map(ord, g)), dtype=np.uint32)
        lengths = np.fromiter((len(g) for g in vocabulary), np.int64, len(vocabulary))
        self._set_vocabulary(vocabulary, self._codes(points), lengths)

    def _codes(self, points: np.ndarray) -> np.ndarray:
        """Returns the code (1..K) of each code point, 0 for one the vocabulary never uses."""
        where = np.searchsorted(self.alphabet, points)
        where = np.minimum(where, len(self.alphabet) - 1)
        known = self.alphabet[where] == points
        return np.where(known, where + 1, 0).astype(np.uint64)

    def transform(self, texts: list[str]) -> sparse.csr_matrix:
        """Returns the n-gram counts of each text (rows) in the vectoriser's columns."""
        lowered = [t.lower() for t in texts]
        lengths = np.fromiter((len(t) + 1 for t in lowered), np.int64, len(lowered))
        # One long array of code points; a line break after each text keeps words apart.
        points = np.frombuffer(
            ("\n".join(lowered) + "\n").encode("utf-32-le", "surrogatepass"), dtype=np.uint32
        )
        owner = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
        inside = ~np.isin(points, _WHITESPACE)
        # Each word is padded with one space on each side, as scikit-learn's char_wb does.
        edges = np.diff(np.concatenate([[0], inside.astype(np.int8), [0]]))
        starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
        word_of = np.cumsum(edges[:-1] == 1) - 1  # word index at each position inside
        keep = np.flatnonzero(inside)
        word_len = ends - starts + 2  # padded
        padded_start = np.cumsum(word_len) - word_len
        padded = np.full(int(word_len.sum()), _SPACE, dtype=np.uint32)
        word_id = np.repeat(np.arange(len(starts), dtype=np.int64), word_len)
        padded[padded_start[word_of[keep]] + 1 + (keep - starts[word_of[keep]])] = points[keep]
        return self._count(self._codes(padded), word_id, owner[starts], len(texts))


class WordNgramCounter(_PackedVocabulary):
    """Counts a fitted word vectoriser's 1..n-grams in texts (its vocabulary, its columns).

    Tokens come from the vectoriser's own preprocessor and tokeniser; only the n-grams are
    built and looked up in NumPy.
    """

    def __init__(self, vectoriser: TfidfVectorizer) -> None:
        self.min_n, self.max_n = vectoriser.ngram_range
        if vectoriser.analyzer != "word" or self.min_n != 1 or vectoriser.stop_words is not None:
            raise ValueError("only 1..n-grams without stop words are counted here")
        self.preprocess = vectoriser.build_preprocessor()
        self.tokenise = vectoriser.build_tokenizer()
        vocabulary = vectoriser.vocabulary_
        terms = [term.split(" ") for term in vocabulary]
        words = sorted({w for term in terms for w in term})
        self.word_code = {w: i + 1 for i, w in enumerate(words)}
        self.bits = max(1, len(words).bit_length())
        codes = np.fromiter((self.word_code[w] for t in terms for w in t), dtype=np.uint64)
        lengths = np.fromiter((len(t) for t in terms), np.int64, len(terms))
        self._set_vocabulary(vocabulary, codes, lengths)

    def transform(self, texts: list[str]) -> sparse.csr_matrix:
        """Returns the n-gram counts of each text (rows) in the vectoriser's columns."""
        tokens = [self.tokenise(self.preprocess(t)) for t in texts]
        lengths = np.fromiter((len(t) for t in tokens), np.int64, len(tokens))
        get = self.word_code.get
        codes = np.fromiter((get(w, 0) for ts in tokens for w in ts), np.uint64, int(lengths.sum()))
        owner = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
        return self._count(codes, owner, np.arange(len(texts), dtype=np.int64), len(texts))


Counter = CharNgramCounter | WordNgramCounter | None
# Per vectoriser: the vocabulary the counter was built from, and the counter (None when
# scikit-learn must count). A vectoriser fitted again gets a new vocabulary, and a new one.
_counters: weakref.WeakKeyDictionary[TfidfVectorizer, tuple[dict[str, int], Counter]] = (
    weakref.WeakKeyDictionary()
)


def ngram_counts(vectoriser: TfidfVectorizer, texts: list[str]) -> sparse.csr_matrix:
    """Returns `CountVectorizer.transform(vectoriser, texts)` as float32 for a fitted
    vectoriser: with NumPy for lower-cased `char_wb` and word 1..n-grams (the counter is
    built once per vectoriser), with scikit-learn for any other."""
    vocabulary, counter = _counters.get(vectoriser, (None, None))
    if vocabulary is not vectoriser.vocabulary_:
        kind = CharNgramCounter if vectoriser.analyzer == "char_wb" else WordNgramCounter
        try:
            counter = kind(vectoriser)
        except ValueError:
            counter = None
        _counters[vectoriser] = (vectoriser.vocabulary_, counter)
    if counter is None:
        return CountVectorizer.transform(vectoriser, texts).astype(np.float32)
    return counter.transform(texts)
