"""How far can the evidence go? The score beside models that learn from far more than it may.

    .venv/bin/python bench/ceiling.py [--train 101 ... 106] [--test 1 2 3] [--work bench/out/worlds]

Issue 4 asks for a backtest ROC AUC of 0.90 over all providers and 0.85 over those last rated
Good or Outstanding. This measures what any reading of the indicators' numbers reaches on
the demo world, so the gap between the score and those targets can be read as the score's
shortfall or as the evidence's. Demo worlds (2,000 providers, `python -m sources demo`, then
`python -m sources load` into a SQLite store of their own; reused when present) are read
as of 2025-06-30 for the held-out seeds and as of 2024-06-30, 2024-12-31 and 2025-06-30 for
the training seeds (every outcome matured by the world's end). Outcome: the first rating in
the 365 days after the day is Requires improvement or Inadequate. Rows:
- the score (risk.score, the weights of risk/weights.py);
- logistic regression on outcomes: the indicators' z's, weights learned on the training
  worlds (the backtest's learned-weights challenger, with more data);
- gradient boosting on outcomes: every number the indicators hold (values, z's, observed
  and expected counts, uncertainties, the score's parts, size, type), learned on the
  training worlds;
- gradient boosting on the hidden state: the same numbers, fitted to the demo world's latent
  quality on the day, which no real regulator has. The best these numbers can say about the
  state the ratings are cut from: the evidence's ceiling, not a method;
- the hidden state itself on the day: perfect knowledge, beaten only by luck (ratings are
  cut from the state months later, plus inspector noise).
Years since the last rating, and the ratings' uncertainty (their staleness, the same
thing), are left out of every learned model: the regulator's schedule, not care
(METHOD-NOTES 1.6, risk/weights.py).
"""

from __future__ import annotations

import argparse
import datetime as dt
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import roc_auc_score  # noqa: E402

from risk.backtest import outcomes, read_truth  # noqa: E402
from risk.indicators import INDICATORS, compute_indicators, read_evidence  # noqa: E402
from risk.score import score_indicators  # noqa: E402
from sources.store import make_engine  # noqa: E402

TEST_DAY = dt.date(2025, 6, 30)
TRAIN_DAYS = (dt.date(2024, 6, 30), dt.date(2024, 12, 31), dt.date(2025, 6, 30))
HORIZON = 365
SCHEDULE = "rt_age"
ROWS = (
    "score",
    "logistic regression on outcomes (z's)",
    "gradient boosting on outcomes (every number)",
    "gradient boosting on the hidden state (evidence ceiling)",
    "hidden state on the day (perfect knowledge)",
)


def world(work: Path, seed: int, providers: int) -> tuple[str, Path]:
    """The store URL and truth folder of demo world `seed`, written and loaded if missing."""
    folder, db = work / f"world_{seed}", work / f"world_{seed}.db"
    url = f"sqlite:///{db}"
    if not db.exists():
        python = sys.executable
        run = {"cwd": ROOT, "check": True, "stdout": subprocess.DEVNULL}
        subprocess.run(
            [
                python,
                "-m",
                "sources",
                "demo",
                str(folder),
                "--providers",
                str(providers),
                "--seed",
                str(seed),
            ],
            **run,
        )
        partial = db.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        subprocess.run(
            [
                python,
                "-m",
                "sources",
                "load",
                str(folder),
                "--database-url",
                f"sqlite:///{partial}",
            ],
            **run,
        )
        partial.rename(db)
    return url, folder / "truth"


def _schedule(column: str) -> bool:
    """Columns that tell the time since the last rating: years since it, and the ratings'
    uncertainty, which is its staleness (risk.indicators)."""
    return SCHEDULE in column or column.startswith("u_rt_")


def read_world(url: str, truth_dir: Path, day: dt.date) -> pd.DataFrame:
    """Per provider as of `day`: every number the indicators hold, the score, the hidden
    latent on the day, the outcome (poor, NaN when not rated in the horizon) and whether
    the last rating on the day was Good or Outstanding."""
    engine = make_engine(url)
    scored = score_indicators(compute_indicators(read_evidence(engine, day, unrated_visits=False)))
    scored = scored.set_index("provider_id")
    numbers = scored.select_dtypes("number").drop(columns=["score"])
    numbers = numbers[[c for c in numbers.columns if not _schedule(c)]]
    for kind in sorted(scored["type"].unique()):
        numbers[f"type_{kind}"] = (scored["type"] == kind).astype(float)
    frame = numbers.add_prefix("f_")
    frame["score"] = scored["score"]
    truth = read_truth(truth_dir)
    latent = truth[truth["month"] == pd.Timestamp(day.replace(day=1))].set_index("provider_id")
    frame["latent"] = latent["latent"].reindex(frame.index)
    out = outcomes(engine, day, HORIZON).set_index("provider_id")
    frame["poor"] = out["poor"].reindex(frame.index)
    frame["good"] = out["last_before"].reindex(frame.index).isin(["Good", "Outstanding"])
    engine.dispose()
    return frame


def _features(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    return frame.reindex(columns=columns, fill_value=0.0).to_numpy(dtype=float)


@dataclass
class Learned:
    """The three models learned on the training worlds, and the columns each reads."""

    every: list[str]
    zs: list[str]
    logistic: LogisticRegression
    boosted: HistGradientBoostingClassifier
    ceiling: HistGradientBoostingRegressor


def learn(train: pd.DataFrame) -> Learned:
    """Fits the learned rows: on outcomes (rated providers) and on the hidden latent."""
    every = [c for c in train.columns if c.startswith("f_")]
    zs = [f"f_z_{k}" for k in INDICATORS if k != SCHEDULE]
    rated = train[train["poor"].notna()]
    known = train[train["latent"].notna()]
    logistic = LogisticRegression(C=0.5, max_iter=3000)
    logistic.fit(_features(rated, zs), rated["poor"].astype(int))
    boosted = HistGradientBoostingClassifier(max_iter=300, learning_rate=0.05, random_state=0)
    boosted.fit(_features(rated, every), rated["poor"].astype(int))
    ceiling = HistGradientBoostingRegressor(max_iter=400, learning_rate=0.05, random_state=0)
    ceiling.fit(_features(known, every), known["latent"])
    return Learned(every, zs, logistic, boosted, ceiling)


def rankings(models: Learned, test: pd.DataFrame) -> dict[str, np.ndarray]:
    """Each row's ranking of the test providers (higher = riskier)."""
    every = _features(test, models.every)
    latent = test["latent"].fillna(test["latent"].median()).to_numpy()
    return dict(
        zip(
            ROWS,
            (
                test["score"].to_numpy(),
                models.logistic.decision_function(_features(test, models.zs)),
                models.boosted.predict_proba(every)[:, 1],
                models.ceiling.predict(every),
                latent,
            ),
            strict=True,
        )
    )


def aucs(test: pd.DataFrame, ranking: np.ndarray) -> tuple[float, float]:
    """ROC AUC over every provider rated in the horizon and over those last rated G/O."""
    rated = test["poor"].notna().to_numpy()
    good = rated & test["good"].to_numpy()
    y = test["poor"].to_numpy()
    return (
        float(roc_auc_score(y[rated].astype(int), ranking[rated])),
        float(roc_auc_score(y[good].astype(int), ranking[good])),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=int, nargs="+", default=[101, 102, 103, 104, 105, 106])
    parser.add_argument("--test", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--providers", type=int, default=2000)
    parser.add_argument("--work", type=Path, default=ROOT / "bench" / "out" / "worlds")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    worlds = {s: world(args.work, s, args.providers) for s in (*args.train, *args.test)}
    print(f"worlds ready in {time.perf_counter() - start:.0f} s")
    train = pd.concat(
        [read_world(*worlds[s], day) for s in args.train for day in TRAIN_DAYS],
        ignore_index=True,
    )
    print(
        f"training: seeds {', '.join(map(str, args.train))} x {len(TRAIN_DAYS)} days, "
        f"{int(train['poor'].notna().sum())} outcomes, {len(train)} provider-days"
    )
    models = learn(train)
    table: dict[str, list[tuple[float, float]]] = {row: [] for row in ROWS}
    for seed in args.test:
        test = read_world(*worlds[seed], TEST_DAY)
        for row, ranking in rankings(models, test).items():
            table[row].append(aucs(test, ranking))
    heads = " | ".join(f"seed {s}" for s in args.test)
    print(f"\nROC AUC all / last rated Good or Outstanding, as of {TEST_DAY}, {HORIZON} days\n")
    print(f"| ranking | {heads} | mean |")
    print("|---" * (len(args.test) + 2) + "|")
    for row, values in table.items():
        cells = " | ".join(f"{a:.3f} / {g:.3f}" for a, g in values)
        mean = np.mean(values, axis=0)
        print(f"| {row} | {cells} | {mean[0]:.3f} / {mean[1]:.3f} |")
    print(f"\ntotal {time.perf_counter() - start:.0f} s; targets (issue 4): 0.90 / 0.85")


if __name__ == "__main__":
    main()
