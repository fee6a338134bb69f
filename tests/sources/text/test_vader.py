"""sources.text.vader gives exactly the vaderSentiment package's compound score."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from sources import settings as carelens_settings
from sources.text import vader
from tests.sources.demo.corpora import demo_texts

HOSTILE = Path(__file__).resolve().parents[2] / "data" / "hostile_texts.csv"
DATA = carelens_settings.feedback_data_dir() / "patient-feedback"
PACKAGE = SentimentIntensityAnalyzer()

# Words that set off each of VADER's rules: boosters (one and two words), negations (with
# and without apostrophes), "no", "least", "but", "kind of", idioms and special cases,
# capitals, emphasis marks, emoticons and emojis.
RULE_WORDS = (
    "good bad great terrible not isn't never so this without doubt no or nor least at very "
    "but kind of sort extremely barely VERY GOOD the shit bomb to die for kiss of death "
    "yeah right cut the mustard ! ? :) :( 😀 😡 💔 lol LOL care staff rude kind helpful"
).split()


def package(text: str) -> float:
    return PACKAGE.polarity_scores(text)["compound"]


def test_same_as_the_package_on_rule_cases() -> None:
    cases = [
        "The staff were not very kind, but the food was great!!!",
        "Never so happy. Without doubt the best. No rude staff or bad food.",
        "At least they came. The least helpful place. Very least.",
        "It was kind of good, sort of bad. The food is the shit, to die for.",
        "GREAT staff, awful manager :( 😀😡",
        "",
        "   ",
        "no",
        "I don't like it and they weren't helpful?? Really??",
    ]
    for text in cases:
        assert vader.compound(text) == package(text), text


def test_same_as_the_package_on_every_text_we_hold() -> None:
    texts = demo_texts(500, seed=7)
    texts += pd.read_csv(HOSTILE)["text"].fillna("").astype(str).tolist()
    for name in ("fft_themes_sentiment.csv", "fft_categories_criticality.csv"):
        if (DATA / name).is_file():
            frame = pd.read_csv(DATA / name)
            column = "text" if "text" in frame else frame.columns[0]
            texts += frame[column].dropna().astype(str).tolist()
    if len(texts) < 5000:
        pytest.skip("the shared feedback data is not on this machine")
    differ = [t for t in texts if vader.compound(t) != package(t)]
    assert differ == []


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(RULE_WORDS), max_size=14).map(" ".join))
def test_same_as_the_package_on_made_up_text(text: str) -> None:
    assert vader.compound(text) == package(text)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_same_as_the_package_on_any_characters(text: str) -> None:
    assert vader.compound(text) == package(text)
