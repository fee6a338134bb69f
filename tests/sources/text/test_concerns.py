"""Serious concerns: the phrase rules on a hand-written set of abuse, neglect, injury, death
and fear sentences, with their negations and look-alikes (concern_cases.csv), and the
reader, whose detector the rules only explain (bench/concerns.py measures it on a set
written apart from both)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from sources.text.concerns import find_concerns, might_concern
from sources.text.reader import read_text, read_texts

CASES = list(csv.DictReader((Path(__file__).parent / "concern_cases.csv").open()))
SERIOUS = [c for c in CASES if c["serious"] == "1"]
HARMLESS = [c for c in CASES if c["serious"] == "0"]


def test_the_set_is_large_and_covers_every_kind() -> None:
    assert len(CASES) >= 40
    kinds = {c["kind"] for c in SERIOUS}
    assert kinds == {"abuse", "neglect", "injury", "death", "fear"}
    assert {"negation", "lookalike"} <= {c["kind"] for c in HARMLESS}


@pytest.mark.parametrize("case", SERIOUS, ids=lambda c: c["text"][:40])
def test_every_serious_sentence_is_flagged_with_its_kind(case: dict[str, str]) -> None:
    found = find_concerns(case["text"])
    assert case["kind"] in {f.kind for f in found}
    assert might_concern(case["text"])


@pytest.mark.parametrize("case", HARMLESS, ids=lambda c: c["text"][:40])
def test_negations_and_look_alikes_are_not_flagged(case: dict[str, str]) -> None:
    assert find_concerns(case["text"]) == []


def test_reading_flags_the_serious_cases_and_shows_the_rules_words() -> None:
    readings = read_texts([c["text"] for c in CASES])
    serious = [r for r, c in zip(readings, CASES, strict=True) if c["serious"] == "1"]
    harmless = [r for r, c in zip(readings, CASES, strict=True) if c["serious"] == "0"]
    # These terse sentences were written beside the rules; the detector, which never saw
    # them, finds 31 of 39 and raises 2 of the 17 harmless ones, one an idiom ("died
    # laughing"; the detector before stop 28 raised 1). bench/concerns.py measures it on a
    # set written apart; more than this here would be a step back.
    assert sum(r.serious for r in serious) >= 0.75 * len(serious)
    assert sum(r.serious for r in harmless) <= 2
    # Where a rule matched inside a flagged text, its words are the reason shown.
    flagged = [r for r in serious if r.serious]
    assert sum(bool(r.serious_terms) for r in flagged) >= 0.9 * len(flagged)
    assert all(not r.serious_terms for r in readings if not r.serious)


def test_the_trigger_words_are_the_words_as_written() -> None:
    reading = read_text("A carer SLAPPED my mother when she would not eat.")
    assert reading.serious_terms == ("slapped",)
    assert "abuse_neglect" in reading.themes and "safe" in reading.themes
    assert "SLAPPED" in reading.evidence["abuse_neglect"]


def test_a_concern_inside_praise_is_flagged_whatever_the_sentiment() -> None:
    text = (
        "The home is beautiful and the food is excellent, the activities are wonderful. "
        "My dad has bruises on his arms nobody can explain. Otherwise lovely staff."
    )
    reading = read_text(text)
    assert reading.serious
    assert "bruises" in reading.serious_terms
    assert reading.evidence["safe"].startswith("My dad has bruises")


def test_a_negated_concern_is_not_a_theme_either() -> None:
    reading = read_text("I have no concerns about abuse or neglect at this home.")
    assert not reading.serious
    assert "abuse_neglect" not in reading.themes


def test_negation_only_reaches_the_words_right_before_the_trigger() -> None:
    assert find_concerns("They did not stop him hitting her.")
    assert not find_concerns("They never hit him.")
    assert find_concerns("He was not fed all day.")  # the negation is the neglect
