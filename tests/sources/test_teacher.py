"""The teacher's readings: what it reads, the file it writes, and how training learns from it."""

from __future__ import annotations

import argparse
import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from sources import settings
from sources.sentiment import with_soft_labels
from sources.teacher import read_readings, run_teach_command, teacher_pieces, write_readings
from sources.text import read_feedback, unseen_second

HAVE_DATA = (settings.feedback_data_dir() / "patient-feedback").is_dir()
needs_data = pytest.mark.skipif(not HAVE_DATA, reason="shared feedback data not present")

COMMENTS = pd.DataFrame(
    {
        "id": ["a", "b", "c"],
        "text": [
            "Staff were kind.",
            "Staff were kind. The wait was far too long.",
            "Nothing to add",
        ],
    }
)


def test_pieces_are_whole_comments_then_sentences_of_longer_ones() -> None:
    pieces = teacher_pieces(COMMENTS)
    assert pieces[pieces["part"] == 0]["id"].tolist() == ["a", "b", "c"]
    sentences = pieces[pieces["part"] > 0]
    # Only the two-sentence comment is read sentence by sentence, numbered from 1.
    assert sentences["id"].tolist() == ["b", "b"]
    assert sentences["part"].tolist() == [1, 2]
    assert sentences["text"].tolist() == ["Staff were kind.", "The wait was far too long."]
    assert pieces["digest"].nunique() == 4  # "Staff were kind." twice: one digest


def _proba(n: int, seed: int = 0) -> np.ndarray:
    raw = np.random.default_rng(seed).random((n, 3)) + 0.01
    return raw / raw.sum(axis=1, keepdims=True)


def test_readings_come_back_only_for_the_words_they_read(tmp_path: Path) -> None:
    pieces = teacher_pieces(COMMENTS)
    proba = _proba(len(pieces))
    path = write_readings(tmp_path / "r.csv", pieces, proba)
    assert "text" not in pd.read_csv(path).columns  # ids and digests, never the words
    rows, back = read_readings(path, pieces)
    assert rows.tolist() == list(range(len(pieces)))
    np.testing.assert_allclose(back, proba, atol=1e-4)

    # Comment c is now other words: its reading is not attached to them; the rest stand.
    changed = COMMENTS.assign(text=COMMENTS["text"].where(COMMENTS["id"] != "c", "Awful."))
    rows, back = read_readings(path, teacher_pieces(changed))
    assert sorted(teacher_pieces(changed)["id"].iloc[rows]) == ["a", "b", "b", "b"]
    assert len(back) == len(rows)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda f: f.drop(columns=["p_neutral"]), ":1: column 'p_neutral' missing"),
        (
            lambda f: f.assign(
                p_positive=f["p_positive"].astype(object).where(f.index != 2, "high")
            ),
            ":4: column 'p_positive' is 'high'",
        ),
        (
            lambda f: f.assign(p_negative=f["p_negative"].where(f.index != 1, 1.5)),
            ":3: column 'p_negative' is '1.5'",
        ),
        (
            lambda f: f.assign(p_neutral=f["p_neutral"].where(f.index != 0, 0.9)),
            ":2: columns p_negative, p_neutral, p_positive add up to",
        ),
        (lambda f: pd.concat([f, f.iloc[[1]]]), ":7: column 'id' repeats id 'b'"),
    ],
)
def test_a_malformed_readings_file_names_row_and_column(tmp_path: Path, edit, message: str) -> None:
    pieces = teacher_pieces(COMMENTS)
    path = write_readings(tmp_path / "r.csv", pieces, _proba(len(pieces)))
    edit(pd.read_csv(path, dtype={"part": str})).to_csv(path, index=False)
    with pytest.raises(ValueError, match=message.replace("(", r"\(")) as raised:
        read_readings(path, pieces)
    assert str(path) in str(raised.value)


def test_soft_labels_pull_the_classifier_toward_the_teacher() -> None:
    texts = ["good care", "bad care", "good staff", "bad staff"]
    y = np.array([2, 0, 2, 0])
    vectoriser = TfidfVectorizer().fit(texts + ["so so care"])
    x = vectoriser.transform(texts)
    soft = vectoriser.transform(["so so care"])
    p = np.array([[0.05, 0.9, 0.05]])
    rows, labels, weights = with_soft_labels(x, y, soft, p, 0.5)
    assert rows.shape[0] == 4 + 3 and labels.tolist() == [2, 0, 2, 0, 0, 1, 2]
    np.testing.assert_allclose(weights, [1, 1, 1, 1, 0.025, 0.45, 0.025])
    # Without teacher rows: the same rows and no weights at all.
    empty = with_soft_labels(x, y, soft[:0], p[:0], 0.5)
    assert empty[0] is x and empty[2] is None

    # The text only the teacher read goes the way the teacher read it.
    for said in (0, 2):
        p = np.full((1, 3), 0.05)
        p[0, said] = 0.9
        taught = LogisticRegression().fit(*with_soft_labels(x, y, soft, p, 0.5))
        assert taught.predict(soft)[0] == said


@needs_data
def test_the_shipped_readings_cover_the_second_file() -> None:
    # If the data or the sentence splitting changed, training would quietly lose the
    # teacher: every piece it reads must still have its reading.
    first, second = read_feedback(settings.feedback_data_dir())
    pieces = teacher_pieces(unseen_second(first, second))
    rows, proba = read_readings(settings.teacher_readings_path(), pieces)
    assert len(rows) == len(pieces)
    assert proba.shape == (len(pieces), 3)


@needs_data
@pytest.mark.skipif(
    importlib.util.find_spec("torch") is None, reason="requirements-teacher.txt not installed"
)
def test_teach_command_fine_tunes_and_writes_readings_training_uses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "readings.csv"
    args = argparse.Namespace(data_dir=None, out=out, epochs=1, sample=24)
    assert run_teach_command(args) == 0
    printed = capsys.readouterr().out
    assert "Teacher held out (24 comments): macro-F1" in printed
    first, second = read_feedback(settings.feedback_data_dir())
    sampled = unseen_second(first, second).sample(n=24, random_state=0)
    pieces = teacher_pieces(sampled)
    rows, proba = read_readings(out, pieces)
    assert len(rows) == len(pieces) and np.allclose(proba.sum(axis=1), 1.0)
