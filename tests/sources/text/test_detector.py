"""The serious-concern detector: passages, kinds, bad input, and its training command."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import joblib
import numpy as np
import onnx
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
    # The suite's one fine-tuning of the judge: a small sample, one epoch, the shipped way
    # (a shallow judge distilled from a full one fine-tuned first).
    out = tmp_path / "concerns.joblib"
    args = argparse.Namespace(data_dir=None, out=out, epochs=1, sample=90, layers=2, teacher=None)
    assert concern_training.run_train_concerns_command(args) == 0
    printed = capsys.readouterr().out
    for name in ("recall, serious", "false alarms, look-alikes", "first kind right"):
        assert name in printed
    readings = re.search(r"teacher readings +(\d+)", printed)
    assert readings and int(readings.group(1)) > 0
    graph = onnx.load_from_string(out.with_suffix(".onnx").read_bytes())
    weights = [w.name for w in graph.graph.initializer]
    layers = {m.group(1) for w in weights if (m := re.search(r"encoder\.layer\.(\d+)\.", w))}
    assert layers == {"0", "1"}
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


@pytest.mark.skipif(not HAVE_DATA, reason="shared feedback data not present")
def test_a_student_learns_its_teachers_readings_of_passages_none_held_apart() -> None:
    passages = concern_training.training_passages(settings.feedback_data_dir())
    fit = passages.sample(40, random_state=1)
    held = set(passages.drop(fit.index)["text"].head(200))
    extra = concern_training.distillation_passages(
        fit, held, settings.feedback_data_dir(), feedback=30
    )
    assert extra == concern_training.distillation_passages(
        fit, held, settings.feedback_data_dir(), feedback=30
    )  # the same passages every time
    assert not held & set(extra) and len(extra) == len(set(extra))
    # A shortened copy of each passage learnt from: its words, in order, a run or fewer.
    words = [set(t.split()) for t in fit["text"]]
    copies = [e for e in extra if any(set(e.split()) <= w for w in words)]
    assert len(copies) >= len(fit) * 0.9
    assert len(extra) > len(copies)  # and feedback comments' sentence pairs


def test_a_shallow_judge_is_fitted_on_labels_and_teacher_readings(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    calls: list[dict[str, object]] = []

    def fine_tune(texts: list[str], labels: np.ndarray, **options: object) -> str:
        calls.append({"texts": list(texts), "labels": np.asarray(labels), **options})
        return f"model {len(calls)}"

    class Teacher:
        def proba(self, texts: list[str]) -> np.ndarray:
            return np.linspace(0.1, 0.9, len(texts))

    monkeypatch.setattr(concern_training, "fine_tune", fine_tune)
    monkeypatch.setattr(concern_training, "export_judge", lambda model: model)
    monkeypatch.setattr(
        concern_training, "distillation_passages", lambda *a: ["copy one", "copy two", "pair"]
    )
    fit = pd.DataFrame({"text": ["a carer hit him", "lovely staff"], "label": [1, 0]})
    judge, readings = concern_training.fine_tune_judge(
        fit,
        set(),
        tmp_path,
        1,
        3,
        Teacher(),
        lambda f, m: None,  # type: ignore[arg-type]
    )
    assert (judge, readings) == ("model 1", 3)
    (student,) = calls
    assert student["texts"] == ["a carer hit him", "lovely staff", "copy one", "copy two", "pair"]
    assert student["layers"] == 3
    expected = [[0, 1], [1, 0], [0.9, 0.1], [0.5, 0.5], [0.1, 0.9]]
    assert np.allclose(student["labels"], expected)  # labels one-hot, readings soft
    # A full-depth judge learns the labels alone, and no teacher is made for it.
    calls.clear()
    assert concern_training.fine_tune_judge(
        fit, set(), tmp_path, 1, 6, None, lambda f, m: None
    ) == ("model 1", 0)
    assert calls[0]["labels"].tolist() == [1, 0]  # type: ignore[attr-defined]
    # Without a teacher given, a shallow judge's is fine-tuned first on the same passages.
    calls.clear()
    monkeypatch.setattr(concern_training, "export_judge", lambda model: Teacher())
    concern_training.fine_tune_judge(fit, set(), tmp_path, 1, 2, None, lambda f, m: None)
    assert [c.get("layers") for c in calls] == [None, 2]
    assert calls[0]["texts"] == fit["text"].tolist()
