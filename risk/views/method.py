"""The Method page: the score's weights (those in force) and bands in words, the newest day
a backtest can judge, and a backtest's result as a sentence and a table."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from types import ModuleType
from typing import TYPE_CHECKING

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from risk.score import BANDS
from risk.views.explanation import INDICATOR_LABELS
from risk.weight_sets import in_force
from sources.store import Inspection

if TYPE_CHECKING:
    from risk.backtest import BacktestResult


def weights_frame(module: ModuleType, applied: Mapping[str, float] | None = None) -> pd.DataFrame:
    """The score's weights (risk.weights.WEIGHTS, or the `applied` ones an admin chose,
    risk.weight_sets.applied_weights) as rows source, indicator (in words), weight, meaning,
    code (the indicator's name in risk.weights and the score's files).

    Largest weight first within each source, sources in the order of their total weight.
    """
    rows = [
        {
            "source": weight.source,
            "indicator": INDICATOR_LABELS.get(name, name),
            "weight": float(weight.weight if applied is None else applied[name]),
            "meaning": weight.meaning,
            "code": name,
        }
        for name, weight in module.WEIGHTS.items()
    ]
    frame = pd.DataFrame(rows, columns=["source", "indicator", "weight", "meaning", "code"])
    total = frame.groupby("source")["weight"].transform(lambda w: w.abs().sum())
    frame = frame.assign(_total=total, _size=frame["weight"].abs())
    frame = frame.sort_values(["_total", "source", "_size"], ascending=[False, True, False])
    return frame.drop(columns=["_total", "_size"]).reset_index(drop=True)


def weights_in_force(engine: Engine) -> str | None:
    """A sentence naming the applied weight set, who chose it and when; None while the set
    weights of risk/weights.py score."""
    now = in_force(engine)
    if now.weight_set_id is None:
        return None
    when = f" on {now.chosen_at:%d %B %Y}" if now.chosen_at else ""
    return (
        f"These are weight set {now.weight_set_id}, applied by {now.chosen_by}{when} in "
        "place of the set weights of risk/weights.py (python -m risk weights --list)."
    )


def band_bounds(module: ModuleType) -> list[tuple[str, str]]:
    """The bands and the scores they cover, from risk.weights.BAND_BOUNDS (none when the
    bounds do not fit BANDS)."""
    bounds = list(module.BAND_BOUNDS)
    if len(bounds) != len(BANDS) - 1:
        return []
    edges = [0.0, *bounds, 100.0]
    return [(band, f"{edges[i]:g} to {edges[i + 1]:g}") for i, band in enumerate(BANDS)]


def backtest_day(engine: Engine, horizon_days: int = 365) -> dt.date | None:
    """The newest day a backtest can judge: a full horizon of ratings after it, or None."""
    t = Inspection.__table__
    with engine.connect() as conn:
        newest = conn.execute(select(func.max(t.c.published_on))).scalar()
    if newest is None:
        return None
    return pd.Timestamp(newest).date() - dt.timedelta(days=horizon_days)


BACKTEST_COLUMNS: dict[str, str] = {
    "auc_all": "AUC, all",
    "p10_all": "precision in top 10%, all",
    "auc_good": "AUC, last rated Good/Outstanding",
    "p10_good": "precision in top 10%, Good/Outstanding",
    "auc_failing_now": "AUC, truly failing on the day",
    "auc_failing_horizon": "AUC, truly failing within the year",
}


def backtest_frame(result: BacktestResult) -> tuple[str, pd.DataFrame]:
    """A risk.backtest.BacktestResult as one plain sentence and a table of methods: method,
    then each BACKTEST_COLUMNS figure rounded to 3 places (columns no method has left out)."""
    summary = (
        f"Scored as of {result.as_of:%d %B %Y} with only the evidence known then, and compared "
        f"with the first rating published in the {result.horizon_days} days after: "
        f"{result.poor_all} of {result.n_all} providers rated then were "
        f"Requires improvement or Inadequate ({result.poor_good} of "
        f"{result.n_good} among those last rated Good or Outstanding). "
        "An AUC of 0.5 is chance, 1 is perfect."
    )
    rows = []
    for method in result.methods:
        row: dict[str, object] = {"method": method.name}
        for key, label in BACKTEST_COLUMNS.items():
            value = getattr(method, key)
            row[label] = None if value is None or value != value else round(float(value), 3)
        rows.append(row)
    frame = pd.DataFrame(rows, columns=["method", *BACKTEST_COLUMNS.values()])
    return summary, frame.dropna(axis=1, how="all")
