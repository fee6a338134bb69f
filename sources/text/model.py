"""The fitted text model: what it holds, how it reads sentiment, and its file.

Reading sentiment lives here, beside the weights, so that training can evaluate a model
without the reader (which may train one when the shipped file is unusable).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import joblib
import numpy as np
import sklearn
from scipy import sparse
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import FeatureUnion

from sources.text.sentiment import (
    WORST_SENTENCE,
    sentence_and_text_features,
    split_sentences,
    stack_features,
    vader_compound,
)

MODEL_VERSION = "carelens-text-1"


@dataclass
class TextModel:
    """The fitted text model: shared features, level-one heads, level-two reader, themes."""

    features: FeatureUnion
    doc_classifier: LogisticRegression  # 3 classes, LABELS order
    scale_regressor: Ridge  # the labeller's 1..5 (1 very positive)
    criticality_regressor: Ridge  # the second file's -4..+4
    stacker: LogisticRegression
    bias: np.ndarray  # added to the stacker's log-probabilities (tuned out of fold)
    mixed_threshold: float  # a "positive" text with a sentence this negative reads as mixed
    theme_classifiers: dict[str, LogisticRegression]
    theme_thresholds: dict[str, float]
    version: str = MODEL_VERSION
    sklearn_version: str = sklearn.__version__
    trained_on: dict[str, int] = field(default_factory=dict)

    def read_sentiment(self, texts: list[str]) -> SentimentBatch:
        """Returns the sentiment of each text, with the sentence features themes reuse."""
        n = len(texts)
        sentences, owner = split_sentences(texts)
        x_sent, x_docs = sentence_and_text_features(self.features, sentences, owner, n)
        sent_proba, sent_reg = level_one(self, x_sent)
        doc_proba, doc_reg = level_one(self, x_docs)
        stacked = stack_features(
            doc_proba, doc_reg, sent_proba, sent_reg, vader_compound(texts), owner
        )
        final = self.stacker.predict_proba(stacked)
        labels = decide(final, stacked, self.bias, self.mixed_threshold)
        return SentimentBatch(labels, final[:, 2] - final[:, 0], sentences, owner, x_sent)


@dataclass(frozen=True)
class SentimentBatch:
    """A batch's sentiment: per text a class index (LABELS order) and a score in -1..1;
    its sentences, the text each belongs to (sorted), and their feature rows."""

    labels: np.ndarray
    scores: np.ndarray
    sentences: list[str]
    owner: np.ndarray
    x_sent: sparse.csr_matrix


# zlib, not xz: the model files are read at every worker process's start, and the two
# took 0.46 s to read with xz against 0.26 s with zlib (4.2 against 4.8 MB).
MODEL_COMPRESSION = ("zlib", 3)


def level_one(model: TextModel, matrix: sparse.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
    """Returns (class probabilities, regressions) of each row of a feature matrix."""
    proba = model.doc_classifier.predict_proba(matrix)
    reg = np.column_stack(
        [model.scale_regressor.predict(matrix), model.criticality_regressor.predict(matrix)]
    )
    return proba, reg


def decide(proba: np.ndarray, stacked: np.ndarray, bias: np.ndarray, mixed: float) -> np.ndarray:
    """Returns the class index of each text: biased argmax, then praise with one clearly
    negative sentence becomes neutral (the labellers' "mixed"), so the complaint shows."""
    labels = np.argmax(np.log(np.clip(proba, 1e-12, None)) + bias, axis=1)
    labels[(labels == 2) & (stacked[:, WORST_SENTENCE] >= mixed)] = 1
    return labels


def usable_model(path: Path) -> TextModel | None:
    """Returns the model in `path` if it exists and this code and scikit-learn can use it."""
    if not path.is_file():
        return None
    try:
        payload = joblib.load(path)
    except Exception:  # a file from another library version: retrain rather than fail
        return None
    if not isinstance(payload, TextModel) or payload.version != MODEL_VERSION:
        return None
    if payload.sklearn_version != sklearn.__version__:
        return None
    return payload


def save_model(model: TextModel, path: Path) -> Path:
    """Writes the model (float32 weights, compressed) to `path`; returns the path."""
    for clf in [model.doc_classifier, model.stacker, *model.theme_classifiers.values()]:
        clf.coef_ = clf.coef_.astype(np.float32)
    for reg in (model.scale_regressor, model.criticality_regressor):
        reg.coef_ = reg.coef_.astype(np.float32)
    path.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, path, compress=MODEL_COMPRESSION)
    return path
