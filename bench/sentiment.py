"""Prints how much the held-out sentiment figures move with the split.

    .venv/bin/python bench/sentiment.py                  # splits 0 (the shipped one) to 5
    .venv/bin/python bench/sentiment.py --seeds 0 1 2
    .venv/bin/python bench/sentiment.py --demo 3000      # the shipped model on demo comments

`python -m sources train-text` reports one fixed split (seed 0), never tuned on. One split of
~900 comments, 107 of them neutral, moves macro-F1 by a couple of points either way; this
trains the same recipe afresh on each split asked for (about a minute each) and prints every
method's macro-F1 per split, then the mean and standard deviation over them.

`--demo N` instead reads N comments written by the demo world's generator in a known tone
(a mixed one is the labellers' "neutral") with the shipped model: the feedback comes from
ambulance, mental health and community services, the demo's from care homes, GPs and home
care, so this checks the model on their words too.

The teacher's readings of the second file (sources/teacher.py) are used on split 0 only:
the teacher was fine-tuned on that split's training comments, so it has read the other
splits' held-out ones. Other splits measure the recipe without it.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sources import settings  # noqa: E402
from sources.demo import words as demo_text  # noqa: E402
from sources.text.reader import read_texts  # noqa: E402
from sources.text.training.sentiment import train_model  # noqa: E402


def demo_check(n: int) -> None:
    """Prints the shipped model's macro-F1 on n demo comments of known tone."""
    from sklearn.metrics import f1_score, recall_score

    r = random.Random(7)
    texts, tones = [], []
    for _ in range(n):
        tone = r.choice(["positive", "mixed", "negative"])
        themes = r.sample(list(demo_text.POSITIVE), r.choice([1, 2, 2, 3]))
        kind = r.choice(list(demo_text.VOCAB))
        texts.append(demo_text.compose_comment(r, kind, tone, themes, None))
        tones.append("neutral" if tone == "mixed" else tone)
    read = [x.sentiment for x in read_texts(texts)]
    labels = ["negative", "neutral", "positive"]
    recall = recall_score(tones, read, average=None, labels=labels)
    print(
        f"{n} demo comments: macro-F1 {f1_score(tones, read, average='macro'):.3f}, recall "
        + ", ".join(f"{k} {v:.3f}" for k, v in zip(labels, recall, strict=True))
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4, 5])
    parser.add_argument("--demo", type=int, default=0, help="check on N demo comments instead")
    args = parser.parse_args()
    if args.demo:
        demo_check(args.demo)
        return
    figures: dict[str, list[float]] = {}
    for seed in args.seeds:
        start = time.perf_counter()
        _, evaluation = train_model(settings.feedback_data_dir(), split_seed=seed)
        row = {name: m["macro_f1"] for name, m in evaluation.sentiment.items()}
        for name, value in row.items():
            figures.setdefault(name, []).append(value)
        shown = "  ".join(f"{name} {value:.3f}" for name, value in row.items())
        print(f"split {seed}: {shown}  ({time.perf_counter() - start:.0f} s)", flush=True)
    print(f"\nmacro-F1 over {len(args.seeds)} splits (mean, standard deviation, range)")
    for name, values in figures.items():
        sd = statistics.stdev(values) if len(values) > 1 else 0.0
        print(
            f"{name:<24} {statistics.mean(values):.3f}  {sd:.3f}  "
            f"{min(values):.3f}-{max(values):.3f}"
        )


if __name__ == "__main__":
    main()
