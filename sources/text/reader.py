"""Reading people's words: sentiment, themes and serious concerns of a comment or note.

`read_texts` is the one entry point the loader uses; it reads a batch with one TF-IDF
transform for all texts and their sentences. The trained model lives in a versioned
joblib file: the repository ships one (sources/text/models/), and when it is missing or was
written by another scikit-learn, the app trains one into the data folder on first use.
`python -m sources train-text` retrains it and prints the held-out evaluation.
"""

from __future__ import annotations

import argparse
import csv
import sys
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sources import settings
from sources.progress import Progress
from sources.text.detector import DETECTOR_VERSION
from sources.text.model import MODEL_VERSION, TextModel, save_model, usable_model
from sources.text.reading import Reading, read_with
from sources.text.training.sentiment import train_model

# Stored with each reading: a text read by another reader is read again at its next load.
READER_VERSION = f"{MODEL_VERSION}+{DETECTOR_VERSION}"


def read_texts(
    texts: Sequence[str], batch_size: int = 5000, progress: Progress | None = None
) -> list[Reading]:
    """Returns one Reading per text, in order, by the shipped model (see read_with)."""
    return read_with(load_model(progress), texts, batch_size)


def read_text(text: str) -> Reading:
    """Returns the Reading of one text."""
    return read_texts([text])[0]


def themes_to_str(themes: Iterable[str]) -> str:
    """Returns the themes joined by ';', as the store's `themes` column holds them."""
    return ";".join(themes)


READING_COLUMNS = (
    "sentiment",
    "sentiment_score",
    "themes",
    "serious",
    "serious_terms",
    "concern_kinds",
    "concern_confidence",
    "concern_sentence",
    "read_by",
)


def read_stored_texts(texts: list[str]) -> list[dict[str, Any]]:
    """The reading columns (READING_COLUMNS) per text, as the store keeps them: what the
    loader's worker processes run (defined here, they import nothing of the loader)."""
    if not texts:
        return []
    readings = read_texts(texts)
    return [
        {
            "sentiment": r.sentiment,
            "sentiment_score": float(r.sentiment_score),
            "themes": themes_to_str(r.themes) or None,
            "serious": bool(r.serious),
            "serious_terms": ";".join(r.serious_terms) or None,
            "concern_kinds": ";".join(r.concern_kinds) or None,
            "concern_confidence": r.concern_confidence if r.serious else None,
            "concern_sentence": r.concern_sentence or None,
            "read_by": READER_VERSION,
        }
        for r in readings
    ]


# --- the model file ----------------------------------------------------------------------

_loaded: TextModel | None = None
_lock = threading.RLock()


def load_model(progress: Progress | None = None) -> TextModel:
    """Returns the text model: the shipped file, else one trained into the data folder."""
    global _loaded
    with _lock:
        if _loaded is not None:
            return _loaded
        for path in (settings.text_model_path(), settings.data_dir() / "text_model.joblib"):
            model = usable_model(path)
            if model is not None:
                _loaded = model
                return model
        model, _ = train_model(settings.feedback_data_dir(), progress=progress)
        save_model(model, settings.data_dir() / "text_model.joblib")
        _loaded = model
        return model


# --- training and evaluation ---------------------------------------------------------------


# --- commands --------------------------------------------------------------------------------


def run_text_command(args: argparse.Namespace) -> int:
    """`python -m sources text --in FILE --out FILE`: id,text -> id, sentiment,
    sentiment_score, themes, serious, serious_terms, concern_kinds, concern_confidence,
    concern_sentence."""
    source: Path = args.in_file
    try:
        frame = pd.read_csv(source, dtype=str, keep_default_na=False)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as error:
        print(f"error: {source}: cannot read as CSV: {error}", file=sys.stderr)
        return 2
    except pd.errors.EmptyDataError:
        print(f"error: {source}: empty file, expected a header row 'id,text'", file=sys.stderr)
        return 2
    missing = [c for c in ("id", "text") if c not in frame.columns]
    if missing:
        print(
            f"error: {source}:1: column {', '.join(repr(c) for c in missing)} missing "
            f"(header has {', '.join(repr(c) for c in frame.columns)}; expected 'id,text')",
            file=sys.stderr,
        )
        return 2
    blank_ids = np.flatnonzero(frame["id"].str.strip() == "")
    if len(blank_ids):
        print(
            f"error: {source}:{blank_ids[0] + 2}: column 'id' is empty "
            f"({len(blank_ids)} rows without an id)",
            file=sys.stderr,
        )
        return 2
    readings = read_texts(frame["text"].tolist())
    out = pd.DataFrame(
        {
            "id": frame["id"],
            "sentiment": [r.sentiment for r in readings],
            "sentiment_score": [r.sentiment_score for r in readings],
            "themes": [themes_to_str(r.themes) for r in readings],
            "serious": [r.serious for r in readings],
            "serious_terms": [";".join(r.serious_terms) for r in readings],
            "concern_kinds": [";".join(r.concern_kinds) for r in readings],
            "concern_confidence": [r.concern_confidence for r in readings],
            "concern_sentence": [r.concern_sentence for r in readings],
        }
    )
    args.out_file.parent.mkdir(parents=True, exist_ok=True)
    out.to_csv(args.out_file, index=False, quoting=csv.QUOTE_MINIMAL)
    print(f"{len(out)} texts read: {int(out['serious'].sum())} serious -> {args.out_file}")
    return 0
