"""The Method page: the score's weights and bands in words, the newest day a backtest
can judge, and a backtest's result as a sentence and a table."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from risk.score import BANDS
from risk.views.explanation import INDICATOR_LABELS, _field
from sources.store import Inspection


def weights_frame(module: object) -> pd.DataFrame:
    """The score's weights (risk.weights.WEIGHTS) as rows source, indicator (in words),
    weight, meaning, code (the indicator's name in risk.weights and the score's files).

    Largest weight first within each source, sources in the order of their total weight.
    """
    table = getattr(module, "WEIGHTS", None)
    rows = []
    for name, value in (table or {}).items():
        rows.append(
            {
                "source": str(_field(value, "source", "") or ""),
                "indicator": INDICATOR_LABELS.get(name, name),
                "weight": float(_field(value, "weight", value)),  # type: ignore[arg-type]
                "meaning": str(_field(value, "meaning", "") or ""),
                "code": name,
            }
        )
    frame = pd.DataFrame(rows, columns=["source", "indicator", "weight", "meaning", "code"])
    total = frame.groupby("source")["weight"].transform(lambda w: w.abs().sum())
    frame = frame.assign(_total=total, _size=frame["weight"].abs())
    frame = frame.sort_values(["_total", "source", "_size"], ascending=[False, True, False])
    return frame.drop(columns=["_total", "_size"]).reset_index(drop=True)


def band_bounds(module: object) -> list[tuple[str, str]]:
    """The bands and the scores they cover, from risk.weights.BAND_BOUNDS."""
    bounds = list(getattr(module, "BAND_BOUNDS", ()))
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


def backtest_frame(result: object) -> tuple[str, pd.DataFrame]:
    """A risk.backtest.BacktestResult as one plain sentence and a table of methods."""
    as_of = _field(result, "as_of")
    summary = (
        f"Scored as of {as_of:%d %B %Y} with only the evidence known then, and compared with "
        f"the first rating published in the {_field(result, 'horizon_days')} days after: "
        f"{_field(result, 'poor_all')} of {_field(result, 'n_all')} providers rated then were "
        f"Requires improvement or Inadequate ({_field(result, 'poor_good')} of "
        f"{_field(result, 'n_good')} among those last rated Good or Outstanding). "
        "An AUC of 0.5 is chance, 1 is perfect."
    )
    rows = []
    for method in _field(result, "methods", []) or []:
        row = {"method": _field(method, "name")}
        for key, label in BACKTEST_COLUMNS.items():
            value = _field(method, key)
            row[label] = None if value is None or value != value else round(float(value), 3)
        rows.append(row)
    frame = pd.DataFrame(rows, columns=["method", *BACKTEST_COLUMNS.values()])
    return summary, frame.dropna(axis=1, how="all")
