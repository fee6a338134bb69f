"""Small worlds for the score's tests, written straight into the store's tables.

`build` makes `providers` services of two types with a hidden quality each (higher is
worse) and monthly evidence whose rates follow it; helpers add the events a test needs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from sqlalchemy import insert
from sqlalchemy.engine import Engine

from sources.rollups import rebuild_rollups
from sources.store import (
    Comment,
    EbeNote,
    Incident,
    Inspection,
    Provider,
    SafeguardingAlert,
)

END = dt.date(2026, 6, 30)
HARMS = ("none", "low", "moderate", "severe", "death")


@dataclass
class World:
    """What `build` made: provider ids, their hidden quality and the last day."""

    ids: list[str]
    quality: np.ndarray
    end: dt.date


def month_start(end: dt.date, back: int) -> dt.date:
    """The first day of the month `back` months before `end`'s."""
    m = end.year * 12 + end.month - 1 - back
    return dt.date(m // 12, m % 12 + 1, 1)


def _insert(engine: Engine, table: type, rows: list[dict]) -> None:
    """Writes `rows` straight into `table`, recounting the rollups as a load would."""
    if rows:
        with engine.begin() as conn:
            conn.execute(insert(table), rows)
            rebuild_rollups(conn)


def build(engine: Engine, providers: int = 60, seed: int = 0, months: int = 30) -> World:
    """Fills `engine` with a world of `providers` services over `months` months to END."""
    rng = np.random.default_rng(seed)
    ids = [f"P{i:03d}" for i in range(providers)]
    types = np.where(np.arange(providers) % 3 == 2, "gp_practice", "care_home")
    capacity = np.where(
        types == "care_home", rng.integers(8, 90, providers), rng.integers(2000, 15000, providers)
    )
    quality = rng.normal(0, 0.6, providers)
    _insert(
        engine,
        Provider,
        [
            {"provider_id": p, "name": f"Home {p}", "type": str(t), "capacity": int(c)}
            for p, t, c in zip(ids, types, capacity, strict=True)
        ],
    )
    size = np.where(types == "care_home", capacity / 35, capacity / 9000)
    incidents, alerts, comments, inspections = [], [], [], []
    for back in range(months - 1, -1, -1):
        start = month_start(END, back)
        for i, p in enumerate(ids):
            q = quality[i]
            day = lambda s=start: s + dt.timedelta(days=int(rng.integers(0, 28)))  # noqa: E731
            rates = size[i] * np.array(
                [5 * np.exp(-0.2 * q), 2 * np.exp(0.1 * q), 0.4 * np.exp(0.7 * q)]
            )
            rates = np.append(rates, [0.03 * size[i] * np.exp(0.9 * q), 0.005 * size[i]])
            for h, n in zip(HARMS, rng.poisson(rates), strict=True):
                for _ in range(n):
                    incidents.append(
                        {
                            "incident_id": f"i{len(incidents)}",
                            "provider_id": p,
                            "occurred_on": day(),
                            "harm": h,
                        }
                    )
            for _ in range(rng.poisson(size[i] * 1.0 * np.exp(0.7 * q))):
                level = "high" if rng.random() < 1 / (1 + np.exp(1.6 - 0.6 * q)) else "medium"
                alerts.append(
                    {
                        "alert_id": f"s{len(alerts)}",
                        "provider_id": p,
                        "raised_on": day(),
                        "abuse_type": "neglect",
                        "risk_level": level,
                    }
                )
            for _ in range(rng.poisson(1.0 * np.exp(0.25 * q))):
                negative = rng.random() < 1 / (1 + np.exp(1.5 - 1.1 * q))
                comments.append(_comment(f"c{len(comments)}", p, day(), negative, False))
        if back % 12 == 6:
            for i, p in enumerate(ids):
                rating = "Good" if quality[i] + rng.normal(0, 0.4) < 0.7 else "Requires improvement"
                inspections.append(
                    {
                        "inspection_id": f"r{len(inspections)}",
                        "provider_id": p,
                        "published_on": start + dt.timedelta(days=int(rng.integers(0, 28))),
                        "overall": rating,
                    }
                )
    _insert(engine, Incident, incidents)
    _insert(engine, SafeguardingAlert, alerts)
    _insert(engine, Comment, comments)
    _insert(engine, Inspection, inspections)
    return World(ids, quality, END)


def _comment(cid: str, pid: str | None, day: dt.date, negative: bool, serious: bool) -> dict:
    return {
        "comment_id": cid,
        "provider_id": pid,
        "received_on": day,
        "text": "Staff ignored my mother." if negative else "Kind staff.",
        "sentiment": "negative" if negative else "positive",
        "sentiment_score": -0.7 if negative else 0.6,
        "themes": "caring;staffing" if negative else "caring",
        "serious": serious,
        "link_method": "given" if pid else "unlinked",
    }


def add_incidents(
    engine: Engine, provider_id: str, days: list[dt.date], harm: str, prefix: str
) -> None:
    """Adds one incident of `harm` on each of `days`."""
    _insert(
        engine,
        Incident,
        [
            {
                "incident_id": f"{prefix}{k}",
                "provider_id": provider_id,
                "occurred_on": d,
                "harm": harm,
            }
            for k, d in enumerate(days)
        ],
    )


def add_alerts(
    engine: Engine, provider_id: str, days: list[dt.date], prefix: str, level: str = "high"
) -> None:
    """Adds one safeguarding alert (neglect, `level` risk) on each of `days`."""
    _insert(
        engine,
        SafeguardingAlert,
        [
            {
                "alert_id": f"{prefix}{k}",
                "provider_id": provider_id,
                "raised_on": d,
                "abuse_type": "neglect",
                "risk_level": level,
            }
            for k, d in enumerate(days)
        ],
    )


def add_comments(
    engine: Engine,
    provider_id: str | None,
    days: list[dt.date],
    prefix: str,
    negative: bool = True,
    serious: bool = False,
) -> None:
    """Adds one comment on each of `days` (negative and serious as asked)."""
    _insert(
        engine,
        Comment,
        [_comment(f"{prefix}{k}", provider_id, d, negative, serious) for k, d in enumerate(days)],
    )


def add_note(engine: Engine, provider_id: str, day: dt.date, note_id: str, score: float) -> None:
    """Adds an expert-by-experience note of tone `score` (-1 negative .. 1 positive)."""
    _insert(
        engine,
        EbeNote,
        [
            {
                "note_id": note_id,
                "provider_id": provider_id,
                "visit_on": day,
                "text": "Visit note.",
                "sentiment": "negative" if score < 0 else "positive",
                "sentiment_score": score,
            }
        ],
    )
