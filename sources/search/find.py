"""The search itself: one function (`search_evidence`) the Search page and the provider
page both call, on SQLite's FTS5 or PostgreSQL's full-text search alike.

The role is checked here, on the server, not by the page: a role that may not read personal
data never has safeguarding summaries searched (and no search returns note authors, to
anyone), and a search that did read personal data is written to the audit log with its query
and filters. Matching words come back marked with « and » inside plain text (`snippet`,
made here alike for both databases from the spans each marks): shown as text, never markup.

Each kind of text is searched on its own (its best `limit` by relevance among its newest
CANDIDATES matches), then the kinds are merged by relevance, newest first at a tie.
Relevance is each database's own (FTS5's bm25, PostgreSQL's ts_rank_cd; for one provider
on SQLite, bm25's term-frequency part, `term_relevance`), so the two databases find the same
items but may order them differently; newest is the date on
PostgreSQL and the load order on SQLite, so past CANDIDATES matches they rank different
sets. Copies of one comment sent by another channel (duplicate_of) are left out, as on the
timeline.
"""

from __future__ import annotations

import datetime as dt
import heapq
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field

import pandas as pd
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from sources.people import access, audit
from sources.search.index import BY_KIND, CONFIG, SEARCHED, VECTOR, Searched
from sources.search.query import Parsed, parse, to_fts5, to_tsquery

HIT_COLUMNS: tuple[str, ...] = (
    "kind",
    "record_id",
    "provider_id",
    "provider_name",
    "provider_type",
    "region",
    "date",
    "snippet",
    "sentiment",
    "themes",
    "concern_kinds",
    "serious",
    "relevance",
)
OPEN, CLOSE, GAP = "«", "»", "…"
SNIPPET_CHARS = 240
MAX_LIMIT = 500
# A search reads at most the newest CANDIDATES matches of each kind and ranks them by
# relevance (all of them when fewer match): a word found in a million comments stays quick,
# and says "more than" (SearchResult.capped). Counting further would read every match.
CANDIDATES = 2_000
READ_KINDS = ("comment", "note")  # the texts read for tone, themes and concerns


@dataclass(frozen=True)
class SearchFilter:
    """What narrows a search; every field left empty means "any"."""

    provider_id: str | None = None
    region: str | None = None
    local_authority: str | None = None
    provider_type: str | None = None
    kinds: tuple[str, ...] = ()  # of SEARCHED's kinds; empty: every kind the role may read
    since: dt.date | None = None
    until: dt.date | None = None
    sentiment: str | None = None  # comments and notes only
    theme: str | None = None  # comments and notes only
    concern_kind: str | None = None  # comments and notes only

    def reads_only(self) -> bool:
        """True when a filter applies only to texts read for tone, themes and concerns."""
        return bool(self.sentiment or self.theme or self.concern_kind)


@dataclass
class SearchResult:
    """The hits (HIT_COLUMNS, best first), how many matched per kind, and notes."""

    hits: pd.DataFrame
    counts: dict[str, int]
    kinds: tuple[str, ...]  # the kinds searched
    parsed: Parsed
    notes: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        """Matches over every kind searched (the hits are the best `limit` of them); a kind
        with more than CANDIDATES counts CANDIDATES + 1."""
        return sum(self.counts.values())

    @property
    def capped(self) -> tuple[str, ...]:
        """The kinds with more than CANDIDATES matches: their count is "more than", and
        only their newest CANDIDATES were ranked by relevance."""
        return tuple(k for k, n in self.counts.items() if n > CANDIDATES)


def searchable_kinds(role: str | None) -> tuple[str, ...]:
    """The kinds of text `role` may search: safeguarding summaries only with personal data."""
    return tuple(
        s.kind for s in SEARCHED if not s.sensitive or access.may(role, access.VIEW_SENSITIVE)
    )


def search_evidence(
    engine: Engine,
    query: str,
    role: str | None,
    username: str,
    filters: SearchFilter = SearchFilter(),  # noqa: B008 - frozen, never mutated
    limit: int = 50,
) -> SearchResult:
    """The evidence matching `query` (sources.search.query's language) under `filters`,
    as `role` may read it; audited when personal data was searched.

    Raises PermissionError for a role that may not view providers, and
    sources.search.query.QueryError when the query holds nothing to search for.
    """
    if not access.may(role, access.VIEW_PROVIDERS):
        raise PermissionError("this role may not search the evidence")
    parsed = parse(query)
    notes = [parsed.note] if parsed.note else []
    allowed = searchable_kinds(role)
    asked = filters.kinds or allowed
    kinds = tuple(k for k in asked if k in allowed)
    if any(k not in allowed for k in asked if k in BY_KIND):
        notes.append("Safeguarding summaries are searched only for roles that may read them.")
    if filters.reads_only():
        kinds = tuple(k for k in kinds if k in READ_KINDS)
    limit = max(1, min(int(limit), MAX_LIMIT))
    counts: dict[str, int] = {}
    found: list[_Candidate] = []
    each = _all_candidates(engine, kinds, parsed, filters)
    for kind, (candidates, count) in zip(kinds, each, strict=True):
        counts[kind] = count
        found += candidates
    with engine.connect() as conn:
        # Only the hits shown are marked: one query per kind, for at most `limit` rows.
        best = _best(found, limit)
        frames = [
            _marked(conn, BY_KIND[kind], parsed, filters, [c for c in best if c.kind == kind])
            for kind in kinds
        ]
    hits = _merge(frames, limit)
    if any(BY_KIND[k].sensitive for k in kinds):
        audit.record(
            engine,
            username,
            "search",
            filters.provider_id or "all providers",
            json.dumps({"query": query[:500], **_filter_detail(filters)}, default=str),
        )
    return SearchResult(hits, counts, kinds, parsed, notes)


def _filter_detail(filters: SearchFilter) -> dict[str, object]:
    return {k: v for k, v in asdict(filters).items() if v not in (None, ())}


def _merge(frames: list[pd.DataFrame], limit: int) -> pd.DataFrame:
    parts = [f for f in frames if not f.empty]
    if not parts:
        return pd.DataFrame(columns=list(HIT_COLUMNS))
    hits = pd.concat(parts, ignore_index=True)
    hits["date"] = pd.to_datetime(hits["date"])
    hits["serious"] = hits["serious"].fillna(False).astype(bool)
    hits = hits.sort_values(
        ["relevance", "date", "kind", "record_id"],
        ascending=[False, False, True, True],
        kind="stable",
    )
    return hits.head(limit).reset_index(drop=True)


# ------------------------------------------------------------------ one kind, one database


def _conditions(
    s: Searched, filters: SearchFilter, dialect: str
) -> tuple[list[str], dict[str, object]]:
    """SQL conditions on `t` (the content table) and `p` (its provider), with their binds."""
    where: list[str] = []
    binds: dict[str, object] = {}
    day = (lambda d: d.isoformat()) if dialect == "sqlite" else (lambda d: d)
    if s.kind == "comment":
        where.append("t.duplicate_of IS NULL")
    equal = {
        "t.provider_id": filters.provider_id,
        "p.region": filters.region,
        "p.local_authority": filters.local_authority,
        "p.type": filters.provider_type,
    }
    if s.kind in READ_KINDS:
        equal["t.sentiment"] = filters.sentiment
    for i, (column, value) in enumerate(equal.items()):
        if value:
            where.append(f"{column} = :eq{i}")
            binds[f"eq{i}"] = value
    if filters.since:
        where.append(f"t.{s.date_column} >= :since")
        binds["since"] = day(filters.since)
    if filters.until:
        where.append(f"t.{s.date_column} <= :until")
        binds["until"] = day(filters.until)
    if s.kind in READ_KINDS:
        # ';'-separated lists: the value between separators, never a part of another one.
        for name, column, value in (
            ("theme", "themes", filters.theme),
            ("concern", "concern_kinds", filters.concern_kind),
        ):
            if value:
                where.append(f"(';' || t.{column} || ';') LIKE :{name}")
                binds[name] = f"%;{value};%"
    return where, binds


def _read_columns(s: Searched) -> str:
    if s.kind in READ_KINDS:
        return "t.sentiment, t.themes, t.concern_kinds, t.serious"
    return "NULL, NULL, NULL, NULL"


@dataclass(frozen=True)
class _Candidate:
    """One match before it is marked: its kind, key (rowid on SQLite, id on PostgreSQL),
    relevance (higher is better), day (ISO text) and id."""

    kind: str
    key: object
    relevance: float
    day: str
    record_id: str


def _best(found: list[_Candidate], limit: int) -> list[_Candidate]:
    """The `limit` best: by relevance, then the newer, then kind and id (as _merge)."""
    if len(found) > limit:
        # Only those at least as relevant as the limit-th can be among the best: the full
        # three-key sort of thousands of candidates was most of a common word's Python time.
        cut = heapq.nlargest(limit, (c.relevance for c in found))[-1]
        found = [c for c in found if c.relevance >= cut]
    ordered = sorted(found, key=lambda c: (c.kind, c.record_id))
    ordered.sort(key=lambda c: c.day, reverse=True)
    ordered.sort(key=lambda c: c.relevance, reverse=True)
    return ordered[:limit]


def _queries(
    conn: Connection, s: Searched, parsed: Parsed, filters: SearchFilter
) -> tuple[str, str, dict[str, object]]:
    """The candidates' and the marking's SQL for one kind, with their binds."""
    dialect = conn.dialect.name
    where, binds = _conditions(s, filters, dialect)
    if dialect == "sqlite":
        sql_best, sql_rows = _sqlite_sql(s, where, bool(filters.provider_id))
        binds["q"] = to_fts5(parsed.tree)
    else:
        sql_best, sql_rows = _postgres_sql(s, where)
        binds["q"] = to_tsquery(parsed.tree)
    return sql_best, sql_rows, binds


def _all_candidates(
    engine: Engine, kinds: tuple[str, ...], parsed: Parsed, filters: SearchFilter
) -> list[tuple[list[_Candidate], int]]:
    """_candidates of each kind. On PostgreSQL the kinds run at once, each on its own
    connection (its own server process): there each takes long enough to be worth it. On
    SQLite too for one provider, where each kind is hundreds of index seeks in C (the
    driver lets go of Python meanwhile: bench/search.py's provider shape 200 -> 150-190 ms);
    otherwise SQLite's kinds take a few milliseconds each and threads only added their cost."""

    def one(kind: str) -> tuple[list[_Candidate], int]:
        with engine.connect() as conn:
            return _candidates(conn, BY_KIND[kind], parsed, filters)

    if (engine.dialect.name == "sqlite" and not filters.provider_id) or len(kinds) < 2:
        return [one(kind) for kind in kinds]
    with ThreadPoolExecutor(max_workers=len(kinds)) as pool:
        return list(pool.map(one, kinds))


def _candidates(
    conn: Connection, s: Searched, parsed: Parsed, filters: SearchFilter
) -> tuple[list[_Candidate], int]:
    """The newest CANDIDATES matches of one kind, and how many matched (CANDIDATES + 1 for
    more than CANDIDATES)."""
    sql_best, _, binds = _queries(conn, s, parsed, filters)
    if conn.dialect.name == "postgresql" and not filters.provider_id:
        found = _newest_by_windows(conn, s, sql_best, binds, filters)
    else:
        # The driver's own tuples: Row objects for thousands of candidates cost more than
        # the query.
        found = conn.execute(text(sql_best), {**binds, "n": CANDIDATES + 1}).cursor.fetchall()
    if conn.dialect.name == "sqlite" and filters.provider_id:
        relevance = term_relevance([row[1] for row in found[:CANDIDATES]])
    else:
        relevance = [float(row[1]) for row in found[:CANDIDATES]]
    candidates = [
        _Candidate(s.kind, row[0], r, str(row[2]), str(row[3]))
        for row, r in zip(found, relevance, strict=False)
    ]
    return candidates, len(found)


# PostgreSQL's first window holds about WINDOW_MATCHES times the candidates by the planner's
# estimate; each next window is WINDOW_GROWTH times as long.
WINDOW_MATCHES = 2.0
WINDOW_GROWTH = 4


def _newest_by_windows(
    conn: Connection, s: Searched, sql_best: str, binds: dict[str, object], filters: SearchFilter
) -> list[tuple]:
    """The newest CANDIDATES + 1 matches on PostgreSQL, read a window of days at a time.

    Asked for the newest matches at once, the planner either reads every match from the
    GIN index and sorts them (a common word: 400,000 safeguarding summaries read for 2,001,
    0.5 s) or walks the date index testing each row, which it picks on an estimate that
    treats words as independent: "night staff" in incidents, where the two words are common
    but never meet, walked all 1.9 million rows (5.2 s). Within a window of days, without an
    order or a limit, it combines the GIN index with the date index and reads only the rows
    that match both. The first window is as long as should hold twice the candidates by the
    planner's estimate of the matches (all the days for a rare word); each next one is four
    times as long, until enough are found or the dates run out.
    """
    dates = conn.exec_driver_sql(
        f'SELECT min({s.date_column}), max({s.date_column}) FROM "{s.table}"'
    ).one()
    if dates[0] is None:
        return []
    low = max(dates[0], filters.since) if filters.since else dates[0]
    high = min(dates[1], filters.until) if filters.until else dates[1]
    plan = conn.execute(
        text(
            f'EXPLAIN (FORMAT JSON) SELECT 1 FROM "{s.table}" t, '
            f"to_tsquery('{CONFIG}'::regconfig, :q) q WHERE t.{VECTOR} @@ q"
        ),
        {"q": binds["q"]},
    ).scalar_one()
    plan = json.loads(plan) if isinstance(plan, str) else plan
    per_day = float(plan[0]["Plan"]["Plan Rows"]) / ((dates[1] - dates[0]).days + 1)
    days = max(1, int(WINDOW_MATCHES * (CANDIDATES + 1) / max(per_day, 1e-9)))
    # The bitmaps of a common word's rows kept exact: past work_mem they go lossy and
    # every row of a page read is tested again.
    conn.exec_driver_sql("SET LOCAL work_mem = '64MB'")
    window = sql_best.replace(
        " ORDER BY", f" AND t.{s.date_column} >= :lo AND t.{s.date_column} < :hi ORDER BY"
    ).rsplit(" LIMIT", 1)[0]
    found: list[tuple] = []
    hi = high + dt.timedelta(days=1)
    while hi > low and len(found) <= CANDIDATES:
        lo = max(low, hi - dt.timedelta(days=min(days, (hi - low).days)))
        found += conn.execute(text(window), {**binds, "lo": lo, "hi": hi}).cursor.fetchall()
        hi, days = lo, days * WINDOW_GROWTH
    found.sort(key=lambda row: (row[2], row[3]), reverse=True)
    return found[: CANDIDATES + 1]


def term_relevance(marked: list[str | None], k1: float = 1.2, b: float = 0.75) -> list[float]:
    """BM25's term-frequency part for texts with their matches marked (START/STOP): each
    marked run one occurrence, lengths in words against these texts' mean, every word of the
    query weighted alike. Used for one provider's search on SQLite, where FTS5's bm25 would
    count each word's documents over the whole table again for every row it ranks (76 ms
    for a provider's 12 alerts holding "staff"; 1 ms without it)."""
    counts = [(m or "").count(START) for m in marked]
    lengths = [len((m or "").split()) for m in marked]
    mean = sum(lengths) / len(lengths) if lengths else 1.0
    return [
        f * (k1 + 1) / (f + k1 * (1 - b + b * n / max(mean, 1.0))) if f else 0.0
        for f, n in zip(counts, lengths, strict=True)
    ]


def _marked(
    conn: Connection, s: Searched, parsed: Parsed, filters: SearchFilter, best: list[_Candidate]
) -> pd.DataFrame:
    """The rows of `best` (one kind), their matches marked, as HIT_COLUMNS."""
    if not best:
        return pd.DataFrame(columns=list(HIT_COLUMNS))
    _, sql_rows, binds = _queries(conn, s, parsed, filters)
    keys = {f"k{i}": c.key for i, c in enumerate(best)}
    listed = ", ".join(f":{k}" for k in keys)
    rows = conn.execute(text(sql_rows.replace(":keys", listed)), {**binds, **keys}).all()
    relevance = {c.key: c.relevance for c in best}
    # Each row: key, id, provider, name, type, region, date, marked, original, 4 readings.
    return pd.DataFrame.from_records(
        [
            (s.kind, *row[1:7], _snippet_of(row[7], row[8]), *row[9:], relevance[row[0]])
            for row in rows
        ],
        columns=list(HIT_COLUMNS),
    )


_SELECTED = "t.{id}, t.provider_id, p.name, p.type, p.region, t.{date}, {marked}, {read}"
# Around each matched word in the text the database marks: characters no one types.
START, STOP = "\ue000", "\ue001"


def _sqlite_sql(s: Searched, where: list[str], one_provider: bool) -> tuple[str, str]:
    """The newest keys with their relevance, and the row of one key with its matches marked.

    The marking is made only for the best rows: FTS5 would make one for every match. For one
    provider, its rows lead (CROSS JOIN fixes SQLite's order) and FTS5 seeks each by rowid:
    led by the index, a common word would walk a million matches to find a provider's few.
    """
    join = (
        f"FROM {s.table} t CROSS JOIN {s.fts} ON {s.fts}.rowid = t.rowid "
        if one_provider
        else f"FROM {s.fts} JOIN {s.table} t ON t.rowid = {s.fts}.rowid "
    )
    base = (
        join + "LEFT JOIN provider p ON p.provider_id = t.provider_id "
        f"WHERE {s.fts} MATCH :q" + "".join(f" AND {w}" for w in where)
    )
    # Newest first by rowid, the order FTS5 keeps its lists in, so a common word stops after
    # :n rows (rows are added as they are loaded, so rowid is the load order; a date order
    # would read every match). bm25 is lower for a better match: negated, higher is better.
    marked = f"highlight({s.fts}, 0, '{START}', '{STOP}')"
    relevance = marked if one_provider else f"-bm25({s.fts})"  # see term_relevance
    best = (
        f"SELECT {s.fts}.rowid, {relevance}, t.{s.date_column}, t.{s.id_column} {base} "
        f"ORDER BY {s.fts}.rowid DESC LIMIT :n"
    )
    marked += ", NULL"
    rows = (
        f"SELECT {s.fts}.rowid, "
        + _SELECTED.format(id=s.id_column, date=s.date_column, marked=marked, read=_read_columns(s))
        + f" {base} AND {s.fts}.rowid IN (:keys)"
    )
    return best, rows


def _postgres_sql(s: Searched, where: list[str]) -> tuple[str, str]:
    """The same two queries on PostgreSQL: tsvector @@ tsquery, ts_rank_cd, ts_headline.

    ts_headline marks the text as the index read it (punctuation made spaces, one for one,
    so every position is the original's) and the original comes back beside it: on the
    original itself it would drop anything that looks like a tag.
    """
    base = (
        f'FROM "{s.table}" t LEFT JOIN provider p ON p.provider_id = t.provider_id, '
        f"to_tsquery('{CONFIG}'::regconfig, :q) q "
        f"WHERE t.{VECTOR} @@ q" + "".join(f" AND {w}" for w in where)
    )
    # Newest first by date: for a common word the planner walks the date index and stops
    # after :n matches; for a rare one it reads the GIN index.
    best = (
        f"SELECT t.{s.id_column}, ts_rank_cd(t.{VECTOR}, q), t.{s.date_column}, t.{s.id_column} "
        f"{base} "
        f"ORDER BY t.{s.date_column} DESC, t.{s.id_column} DESC LIMIT :n"
    )
    cleaned = f"regexp_replace(coalesce(t.{s.text_column}, ''), '[[:punct:]]', ' ', 'g')"
    marked = (
        f"ts_headline('{CONFIG}'::regconfig, {cleaned}, q, "
        f"'HighlightAll=true, StartSel={START}, StopSel={STOP}'), t.{s.text_column}"
    )
    rows = (
        f"SELECT t.{s.id_column}, "
        + _SELECTED.format(id=s.id_column, date=s.date_column, marked=marked, read=_read_columns(s))
        + f" {base} AND t.{s.id_column} IN (:keys)"
    )
    return best, rows


# ------------------------------------------------------------------ the snippet


def matched_spans(marked: str) -> tuple[str, list[tuple[int, int]]]:
    """The text without the database's marks, and the (start, end) of each marked run."""
    plain: list[str] = []
    spans: list[tuple[int, int]] = []
    at, start = 0, None
    for char in marked:
        if char == START:
            start = at
        elif char == STOP:
            if start is not None and at > start:
                spans.append((start, at))
            start = None
        else:
            plain.append(char)
            at += 1
    return "".join(plain), spans


def snippet(text: str, spans: list[tuple[int, int]], width: int = SNIPPET_CHARS) -> str:
    """About `width` characters of `text` around its first matches, each match between
    « and », cut at spaces with … where text is left out; plain text, one line."""
    if not spans:
        flat = " ".join(text.split())
        return flat if len(flat) <= width else flat[: width - 1].rsplit(" ", 1)[0] + GAP
    first_start, first_stop = spans[0]
    begin = max(0, first_start - width // 8)  # a little before: the table shows the start
    if begin > 0:
        space = text.find(" ", begin, first_start)
        begin = space + 1 if space != -1 else begin
    end = min(len(text), max(begin + width, first_stop))
    if end < len(text):
        space = text.rfind(" ", first_stop, end)
        end = space if space != -1 else end
    out, at = [], begin
    for start, stop in spans:
        if start < at or stop > end:
            continue
        out += [text[at:start], OPEN, text[start:stop], CLOSE]
        at = stop
    out.append(text[at:end])
    body = " ".join("".join(out).split())
    return (GAP if begin > 0 else "") + body + (GAP if end < len(text) else "")


def _snippet_of(marked: object, original: object) -> str:
    """The snippet of a row: `marked` as the database returned it, with `original` the
    text itself when the marks were made on the index's reading of it (PostgreSQL)."""
    if not isinstance(marked, str):
        return ""
    plain, spans = matched_spans(marked)
    if isinstance(original, str):
        if len(plain) != len(original):  # the marks do not line up: show it unmarked
            return snippet(original, [])
        plain = original
    return snippet(plain, spans)
