"""Indicators per provider as of a day: peer-compared, size-normalised, decayed and shrunk.

Evidence is read per provider and month from the store's monthly rollups
(sources/rollups.py), and from the raw rows only for the part of the as-of day's month up
to that day, never row by row, into dense provider x month arrays. From those, for each
indicator (METHOD-NOTES 1.1-1.5):
- counts: expected = size x the peer type's rate that month (indirect standardisation),
  observed and expected decayed alike, the ratio shrunk by Poisson-gamma empirical Bayes;
  the indicator is log(shrunk ratio), 0 for "as expected" and for "no evidence";
- credit: fewer harms or alerts than peers, read two-sided, below zero only, as far as the
  provider's own no/low-harm reporting vouches for it and not while they rise (CREDIT);
- shares (negative comments, low stars): beta-binomial shrinkage, logit difference;
- change: a Poisson CUSUM of the last months against the provider's own shrunk baseline;
- expert-by-experience notes: decayed mean tone, shrunk to the type mean;
- ratings: the last overall and Safe ratings, a decline, the years since.
Each indicator comes with its uncertainty (the share of it that is prior, not data) and,
for counts, a Spiegelhalter over-dispersion-adjusted z for the funnel plot.

Fitting and applying are separate steps: `fit_peers` learns from every provider what
each is compared with (peer groups, type rates, priors, spreads) into a `Peers` record, and
`apply_indicators` computes the indicators of any providers against it, so one provider can
be rescored without reading anyone else's evidence (`risk.score.score_provider`).
`compute_indicators` does both on one read of the evidence.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from sqlalchemy import text
from sqlalchemy.engine import Engine

from risk import weights as W
from sources.contract import KEY_QUESTIONS
from sources.rollups import HARMS, month_sql

# Dense monthly signals built from the grouped evidence.
SIGNALS: tuple[str, ...] = (
    "inc_low",  # no and low harm
    "inc_mod",  # moderate harm
    "inc_sev",  # severe and death, weighted by SEVERE_HARM_WEIGHTS
    "inc_modplus",  # moderate or worse, counted once each (for the CUSUM)
    "sg_n",  # safeguarding alerts
    "sg_w",  # alerts weighted by abuse type and risk level
    "sg_high",  # high-risk alerts
    "cm_n",  # comments (duplicates counted once)
    "cm_neg",  # negative comments
    "cm_ser",  # serious concerns in comments
    "cm_rated",  # comments with a star rating
    "cm_low",  # 1-2 star ratings
)
# Poisson-gamma indicators: signal, half-life (months), one-sided (only an excess counts).
POISSON: dict[str, tuple[str, float, bool]] = {
    # Harm and alerts count only above what peers of the size show: fewer than expected
    # earns no credit, so a first harmful event can never lower a score (a silent source
    # is neutral). Credit for safety comes from reporting and from what people say.
    "inc_severe": ("inc_sev", W.HALF_LIFE_SERIOUS, True),
    "inc_moderate": ("inc_mod", W.HALF_LIFE_INCIDENTS, True),
    "inc_reporting": ("inc_low", W.HALF_LIFE_INCIDENTS, False),
    "sg_weighted": ("sg_w", W.HALF_LIFE_SAFEGUARDING, True),
    "sg_high": ("sg_high", W.HALF_LIFE_SERIOUS, True),
    # Silence is not safety: fewer comments than peers never lowers the score.
    "cm_volume": ("cm_n", W.HALF_LIFE_COMMENTS, True),
}
# Credit for fewer moderate-or-worse harms or weighted alerts than peers of the size: a
# two-sided Poisson-gamma reading (signal, half-life), below zero only, times the trust in
# it: how far the provider's no/low-harm reporting (CREDIT_GATE) shows its record can be
# believed, o / (o + e) (0 for a service that reports nothing, a half at the peer rate), and
# none of it while the same evidence rises against its own past (the CUSUM named, at its
# alarm level). Trust reads no harm and no alert except to withdraw credit, so more harm or
# another alert never lowers a score, a worse harm never weighs less than a moderate one, a
# silent provider earns nothing, and a good record does not hide a sudden decline.
CREDIT: dict[str, tuple[str, float, str]] = {
    "inc_fewer_harms": ("inc_modplus", W.HALF_LIFE_INCIDENTS, "inc_cusum"),
    "sg_fewer_alerts": ("sg_w", W.HALF_LIFE_SAFEGUARDING, "sg_cusum"),
}
CREDIT_GATE = "inc_reporting"
# Beta-binomial indicators: events signal, trials signal, half-life.
BETA: dict[str, tuple[str, str, float]] = {
    "cm_negative": ("cm_neg", "cm_n", W.HALF_LIFE_COMMENTS),
    # A share, not a count per size: a service nobody writes about is not thereby safer.
    "cm_serious": ("cm_ser", "cm_n", W.HALF_LIFE_INCIDENTS),
    "cm_low_stars": ("cm_low", "cm_rated", W.HALF_LIFE_INCIDENTS),
}
CUSUM: dict[str, str] = {"inc_cusum": "inc_modplus", "sg_cusum": "sg_n", "cm_cusum": "cm_neg"}
NOTES: tuple[str, ...] = ("ebe_negative", "ebe_serious")
# Signals that show a source has any record for a provider, and that source's indicators.
SILENT_SOURCES: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (
        ("inc_low", "inc_mod", "inc_sev"),
        ("inc_severe", "inc_moderate", "inc_reporting", "inc_cusum", "inc_fewer_harms"),
    ),
    (("sg_n",), ("sg_weighted", "sg_high", "sg_cusum")),
    (("cm_n",), ("cm_negative", "cm_serious", "cm_low_stars", "cm_volume", "cm_cusum")),
)
RATING_INDICATORS: tuple[str, ...] = ("rt_last", "rt_safe", "rt_decline", "rt_age", "rt_history")
# The key questions of an inspection, each rated like the overall judgement.
INDICATORS: tuple[str, ...] = (*POISSON, *CREDIT, *BETA, *CUSUM, *NOTES, *RATING_INDICATORS)
# Indicators already on a meaningful scale: no division by a peer spread.
UNSCALED: frozenset[str] = frozenset((*CUSUM, *RATING_INDICATORS))
POOLED = "_pooled"  # the peer group of types with fewer than MIN_PEERS providers
# The Poisson-gamma count indicators: POISSON, then CREDIT read two-sided (see CREDIT).
_COUNTS: dict[str, tuple[str, float, bool]] = {
    **POISSON,
    **{k: (sig, hl, False) for k, (sig, hl, _) in CREDIT.items()},
}


def month_index(day: dt.date) -> int:
    """Months since year 0 (January 2026 is 2026 * 12)."""
    return day.year * 12 + day.month - 1


def month_end(index: int) -> dt.date:
    """The last day of the month `index` (see month_index)."""
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, calendar.monthrange(year, month + 1)[1])


def month_ages(as_of: dt.date, months: int) -> np.ndarray:
    """Age in months of the middle of each of the last `months` months, oldest first.

    The current month is only partly over: its middle is that of the days seen so far.
    """
    seen = as_of.day / calendar.monthrange(as_of.year, as_of.month)[1]
    ages = np.arange(months - 1, -1, -1, dtype=float) + seen - 0.5
    ages[-1] = seen / 2
    return ages


def decay(ages: np.ndarray, half_life: float) -> np.ndarray:
    """Weights 0.5 ** (age / half_life), 1 for evidence of today."""
    return np.power(0.5, ages / half_life)


# ------------------------------------------------------------------ reading the store


@dataclass
class Evidence:
    """Evidence visible as of `as_of`, grouped by provider and month (see read_evidence)."""

    as_of: dt.date
    providers: pd.DataFrame  # provider_id, type, capacity
    incidents: pd.DataFrame  # provider_id, month, visible, inc_low, inc_mod, inc_sev, inc_modplus
    alerts: pd.DataFrame  # provider_id, month, sg_n, sg_w, sg_high
    comments: pd.DataFrame  # provider_id, month, cm_n, cm_neg, cm_ser, cm_rated, cm_low
    notes: pd.DataFrame  # provider_id, visit_on, value, serious
    ratings: pd.DataFrame  # provider_id, published_on, overall, then KEY_QUESTIONS

    def until(self, day: dt.date) -> Evidence:
        """The same evidence as seen on an earlier month-end `day` (history scores)."""
        m = month_index(day)
        ts = pd.Timestamp(day)
        inc = self.incidents
        return Evidence(
            as_of=day,
            providers=self.providers,
            incidents=inc[(inc["month"] <= m) & (inc["visible"] <= m)],
            alerts=self.alerts[self.alerts["month"] <= m],
            comments=self.comments[self.comments["month"] <= m],
            notes=self.notes[self.notes["visit_on"] <= ts],
            ratings=self.ratings[self.ratings["published_on"] <= ts],
        )


def _frame(engine: Engine, sql: str, params: dict[str, Any], columns: list[str]) -> pd.DataFrame:
    with engine.connect() as conn:
        # Plain tuples from the driver's cursor: building a frame from SQLAlchemy Row
        # objects costs more than the query itself at national scale.
        rows = conn.execute(text(sql), params).cursor.fetchall()  # type: ignore[attr-defined]
    return pd.DataFrame.from_records(rows, columns=columns, coerce_float=False)


@dataclass(frozen=True)
class _Query:
    """What every query of one read_evidence shares: the engine, the bound parameters
    (as_of, the first day looked at, the low-star cut, where the rollups stop) and the
    providers asked for."""

    engine: Engine
    params: dict[str, Any]
    where_p: str  # " AND provider_id IN (...)", or empty for every provider
    # The first month not read from the rollups (:cut, begun on :cut_day): the as-of day's,
    # or the next when the day ends its month (then the rollups hold all of it). None: read
    # every raw row, no rollup.
    cut: int | None = None

    @property
    def rollups_only(self) -> bool:
        """True when the as-of day ends its month: the rollups hold all of it, no raw rows."""
        return self.cut is not None and self.cut > month_index(
            dt.date.fromisoformat(str(self.params["d"]))
        )

    def month(self, column: str) -> str:
        """SQL for the month_index of a date column, on this engine's dialect."""
        return month_sql(self.engine.dialect.name, column)

    def frame(self, sql: str, columns: list[str]) -> pd.DataFrame:
        """The rows of `sql` (bound to a copy of the parameters) as a frame of `columns`."""
        return _frame(self.engine, sql, dict(self.params), columns)


def read_evidence(
    engine: Engine,
    as_of: dt.date,
    provider_ids: list[str] | None = None,
    unrated_visits: bool = True,
    from_rollups: bool = True,
) -> Evidence:
    """Everything visible on `as_of` within LOOKBACK_MONTHS, grouped (a few SQL queries).

    Incidents count once occurred and reported (when a report date is given) on or before
    the day; comments by received_on, alerts by raised_on, notes by visit_on, ratings by
    published_on. Comments without a provider and copies of another comment are left out.
    With `unrated_visits` False, notes written after a provider's last rating published on
    the day are left out too: they come from the inspection whose rating is still to be
    published, which a backtest must not read (METHOD-NOTES 3.1); the live score reads them.

    Incidents, alerts and comments of every provider come from the monthly rollups for the
    months wholly seen by the day, and from the raw rows for the rest of the day's month;
    with `from_rollups` False, or for `provider_ids` (one provider's raw rows are read
    through its own index), from the raw rows alone. Either way the frames are the same,
    rows in key order.
    """
    q = _query(engine, as_of, provider_ids, from_rollups and provider_ids is None)
    providers = q.frame(
        "SELECT provider_id, type, capacity FROM provider WHERE 1=1" + q.where_p,
        ["provider_id", "type", "capacity"],
    )
    # The incidents query is the big one: it runs on its own connection while the others
    # run here (SQLite and psycopg release the GIL while a query runs).
    with ThreadPoolExecutor(max_workers=1) as pool:
        incidents_job = pool.submit(_select_incidents, q)
        alerts = _select_alerts(q)
        comments = _select_comments(q)
        notes = _select_notes(q)
        ratings = _select_ratings(q)
        incidents = incidents_job.result()
    if not unrated_visits:
        notes = _rated_visits_only(notes, ratings)
    return Evidence(
        as_of=as_of,
        providers=providers,
        incidents=incidents,
        alerts=alerts,
        comments=comments,
        notes=_note_values(notes),
        ratings=_dated(ratings, "published_on"),
    )


def _query(
    engine: Engine, as_of: dt.date, provider_ids: list[str] | None, rollups: bool = False
) -> _Query:
    """The shared parameters of a read as of `as_of`, for `provider_ids` (None: all), from
    the rollups where `rollups` allows."""
    m = month_index(as_of)
    first = month_end(m - W.LOOKBACK_MONTHS) + dt.timedelta(days=1)
    # SQLite keeps dates as ISO text: compare with text; PostgreSQL with dates.
    bind = (lambda d: d.isoformat()) if engine.dialect.name == "sqlite" else (lambda d: d)
    params: dict[str, Any] = {"d": bind(as_of), "first": bind(first), "low": W.LOW_STARS}
    # The rollups count stars 1 (or fewer) to 5 (or more) apart: a cut outside 1-4 needs
    # the raw ratings.
    cut = None
    if rollups and 1 <= W.LOW_STARS <= 4:
        cut = m + 1 if as_of == month_end(m) else m
        params.update(first_month=month_index(first), cut=cut)
        params["cut_day"] = bind(month_end(cut - 1) + dt.timedelta(days=1))
    where_p = ""
    if provider_ids is not None:
        keys = [f"p{i}" for i in range(len(provider_ids))]
        params.update(dict(zip(keys, provider_ids, strict=True)))
        where_p = " AND provider_id IN (" + ", ".join(f":{k}" for k in keys) + ")"
    return _Query(engine, params, where_p, cut)


# Pivoted in SQL, one row per provider and month: fewer, narrower rows to move.


# The columns of each grouped frame; the first two or three are its key.
INCIDENT_COLUMNS = [
    "provider_id",
    "month",
    "visible",
    "inc_low",
    "inc_mod",
    "inc_sev",
    "inc_modplus",
]
ALERT_COLUMNS = ["provider_id", "month", "sg_n", "sg_w", "sg_high"]
COMMENT_COLUMNS = ["provider_id", "month", "cm_n", "cm_neg", "cm_ser", "cm_rated", "cm_low"]


def _joined(rolled: pd.DataFrame, raw: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    """The rollups' rows and the raw rows of the rest (no key in both), in key order."""
    parts = [f for f in (rolled, raw) if len(f)]
    if not parts:
        return rolled
    frame = parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)
    return frame.sort_values(key, kind="stable").reset_index(drop=True)


def _with_rollups(
    q: _Query,
    raw: Callable[[_Query, str], pd.DataFrame],
    rolled_sql: str,
    columns: list[str],
    keys: int,
    after: str,
) -> pd.DataFrame:
    """The rollups' whole months (`rolled_sql`) joined to `raw`'s rows for what they do not
    hold (`after`, a condition on the raw rows), by the first `keys` columns; the raw rows
    alone when the query reads no rollup, the rollups alone when the day ends its month."""
    if q.cut is None:
        return raw(q, "")
    rolled = q.frame(rolled_sql, columns)
    if q.rollups_only:
        return rolled
    return _joined(rolled, raw(q, after), columns[:keys])


def _select_incidents(q: _Query) -> pd.DataFrame:
    """Incidents per provider, month occurred and month visible (reported), by harm."""
    # A rollup row counts once its month occurred and month visible are both wholly seen;
    # an incident occurring or becoming visible in the cut month or later is read raw.
    sev = " + ".join(
        f"n_{h} * {float(w)!r}" for h, w in W.SEVERE_HARM_WEIGHTS.items() if h in HARMS
    )
    return _with_rollups(
        q,
        _raw_incidents,
        f"SELECT provider_id, month, visible, n_none + n_low, n_moderate, (0.0 + {sev}), "
        "n_moderate + n_severe + n_death FROM incidentmonth "
        "WHERE month >= :first_month AND month < :cut AND visible < :cut ORDER BY 1, 2, 3",
        INCIDENT_COLUMNS,
        3,
        " AND (occurred_on >= :cut_day OR reported_on >= :cut_day)",
    )


def _raw_incidents(q: _Query, where: str) -> pd.DataFrame:
    """Incidents per provider, month and month visible from the raw rows, `where` too."""
    return q.frame(
        f"SELECT provider_id, {q.month('occurred_on')}, "
        f"{q.month('COALESCE(reported_on, occurred_on)')}, "
        "SUM(CASE WHEN harm IN ('none', 'low') THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN harm = 'moderate' THEN 1 ELSE 0 END), "
        f"SUM({_case('harm', W.SEVERE_HARM_WEIGHTS, 0.0)}), "
        "SUM(CASE WHEN harm IN ('moderate', 'severe', 'death') THEN 1 ELSE 0 END) "
        "FROM incident WHERE occurred_on <= :d AND occurred_on >= :first "
        "AND (reported_on IS NULL OR reported_on <= :d)" + where + q.where_p + " GROUP BY 1, 2, 3",
        INCIDENT_COLUMNS,
    )


def _alert_weight() -> str:
    """SQL for one alert's weight: its abuse type's times its risk level's."""
    return (
        f"{_case('abuse_type', W.ABUSE_TYPE_WEIGHTS, 1.0)} "
        f"* {_case('risk_level', W.RISK_LEVEL_WEIGHTS, 1.0)}"
    )


def _select_alerts(q: _Query) -> pd.DataFrame:
    """Safeguarding alerts per provider and month: all, weighted, high-risk."""
    return _with_rollups(
        q,
        _raw_alerts,
        f"SELECT provider_id, month, SUM(n), SUM(n * ({_alert_weight()})), "
        "SUM(CASE WHEN risk_level = 'high' THEN n ELSE 0 END) FROM alertmonth "
        "WHERE month >= :first_month AND month < :cut GROUP BY 1, 2 ORDER BY 1, 2",
        ALERT_COLUMNS,
        2,
        " AND raised_on >= :cut_day",
    )


def _raw_alerts(q: _Query, where: str) -> pd.DataFrame:
    """Alerts per provider and month from the raw rows, `where` too."""
    return q.frame(
        f"SELECT provider_id, {q.month('raised_on')}, COUNT(*), SUM({_alert_weight()}), "
        "SUM(CASE WHEN risk_level = 'high' THEN 1 ELSE 0 END) "
        "FROM safeguardingalert WHERE raised_on <= :d AND raised_on >= :first"
        + where
        + q.where_p
        + " GROUP BY 1, 2",
        ALERT_COLUMNS,
    )


def _select_comments(q: _Query) -> pd.DataFrame:
    """Linked comments (copies counted once) per provider and month, by tone and stars."""
    # The negative rule below, from the counts: read as negative, or unread and low-starred.
    low = range(1, W.LOW_STARS + 1)
    unread_low = " + ".join(f"unread_{k}" for k in low)
    stars_low = " + ".join(f"stars_{k}" for k in low)
    return _with_rollups(
        q,
        _raw_comments,
        f"SELECT provider_id, month, n, negative + {unread_low}, serious, rated, {stars_low} "
        "FROM commentmonth WHERE month >= :first_month AND month < :cut ORDER BY 1, 2",
        COMMENT_COLUMNS,
        2,
        " AND received_on >= :cut_day",
    )


def _raw_comments(q: _Query, where: str) -> pd.DataFrame:
    """Linked comments per provider and month from the raw rows, `where` too."""
    negative = "(sentiment = 'negative' OR (sentiment IS NULL AND rating <= :low))"
    return q.frame(
        f"SELECT provider_id, {q.month('received_on')}, COUNT(*), "
        f"SUM(CASE WHEN {negative} THEN 1 ELSE 0 END), SUM(CASE WHEN serious THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN rating IS NULL THEN 0 ELSE 1 END), "
        "SUM(CASE WHEN rating <= :low THEN 1 ELSE 0 END) FROM comment "
        "WHERE received_on <= :d AND received_on >= :first AND provider_id IS NOT NULL "
        "AND duplicate_of IS NULL" + where + q.where_p + " GROUP BY 1, 2",
        COMMENT_COLUMNS,
    )


def _select_notes(q: _Query) -> pd.DataFrame:
    """Expert-by-experience notes, one row each: provider, visit day, tone, serious."""
    return q.frame(
        "SELECT provider_id, visit_on, sentiment, sentiment_score, "
        "CASE WHEN serious THEN 1 ELSE 0 END FROM ebenote "
        "WHERE visit_on <= :d AND visit_on >= :first" + q.where_p,
        ["provider_id", "visit_on", "sentiment", "sentiment_score", "serious"],
    )


def _select_ratings(q: _Query) -> pd.DataFrame:
    """Every rating published by the day, one row each, with its key questions."""
    return q.frame(
        "SELECT provider_id, published_on, overall, " + ", ".join(KEY_QUESTIONS) + " "
        "FROM inspection WHERE published_on <= :d" + q.where_p,
        ["provider_id", "published_on", "overall", *KEY_QUESTIONS],
    )


def _rated_visits_only(notes: pd.DataFrame, ratings: pd.DataFrame) -> pd.DataFrame:
    """`notes` dated on or before their provider's last published rating."""
    last = (
        pd.DataFrame(
            {"provider_id": ratings["provider_id"], "last": pd.to_datetime(ratings["published_on"])}
        )
        .groupby("provider_id", as_index=False)["last"]
        .max()
    )
    joined = notes[["provider_id"]].merge(last, on="provider_id", how="left")
    keep = pd.to_datetime(notes["visit_on"]).to_numpy() <= joined["last"].to_numpy()
    return notes[keep]


def _dated(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    # SQLite gives ISO strings, PostgreSQL date objects: both become datetime64.
    frame[column] = pd.to_datetime(frame[column])
    return frame


def _note_values(notes: pd.DataFrame) -> pd.DataFrame:
    """Notes with `value` = negativity in -1..1 (from the text reading, or its label)."""
    notes = _dated(notes, "visit_on")
    label = notes["sentiment"].map({"negative": 0.5, "neutral": 0.0, "positive": -0.5})
    score = pd.to_numeric(notes["sentiment_score"], errors="coerce")
    notes["value"] = (-score).fillna(label).fillna(0.0).astype(float)
    notes["serious"] = notes["serious"].astype(float)
    return notes[["provider_id", "visit_on", "value", "serious"]]


# ------------------------------------------------------------------ peers and parameters


@dataclass
class Peers:
    """What a provider is compared with, learned from every provider as of one day
    (fit_peers): peer groups, sizes, rates, and per indicator and group its prior and the
    spread of the peers' values."""

    as_of: dt.date
    months: int  # length of the monthly arrays; the last is as_of's month
    group_of_type: dict[str, str]
    type_capacity: dict[str, float]  # median capacity, for providers without one
    # signal -> group -> monthly rate per unit of size (len months)
    rates: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    # indicator -> group -> its prior: alpha and beta (counts, change), p and kappa
    # (shares), mean (notes) or median (rt_age)
    priors: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)
    # indicator (scaled ones) -> group -> sum2 and count of the informed peers' values
    spreads: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)

    def prior(self, name: str, group: str, fit: Callable[[], dict[str, float]]) -> dict[str, float]:
        """The prior of `name` for `group`, else the pooled group's, else fit() (a group
        the peers never saw)."""
        fitted = self.priors.get(name, {})
        return fitted.get(group) or fitted.get(POOLED) or fit()

    def spread(
        self, name: str, group: str, fit: Callable[[], dict[str, float]]
    ) -> dict[str, float]:
        """The spread of `name` for `group`, else the pooled group's, else fit()."""
        fitted = self.spreads.get(name, {})
        return fitted.get(group) or fitted.get(POOLED) or fit()

    def to_json(self) -> dict[str, Any]:
        """A JSON-able dict (stored in the RiskPeers table): priors and spreads together
        under `params`, a spread's name prefixed "spread_"."""
        spreads = {f"{SPREAD}{name}": value for name, value in self.spreads.items()}
        return {
            "as_of": self.as_of.isoformat(),
            "months": self.months,
            "group_of_type": self.group_of_type,
            "type_capacity": self.type_capacity,
            "rates": self.rates,
            "params": {**self.priors, **spreads},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Peers:
        """The Peers stored by to_json."""
        params: dict[str, Any] = data["params"]
        return cls(
            as_of=dt.date.fromisoformat(data["as_of"]),
            months=int(data["months"]),
            group_of_type=data["group_of_type"],
            type_capacity=data["type_capacity"],
            rates=data["rates"],
            priors={k: v for k, v in params.items() if not k.startswith(SPREAD)},
            spreads={k[len(SPREAD) :]: v for k, v in params.items() if k.startswith(SPREAD)},
        )


# How a spread's name starts among the stored peers' params.
SPREAD = "spread_"


def _groups(types: pd.Series) -> dict[str, str]:
    counts = types.value_counts()
    return {t: (t if n >= W.MIN_PEERS else POOLED) for t, n in counts.items()}


def _cells(frame: pd.DataFrame, index: pd.Index, first_month: int, months: int) -> np.ndarray:
    """Each row's cell in a providers x months array, flattened; -1 outside the window."""
    p = index.get_indexer(frame["provider_id"])
    m = frame["month"].to_numpy(dtype=np.int64) - first_month
    return np.where((p >= 0) & (m >= 0) & (m < months), p * months + m, -1)


def _dense(cells: np.ndarray, shape: tuple[int, int], values: np.ndarray) -> np.ndarray:
    """A providers x months array of summed `values` at `cells` (_cells; -1 dropped)."""
    ok = cells >= 0
    # bincount adds each row in turn, as np.add.at did, many times faster.
    out = np.bincount(cells[ok], weights=values[ok], minlength=shape[0] * shape[1])
    return out.astype(float).reshape(shape)


def monthly_signals(e: Evidence, index: pd.Index, months: int) -> dict[str, np.ndarray]:
    """Every SIGNALS array (providers x months, oldest month first) from grouped evidence."""
    first = month_index(e.as_of) - months + 1
    shape = (len(index), months)
    out = {}
    for frame in (e.incidents, e.alerts, e.comments):
        # Where each row goes, found once a frame: looking the providers up was most of it.
        cells = _cells(frame, index, first, months) if len(frame) else np.zeros(0, np.int64)
        for sig in SIGNALS:
            if sig in frame.columns:
                values = frame[sig].to_numpy(dtype=float)
                out[sig] = _dense(cells, shape, values)
    return out


def _case(column: str, values: dict[str, float], default: float) -> str:
    """A SQL CASE mapping `column`'s values to the numbers in `values` (ours, not input)."""
    whens = " ".join(f"WHEN '{k}' THEN {float(v)!r}" for k, v in values.items())
    return f"(CASE {column} {whens} ELSE {float(default)!r} END)"


def _eb_poisson(observed: np.ndarray, expected: np.ndarray) -> dict[str, float]:
    """Poisson-gamma prior (alpha = beta = 1/v, mean 1) by moments (Clayton & Kaldor)."""
    has = expected > 0
    if not has.any() or observed.sum() <= 0:
        return {"alpha": 1.0 / W.EB_MIN_VARIANCE, "beta": 1.0 / W.EB_MIN_VARIANCE}
    o, e = observed[has], expected[has]
    m = o.sum() / e.sum()
    s2 = float(np.sum(e * (o / e - m) ** 2) / e.sum())
    v = max(s2 - m / e.mean(), W.EB_MIN_VARIANCE * m * m)
    # Ratios are to the peer rate, so the prior mean m is 1 when fitted on the same data.
    return {"alpha": m * m / v, "beta": m / v}


def _eb_beta(events: np.ndarray, trials: np.ndarray) -> dict[str, float]:
    """Beta-binomial prior: mean p and strength kappa (pseudo-trials), by moments."""
    has = trials > 0
    if not has.any() or trials.sum() <= 0:
        return {"p": 0.5, "kappa": 2.0}
    y, n = events[has], trials[has]
    p = float(np.clip(y.sum() / n.sum(), 1e-3, 1 - 1e-3))
    total = n.sum()
    var = float(np.sum(n / total * (y / n - p) ** 2) - p * (1 - p) * len(n) / total)
    # At most ~50 pseudo-comments: a service's own voice is never drowned completely.
    var = max(var, p * (1 - p) / 51)
    return {"p": p, "kappa": max(p * (1 - p) / var - 1, 0.5)}


def _spread(x: np.ndarray, informed: np.ndarray) -> dict[str, float]:
    """Sum of squares and count of x over the providers with some evidence (for spreads)."""
    pick = x[informed]
    return {"sum2": float(np.sum(pick**2)), "count": float(len(pick))}


def _own_spread(x: np.ndarray, informed: np.ndarray, spread: dict[str, float]) -> np.ndarray:
    """Root mean square of x over the *other* informed peers, floored.

    Leaving the provider out means its own evidence never moves its own yardstick, so more
    harm at one provider always raises its z.
    """
    own = np.where(informed, x**2, 0.0)
    count = spread["count"] - informed.astype(float)
    rms = np.sqrt(np.maximum(spread["sum2"] - own, 0.0) / np.maximum(count, 1.0))
    return np.where(count >= 1, np.maximum(rms, W.MIN_SPREAD), 1.0)


def funnel_z(observed: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """Spiegelhalter over-dispersion-adjusted z of O/E (CQC square-root form), per group."""
    z = np.zeros_like(observed, dtype=float)
    has = expected > 0
    if has.sum() < 3:
        return z
    o, e = observed[has], expected[has]
    y = np.sqrt(o / e)
    s = 1.0 / (2.0 * np.sqrt(e))
    raw = (y - 1.0) / s
    lo, hi = np.percentile(raw, [10, 90])
    phi = float(np.mean(np.clip(raw, lo, hi) ** 2))
    w = 1.0 / s**2
    n = len(o)
    tau2 = max(0.0, (n * phi - (n - 1)) / (w.sum() - (w**2).sum() / w.sum()))
    z[has] = (y - 1.0) / np.sqrt(s**2 + tau2)
    return z


def _cusum(
    counts: np.ndarray,
    expected: np.ndarray,
    baseline_o: np.ndarray,
    baseline_e: np.ndarray,
    prior: dict[str, float],
) -> np.ndarray:
    """Poisson CUSUM S_T over the given months against each provider's shrunk own rate."""
    theta = (baseline_o + prior["alpha"]) / (baseline_e + prior["beta"])
    step_up = np.log(W.CUSUM_RHO)
    s = np.zeros(counts.shape[0])
    for t in range(counts.shape[1]):
        s = np.maximum(0.0, s + counts[:, t] * step_up - (W.CUSUM_RHO - 1) * expected[:, t] * theta)
    return s


@dataclass
class Indicators:
    """Per provider (rows in `frame`): x, z, uncertainty and details of each indicator."""

    frame: pd.DataFrame  # provider_id, type, capacity, evidence_count, then per indicator
    # k: the indicator value; z_k: scaled and clipped; u_k: 0 (all data) .. 1 (all prior)
    # and for counts o_k (observed), e_k (expected), f_k (funnel z), pw_k (P(ratio > 1.5))
    peers: Peers


def fit_peers(e: Evidence) -> Peers:
    """What every provider in `e` teaches about its peers: groups, median sizes, monthly
    rates, each indicator's prior per group and the spread of the peers' values."""
    return _fit(e)[0]


def apply_indicators(e: Evidence, peers: Peers) -> Indicators:
    """Every indicator for every provider in `e`, against `peers` (fit_peers', usually on
    every provider of the same day); a peer group `peers` never saw is compared with the
    pooled group, or else with its own providers in `e`."""
    sample = _sample(e, peers)
    reads = _reads(e, sample, peers)
    return _indicators(e, sample, _raw_indicators(sample, reads, peers), peers)


def compute_indicators(e: Evidence, peers: Peers | None = None) -> Indicators:
    """Every indicator for every provider in `e`; peers fitted on `e` unless given.

    The same as apply_indicators(e, fit_peers(e)), reading `e` once.
    """
    if peers is not None:
        return apply_indicators(e, peers)
    peers, sample, raw = _fit(e)
    return _indicators(e, sample, raw, peers)


def _fit(e: Evidence) -> tuple[Peers, _Sample, dict[str, np.ndarray]]:
    """The peers fitted on `e`, with the sample and raw indicators read on the way."""
    providers = _providers(e)
    capacity = pd.to_numeric(providers["capacity"], errors="coerce")
    med = capacity.groupby(providers["type"]).median()
    type_capacity = {t: float(v) if pd.notna(v) else 1.0 for t, v in med.items()}
    peers = Peers(e.as_of, W.LOOKBACK_MONTHS, _groups(providers["type"]), type_capacity)
    sample = _sample(e, peers)
    peers.rates = _fit_rates(sample)
    reads = _reads(e, sample, peers)
    peers.priors = _fit_priors(sample, reads)
    raw = _raw_indicators(sample, reads, peers)
    peers.spreads = _fit_spreads(sample, raw)
    return peers, sample, raw


# ------------------------------------------------------------------ the sample and its reads


@dataclass(frozen=True)
class _Sample:
    """The providers of one Evidence as the indicators see them, in provider_id order."""

    as_of: dt.date
    providers: pd.DataFrame  # provider_id, type ("unknown" when missing), capacity
    index: pd.Index  # provider_id
    size: np.ndarray  # capacity, else the type's median capacity, at least 1
    group: np.ndarray  # each provider's peer group (Peers.group_of_type, else POOLED)
    groups: list[str]  # the groups present, sorted
    months: int
    signals: dict[str, np.ndarray]  # SIGNALS, providers x months, oldest month first
    ages: np.ndarray  # month_ages of the months

    def picks(self) -> list[tuple[str, np.ndarray]]:
        """Each group present with the mask of its providers, groups sorted."""
        return [(g, self.group == g) for g in self.groups]


def _providers(e: Evidence) -> pd.DataFrame:
    """The providers of `e` in provider_id order, a missing type read as "unknown"."""
    providers = e.providers.sort_values("provider_id").reset_index(drop=True)
    providers["type"] = providers["type"].fillna("unknown").astype(str)
    return providers


def _sample(e: Evidence, peers: Peers) -> _Sample:
    """The providers of `e` with their sizes, groups and monthly signals under `peers`."""
    providers = _providers(e)
    index = pd.Index(providers["provider_id"])
    size = pd.to_numeric(providers["capacity"], errors="coerce")
    size = size.fillna(providers["type"].map(peers.type_capacity)).fillna(1.0).clip(lower=1.0)
    group = providers["type"].map(peers.group_of_type).fillna(POOLED).to_numpy()
    return _Sample(
        as_of=e.as_of,
        providers=providers,
        index=index,
        size=size.to_numpy(dtype=float),
        group=group,
        groups=sorted(set(group)),
        months=peers.months,
        signals=monthly_signals(e, index, peers.months),
        ages=month_ages(e.as_of, peers.months),
    )


def _fit_rates(sample: _Sample) -> dict[str, dict[str, list[float]]]:
    """Per signal and group: the events per unit of size in each month."""
    return {
        sig: {
            g: (y[pick].sum(axis=0) / sample.size[pick].sum()).tolist()
            for g, pick in sample.picks()
        }
        for sig, y in sample.signals.items()
    }


def _expected(sample: _Sample, peers: Peers) -> dict[str, np.ndarray]:
    """Per signal: expected counts by indirect standardisation (size x the group's rate)."""
    expected = {}
    for sig in sample.signals:
        rate = np.zeros((len(sample.size), sample.months))
        for g, pick in sample.picks():
            rate[pick] = np.asarray(peers.rates[sig].get(g, [0.0] * sample.months))
        expected[sig] = sample.size[:, None] * rate
    return expected


@dataclass(frozen=True)
class _Ratings:
    """The sample's published ratings, read once for the rating indicators."""

    ratings: pd.DataFrame  # oldest first per provider, with points and safe_points
    last: pd.DataFrame  # each rated provider's newest, by provider_id
    previous: pd.Series  # the points of the one before, by provider_id
    rated: np.ndarray  # per provider of the sample: ever rated
    years: np.ndarray  # per provider: years since its last rating (NaN when never)


@dataclass(frozen=True)
class _Reads:
    """What the indicators read from a sample before any prior, per indicator: arrays
    over the sample's providers."""

    counts: dict[str, tuple[np.ndarray, np.ndarray]]  # decayed observed, expected
    shares: dict[str, tuple[np.ndarray, np.ndarray]]  # decayed events, trials
    # recent months' counts and expected (providers x CUSUM_MONTHS), baseline o and e
    changes: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]
    notes: dict[str, tuple[np.ndarray, np.ndarray]]  # decayed sum of values, weight
    ratings: _Ratings


def _reads(e: Evidence, sample: _Sample, peers: Peers) -> _Reads:
    """Everything the indicators read from `sample`, expected counts from `peers`' rates."""
    expected = _expected(sample, peers)
    counts = {}
    for name, (sig, half_life, _) in _COUNTS.items():
        w = decay(sample.ages, half_life)
        counts[name] = (sample.signals[sig] @ w, expected[sig] @ w)
    shares = {}
    for name, (ev, tr, half_life) in BETA.items():
        w = decay(sample.ages, half_life)
        shares[name] = (sample.signals[ev] @ w, sample.signals[tr] @ w)
    # Change against the provider's own past: the last CUSUM_MONTHS, against a baseline
    # of the CUSUM_BASELINE_MONTHS before them.
    months = sample.months
    recent = slice(months - W.CUSUM_MONTHS, months)
    base = slice(months - W.CUSUM_MONTHS - W.CUSUM_BASELINE_MONTHS, months - W.CUSUM_MONTHS)
    changes = {}
    for name, sig in CUSUM.items():
        y, ex = sample.signals[sig], expected[sig]
        changes[name] = (
            y[:, recent],
            ex[:, recent],
            y[:, base].sum(axis=1),
            ex[:, base].sum(axis=1),
        )
    return _Reads(counts, shares, changes, _note_sums(e, sample), _read_ratings(e, sample))


def _note_sums(e: Evidence, sample: _Sample) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per note indicator: each provider's decayed sum of note values and decayed weight."""
    notes = e.notes
    age = (pd.Timestamp(e.as_of) - notes["visit_on"]).dt.days.to_numpy() / 30.44
    w = decay(np.maximum(age, 0.0), W.HALF_LIFE_NOTES)
    p = sample.index.get_indexer(notes["provider_id"])
    ok = p >= 0
    weight = np.bincount(p[ok], weights=w[ok], minlength=len(sample.index))
    sums = {}
    for name, column in (("ebe_negative", "value"), ("ebe_serious", "serious")):
        v = notes[column].to_numpy(dtype=float)
        total = np.bincount(p[ok], weights=(w * v)[ok], minlength=len(sample.index))
        sums[name] = (total, weight)
    return sums


def _read_ratings(e: Evidence, sample: _Sample) -> _Ratings:
    index = sample.index
    r = e.ratings.sort_values(["provider_id", "published_on"])
    r = r[r["provider_id"].isin(index)]
    # As floats even when no rating is left (a day before the first, from Evidence.until):
    # an empty text column maps to text, and text minus nothing is an error.
    points = r["overall"].map(W.RATING_POINTS).astype(float)
    safe = r["safe"].map(W.RATING_POINTS).astype(float)
    r = r.assign(points=points, safe_points=safe.fillna(points))
    last = r.groupby("provider_id").tail(1).set_index("provider_id")
    previous = r.groupby("provider_id")["points"].nth(-2)
    previous = pd.Series(previous.to_numpy(dtype=float), index=r.loc[previous.index, "provider_id"])
    years = (pd.Timestamp(e.as_of) - last["published_on"]).dt.days / 365.25
    return _Ratings(
        ratings=r,
        last=last,
        previous=previous,
        rated=index.isin(last.index),
        years=years.reindex(index).to_numpy(dtype=float),
    )


# ------------------------------------------------------------------ fitting the peers


def _note_mean(total: np.ndarray, weight: np.ndarray) -> dict[str, float]:
    """The peers' weighted mean note value (0 without notes)."""
    return {"mean": float(total.sum() / weight.sum()) if weight.sum() > 0 else 0.0}


def _median_years(years: np.ndarray) -> dict[str, float]:
    """The peers' median years since rated (0 when none was rated)."""
    return {"median": float(np.nanmedian(years)) if np.isfinite(years).any() else 0.0}


def _fit_priors(sample: _Sample, reads: _Reads) -> dict[str, dict[str, dict[str, float]]]:
    """Per indicator and group: its prior, fitted on the group's providers."""
    picks = sample.picks()
    priors: dict[str, dict[str, dict[str, float]]] = {}
    for name, (o, ex) in reads.counts.items():
        priors[name] = {g: _eb_poisson(o[pick], ex[pick]) for g, pick in picks}
    for name, (y, t) in reads.shares.items():
        priors[name] = {g: _eb_beta(y[pick], t[pick]) for g, pick in picks}
    for name, (_, _, bo, be) in reads.changes.items():
        priors[name] = {g: _eb_poisson(bo[pick], be[pick]) for g, pick in picks}
    for name, (total, weight) in reads.notes.items():
        priors[name] = {g: _note_mean(total[pick], weight[pick]) for g, pick in picks}
    years = reads.ratings.years
    priors["rt_age"] = {g: _median_years(years[pick]) for g, pick in picks}
    return priors


def _fit_spreads(
    sample: _Sample, raw: dict[str, np.ndarray]
) -> dict[str, dict[str, dict[str, float]]]:
    """Per scaled indicator and group: the spread of the informed providers' values."""
    return {
        name: {
            g: _spread(raw[name][pick], raw[f"u_{name}"][pick] < 0.9) for g, pick in sample.picks()
        }
        for name in INDICATORS
        if name not in UNSCALED
    }


# ------------------------------------------------------------------ applying them


def _raw_indicators(sample: _Sample, reads: _Reads, peers: Peers) -> dict[str, np.ndarray]:
    """Every indicator before scaling, by name: k, u_k and, where read, o_k, e_k, pw_k, f_k."""
    out: dict[str, np.ndarray] = {}
    _count_indicators(sample, reads, peers, out)
    _share_indicators(sample, reads, peers, out)
    _change_indicators(sample, reads, peers, out)
    _credit(len(sample.size), out)
    _silent_sources(sample, out)
    _note_indicators(sample, reads, peers, out)
    _rating_indicators(sample, reads.ratings, peers, out)
    return out


def _count_indicators(
    sample: _Sample, reads: _Reads, peers: Peers, out: dict[str, np.ndarray]
) -> None:
    n = len(sample.size)
    for name, (o, ex) in reads.counts.items():
        x, u, pw, fz = (np.zeros(n) for _ in range(4))
        for g, pick in sample.picks():
            prior = peers.prior(
                name, g, lambda o=o, ex=ex, pick=pick: _eb_poisson(o[pick], ex[pick])
            )
            a, b = prior["alpha"], prior["beta"]
            theta = (o[pick] + a) / (ex[pick] + b)
            x[pick] = np.log(theta)
            u[pick] = b / (ex[pick] + b)
            pw[pick] = stats.gamma.sf(1.5, a + o[pick], scale=1.0 / (ex[pick] + b))
            fz[pick] = funnel_z(o[pick], ex[pick])
        if _COUNTS[name][2]:  # one-sided: only an excess counts
            x = np.maximum(x, 0.0)
        out[name], out[f"u_{name}"], out[f"o_{name}"], out[f"e_{name}"] = x, u, o, ex
        out[f"pw_{name}"], out[f"f_{name}"] = pw, fz


def _share_indicators(
    sample: _Sample, reads: _Reads, peers: Peers, out: dict[str, np.ndarray]
) -> None:
    n = len(sample.size)
    for name, (y, t) in reads.shares.items():
        x, u = np.zeros(n), np.ones(n)
        for g, pick in sample.picks():
            prior = peers.prior(name, g, lambda y=y, t=t, pick=pick: _eb_beta(y[pick], t[pick]))
            p, k = prior["p"], prior["kappa"]
            post = (y[pick] + k * p) / (t[pick] + k)
            x[pick] = _logit(post) - _logit(p)
            u[pick] = k / (t[pick] + k)
        out[name], out[f"u_{name}"], out[f"o_{name}"], out[f"e_{name}"] = x, u, y, t


def _change_indicators(
    sample: _Sample, reads: _Reads, peers: Peers, out: dict[str, np.ndarray]
) -> None:
    for name, (y, ex, bo, be) in reads.changes.items():
        s = np.zeros(len(sample.size))
        for g, pick in sample.picks():
            prior = peers.prior(
                name, g, lambda bo=bo, be=be, pick=pick: _eb_poisson(bo[pick], be[pick])
            )
            s[pick] = _cusum(y[pick], ex[pick], bo[pick], be[pick], prior)
        out[name] = s
        out[f"u_{name}"] = 1.0 / (1.0 + ex.sum(axis=1) + be)
        out[f"o_{name}"], out[f"e_{name}"] = y.sum(axis=1), ex.sum(axis=1)


def _credit(n: int, out: dict[str, np.ndarray]) -> None:
    """The CREDIT indicators, below zero only, times the trust in them (see CREDIT)."""
    reports, usual = out[f"o_{CREDIT_GATE}"], out[f"e_{CREDIT_GATE}"]
    gate = np.divide(reports, reports + usual, out=np.zeros(n), where=usual > 0)
    for name, (_, _, rise) in CREDIT.items():
        trust = gate * (1.0 - np.clip(out[rise] / W.CUSUM_ALARM, 0.0, 1.0))
        out[name] = np.minimum(out[name], 0.0) * trust
        out[f"u_{name}"] = 1.0 - (1.0 - out[f"u_{name}"]) * trust


def _silent_sources(sample: _Sample, out: dict[str, np.ndarray]) -> None:
    """A source with no record at all for a provider is no evidence, not good evidence:
    its indicators stay neutral and wholly uncertain."""
    for source_signals, names in SILENT_SOURCES:
        silent = sum(sample.signals[sig].sum(axis=1) for sig in source_signals) == 0
        for name in names:
            out[name] = np.where(silent, 0.0, out[name])
            out[f"u_{name}"] = np.where(silent, 1.0, out[f"u_{name}"])


def _note_indicators(
    sample: _Sample, reads: _Reads, peers: Peers, out: dict[str, np.ndarray]
) -> None:
    for name, (total, weight) in reads.notes.items():
        x = np.zeros(len(sample.index))
        for g, pick in sample.picks():
            mean = peers.prior(
                name,
                g,
                lambda total=total, weight=weight, pick=pick: _note_mean(total[pick], weight[pick]),
            )["mean"]
            shrunk = (total[pick] + W.NOTES_PRIOR_WEIGHT * mean) / (
                weight[pick] + W.NOTES_PRIOR_WEIGHT
            )
            x[pick] = shrunk - mean
        out[name] = x
        out[f"u_{name}"] = W.NOTES_PRIOR_WEIGHT / (weight + W.NOTES_PRIOR_WEIGHT)
        out[f"o_{name}"] = weight


def _rating_indicators(
    sample: _Sample, read: _Ratings, peers: Peers, out: dict[str, np.ndarray]
) -> None:
    index, last, years = sample.index, read.last, read.years
    rt_last = last["points"].reindex(index).fillna(0.0).to_numpy(dtype=float)
    rt_safe = last["safe_points"].reindex(index).fillna(0.0).to_numpy(dtype=float)
    decline = (last["points"] - read.previous.reindex(last.index)).clip(lower=0).fillna(0.0)
    age = np.zeros(len(index))
    for g, pick in sample.picks():
        med = peers.prior("rt_age", g, lambda years=years, pick=pick: _median_years(years[pick]))[
            "median"
        ]
        age[pick] = np.clip(np.nan_to_num(years[pick] - med, nan=0.0), -3.0, 3.0)
    out["rt_last"], out["rt_safe"] = rt_last, rt_safe
    out["rt_decline"] = decline.reindex(index).fillna(0.0).to_numpy(dtype=float)
    out["rt_age"] = age
    out["rt_history"] = _rating_history(read.ratings, index, sample.as_of)
    # A rating's evidence goes stale: all prior when never rated, half after three years.
    staleness = np.where(read.rated, 1 - np.power(0.5, np.nan_to_num(years, nan=0.0) / 3.0), 1.0)
    for name in RATING_INDICATORS:
        out[f"u_{name}"] = staleness


def _rating_history(r: pd.DataFrame, index: pd.Index, as_of: dt.date) -> np.ndarray:
    """Per provider: the decayed mean of every inspection's reading, shrunk to Good.

    Every inspection is a noisy reading of the same service: the mean of its overall and
    key-question ratings places it within a band (a Good with two RI key questions is not
    a Good with none), and the mean over inspections, newer weighing more, with one
    pseudo-rating at Good, estimates its lasting level better than the last alone.
    """
    # Column by column (apply on no rows keeps the text type, and text has no mean).
    judged = pd.DataFrame(
        {c: r[c].map(W.RATING_POINTS).astype(float) for c in ["overall", *KEY_QUESTIONS]},
        index=r.index,
    )
    months = (pd.Timestamp(as_of) - r["published_on"]).dt.days.to_numpy() / 30.44
    w = decay(np.maximum(months, 0.0), W.HALF_LIFE_RATINGS)
    reading = judged.mean(axis=1).fillna(r["points"]).fillna(0.0).to_numpy(dtype=float)
    by = r["provider_id"].to_numpy()
    total = pd.Series(w * reading).groupby(by).sum()
    weight = pd.Series(w).groupby(by).sum()
    mean = total / (weight + W.RATINGS_PRIOR_WEIGHT)
    return mean.reindex(index).fillna(0.0).to_numpy(dtype=float)


def _indicators(
    e: Evidence, sample: _Sample, raw: dict[str, np.ndarray], peers: Peers
) -> Indicators:
    """The indicators frame: the raw indicators, then each scaled by its peer spread (z)."""
    out = dict(raw)
    n = len(sample.size)
    for name in INDICATORS:
        x = raw[name]
        if name in UNSCALED:
            z = x / W.CUSUM_ALARM if name in CUSUM else x.copy()
        else:
            z = np.zeros(n)
            for g, pick in sample.picks():
                informed = raw[f"u_{name}"][pick] < 0.9
                spread = peers.spread(
                    name, g, lambda x=x, pick=pick, informed=informed: _spread(x[pick], informed)
                )
                z[pick] = x[pick] / _own_spread(x[pick], informed, spread)
        out[f"z_{name}"] = np.clip(z, -W.Z_CLIP, W.Z_CLIP)
    providers = sample.providers
    frame = pd.DataFrame(
        {
            "provider_id": providers["provider_id"],
            "type": providers["type"],
            "capacity": sample.size,
            "group": sample.group,
        }
    )
    frame["evidence_count"] = _evidence_count(e, sample.index)
    frame = pd.concat([frame, pd.DataFrame(out)], axis=1)
    return Indicators(frame=frame, peers=peers)


def _logit(p: np.ndarray | float) -> np.ndarray | float:
    return np.log(p) - np.log1p(-p)


def _evidence_count(e: Evidence, index: pd.Index) -> np.ndarray:
    """Records behind the score per provider: incidents, alerts, comments, notes, ratings."""
    count = np.zeros(len(index))
    inc = e.incidents.assign(n=e.incidents["inc_low"] + e.incidents["inc_modplus"])
    for frame, column in ((inc, "n"), (e.alerts, "sg_n"), (e.comments, "cm_n")):
        if len(frame):
            sums = frame.groupby("provider_id")[column].sum()
            count += sums.reindex(index).fillna(0).to_numpy(dtype=float)
    for frame in (e.notes, e.ratings):
        count += frame["provider_id"].value_counts().reindex(index).fillna(0).to_numpy()
    return count.astype(int)
