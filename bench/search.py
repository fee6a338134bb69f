"""Full-text search at national scale: 50,000 providers and millions of texts.

    .venv/bin/python bench/search.py [--providers 50000] [--years 2.5] [--db bench/out/search.db]
        [--postgres postgresql+psycopg://USER@HOST:PORT/DATABASE] [--queries 50]

Builds the store once (reused when the file exists): providers as bench/score.py makes them,
public comments, expert notes, safeguarding summaries and incident descriptions at the
yearly rates of bench/score.py's TYPES (a fifth of the incidents carry a description), their
texts drawn from real FFT comments (../shared/data/patient-feedback) and the demo world's
writers, each made distinct by a number. Rows go in by plain INSERTs with the index's
triggers off; then it prints:
- the index built over every text (FTS5 'rebuild'), its time and the rows indexed;
- a load of 100,000 new comments in one transaction, with the index kept by its triggers
  and without (rolled back), and the difference: what the index costs a load;
- the latency of search_evidence (counts, the best 50, snippets) over `--queries` queries
  of different shapes (a common word, a rare one, phrases, prefixes, OR, NOT, filters by
  provider, region, type, kind, dates, tone), as an inspector: median and p95, and per shape.
  The queries run twice: the first pass, printed on its own line, reads what the load left
  out of memory (a filter that walks 24,000 matches' rows took 0.1 s with them in memory and
  up to 2.7 s from the disk); the "search latency" line is the second, as a running server
  answers.
With --postgres, the same rows are COPied into that (empty) PostgreSQL database, whose
generated column is the index, and the load and the queries are measured there too.
Target (issue 23): every query shape under 200 ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sqlite3
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.score import TYPES  # noqa: E402

END = dt.date(2026, 6, 30)
LOAD_ROWS = 100_000
REGIONS = ("London", "North West", "South East", "West Midlands", "Yorkshire", "South West")
INCIDENT_TEXTS = (
    "Resident found on the floor of their room at night; no injury seen.",
    "Wrong dose of medication given at the evening round; GP informed.",
    "Pressure sore found on the heel during personal care, grade {n}.",
    "Patient fell in the bathroom while unsupervised; bruising to the arm.",
    "Medicines chart not signed for the morning round on ward {n}.",
    "Call bell not answered for over {n} minutes; resident distressed.",
    "Agency staff member did not know the choking risk plan.",
    "Hoist sling the wrong size used for transfer; near miss.",
)
# (shape, query, filters): the shapes an inspector types.
SHAPES = (
    ("common word", "staff", {}),
    ("common word", "care", {}),
    ("rare word", "quokka", {}),
    ("rare word", "hoist", {}),
    ("two words", "night staff", {}),
    ("two words", "call bell", {}),
    ("phrase", '"night staff"', {}),
    ("phrase", '"did not"', {}),
    ("prefix", "medic*", {}),
    ("prefix", "bruis*", {}),
    ("OR", "rude OR unkind OR shouted", {}),
    ("NOT", "staff NOT night", {}),
    ("provider", "staff", {"provider": True}),
    ("provider", "medic*", {"provider": True}),
    ("region", '"night staff"', {"region": "London"}),
    ("type + dates", "fall*", {"provider_type": "care_home", "since": dt.date(2026, 1, 1)}),
    ("kind", "money", {"kinds": ("alert",)}),
    ("tone", "waited", {"sentiment": "negative"}),
)


def _pool(n: int, seed: int) -> dict[str, list[str]]:
    """Texts to draw rows from: real FFT comments and the demo world's writers."""
    from sources import settings
    from sources.demo import words as demo_text

    r = random.Random(seed)
    feedback = settings.feedback_data_dir() / "patient-feedback" / "fft_themes_sentiment.csv"
    real = pd.read_csv(feedback)["text"].dropna().astype(str).tolist() if feedback.is_file() else []
    kinds, themes = list(demo_text.VOCAB), list(demo_text.NEGATIVE)
    written = []
    for _ in range(n):
        tone = r.choices(["positive", "mixed", "negative"], [0.55, 0.15, 0.30])[0]
        text = demo_text.compose_comment(r, r.choice(kinds), tone, r.sample(themes, 1), None)
        written.append(text)
    abuse = ("neglect", "physical", "financial", "psychological", "organisational", "sexual")
    return {
        "comment": real + written,
        "note": [demo_text.compose_ebe_note(r, r.random()) for _ in range(n // 4)],
        "alert": [
            demo_text.compose_alert_summary(r, r.choice(abuse), "staff") for _ in range(n // 4)
        ],
        "incident": [t.format(n=r.randint(2, 40)) for t in INCIDENT_TEXTS for _ in range(50)],
    }


def _texts(pool: list[str], n: int, rng: np.random.Generator, start: int) -> list[str]:
    picks = rng.integers(0, len(pool), n)
    return [f"{pool[p]} ({start + i})" for i, p in enumerate(picks)]


def _providers(n: int, rng: np.random.Generator) -> pd.DataFrame:
    names = list(TYPES)
    shares = np.array([TYPES[t][0] for t in names])
    kind = rng.choice(len(names), n, p=shares / shares.sum())
    return pd.DataFrame(
        {
            "provider_id": [f"P{i:06d}" for i in range(n)],
            "name": [f"Provider {i}" for i in range(n)],
            "type": np.array(names)[kind],
            "region": np.array(REGIONS)[rng.integers(0, len(REGIONS), n)],
            "local_authority": [f"Authority {i % 300}" for i in range(n)],
            "kind": kind,
        }
    )


def _rows(providers: pd.DataFrame, years: float, rng: np.random.Generator) -> dict[str, int]:
    """How many rows of each kind, from TYPES' yearly rates."""
    rates = {t: TYPES[t] for t in TYPES}
    n = {"comment": 0.0, "alert": 0.0, "incident": 0.0, "note": 0.0}
    for t, count in providers["type"].value_counts().items():
        _, _, incidents, alerts, comments = rates[t]
        n["comment"] += count * comments * years
        n["alert"] += count * alerts * years
        n["incident"] += count * incidents * years / 5
        n["note"] += count * 2 * years
    return {k: int(v) for k, v in n.items()}


SPEC = {  # kind: (table, id column, date column, text column, extra columns)
    "comment": ("comment", "comment_id", "received_on", "text"),
    "note": ("ebenote", "note_id", "visit_on", "text"),
    "alert": ("safeguardingalert", "alert_id", "raised_on", "summary"),
    "incident": ("incident", "incident_id", "occurred_on", "description"),
}


def _frame(
    kind: str,
    n: int,
    providers: pd.DataFrame,
    pool: list[str],
    years: float,
    rng: np.random.Generator,
    start: int = 0,
) -> pd.DataFrame:
    """`n` rows of one kind spread over providers (by type's rate) and days."""
    table, id_col, date_col, text_col = SPEC[kind]
    days = (END - dt.timedelta(days=int(365 * years))).toordinal() + rng.integers(
        0, int(365 * years), n
    )
    who = rng.integers(0, len(providers), n)
    frame = pd.DataFrame(
        {
            id_col: [f"{kind[0].upper()}{start + i:09d}" for i in range(n)],
            "provider_id": providers["provider_id"].to_numpy()[who],
            date_col: [dt.date.fromordinal(int(d)).isoformat() for d in days],
            text_col: _texts(pool, n, rng, start),
        }
    )
    if kind in ("comment", "note"):
        frame["sentiment"] = np.array(["negative", "neutral", "positive"])[
            rng.choice(3, n, p=[0.3, 0.15, 0.55])
        ]
        frame["serious"] = rng.random(n) < 0.02
    if kind == "comment":
        frame["link_method"] = "given"
    if kind == "alert":
        frame["abuse_type"] = "neglect"
        frame["risk_level"] = np.array(["low", "medium", "high"])[rng.integers(0, 3, n)]
    if kind == "incident":
        frame["harm"] = "low"
    return frame.astype(object)  # Python values for the drivers (numpy's bool they refuse)


def _insert(conn: object, table: str, frame: pd.DataFrame) -> None:
    names = list(frame.columns)
    sql = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
    conn.executemany(sql, frame.itertuples(index=False, name=None))  # type: ignore[attr-defined]


def build(db: Path, providers_n: int, years: float, seed: int = 0) -> dict[str, int]:
    """The store at `db`, its rows inserted with the index's triggers off; rows per kind."""
    from sources.search import index
    from sources.store import make_engine

    db.parent.mkdir(parents=True, exist_ok=True)
    make_engine(f"sqlite:///{db}").dispose()
    rng = np.random.default_rng(seed)
    providers = _providers(providers_n, rng)
    pool = _pool(20_000, seed)
    counts = _rows(providers, years, rng)
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    for s in index.SEARCHED:  # the index is built once at the end, timed
        for suffix in ("ai", "ad", "au"):
            conn.execute(f"DROP TRIGGER IF EXISTS {s.fts}_{suffix}")
    _insert(conn, "provider", providers.drop(columns=["kind"]))
    for kind, n in counts.items():
        for start in range(0, n, 1_000_000):
            part = _frame(kind, min(1_000_000, n - start), providers, pool[kind], years, rng, start)
            _insert(conn, SPEC[kind][0], part)
            conn.commit()
            print(f"  built {kind}: {start + len(part):,} of {n:,}", flush=True)
    conn.close()
    return counts


def _index_build(db: Path) -> tuple[float, int]:
    """Builds the index over every text (triggers back, FTS5 rebuild); seconds, rows."""
    from sources.search import index
    from sources.store import make_engine

    engine = make_engine(f"sqlite:///{db}")  # puts the triggers back (ensure)
    start = time.perf_counter()
    index.rebuild(engine)
    took = time.perf_counter() - start
    with engine.connect() as conn:
        rows = sum(
            conn.exec_driver_sql(f"SELECT count(*) FROM {s.table}").scalar_one()
            for s in index.SEARCHED
        )
    engine.dispose()
    return took, rows


def _load_cost(engine: object, providers: pd.DataFrame, pool: list[str]) -> tuple[float, float]:
    """A load of LOAD_ROWS new comments in one transaction, with the index and without;
    each rolled back. Seconds each: the mean of two runs each, alternated after one run
    without that is not counted (it reads the tables' pages into memory). With the index it
    goes as the loader's does (sources.search.index.start_load / finish_load, the page cache
    of sources.load.write); without it, on SQLite, start_load's dropped insert trigger is
    simply not put back, and on PostgreSQL the generated column is dropped."""
    from sources.load.write import SQLITE_CACHE_KIB
    from sources.search import index

    rng = np.random.default_rng(99)
    frame = _frame("comment", LOAD_ROWS, providers, pool, 0.1, rng, start=900_000_000)
    names = list(frame.columns)
    rows = list(frame.itertuples(index=False, name=None))
    sqlite = engine.dialect.name == "sqlite"  # type: ignore[attr-defined]
    mark = "?" if sqlite else "%s"
    sql = f"INSERT INTO comment ({', '.join(names)}) VALUES ({', '.join([mark] * len(names))})"
    timings: dict[bool, list[float]] = {True: [], False: []}
    for keep_index in (False, True, False, True, False):
        with engine.connect() as conn:  # type: ignore[attr-defined]
            transaction = conn.begin()
            if sqlite:
                conn.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
            start = time.perf_counter()
            last = index.start_load(conn)
            if not keep_index and not sqlite:
                conn.exec_driver_sql(f"ALTER TABLE comment DROP COLUMN {index.VECTOR}")
            for at in range(0, len(rows), 20_000):
                conn.exec_driver_sql(sql, rows[at : at + 20_000])
            if keep_index:
                index.finish_load(conn, last)
            timings[keep_index].append(time.perf_counter() - start)
            transaction.rollback()
    # The first run without the index only warmed the cache.
    return float(np.mean(timings[True])), float(np.mean(timings[False][1:]))


def _queries(engine: object, providers: pd.DataFrame, n: int) -> pd.DataFrame:
    """Times search_evidence over `n` queries cycling through SHAPES; one row each."""
    from sources.search.find import SearchFilter, search_evidence

    rng = random.Random(5)
    found = []
    for i in range(n):
        shape, query, filters = SHAPES[i % len(SHAPES)]
        filters = dict(filters)
        if filters.pop("provider", False):
            picked = rng.randrange(len(providers))
            filters["provider_id"] = str(providers["provider_id"].iloc[picked])
        start = time.perf_counter()
        result = search_evidence(engine, query, "inspector", "bench", SearchFilter(**filters))
        took = time.perf_counter() - start
        found.append({"shape": shape, "query": query, "ms": took * 1000, "matches": result.total})
    return pd.DataFrame(found)


def _first_pass(where: str, times: pd.DataFrame) -> None:
    ms = times["ms"]
    print(
        f"search latency, first pass ({where}, {len(times)} queries, pages the load left "
        f"cold): median {ms.median():.0f} ms, p95 {np.percentile(ms, 95):.0f} ms, "
        f"max {ms.max():.0f} ms"
    )


def _report(where: str, times: pd.DataFrame) -> None:
    ms = times["ms"]
    print(
        f"search latency ({where}, {len(times)} queries): median {ms.median():.0f} ms, "
        f"p95 {np.percentile(ms, 95):.0f} ms, max {ms.max():.0f} ms"
    )
    by_shape = times.groupby("shape", sort=False).agg(
        median_ms=("ms", "median"), max_ms=("ms", "max"), matches=("matches", "max")
    )
    print(by_shape.round(0).astype(int).to_string())


def _copy_to_postgres(db: Path, url: str) -> None:
    """The SQLite store's rows COPied into an empty PostgreSQL store (timed by the caller)."""
    from sources.search import index
    from sources.store import make_engine

    engine = make_engine(url)
    source = sqlite3.connect(db)
    raw = engine.raw_connection()
    cursor = raw.cursor()
    tables = ["provider", *(s.table for s in index.SEARCHED)]
    for table in tables:
        columns = [r[1] for r in source.execute(f"PRAGMA table_info({table})")]
        listed = ", ".join(f'"{c}"' for c in columns)
        started = time.perf_counter()
        with cursor.copy(f'COPY "{table}" ({listed}) FROM STDIN') as copy:
            for row in source.execute(f"SELECT {listed} FROM {table}"):
                copy.write_row(row)
        raw.commit()
        print(f"  copied {table} in {time.perf_counter() - started:.1f} s", flush=True)
    cursor.execute("ANALYZE")
    raw.commit()
    raw.close()
    engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--providers", type=int, default=50_000)
    parser.add_argument("--years", type=float, default=2.5)
    parser.add_argument("--db", type=Path, default=ROOT / "bench" / "out" / "search.db")
    parser.add_argument("--postgres", default=None)
    parser.add_argument("--queries", type=int, default=50)
    args = parser.parse_args()

    from sources.store import make_engine

    if not args.db.exists():
        started = time.perf_counter()
        counts = build(args.db, args.providers, args.years)
        print(f"store built in {time.perf_counter() - started:.0f} s: {counts}")
        took, rows = _index_build(args.db)
        print(f"index build (FTS5 rebuild of every text): {took:.1f} s for {rows:,} texts")
    engine = make_engine(f"sqlite:///{args.db}")
    rng = np.random.default_rng(0)
    providers = _providers(args.providers, rng)
    pool = _pool(2_000, 1)["comment"]
    with_index, without = _load_cost(engine, providers, pool)
    print(
        f"load of {LOAD_ROWS:,} comments (SQLite, indexed as the loader does): "
        f"{with_index:.1f} s with the index, "
        f"{without:.1f} s without: the index adds {with_index - without:.1f} s"
    )
    _first_pass("SQLite", _queries(engine, providers, args.queries))
    _report("SQLite", _queries(engine, providers, args.queries))
    if args.postgres:
        pg = make_engine(args.postgres)
        with pg.connect() as conn:
            held = conn.exec_driver_sql("SELECT count(*) FROM comment").scalar_one()
        if not held:
            started = time.perf_counter()
            _copy_to_postgres(args.db, args.postgres)
            print(
                f"COPY into PostgreSQL with the generated column and GIN index: "
                f"{time.perf_counter() - started:.0f} s"
            )
        with_index, without = _load_cost(pg, providers, pool)
        print(
            f"load of {LOAD_ROWS:,} comments (PostgreSQL): {with_index:.1f} s with the index, "
            f"{without:.1f} s without: the index adds {with_index - without:.1f} s"
        )
        _first_pass("PostgreSQL", _queries(pg, providers, args.queries))
        _report("PostgreSQL", _queries(pg, providers, args.queries))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
