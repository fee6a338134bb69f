"""Do inspectors' verdicts teach the score? The set weights beside the weights refit on
ratings alone and on ratings and verdicts together, backtested on demo worlds.

    .venv/bin/python bench/weights.py [--seeds 1 2 3] [--as-of 2025-06-30]
        [--verdict-weights 1] [--providers 2000] [--work bench/out/worlds]

Each demo world (2,000 providers by default, with the verdicts its hidden state gives,
sources/demo/visits.py) is written and loaded into a SQLite store of its own the first time,
as bench/ceiling.py does (reused when present). Per world, as of the day: both refits learn
from the ratings published and the visits made in the year before it (risk/refit.py, signs
kept to their meaning), and every row is measured on the first rating in the year after it,
which no fit read. Rows: the score with the set weights of risk/weights.py; the refit on
ratings alone; the refit on ratings and verdicts, once per verdict weight asked for (how
many ratings one visit's verdicts weigh together); the backtest's unconstrained learned
challenger, for reference (its signs are free, the schedule term included). Columns as
`python -m risk backtest` prints them, then the mean over the worlds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from ceiling import world  # noqa: E402

from risk import refit as R  # noqa: E402
from risk.backtest import backtest  # noqa: E402
from risk.weight_sets import applied_weights  # noqa: E402
from sources.store import make_engine  # noqa: E402

COLUMNS = {
    "auc_all": "AUC all",
    "auc_good": "AUC G/O",
    "p10_all": "P@10% all",
    "p10_good": "P@10% G/O",
    "auc_failing_now": "AUC failing now",
    "auc_failing_horizon": "AUC failing in horizon",
}
SET = "set weights"
LEARNED = "score, learned weights"


def measure(
    url: str, truth: Path, as_of: dt.date, verdict_weights: list[float], horizon: int = 365
) -> tuple[pd.DataFrame, dict[str, int]]:
    """One world's rows (ways of ranking) by COLUMNS, and what the refits read."""
    engine = make_engine(url)
    if applied_weights(engine) is not None:
        raise SystemExit(f"{url}: another weight set is applied; the bench needs the set weights")
    ex = R.learn_from(engine, as_of, horizon)
    rows: dict[str, dict[str, float]] = {
        "refit, ratings": R.refit(engine, as_of, horizon, False, examples=ex).weights
    }
    for lam in verdict_weights:
        rows[f"refit, +verdicts x{lam:g}"] = R.refit(
            engine, as_of, horizon, True, lam, examples=ex
        ).weights
    result = backtest(engine, as_of, horizon, truth, learned=True, challengers=rows)
    names = ["score", *rows, LEARNED]
    table = pd.DataFrame(
        [{label: getattr(result.method(n), key) for key, label in COLUMNS.items()} for n in names],
        index=[SET if n == "score" else n for n in names],
    )
    read = {
        "rated": len(ex.rating_y),
        "poor": int(ex.rating_y.sum()),
        "verdicts": len(ex.verdict_y),
        "confirmed": int(ex.verdict_y.sum()),
        "visits": int(ex.verdicts_read.groupby(["provider_id", "visit_on"]).ngroups),
    }
    return table, read


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date(2025, 6, 30))
    parser.add_argument("--verdict-weights", type=float, nargs="+", default=[1.0])
    parser.add_argument("--providers", type=int, default=2000)
    parser.add_argument("--work", type=Path, default=ROOT / "bench" / "out" / "worlds")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    tables = []
    for seed in args.seeds:
        began = time.perf_counter()
        url, truth = world(args.work, seed, args.providers)
        table, read = measure(url, truth, args.as_of, args.verdict_weights)
        tables.append(table)
        print(
            f"seed {seed}, as of {args.as_of}: learned from {read['rated']} ratings "
            f"({read['poor']} poor) and {read['verdicts']} verdicts looked at "
            f"({read['confirmed']} confirmed) on {read['visits']} visits in the year before; "
            f"{time.perf_counter() - began:.0f} s"
        )
        print(table.to_string(float_format=lambda v: f"{v:.3f}"))
        print()
    mean = sum(tables[1:], tables[0]) / len(tables)
    print(f"mean over seeds {', '.join(str(s) for s in args.seeds)}")
    print(mean.to_string(float_format=lambda v: f"{v:.3f}"))


if __name__ == "__main__":
    main()
