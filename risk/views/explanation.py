"""What makes a score: its parts in words, the explanation risk/score.py stored with it,
the indicator table, and the evidence behind the largest parts (with the personal data
beside it that pages pass through access.redact)."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
from sqlalchemy import select
from sqlalchemy.engine import Engine

from risk.score import Explanation
from risk.views.frames import parse_dates, present
from sources.store import RiskScore

PART_LABELS: dict[str, str] = {
    "incidents": "incidents",
    "safeguarding": "safeguarding alerts",
    "comments": "public comments",
    "ebe_notes": "expert by experience notes",
    "ratings": "ratings history",
    "base": "baseline",
}


INDICATOR_LABELS: dict[str, str] = {
    "inc_severe": "incidents: severe harm and deaths",
    "inc_moderate": "incidents: moderate harm",
    "inc_reporting": "incidents: reporting of small ones",
    "inc_cusum": "incidents: recent rise",
    "inc_fewer_harms": "incidents: fewer harms than peers",
    "sg_weighted": "safeguarding: alerts by type and risk",
    "sg_high": "safeguarding: high-risk alerts",
    "sg_cusum": "safeguarding: recent rise",
    "sg_fewer_alerts": "safeguarding: fewer alerts than peers",
    "cm_negative": "comments: share negative",
    "cm_serious": "comments: serious concerns",
    "cm_low_stars": "comments: 1-2 stars",
    "cm_volume": "comments: how many",
    "cm_cusum": "comments: recent rise in negative",
    "ebe_negative": "expert notes: tone",
    "ebe_serious": "expert notes: serious concerns",
    "rt_last": "ratings: last overall rating",
    "rt_safe": "ratings: last Safe rating",
    "rt_decline": "ratings: fell last time",
    "rt_age": "ratings: years since rated",
    "rt_history": "ratings: every rating, recent ones weigh more",
}


def contribution_parts(contributions: dict[str, object] | None) -> pd.DataFrame:
    """A {part: points} mapping as rows part, points, largest magnitude first.

    Parts named like c_incidents lose the prefix; non-numeric values are left out.
    """
    rows = []
    for name, value in (contributions or {}).items():
        try:
            points = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            continue
        key = name[2:] if name.startswith("c_") else name
        label = PART_LABELS.get(key) or INDICATOR_LABELS.get(key) or key.replace("_", " ")
        rows.append((label, points))
    frame = pd.DataFrame(rows, columns=["part", "points"])
    order = frame["points"].abs().sort_values(ascending=False).index
    return frame.loc[order].reset_index(drop=True)


def stored_explanation(engine: Engine, provider_id: str, as_of: dt.date) -> Explanation | None:
    """The explanation risk/score.py stored with the provider's score on `as_of` (None when
    there is no such score): risk.score.Explanation, read by its from_json."""
    t = RiskScore.__table__
    query = select(t.c.score, t.c.band, t.c.uncertainty, t.c.contributions, t.c.explanation).where(
        t.c.provider_id == provider_id, t.c.as_of == as_of
    )
    with engine.connect() as conn:
        row = conn.execute(query).first()
    if row is None:
        return None
    return Explanation.from_json(
        row.explanation,
        provider_id=provider_id,
        as_of=as_of,
        score=float(row.score),
        band=str(row.band),
        uncertainty=float(row.uncertainty),
        by_source=json.loads(row.contributions or "{}"),
    )


def indicator_table(explanation: Explanation | None) -> pd.DataFrame:
    """Per indicator: indicator, points, observed, expected, p_worse; largest points first.

    Empty when there is no explanation or it holds no indicators (a history day's).
    """
    columns = ["indicator", "points", "observed", "expected", "p_worse"]
    if explanation is None or not explanation.indicators:
        return pd.DataFrame(columns=columns)
    rows = [
        {
            "indicator": INDICATOR_LABELS.get(name, name),
            "points": part.points,
            "observed": part.observed,
            "expected": part.expected,
            "p_worse": part.p_worse,
        }
        for name, part in explanation.indicators.items()
    ]
    frame = pd.DataFrame(rows, columns=columns)
    order = frame["points"].astype(float).abs().sort_values(ascending=False).index
    return frame.loc[order].reset_index(drop=True)


def explanation_indicators(explanation: Explanation | None) -> pd.DataFrame:
    """Points per indicator of an explanation (its by_indicator) as contribution_parts rows:
    part, points, largest magnitude first."""
    if explanation is None:
        return pd.DataFrame(columns=["part", "points"])
    return contribution_parts(explanation.by_indicator)


EVIDENCE_KIND_PART: dict[str, str] = {
    "incident": "incidents",
    "alert": "safeguarding alerts",
    "comment": "public comments",
    "note": "expert by experience notes",
    "inspection": "ratings history",
}


def explanation_evidence(explanation: Explanation | None) -> pd.DataFrame:
    """The evidence rows behind the largest parts of a score: part, kind, id, date, summary.

    `part` is the source in words (PART_LABELS), or the kind's (EVIDENCE_KIND_PART).
    """
    columns = ["part", "kind", "id", "date", "summary"]
    if explanation is None:
        return pd.DataFrame(columns=columns)
    rows = [
        {
            "part": PART_LABELS.get(row.source)
            or EVIDENCE_KIND_PART.get(row.kind, row.kind or "evidence"),
            "kind": row.kind,
            "id": row.id,
            # ISO text, parsed as the stored explanation's dates always were.
            "date": row.date.isoformat() if row.date is not None else None,
            "summary": row.summary,
        }
        for row in explanation.evidence
    ]
    frame = pd.DataFrame(rows, columns=columns)
    return parse_dates(frame, "date")


# Evidence kinds whose rows carry personal data in provider_events, by events' source.
PERSONAL_SOURCE: dict[str, str] = {"alert": "safeguarding", "note": "ebe_notes"}


def evidence_with_personal(evidence: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """Evidence rows (explanation_evidence) with their description renamed `evidence`, and
    beside each alert its summary and each expert note its author, from provider_events.

    `summary` and `author` are personal data: the caller passes the result (or the events
    first) through access.redact. The description is not, so it no longer shares a name
    with them.
    """
    out = evidence.rename(columns={"summary": "evidence"})
    personal = events[["source", "record_id", "summary", "author"]].rename(
        columns={"source": "_source", "record_id": "id"}
    )
    personal = personal.assign(id=personal["id"].astype(str)).drop_duplicates(["_source", "id"])
    out = out.assign(_source=out["kind"].map(PERSONAL_SOURCE), id=out["id"].astype(str))
    out = out.merge(personal, on=["_source", "id"], how="left").drop(columns="_source")
    out["summary"] = present(out["summary"])
    out["author"] = present(out["author"])
    return out
