"""Training and evaluating the text model (`python -m sources train-text`).

Never imported when reading: the loader and the app read with the shipped model.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import f1_score, precision_recall_fscore_support, recall_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import FeatureUnion, make_pipeline

from sources import settings
from sources.progress import Progress
from sources.text.model import MODEL_VERSION, TextModel, decide, save_model
from sources.text.reading import read_with
from sources.text.sentiment import (
    LABELS,
    make_features,
    rows,
    sentence_and_text_features,
    split_sentences,
    stack_features,
    vader_compound,
    with_soft_labels,
)
from sources.text.themes import (
    KEY_QUESTIONS,
    THEMES,
    TOPICS,
    fft_theme_labels,
    labelled_themes,
    subcategory_labels,
)
from sources.text.training.feedback import (
    SPLIT_SEED,
    THEMES_FILE,
    command_data_dir,
    read_feedback,
    say_on_stderr,
    split_feedback,
    unseen_second,
)
from sources.text.training.teacher import read_readings, reading_pieces

TEACHER_WEIGHT = 1.0  # a teacher-read piece counts as much as a human-labelled comment


@dataclass
class Evaluation:
    """Held-out figures of a trained model (sentiment on the fixed split; themes)."""

    n_train: int
    n_test: int
    sentiment: dict[str, dict[str, float]]  # method -> macro_f1 and recall_<label>
    themes: dict[str, dict[str, float]]  # theme -> precision, recall, f1, support
    theme_summary: dict[str, float]  # micro/macro F1 over key questions and topics
    split_seed: int = SPLIT_SEED  # of the held-out split
    # Macro-F1 of the tuned second level out of fold on the training split: what recipes
    # are chosen by, so the held-out split is only looked at, never chosen on.
    out_of_fold: float = float("nan")

    def report(self) -> str:
        """Returns the evaluation as plain text lines."""
        lines = [
            f"Held-out split of {THEMES_FILE}: {self.n_test} comments never seen in training "
            f"(stratified, seed {self.split_seed}); trained on {self.n_train}.",
            "",
            "Sentiment              macro-F1  recall neg  recall neu  recall pos",
        ]
        for name, m in self.sentiment.items():
            lines.append(
                f"{name:<22} {m['macro_f1']:8.3f}  {m['recall_negative']:10.3f}  "
                f"{m['recall_neutral']:10.3f}  {m['recall_positive']:10.3f}"
            )
        lines.append(f"(out of fold on the training split: Carelens {self.out_of_fold:.3f})")
        lines += ["", "Themes (labelled ones)   precision  recall     F1  support"]
        for theme, m in self.themes.items():
            lines.append(
                f"{theme:<24} {m['precision']:9.3f} {m['recall']:7.3f} {m['f1']:6.3f} "
                f"{int(m['support']):8d}"
            )
        lines.append("")
        for key, value in self.theme_summary.items():
            lines.append(f"{key:<28} {value:.3f}")
        return "\n".join(lines)


@dataclass
class _Prepared:
    """The training split read and turned into features, as every fit below uses them."""

    train: pd.DataFrame
    second: pd.DataFrame
    texts: list[str]
    y: np.ndarray  # index into LABELS
    scale: np.ndarray  # the 1-5 rating, 3 where missing
    features: FeatureUnion
    owner: np.ndarray  # the training text each sentence belongs to
    x_sent: sparse.csr_matrix
    x_docs: sparse.csr_matrix
    v_docs: np.ndarray  # VADER's compound score of each text
    crit: Ridge  # criticality, learnt on the second file
    x_taught: sparse.csr_matrix
    p_taught: np.ndarray
    taught_from: np.ndarray  # training row each teacher piece copies, or -1


def train_model(
    data_dir: Path,
    progress: Progress | None = None,
    sample: int | None = None,
    split_seed: int = SPLIT_SEED,
    teacher_readings: Path | None = None,
) -> tuple[TextModel, Evaluation]:
    """Returns a model trained on the fixed training split, and its held-out evaluation.

    `sample` (tests only) keeps that many training comments, to prove the command quickly;
    `split_seed` (bench/sentiment.py only) draws another split; `teacher_readings` (default:
    the shipped file, when it is there) are the fine-tuned teacher's readings of the second
    file, learnt from beside the human labels (sources/teacher.py).
    """
    if teacher_readings is None and settings.teacher_readings_path().is_file():
        teacher_readings = settings.teacher_readings_path()
    say = progress or (lambda f, m: None)
    p, test = _prepare(data_dir, say, sample, split_seed, teacher_readings)
    stacker, bias, mixed, out_of_fold = _second_level(p, say)
    doc_clf, r5 = _fit_heads(p, np.arange(len(p.texts)))

    say(0.65, "theme classifiers")
    theme_clfs, thresholds = _fit_themes(p.train, p.second, p.features, p.x_docs, p.x_sent, p.owner)
    model = TextModel(
        features=p.features,
        doc_classifier=doc_clf,
        scale_regressor=r5,
        criticality_regressor=p.crit,
        stacker=stacker,
        bias=bias,
        mixed_threshold=mixed,
        theme_classifiers=theme_clfs,
        theme_thresholds=thresholds,
        trained_on={
            "first_file": len(p.train),
            "second_file": len(p.second),
            "teacher_readings": p.x_taught.shape[0],
            "teacher_readings_of_training": int((p.taught_from >= 0).sum()),
        },
    )
    say(0.85, "held-out evaluation")
    evaluation = replace(
        evaluate(model, p.train, test), split_seed=split_seed, out_of_fold=out_of_fold
    )
    say(1.0, "done")
    return model, evaluation


def _prepare(
    data_dir: Path,
    say: Progress,
    sample: int | None,
    split_seed: int,
    teacher_readings: Path | None,
) -> tuple[_Prepared, pd.DataFrame]:
    """The training split's features, and the held-out comments."""
    say(0.0, "reading the labelled feedback")
    first, second = read_feedback(data_dir)
    train, test = split_feedback(first, split_seed)
    if sample:
        train = train.sample(n=min(sample, len(train)), random_state=SPLIT_SEED)
        train = train.reset_index(drop=True)
        second = second.sample(n=min(sample, len(second)), random_state=SPLIT_SEED)
    second = unseen_second(first, second)
    texts = train["text"].tolist()
    say(0.05, "learning the vocabulary")
    features = make_features().fit(texts + second["text"].tolist())
    # Features exactly as reading makes them (texts as the sum of their sentences).
    sentences, owner = split_sentences(texts)
    x_sent, x_docs = sentence_and_text_features(features, sentences, owner, len(texts))
    v_docs = vader_compound(texts)
    say(0.2, "criticality model on the second file")
    crit = Ridge(alpha=1.0).fit(features.transform(second["text"].tolist()), second["criticality"])
    # The teacher learnt from this split's training comments: on another split it has read
    # that split's held-out ones, so bench/sentiment.py's other splits go without it.
    x_taught, p_taught, taught_from = _taught(
        features, train, second, teacher_readings if split_seed == SPLIT_SEED else None
    )
    prepared = _Prepared(
        train=train,
        second=second,
        texts=texts,
        y=train["sentiment"].map({lab: i for i, lab in enumerate(LABELS)}).to_numpy(),
        scale=train["sentiment_1to5"].fillna(3).to_numpy(float),
        features=features,
        owner=owner,
        x_sent=x_sent,
        x_docs=x_docs,
        v_docs=v_docs,
        crit=crit,
        x_taught=x_taught,
        p_taught=p_taught,
        taught_from=taught_from,
    )
    return prepared, test


def _fit_heads(p: _Prepared, index: np.ndarray) -> tuple[LogisticRegression, Ridge]:
    """The first-level sentiment classifier and 1-5 regressor fitted on texts `index`."""
    # Copies of comments held out of this fit go too: their readings carry their labels.
    keep = (p.taught_from < 0) | np.isin(p.taught_from, index)
    soft = rows(p.x_taught, np.flatnonzero(keep)), p.p_taught[keep]
    clf = LogisticRegression(C=1.0, max_iter=3000, class_weight="balanced")
    clf.fit(*with_soft_labels(rows(p.x_docs, index), p.y[index], *soft, TEACHER_WEIGHT))
    return clf, Ridge(alpha=1.0).fit(rows(p.x_docs, index), p.scale[index])


def _level_two(p: _Prepared, clf: LogisticRegression, r5: Ridge, doc_idx: np.ndarray) -> np.ndarray:
    """The second level's inputs for texts `doc_idx` (sorted), read by clf and r5."""
    keep = np.isin(p.owner, doc_idx)
    s_rows = np.flatnonzero(keep)
    remap = np.searchsorted(doc_idx, p.owner[keep])
    xd, xs = rows(p.x_docs, doc_idx), rows(p.x_sent, s_rows)
    reg_d = np.column_stack([r5.predict(xd), p.crit.predict(xd)])
    reg_s = np.column_stack([r5.predict(xs), p.crit.predict(xs)])
    return stack_features(
        clf.predict_proba(xd), reg_d, clf.predict_proba(xs), reg_s, p.v_docs[doc_idx], remap
    )


def _second_level(
    p: _Prepared, say: Progress
) -> tuple[LogisticRegression, np.ndarray, float, float]:
    """The stacker fitted on out-of-fold first-level readings, with its tuned bias, mixed
    threshold and out-of-fold macro-F1."""
    say(0.3, "out-of-fold readings for the second level")
    folds = StratifiedKFold(5, shuffle=True, random_state=SPLIT_SEED)
    oof = None
    for k, (fit_idx, out_idx) in enumerate(folds.split(p.texts, p.y)):
        clf, r5 = _fit_heads(p, fit_idx)
        part = _level_two(p, clf, r5, np.sort(out_idx))
        if oof is None:
            oof = np.zeros((len(p.texts), part.shape[1]))
        oof[np.sort(out_idx)] = part
        say(0.3 + 0.06 * k, "out-of-fold readings for the second level")
    stacker = LogisticRegression(C=1.0, max_iter=3000, class_weight="balanced").fit(oof, p.y)
    bias, mixed, out_of_fold = _tune_bias(oof, p.y)
    return stacker, bias, mixed, out_of_fold


def _taught(
    features: FeatureUnion, train: pd.DataFrame, second: pd.DataFrame, path: Path | None
) -> tuple[sparse.csr_matrix, np.ndarray, np.ndarray]:
    """Returns (TF-IDF rows, teacher probabilities, training row or -1) of the pieces the
    teacher read (sources/teacher.reading_pieces). Empty without readings."""
    if path is None:
        width = sum(len(v.vocabulary_) for _, v in features.transformer_list)
        empty = sparse.csr_matrix((0, width), dtype=np.float32)
        return empty, np.zeros((0, len(LABELS))), np.zeros(0, dtype=int)
    pieces = reading_pieces(train, second)
    found, proba = read_readings(path, pieces)
    texts = pieces["text"].iloc[found].tolist()
    sentences, owner = split_sentences(texts)
    _, x = sentence_and_text_features(features, sentences, owner, len(texts))
    return x, proba, pieces["training_row"].to_numpy(int)[found]


def _tune_bias(oof: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float, float]:
    """Returns class offsets on the log-probabilities, and the mixed threshold, that
    maximise out-of-fold macro-F1, and that macro-F1."""
    logp = np.zeros((len(y), 3))
    for fit_idx, out_idx in StratifiedKFold(5, shuffle=True, random_state=1).split(oof, y):
        clf = LogisticRegression(C=1.0, max_iter=3000, class_weight="balanced")
        logp[out_idx] = clf.fit(oof[fit_idx], y[fit_idx]).predict_log_proba(oof[out_idx])
    best, best_bias = -1.0, np.zeros(3)
    grid = np.round(np.arange(-1.0, 1.01, 0.1), 2)
    for b1 in grid:
        for b2 in grid:
            bias = np.array([0.0, b1, b2])
            f1 = f1_score(y, np.argmax(logp + bias, axis=1), average="macro")
            if f1 > best + 1e-9:
                best, best_bias = f1, bias
    proba = np.exp(logp)
    best_mixed = 1.01  # off
    for mixed in np.round(np.arange(0.5, 1.0, 0.05), 2):
        f1 = f1_score(y, decide(proba, oof, best_bias, mixed), average="macro")
        if f1 > best + 1e-9:
            best, best_mixed = f1, float(mixed)
    return best_bias, best_mixed, best


def _fit_themes(train, second, features, x_docs, x_sent, owner):
    """Returns (classifier per labelled theme, threshold per theme), tuned out of fold."""
    labels = fft_theme_labels(train)
    extra = subcategory_labels(second["subcategory"])
    x_second = features.transform(second["text"].tolist())
    classifiers: dict[str, LogisticRegression] = {}
    thresholds: dict[str, float] = {}
    folds = KFoldByDoc(len(train))
    for theme in labelled_themes():
        j = THEMES.index(theme)
        y = labels[:, j]
        if y.sum() < 5:
            continue
        plus = np.flatnonzero(extra[:, j])
        # Out-of-fold: the best sentence's probability, as reading uses it.
        best = np.zeros(len(train))
        for fit_idx, out_idx in folds:
            clf = _theme_clf().fit(
                _vstack(rows(x_docs, fit_idx), rows(x_second, plus)),
                np.concatenate([y[fit_idx], np.ones(len(plus), dtype=np.int8)]),
            )
            keep = np.flatnonzero(np.isin(owner, out_idx))
            p = clf.predict_proba(rows(x_sent, keep))[:, 1]
            b = np.zeros(len(train))
            np.maximum.at(b, owner[keep], p)
            best[out_idx] = b[out_idx]
        candidates = np.arange(0.3, 0.96, 0.05)
        scores = [f1_score(y, best >= t, zero_division=0) for t in candidates]
        thresholds[theme] = float(candidates[int(np.argmax(scores))])
        classifiers[theme] = _theme_clf().fit(
            _vstack(x_docs, rows(x_second, plus)),
            np.concatenate([y, np.ones(len(plus), dtype=np.int8)]),
        )
    return classifiers, thresholds


def KFoldByDoc(n: int) -> list[tuple[np.ndarray, np.ndarray]]:  # noqa: N802
    """Returns 4 fixed folds (fit rows, held-out rows) over n documents."""
    order = np.random.default_rng(SPLIT_SEED).permutation(n)
    parts = np.array_split(order, 4)
    return [
        (np.sort(np.concatenate([q for m, q in enumerate(parts) if m != k])), np.sort(p))
        for k, p in enumerate(parts)
    ]


def _theme_clf() -> LogisticRegression:
    """Returns an unfitted theme classifier (balanced: most themes are rare)."""
    return LogisticRegression(C=4.0, max_iter=2000, class_weight="balanced")


def _vstack(a, b):
    """Returns two sparse matrices stacked by rows."""
    from scipy import sparse

    return sparse.vstack([a, b]).tocsr()


def evaluate(model: TextModel, train: pd.DataFrame, test: pd.DataFrame) -> Evaluation:
    """Returns the held-out figures of `model` beside VADER and plain TF-IDF + LR."""
    truth = test["sentiment"].to_numpy()
    readings = read_with(model, test["text"].tolist())
    ours = np.array([r.sentiment for r in readings])
    compound = vader_compound(test["text"].tolist())
    vader = np.where(
        compound >= 0.05, "positive", np.where(compound <= -0.05, "negative", "neutral")
    )
    plain = make_pipeline(TfidfVectorizer(), LogisticRegression(max_iter=2000))
    plain.fit(train["text"], train["sentiment"])
    # The same word and character features and class weights as ours, in one level: what
    # the sentences, the second file and the lexicon add on top.
    single = make_pipeline(
        make_features(), LogisticRegression(C=1.0, max_iter=3000, class_weight="balanced")
    )
    single.fit(train["text"], train["sentiment"])
    sentiment = {
        "Carelens (stacked)": _sentiment_scores(truth, ours),
        "TF-IDF + LR (plain)": _sentiment_scores(truth, plain.predict(test["text"])),
        "word+char TF-IDF + LR": _sentiment_scores(truth, single.predict(test["text"])),
        "VADER (+-0.05)": _sentiment_scores(truth, vader),
    }
    labels = fft_theme_labels(test)
    predicted = np.array([[t in r.themes for t in THEMES] for r in readings], dtype=np.int8)
    themes: dict[str, dict[str, float]] = {}
    for theme in labelled_themes():
        j = THEMES.index(theme)
        p, r, f, _ = precision_recall_fscore_support(
            labels[:, j], predicted[:, j], average="binary", zero_division=0
        )
        themes[theme] = {"precision": p, "recall": r, "f1": f, "support": labels[:, j].sum()}
    summary: dict[str, float] = {}
    for name, group in (("key questions", KEY_QUESTIONS), ("topics", TOPICS)):
        cols = [THEMES.index(t) for t in group if t in themes and themes[t]["support"] > 0]
        summary[f"{name} micro-F1"] = f1_score(
            labels[:, cols], predicted[:, cols], average="micro", zero_division=0
        )
        summary[f"{name} macro-F1"] = f1_score(
            labels[:, cols], predicted[:, cols], average="macro", zero_division=0
        )
    return Evaluation(len(train), len(test), sentiment, themes, summary)


def _sentiment_scores(truth: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    """Returns macro-F1 and the recall of each class."""
    recalls = recall_score(truth, predicted, labels=list(LABELS), average=None, zero_division=0)
    out = {"macro_f1": float(f1_score(truth, predicted, labels=list(LABELS), average="macro"))}
    out.update({f"recall_{lab}": float(r) for lab, r in zip(LABELS, recalls, strict=True)})
    return out


def run_train_command(args: argparse.Namespace) -> int:
    """`python -m sources train-text`: trains, writes the model file, prints the evaluation."""
    data_dir = command_data_dir(args)
    if data_dir is None:
        return 2
    started = time.monotonic()
    model, evaluation = train_model(
        data_dir, progress=say_on_stderr, sample=getattr(args, "sample", None)
    )
    path = save_model(model, args.out or settings.text_model_path())
    print(evaluation.report())
    taught = model.trained_on.get("teacher_readings", 0)
    of_training = model.trained_on.get("teacher_readings_of_training", 0)
    print(
        f"\nLearnt from {taught} readings by the fine-tuned teachers, {of_training} of them "
        "of shortened training comments (left out of the out-of-fold fits that hold their "
        f"comment out) ({settings.teacher_readings_path()})"
        if taught
        else "\nNo teacher readings (python -m sources teach-text writes them)"
    )
    size = path.stat().st_size / 1e6
    print(
        f"\nModel {MODEL_VERSION} (scikit-learn {model.sklearn_version}) written to {path} "
        f"({size:.1f} MB) in {time.monotonic() - started:.0f} s"
    )
    return 0
