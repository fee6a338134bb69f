"""The risk score of record: a transparent weighted sum of indicators, 0-100, dated.

score = 100 * sigmoid((INTERCEPT + sum_k w_k z_k) / SCORE_SCALE) (risk/weights.py; w_k the
weights in force, risk/weight_sets.py: the set ones unless an admin applied a refit). Its parts
are exact: the base term is 100 * sigmoid(INTERCEPT / SCORE_SCALE), and score - base is shared
between indicators in
proportion to w_k z_k (same sign as w_k z_k), so base + every part = the score. A source's
contribution is the sum of its indicators' parts.
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
from collections.abc import Callable, Mapping
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Table, delete, insert, select, text
from sqlalchemy.engine import Connection, Engine

from risk import voices
from risk import weights as W
from risk.indicators import (
    CUSUM,
    INDICATORS,
    POISSON,
    UNSCALED,
    Evidence,
    Indicators,
    Peers,
    apply_indicators,
    compute_indicators,
    month_end,
    month_index,
    read_evidence,
)
from risk.legend import SCORE_COLUMNS
from risk.weight_sets import applied_weights
from sources.store import RiskPeers, RiskScore, Scoring, utcnow

SOURCES: tuple[str, ...] = ("incidents", "safeguarding", "comments", "ebe_notes", "ratings")
BANDS: tuple[str, ...] = ("low", "moderate", "high", "very high")
# Evidence rows kept per provider and source in the stored explanation.
EVIDENCE_PER_SOURCE = 3


def band_of(score: np.ndarray | pd.Series) -> np.ndarray:
    """The band name of each score (bounds in weights.BAND_BOUNDS)."""
    return np.asarray(BANDS, dtype=object)[np.searchsorted(W.BAND_BOUNDS, score, side="right")]


def _sigmoid(x: np.ndarray | float) -> np.ndarray | float:
    return 1.0 / (1.0 + np.exp(-x))


def score_of_log_odds(log_odds: np.ndarray | float) -> np.ndarray | float:
    """The 0-100 score of a log-odds of a poor next rating: 100 * sigmoid(L / SCORE_SCALE)."""
    return 100.0 * _sigmoid(np.asarray(log_odds, dtype=float) / W.SCORE_SCALE)


def weight_values(weights: Mapping[str, float] | None = None) -> dict[str, float]:
    """Each indicator's weight (log-odds per z): `weights` where given, else the set
    weights of risk/weights.py."""
    if weights is None:
        return {k: W.WEIGHTS[k].weight for k in INDICATORS}
    return {k: float(weights[k]) for k in INDICATORS}


def score_indicators(ind: Indicators, weights: Mapping[str, float] | None = None) -> pd.DataFrame:
    """Scores from computed indicators: the columns of score_providers, with `weights` per
    indicator (default: the set weights of risk/weights.py; callers that read the store pass
    the applied ones, risk.weight_sets.applied_weights)."""
    f = ind.frame
    w = weight_values(weights)
    parts = {k: w[k] * f[f"z_{k}"].to_numpy() for k in INDICATORS}
    linear = sum(parts.values())
    base = float(score_of_log_odds(W.INTERCEPT))
    score = score_of_log_odds(W.INTERCEPT + linear)
    # score - base = factor * linear, factor > 0; at linear -> 0 its limit is the slope.
    at_base = _sigmoid(W.INTERCEPT / W.SCORE_SCALE)
    slope = 100.0 * at_base * (1 - at_base) / W.SCORE_SCALE
    small = np.abs(linear) < 1e-9
    factor = np.where(small, slope, (score - base) / np.where(small, 1.0, linear))
    out = pd.DataFrame({"provider_id": f["provider_id"], "score": score})
    out["band"] = band_of(score)
    # How much of the score rests on prior rather than data, weighted like the score.
    level = [k for k in INDICATORS if k not in CUSUM]
    total = sum(abs(w[k]) for k in level) or 1.0
    out["uncertainty"] = sum(abs(w[k]) * f[f"u_{k}"] for k in level) / total
    out["evidence_count"] = f["evidence_count"].to_numpy()
    for source in SOURCES:
        names = [k for k in INDICATORS if W.WEIGHTS[k].source == source]
        out[f"c_{source}"] = factor * sum(parts[k] for k in names)
    out["c_base"] = base
    out["type"] = f["type"].to_numpy()
    for k in INDICATORS:
        out[f"p_{k}"] = factor * parts[k]
    extra = [c for c in f.columns if c not in ("provider_id", "evidence_count", "type")]
    return pd.concat([out, f[extra]], axis=1)


def score_providers(engine: Engine, as_of: dt.date) -> pd.DataFrame:
    """One row per provider as of `as_of`: score 0-100, band, uncertainty 0-1, parts.

    Columns: provider_id, score, band, uncertainty, evidence_count, c_<source> for each of
    SOURCES and c_base (these sum to score), type, then per indicator k: p_k (points), k
    (value), z_k, u_k and, for counts, o_k, e_k, f_k (funnel z), pw_k.
    """
    ind = compute_indicators(read_evidence(engine, as_of))
    return score_indicators(ind, applied_weights(engine))


def _load_peers(engine: Engine, as_of: dt.date) -> Peers | None:
    with engine.connect() as conn:
        row = conn.execute(
            select(RiskPeers.params).where(RiskPeers.as_of == as_of)  # type: ignore[arg-type]
        ).first()
    if not row:
        return None
    peers = Peers.from_json(json.loads(row[0]))
    # Peers stored before an indicator was added cannot scale it: fit them again.
    scaled = [k for k in INDICATORS if k not in UNSCALED]
    return peers if all(k in peers.spreads for k in scaled) else None


def score_provider(engine: Engine, provider_id: str, as_of: dt.date) -> pd.Series:
    """One provider's score row as of `as_of`, against the peers stored for that day.

    Reads only this provider's evidence; without stored peers for the day it scores every
    provider (slow) and stores the peers.
    """
    peers = _load_peers(engine, as_of)
    weights = applied_weights(engine)
    if peers is None:
        ind = compute_indicators(read_evidence(engine, as_of))
        _store_peers(engine, ind.peers)
        frame = score_indicators(ind, weights)
    else:
        evidence = read_evidence(engine, as_of, provider_ids=[provider_id])
        frame = score_indicators(apply_indicators(evidence, peers), weights)
    rows = frame[frame["provider_id"] == provider_id]
    if rows.empty:
        raise KeyError(provider_id)
    return rows.iloc[0]


def _store_peers(engine: Engine, peers: Peers) -> None:
    with engine.begin() as conn:
        conn.execute(delete(RiskPeers).where(RiskPeers.as_of == peers.as_of))  # type: ignore[arg-type]
        conn.execute(
            insert(RiskPeers),
            [{"as_of": peers.as_of, "params": json.dumps(peers.to_json()), "fitted_at": utcnow()}],
        )


# ------------------------------------------------------------------ dates


def evidence_end(engine: Engine) -> dt.date | None:
    """The newest evidence or rating date in the store (the demo world's "today")."""
    sql = (
        "SELECT MAX(d) FROM ("
        "SELECT MAX(occurred_on) AS d FROM incident UNION ALL "
        "SELECT MAX(raised_on) FROM safeguardingalert UNION ALL "
        "SELECT MAX(received_on) FROM comment UNION ALL "
        "SELECT MAX(visit_on) FROM ebenote UNION ALL "
        "SELECT MAX(published_on) FROM inspection) AS dates"
    )
    with engine.connect() as conn:
        value = conn.execute(text(sql)).scalar()
    return _as_date(value)


def latest_as_of(engine: Engine) -> dt.date | None:
    """The newest as_of in RiskScore, or None when nothing has been scored."""
    with engine.connect() as conn:
        value = conn.execute(text("SELECT MAX(as_of) FROM riskscore")).scalar()
    return _as_date(value)


def _as_date(value: object) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def history_days(as_of: dt.date, history_months: int) -> list[dt.date]:
    """`as_of` and the `history_months` month-ends before it, newest first."""
    m = month_index(as_of)
    return [as_of, *(month_end(m - i) for i in range(1, history_months + 1))]


# ------------------------------------------------------------------ storing


def _round(value: float) -> float:
    return float(round(value, 4))


def _by_source(row: Any) -> dict[str, float]:
    parts = {s: _round(getattr(row, f"c_{s}")) for s in SOURCES}
    parts["base"] = _round(row.c_base)
    return parts


def _indicator_detail(row: pd.Series) -> dict[str, IndicatorPart]:
    detail = {}
    for k in INDICATORS:
        measured = {
            key: _round(row[f"{prefix}{k}"])
            for key, prefix in (("observed", "o_"), ("expected", "e_"))
            if f"{prefix}{k}" in row
        }
        detail[k] = IndicatorPart(
            source=W.WEIGHTS[k].source,
            points=_round(row[f"p_{k}"]),
            value=_round(row[k]),
            z=_round(row[f"z_{k}"]),
            uncertainty=_round(row[f"u_{k}"]),
            **measured,
            funnel_z=_round(row[f"f_{k}"]) if k in POISSON else None,
            p_worse=_round(row[f"pw_{k}"]) if k in POISSON else None,
            alarm=bool(row[k] > W.CUSUM_ALARM) if k in CUSUM else None,
        )
    return detail


def score_and_store(
    engine: Engine,
    as_of: dt.date | None = None,
    history_months: int = 12,
    progress: Callable[[float, str], None] | None = None,
) -> int:
    """Scores every provider as of `as_of` (default evidence_end) and each of the
    `history_months` month-ends before it; stores them (replacing those days); returns rows.

    The as-of day's explanation holds every indicator and the evidence rows behind the
    largest parts; history days hold the points per indicator.
    """
    return _score_and_store(engine, as_of, history_months, progress)[0]


def _score_and_store(
    engine: Engine,
    as_of: dt.date | None,
    history_months: int,
    progress: Callable[[float, str], None] | None = None,
) -> tuple[int, pd.DataFrame]:
    as_of = as_of or evidence_end(engine) or dt.date.today()
    # The explanations' reads (evidence rows, themes, silences) do not need the scores: they
    # run while the evidence is read and scored. On a thread they took a third off
    # score_and_store at 50,000 providers (bench/score.py), but both reads spend much of
    # their time making Python rows and shared one interpreter: 7.5 s alone became 16.7 s
    # beside the evidence's 11.3 s. A big store's are read in a process of their own.
    with _detail_pool(engine) as pool:
        if isinstance(pool, ProcessPoolExecutor):
            url = engine.url.render_as_string(hide_password=False)
            reads = pool.submit(_detail_reads_at, url, as_of)
        else:
            reads = pool.submit(_detail_reads, engine, as_of)
        try:
            evidence = read_evidence(engine, as_of)
        finally:
            try:
                detail_reads = reads.result()
            except BrokenProcessPool:
                # The worker died (out of memory, or a main module that starts work on
                # import, which spawn runs again): read them here.
                detail_reads = _detail_reads(engine, as_of)
    # Oldest first and the as-of day last: the store's stamp (views.store_stamp) takes the
    # newest scored day, so a page or the app's warming that reads while this runs never
    # caches a half-written history under the finished scoring's stamp.
    days = history_days(as_of, history_months)[::-1]
    weights = applied_weights(engine)
    stored = 0
    first = pd.DataFrame()
    for i, day in enumerate(days):
        if progress:
            progress(i / len(days), f"scoring as of {day.isoformat()}")
        ind = compute_indicators(evidence if day == as_of else evidence.until(day))
        frame = score_indicators(ind, weights)
        detail = _as_of_detail(detail_reads, frame) if day == as_of else None
        stored += _store_scores(engine, day, frame, detail)
        _store_peers(engine, ind.peers)
        if day == as_of:
            first = frame
    with engine.begin() as conn:
        conn.execute(
            insert(Scoring),
            [{"as_of": as_of, "days": len(days), "providers": len(first), "finished_at": utcnow()}],
        )
    if progress:
        progress(1.0, "scored")
    return stored, first


def score_table(engine: Engine, frame: pd.DataFrame) -> pd.DataFrame:
    """The rows `python -m risk score` writes: riskiest first, each provider's name, type
    and region beside its id, then score, band and the points from each source.

    Columns: risk.legend.SCORE_COLUMNS (provider_id, name, type, region, score 0-100, band,
    c_<source> for each of SOURCES and c_base: points that sum to the score); ties by id.
    """
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT provider_id, name, region FROM provider")).fetchall()
    register = pd.DataFrame(rows, columns=["provider_id", "name", "region"])
    parts = [*(f"c_{s}" for s in SOURCES), "c_base"]
    out = frame[["provider_id", "type", "score", "band", *parts]].merge(
        register, on="provider_id", how="left"
    )
    out = out.sort_values(["score", "provider_id"], ascending=[False, True], kind="stable")
    return out[list(SCORE_COLUMNS)].reset_index(drop=True)


def run_score_command(args: Any) -> int:
    """`python -m risk score`: scores, stores, writes the CSV (stdout without --out)."""
    import sys

    from sources.store import make_engine

    engine = make_engine(args.database_url) if args.database_url else _default_engine()
    as_of = args.as_of or evidence_end(engine) or dt.date.today()
    _, frame = _score_and_store(engine, as_of, args.history_months)
    out = score_table(engine, frame).round(4)
    if args.out:
        out.to_csv(args.out, index=False)
        print(f"scored {len(out)} providers as of {as_of.isoformat()} -> {args.out}")
    else:
        out.to_csv(sys.stdout, index=False)
    return 0


def _default_engine() -> Engine:
    from sources.store import get_engine

    return get_engine()


def _store_scores(
    engine: Engine, day: dt.date, frame: pd.DataFrame, detail: _AsOfDetail | None
) -> int:
    """Replaces the scores stored for `day` with `frame`'s; returns the rows written."""
    columns: dict[str, list[Any]] = {
        "provider_id": [str(p) for p in frame["provider_id"].tolist()],
        "score": frame["score"].astype(float).tolist(),
        "band": [str(b) for b in frame["band"].tolist()],
        "uncertainty": frame["uncertainty"].astype(float).tolist(),
        "evidence_count": [int(n) for n in frame["evidence_count"].tolist()],
        "contributions": contributions_json(frame),
        "explanation": explanations_json(frame, detail),
    }
    with engine.begin() as conn:
        conn.execute(delete(RiskScore).where(RiskScore.as_of == day))  # type: ignore[arg-type]
        _insert_scores(conn, day, utcnow(), columns)
    return len(frame)


def _insert_scores(
    conn: Connection, day: dt.date, now: dt.datetime, columns: dict[str, list[Any]]
) -> None:
    """Inserts one day's score rows given as columns, `day` and `now` in every row.

    On PostgreSQL with psycopg the rows are COPied; elsewhere one executemany of plain
    tuples, the day and the time bound through their columns' types once, not per row.
    """
    table: Table = RiskScore.__table__  # type: ignore[attr-defined]
    rows = len(columns["provider_id"])
    constants = {"as_of": day, "scored_at": now}
    names = [*columns, *constants]
    if not rows:
        return
    if conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg":
        listed = ", ".join(f'"{n}"' for n in names)
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f'COPY "{table.name}" ({listed}) FROM STDIN') as copy:
            for row in zip(*columns.values(), strict=True):
                copy.write_row((*row, day, now))
        cursor.close()
        return
    compiled = insert(table).compile(dialect=conn.dialect, column_keys=names)
    order = list(compiled.positiontup or [])
    if sorted(order) != sorted(names):
        # A named paramstyle (no positions): the general way, one dict per row.
        records = [
            dict(zip(names, (*row, day, now), strict=True))
            for row in zip(*columns.values(), strict=True)
        ]
        conn.execute(insert(table), records)
        return
    values: dict[str, list[Any]] = {}
    for name in names:
        kind = table.c[name].type
        process = kind.dialect_impl(conn.dialect).bind_processor(conn.dialect)
        if name in constants:
            value = constants[name]
            values[name] = [process(value) if process else value] * rows
        else:
            values[name] = [process(v) for v in columns[name]] if process else columns[name]
    for start in range(0, rows, _INSERT_ROWS):
        stop = start + _INSERT_ROWS
        chunk = list(zip(*(values[n][start:stop] for n in order), strict=True))
        conn.exec_driver_sql(compiled.string, chunk)


# Rows per executemany: bounds the memory of one batch of tuples.
_INSERT_ROWS = 20_000


def rounded(values: np.ndarray | pd.Series) -> np.ndarray:
    """Each value as a float rounded to 4 decimals, exactly as Python's round(v, 4).

    Vectorised: NumPy's rounding agrees with Python's except where v * 10^4 lies within a
    rounding error of half an integer, is too large to be exact, or is not finite; those
    few values are rounded by Python.
    """
    x = np.asarray(values, dtype=float)
    with np.errstate(over="ignore", invalid="ignore"):
        scaled = x * 1e4
        out = np.round(scaled) / 1e4
        tolerance = np.abs(scaled) * 1e-15 + 1e-12
        near_half = np.abs(scaled - np.floor(scaled) - 0.5) <= tolerance
        exact = np.abs(scaled) < 2.0**50
    fix = np.flatnonzero(near_half | ~exact)
    out[fix] = [round(float(v), 4) for v in x[fix]]
    return out


def _json_numbers(values: np.ndarray | pd.Series) -> list[str]:
    """What json.dumps writes for each value rounded to 4 decimals (one call for all)."""
    if len(values) == 0:
        return []
    # Each distinct value written once (by its bits: -0.0 and 0.0 are written apart): a
    # column of 50,000 scores' parts holds far fewer, and json's float writing was most of
    # storing a national scoring's explanations.
    bits, where = np.unique(rounded(values).view(np.int64), return_inverse=True)
    texts = json.dumps(bits.view(np.float64).tolist())[1:-1].split(", ")
    return [texts[i] for i in where.ravel().tolist()]


def _join_rows(parts: list[str | list[str]], rows: int) -> list[str]:
    """Per row, the concatenation of `parts`: a str is the same in every row, a list
    holds one str per row."""
    pattern = "".join(p.replace("%", "%%") if isinstance(p, str) else "%s" for p in parts)
    columns = [p for p in parts if not isinstance(p, str)]
    if not columns:
        return [pattern % ()] * rows
    return [pattern % row for row in zip(*columns, strict=True)]


def _json_object(items: list[tuple[str, str | list[str]]]) -> list[str | list[str]]:
    """The parts of a JSON object whose values are JSON text (one, or one per row)."""
    parts: list[str | list[str]] = ["{"]
    for i, (key, value) in enumerate(items):
        parts.append(("" if i == 0 else ", ") + json.dumps(key) + ": ")
        parts.append(value)
    parts.append("}")
    return parts


def contributions_json(frame: pd.DataFrame) -> list[str]:
    """Per row of score_indicators' frame: the `contributions` column, the JSON text of
    Explanation.by_source ({source: points} for SOURCES and "base", rounded to 4 decimals)."""
    items: list[tuple[str, str | list[str]]] = [
        (k, _json_numbers(frame[f"c_{k}"])) for k in [*SOURCES, "base"]
    ]
    return _join_rows(_json_object(items), len(frame))


def explanations_json(frame: pd.DataFrame, detail: _AsOfDetail | None) -> list[str]:
    """Per row of score_indicators' frame: the `explanation` column, the very text
    Explanation.to_json writes for that row's explanation (_explanation_of), built a
    column at a time.

    With `detail` None (a history day) the points per indicator alone; with it (the as-of
    day) every indicator's part and the provider's evidence, themes and silence too.
    """
    points = {k: _json_numbers(frame[f"p_{k}"]) for k in INDICATORS}
    by_indicator = _json_object(list(points.items()))
    if detail is None:
        return _join_rows(['{"by_indicator": ', *by_indicator, "}"], len(frame))
    parts: list[str | list[str]] = ['{"by_indicator": ', *by_indicator, ', "indicators": ']
    indicators: list[tuple[str, list[str | list[str]]]] = []
    for k in INDICATORS:
        items: list[tuple[str, str | list[str]]] = [
            ("source", json.dumps(W.WEIGHTS[k].source)),
            ("points", points[k]),
            ("value", _json_numbers(frame[k])),
            ("z", _json_numbers(frame[f"z_{k}"])),
            ("uncertainty", _json_numbers(frame[f"u_{k}"])),
        ]
        for key, prefix in (("observed", "o_"), ("expected", "e_")):
            if f"{prefix}{k}" in frame.columns:
                items.append((key, _json_numbers(frame[f"{prefix}{k}"])))
        if k in POISSON:
            items += [
                ("funnel_z", _json_numbers(frame[f"f_{k}"])),
                ("p_worse", _json_numbers(frame[f"pw_{k}"])),
            ]
        if k in CUSUM:
            alarm = frame[k].astype(float).to_numpy() > W.CUSUM_ALARM
            items.append(("alarm", np.where(alarm, "true", "false").tolist()))
        indicators.append((k, _json_object(items)))
    parts.append("{")
    for i, (k, inner) in enumerate(indicators):
        parts.append(("" if i == 0 else ", ") + json.dumps(k) + ": ")
        parts += inner
    parts.append("}")
    parts.append([_detail_json(str(p), detail) for p in frame["provider_id"].tolist()])
    return _join_rows(parts, len(frame))


def _detail_json(provider_id: str, detail: _AsOfDetail) -> str:
    """The end of an as-of day's explanation text: evidence, themes, any silence, "}"."""
    evidence = detail.evidence.get(provider_id, [])
    themes = detail.themes.get(provider_id, [])
    out = ', "evidence": ' + (json.dumps([r.to_json() for r in evidence]) if evidence else "[]")
    out += ', "themes": ' + (json.dumps([[t, n] for t, n in themes]) if themes else "[]")
    silence = detail.silence.get(provider_id)
    if silence is not None:
        last = silence.last_comment
        day = last.isoformat() if last is not None else None
        voice = {"last_comment": day, "days_silent": silence.days_silent}
        out += ', "no_recent_voice": ' + json.dumps(voice)
        out += ', "uncertainty_notes": ' + json.dumps([silence.note])
    return out + "}"


def _explanation_of(row: Any, day: dt.date, detail: _AsOfDetail | None) -> Explanation:
    """The explanation stored with one score row (a row of score_indicators' frame): the
    points per indicator on a history day (`detail` None), every field on the as-of day.

    The definition, one row at a time, that explanations_json and contributions_json
    (which write every row at once) must equal; the tests hold them to it."""
    head = {
        "provider_id": row.provider_id,
        "as_of": day,
        "score": float(row.score),
        "band": str(row.band),
        "uncertainty": float(row.uncertainty),
        "by_source": _by_source(row),
    }
    if detail is None:
        by_indicator = {k: _round(getattr(row, f"p_{k}")) for k in INDICATORS}
        return Explanation(**head, by_indicator=by_indicator)
    indicators = _indicator_detail(pd.Series(row._asdict()))
    silence = detail.silence.get(row.provider_id)
    return Explanation(
        **head,
        by_indicator={k: part.points for k, part in indicators.items()},
        indicators=indicators,
        evidence=detail.evidence.get(row.provider_id, []),
        themes=detail.themes.get(row.provider_id, []),
        no_recent_voice=silence,
        uncertainty_notes=[silence.note] if silence is not None else [],
    )


# ------------------------------------------------------------------ evidence behind a score

_HARM_RANK = "CASE harm WHEN 'death' THEN 0 WHEN 'severe' THEN 1 ELSE 2 END"
_LEVEL_RANK = "CASE risk_level WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END"


def _evidence_queries() -> dict[str, tuple[str, str]]:
    """Per source: (kind, SQL) listing the rows that most explain it, with columns
    provider_id, rid, day, summary, rank (lower rank first)."""
    return {
        "incidents": (
            "incident",
            "SELECT provider_id, incident_id AS rid, occurred_on AS day, harm || ' harm' "
            "|| COALESCE(': ' || category, '') "
            "|| COALESCE(' - ' || substr(description, 1, 140), '') AS summary, "
            f"{_HARM_RANK} AS rank FROM incident "
            "WHERE harm IN ('moderate', 'severe', 'death') "
            "AND occurred_on <= :d AND occurred_on > :since "
            "AND (reported_on IS NULL OR reported_on <= :d)",
        ),
        "safeguarding": (
            "alert",
            "SELECT provider_id, alert_id AS rid, raised_on AS day, risk_level || ' risk, ' "
            "|| abuse_type || COALESCE(', raised by ' || source, '') AS summary, "
            f"{_LEVEL_RANK} AS rank FROM safeguardingalert "
            "WHERE raised_on <= :d AND raised_on > :since",
        ),
        "comments": (
            "comment",
            "SELECT provider_id, comment_id AS rid, received_on AS day, "
            "substr(text, 1, 160) AS summary, CASE WHEN serious THEN 0 ELSE 1 END AS rank "
            "FROM comment WHERE provider_id IS NOT NULL AND duplicate_of IS NULL "
            "AND (serious OR sentiment = 'negative' OR rating <= 2) "
            "AND received_on <= :d AND received_on > :recent",
        ),
        "ebe_notes": (
            "note",
            "SELECT provider_id, note_id AS rid, visit_on AS day, "
            "substr(text, 1, 160) AS summary, CASE WHEN serious THEN 0 ELSE 1 END AS rank "
            "FROM ebenote WHERE visit_on <= :d AND visit_on > :since",
        ),
        "ratings": (
            "inspection",
            "SELECT provider_id, inspection_id AS rid, published_on AS day, 'rated ' "
            "|| overall || COALESCE(' (Safe: ' || safe || ')', '') AS summary, 0 AS rank "
            "FROM inspection WHERE published_on <= :d",
        ),
    }


def evidence_rows(
    engine: Engine, as_of: dt.date, provider_id: str | None = None, per: int = 3
) -> pd.DataFrame:
    """The evidence that most explains each source: provider_id, source, kind, id, date,
    summary; at most `per` rows per provider and source, most serious then newest first.

    Alerts show type, risk and who raised them, never their summary (personal data).
    """
    dialect = engine.dialect.name
    bind = (lambda d: d.isoformat()) if dialect == "sqlite" else (lambda d: d)
    params: dict[str, Any] = {
        "d": bind(as_of),
        "since": bind(as_of - dt.timedelta(days=365)),
        "recent": bind(as_of - dt.timedelta(days=183)),
    }
    frames = []
    for source, (kind, sql) in _evidence_queries().items():
        if provider_id is not None:
            sql += " AND provider_id = :pid"
            params["pid"] = provider_id
        ranked = (
            "SELECT provider_id, rid, day, summary FROM (SELECT q.*, ROW_NUMBER() OVER "
            "(PARTITION BY q.provider_id ORDER BY q.rank, q.day DESC) AS rn FROM ("
            + sql
            + ") AS q) AS r WHERE rn <= :per"
        )
        with engine.connect() as conn:
            # Plain tuples from the driver: a frame of SQLAlchemy Rows costs more than the query.
            result = conn.execute(text(ranked), {**params, "per": per})
            rows = result.cursor.fetchall()  # type: ignore[attr-defined]
        frame = pd.DataFrame.from_records(
            rows, columns=["provider_id", "id", "date", "summary"], coerce_float=False
        )
        frame["source"], frame["kind"] = source, kind
        frames.append(frame)
    out = pd.concat(frames, ignore_index=True)
    out["date"] = pd.to_datetime(out["date"]).dt.date
    return out[["provider_id", "source", "kind", "id", "date", "summary"]]


def _recurring_themes(
    engine: Engine, as_of: dt.date, provider_id: str | None = None
) -> dict[str, list[tuple[str, int]]]:
    """Per provider: (theme, count) of the themes in two or more negative comments in the
    last six months, most frequent first."""
    dialect = engine.dialect.name
    bind = (lambda d: d.isoformat()) if dialect == "sqlite" else (lambda d: d)
    sql = (
        "SELECT provider_id, themes, COUNT(*) FROM comment WHERE provider_id IS NOT NULL "
        "AND duplicate_of IS NULL AND sentiment = 'negative' AND themes IS NOT NULL "
        "AND themes <> '' AND received_on <= :d AND received_on > :recent"
    )
    params: dict[str, Any] = {
        "d": bind(as_of),
        "recent": bind(as_of - dt.timedelta(days=183)),
    }
    if provider_id is not None:
        sql += " AND provider_id = :pid"
        params["pid"] = provider_id
    with engine.connect() as conn:
        rows = conn.execute(text(sql + " GROUP BY 1, 2"), params).fetchall()
    if not rows:
        return {}
    frame = pd.DataFrame(rows, columns=["provider_id", "themes", "n"])
    frame["theme"] = frame["themes"].astype(str).str.split(";")
    frame = frame.explode("theme")
    frame["theme"] = frame["theme"].str.strip()
    counts = frame[frame["theme"] != ""].groupby(["provider_id", "theme"])["n"].sum()
    counts = (
        counts[counts >= 2].reset_index().sort_values(["provider_id", "n"], ascending=[True, False])
    )
    return {
        pid: [(str(t), int(n)) for t, n in zip(g["theme"], g["n"], strict=True)]
        for pid, g in counts.groupby("provider_id")
    }


@dataclass(frozen=True)
class _AsOfDetail:
    """What the as-of day's explanations hold beside the points, by provider id."""

    evidence: dict[str, list[EvidenceRow]]
    themes: dict[str, list[tuple[str, int]]]
    silence: dict[str, Silence]


@dataclass(frozen=True)
class _DetailReads:
    """What the explanations read from the store, before the scores are known."""

    rows: pd.DataFrame  # evidence_rows
    themes: dict[str, list[tuple[str, int]]]
    silence: dict[str, Silence]


# Providers from which the explanations' reads get a process of their own: starting one
# (Python and the libraries imported again) costs about two seconds.
DETAIL_PROCESS_PROVIDERS = 10_000


def _detail_pool(engine: Engine) -> ThreadPoolExecutor | ProcessPoolExecutor:
    """One worker for the explanations' reads: a spawned process for a big store in a file
    or on a server (spawned, not forked: the app's server has threads), a thread otherwise."""
    in_memory = engine.url.get_backend_name() == "sqlite" and engine.url.database in (
        None,
        "",
        ":memory:",
    )
    if not in_memory:
        with engine.connect() as conn:
            providers = conn.execute(text("SELECT count(*) FROM provider")).scalar_one()
        if providers >= DETAIL_PROCESS_PROVIDERS:
            return ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
    return ThreadPoolExecutor(max_workers=1)


def _detail_reads_at(url: str, as_of: dt.date) -> _DetailReads:
    """_detail_reads in a worker process, on its own engine for the store at `url`."""
    from sources.store import make_engine

    engine = make_engine(url)
    try:
        return _detail_reads(engine, as_of)
    finally:
        engine.dispose()


def _detail_reads(engine: Engine, as_of: dt.date) -> _DetailReads:
    return _DetailReads(
        rows=evidence_rows(engine, as_of, per=EVIDENCE_PER_SOURCE),
        themes=_recurring_themes(engine, as_of),
        silence=silence_notes(engine, as_of),
    )


def _as_of_detail(reads: _DetailReads, frame: pd.DataFrame) -> _AsOfDetail:
    """Per provider of `frame` (score_indicators'): the evidence behind its two largest
    positive source contributions, its recurring themes, and its silence if any."""
    return _AsOfDetail(
        evidence=_top_evidence(reads.rows, frame), themes=reads.themes, silence=reads.silence
    )


def _top_evidence(rows: pd.DataFrame, frame: pd.DataFrame) -> dict[str, list[EvidenceRow]]:
    """Evidence rows behind each provider's two largest positive source contributions."""
    parts = frame.set_index("provider_id")[[f"c_{s}" for s in SOURCES]]
    parts.columns = list(SOURCES)
    long = parts.stack().rename("points").reset_index()
    long.columns = ["provider_id", "source", "points"]
    long = long[long["points"] > 0].sort_values(["provider_id", "points"], ascending=[True, False])
    top = long.groupby("provider_id").head(2)[["provider_id", "source"]]
    picked = rows.merge(top, on=["provider_id", "source"])
    out: dict[str, list[EvidenceRow]] = {}
    # One pass over plain records, not a frame per provider.
    for r in picked.to_dict("records"):
        pid = r.pop("provider_id")
        if not pd.isna(pid):
            out.setdefault(pid, []).append(EvidenceRow(**r))
    return out


def silence_notes(engine: Engine, as_of: dt.date) -> dict[str, Silence]:
    """Per provider with no recent voice as of `as_of` (risk.voices.no_recent_voice):
    the flag stored in its score's explanation, its uncertainty note in `Silence.note`.

    Only a note: silence is no evidence, so it never moves the score (the comment
    indicators of a provider nobody writes about stay neutral, risk/indicators.py).
    """
    silent = voices.no_recent_voice(engine, as_of)
    notes: dict[str, Silence] = {}
    for row in silent.itertuples(index=False):
        heard = not pd.isna(row.last_comment)
        notes[row.provider_id] = Silence(
            last_comment=row.last_comment if heard else None,
            days_silent=int(row.days_silent) if heard else None,
        )
    return notes


# ------------------------------------------------------------------ explaining


@dataclass(frozen=True)
class IndicatorPart:
    """One indicator's share of a score and what it read (risk/indicators.py)."""

    source: str  # one of SOURCES
    points: float  # of the score, signed; the parts of a score's indicators sum to score - base
    value: float  # the indicator as computed
    z: float  # scaled by the peer spread and clipped
    uncertainty: float  # 0 (all data) .. 1 (all prior)
    observed: float | None = None  # decayed events (counts and shares); None for the others
    expected: float | None = None  # decayed expected events, or trials for shares
    funnel_z: float | None = None  # POISSON only: over-dispersion-adjusted z
    p_worse: float | None = None  # POISSON only: 0..1, P(ratio to peers > 1.5)
    alarm: bool | None = None  # CUSUM only: above the alarm level

    def to_json(self) -> dict[str, Any]:
        """A JSON-able dict: every field, those that are None left out."""
        return {k: v for k, v in asdict(self).items() if v is not None}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> IndicatorPart:
        """The part stored by to_json."""
        return cls(**{f.name: data.get(f.name) for f in fields(cls)})


@dataclass(frozen=True)
class EvidenceRow:
    """One piece of evidence behind a part of the score."""

    source: str  # one of SOURCES
    kind: str  # incident | alert | comment | note | inspection
    id: str
    date: dt.date | None
    summary: str

    def to_json(self) -> dict[str, Any]:
        """A JSON-able dict, the date as ISO text."""
        day = self.date.isoformat() if self.date is not None else None
        return {
            "source": self.source,
            "kind": self.kind,
            "id": self.id,
            "date": day,
            "summary": self.summary,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> EvidenceRow:
        """The row stored by to_json."""
        day = data.get("date")
        return cls(
            source=str(data.get("source") or ""),
            kind=str(data.get("kind") or ""),
            id=str(data.get("id") or ""),
            date=dt.date.fromisoformat(day) if day else None,
            summary=str(data.get("summary") or ""),
        )


@dataclass(frozen=True)
class Silence:
    """No recent voice (risk.voices.no_recent_voice): when the public was last heard from."""

    last_comment: dt.date | None  # None when never
    days_silent: int | None  # days since last_comment; None when never

    @property
    def note(self) -> str:
        """The uncertainty note said beside the score: what people think is unknown."""
        since = (
            f"since {self.last_comment:%d %B %Y} ({self.days_silent} days)"
            if self.last_comment is not None
            else "ever"
        )
        return (
            f"No recent voice: nothing heard from the public {since}, though services "
            "of this type usually hear from people. What people think of it is unknown, "
            "not good: the silence does not lower the score."
        )


@dataclass(frozen=True)
class Explanation:
    """A provider's score as of a day, what made it and the evidence behind it.

    Stored with the score (RiskScore): provider_id, as_of, score, band and uncertainty are
    the row's columns and by_source its `contributions`; everything else is the
    `explanation` column, written by to_json and read by from_json. A history day's
    explanation holds by_indicator alone; the as-of day's every field.
    """

    provider_id: str
    as_of: dt.date
    score: float  # 0..100
    band: str  # one of BANDS
    uncertainty: float  # 0 (all data) .. 1 (all prior)
    by_source: dict[str, float]  # SOURCES and "base": points summing to score
    by_indicator: dict[str, float]  # points per indicator, summing to score - base
    indicators: dict[str, IndicatorPart] = field(default_factory=dict)
    evidence: list[EvidenceRow] = field(default_factory=list)
    themes: list[tuple[str, int]] = field(default_factory=list)  # recurring: theme, comments
    no_recent_voice: Silence | None = None
    uncertainty_notes: list[str] = field(default_factory=list)  # e.g. no recent voice

    def to_json(self) -> str:
        """The `explanation` column's JSON text: by_indicator; with indicators, also them,
        the evidence and themes; no_recent_voice and uncertainty_notes when silent."""
        out: dict[str, Any] = {"by_indicator": self.by_indicator}
        if self.indicators:
            out["indicators"] = {k: part.to_json() for k, part in self.indicators.items()}
            out["evidence"] = [row.to_json() for row in self.evidence]
            out["themes"] = [[theme, count] for theme, count in self.themes]
        if self.no_recent_voice is not None:
            silence = self.no_recent_voice
            last = silence.last_comment
            day = last.isoformat() if last is not None else None
            out["no_recent_voice"] = {"last_comment": day, "days_silent": silence.days_silent}
        if self.uncertainty_notes:
            out["uncertainty_notes"] = self.uncertainty_notes
        return json.dumps(out)

    @classmethod
    def from_json(
        cls,
        text: str | None,
        *,
        provider_id: str,
        as_of: dt.date,
        score: float,
        band: str,
        uncertainty: float,
        by_source: dict[str, float],
    ) -> Explanation:
        """The explanation stored by to_json, with the row's own columns beside it.

        Text that is missing, empty ("{}", the column's default) or not a JSON object reads
        as an explanation of no indicators, evidence or notes; a key missing reads as empty.
        """
        try:
            data = json.loads(text or "{}")
        except ValueError:
            data = {}
        if not isinstance(data, dict):
            data = {}
        silence = data.get("no_recent_voice")
        last = (silence or {}).get("last_comment")
        return cls(
            provider_id=provider_id,
            as_of=as_of,
            score=score,
            band=band,
            uncertainty=uncertainty,
            by_source=by_source,
            by_indicator=dict(data.get("by_indicator") or {}),
            indicators={
                k: IndicatorPart.from_json(v) for k, v in (data.get("indicators") or {}).items()
            },
            evidence=[EvidenceRow.from_json(row) for row in data.get("evidence") or []],
            themes=[(str(theme), int(count)) for theme, count in data.get("themes") or []],
            no_recent_voice=None
            if silence is None
            else Silence(
                last_comment=dt.date.fromisoformat(last) if last else None,
                days_silent=silence.get("days_silent"),
            ),
            uncertainty_notes=[str(n) for n in data.get("uncertainty_notes") or []],
        )


def explain_provider(engine: Engine, provider_id: str, as_of: dt.date) -> Explanation:
    """Why `provider_id` scores what it does as of `as_of`: its score against the peers
    stored for that day (score_provider), the parts by source and by indicator, and the
    evidence behind the positive parts (up to EVIDENCE_PER_SOURCE rows per source)."""
    row = score_provider(engine, provider_id, as_of)
    detail = _indicator_detail(row)
    by_source = {s: float(row[f"c_{s}"]) for s in SOURCES}
    by_source["base"] = float(row["c_base"])
    ranked = sorted(SOURCES, key=lambda s: -by_source[s])
    rows = evidence_rows(engine, as_of, provider_id=provider_id, per=EVIDENCE_PER_SOURCE)
    order = {s: i for i, s in enumerate(ranked)}
    rows = rows.assign(order=rows["source"].map(order)).sort_values("order", kind="stable")
    evidence = [
        EvidenceRow(r.source, r.kind, str(r.id), r.date, str(r.summary or ""))
        for r in rows.itertuples(index=False)
        if by_source[r.source] > 0 or r.source == "ratings"
    ]
    silence = silence_notes(engine, as_of).get(provider_id)
    return Explanation(
        provider_id=provider_id,
        as_of=as_of,
        score=float(row["score"]),
        band=str(row["band"]),
        uncertainty=float(row["uncertainty"]),
        by_source=by_source,
        by_indicator={k: float(row[f"p_{k}"]) for k in INDICATORS},
        indicators=detail,
        evidence=evidence,
        themes=_recurring_themes(engine, as_of, provider_id).get(provider_id, []),
        no_recent_voice=silence,
        uncertainty_notes=[silence.note] if silence is not None else [],
    )


def scores_frame(
    evidence: Evidence, peers: Peers | None = None, weights: Mapping[str, float] | None = None
) -> pd.DataFrame:
    """Scores from already-read evidence (the backtest scores one read several ways)."""
    return score_indicators(compute_indicators(evidence, peers), weights)
