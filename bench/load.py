"""Loader speed: rows per second and peak memory loading a million incidents into SQLite.

    .venv/bin/python bench/load.py [--incidents 1000000] [--providers 3000] [--dir DIR]

Writes a demo-like world (fictional providers, synthetic incidents graded by harm) as
contract files, then loads it twice into a fresh SQLite store in a child process, so the
peak memory printed is the loader's own: the first load (everything added), the reload
(nothing changes) and a day's new incidents (DAY_ROWS more rows), with the time each spent
recounting the monthly rollups (sources/rollups.py) inside it. Target: at least 50,000
rows/s, peak under 2 GB.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TYPES = ("care_home", "homecare", "gp_practice", "hospital", "mental_health")
HARMS = ("none", "low", "moderate", "severe", "death")
HARM_SHARE = (0.55, 0.33, 0.09, 0.025, 0.005)
CATEGORIES = ("falls", "medication", "pressure_ulcer", "infection", "behaviour", "other")
WORDS = ("Resident", "found", "on", "floor", "missed", "dose", "staff", "night", "reported")
DAY_ROWS = 1_000  # a day's new incidents, loaded into the full store
LOADS = ("first", "reload", "day")


def write_world(folder: Path, providers: int, incidents: int, seed: int = 1) -> None:
    """Writes providers.csv and incidents.csv (a synthetic, fictional world) into `folder`."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    ids = np.array([f"1-{1000000000 + i}" for i in range(providers)])
    pd.DataFrame(
        {
            "provider_id": ids,
            "name": [f"Bench Place {i}" for i in range(providers)],
            "type": rng.choice(TYPES, providers),
            "town": [f"Benchton {i % 300}" for i in range(providers)],
            "capacity": rng.integers(5, 200, providers),
        }
    ).to_csv(folder / "providers.csv", index=False)
    start = dt.date(2023, 1, 1).toordinal()
    chunk = 250_000
    with (folder / "incidents.csv").open("w", encoding="utf-8", newline="") as f:
        f.write("incident_id,provider_id,occurred_on,harm,category,reported_on,description\n")
        for first in range(0, incidents, chunk):
            n = min(chunk, incidents - first)
            day = rng.integers(0, 1277, n)
            occurred = pd.to_datetime(pd.Series(day + start).map(dt.date.fromordinal)).dt.strftime(
                "%Y-%m-%d"
            )
            reported = pd.to_datetime(
                pd.Series(day + start + rng.integers(0, 20, n)).map(dt.date.fromordinal)
            ).dt.strftime("%Y-%m-%d")
            words = rng.choice(WORDS, (n, 3))
            pd.DataFrame(
                {
                    "incident_id": [f"INC{first + i:08d}" for i in range(n)],
                    "provider_id": ids[rng.integers(0, providers, n)],
                    "occurred_on": occurred,
                    "harm": rng.choice(HARMS, n, p=HARM_SHARE),
                    "category": rng.choice(CATEGORIES, n),
                    "reported_on": reported,
                    "description": [" ".join(w) for w in words],
                }
            ).to_csv(f, header=False, index=False)


def write_day(folder: Path, world: Path) -> None:
    """Writes DAY_ROWS new incidents (new ids, the world's providers) into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = pd.read_csv(world / "incidents.csv", nrows=DAY_ROWS, dtype=str)
    rows["incident_id"] = "DAY" + rows["incident_id"]
    rows["occurred_on"] = rows["reported_on"] = "2026-06-29"
    rows.to_csv(folder / "incidents.csv", index=False)


def run_loads(folder: Path, database: Path) -> dict[str, float]:
    """Loads `folder` twice, then a day's incidents, into a new SQLite store; seconds,
    rows, seconds recounting rollups, and peak memory."""
    from sources.load import load_folder
    from sources.load import run as load_run
    from sources.store import make_engine

    engine = make_engine(f"sqlite:///{database}")
    figures: dict[str, float] = {}
    counting = [0.0]
    real = load_run.refresh_rollups, load_run.stored_keys

    def timed(call):  # the rollups' part of a load: their keys before, then the recount
        def run(*args, **kwargs):
            began = time.perf_counter()
            try:
                return call(*args, **kwargs)
            finally:
                counting[0] += time.perf_counter() - began

        return run

    load_run.refresh_rollups, load_run.stored_keys = (timed(f) for f in real)
    day = database.parent / "day"
    write_day(day, folder)
    for label in LOADS:
        counting[0] = 0.0
        began, cpu = time.perf_counter(), time.process_time()
        result = load_folder(engine, day if label == "day" else folder, by="bench")
        figures[f"{label}_seconds"] = time.perf_counter() - began
        figures[f"{label}_cpu"] = time.process_time() - cpu
        if not result.ok:
            raise SystemExit("\n".join(str(p) for p in result.problems[:10]))
        figures[f"{label}_rows"] = sum(result.rows.values())
        figures[f"{label}_added"] = sum(result.added.values())
        figures[f"{label}_updated"] = sum(result.updated.values())
        figures[f"{label}_rollups"] = counting[0]
    # ru_maxrss is in KiB on Linux.
    figures["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--incidents", type=int, default=1_000_000)
    parser.add_argument("--providers", type=int, default=3_000)
    parser.add_argument("--dir", type=Path, default=None, help="keep the world here")
    parser.add_argument("--child", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_loads(*args.child)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.dir or Path(tmp) / "world"
        if not (folder / "incidents.csv").exists():
            began = time.perf_counter()
            write_world(folder, args.providers, args.incidents)
            print(f"wrote the world in {time.perf_counter() - began:.1f} s")
        database = Path(tmp) / "bench.db"
        child = subprocess.run(
            [sys.executable, __file__, "--child", str(folder), str(database)],
            check=True,
            capture_output=True,
            text=True,
        )
        figures = json.loads(child.stdout.strip().splitlines()[-1])
    for label in LOADS:
        rows, seconds = figures[f"{label}_rows"], figures[f"{label}_seconds"]
        cpu = figures[f"{label}_cpu"]
        print(
            f"{label:>6} load: {rows:,.0f} rows in {seconds:.1f} s = {rows / seconds:,.0f} rows/s "
            f"({figures[f'{label}_added']:,.0f} added, {figures[f'{label}_updated']:,.0f} updated; "
            f"{cpu:.1f} s of CPU)"
        )
        print(
            f"{label:>6} load: recounting the monthly rollups {figures[f'{label}_rollups']:.2f} s"
        )
    print(f"peak memory of the loading process: {figures['peak_mb']:,.0f} MB")
    # Other work on the machine slows the wall clock, not the CPU seconds: compare both.
    print(f"load average now: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
