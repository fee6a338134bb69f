"""Indicators fitted and applied as separate steps: the peers learned once, applied to any."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from sqlalchemy.engine import Engine

from risk.indicators import (
    INDICATORS,
    UNSCALED,
    Peers,
    apply_indicators,
    compute_indicators,
    fit_peers,
    read_evidence,
)
from tests.risk import risk_world as rw

AS_OF = rw.END


@pytest.fixture
def world(engine: Engine) -> rw.World:
    return rw.build(engine, providers=30, months=24)


def test_fitting_then_applying_is_computing(engine: Engine, world: rw.World) -> None:
    evidence = read_evidence(engine, AS_OF)
    peers = fit_peers(evidence)
    together = compute_indicators(evidence)
    pd.testing.assert_frame_equal(apply_indicators(evidence, peers).frame, together.frame)
    assert peers == together.peers
    scaled = {k for k in INDICATORS if k not in UNSCALED}
    assert set(peers.spreads) == scaled
    assert {"inc_severe", "cm_negative", "inc_cusum", "ebe_negative", "rt_age"} <= set(peers.priors)


def test_one_provider_applied_against_everyone_s_peers(engine: Engine, world: rw.World) -> None:
    evidence = read_evidence(engine, AS_OF)
    everyone = compute_indicators(evidence)
    pid = world.ids[3]
    alone = apply_indicators(read_evidence(engine, AS_OF, provider_ids=[pid]), everyone.peers)
    mine = everyone.frame.set_index("provider_id").loc[[pid]].reset_index()
    # Each indicator, its z and its uncertainty are the provider's own against the peers;
    # the funnel z is a reading of the providers read together, so it is left out.
    columns = [c for k in INDICATORS for c in (k, f"z_{k}", f"u_{k}")]
    pd.testing.assert_frame_equal(alone.frame[columns], mine[columns])


def test_stored_peers_keep_their_shape(engine: Engine, world: rw.World) -> None:
    peers = fit_peers(read_evidence(engine, AS_OF))
    stored = json.loads(json.dumps(peers.to_json()))
    assert set(stored) == {"as_of", "months", "group_of_type", "type_capacity", "rates", "params"}
    # Priors and spreads share `params`, a spread named "spread_<indicator>".
    assert set(stored["params"]) == set(peers.priors) | {f"spread_{k}" for k in peers.spreads}
    assert Peers.from_json(stored) == peers
