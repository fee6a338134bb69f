"""The NumPy n-gram counters give exactly scikit-learn's counts, on any text."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

from sources import settings as carelens_settings
from sources.text.ngrams import CharNgramCounter, WordNgramCounter, ngram_counts
from sources.text.sentiment import make_features, split_sentences
from tests.sources.demo.corpora import demo_texts

HOSTILE = Path(__file__).resolve().parents[2] / "data" / "hostile_texts.csv"
FEEDBACK = carelens_settings.feedback_data_dir() / "patient-feedback" / "fft_themes_sentiment.csv"

# Words and letters the vectorisers will know, with the odd characters people paste:
# accents, ligatures, Greek, Turkish dotted I (lower-cased to two characters), emoji, every
# kind of space and line break, lone surrogates from a badly decoded file.
ODD = "ÉéßİıΣσςﬁ😀\u00a0\u2003\u3000\u1680\x1c\x85\t\r\n \ud800'-.,!?<>=&"
WORDS = "the staff were kind rude never came night care home food cold caf\u0301e".split()


@pytest.fixture(scope="module")
def fitted() -> list[TfidfVectorizer]:
    """The product's word and character vectorisers, fitted on demo comments and odd text."""
    corpus = demo_texts(400) + [" ".join(WORDS) + " " + ODD] * 2
    features = make_features().fit(corpus)
    return [vectoriser for _, vectoriser in features.transformer_list]


def assert_same_counts(vectoriser: TfidfVectorizer, texts: list[str]) -> None:
    expected = CountVectorizer.transform(vectoriser, texts).astype(np.float32)
    got = ngram_counts(vectoriser, texts)
    assert got.shape == expected.shape
    assert got.dtype == np.float32
    assert (got != expected).nnz == 0


def test_counts_match_scikit_learn_on_demo_comments_and_their_sentences(fitted) -> None:
    texts = demo_texts(300, seed=9)
    for vectoriser in fitted:
        assert_same_counts(vectoriser, texts)
        assert_same_counts(vectoriser, split_sentences(texts)[0])


def test_counts_match_scikit_learn_on_hostile_text(fitted) -> None:
    texts = pd.read_csv(HOSTILE, keep_default_na=False)["text"].tolist()
    for vectoriser in fitted:
        assert_same_counts(vectoriser, [*texts, "", " ", "\n\n", "a", ODD, ODD.upper()])


@pytest.mark.skipif(not FEEDBACK.is_file(), reason="shared feedback data not present")
def test_counts_match_scikit_learn_on_real_feedback(fitted) -> None:
    texts = pd.read_csv(FEEDBACK)["text"].dropna().astype(str).head(1500).tolist()
    for vectoriser in fitted:
        assert_same_counts(vectoriser, texts)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.lists(st.one_of(st.sampled_from(WORDS), st.text(alphabet=ODD + "abcé", max_size=6))).map(
            " ".join
        ),
        max_size=6,
    )
)
def test_counts_match_scikit_learn_on_any_text(fitted, texts: list[str]) -> None:
    for vectoriser in fitted:
        assert_same_counts(vectoriser, texts)


@pytest.mark.parametrize(
    "vectoriser",
    [
        TfidfVectorizer(ngram_range=(2, 3)),
        TfidfVectorizer(stop_words=["the"]),
        TfidfVectorizer(analyzer="char_wb", lowercase=False),
        TfidfVectorizer(analyzer="char_wb", strip_accents="unicode"),
        TfidfVectorizer(analyzer="char", ngram_range=(2, 4)),
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 12)),
    ],
)
def test_what_the_counters_cannot_count_exactly_goes_to_scikit_learn(vectoriser) -> None:
    texts = ["The Staff were KIND, the café", "".join(chr(0x4E00 + i) for i in range(300))]
    vectoriser.fit(texts)
    counter = CharNgramCounter if vectoriser.analyzer == "char_wb" else WordNgramCounter
    with pytest.raises(ValueError):
        counter(vectoriser)
    assert_same_counts(vectoriser, [*texts, "the STAFF"])


def test_a_vectoriser_fitted_again_is_counted_with_its_new_vocabulary() -> None:
    vectoriser = make_features().transformer_list[1][1]
    vectoriser.fit(["kind staff", "kind nurses"])
    assert_same_counts(vectoriser, ["kind staff were kind"])
    vectoriser.fit(["rude manager", "cold food", "rude staff"])
    assert_same_counts(vectoriser, ["rude manager, cold food"])
