"""`python -m risk backtest`'s verdict report: per indicator and kind of serious concern, how
often the lines it was behind were confirmed, from the verdicts stored."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from sqlalchemy.engine import Engine

from risk.__main__ import main
from risk.verdicts import RATE_COLUMNS, rates_text, verdict_rates
from sources.people import actions
from tests.risk import risk_world as rw
from tests.risk import tiny_world
from tests.risk.test_backtest import CUT

VISIT = dt.date(2026, 7, 2)


def test_each_indicator_and_kind_of_concern_counts_its_lines_verdicts(engine: Engine) -> None:
    tiny_world.build(engine)
    answers = [
        actions.Answer("safe:harm", "confirmed", "", ("inc_severe", "inc_moderate")),
        actions.Answer("safe:voices", "not_found", "", ("cm_negative",), ("neglect",)),
        actions.Answer("well_led:unseen_concerns", "confirmed", "", ("cm_serious",), ("neglect",)),
    ]
    actions.record_verdicts(engine, "A", VISIT, answers, "ines")
    # A line stored without its indicators (as a loaded one is) is read by its key's kind.
    actions.record_verdicts(
        engine, "B", VISIT, [actions.Answer("safe:harm", "not_looked_at")], "ines"
    )
    rates = verdict_rates(engine).set_index(["what", "name"])
    assert list(rates.reset_index().columns) == list(RATE_COLUMNS)
    severe = rates.loc[("indicator", "inc_severe")]
    assert (severe["confirmed"], severe["not_found"], severe["not_looked_at"]) == (1, 0, 1)
    assert severe["confirmed_share"] == 1.0  # not looked at is never in the share
    assert rates.loc[("indicator", "cm_negative"), "confirmed_share"] == 0.0
    assert rates.loc[("concern", "neglect"), "confirmed_share"] == 0.5
    # Behind B's line alone, not looked at: nothing to say, the share is unknown.
    cusum = rates.loc[("indicator", "inc_cusum")]
    assert cusum["not_looked_at"] == 1 and math.isnan(cusum["confirmed_share"])
    assert rates.reset_index()["what"].tolist()[-1] == "concern"
    printed = rates_text(verdict_rates(engine))
    assert printed.startswith("Verdicts: how often") and "inc_severe" in printed


def test_no_verdicts_give_an_empty_report(engine: Engine) -> None:
    assert verdict_rates(engine).empty


def test_the_backtest_command_prints_the_verdict_report(
    engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    rw.build(engine, providers=30, seed=4, months=30)
    assert main(["backtest", "--as-of", CUT.isoformat()]) == 0
    assert "Verdicts: none stored yet" in capsys.readouterr().out
