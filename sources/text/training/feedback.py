"""The labelled patient feedback the text model learns from, and its fixed held-out split."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd
from sklearn.model_selection import train_test_split

from sources import settings

SPLIT_SEED = 0  # the held-out split of fft_themes_sentiment.csv; fixed, never tuned on


TEST_SHARE = 0.2


THEMES_FILE = "fft_themes_sentiment.csv"


CRITICALITY_FILE = "fft_categories_criticality.csv"


def read_feedback(data_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Returns the two labelled feedback files (rows with text and a label)."""
    folder = data_dir / "patient-feedback"
    first = pd.read_csv(folder / THEMES_FILE)
    first = first[first["text"].notna() & first["sentiment"].notna()].reset_index(drop=True)
    first["text"] = first["text"].astype(str)
    second = pd.read_csv(folder / CRITICALITY_FILE)
    second = second[second["text"].notna() & second["criticality"].notna()]
    second = second.reset_index(drop=True)
    second["text"] = second["text"].astype(str)
    return first, second


def unseen_second(first: pd.DataFrame, second: pd.DataFrame) -> pd.DataFrame:
    """Returns the second file's comments that are not also in the first file.

    The two files share some comments: keeping none of them means no held-out comment's
    criticality (or teacher reading) leaks into training and out-of-fold features stay clean.
    """
    return second[~second["text"].isin(set(first["text"]))].reset_index(drop=True)


def split_feedback(
    first: pd.DataFrame, seed: int = SPLIT_SEED
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Returns (train, test): the fixed stratified split of the first file (another `seed`
    only for bench/sentiment.py, which measures how much the figures vary with the split)."""
    train, test = train_test_split(
        first, test_size=TEST_SHARE, stratify=first["sentiment"], random_state=seed
    )
    return train.reset_index(drop=True), test.reset_index(drop=True)


def command_data_dir(args: argparse.Namespace) -> Path | None:
    """Returns the feedback folder a training command reads (its --data-dir, else the
    setting), or None after saying on stderr that the labelled file is not there."""
    data_dir = args.data_dir or settings.feedback_data_dir()
    if not (data_dir / "patient-feedback" / THEMES_FILE).is_file():
        print(f"error: {data_dir / 'patient-feedback' / THEMES_FILE} not found", file=sys.stderr)
        return None
    return data_dir


def say_on_stderr(fraction: float, message: str) -> None:
    """A training command's progress line."""
    print(f"[{fraction:4.0%}] {message}", file=sys.stderr, flush=True)
