"""Weight sets: a proposal changes no score; an admin's choice does, audited; nobody else may
choose; going back gives the set weights' scores exactly."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from risk import score as S
from risk import weight_sets as WS
from risk.__main__ import main
from risk.backtest import backtest
from risk.indicators import INDICATORS
from sources.people import accounts
from sources.people.audit import search
from sources.store import RiskScore, WeightChoice
from tests.risk import risk_world as rw
from tests.risk.test_backtest import CUT

PASSWORD = "a long enough password"


@pytest.fixture
def world(engine: Engine) -> Engine:
    rw.build(engine, providers=45, seed=6, months=30)
    for name, role in (("ada", "admin"), ("mo", "manager"), ("ines", "inspector")):
        accounts.add_account(engine, name, role, PASSWORD)
    return engine


def heavier() -> dict[str, float]:
    """A valid set unlike the set weights: every weight doubled, the ratings history halved."""
    out = {k: 2 * w for k, w in WS.set_weight_values().items()}
    out["rt_history"] = WS.set_weight_values()["rt_history"] / 2
    return out


def stored_scores(engine: Engine) -> list[tuple]:
    t = RiskScore.__table__
    with engine.connect() as conn:
        rows = conn.execute(
            select(t.c.provider_id, t.c.as_of, t.c.score, t.c.contributions).order_by(
                t.c.provider_id, t.c.as_of
            )
        ).fetchall()
    return [tuple(r) for r in rows]


def propose(engine: Engine, weights: dict[str, float]) -> int:
    return WS.propose(
        engine, weights, method="ratings", as_of=CUT, horizon_days=365, by="cli", ratings=3
    )


def test_a_proposal_changes_no_score(world: Engine) -> None:
    S.score_and_store(world, rw.END, history_months=1)
    before = S.score_providers(world, rw.END)
    stored = stored_scores(world)
    run = backtest(world, CUT, 365, learned=False).method("score")
    new_id = propose(world, heavier())
    assert WS.applied_weights(world) is None and WS.in_force(world).weight_set_id is None
    pd.testing.assert_frame_equal(S.score_providers(world, rw.END), before)
    S.score_and_store(world, rw.END, history_months=1)
    assert stored_scores(world) == stored
    assert backtest(world, CUT, 365, learned=False).method("score") == run
    listed = WS.weight_sets(world)
    assert listed["id"].tolist() == [new_id] and not listed["in_force"].any()
    events = search(world, action="weights")
    assert events["detail"].tolist() == ["proposed (ratings, as of 2025-06-30)"]


def test_an_admin_applies_a_set_and_every_scoring_uses_it_audited(world: Engine) -> None:
    before = S.score_providers(world, rw.END).set_index("provider_id")
    new_id = propose(world, heavier())
    WS.apply_weights(world, new_id, "ada")
    assert WS.in_force(world).weight_set_id == new_id
    after = S.score_providers(world, rw.END).set_index("provider_id")
    assert not (after["score"] == before["score"]).all()
    # Exactly the weights applied, with the score's parts still adding up.
    z = after[[f"z_{k}" for k in INDICATORS]].to_numpy()
    linear = z @ [heavier()[k] for k in INDICATORS]
    expected = S.score_of_log_odds(-2.0 + linear)
    assert after["score"].to_numpy() == pytest.approx(expected)
    parts = after[[f"c_{s}" for s in S.SOURCES]].sum(axis=1) + after["c_base"]
    assert parts.to_numpy() == pytest.approx(after["score"].to_numpy())
    # Stored scores, one provider's rescoring and the backtest's score row follow it too.
    S.score_and_store(world, rw.END, history_months=0)
    pid = after.index[0]
    assert S.score_provider(world, pid, rw.END)["score"] == pytest.approx(after.loc[pid, "score"])
    events = search(world, action="weights")
    assert (events.iloc[0]["username"], events.iloc[0]["target"], events.iloc[0]["detail"]) == (
        "ada",
        str(new_id),
        "applied",
    )
    # Going back gives the set weights' scores, to the bit.
    WS.revert_weights(world, "ada")
    pd.testing.assert_frame_equal(S.score_providers(world, rw.END).set_index("provider_id"), before)
    assert search(world, action="weights").iloc[0]["target"] == WS.SET_WEIGHTS


@pytest.mark.parametrize("who", ["mo", "ines", "nobody"])
def test_only_an_admin_may_apply_weights(world: Engine, who: str) -> None:
    new_id = propose(world, heavier())
    with pytest.raises(WS.WeightSetError, match="only an active admin"):
        WS.apply_weights(world, new_id, who)
    with pytest.raises(WS.WeightSetError):
        WS.revert_weights(world, who)
    with world.connect() as conn:
        assert conn.execute(select(func.count()).select_from(WeightChoice)).scalar() == 0
    assert WS.applied_weights(world) is None
    assert search(world, action="weights")["detail"].tolist() == [
        "proposed (ratings, as of 2025-06-30)"
    ]


def test_a_disabled_admin_may_not_apply_and_no_such_set_is_refused(world: Engine) -> None:
    new_id = propose(world, heavier())
    with pytest.raises(WS.WeightSetError, match="no weight set"):
        WS.apply_weights(world, new_id + 1, "ada")
    accounts.set_disabled(world, "ada", True)
    with pytest.raises(WS.WeightSetError):
        WS.apply_weights(world, new_id, "ada")
    assert WS.in_force(world).weight_set_id is None


def test_a_set_against_the_meaning_of_its_weights_is_not_stored(world: Engine) -> None:
    wrong = heavier() | {"inc_severe": -0.1}
    with pytest.raises(WS.WeightSetError, match="inc_severe"):
        propose(world, wrong)
    with pytest.raises(WS.WeightSetError, match="rt_age"):
        propose(world, heavier() | {"rt_age": 0.2})  # reviewed to 0: the schedule, not care
    with pytest.raises(WS.WeightSetError, match="missing"):
        propose(world, {k: v for k, v in heavier().items() if k != "cm_negative"})
    assert WS.weight_sets(world).empty


def test_the_command_applies_for_an_admin_only_and_lists(
    world: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    new_id = propose(world, heavier())
    assert main(["weights", "--apply", str(new_id), "--by", "mo"]) == 2
    assert "Not changed" in capsys.readouterr().out
    assert WS.applied_weights(world) is None
    assert main(["weights", "--apply", str(new_id), "--by", "ada"]) == 0
    assert f"Weight set {new_id} applied by ada" in capsys.readouterr().out
    assert WS.applied_weights(world) == pytest.approx(heavier())
    assert main(["weights", "--list"]) == 0
    listed = capsys.readouterr().out
    assert f"In force: weight set {new_id} (chosen by ada" in listed
    assert main(["weights", "--revert", "--by", "ada"]) == 0
    assert WS.applied_weights(world) is None
    stored = json.loads(json.dumps(WS.stored_weights(world, new_id)))
    assert stored == pytest.approx(heavier())  # a proposal stays stored after going back
