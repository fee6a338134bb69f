"""Evidence read from the monthly rollups is the evidence the raw rows give.

`read_evidence(..., from_rollups=False)` runs the original GROUP BY over every raw row: the
reference. Days mid-month read the rollups for the months before and raw rows for the rest
of the day's month; month ends read the rollups alone.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import insert
from sqlalchemy.engine import Engine

from risk import weights as W
from risk.indicators import Evidence, compute_indicators, read_evidence
from risk.score import score_indicators
from sources import load
from sources.people import actions
from sources.rollups import rebuild_rollups
from sources.store import Comment, Incident, Provider, SafeguardingAlert

KEYS = {
    "incidents": ["provider_id", "month", "visible"],
    "alerts": ["provider_id", "month"],
    "comments": ["provider_id", "month"],
}


def _numeric(frame: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    """`frame` in key order, counts as floats (PostgreSQL gives Decimals for weighted sums)."""
    frame = frame.sort_values(key).reset_index(drop=True)
    for column in frame.columns:
        if column != "provider_id":
            frame[column] = frame[column].astype(float)
    return frame


def assert_same_evidence(a: Evidence, b: Evidence) -> None:
    """Equal grouped frames (to 1e-9; row order aside) and identical everything else."""
    for name, key in KEYS.items():
        left, right = getattr(a, name), getattr(b, name)
        assert list(left.columns) == list(right.columns)
        pd.testing.assert_frame_equal(
            _numeric(left, key), _numeric(right, key), check_exact=False, rtol=0, atol=1e-9
        )
    for name in ("providers", "notes", "ratings"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))


def assert_same_scores(a: Evidence, b: Evidence) -> None:
    left = score_indicators(compute_indicators(a)).set_index("provider_id").sort_index()
    right = score_indicators(compute_indicators(b)).set_index("provider_id").sort_index()
    pd.testing.assert_frame_equal(left, right, check_exact=False, rtol=0, atol=1e-9)


def both(engine: Engine, day: dt.date, **kwargs: object) -> tuple[Evidence, Evidence]:
    return (
        read_evidence(engine, day, **kwargs),  # type: ignore[arg-type]
        read_evidence(engine, day, from_rollups=False, **kwargs),  # type: ignore[arg-type]
    )


def test_the_demo_world_reads_the_same_from_rollups_and_raw_rows(
    engine: Engine, demo_world: object
) -> None:
    assert load.load_folder(engine, demo_world.folder).ok  # type: ignore[attr-defined]
    days = [
        dt.date(2025, 6, 15),  # mid-month
        dt.date(2025, 6, 30),  # a month end: rollups alone
        dt.date(2026, 3, 1),  # a month's first day
        dt.date(2024, 2, 29),  # a leap day, month end
        dt.date(2026, 6, 30),  # the world's last day
        dt.date(2023, 1, 9),  # the world's first weeks: no earlier month at all
    ]
    for day in days:
        rolled, raw = both(engine, day)
        assert len(raw.incidents) and len(raw.comments)
        assert_same_evidence(rolled, raw)
        # The history a scoring stores reads the month-ends before the day from one read.
        month_end = day.replace(day=1) - dt.timedelta(days=1)
        assert_same_evidence(rolled.until(month_end), raw.until(month_end))
    assert_same_scores(*both(engine, dt.date(2025, 6, 15), unrated_visits=False))
    assert_same_scores(*both(engine, dt.date(2025, 6, 30)))

    # A person links an unlinked comment and dismisses a linked one: read the same.
    with engine.connect() as conn:
        unlinked = conn.exec_driver_sql(
            "SELECT comment_id, received_on FROM comment WHERE link_method = 'unlinked' "
            "ORDER BY comment_id LIMIT 1"
        ).one()
        linked = conn.exec_driver_sql(
            "SELECT comment_id FROM comment WHERE provider_id IS NOT NULL "
            "AND duplicate_of IS NULL ORDER BY comment_id LIMIT 1"
        ).scalar_one()
        pid = conn.exec_driver_sql("SELECT MIN(provider_id) FROM provider").scalar_one()
    actions.link_comment(engine, unlinked[0], pid, by="amy")
    actions.dismiss_comment(engine, linked, by="amy")
    assert_same_evidence(*both(engine, dt.date(2026, 6, 30)))
    assert_same_evidence(*both(engine, dt.date(2026, 6, 16)))


INCIDENT_FIELDS = ("incident_id", "provider_id", "occurred_on", "harm", "reported_on")
ALERT_FIELDS = ("alert_id", "provider_id", "raised_on", "abuse_type", "risk_level")


def _edge_world(engine: Engine) -> None:
    """Rows written straight into the tables, each on an edge of a rule, then recounted."""
    d = dt.date
    with engine.begin() as conn:
        conn.execute(
            insert(Provider),
            [
                {"provider_id": p, "name": p, "type": "care_home", "capacity": 10 + i}
                for i, p in enumerate(("A", "B", "C"))
            ],
        )
        incidents = [
            # reported before it occurred (a data slip the contract allows)
            ("i1", "A", d(2026, 5, 20), "severe", d(2026, 4, 2)),
            # occurred last month, visible only this month, before and after the day
            ("i2", "A", d(2026, 5, 31), "death", d(2026, 6, 3)),
            ("i3", "A", d(2026, 5, 30), "moderate", d(2026, 6, 20)),
            ("i4", "B", d(2026, 6, 10), "low", None),
            ("i5", "B", d(2026, 6, 11), "none", d(2026, 6, 11)),
            ("i6", "B", d(2026, 6, 12), "none", d(2026, 7, 1)),  # reported after the month
            ("i7", "C", d(2022, 6, 1), "severe", None),  # before the lookback
            ("i8", "C", d(2026, 1, 15), "a harm nobody knows", None),
        ]
        conn.execute(
            insert(Incident),
            [dict(zip(INCIDENT_FIELDS, r, strict=True)) for r in incidents],
        )
        alerts = [
            ("s1", "A", d(2026, 6, 1), "neglect", "high"),
            ("s2", "A", d(2026, 6, 14), "sexual", "low"),
            ("s3", "A", d(2026, 5, 14), "unheard-of", "odd"),
            ("s4", "B", d(2026, 5, 1), "domestic", "medium"),
            ("s5", "B", d(2026, 5, 1), "domestic", "medium"),
        ]
        conn.execute(
            insert(SafeguardingAlert),
            [dict(zip(ALERT_FIELDS, r, strict=True)) for r in alerts],
        )
        comments = []
        for k, (sentiment, rating) in enumerate(
            [(None, r) for r in (0, 1, 2, 3, 4, 5, 6, None)]
            + [("negative", 5), ("positive", 1), ("neutral", None)]
        ):
            for pid, day in (("A", d(2026, 5, 3 + k)), ("B", d(2026, 6, 1 + k))):
                comments.append(
                    {
                        "comment_id": f"{pid}{k}",
                        "received_on": day,
                        "text": "x",
                        "provider_id": pid,
                        "sentiment": sentiment,
                        "rating": rating,
                        "serious": k % 3 == 0,
                        "link_method": "given",
                    }
                )
        comments += [
            {"comment_id": "u", "received_on": d(2026, 6, 2), "text": "x", "rating": 1},
            {
                "comment_id": "copy",
                "received_on": d(2026, 5, 4),
                "text": "x",
                "provider_id": "A",
                "sentiment": "negative",
                "duplicate_of": "A0",
                "link_method": "given",
            },
        ]
        blank = dict.fromkeys(
            ("provider_id", "sentiment", "rating", "duplicate_of", "serious", "link_method")
        )
        blank.update(serious=False, link_method="unlinked")
        conn.execute(insert(Comment), [{**blank, **c} for c in comments])
        rebuild_rollups(conn)


@pytest.mark.parametrize(
    "day",
    [
        dt.date(2026, 6, 10),
        dt.date(2026, 6, 11),
        dt.date(2026, 6, 19),
        dt.date(2026, 6, 20),
        dt.date(2026, 6, 30),
        dt.date(2026, 5, 31),
        dt.date(2026, 5, 30),
        dt.date(2026, 7, 1),
    ],
)
def test_every_rule_reads_the_same_from_rollups_and_raw_rows(engine: Engine, day: dt.date) -> None:
    _edge_world(engine)
    rolled, raw = both(engine, day)
    assert_same_evidence(rolled, raw)
    assert len(raw.incidents) and len(raw.alerts) and len(raw.comments)


@pytest.mark.parametrize("low", [1, 3, 4])
def test_another_low_star_cut_reads_the_same(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, low: int
) -> None:
    _edge_world(engine)
    monkeypatch.setattr(W, "LOW_STARS", low)
    rolled, raw = both(engine, dt.date(2026, 6, 15))
    assert_same_evidence(rolled, raw)
    assert rolled.comments["cm_low"].astype(float).sum() > 0


def test_one_provider_reads_its_own_raw_rows(engine: Engine) -> None:
    _edge_world(engine)
    day = dt.date(2026, 6, 30)
    everyone = read_evidence(engine, day)
    alone = read_evidence(engine, day, provider_ids=["A"])
    for name, key in KEYS.items():
        mine = getattr(everyone, name)
        pd.testing.assert_frame_equal(
            _numeric(mine[mine["provider_id"] == "A"], key), _numeric(getattr(alone, name), key)
        )
    assert np.array_equal(alone.providers["provider_id"], ["A"])
