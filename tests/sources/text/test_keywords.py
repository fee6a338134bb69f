"""Keyword scans: RE2 where it agrees with `re`, `re` elsewhere, and `re`'s answer always."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sources import settings as carelens_settings
from sources.text import concerns, themes
from sources.text.keywords import KeywordPattern, prepare, without_lookarounds
from sources.text.sentiment import split_sentences
from tests.sources.demo.corpora import demo_texts

HOSTILE = Path(__file__).resolve().parents[2] / "data" / "hostile_texts.csv"
FEEDBACK = carelens_settings.feedback_data_dir() / "patient-feedback" / "fft_themes_sentiment.csv"
# Keyword pieces beside the characters on which the engines disagree: accents and other
# letters outside ASCII (word characters for `re`, not for RE2), and the ASCII controls
# Python counts as spaces (vertical tab, \x1c-\x1f) but RE2 does not.
PIECES = ["meals", "short staffed", "abuse", "hit me", "dead", "left", "in urine", "é", "ß"]
PIECES += ["\x0b", "\x1c", "\x1f", "\u00a0", "\u2003", " ", "\t", ".", "ﬁ", "İ", "\ud800"]


def by_sentence(rule: re.Pattern[str], sentences: list[str]) -> np.ndarray:
    """The indexes of the sentences where `re` finds the pattern, one sentence at a time."""
    return np.array(
        [i for i, s in enumerate(sentences) if rule.search(s.lower().replace("\0", " "))],
        dtype=np.int64,
    )


def corpus() -> list[str]:
    texts = demo_texts(300, seed=5)
    texts += pd.read_csv(HOSTILE)["text"].fillna("").astype(str).tolist()
    if FEEDBACK.is_file():
        texts += pd.read_csv(FEEDBACK)["text"].dropna().astype(str).head(2000).tolist()
    return split_sentences(texts)[0]


@pytest.fixture(scope="module")
def sentences() -> list[str]:
    return corpus()


def test_most_sentences_go_to_re2_and_the_odd_ones_to_re() -> None:
    batch = prepare(["Plain words.", "Café au lait", "tab\there", "vertical\x0btab", "x\x1cy"])
    assert batch.plain.index.tolist() == [0, 2]
    assert batch.other.index.tolist() == [1, 3, 4]
    assert KeywordPattern(r"\bcaf").fast is not None


@pytest.mark.parametrize("theme", themes.THEMES)
def test_each_theme_scan_gives_re_answer_sentence_by_sentence(
    theme: str, sentences: list[str]
) -> None:
    rule = themes._LEXICON[theme]
    assert rule.fast is not None  # the lexicon has no lookarounds: RE2 takes it whole
    expected = by_sentence(rule.rule, sentences)
    assert rule.sentences(prepare(sentences)).tolist() == expected.tolist()


def test_concern_screen_passes_every_sentence_a_rule_matches(sentences: list[str]) -> None:
    cases = pd.read_csv(Path(__file__).parent / "concern_cases.csv")["text"].tolist()
    everything = sentences + cases
    screened = set(concerns.sentences_to_check(prepare(everything)).tolist())
    flagged = {i for i, s in enumerate(everything) if concerns.find_concerns(s)}
    assert flagged and flagged <= screened
    # Without its lookarounds the screen passes "kicked off" on to the rules, which drop it.
    kicked = ["The residents kicked off about the food"]
    assert concerns.sentences_to_check(prepare(kicked)).tolist() == [0]
    assert concerns.find_concerns(kicked[0]) == []


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(st.sampled_from(PIECES), max_size=8).map("".join), max_size=12))
def test_scans_agree_with_re_on_made_up_text(texts: list[str]) -> None:
    batch = prepare(texts)
    for rule in (themes._LEXICON["food_drink"], themes._LEXICON["staffing"]):
        assert rule.sentences(batch).tolist() == by_sentence(rule.rule, texts).tolist()
    expected = set(by_sentence(concerns._SCREEN.rule, texts).tolist())
    assert expected <= set(concerns.sentences_to_check(batch).tolist())


def test_letters_outside_ascii_keep_re_word_starts() -> None:
    # For `re` the é is a letter, so "émeals" holds no word "meals"; RE2 alone would say it does.
    rule = themes._LEXICON["food_drink"]
    texts = ["émeals", "é meals", "meals"]
    assert rule.sentences(prepare(texts)).tolist() == [1, 2]
    assert themes.lexicon_themes("émeals") == []


def test_a_pattern_re2_cannot_read_is_scanned_by_re() -> None:
    rule = KeywordPattern(r"\bdead\b(?!\s+good)")
    assert rule.fast is None
    assert rule.sentences(prepare(["dead good", "he is dead", "dead"])).tolist() == [1, 2]


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        (r"dead\b(?!\s+(?:good|nice))", r"dead\b"),
        (r"(?<!laughing\s)died\b(?!\s+of)", r"died\b"),
        (r"a\(?!b\)c", r"a\(?!b\)c"),  # escaped brackets open no group
        (r"x(?![)(])y", r"xy"),  # brackets inside a class neither open nor close
        (r"(?:a|b)(?=c)", r"(?:a|b)"),
    ],
)
def test_without_lookarounds(pattern: str, expected: str) -> None:
    assert without_lookarounds(pattern) == expected


def test_unbalanced_lookaround_is_an_error() -> None:
    with pytest.raises(ValueError, match="unbalanced"):
        without_lookarounds("a(?!b")
