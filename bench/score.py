"""Scoring at national scale: 50,000 providers and over 10 million evidence records.

    .venv/bin/python bench/score.py [--providers 50000] [--years 2.5] [--db bench/out/national.db]

Builds the store once (numpy straight into SQLite, not the demo text generator; reused when
the file exists), then, each in a fresh process so peak memory is the scoring's own:
- score every provider as of one day (risk.score.score_providers), its time and peak RSS;
- the floor: a plain NumPy aggregation (bincount by provider, month and kind) of the same
  records already in memory;
- score_and_store for that day (explanations and evidence ids included), then one new
  incident and the time to rescore that provider against the stored peers.
Targets (issue 4): score under 60 s and 4 GB; rescoring one provider under 1 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

END = dt.date(2026, 6, 30)
AS_OF = dt.date(2026, 6, 30)
# Type: share, median size, incidents, alerts, comments per year (METHOD-NOTES 4.1; the
# hospitals' incidents scaled down 20x to keep the file a few GB).
TYPES = {
    "care_home": (0.40, 35, 100, 15, 12),
    "homecare": (0.35, 45, 28, 8, 7),
    "gp_practice": (0.18, 9000, 17, 0.5, 15),
    "hospital": (0.07, 300, 320, 70, 200),
}
HARM_MIX = np.array([0.68, 0.25, 0.06, 0.008, 0.002])
HARMS = np.array(["none", "low", "moderate", "severe", "death"])
ABUSE = np.array(["neglect", "physical", "financial", "psychological", "organisational", "sexual"])
LEVELS = np.array(["low", "medium", "high"])


def build(db: Path, providers: int, years: float, seed: int = 0) -> dict[str, int]:
    """Writes the national store to `db` and the floor's arrays beside it; returns counts."""
    from sources.store import make_engine

    db.parent.mkdir(parents=True, exist_ok=True)
    make_engine(f"sqlite:///{db}").dispose()
    rng = np.random.default_rng(seed)
    names = list(TYPES)
    share = np.array([TYPES[t][0] for t in names])
    kind = rng.choice(len(names), providers, p=share / share.sum())
    median = np.array([TYPES[t][1] for t in names])[kind]
    size = np.maximum(1, np.round(median * rng.lognormal(0, 0.5, providers))).astype(int)
    quality = rng.normal(0, 0.7, providers)
    days = int(years * 365.25)
    start = END - dt.timedelta(days=days - 1)
    day_text = np.array([(start + dt.timedelta(days=int(d))).isoformat() for d in range(days)])
    day_month = np.array(
        [
            (start + dt.timedelta(days=int(d))).year * 12
            + (start + dt.timedelta(days=int(d))).month
            for d in range(days)
        ]
    )
    con = sqlite3.connect(db)
    con.execute("PRAGMA journal_mode=OFF")
    con.execute("PRAGMA synchronous=OFF")
    ids = np.array([f"1-{i:09d}" for i in range(providers)])
    con.executemany(
        "INSERT INTO provider (provider_id, name, type, capacity) VALUES (?, ?, ?, ?)",
        zip(
            ids.tolist(),
            [f"Service {i}" for i in range(providers)],
            np.array(names)[kind].tolist(),
            size.tolist(),
            strict=True,
        ),
    )
    rel = size / median
    counts: dict[str, int] = {}
    floor: dict[str, list[np.ndarray]] = {"provider": [], "month": [], "kind": []}

    def events(per_year: np.ndarray, tilt: float) -> tuple[np.ndarray, np.ndarray]:
        rate = per_year * rel * np.exp(tilt * quality) * days / 365.25
        n = rng.poisson(rate)
        who = np.repeat(np.arange(providers), n)
        return who, rng.integers(0, days, len(who))

    def keep(kind_code: int, who: np.ndarray, day: np.ndarray) -> None:
        floor["provider"].append(who.astype(np.int32))
        floor["month"].append((day_month[day] - day_month[0]).astype(np.int16))
        floor["kind"].append(np.full(len(who), kind_code, np.int8))

    per = {
        t: np.array([TYPES[t][i] for t in names])[kind]
        for t, i in (("inc", 2), ("sg", 3), ("cm", 4))
    }
    who, day = events(per["inc"], 0.3)
    harm = rng.choice(5, len(who), p=HARM_MIX)
    con.executemany(
        "INSERT INTO incident (incident_id, provider_id, occurred_on, harm) VALUES (?, ?, ?, ?)",
        zip(
            (f"i{k}" for k in range(len(who))),
            ids[who].tolist(),
            day_text[day].tolist(),
            HARMS[harm].tolist(),
            strict=True,
        ),
    )
    counts["incidents"] = len(who)
    keep(0, who, day)
    who, day = events(per["sg"], 0.7)
    con.executemany(
        "INSERT INTO safeguardingalert (alert_id, provider_id, raised_on, abuse_type, risk_level) "
        "VALUES (?, ?, ?, ?, ?)",
        zip(
            (f"s{k}" for k in range(len(who))),
            ids[who].tolist(),
            day_text[day].tolist(),
            ABUSE[rng.integers(0, len(ABUSE), len(who))].tolist(),
            LEVELS[rng.choice(3, len(who), p=[0.3, 0.5, 0.2])].tolist(),
            strict=True,
        ),
    )
    counts["alerts"] = len(who)
    keep(1, who, day)
    who, day = events(per["cm"], 0.25)
    negative = rng.random(len(who)) < 1 / (1 + np.exp(1.5 - 1.1 * quality[who]))
    con.executemany(
        "INSERT INTO comment (comment_id, received_on, text, provider_id, sentiment, serious, "
        "link_method) VALUES (?, ?, 'A comment.', ?, ?, ?, 'given')",
        zip(
            (f"c{k}" for k in range(len(who))),
            day_text[day].tolist(),
            ids[who].tolist(),
            np.where(negative, "negative", "positive").tolist(),
            (negative & (rng.random(len(who)) < 0.1)).astype(int).tolist(),
            strict=True,
        ),
    )
    counts["comments"] = len(who)
    keep(2, who, day)
    # Ratings: one or two per provider over the period; EbE notes at a third of them.
    n_r = rng.integers(1, 3, providers)
    who = np.repeat(np.arange(providers), n_r)
    day = rng.integers(0, days, len(who))
    rating = np.where(
        quality[who] + rng.normal(0, 0.45, len(who)) > 0.9, "Requires improvement", "Good"
    )
    con.executemany(
        "INSERT INTO inspection (inspection_id, provider_id, published_on, overall) "
        "VALUES (?, ?, ?, ?)",
        zip(
            (f"r{k}" for k in range(len(who))),
            ids[who].tolist(),
            day_text[day].tolist(),
            rating.tolist(),
            strict=True,
        ),
    )
    counts["ratings"] = len(who)
    noted = rng.random(len(who)) < 0.33
    con.executemany(
        "INSERT INTO ebenote (note_id, provider_id, visit_on, text, sentiment_score, serious) "
        "VALUES (?, ?, ?, 'A visit.', ?, 0)",
        zip(
            (f"n{k}" for k in range(int(noted.sum()))),
            ids[who[noted]].tolist(),
            day_text[day[noted]].tolist(),
            np.tanh(rng.normal(-quality[who[noted]], 0.5)).tolist(),
            strict=True,
        ),
    )
    counts["notes"] = int(noted.sum())
    con.commit()
    con.close()
    np.savez(db.with_suffix(".npz"), **{k: np.concatenate(v) for k, v in floor.items()})
    return counts


def measure(db: Path, what: str) -> dict[str, float]:
    """Runs one measurement in this (fresh) process; returns its figures."""
    out: dict[str, float] = {}
    if what == "floor":
        arrays = np.load(db.with_suffix(".npz"))
        p, m, k = arrays["provider"], arrays["month"], arrays["kind"]
        t = time.perf_counter()
        months = int(m.max()) + 1
        key = (p.astype(np.int64) * months + m) * 3 + k
        np.bincount(key, minlength=(int(p.max()) + 1) * months * 3)
        out["floor_s"] = time.perf_counter() - t
        out["records"] = len(p)
    else:
        from risk.score import score_and_store, score_provider, score_providers
        from sources.store import make_engine

        engine = make_engine(f"sqlite:///{db}")
        if what == "score":
            t = time.perf_counter()
            frame = score_providers(engine, AS_OF)
            out["score_s"] = time.perf_counter() - t
            out["providers"] = len(frame)
        elif what == "store":
            t = time.perf_counter()
            out["stored"] = score_and_store(engine, AS_OF, history_months=0)
            out["store_s"] = time.perf_counter() - t
            pid = "1-000000007"
            before = float(score_provider(engine, pid, AS_OF)["score"])
            with engine.begin() as conn:
                conn.exec_driver_sql(
                    "INSERT OR REPLACE INTO incident (incident_id, provider_id, occurred_on, harm) "
                    f"VALUES ('bench-new', '{pid}', '{AS_OF.isoformat()}', 'death')"
                )
            t = time.perf_counter()
            after = float(score_provider(engine, pid, AS_OF)["score"])
            out["rescore_one_s"] = time.perf_counter() - t
            out["rescore_before"], out["rescore_after"] = before, after
            with engine.begin() as conn:
                conn.exec_driver_sql("DELETE FROM incident WHERE incident_id = 'bench-new'")
    out["peak_rss_gb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    return out


def main() -> int:
    """Builds (once) and measures; prints the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--providers", type=int, default=50_000)
    parser.add_argument("--years", type=float, default=2.5)
    parser.add_argument("--db", type=Path, default=ROOT / "bench" / "out" / "national.db")
    parser.add_argument("--measure", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.db, args.measure)))
        return 0
    if not args.db.exists():
        t = time.perf_counter()
        counts = build(args.db, args.providers, args.years)
        print(
            f"built {args.db} in {time.perf_counter() - t:.0f} s: {counts}, "
            f"{sum(counts.values()):,} records"
        )
    figures: dict[str, float] = {}
    for what in ("floor", "score", "store"):
        run = subprocess.run(
            [sys.executable, __file__, "--db", str(args.db), "--measure", what],
            capture_output=True,
            text=True,
            check=True,
        )
        result = json.loads(run.stdout.strip().splitlines()[-1])
        figures.update({f"{what}:{k}": v for k, v in result.items()})
    print(f"evidence records (incidents, alerts, comments): {figures['floor:records']:,.0f}")
    print(
        f"score every provider as of {AS_OF}: {figures['score:score_s']:.1f} s, "
        f"peak memory {figures['score:peak_rss_gb']:.2f} GB "
        f"({figures['score:providers']:,.0f} providers; target < 60 s, < 4 GB)"
    )
    print(
        f"floor, NumPy bincount over the same records in memory: {figures['floor:floor_s']:.2f} s"
    )
    print(
        f"score_and_store (explanations, evidence ids): {figures['store:store_s']:.1f} s, "
        f"peak memory {figures['store:peak_rss_gb']:.2f} GB"
    )
    print(
        f"rescore one provider after a new incident: {figures['store:rescore_one_s']:.3f} s "
        f"(score {figures['store:rescore_before']:.1f} -> {figures['store:rescore_after']:.1f}; "
        "target < 1 s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
