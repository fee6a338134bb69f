"""Sentiment: sentence splitting, the stacked second level, and the shipped model's reading
on the held-out split of the labelled feedback."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import f1_score

from sources import settings
from sources.text.reader import read_text, read_texts
from sources.text.sentiment import LABELS, split_sentences, stack_features, vader_compound
from sources.text.training.feedback import read_feedback, split_feedback

HAVE_DATA = (settings.feedback_data_dir() / "patient-feedback").is_dir()
needs_data = pytest.mark.skipif(not HAVE_DATA, reason="shared feedback data not present")


def test_sentences_split_at_stops_lines_and_turns() -> None:
    sentences, owner = split_sentences(
        ["Great staff. The food was cold!", "Kind nurses but a long wait", "Fine", ""]
    )
    assert sentences == [
        "Great staff.",
        "The food was cold!",
        "Kind nurses",
        "but a long wait",
        "Fine",
        "",
    ]
    assert owner.tolist() == [0, 0, 1, 1, 2, 3]


def test_second_level_sees_the_worst_and_best_sentence() -> None:
    doc = np.array([[0.2, 0.2, 0.6], [0.1, 0.1, 0.8]])
    sent = np.array([[0.9, 0.05, 0.05], [0.0, 0.1, 0.9], [0.1, 0.1, 0.8]])
    owner = np.array([0, 0, 1])
    features = stack_features(doc, np.zeros((2, 2)), sent, np.zeros((3, 2)), np.zeros(2), owner)
    assert features.shape[0] == 2
    assert features[0, 5] == pytest.approx(0.9)  # most negative sentence of text 0
    assert features[0, 6] == pytest.approx(0.9)  # most positive sentence of text 0
    assert features[1, 5] == pytest.approx(0.1)


def test_clear_praise_and_clear_complaint() -> None:
    praise, complaint = read_texts(
        [
            "The carers are kind, patient and always smiling. Mum is so happy here.",
            "Rude receptionist, waited three hours and nobody told us anything. Disgraceful.",
        ]
    )
    assert praise.sentiment == "positive" and praise.sentiment_score > 0.3
    assert complaint.sentiment == "negative" and complaint.sentiment_score < -0.3


def test_one_complaint_inside_praise_is_not_lost() -> None:
    praise = "The staff are lovely and caring. The garden is beautiful. Activities every day."
    mixed = praise + " But my dad's medication was missed twice this week and nobody apologised."
    a, b = read_texts([praise, mixed])
    assert b.sentiment_score < a.sentiment_score - 0.3
    assert b.evidence["medicines"].startswith("But my dad's medication was missed")


def test_scores_are_in_range_and_agree_with_labels() -> None:
    readings = read_texts(
        ["Brilliant.", "Terrible.", "It was ok I suppose", "Nothing to add", "x" * 3000]
    )
    for r in readings:
        assert -1.0 <= r.sentiment_score <= 1.0
        assert r.sentiment in LABELS
    assert readings[0].sentiment_score > readings[1].sentiment_score


def test_vader_baseline_reads_its_lexicon() -> None:
    good, bad = vader_compound(["Very good and kind", "Awful and rude"])
    assert good > 0.05 > -0.05 > bad


@needs_data
def test_the_split_is_fixed_and_disjoint() -> None:
    first, _ = read_feedback(settings.feedback_data_dir())
    train, test = split_feedback(first)
    again_train, again_test = split_feedback(first)
    assert test["id"].tolist() == again_test["id"].tolist()
    assert not set(train["id"]) & set(test["id"])
    assert len(test) == pytest.approx(0.2 * len(first), abs=2)
    shares = test["sentiment"].value_counts(normalize=True)
    assert shares["neutral"] == pytest.approx(
        first["sentiment"].value_counts(normalize=True)["neutral"], abs=0.01
    )
    # Another seed (bench/sentiment.py's) draws another split of the same size and mix.
    _, other = split_feedback(first, seed=1)
    assert len(other) == len(test) and set(other["id"]) != set(test["id"])
    assert other["sentiment"].value_counts().to_dict() == test["sentiment"].value_counts().to_dict()


@needs_data
def test_shipped_model_beats_vader_on_the_held_out_split() -> None:
    first, _ = read_feedback(settings.feedback_data_dir())
    _, test = split_feedback(first)
    ours = [r.sentiment for r in read_texts(test["text"].tolist())]
    compound = vader_compound(test["text"].tolist())
    vader = np.where(
        compound >= 0.05, "positive", np.where(compound <= -0.05, "negative", "neutral")
    )
    ours_f1 = f1_score(test["sentiment"], ours, average="macro")
    assert ours_f1 >= 0.66
    assert ours_f1 > f1_score(test["sentiment"], vader, average="macro") + 0.1


def test_single_and_batch_reading_agree() -> None:
    texts = ["Staff were rude.", "Lovely home, kind staff. Food could be better."]
    assert read_texts(texts) == [read_text(t) for t in texts]
