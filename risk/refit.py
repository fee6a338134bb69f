"""Refitting the score's weights on later ratings and inspectors' verdicts together
(`python -m risk weights`).

Two kinds of outcome say whether the indicators' flags were right:
- a rating: the first rating published in (cut, as_of] was Requires improvement or
  Inadequate, against every indicator's z as of the cut (as the backtest's learned
  challenger, risk/backtest.py fit_weights);
- a verdict: a line of enquiry was confirmed, or not found, on a visit in (cut, as_of],
  against the z's of the indicators behind that line (risk.verdicts.line_indicators) as of
  the month-end before the visit, the last the brief could have read. "Not looked at" says
  nothing and is left out, as are lines no indicator is behind ("nothing specific").

One joint likelihood with the weights shared: a logistic model of a poor rating,
P = sigmoid(b + sum_k w_k z_k), and one of a confirmed line of kind K, P = sigmoid(a_K +
sum_{k behind K} w_k z_k), with an intercept of its own per kind of line (how often lines of
that kind are confirmed at all is not a weight). The visit's verdicts together weigh
`verdict_weight` ratings (each of its n lines verdict_weight / n): its lines are readings
of the same visit, not as many independent providers. Minimised with an L2 penalty on the
weights (C as fit_weights' 0.5) and bounds that keep each weight's sign to its meaning
(risk/weights.py): an indicator weighted 0 by review stays 0 (years since the last rating
is the regulator's schedule, not care), one that only lowers the score stays <= 0 and the
rest >= 0. The score's intercept and bands are not refitted: the model's own intercept is
the outcome population's base rate, not the score's base.

Dated: only ratings published and visits made on or before as_of, and evidence as known on
each feature's day, are read; a verdict is dated by its visit (a loaded one's recorded_at is
the day of the load, not of the finding). The proposal is stored by risk/weight_sets.py;
nothing scores with it until an admin applies it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from sqlalchemy import select
from sqlalchemy.engine import Engine

from risk import weight_sets
from risk import weights as W
from risk.backtest import BacktestResult, backtest, outcomes
from risk.brief import LINE_INDICATORS
from risk.indicators import INDICATORS, compute_indicators, month_end, month_index, read_evidence
from risk.score import score_indicators
from risk.verdicts import line_indicators
from sources.store import Verdict, read_frame

METHODS: tuple[str, ...] = ("ratings", "ratings+verdicts")
# The backtest's rows for the weights compared (risk.legend.BACKTEST_METHODS).
ROW_NAMES: dict[str, str] = {"ratings": "refit, ratings", "ratings+verdicts": "refit, +verdicts"}
PENALTY_C = 0.5  # as risk.backtest.fit_weights: L2 strength 1 / (2 C) on the weights
VERDICT_WEIGHT = 1.0  # a visit's verdicts together weigh as much as this many ratings
LOOKED = ("confirmed", "not_found")
KINDS: tuple[str, ...] = tuple(k for k, names in LINE_INDICATORS.items() if names)


@dataclass
class Examples:
    """What a refit learns from: z rows (INDICATORS order) and 0/1 outcomes.

    Ratings: every indicator's z as of the cut, poor later rating. Verdicts: the z's of the
    indicators behind the line (0 elsewhere) as of the month-end before the visit,
    confirmed; `kind` indexes KINDS, `weight` is each verdict's share of its visit.
    `verdicts_read` is the verdicts used (provider_id, visit_on, enquiry_key, verdict).
    """

    rating_z: np.ndarray
    rating_y: np.ndarray
    verdict_z: np.ndarray
    verdict_y: np.ndarray
    verdict_kind: np.ndarray
    verdict_weight: np.ndarray
    verdicts_read: pd.DataFrame = field(default_factory=pd.DataFrame)


@dataclass(frozen=True)
class Refit:
    """One refit: its method, the day and horizon it learned over, how many ratings and
    verdicts it read, and the weights per indicator it learned."""

    method: str
    as_of: dt.date
    horizon_days: int
    ratings: int
    verdicts: int
    weights: dict[str, float]


def _z(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.set_index("provider_id")[[f"z_{k}" for k in INDICATORS]]


def rating_examples(
    engine: Engine, cut: dt.date, horizon_days: int
) -> tuple[np.ndarray, np.ndarray]:
    """(z as of `cut`, poor) for each provider rated in (cut, cut + horizon]."""
    evidence = read_evidence(engine, cut, unrated_visits=False)
    later = outcomes(engine, cut, horizon_days).set_index("provider_id")
    data = _z(score_indicators(compute_indicators(evidence))).join(later, how="inner")
    return data[[f"z_{k}" for k in INDICATORS]].to_numpy(), data["poor"].to_numpy(dtype=float)


def read_verdicts(engine: Engine, after: dt.date, until: dt.date) -> pd.DataFrame:
    """The verdicts looked at (confirmed or not found) of visits in (after, until] whose
    line some indicator is behind: provider_id, visit_on (date), enquiry_key, verdict,
    indicators (a list)."""
    t = Verdict.__table__
    columns = ["provider_id", "visit_on", "enquiry_key", "verdict", "indicators"]
    query = select(*(t.c[c] for c in columns)).where(
        t.c.visit_on > after, t.c.visit_on <= until, t.c.verdict.in_(LOOKED)
    )
    found = read_frame(engine, query, columns)
    found["visit_on"] = pd.to_datetime(found["visit_on"]).dt.date
    stored = zip(found["indicators"], found["enquiry_key"], strict=True)
    found["indicators"] = [line_indicators(s, k) for s, k in stored]
    found = found[found["indicators"].map(bool).astype(bool)]
    order = ["visit_on", "provider_id", "enquiry_key"]
    return found.sort_values(order, kind="stable").reset_index(drop=True)


def verdict_examples(engine: Engine, verdicts: pd.DataFrame, until: dt.date) -> Examples:
    """The verdict half of Examples (rating arrays empty) from read_verdicts' frame: each
    line's indicators' z as of the month-end before its visit, from the evidence known on
    `until` (none after it) as it stood that month-end."""
    k = len(INDICATORS)
    empty = Examples(
        np.zeros((0, k)), np.zeros(0), np.zeros((0, k)), np.zeros(0), np.zeros(0, int), np.zeros(0)
    )
    if verdicts.empty:
        return empty
    evidence = read_evidence(engine, until, unrated_visits=False)
    day = [month_end(month_index(v) - 1) for v in verdicts["visit_on"]]
    frames = {
        d: _z(score_indicators(compute_indicators(evidence.until(d)))) for d in sorted(set(day))
    }
    rows, kept = [], []
    position = {name: i for i, name in enumerate(INDICATORS)}
    for j, v in enumerate(verdicts.itertuples(index=False)):
        z = frames[day[j]]
        if v.provider_id not in z.index:
            continue
        mask = np.zeros(k)
        mask[[position[n] for n in v.indicators if n in position]] = 1.0
        rows.append(z.loc[v.provider_id].to_numpy() * mask)
        kept.append(j)
    used = verdicts.iloc[kept].reset_index(drop=True)
    if used.empty:
        return empty
    # The lines one visit answered share its weight: they read the same visit.
    per_visit = used.groupby(["provider_id", "visit_on"])["enquiry_key"].transform("size")
    return Examples(
        empty.rating_z,
        empty.rating_y,
        np.vstack(rows),
        (used["verdict"] == "confirmed").to_numpy(dtype=float),
        np.array([KINDS.index(key.partition(":")[2]) for key in used["enquiry_key"]]),
        1.0 / per_visit.to_numpy(dtype=float),
        used[["provider_id", "visit_on", "enquiry_key", "verdict"]],
    )


def sign_bounds() -> list[tuple[float | None, float | None]]:
    """Each weight's bounds (INDICATORS order): its sign kept to its meaning, 0 kept 0."""
    bounds: list[tuple[float | None, float | None]] = []
    for name in INDICATORS:
        meant = W.WEIGHTS[name].weight
        bounds.append((0.0, 0.0) if meant == 0 else (0.0, None) if meant > 0 else (None, 0.0))
    return bounds


def _log_loss(margin: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row: -log P(y) of a logistic model with log-odds `margin`, and its derivative."""
    p = 1.0 / (1.0 + np.exp(-margin))
    return np.logaddexp(0.0, -margin) * y + np.logaddexp(0.0, margin) * (1 - y), p - y


def fit_joint(
    ex: Examples,
    with_verdicts: bool = True,
    verdict_weight: float = VERDICT_WEIGHT,
    c: float = PENALTY_C,
) -> np.ndarray:
    """The weights (INDICATORS order) that minimise the joint penalised log-loss of the
    ratings and, `with_verdicts`, the verdicts (module docstring), signs kept."""
    k, kinds = len(INDICATORS), len(KINDS)
    use = with_verdicts and len(ex.verdict_y) > 0
    vw = verdict_weight * ex.verdict_weight if use else np.zeros(0)

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w, b, a = theta[:k], theta[k], theta[k + 1 :]
        loss, d = _log_loss(ex.rating_z @ w + b, ex.rating_y)
        total = c * loss.sum() + 0.5 * w @ w
        grad = np.zeros_like(theta)
        grad[:k] = c * (ex.rating_z.T @ d) + w
        grad[k] = c * d.sum()
        if use:
            vloss, vd = _log_loss(ex.verdict_z @ w + a[ex.verdict_kind], ex.verdict_y)
            total += c * (vw * vloss).sum()
            grad[:k] += c * (ex.verdict_z.T @ (vw * vd))
            grad[k + 1 :] = c * np.bincount(ex.verdict_kind, weights=vw * vd, minlength=kinds)
        return float(total), grad

    start = np.zeros(k + 1 + kinds)
    start[:k] = [W.WEIGHTS[n].weight for n in INDICATORS]
    bounds = [*sign_bounds(), (None, None), *([(None, None)] * kinds)]
    fitted = minimize(
        objective,
        start,
        jac=True,
        method="L-BFGS-B",
        bounds=bounds,
        options={"maxiter": 5000, "ftol": 1e-12, "gtol": 1e-8},
    )
    return np.asarray(fitted.x[:k])


def refit(
    engine: Engine,
    as_of: dt.date,
    horizon_days: int = 365,
    with_verdicts: bool = True,
    verdict_weight: float = VERDICT_WEIGHT,
    examples: Examples | None = None,
) -> Refit:
    """Weights learned from what was known on `as_of`: the ratings published in the horizon
    before it and, `with_verdicts`, the verdicts of visits in it (fit_joint). `examples`
    (from `learn_from`) saves reading them again when fitting both ways."""
    ex = examples or learn_from(engine, as_of, horizon_days)
    learned = fit_joint(ex, with_verdicts, verdict_weight)
    used = with_verdicts and len(ex.verdict_y) > 0
    return Refit(
        method=METHODS[1] if used else METHODS[0],
        as_of=as_of,
        horizon_days=horizon_days,
        ratings=len(ex.rating_y),
        verdicts=len(ex.verdict_y) if used else 0,
        weights={name: round(float(w), 4) for name, w in zip(INDICATORS, learned, strict=True)},
    )


def learn_from(engine: Engine, as_of: dt.date, horizon_days: int = 365) -> Examples:
    """The ratings and verdicts a refit on `as_of` reads: outcomes in the horizon before
    the day, nothing after it."""
    cut = as_of - dt.timedelta(days=horizon_days)
    rating_z, rating_y = rating_examples(engine, cut, horizon_days)
    ex = verdict_examples(engine, read_verdicts(engine, cut, as_of), as_of)
    ex.rating_z, ex.rating_y = rating_z, rating_y
    return ex


@dataclass
class Comparison:
    """The refits made on one day and the backtest of each beside the weights in force."""

    refits: list[Refit]
    result: BacktestResult


def compare(
    engine: Engine,
    as_of: dt.date,
    horizon_days: int = 365,
    truth_dir: Any = None,
    verdict_weight: float = VERDICT_WEIGHT,
) -> Comparison:
    """Refits on ratings alone and on ratings and verdicts as of `as_of`, then backtests
    both beside the score with the weights in force (and the set weights, when others are
    applied) on the ratings of the horizon after it, which neither fit read."""
    ex = learn_from(engine, as_of, horizon_days)
    refits = [refit(engine, as_of, horizon_days, False, examples=ex)]
    if len(ex.verdict_y):
        refits.append(refit(engine, as_of, horizon_days, True, verdict_weight, ex))
    rows: dict[str, dict[str, float]] = {}
    if weight_sets.applied_weights(engine) is not None:
        rows[weight_sets.SET_WEIGHTS] = weight_sets.set_weight_values()
    rows.update({ROW_NAMES[r.method]: r.weights for r in refits})
    result = backtest(engine, as_of, horizon_days, truth_dir, learned=False, challengers=rows)
    return Comparison(refits, result)


def figures(result: BacktestResult, name: str) -> dict[str, float | None]:
    """One row of a backtest as plain numbers (NaN as None), for storing beside a proposal."""
    found = asdict(result.method(name))
    found.pop("name")
    return {k: None if v is None or v != v else round(float(v), 4) for k, v in found.items()}


# ---------------------------------------------------------------- the command


def _weights_text(engine: Engine, refits: list[Refit]) -> str:
    """The set weights, the applied ones (when any) and each refit's, one row per indicator."""
    frame = pd.DataFrame({"indicator": list(INDICATORS)})
    frame["set"] = [W.WEIGHTS[k].weight for k in INDICATORS]
    applied = weight_sets.applied_weights(engine)
    if applied is not None:
        frame["applied"] = [applied[k] for k in INDICATORS]
    for r in refits:
        frame[ROW_NAMES[r.method]] = [r.weights[k] for k in INDICATORS]
    return frame.to_string(index=False, float_format=lambda v: f"{v:.3f}")


def run_weights_command(args: Any) -> int:
    """`python -m risk weights`: refits and proposes (default), lists, applies or goes back;
    0 when done, 2 when a weight set cannot be applied by that person."""
    from risk.views.method import backtest_day
    from sources.store import get_engine, make_engine

    engine = make_engine(args.database_url) if args.database_url else get_engine()
    try:
        if args.apply is not None:
            weight_sets.apply_weights(engine, args.apply, args.by)
            print(
                f"Weight set {args.apply} applied by {args.by}: every scoring from now on uses "
                "it. Stored scores change when the store is scored again "
                "(python -m risk score)."
            )
            return 0
        if args.revert:
            weight_sets.revert_weights(engine, args.by)
            print(f"The set weights of risk/weights.py score again (chosen by {args.by}).")
            return 0
    except weight_sets.WeightSetError as error:
        print(f"Not changed: {error}")
        return 2
    if args.list:
        print(_list_text(engine))
        return 0
    as_of = args.as_of or backtest_day(engine, args.horizon_days)
    if as_of is None:
        print("No ratings in the store: nothing to learn from.")
        return 2
    done = compare(engine, as_of, args.horizon_days, args.truth, args.verdict_weight)
    print(done.result.table())
    print()
    print(done.result.legend())
    print()
    print("Weights (log-odds of a poor rating per peer spread, z = 1):")
    print(_weights_text(engine, done.refits))
    print()
    if len(done.refits) == 1:
        print("No verdicts of visits in the horizon before the day: refitted on ratings alone.")
    for r in done.refits:
        new_id = weight_sets.propose(
            engine,
            r.weights,
            method=r.method,
            as_of=r.as_of,
            horizon_days=r.horizon_days,
            by=args.by,
            ratings=r.ratings,
            verdicts=r.verdicts,
            backtest={name: figures(done.result, name) for name in ("score", ROW_NAMES[r.method])},
        )
        print(
            f"Proposed weight set {new_id} ({r.method}: {r.ratings} ratings, {r.verdicts} "
            f"verdicts, as of {r.as_of.isoformat()})."
        )
    print(
        "Nothing scores with a proposal until an admin applies it: "
        "python -m risk weights --apply ID --by ADMIN."
    )
    return 0


def _list_text(engine: Engine) -> str:
    """Every proposal, newest first, and which weights score now."""
    now = weight_sets.in_force(engine)
    if now.weight_set_id is None:
        head = "In force: the set weights of risk/weights.py"
    else:
        head = f"In force: weight set {now.weight_set_id}"
    if now.chosen_by:
        head += f" (chosen by {now.chosen_by} on {now.chosen_at:%Y-%m-%d})"
    listed = weight_sets.weight_sets(engine)
    if listed.empty:
        return head + "\nNo weight set proposed yet (python -m risk weights)."
    return head + "\n" + listed.to_string(index=False)
