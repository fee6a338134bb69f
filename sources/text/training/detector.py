"""Training the serious-concern detector (`python -m sources train-concerns`).

Learns from the sentences in sources/text/data/ (written for training: serious harm of each
kind and look-alikes of each, by writers who never saw the evaluation set in bench/data/)
and, as ordinary comments that describe no serious harm, a fixed sample of the shared
feedback file's comments with criticality -2 or milder. A fixed fifth of all that is kept
apart to set the two thresholds; the evaluation set is never read here.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import FeatureUnion, Pipeline

from sources import settings
from sources.progress import Progress
from sources.text.detector import (
    KINDS,
    ConcernDetector,
    DetectorFiles,
    StaticMeaning,
    passages_of,
)
from sources.text.judge import JUDGE_LAYERS, MINILM_LAYERS, Judge, load_judge
from sources.text.model import MODEL_COMPRESSION
from sources.text.sentiment import split_sentences
from sources.text.training.feedback import (
    CRITICALITY_FILE,
    THEMES_FILE,
    command_data_dir,
    say_on_stderr,
)
from sources.text.training.teacher import digest, fine_tune, variants

DATA = Path(__file__).resolve().parents[1] / "data"
ORDINARY = 2000  # ordinary feedback comments sampled as passages with no serious concern
SEED = 0
SCREEN_RECALL = 0.99  # share of the held-apart serious passages the screen must pass
JUDGE_RECALL = 0.95  # and the judge must flag (the recall the product promises)
DISTIL_COPIES = 1  # shortened copies of each passage learnt from, read by the teacher
DISTIL_FEEDBACK = 4000  # feedback comments whose passages the teacher reads for the student
# The writers' names for kinds that the contract spells otherwise.
RENAMED = {"domestic_abuse": "domestic"}


def training_passages(data_dir: Path) -> pd.DataFrame:
    """Returns text, label (0 none, else 1 + index in KINDS), source (serious, lookalike,
    ordinary) of every passage the detector learns from."""
    written = pd.concat(
        [pd.read_csv(p, dtype=str, keep_default_na=False) for p in sorted(DATA.glob("*.csv"))],
        ignore_index=True,
    )
    kind = written["category"].replace(RENAMED)
    serious = written["serious"] == "1"
    unknown = sorted(set(kind[serious]) - set(KINDS))
    if unknown:
        raise ValueError(f"{DATA}: serious rows of unknown kinds {unknown}")
    label = np.where(serious, kind.map({k: i + 1 for i, k in enumerate(KINDS)}), 0)
    criticality = pd.read_csv(data_dir / "patient-feedback" / CRITICALITY_FILE)
    ordinary = (
        criticality[criticality["criticality"] >= -2]
        .dropna(subset=["text"])
        .sample(ORDINARY, random_state=SEED)
    )
    return pd.DataFrame(
        {
            "text": [*written["text"], *ordinary["text"].astype(str)],
            "label": np.r_[label.astype(int), np.zeros(len(ordinary), dtype=int)],
            "source": [
                *np.where(serious, "serious", "lookalike"),
                *["ordinary"] * len(ordinary),
            ],
        }
    )


def make_screen() -> Pipeline:
    """The screen (and, refitted on serious passages, the kinds): word n-grams and static
    meaning into a balanced logistic regression."""
    words = TfidfVectorizer(
        ngram_range=(1, 3), min_df=2, sublinear_tf=True, strip_accents="unicode"
    )
    return Pipeline(
        [
            ("features", FeatureUnion([("words", words), ("meaning", StaticMeaning())])),
            ("clf", LogisticRegression(C=4.0, max_iter=3000, class_weight="balanced")),
        ]
    )


def distillation_passages(
    fit: pd.DataFrame, held_apart: set[str], data_dir: Path, feedback: int = DISTIL_FEEDBACK
) -> list[str]:
    """Passages without a label that a shallow judge learns its teacher's readings of: a
    shortened copy of each passage it learns from (`variants`: a run of words, or words
    dropped) and the sentence pairs of a fixed sample of the first feedback file's comments,
    none of them a passage held apart."""
    copies = variants(
        pd.DataFrame({"id": [digest(t) for t in fit["text"]], "text": fit["text"].tolist()}),
        n=DISTIL_COPIES,
    )["text"].tolist()
    comments = pd.read_csv(data_dir / "patient-feedback" / THEMES_FILE)["text"]
    comments = comments.dropna().astype(str).drop_duplicates()
    comments = comments[~comments.isin(held_apart)]
    comments = comments.sample(min(feedback, len(comments)), random_state=SEED)
    sentences, owner = split_sentences(comments.tolist())
    pairs, _ = passages_of(sentences, owner)
    return [p for p in dict.fromkeys([*copies, *pairs]) if p not in held_apart]


def fine_tune_judge(
    fit: pd.DataFrame,
    held_apart: set[str],
    data_dir: Path,
    epochs: int,
    layers: int,
    teacher: Judge | None,
    progress: Progress,
    feedback: int = DISTIL_FEEDBACK,
) -> tuple[Judge, int]:
    """The judge fine-tuned on the passages `fit` holds, and how many teacher readings it
    learnt from. A judge of fewer than MINILM_LAYERS layers also learns a full judge's
    readings of more passages (knowledge distillation; `teacher`, else one fine-tuned here
    first on the same passages), so that it keeps what the deeper model can tell."""
    texts = fit["text"].tolist()
    labels = (fit["label"] > 0).to_numpy().astype(int)

    def full(say: Progress) -> Judge:
        return export_judge(fine_tune(texts, labels, epochs=epochs, classes=2, progress=say))

    if layers >= MINILM_LAYERS:
        return full(progress), 0
    if teacher is None:
        teacher = full(lambda f, m: progress(0.5 * f, f"teacher: {m}"))
    extra = distillation_passages(fit, held_apart, data_dir, feedback)
    progress(0.5, f"teacher: reading {len(extra)} passages for the student")
    read = teacher.proba(extra)
    targets = np.r_[np.eye(2)[labels], np.c_[1 - read, read]]
    student = fine_tune(
        [*texts, *extra],
        targets,
        epochs=epochs,
        classes=2,
        layers=layers,
        progress=lambda f, m: progress(0.5 + 0.5 * f, f"student: {m}"),
    )
    return export_judge(student), len(extra)


@dataclass
class TrainedDetector:
    """A detector with its figures on the held-apart fifth of the training passages."""

    detector: ConcernDetector
    figures: dict[str, float]


def threshold_for(scores: np.ndarray, recall: float) -> float:
    """Returns the highest threshold that keeps `recall` of `scores` at or above it."""
    ordered = np.sort(scores)
    return float(ordered[int(np.floor((1 - recall) * len(ordered)))])


def judge_threshold(
    judge: Judge, apart: pd.DataFrame, passed: np.ndarray
) -> tuple[np.ndarray, float]:
    """The judge's readings of the held-apart passages and its threshold for JUDGE_RECALL
    of the serious ones, read as the judge ships (int8); a passage the screen did not pass
    (`passed` False) counts as not flagged."""
    serious = judge.proba(apart["text"].tolist())
    is_serious = (apart["label"] > 0).to_numpy()
    threshold = threshold_for(np.where(passed, serious, 0.0)[is_serious], JUDGE_RECALL)
    return serious, threshold


def train_detector(
    data_dir: Path,
    epochs: int = 4,
    progress: Progress | None = None,
    sample: int | None = None,
    layers: int = JUDGE_LAYERS,
    teacher: Judge | None = None,
) -> TrainedDetector:
    """Fits the screen and fine-tunes the judge (MiniLM's first `layers` layers, distilled
    from `teacher` or a full judge fine-tuned here) on four fifths of the training
    passages; sets both thresholds on the fifth kept apart. `sample` passages only, for a
    test."""
    say = progress or (lambda f, m: None)
    passages = training_passages(data_dir)
    if sample:
        passages = passages.groupby("source").sample(
            n=max(1, sample // 3), random_state=SEED, replace=True
        )
        passages = passages.drop_duplicates("text")
    fit, apart = train_test_split(
        passages, test_size=0.2, random_state=SEED, stratify=passages["source"]
    )
    say(0.02, f"screen: {len(fit)} passages")
    screen = make_screen().fit(fit["text"].tolist(), (fit["label"] > 0).to_numpy())
    apart_screen = screen.predict_proba(apart["text"].tolist())[:, 1]
    is_serious = (apart["label"] > 0).to_numpy()
    screen_threshold = threshold_for(apart_screen[is_serious], SCREEN_RECALL)
    serious_fit = fit[fit["label"] > 0]
    kinds = make_screen().fit(serious_fit["text"].tolist(), serious_fit["label"].to_numpy() - 1)
    say(0.05, "judge: fine-tuning MiniLM")
    judge, readings = fine_tune_judge(
        fit,
        set(apart["text"]),
        data_dir,
        epochs,
        layers,
        teacher,
        lambda f, m: say(0.05 + 0.9 * f, f"judge: {m}"),
        feedback=DISTIL_FEEDBACK if sample is None else max(1, sample // 3),
    )
    passed = apart_screen >= screen_threshold
    serious, threshold = judge_threshold(judge, apart, passed)
    flagged = passed & (serious >= threshold)
    source = apart["source"].to_numpy()
    apart_serious = apart[is_serious]
    right_kind = kinds.predict(apart_serious["text"].tolist()) + 1 == apart_serious["label"]
    figures = {
        "passages": float(len(passages)),
        "held apart": float(len(apart)),
        "judge layers": float(layers),
        "teacher readings": float(readings),
        "screen threshold": screen_threshold,
        "judge threshold": threshold,
        "screen passes, ordinary": float(passed[source == "ordinary"].mean()),
        "recall, serious": float(flagged[source == "serious"].mean()),
        "false alarms, look-alikes": float(flagged[source == "lookalike"].mean()),
        "false alarms, ordinary": float(flagged[source == "ordinary"].mean()),
        "first kind right, serious": float(right_kind.mean()),
    }
    counts = passages["source"].value_counts()
    files = DetectorFiles(
        screen=screen,
        kinds=kinds,
        screen_threshold=screen_threshold,
        threshold=threshold,
        trained_on={str(k): int(v) for k, v in counts.items()},
    )
    return TrainedDetector(ConcernDetector(files, judge), figures)


def save_detector(detector: ConcernDetector, path: Path) -> Path:
    """Writes the screen and thresholds to `path` and the judge beside it (.onnx)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(detector.files, path, compress=MODEL_COMPRESSION)
    detector.judge.save(path.with_suffix(".onnx"))
    return path


def run_train_concerns_command(args: argparse.Namespace) -> int:
    """`python -m sources train-concerns`: trains, writes the detector, prints its figures."""
    data_dir = command_data_dir(args)
    if data_dir is None:
        return 2
    started = time.monotonic()
    trained = train_detector(
        data_dir,
        epochs=args.epochs,
        progress=say_on_stderr,
        sample=args.sample,
        layers=args.layers,
        teacher=load_judge(args.teacher) if args.teacher else None,
    )
    path = save_detector(trained.detector, args.out or settings.concern_model_path())
    print("Held-apart fifth of the training passages (not the evaluation set):")
    for name, value in trained.figures.items():
        print(f"  {name:28s} {value:.3f}" if value < 10 else f"  {name:28s} {value:.0f}")
    print(f"Detector written to {path} in {time.monotonic() - started:.0f} s")
    return 0


def export_judge(model: Any) -> Judge:
    """The int8 judge from a fine-tuned `sources.text.transformer.Teacher` (PyTorch): the
    encoder, pooling and head exported as one graph, its weights quantised to int8 per
    output channel (closer to the float model than one scale per matrix)."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    class Graph(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder, self.head = model.encoder, model.head

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask)
            mask = attention_mask.unsqueeze(-1).to(hidden.last_hidden_state.dtype)
            pooled = (hidden.last_hidden_state * mask).sum(1) / mask.sum(1)
            return torch.softmax(self.head(pooled), -1)

    graph = Graph().float().eval()
    example = model.tokenizer(["A carer hit my mother."], return_tensors="pt")
    axes = {0: "passages", 1: "tokens"}
    with tempfile.TemporaryDirectory() as folder:
        plain, small = Path(folder) / "judge.onnx", Path(folder) / "judge-int8.onnx"
        torch.onnx.export(
            graph,
            (example["input_ids"], example["attention_mask"]),
            str(plain),
            input_names=["input_ids", "attention_mask"],
            output_names=["proba"],
            dynamic_axes={"input_ids": axes, "attention_mask": axes, "proba": {0: "passages"}},
            opset_version=17,
            dynamo=False,
        )
        quantize_dynamic(
            str(plain),
            str(small),
            weight_type=QuantType.QInt8,
            per_channel=True,
            extra_options={"DefaultTensorType": 1},  # float, where shape inference is silent
        )
        return Judge(small.read_bytes())
