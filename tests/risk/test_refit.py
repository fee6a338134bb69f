"""The refit on ratings and verdicts: signs kept to their meaning, verdicts pull the weights
of the indicators behind their lines, and nothing after the day is read."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from sqlalchemy import insert
from sqlalchemy.engine import Engine

from risk import refit as R
from risk import score as S
from risk import weight_sets as WS
from risk.__main__ import main
from risk.brief import LINE_INDICATORS
from risk.indicators import INDICATORS
from sources.store import Inspection, Verdict
from tests.risk import risk_world as rw
from tests.risk.test_backtest import CUT

K = len(INDICATORS)
AT = {name: i for i, name in enumerate(INDICATORS)}


def add_verdicts(engine: Engine, world: rw.World, day: dt.date, key: str, seed: int) -> int:
    """One verdict per provider of the world on `key`, visited on `day`: confirmed for the
    worse half by hidden quality (with a little noise), not found for the rest."""
    rng = np.random.default_rng(seed)
    rows = []
    for pid, q in zip(world.ids, world.quality, strict=True):
        confirmed = q + rng.normal(0, 0.2) > np.median(world.quality)
        rows.append(
            {
                "verdict_id": f"{pid}:{day.isoformat()}:{key}",
                "provider_id": pid,
                "visit_on": day,
                "enquiry_key": key,
                "verdict": "confirmed" if confirmed else "not_found",
                "source": "file",
            }
        )
    with engine.begin() as conn:
        conn.execute(insert(Verdict), rows)
    return len(rows)


@pytest.fixture
def world(engine: Engine) -> rw.World:
    return rw.build(engine, providers=60, seed=8, months=30)


def synthetic(n: int = 400, m: int = 600, seed: int = 0) -> R.Examples:
    """Ratings that say nothing of inc_severe and verdicts on harm lines that follow it."""
    rng = np.random.default_rng(seed)
    rating_z = rng.normal(0, 1, (n, K))
    logit = 1.2 * rating_z[:, AT["rt_history"]] - 1
    rating_y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(float)
    verdict_z = np.zeros((m, K))
    behind = [AT[k] for k in LINE_INDICATORS["harm"]]
    verdict_z[:, behind] = rng.normal(0, 1, (m, len(behind)))
    p = 1 / (1 + np.exp(-(2.0 * verdict_z[:, AT["inc_severe"]])))
    verdict_y = (rng.random(m) < p).astype(float)
    return R.Examples(
        rating_z,
        rating_y,
        verdict_z,
        verdict_y,
        np.full(m, R.KINDS.index("harm")),
        np.ones(m),
    )


def test_the_refit_keeps_every_sign_to_its_meaning() -> None:
    ex = synthetic()
    # Ratings that would pull weights the wrong way: against reporting culture's sign.
    ex.rating_z[:, AT["inc_reporting"]] = ex.rating_y * 2
    ex.rating_z[:, AT["rt_age"]] = ex.rating_y * 2
    ex.rating_z[:, AT["inc_moderate"]] = -ex.rating_y * 2
    for with_verdicts in (False, True):
        w = dict(zip(INDICATORS, R.fit_joint(ex, with_verdicts), strict=True))
        assert w["inc_reporting"] <= 0 and w["rt_age"] == 0 and w["rt_decline"] == 0
        assert w["inc_moderate"] >= 0
        assert w["rt_history"] > 0.5


def test_verdicts_teach_the_weight_of_the_indicators_behind_their_lines() -> None:
    ex = synthetic()
    alone = dict(zip(INDICATORS, R.fit_joint(ex, False), strict=True))
    joint = dict(zip(INDICATORS, R.fit_joint(ex, True), strict=True))
    assert joint["inc_severe"] > alone["inc_severe"] + 0.3
    # An indicator no line of the verdicts reads is not moved by them beyond noise.
    assert joint["rt_history"] == pytest.approx(alone["rt_history"], abs=0.15)
    # A heavier verdict weight pulls harder.
    heavier = dict(zip(INDICATORS, R.fit_joint(ex, True, verdict_weight=4.0), strict=True))
    assert heavier["inc_severe"] > joint["inc_severe"]


def test_the_refit_reads_no_verdict_or_rating_after_its_day(
    engine: Engine, world: rw.World
) -> None:
    inside = add_verdicts(engine, world, dt.date(2024, 11, 20), "safe:harm", seed=1)
    add_verdicts(engine, world, dt.date(2024, 3, 1), "safe:safeguarding", seed=2)  # too early
    ex = R.learn_from(engine, CUT, 365)
    assert len(ex.verdicts_read) == inside == len(ex.verdict_y)
    first = R.refit(engine, CUT, 365, True)
    assert first.verdicts == inside and first.ratings == len(ex.rating_y) > 0
    # Verdicts of visits after the day, and ratings published after it, change nothing.
    add_verdicts(engine, world, CUT + dt.timedelta(days=1), "safe:voices", seed=3)
    add_verdicts(engine, world, dt.date(2025, 12, 1), "safe:harm", seed=4)
    with engine.begin() as conn:
        conn.execute(
            insert(Inspection),
            [
                {
                    "inspection_id": f"late{i}",
                    "provider_id": pid,
                    "published_on": CUT + dt.timedelta(days=3),
                    "overall": "Inadequate",
                }
                for i, pid in enumerate(world.ids)
            ],
        )
    again = R.learn_from(engine, CUT, 365)
    assert (again.verdicts_read["visit_on"] <= CUT).all()
    assert (again.verdicts_read["visit_on"] > CUT - dt.timedelta(days=365)).all()
    assert R.refit(engine, CUT, 365, True) == first


def test_a_visit_answering_several_lines_weighs_as_one(engine: Engine, world: rw.World) -> None:
    add_verdicts(engine, world, dt.date(2024, 11, 20), "safe:harm", seed=1)
    add_verdicts(engine, world, dt.date(2024, 11, 20), "safe:safeguarding", seed=1)
    add_verdicts(engine, world, dt.date(2025, 1, 20), "safe:voices", seed=1)
    ex = R.learn_from(engine, CUT, 365)
    shares = ex.verdicts_read.assign(w=ex.verdict_weight)
    assert shares.groupby(["provider_id", "visit_on"])["w"].sum().to_numpy() == pytest.approx(1)
    # A line's features are the z's of its own indicators alone.
    harm = ex.verdicts_read["enquiry_key"].eq("safe:harm").to_numpy()
    outside = [AT[k] for k in INDICATORS if k not in LINE_INDICATORS["harm"]]
    assert (ex.verdict_z[harm][:, outside] == 0).all()


def test_the_weights_command_proposes_both_refits_and_changes_no_score(
    engine: Engine, world: rw.World, capsys: pytest.CaptureFixture[str]
) -> None:
    add_verdicts(engine, world, dt.date(2024, 11, 20), "safe:harm", seed=1)
    S.score_and_store(engine, rw.END, history_months=0)
    before = S.score_providers(engine, rw.END)
    assert main(["weights", "--as-of", CUT.isoformat(), "--by", "ana"]) == 0
    out = capsys.readouterr().out
    for row in ("score", "refit, ratings", "refit, +verdicts"):
        assert f"{row:>22}" in out
    assert (
        "Proposed weight set 1 (ratings:" in out
        and "Proposed weight set 2 (ratings+verdicts:" in out
    )
    assert "--apply ID" in out
    listed = WS.weight_sets(engine)
    assert listed["method"].tolist() == ["ratings+verdicts", "ratings"]
    assert listed["proposed_by"].tolist() == ["ana", "ana"]
    assert WS.applied_weights(engine) is None
    assert S.score_providers(engine, rw.END).equals(before)


def test_with_no_verdicts_the_command_refits_on_ratings_alone(
    engine: Engine, world: rw.World, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["weights", "--as-of", CUT.isoformat()]) == 0
    out = capsys.readouterr().out
    assert "refitted on ratings alone" in out
    assert WS.weight_sets(engine)["method"].tolist() == ["ratings"]
