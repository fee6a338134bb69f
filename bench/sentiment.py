"""Prints how much the held-out sentiment figures move with the split.

    .venv/bin/python bench/sentiment.py                  # splits 0 (the shipped one) to 5
    .venv/bin/python bench/sentiment.py --seeds 0 1 2

`python -m sources train-text` reports one fixed split (seed 0), never tuned on. One split of
~900 comments, 107 of them neutral, moves macro-F1 by a couple of points either way; this
trains the same recipe afresh on each split asked for (about a minute each) and prints every
method's macro-F1 per split, then the mean and standard deviation over them.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sources import settings  # noqa: E402
from sources.text import train_model  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4, 5])
    args = parser.parse_args()
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
