"""The teacher's readings: what it reads, the file it writes, and how training learns from it."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from sources import settings
from sources.text.sentiment import with_soft_labels
from sources.text.training.feedback import read_feedback, split_feedback, unseen_second
from sources.text.training.teacher import (
    read_readings,
    reading_pieces,
    run_teach_command,
    teacher_pieces,
    variants,
    write_readings,
)

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


def test_shortened_copies_keep_words_in_order_and_do_not_depend_on_the_others() -> None:
    long = "the ambulance came late and the crew were rude to my mother all the way in"
    comments = pd.concat(
        [COMMENTS, pd.DataFrame({"id": ["d", "e"], "text": [long, "   "]})], ignore_index=True
    )
    copies = variants(comments, n=20)
    assert set(copies["part"]) == set(range(-20, 0))
    assert "e" not in set(copies["id"])  # no words, no copies
    for ident, text in zip(copies["id"], copies["text"], strict=True):
        words = comments.set_index("id").loc[ident, "text"].split()
        kept = text.split()
        assert 1 <= len(kept) <= len(words)
        # A subsequence of the comment's words: nothing added, nothing reordered.
        it = iter(words)
        assert all(w in it for w in kept), (ident, text)
    d = copies[copies["id"] == "d"]
    assert d["text"].nunique() > 10 and (d["text"] != long).mean() > 0.5
    assert (d["row"] == 3).all()
    # The copies of d are the same whatever else is copied with it, so readings match.
    alone = variants(comments.iloc[[3]], n=20)
    assert alone["text"].tolist() == d["text"].tolist()


def test_reading_pieces_mark_the_training_comment_each_copy_came_from() -> None:
    train = pd.DataFrame({"id": ["t1", "t2"], "text": ["Kind staff.", "Long wait, rude crew"]})
    pieces = reading_pieces(train, COMMENTS)
    of_second = pieces[pieces["training_row"] == -1]
    assert set(of_second["id"]) == {"a", "b", "c"}
    assert (of_second["part"] >= 0).sum() == len(teacher_pieces(COMMENTS))
    of_train = pieces[pieces["training_row"] >= 0]
    assert (of_train["part"] < 0).all()  # training comments only as copies, never whole
    assert of_train.groupby("id")["training_row"].first().to_dict() == {"t1": 0, "t2": 1}


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
    # If the data, the split or the sentence splitting changed, training would quietly lose
    # the teacher: every piece it reads must still have its reading.
    first, second = read_feedback(settings.feedback_data_dir())
    pieces = reading_pieces(split_feedback(first)[0], unseen_second(first, second))
    rows, proba = read_readings(settings.teacher_readings_path(), pieces)
    assert len(rows) == len(pieces)
    assert proba.shape == (len(pieces), 3)


@needs_data
def test_teach_command_fine_tunes_and_writes_readings_training_uses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "readings.csv"
    args = argparse.Namespace(data_dir=None, out=out, epochs=1, sample=24, teachers=2)
    assert run_teach_command(args) == 0
    printed = capsys.readouterr().out
    assert "Teacher 1 (seed 0), held out (24 comments): macro-F1" in printed
    assert "Teacher 2 (seed 1), held out (24 comments): macro-F1" in printed
    assert "The 2 teachers averaged, held out (24 comments): macro-F1" in printed
    first, second = read_feedback(settings.feedback_data_dir())
    sampled = unseen_second(first, second).sample(n=24, random_state=0)
    train = split_feedback(first)[0].sample(n=24, random_state=0)
    pieces = reading_pieces(train, sampled)
    rows, proba = read_readings(out, pieces)
    assert len(rows) == len(pieces) and np.allclose(proba.sum(axis=1), 1.0)
