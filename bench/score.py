"""Scoring at national scale: 50,000 providers and over 10 million evidence records.

    .venv/bin/python bench/score.py [--providers 50000] [--years 2.5] [--db bench/out/national.db]
        [--postgres postgresql+psycopg://USER@HOST:PORT/DATABASE]

Builds the store once (numpy straight into SQLite, not the demo text generator; reused when
the file exists) and counts its monthly rollups (sources/rollups.py: the loader keeps them,
the builder writes around it), then, each in a fresh process so peak memory is the
scoring's own:
- score every provider as of one day (risk.score.score_providers), its time and peak RSS;
- the floor: a plain NumPy aggregation (bincount by provider, month and kind) of the same
  records already in memory;
- the SQL floor: one plain GROUP BY provider, month and kind (harm; abuse type and risk;
  tone and seriousness) over each of the raw incidents, alerts and comments in the store,
  every grouped row fetched;
- score_and_store for that day (explanations and evidence ids included), then one new
  incident and the time to rescore that provider against the stored peers.
With --postgres, the same generated rows are COPied into that PostgreSQL database (once: it
must be empty or hold this bench's providers; the evidence tables are replaced) and the SQL
floor, score_and_store and the rescoring are measured there too.
Targets (issue 4): score under 60 s and 4 GB. Issue 19: score_and_store no slower than the
SQL floor in SQLite and under 2 GB; rescoring one provider under 0.1 s.
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
# A day mid-month: the rollups' months, then the raw rows of that month up to the day.
MID_MONTH = dt.date(2026, 6, 15)
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
    from sources.search import index as search_index

    for searched in search_index.SEARCHED:  # the search index is built once, at the end
        for suffix in ("ai", "ad", "au"):
            con.execute(f"DROP TRIGGER IF EXISTS {searched.fts}_{suffix}")
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
    # The rows went in around the loader: count the rollups as a load would have.
    from sources.rollups import rebuild_rollups

    engine = make_engine(f"sqlite:///{db}")
    t = time.perf_counter()
    with engine.begin() as conn:
        rebuild_rollups(conn)
    print(f"counted the monthly rollups from the raw evidence in {time.perf_counter() - t:.1f} s")
    t = time.perf_counter()
    search_index.rebuild(engine)  # make_engine put the triggers back; the rows are indexed here
    print(f"built the search index over the texts in {time.perf_counter() - t:.1f} s")
    engine.dispose()
    np.savez(db.with_suffix(".npz"), **{k: np.concatenate(v) for k, v in floor.items()})
    return counts


# The tables the builder fills and the columns it writes, copied as they are to PostgreSQL.
COPIED = {
    "provider": ("provider_id", "name", "type", "capacity"),
    "incident": ("incident_id", "provider_id", "occurred_on", "harm"),
    "safeguardingalert": ("alert_id", "provider_id", "raised_on", "abuse_type", "risk_level"),
    "comment": (
        "comment_id",
        "received_on",
        "text",
        "provider_id",
        "sentiment",
        "serious",
        "link_method",
    ),
    "inspection": ("inspection_id", "provider_id", "published_on", "overall"),
    "ebenote": ("note_id", "provider_id", "visit_on", "text", "sentiment_score", "serious"),
}


def copy_to_postgres(db: Path, url: str) -> bool:
    """Copies the builder's rows from the SQLite store `db` into the PostgreSQL store at
    `url` with COPY, unless it already holds them; returns whether it copied.

    Refuses (SystemExit) a database holding other providers: its evidence would be replaced.
    """
    from sources.store import make_engine

    source = sqlite3.connect(db)
    engine = make_engine(url)
    want = {t: source.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in COPIED}
    with engine.connect() as conn:
        have = {t: conn.exec_driver_sql(f"SELECT COUNT(*) FROM {t}").scalar() for t in COPIED}
        strangers = conn.exec_driver_sql(
            "SELECT COUNT(*) FROM provider WHERE substr(provider_id, 1, 2) <> '1-'"
        ).scalar()
    if have == want:
        return False
    if strangers:
        raise SystemExit(f"{url} holds other providers: give the bench an empty database")
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "TRUNCATE riskscore, riskpeers, scoring, " + ", ".join(COPIED) + " RESTART IDENTITY"
        )
        cursor = conn.connection.driver_connection.cursor()
        for table, columns in COPIED.items():
            listed = ", ".join(columns)
            rows = source.execute(f"SELECT {listed} FROM {table}")
            with cursor.copy(f"COPY {table} ({listed}) FROM STDIN") as copy:
                while batch := rows.fetchmany(100_000):
                    for row in batch:
                        copy.write_row(row)
        cursor.close()
        from sources.rollups import rebuild_rollups

        rebuild_rollups(conn)  # COPY went around the loader
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
    engine.dispose()
    source.close()
    return True


def sql_floor(db: Path, url: str | None) -> tuple[float, int]:
    """Seconds to run (and fetch) one GROUP BY provider, month and kind over each of the
    raw incidents, alerts and comments; and the grouped rows fetched."""
    if url:
        import psycopg

        con = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))
        month = "date_trunc('month', {})"
    else:
        con = sqlite3.connect(db)
        month = "substr({}, 1, 7)"
    queries = [
        f"SELECT provider_id, {month.format('occurred_on')}, harm, COUNT(*) "
        "FROM incident GROUP BY 1, 2, 3",
        f"SELECT provider_id, {month.format('raised_on')}, abuse_type, risk_level, COUNT(*) "
        "FROM safeguardingalert GROUP BY 1, 2, 3, 4",
        f"SELECT provider_id, {month.format('received_on')}, sentiment, serious, COUNT(*) "
        "FROM comment GROUP BY 1, 2, 3, 4",
    ]
    t = time.perf_counter()
    grouped = 0
    for sql in queries:
        cursor = con.cursor()
        cursor.execute(sql)
        grouped += len(cursor.fetchall())
    seconds = time.perf_counter() - t
    con.close()
    return seconds, grouped


def measure(db: Path, what: str, url: str | None = None) -> dict[str, float]:
    """Runs one measurement in this (fresh) process, on the SQLite store `db` or, given
    `url`, on that PostgreSQL store; returns its figures."""
    out: dict[str, float] = {}
    if what == "sqlfloor":
        out["sql_floor_s"], out["grouped"] = sql_floor(db, url)
    elif what == "floor":
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

        engine = make_engine(url or f"sqlite:///{db}")
        if what in ("score", "midmonth"):
            t = time.perf_counter()
            frame = score_providers(engine, AS_OF if what == "score" else MID_MONTH)
            out["score_s"] = time.perf_counter() - t
            out["providers"] = len(frame)
        elif what == "store":
            t = time.perf_counter()
            out["stored"] = score_and_store(engine, AS_OF, history_months=0)
            out["store_s"] = time.perf_counter() - t
            pid = "1-000000007"
            before = float(score_provider(engine, pid, AS_OF)["score"])
            # Written as any writer must: the rollups recounted in the same transaction.
            from sources.rollups import month_of, refresh_rollups

            key = [(pid, month_of(AS_OF))]
            with engine.begin() as conn:
                conn.exec_driver_sql("DELETE FROM incident WHERE incident_id = 'bench-new'")
                conn.exec_driver_sql(
                    "INSERT INTO incident (incident_id, provider_id, occurred_on, harm) "
                    f"VALUES ('bench-new', '{pid}', '{AS_OF.isoformat()}', 'death')"
                )
                refresh_rollups(conn, "incident", key)
            t = time.perf_counter()
            after = float(score_provider(engine, pid, AS_OF)["score"])
            out["rescore_one_s"] = time.perf_counter() - t
            out["rescore_before"], out["rescore_after"] = before, after
            with engine.begin() as conn:
                conn.exec_driver_sql("DELETE FROM incident WHERE incident_id = 'bench-new'")
                refresh_rollups(conn, "incident", key)
    out["peak_rss_gb"] = peak_rss_gb()
    # score_and_store's worker process (the explanations' reads of a big store), reaped.
    out["workers_peak_gb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024**2
    return out


def peak_rss_gb() -> float:
    """This process's own peak resident memory, GB.

    Linux's VmHWM belongs to the process's memory since its exec; ru_maxrss would also
    count the peak a child inherits from its parent at fork (the bench's own, just after
    building the store).
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024**2
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def main() -> int:
    """Builds (once) and measures; prints the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--providers", type=int, default=50_000)
    parser.add_argument("--years", type=float, default=2.5)
    parser.add_argument("--db", type=Path, default=ROOT / "bench" / "out" / "national.db")
    parser.add_argument(
        "--postgres", default=None, metavar="URL", help="also measure on this PostgreSQL store"
    )
    parser.add_argument("--measure", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--url", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.db, args.measure, args.url)))
        return 0
    if not args.db.exists():
        t = time.perf_counter()
        counts = build(args.db, args.providers, args.years)
        print(
            f"built {args.db} in {time.perf_counter() - t:.0f} s: {counts}, "
            f"{sum(counts.values()):,} records"
        )
    else:
        # A store built before the rollups gets them here, not inside a timed run.
        from sources.store import make_engine

        t = time.perf_counter()
        make_engine(f"sqlite:///{args.db}").dispose()
        print(
            f"opened the store (rollups counted if it had none) in {time.perf_counter() - t:.1f} s"
        )
    if args.postgres:
        t = time.perf_counter()
        if copy_to_postgres(args.db, args.postgres):
            print(f"copied {args.db} to PostgreSQL in {time.perf_counter() - t:.0f} s")
    figures: dict[str, float] = {}
    runs = [("floor", None), ("score", None), ("midmonth", None), ("sqlfloor", None)]
    runs += [("store", None)]
    if args.postgres:
        runs += [("sqlfloor", args.postgres), ("store", args.postgres)]
    for what, url in runs:
        command = [sys.executable, __file__, "--db", str(args.db), "--measure", what]
        run = subprocess.run(
            command + (["--url", url] if url else []),
            capture_output=True,
            text=True,
            check=True,
        )
        result = json.loads(run.stdout.strip().splitlines()[-1])
        where = "pg:" if url else ""
        figures.update({f"{where}{what}:{k}": v for k, v in result.items()})
    print(f"evidence records (incidents, alerts, comments): {figures['floor:records']:,.0f}")
    print(
        f"score every provider as of {AS_OF}: {figures['score:score_s']:.1f} s, "
        f"peak memory {figures['score:peak_rss_gb']:.2f} GB "
        f"({figures['score:providers']:,.0f} providers; target < 60 s, < 4 GB)"
    )
    print(
        f"score every provider as of {MID_MONTH} (mid-month: rollups, then that month's raw "
        f"rows): {figures['midmonth:score_s']:.1f} s, "
        f"peak memory {figures['midmonth:peak_rss_gb']:.2f} GB"
    )
    print(
        f"floor, NumPy bincount over the same records in memory: {figures['floor:floor_s']:.2f} s"
    )
    floor_label = "SQL floor (GROUP BY provider, month, kind over the raw evidence)"
    print(
        f"{floor_label}: {figures['sqlfloor:sql_floor_s']:.1f} s, "
        f"peak memory {figures['sqlfloor:peak_rss_gb']:.2f} GB "
        f"({figures['sqlfloor:grouped']:,.0f} grouped rows)"
    )
    print(
        f"score_and_store (explanations, evidence ids): {figures['store:store_s']:.1f} s, "
        f"peak memory {figures['store:peak_rss_gb']:.2f} GB "
        f"(its worker process {figures['store:workers_peak_gb']:.2f} GB besides)"
    )
    print(_rescore_line(figures, ""))
    if args.postgres:
        print(
            f"PostgreSQL {floor_label}: {figures['pg:sqlfloor:sql_floor_s']:.1f} s, "
            f"peak memory {figures['pg:sqlfloor:peak_rss_gb']:.2f} GB"
        )
        print(
            "PostgreSQL score_and_store (explanations, evidence ids): "
            f"{figures['pg:store:store_s']:.1f} s, "
            f"peak memory {figures['pg:store:peak_rss_gb']:.2f} GB "
            f"(its worker process {figures['pg:store:workers_peak_gb']:.2f} GB besides)"
        )
        print("PostgreSQL " + _rescore_line(figures, "pg:"))
    return 0


def _rescore_line(figures: dict[str, float], where: str) -> str:
    """The rescoring figure's line (its label stable for scripts that read it)."""
    seconds = figures[where + "store:rescore_one_s"]
    before, after = figures[where + "store:rescore_before"], figures[where + "store:rescore_after"]
    return (
        f"rescore one provider after a new incident: {seconds:.3f} s "
        f"(score {before:.1f} -> {after:.1f}; target < 0.1 s)"
    )


if __name__ == "__main__":
    sys.exit(main())
