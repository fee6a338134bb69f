"""Serious concerns on comments nobody trained or tuned on: recall and false alarms per kind.

Reads the two evaluation sets, each written by a helper that saw only the kinds, never the
rules, the code or the training sentences: bench/data/serious_concerns_eval.csv (380
comments: 10 serious and 10 look-alikes for each of 19 kinds) and, written later by another
helper, serious_concerns_eval_2.csv (570: 15 and 15 a kind). Each is read with the shipped
reader, exactly as the loader does, beside the phrase rules alone; then both together per
kind; then the share of the shared feedback file's most critical comments (criticality -4
and -3) flagged.

    .venv/bin/python bench/concerns.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sources import settings  # noqa: E402
from sources.text.concerns import find_concerns  # noqa: E402
from sources.text.reader import read_texts  # noqa: E402
from sources.text.sentiment import split_sentences  # noqa: E402
from sources.text.training.detector import RENAMED  # noqa: E402

EVAL = Path(__file__).resolve().parent / "data" / "serious_concerns_eval.csv"
EVAL_2 = EVAL.with_name("serious_concerns_eval_2.csv")


def read_cases(path: Path) -> pd.DataFrame:
    """One evaluation set read as the loader reads comments, with the phrase rules beside."""
    cases = pd.read_csv(path, dtype=str, keep_default_na=False)
    cases["category"] = cases["category"].replace(RENAMED)
    cases["serious"] = cases["serious"] == "1"
    started = time.monotonic()
    readings = read_texts(cases["text"].tolist())
    seconds = time.monotonic() - started
    cases["flagged"] = [r.serious for r in readings]
    cases["first_kind"] = [r.concern_kinds[0] if r.concern_kinds else "" for r in readings]
    cases["any_kind"] = [
        c in r.concern_kinds for c, r in zip(cases["category"], readings, strict=True)
    ]
    cases["sentiment"] = [r.sentiment for r in readings]
    sentences, owner = split_sentences(cases["text"].tolist())
    ruled = set(owner[[bool(find_concerns(s)) for s in sentences]].tolist())
    cases["rules"] = [i in ruled for i in range(len(cases))]
    cases.attrs["seconds"] = seconds
    return cases


def per_kind(cases: pd.DataFrame) -> None:
    print(
        f"{'kind':26s} {'recall':>7s} {'false alarms':>13s} {'kind right':>11s}"
        f" {'rules recall':>13s}"
    )
    for kind, group in cases.groupby("category", sort=True):
        s, a = group[group["serious"]], group[~group["serious"]]
        print(
            f"{kind:26s} {s['flagged'].mean():7.2f} {a['flagged'].mean():13.2f}"
            f" {(s['first_kind'] == kind).mean():11.2f} {s['rules'].mean():13.2f}"
        )


def report(cases: pd.DataFrame) -> None:
    seconds = cases.attrs["seconds"]
    serious, alike = cases[cases["serious"]], cases[~cases["serious"]]
    print(
        f"evaluation set: {len(cases)} comments ({len(serious)} serious, {len(alike)} look-alikes)"
    )
    print(f"read in {seconds:.1f} s (model loading included)")
    print(
        f"overall: recall {serious['flagged'].mean():.3f},"
        f" false alarms {alike['flagged'].mean():.3f}"
        f" (phrase rules alone: recall {serious['rules'].mean():.3f},"
        f" false alarms {alike['rules'].mean():.3f})"
    )
    print(
        f"kind: first kind right {(serious['first_kind'] == serious['category']).mean():.3f},"
        f" among the kinds named {serious['any_kind'].mean():.3f}"
    )
    print(f"serious read as negative sentiment: {(serious['sentiment'] == 'negative').mean():.3f}")
    print()
    per_kind(cases)
    print()
    print("false alarms by kind of look-alike:")
    for kind, group in alike.groupby("lookalike"):
        print(f"  {kind:16s} {group['flagged'].mean():.2f} of {len(group)}")
    print("recall by setting:")
    for setting, group in serious.groupby("setting"):
        print(f"  {setting:20s} {group['flagged'].mean():.2f} of {len(group)}")


def main() -> None:
    first = read_cases(EVAL)
    report(first)
    if EVAL_2.is_file():
        second = read_cases(EVAL_2)
        print()
        print(f"second evaluation set ({EVAL_2.name}):")
        report(second)
        both = pd.concat([first, second], ignore_index=True)
        s, a = both[both["serious"]], both[~both["serious"]]
        print()
        print(
            f"both sets, {len(both)} comments: recall {s['flagged'].mean():.3f},"
            f" false alarms {a['flagged'].mean():.3f}"
        )
        per_kind(both)

    feedback = settings.feedback_data_dir() / "patient-feedback" / "fft_categories_criticality.csv"
    if feedback.is_file():
        critical = pd.read_csv(feedback).dropna(subset=["text"])
        print()
        for level in (-4, -3):
            texts = critical.loc[critical["criticality"] == level, "text"].astype(str).tolist()
            share = sum(r.serious for r in read_texts(texts)) / max(1, len(texts))
            print(f"shared feedback, criticality {level}: {share:.3f} of {len(texts)} flagged")


if __name__ == "__main__":
    main()
