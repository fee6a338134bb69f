"""Prints how fast and how well Carelens reads comments (sentiment + themes + serious).

    .venv/bin/python bench/text.py               # 5,000 demo comments, 5,000 real FFT comments
    .venv/bin/python bench/text.py --n 20000
    .venv/bin/python bench/text.py --loader 40000   # also the loader's way, workers and all

Speed: comments per second for `read_texts` (model already loaded), on the demo world's
care-home, home-care, GP, hospital and mental-health comments and on real FFT comments.
Quality on the demo comments, whose generator knows the truth: sentiment against the tone
each was written in, and serious-concern recall and precision. Quality on the hand-written
concern set (tests/sources/text/concern_cases.csv): recall on the serious sentences, and how
many negations and look-alikes were wrongly flagged.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import sys
import time
from collections import Counter
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sources import settings  # noqa: E402
from sources.demo import words as demo_text  # noqa: E402
from sources.text.detector import load_detector  # noqa: E402
from sources.text.reader import load_model, read_texts  # noqa: E402

TONE_TO_LABEL = {"positive": "positive", "mixed": "neutral", "negative": "negative"}


def demo_comments(n: int, seed: int) -> pd.DataFrame:
    """Returns n demo comments with the tone and serious key they were written with."""
    r = random.Random(seed)
    kinds = list(demo_text.VOCAB)
    themes = list(demo_text.NEGATIVE)
    rows = []
    for _ in range(n):
        tone = r.choices(["positive", "mixed", "negative"], [0.55, 0.15, 0.30])[0]
        serious = r.choice(list(demo_text.SERIOUS)) if r.random() < 0.1 else None
        picked = r.sample(themes, r.choice([1, 1, 2]))
        text = demo_text.compose_comment(r, r.choice(kinds), tone, picked, serious)
        rows.append({"text": text, "tone": tone, "serious": serious})
    return pd.DataFrame(rows)


def rate(texts: list[str]) -> str:
    """Returns comments read per second of wall time and per second of this process's CPU
    (best of two runs, model loaded): on a shared machine the second shows the code's
    speed, the first what the neighbours left of it."""
    wall = cpu = 0.0
    for _ in range(2):
        load_detector().forget()  # each run reads cold: no passage judged before
        start, start_cpu = time.perf_counter(), time.process_time()
        read_texts(texts)
        wall = max(wall, len(texts) / (time.perf_counter() - start))
        cpu = max(cpu, len(texts) / (time.process_time() - start_cpu))
    return f"{wall:,.0f} comments/s wall, {cpu:,.0f} per CPU-second"


def loader_rate(texts: list[str], what: str = "demo comments") -> str:
    """Comments per second read the loader's way (sources.load.texts._read_in_order), workers'
    start-up included, beside the same texts read in this process alone."""
    from sources.load import pool
    from sources.load.texts import _read_in_order

    chunks = [texts[i : i + pool.TEXT_CHUNK] for i in range(0, len(texts), pool.TEXT_CHUNK)]
    start = time.perf_counter()
    workers = settings.load_workers()
    list(_read_in_order(chunks, workers))
    pooled = len(texts) / (time.perf_counter() - start)
    load_detector().forget()
    start = time.perf_counter()
    read_texts(texts)
    alone = len(texts) / (time.perf_counter() - start)
    workers = workers if len(texts) >= pool.PARALLEL_ITEMS else 1
    return (
        f"the loader's way ({len(texts):,} {what}, {workers} worker processes): "
        f"{pooled:,.0f} comments/s wall; one process: {alone:,.0f}"
    )


def main() -> int:
    """Prints the figures; returns 0."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument(
        "--loader",
        type=int,
        default=0,
        help="also time this many demo comments read as the loader reads them (in worker "
        "processes from 20,000 texts, CARELENS_LOAD_WORKERS), start-up included",
    )
    args = parser.parse_args()

    start = time.perf_counter()
    load_model()
    print(f"model loaded in {time.perf_counter() - start:.2f} s")
    start = time.perf_counter()
    load_detector()
    print(f"serious-concern detector loaded in {time.perf_counter() - start:.2f} s")

    demo = demo_comments(args.n, args.seed)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"demo comments ({args.n:,}): {rate(demo['text'].tolist())}")
    feedback = settings.feedback_data_dir() / "patient-feedback" / "fft_themes_sentiment.csv"
    real = pd.read_csv(feedback)["text"].dropna().astype(str).tolist() if feedback.is_file() else []
    if real:
        some = (real * (args.n // len(real) + 1))[: args.n]
        print(f"real FFT comments ({len(some):,}): {rate(some)}")

    if args.loader:
        print(loader_rate(demo_comments(args.loader, args.seed + 1)["text"].tolist()))
        if real:
            # The FFT file holds fewer comments than a national load: it is read over again,
            # each copy made distinct so that no passage is judged from memory.
            copies = [f"{text} ({i // len(real)})" for i, text in enumerate(real * 8)]
            print(loader_rate(copies[: args.loader], "real FFT comments"))

    readings = read_texts(demo["text"].tolist())
    demo["label"] = [x.sentiment for x in readings]
    demo["flagged"] = [x.serious for x in readings]
    print("\nDemo comments, sentiment against the tone they were written in:")
    print(pd.crosstab(demo["tone"], demo["label"]).to_string())
    agree = (demo["tone"].map(TONE_TO_LABEL) == demo["label"]).mean()
    print(f"agreement {agree:.3f}")
    has = demo["serious"].notna()
    recall = demo.loc[has, "flagged"].mean()
    precision = demo.loc[demo["flagged"], "serious"].notna().mean()
    print(
        f"\nDemo serious concerns: recall {recall:.3f} ({int(has.sum())} written), "
        f"precision {precision:.3f} ({int(demo['flagged'].sum())} flagged)"
    )
    missed = demo.loc[has & ~demo["flagged"], "serious"]
    if len(missed):
        print("  missed by kind:", dict(Counter(missed)))

    cases = list(csv.DictReader((ROOT / "tests" / "sources" / "text" / "concern_cases.csv").open()))
    flagged = [x.serious for x in read_texts([c["text"] for c in cases])]
    serious = [f for f, c in zip(flagged, cases, strict=True) if c["serious"] == "1"]
    harmless = [f for f, c in zip(flagged, cases, strict=True) if c["serious"] == "0"]
    print(
        f"\nHand-written concern set ({len(cases)} sentences): recall "
        f"{sum(serious) / len(serious):.3f} ({sum(serious)}/{len(serious)}); "
        f"negations and look-alikes flagged {sum(harmless)}/{len(harmless)} "
        f"(precision {sum(serious) / max(1, sum(serious) + sum(harmless)):.3f})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
