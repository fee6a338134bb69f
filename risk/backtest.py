"""Backtest: score as of a day, then compare with the ratings published after it.

Outcome: the first rating published in (as_of, as_of + horizon] is Requires improvement or
Inadequate. Measured over every provider with such a rating, and over those whose last
rating on the day was Good or Outstanding (the hidden declines). Beside the score: the
last rating alone, incidents per bed, harmful incidents per bed, the safeguarding count,
an Intelligent-Monitoring-like flag count and random. Given a demo world's truth folder,
also against the hidden state: failing on the day, failing within the horizon.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sqlalchemy import text
from sqlalchemy.engine import Engine

from risk import weights as W
from risk.indicators import INDICATORS, POISSON, compute_indicators, read_evidence
from risk.legend import BACKTEST_COLUMNS, BACKTEST_METHODS, describe
from risk.score import score_indicators
from risk.verdicts import rates_text, verdict_rates
from risk.weight_sets import applied_weights

POOR = ("Requires improvement", "Inadequate")
ORACLE = "hidden latent (ceiling)"
TOP_SHARE = 0.10


@dataclass
class MethodResult:
    """How one ranking did: ROC AUC and precision in its top 10%, per population."""

    name: str
    auc_all: float
    p10_all: float
    auc_good: float
    p10_good: float
    auc_failing_now: float | None = None
    auc_failing_horizon: float | None = None
    # Fairness: the share of its top 10% (of every provider scored) that are in the
    # smallest fifth by size of their type; 0.20 would be proportionate.
    small_share_top10: float | None = None


@dataclass
class BacktestResult:
    """A backtest's populations and every method's figures (`table()` prints them)."""

    as_of: dt.date
    horizon_days: int
    n_all: int
    poor_all: int
    n_good: int
    poor_good: int
    methods: list[MethodResult] = field(default_factory=list)
    n_truth: int = 0
    failing_now: int = 0
    failing_horizon: int = 0

    def method(self, name: str) -> MethodResult:
        """The result of the method called `name`."""
        return next(m for m in self.methods if m.name == name)

    def table(self) -> str:
        """A plain-text table of every method's figures."""
        head = (
            f"Backtest as of {self.as_of.isoformat()}, outcome: first rating in the next "
            f"{self.horizon_days} days is RI/Inadequate\n"
            f"all with a later rating: {self.n_all} ({self.poor_all} poor); last rated "
            f"Good/Outstanding: {self.n_good} ({self.poor_good} poor)"
        )
        if self.n_truth:
            head += (
                f"; truth: {self.n_truth} providers, {self.failing_now} failing on the day, "
                f"{self.failing_horizon} within the horizon"
            )
        cols = ["method", *self.columns()]
        lines = [
            head,
            "",
            "  ".join(f"{c:>22}" if i == 0 else f"{c:>12}" for i, c in enumerate(cols)),
        ]
        for m in self.methods:
            values = [m.auc_all, m.p10_all, m.auc_good, m.p10_good]
            if self.n_truth:
                values += [m.auc_failing_now, m.auc_failing_horizon]
            values += [m.small_share_top10]
            cells = [f"{m.name:>22}"] + [
                f"{v:>12.3f}" if v is not None and np.isfinite(v) else f"{'-':>12}" for v in values
            ]
            lines.append("  ".join(cells))
        return "\n".join(lines)

    def columns(self) -> list[str]:
        """The figure columns `table()` prints, in order."""
        cols = ["AUC all", "P@10% all", "AUC G/O", "P@10% G/O"]
        if self.n_truth:
            cols += ["AUC failing now", "AUC failing in horizon"]
        return [*cols, "small in top 10%"]

    def legend(self) -> str:
        """What each printed row and column means, for below the table."""
        return (
            "Rows: ways of ranking providers as of the day\n"
            + describe(BACKTEST_METHODS, [m.name for m in self.methods])
            + "\nColumns (AUC: chance a provider with the outcome ranks above one without it, "
            "0.5 chance, 1 perfect; '-' where it cannot be measured)\n"
            + describe(BACKTEST_COLUMNS, self.columns())
        )


def _auc(y: np.ndarray, s: np.ndarray) -> float:
    if len(y) == 0 or y.min() == y.max():
        return float("nan")
    return float(roc_auc_score(y, s))


def _precision_top(y: np.ndarray, s: np.ndarray, share: float = TOP_SHARE) -> float:
    if len(y) == 0:
        return float("nan")
    k = max(1, int(round(share * len(y))))
    # Ties broken at random but reproducibly, so a constant ranking scores the prevalence.
    order = np.lexsort((np.random.default_rng(0).random(len(s)), -s))
    return float(y[order[:k]].mean())


def _bind(engine: Engine, day: dt.date) -> Any:
    return day.isoformat() if engine.dialect.name == "sqlite" else day


def _read(engine: Engine, sql: str, params: dict[str, Any], columns: list[str]) -> pd.DataFrame:
    with engine.connect() as conn:
        rows = conn.execute(text(sql), params).fetchall()
    return pd.DataFrame(rows, columns=columns)


def outcomes(engine: Engine, as_of: dt.date, horizon_days: int) -> pd.DataFrame:
    """Per provider rated in (as_of, as_of + horizon]: provider_id, poor (first such rating
    is RI/Inadequate), and last_before (the last rating on as_of, or None)."""
    end = as_of + dt.timedelta(days=horizon_days)
    ratings = _read(
        engine,
        "SELECT provider_id, published_on, overall FROM inspection WHERE published_on <= :e",
        {"e": _bind(engine, end)},
        ["provider_id", "published_on", "overall"],
    )
    ratings["published_on"] = pd.to_datetime(ratings["published_on"])
    ratings = ratings.sort_values(["provider_id", "published_on"])
    cut = pd.Timestamp(as_of)
    after = ratings[ratings["published_on"] > cut].groupby("provider_id").head(1)
    before = ratings[ratings["published_on"] <= cut].groupby("provider_id").tail(1)
    out = after[["provider_id", "overall"]].rename(columns={"overall": "next"})
    out["poor"] = out["next"].isin(POOR).astype(int)
    last = before.set_index("provider_id")["overall"]
    out["last_before"] = out["provider_id"].map(last)
    return out.reset_index(drop=True)


def baselines(engine: Engine, as_of: dt.date, scored: pd.DataFrame) -> pd.DataFrame:
    """The baselines' rankings per provider (higher = riskier), indexed by provider_id."""
    since = as_of - dt.timedelta(days=365)
    params = {"d": _bind(engine, as_of), "s": _bind(engine, since)}
    inc = _read(
        engine,
        "SELECT provider_id, COUNT(*), SUM(CASE WHEN harm IN ('moderate', 'severe', 'death') "
        "THEN 1 ELSE 0 END) FROM incident WHERE occurred_on <= :d AND occurred_on > :s "
        "AND (reported_on IS NULL OR reported_on <= :d) GROUP BY provider_id",
        params,
        ["provider_id", "incidents", "harmful"],
    ).set_index("provider_id")
    alerts = _read(
        engine,
        "SELECT provider_id, COUNT(*) FROM safeguardingalert "
        "WHERE raised_on <= :d AND raised_on > :s GROUP BY provider_id",
        params,
        ["provider_id", "alerts"],
    ).set_index("provider_id")
    s = scored.set_index("provider_id")
    size = s["capacity"]
    out = pd.DataFrame(index=s.index)
    # Previous rating, ties broken by the years since it (older = riskier).
    years = s["rt_age"].rank(pct=True).fillna(0.5)
    out["last rating"] = s["rt_last"] + 0.01 * years
    out["incidents per bed"] = inc["incidents"].reindex(s.index).fillna(0) / size
    out["harmful per bed"] = inc["harmful"].reindex(s.index).fillna(0) / size
    out["safeguarding count"] = alerts["alerts"].reindex(s.index).fillna(0)
    # Intelligent-Monitoring-like: 1 point per funnel z > 1.96, 2 per z > 3.09.
    flags = sum(
        (s[f"f_{k}"] > 1.96).astype(int) + (s[f"f_{k}"] > 3.09).astype(int)
        for k in POISSON
        if W.WEIGHTS[k].weight > 0
    )
    out["IM-like flags"] = flags
    out["random"] = np.random.default_rng(12345).random(len(s))
    return out


def read_truth(folder: Path) -> pd.DataFrame:
    """The demo world's hidden monthly state: provider_id, month (Timestamp), latent, failing."""
    truth = pd.read_csv(folder / "providers_monthly.csv")
    truth["month"] = pd.to_datetime(truth["month"].astype(str).str[:7] + "-01")
    truth["failing"] = truth["failing"].astype(str).str.lower().isin(["1", "true", "yes"])
    return truth


def backtest(
    engine: Engine,
    as_of: dt.date,
    horizon_days: int = 365,
    truth_dir: Path | None = None,
    learned: bool = True,
    challengers: Mapping[str, Mapping[str, float]] | None = None,
) -> BacktestResult:
    """Scores as of `as_of` with the weights in force (risk.weight_sets.applied_weights)
    and measures it, beside the baselines, against later ratings (and the hidden truth in
    `truth_dir` when given). With `learned`, also a challenger whose weights a logistic
    regression learned at as_of - horizon (outcomes seen by as_of). Each of `challengers`
    (a name and weights per indicator) is one more row, after the score, ranking the same
    indicators with those weights.
    """
    # Notes from the visit whose rating is the outcome are not read (METHOD-NOTES 3.1).
    evidence = read_evidence(engine, as_of, unrated_visits=False)
    scored = score_indicators(compute_indicators(evidence), applied_weights(engine))
    rankings = baselines(engine, as_of, scored)
    rankings.insert(0, "score", scored.set_index("provider_id")["score"])
    z = scored.set_index("provider_id")[[f"z_{k}" for k in INDICATORS]]
    for i, (name, weights) in enumerate((challengers or {}).items()):
        # The score is a rising function of the weighted sum: ranking by the sum is the same.
        rankings.insert(1 + i, name, z.to_numpy() @ np.array([weights[k] for k in INDICATORS]))
    if learned:
        fitted = fit_weights(engine, as_of - dt.timedelta(days=horizon_days), horizon_days)
        if fitted is not None:
            at = 1 + len(challengers or {})
            rankings.insert(at, "score, learned weights", z.to_numpy() @ fitted)
    out = outcomes(engine, as_of, horizon_days)
    out = out[out["provider_id"].isin(rankings.index)]
    good = out[out["last_before"].isin(["Good", "Outstanding"])]
    result = BacktestResult(
        as_of=as_of,
        horizon_days=horizon_days,
        n_all=len(out),
        poor_all=int(out["poor"].sum()),
        n_good=len(good),
        poor_good=int(good["poor"].sum()),
    )
    truth = None
    if truth_dir is not None and (Path(truth_dir) / "providers_monthly.csv").exists():
        truth = read_truth(Path(truth_dir))
        month = pd.Timestamp(as_of.replace(day=1))
        # The ceiling, not a method: the hidden state itself on the day. Later ratings are
        # cut from it (as it moves on) plus inspector noise, so no score can expect more.
        latent = truth[truth["month"] == month].set_index("provider_id")["latent"]
        rankings[ORACLE] = latent.reindex(rankings.index).fillna(latent.median())
        horizon_end = pd.Timestamp(as_of + dt.timedelta(days=horizon_days))
        now = truth[truth["month"] == month].set_index("provider_id")["failing"]
        ahead = truth[(truth["month"] >= month) & (truth["month"] <= horizon_end)]
        ahead = ahead.groupby("provider_id")["failing"].any()
        now = now.reindex(rankings.index)
        ahead = ahead.reindex(rankings.index)
        known = now.notna() & ahead.notna()
        result.n_truth = int(known.sum())
        result.failing_now = int(now[known].astype(bool).sum())
        result.failing_horizon = int(ahead[known].astype(bool).sum())
    size = scored.set_index("provider_id")[["type", "capacity"]]
    small = size.groupby("type")["capacity"].rank(pct=True) <= 0.2
    for name in rankings.columns:
        r = rankings[name]
        top = r.rank(ascending=False, method="first") <= max(1, round(TOP_SHARE * len(r)))
        m = MethodResult(
            name=name,
            auc_all=_auc(out["poor"].to_numpy(), r.reindex(out["provider_id"]).to_numpy()),
            p10_all=_precision_top(
                out["poor"].to_numpy(), r.reindex(out["provider_id"]).to_numpy()
            ),
            auc_good=_auc(good["poor"].to_numpy(), r.reindex(good["provider_id"]).to_numpy()),
            p10_good=_precision_top(
                good["poor"].to_numpy(), r.reindex(good["provider_id"]).to_numpy()
            ),
        )
        m.small_share_top10 = float(small[top[top].index].mean())
        if truth is not None and result.n_truth:
            k = known[known].index
            m.auc_failing_now = _auc(now[k].astype(int).to_numpy(), r[k].to_numpy())
            m.auc_failing_horizon = _auc(ahead[k].astype(int).to_numpy(), r[k].to_numpy())
        result.methods.append(m)
    return result


def fit_weights(engine: Engine, cut: dt.date, horizon_days: int) -> np.ndarray | None:
    """Weights per indicator (INDICATORS order) learned by an L2 logistic regression of a
    poor first rating in (cut, cut + horizon] on the z's as of `cut`; None if too few."""
    scored = score_indicators(compute_indicators(read_evidence(engine, cut, unrated_visits=False)))
    out = outcomes(engine, cut, horizon_days)
    data = scored.merge(out, on="provider_id")
    if len(data) < 30 or data["poor"].nunique() < 2:
        return None
    x = data[[f"z_{k}" for k in INDICATORS]].to_numpy()
    model = LogisticRegression(C=0.5, max_iter=1000).fit(x, data["poor"].to_numpy())
    return model.coef_[0]


def run_backtest_command(args: Any) -> int:
    """`python -m risk backtest`: prints the backtest table; 0 when it ran."""
    from sources.store import get_engine, make_engine

    engine = make_engine(args.database_url) if args.database_url else get_engine()
    result = backtest(engine, args.as_of, args.horizon_days, args.truth)
    print(result.table())
    print()
    print(result.legend())
    print()
    print(rates_text(verdict_rates(engine)))
    return 0
