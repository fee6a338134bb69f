"""The serious-concern detector: passages, kinds, bad input, and its training command."""

from __future__ import annotations

import argparse
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest

from sources import settings
from sources.text.detector import (
    KINDS,
    ConcernDetector,
    DetectorFiles,
    load_detector,
    passages_of,
)
from sources.text.judge import load_judge
from sources.text.reader import read_text, read_texts
from sources.text.sentiment import split_sentences
from sources.text.training import detector as concern_training

HAVE_DATA = (settings.feedback_data_dir() / "patient-feedback").is_dir()


def test_each_sentence_is_read_with_the_next_one_of_its_text() -> None:
    texts = ["She fell at home. That is why she moved here.", "One.", "A. B. C."]
    sentences, owner = split_sentences(texts)
    passages, members = passages_of(sentences, owner)
    assert passages[0] == texts[0] and members[0] == [0, 1]
    assert passages[1] == "One." and members[1] == [2]
    assert [len(m) for m in members[2:]] == [2, 2]
    assert all(owner[m[0]] == owner[m[-1]] == 2 for m in members[2:])


def test_harm_is_flagged_with_its_kind_confidence_and_sentence() -> None:
    reading = read_text("The staff are lovely. But a carer slapped my mother across the face.")
    assert reading.serious
    assert reading.concern_kinds[0] == "physical"
    assert 0.5 <= reading.concern_confidence <= 1
    assert "slapped" in reading.concern_sentence
    assert reading.sentiment == "negative" and reading.sentiment_score < 0


@pytest.mark.parametrize(
    "text",
    [
        "There are no concerns about abuse at this home whatsoever.",
        "The traffic on the way there was murder.",
        "Mum passed away peacefully last week with all of us around her, the care was wonderful.",
    ],
)
def test_negation_idiom_and_a_peaceful_death_are_not_serious(text: str) -> None:
    assert not read_text(text).serious


@pytest.mark.parametrize(
    "text",
    ["", "   ", "🙂🙂👍🏼🎉", "Dziękuję bardzo za wspaniałą opiekę nad moją mamą.", "x" * 100_000],
)
def test_bad_input_gets_a_defined_answer(text: str) -> None:
    (reading,) = read_texts([text])
    assert reading.sentiment in {"negative", "neutral", "positive"}
    assert 0 <= reading.concern_confidence <= 1
    if not text.strip():
        assert not reading.serious and reading.concern_kinds == ()


def test_a_long_comment_is_read_and_its_concern_found() -> None:
    filler = "The garden is pleasant and the lounge is bright. " * 2000  # about 100 KB
    (reading,) = read_texts([filler + "Last night a carer hit my father in his room."])
    assert reading.serious and "hit" in reading.concern_sentence


def test_a_missing_detector_file_names_the_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sources.text import detector

    monkeypatch.setattr(detector, "_loaded", None)
    monkeypatch.setattr(settings, "concern_model_path", lambda: tmp_path / "none.joblib")
    with pytest.raises(RuntimeError, match="train-concerns"):
        load_detector()


@pytest.mark.skipif(not HAVE_DATA, reason="shared feedback data not present")
def test_train_concerns_writes_a_detector_that_reads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The suite's one fine-tuning of the judge: a small sample, one epoch.
    out = tmp_path / "concerns.joblib"
    args = argparse.Namespace(data_dir=None, out=out, epochs=1, sample=90)
    assert concern_training.run_train_concerns_command(args) == 0
    printed = capsys.readouterr().out
    for name in ("recall, serious", "false alarms, look-alikes", "first kind right"):
        assert name in printed
    files = joblib.load(out)
    assert isinstance(files, DetectorFiles) and 0 <= files.threshold <= 1
    detector = ConcernDetector(files, load_judge(out.with_suffix(".onnx")))
    sentences, owner = split_sentences(["A carer hit my mother.", "Lovely garden."])
    flags = detector.detect(sentences, owner)
    assert all(f.kinds and set(f.kinds) <= set(KINDS) for f in flags)
    assert all(0 <= f.confidence <= 1 for f in flags)
    assert {f.text_index for f in flags} <= {0, 1}


def test_training_passages_cover_every_kind_and_ordinary_feedback() -> None:
    if not HAVE_DATA:
        pytest.skip("shared feedback data not present")
    passages = concern_training.training_passages(settings.feedback_data_dir())
    serious = passages[passages["source"] == "serious"]
    assert set(serious["label"]) == set(range(1, len(KINDS) + 1))
    assert (passages.loc[passages["source"] != "serious", "label"] == 0).all()
    assert np.isin(["serious", "lookalike", "ordinary"], passages["source"]).all()
    # The evaluation set is never read: none of its comments is among the passages.
    evaluation = Path(__file__).resolve().parents[3] / "bench" / "data"
    held = set(pd.read_csv(evaluation / "serious_concerns_eval.csv")["text"])
    assert not held & set(passages["text"])
