"""Weight sets: the score's weights proposed by a refit, kept beside the set ones, and which
of them scores.

The set weights are the constants of risk/weights.py, reviewed in a commit. A refit
(risk/refit.py, `python -m risk weights`) stores what it learned as a proposal
(`WeightSet`) with the backtest of it beside the weights in force; nothing scores with a
proposal until an admin applies it (`WeightChoice`, audited as `weights`). From then on every
scoring (risk/score.py, the backtest's `score` row) reads the applied weights, until
another is applied or an admin goes back to the set weights. With no choice ever made the
score is exactly what the constants give.

A weight set and the choice of one are how the score is made, so they live with the score
(risk writes them, beside the scores); who may choose is sources/people/access.py's rule,
checked against the chooser's account, and the audit log (sources/people/audit.py) keeps
every proposal and choice.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import insert, select
from sqlalchemy.engine import Engine

from risk import weights as W
from risk.indicators import INDICATORS
from sources.people import access, audit
from sources.people.accounts import account_role
from sources.store import WeightChoice, WeightSet, read_frame, utcnow

SET_WEIGHTS = "set weights"  # how listings name the constants of risk/weights.py


class WeightSetError(ValueError):
    """A weight set that cannot be proposed or applied, or a person who may not apply one."""


@dataclass(frozen=True)
class InForce:
    """The weights scoring now: a stored set's id (None for the set weights), who chose
    them and when (None when nobody ever chose)."""

    weight_set_id: int | None
    chosen_by: str | None = None
    chosen_at: dt.datetime | None = None


def set_weight_values() -> dict[str, float]:
    """The set weights of risk/weights.py, per indicator (INDICATORS order)."""
    return {k: W.WEIGHTS[k].weight for k in INDICATORS}


def in_force(engine: Engine) -> InForce:
    """Which weights score now: the newest choice, or the set weights when none was made."""
    t = WeightChoice.__table__
    with engine.connect() as conn:
        row = conn.execute(
            select(t.c.weight_set_id, t.c.chosen_by, t.c.chosen_at).order_by(t.c.id.desc())
        ).first()
    if row is None:
        return InForce(None)
    return InForce(row.weight_set_id, row.chosen_by, row.chosen_at)


def stored_weights(engine: Engine, weight_set_id: int) -> dict[str, float]:
    """The weights of stored set `weight_set_id`; raises WeightSetError when there is none."""
    t = WeightSet.__table__
    with engine.connect() as conn:
        text = conn.execute(select(t.c.weights).where(t.c.id == weight_set_id)).scalar()
    if text is None:
        raise WeightSetError(f"no weight set {weight_set_id}")
    return {k: float(v) for k, v in json.loads(text).items()}


def applied_weights(engine: Engine) -> dict[str, float] | None:
    """The weights an admin applied (per indicator), or None: score with the set weights."""
    chosen = in_force(engine).weight_set_id
    return None if chosen is None else stored_weights(engine, chosen)


def _checked(weights: Mapping[str, float]) -> dict[str, float]:
    missing = [k for k in INDICATORS if k not in weights]
    unknown = [k for k in weights if k not in INDICATORS]
    if missing or unknown:
        raise WeightSetError(
            "a weight set names every indicator and no other: "
            + ", ".join([*(f"missing {k}" for k in missing), *(f"unknown {k}" for k in unknown)])
        )
    for k in INDICATORS:
        w, meant = float(weights[k]), W.WEIGHTS[k].weight
        # Signs are fixed by meaning (risk/weights.py): more harm never lowers the score.
        if w * meant < 0 or (meant == 0 and w != 0):
            raise WeightSetError(f"{k}: weight {w:g} goes against its meaning ({meant:g})")
    return {k: float(weights[k]) for k in INDICATORS}


def propose(
    engine: Engine,
    weights: Mapping[str, float],
    *,
    method: str,
    as_of: dt.date,
    horizon_days: int,
    by: str,
    ratings: int = 0,
    verdicts: int = 0,
    backtest: Mapping[str, Mapping[str, float | None]] | None = None,
) -> int:
    """Stores `weights` as a proposal beside the set ones, audited; returns its id. Scores
    nothing: an admin applies it (apply_weights). Raises WeightSetError, storing nothing,
    for a set that misses or adds an indicator or has a sign against its meaning."""
    values = _checked(weights)
    with engine.begin() as conn:
        new_id = conn.execute(
            insert(WeightSet).values(
                proposed_at=utcnow(),
                proposed_by=by,
                method=method,
                as_of=as_of,
                horizon_days=horizon_days,
                ratings=ratings,
                verdicts=verdicts,
                weights=json.dumps(values),
                backtest=json.dumps(backtest or {}),
            )
        ).inserted_primary_key[0]
    audit.record(engine, by, "weights", str(new_id), f"proposed ({method}, as of {as_of})")
    return int(new_id)


def _may_choose(engine: Engine, by: str) -> None:
    role = account_role(engine, by)
    if not access.may(role, access.WEIGHTS):
        raise WeightSetError(
            f"{by!r} may not change the score's weights: only an active admin account may"
        )


def apply_weights(engine: Engine, weight_set_id: int, by: str) -> None:
    """Makes stored set `weight_set_id` the weights every later scoring uses, as `by`, who
    must hold an active account whose role may (access.WEIGHTS: admins); audited. Stored
    scores stay as they were until the store is scored again. Raises WeightSetError,
    changing nothing, for anyone else or no such set."""
    _may_choose(engine, by)
    stored_weights(engine, weight_set_id)  # raises for no such set
    _choose(engine, weight_set_id, by)
    audit.record(engine, by, "weights", str(weight_set_id), "applied")


def revert_weights(engine: Engine, by: str) -> None:
    """Goes back to the set weights of risk/weights.py, as `by` (an admin, as for
    apply_weights); audited."""
    _may_choose(engine, by)
    _choose(engine, None, by)
    audit.record(engine, by, "weights", SET_WEIGHTS, "applied")


def _choose(engine: Engine, weight_set_id: int | None, by: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            insert(WeightChoice).values(
                weight_set_id=weight_set_id, chosen_at=utcnow(), chosen_by=by
            )
        )


LIST_COLUMNS: tuple[str, ...] = (
    "id",
    "proposed_at",
    "proposed_by",
    "method",
    "as_of",
    "horizon_days",
    "ratings",
    "verdicts",
    "in_force",
)


def weight_sets(engine: Engine) -> pd.DataFrame:
    """Every stored proposal, newest first (LIST_COLUMNS): `in_force` True for the one
    scoring now."""
    t = WeightSet.__table__
    columns = [c for c in LIST_COLUMNS if c != "in_force"]
    found = read_frame(engine, select(*(t.c[c] for c in columns)).order_by(t.c.id.desc()), columns)
    found["in_force"] = found["id"] == in_force(engine).weight_set_id
    return found[list(LIST_COLUMNS)]


def weights_table(engine: Engine, weight_set_id: int | None = None) -> pd.DataFrame:
    """The set weights beside stored set `weight_set_id` (when given) and the applied
    ones (when other than both): indicator, then one column of weights each."""
    frame = pd.DataFrame({"indicator": list(INDICATORS), SET_WEIGHTS: set_weight_values()})
    frame[SET_WEIGHTS] = [W.WEIGHTS[k].weight for k in INDICATORS]
    if weight_set_id is not None:
        chosen = stored_weights(engine, weight_set_id)
        frame[f"set {weight_set_id}"] = [chosen[k] for k in INDICATORS]
    now = in_force(engine).weight_set_id
    if now is not None and now != weight_set_id:
        applied = stored_weights(engine, now)
        frame[f"set {now} (applied)"] = [applied[k] for k in INDICATORS]
    return frame
