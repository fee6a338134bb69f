"""The risk score's rules: dated, exact parts, monotone in harm, fair to small and silent
services, quick to see a decline. Each test builds a small world straight into the store."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from risk import score as S
from risk import weights as W
from risk.__main__ import main
from risk.indicators import INDICATORS
from risk.legend import SCORE_COLUMNS
from sources.rollups import rebuild_rollups
from sources.store import Inspection, Provider
from tests.risk import risk_world as rw

AS_OF = dt.date(2026, 6, 30)
PARTS = [f"c_{s}" for s in S.SOURCES] + ["c_base"]
GOLDEN = Path(__file__).parent / "golden_scores.csv"


@pytest.fixture
def world(engine: Engine) -> rw.World:
    return rw.build(engine, providers=45, seed=3, months=30)


def _scores(engine: Engine, as_of: dt.date = AS_OF) -> pd.DataFrame:
    return S.score_providers(engine, as_of).set_index("provider_id")


def _days(start: dt.date, n: int, step: int = 3) -> list[dt.date]:
    return [start + dt.timedelta(days=step * k) for k in range(n)]


def _add_provider(engine: Engine, pid: str, capacity: int, kind: str = "care_home") -> None:
    with Session(engine) as session:
        session.add(Provider(provider_id=pid, name=pid, type=kind, capacity=capacity))
        session.commit()


def test_score_in_range_and_parts_sum_to_score(engine: Engine, world: rw.World) -> None:
    frame = _scores(engine)
    assert len(frame) == len(world.ids)
    assert frame["score"].between(0, 100).all()
    np.testing.assert_allclose(frame[PARTS].sum(axis=1), frame["score"], atol=1e-9)
    points = frame[[f"p_{k}" for k in INDICATORS]].sum(axis=1)
    np.testing.assert_allclose(points + frame["c_base"], frame["score"], atol=1e-9)
    assert set(frame["band"]) <= set(S.BANDS)
    assert frame["uncertainty"].between(0, 1).all()
    # The hidden quality drives the evidence: the score must follow it.
    assert np.corrcoef(frame.loc[world.ids, "score"], world.quality)[0, 1] > 0.5


def test_evidence_after_the_day_changes_no_score(engine: Engine, world: rw.World) -> None:
    as_of = dt.date(2025, 12, 31)
    before = _scores(engine, as_of)
    later = dt.date(2026, 1, 1)
    pid = world.ids[0]
    rw.add_incidents(engine, pid, _days(later, 5), "death", "late")
    rw.add_alerts(engine, pid, _days(later, 5), "late")
    rw.add_comments(engine, pid, _days(later, 5), "late", negative=True, serious=True)
    rw.add_note(engine, pid, later, "late-note", -0.9)
    # Occurred before the day but reported after it: not yet known on the day.
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO incident (incident_id, provider_id, occurred_on, harm, reported_on) "
                "VALUES ('lag', :p, :o, 'death', :r)"
            ),
            {"p": pid, "o": as_of - dt.timedelta(days=5), "r": later},
        )
    with Session(engine) as session:
        session.add(
            Inspection(
                inspection_id="late-r", provider_id=pid, published_on=later, overall="Inadequate"
            )
        )
        session.commit()
    after = _scores(engine, as_of)
    pd.testing.assert_frame_equal(before, after)
    assert _scores(engine, dt.date(2026, 3, 31)).loc[pid, "score"] > before.loc[pid, "score"]


@pytest.mark.parametrize(
    ("harm", "more"), [("moderate", 6), ("severe", 2), ("death", 1), ("alert", 4)]
)
def test_more_harm_never_lowers_risk(engine: Engine, world: rw.World, harm: str, more: int) -> None:
    for pid in world.ids[:4]:
        before = _scores(engine).loc[pid, "score"]
        days = _days(dt.date(2026, 5, 1), more, 5)
        if harm == "alert":
            rw.add_alerts(engine, pid, days, f"x{pid}")
        else:
            rw.add_incidents(engine, pid, days, harm, f"x{pid}")
        assert _scores(engine).loc[pid, "score"] > before, pid


def test_worse_harm_weighs_more(engine: Engine, world: rw.World) -> None:
    # Four like services with the same reporting; each then has one incident of a harm.
    for harm in ("none", "moderate", "severe", "death"):
        _add_provider(engine, f"H-{harm}", 40)
        rw.add_incidents(engine, f"H-{harm}", _days(dt.date(2025, 7, 1), 60, 6), "low", harm)
        rw.add_incidents(engine, f"H-{harm}", [dt.date(2026, 6, 1)], harm, f"one-{harm}")
    score = _scores(engine)["score"]
    assert score["H-death"] > score["H-severe"] > score["H-moderate"] > score["H-none"]


def test_low_harm_reporting_does_not_raise_risk(engine: Engine, world: rw.World) -> None:
    pid = world.ids[0]
    before = _scores(engine).loc[pid, "score"]
    rw.add_incidents(engine, pid, _days(dt.date(2026, 3, 1), 30, 4), "none", "rep")
    assert _scores(engine).loc[pid, "score"] <= before


def test_small_provider_with_one_incident_not_above_a_sustained_rise(
    engine: Engine, world: rw.World
) -> None:
    _add_provider(engine, "SMALL", 5)
    _add_provider(engine, "LARGE", 120)
    rw.add_incidents(engine, "SMALL", [dt.date(2026, 6, 10)], "severe", "small")
    # A large home: ordinary low-harm reporting, then six months of twice the peer rate of
    # moderate harm and a steady run of severe harm.
    rw.add_incidents(engine, "LARGE", _days(dt.date(2024, 1, 1), 400, 2), "low", "big-low")
    rw.add_incidents(engine, "LARGE", _days(dt.date(2026, 1, 1), 50, 3), "moderate", "big-mod")
    rw.add_incidents(engine, "LARGE", _days(dt.date(2026, 1, 5), 6, 30), "severe", "big-sev")
    frame = _scores(engine)
    assert frame.loc["LARGE", "score"] > frame.loc["SMALL", "score"]
    # ...although the small one's raw rate per bed is higher.
    assert 1 / 5 > 6 / 120
    assert frame.loc["SMALL", "u_inc_severe"] > frame.loc["LARGE", "u_inc_severe"]


def test_two_bad_months_show_before_the_yearly_totals(engine: Engine, world: rw.World) -> None:
    pid = world.ids[int(np.argmin(world.quality))]  # the best service of the world
    before_rank = _scores(engine)["score"].rank(ascending=False)[pid]
    start = dt.date(2026, 5, 1)
    rw.add_comments(engine, pid, _days(start, 6, 10), "turn", negative=True, serious=True)
    rw.add_alerts(engine, pid, _days(start, 4, 15), "turn")
    frame = _scores(engine)
    score_rank = frame["score"].rank(ascending=False)[pid]
    # Yearly totals per size: alerts and negative comments over the last 12 months.
    since = (AS_OF - dt.timedelta(days=365)).isoformat()
    with engine.connect() as conn:
        totals = pd.Series(
            dict(
                conn.execute(
                    text(
                        "SELECT provider_id, COUNT(*) FROM ("
                        "SELECT provider_id FROM safeguardingalert WHERE raised_on > :s "
                        "UNION ALL SELECT provider_id FROM comment WHERE received_on > :s "
                        "AND sentiment = 'negative') AS t GROUP BY provider_id"
                    ),
                    {
                        "s": since
                        if engine.dialect.name == "sqlite"
                        else dt.date.fromisoformat(since)
                    },
                ).fetchall()
            )
        ).reindex(frame.index, fill_value=0)
    per_size = totals / frame["capacity"]
    totals_rank = per_size.rank(ascending=False)[pid]
    # Two months in: the score puts it in the high band and the top 30%, where inspectors
    # look first, while its yearly totals still leave it outside.
    assert frame.loc[pid, "band"] in ("high", "very high")
    assert score_rank <= 0.3 * len(frame) < totals_rank
    assert before_rank > 0.5 * len(frame)
    assert frame.loc[pid, "cm_cusum"] > 0 and frame.loc[pid, "sg_cusum"] > 0


def test_silence_is_uncertain_not_safe(engine: Engine, world: rw.World) -> None:
    pid = world.ids[1]
    sqlite = engine.dialect.name == "sqlite"
    before = _scores(engine).loc[pid]
    with engine.begin() as conn:
        conn.execute(
            text("DELETE FROM comment WHERE provider_id = :p AND received_on > :s"),
            {"p": pid, "s": "2025-09-30" if sqlite else dt.date(2025, 9, 30)},
        )
        rebuild_rollups(conn)  # as the store's own writers recount
    quiet = _scores(engine).loc[pid]
    # Nine quiet months: only old comments speak, and certainty goes down.
    assert quiet["uncertainty"] > before["uncertainty"]
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM comment WHERE provider_id = :p"), {"p": pid})
        rebuild_rollups(conn)
    silent = _scores(engine).loc[pid]
    # No comments at all: neither credit nor debit from comments.
    assert silent["c_comments"] == pytest.approx(0.0, abs=1e-9)
    assert silent["uncertainty"] > quiet["uncertainty"]


def test_a_provider_with_no_evidence_is_uncertain(engine: Engine, world: rw.World) -> None:
    _add_provider(engine, "EMPTY", 30)
    frame = _scores(engine)
    assert frame.loc["EMPTY", "uncertainty"] > 0.9
    assert frame.loc["EMPTY", "uncertainty"] > frame["uncertainty"].drop("EMPTY").max()


def test_unlinked_and_copied_comments_do_not_count(engine: Engine, world: rw.World) -> None:
    pid = world.ids[2]
    rw.add_comments(engine, pid, [dt.date(2026, 6, 2)], "orig", serious=True)
    before = _scores(engine)
    rw.add_comments(engine, None, _days(dt.date(2026, 6, 1), 10, 2), "free", serious=True)
    rw.add_comments(engine, pid, _days(dt.date(2026, 6, 3), 10, 2), "copy", serious=True)
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE comment SET duplicate_of = 'orig0' WHERE comment_id LIKE 'copy%'")
        )
        rebuild_rollups(conn)  # as mark_duplicates recounts
    # Ten copies of one concern count like the one original; unlinked ones count nowhere.
    pd.testing.assert_frame_equal(before, _scores(engine))


def test_store_history_and_explain(engine: Engine, world: rw.World) -> None:
    stored = S.score_and_store(engine, AS_OF, history_months=2)
    assert stored == 3 * len(world.ids)
    assert S.latest_as_of(engine) == AS_OF
    assert S.evidence_end(engine) <= AS_OF
    with engine.connect() as conn:
        days = {
            S._as_date(r[0]) for r in conn.execute(text("SELECT DISTINCT as_of FROM riskscore"))
        }
        rows = conn.execute(
            text(
                "SELECT provider_id, score, contributions, explanation FROM riskscore "
                "WHERE as_of = :d"
            ),
            {"d": AS_OF.isoformat() if engine.dialect.name == "sqlite" else AS_OF},
        ).fetchall()
    assert days == {AS_OF, dt.date(2026, 5, 31), dt.date(2026, 4, 30)}
    frame = _scores(engine)
    for pid, score, contributions, _explanation in rows:
        parts = json.loads(contributions)
        assert set(parts) == {*S.SOURCES, "base"}
        assert sum(parts.values()) == pytest.approx(score, abs=1e-3)
        assert score == pytest.approx(frame.loc[pid, "score"])
    top = frame["score"].idxmax()
    detail = json.loads(next(r[3] for r in rows if r[0] == top))
    assert detail["evidence"], "the riskiest provider's explanation names its evidence"
    assert set(detail["indicators"]) == set(INDICATORS)
    x = S.explain_provider(engine, top, AS_OF)
    assert x.score == pytest.approx(frame.loc[top, "score"])
    assert sum(x.by_source.values()) == pytest.approx(x.score)
    assert sum(x.by_indicator.values()) == pytest.approx(x.score - x.by_source["base"])
    assert x.evidence and all(e.date is None or e.date <= AS_OF for e in x.evidence)


def test_rescoring_one_provider_uses_stored_peers(engine: Engine, world: rw.World) -> None:
    S.score_and_store(engine, AS_OF, history_months=0)
    pid = world.ids[4]
    frame = _scores(engine)
    assert S.score_provider(engine, pid, AS_OF)["score"] == pytest.approx(frame.loc[pid, "score"])
    rw.add_incidents(engine, pid, _days(dt.date(2026, 6, 1), 3, 3), "death", "new")
    assert S.score_provider(engine, pid, AS_OF)["score"] > frame.loc[pid, "score"]


def test_score_command_writes_the_csv(engine: Engine, world: rw.World, tmp_path: Path) -> None:
    out = tmp_path / "scores.csv"
    assert main(["score", "--as-of", AS_OF.isoformat(), "--out", str(out)]) == 0
    csv = pd.read_csv(out, keep_default_na=False)
    parts = [f"c_{s}" for s in S.SOURCES] + ["c_base"]
    assert list(csv.columns) == ["provider_id", "name", "type", "region", "score", "band", *parts]
    assert list(csv.columns) == list(SCORE_COLUMNS), "--help documents every column"
    np.testing.assert_allclose(csv[parts].sum(axis=1), csv["score"], atol=1e-3)
    assert S.latest_as_of(engine) == AS_OF
    # Riskiest first, each id beside the provider's name and type as registered.
    assert csv["score"].is_monotonic_decreasing
    assert csv["score"].iloc[0] == pytest.approx(_scores(engine)["score"].max(), abs=1e-4)
    with Session(engine) as session:
        register = {p.provider_id: p for p in session.exec(select(Provider)).all()}
    assert len(csv) == len(register)
    for row in csv.itertuples():
        assert row.name == register[row.provider_id].name != ""
        assert row.type == register[row.provider_id].type


def test_golden_scores(engine: Engine) -> None:
    """A small world's scores must not drift silently: regenerate the file on purpose
    (with a CHANGELOG line under "Scoring") when the method changes."""
    rw.build(engine, providers=24, seed=11, months=24)
    frame = S.score_providers(engine, AS_OF)[["provider_id", "score", "band", *PARTS]]
    # A missing file fails: regenerate it by hand (frame.round(6).to_csv) and commit it.
    assert GOLDEN.is_file(), f"{GOLDEN} is missing"
    golden = pd.read_csv(GOLDEN)
    assert list(golden["provider_id"]) == list(frame["provider_id"])
    assert list(golden["band"]) == list(frame["band"])
    np.testing.assert_allclose(frame["score"], golden["score"], atol=1e-4)
    np.testing.assert_allclose(frame[PARTS], golden[PARTS], atol=1e-4)


@pytest.mark.parametrize("harm", ["moderate", "severe", "death"])
def test_a_first_harmful_incident_never_lowers_risk(
    engine: Engine, world: rw.World, harm: str
) -> None:
    # Silence is neutral; the first record must not unlock a credit that outweighs it.
    _add_provider(engine, "NEW", 40)
    before = _scores(engine).loc["NEW", "score"]
    rw.add_incidents(engine, "NEW", [dt.date(2026, 6, 1)], harm, "first")
    assert _scores(engine).loc["NEW", "score"] > before


def test_the_top_of_the_list_stays_rankable(engine: Engine, world: rw.World) -> None:
    # Each step multiplies the odds of a poor next rating by e: at one decimal place the
    # scores must still differ by a point or more and stay below 100.0, so a manager can
    # rank the top and see it move.
    shown = np.round(S.score_of_log_odds(np.arange(3.0, 9.0)), 1)
    assert np.all(np.diff(shown) >= 1.0) and shown.max() < 100.0
    # The bands still mean a chance of a poor next rating of about 15%, 30% and 50%.
    chances = [1 / (1 + ((100 - b) / b) ** W.SCORE_SCALE) for b in W.BAND_BOUNDS]
    np.testing.assert_allclose(chances, [0.15, 0.30, 0.50], atol=0.01)
    top = _scores(engine)["score"].nlargest(5).round(1)
    assert top.is_unique and top.max() < 100.0


def _add_rating(engine: Engine, pid: str, day: dt.date, overall: str, **questions: str) -> None:
    with Session(engine) as session:
        session.add(
            Inspection(
                inspection_id=f"{pid}-{day.isoformat()}",
                provider_id=pid,
                published_on=day,
                overall=overall,
                **questions,
            )
        )
        session.commit()


def test_key_questions_and_newer_ratings_weigh_in_the_history(
    engine: Engine, world: rw.World
) -> None:
    good = dict.fromkeys(("safe", "effective", "caring", "responsive", "well_led"), "Good")
    for pid in ("ALLGOOD", "TWORI", "WORSENED", "MENDED"):
        _add_provider(engine, pid, 40)
    day, old = dt.date(2026, 1, 15), dt.date(2022, 9, 15)
    _add_rating(engine, "ALLGOOD", day, "Good", **good)
    _add_rating(
        engine,
        "TWORI",
        day,
        "Good",
        **{**good, "safe": "Requires improvement", "well_led": "Requires improvement"},
    )
    # The same two ratings in either order: the newer one says more about the service now.
    _add_rating(engine, "WORSENED", old, "Good", **good)
    _add_rating(engine, "WORSENED", day, "Requires improvement")
    _add_rating(engine, "MENDED", old, "Requires improvement")
    _add_rating(engine, "MENDED", day, "Good", **good)
    frame = _scores(engine)
    assert frame.loc["TWORI", "rt_history"] > frame.loc["ALLGOOD", "rt_history"]
    assert frame.loc["TWORI", "score"] > frame.loc["ALLGOOD", "score"]
    assert frame.loc["WORSENED", "rt_history"] > frame.loc["MENDED", "rt_history"] > 0


def _open_and_closed(engine: Engine) -> None:
    # Two like homes with no harm and no alert for two years: one reports small incidents
    # at about two thirds of its peers' usual rate, the other hardly at all.
    for pid, reports in (("OPEN", 160), ("CLOSED", 3)):
        _add_provider(engine, pid, 40)
        days = _days(dt.date(2024, 7, 1), reports, 720 // reports)
        rw.add_incidents(engine, pid, days, "low", pid)


def test_fewer_harms_and_alerts_earn_credit_as_far_as_reporting_is_open(
    engine: Engine, world: rw.World
) -> None:
    _open_and_closed(engine)
    frame = _scores(engine)
    for part in ("p_inc_fewer_harms", "p_sg_fewer_alerts"):
        assert frame.loc["OPEN", part] < 0
        assert frame.loc["CLOSED", part] > 0.25 * frame.loc["OPEN", part]
    # The credit only lowers a score, and never where nothing is reported.
    assert (frame[["p_inc_fewer_harms", "p_sg_fewer_alerts"]] <= 0).all().all()
    assert frame.loc["OPEN", "score"] < frame.loc["CLOSED", "score"]


def test_a_rise_withdraws_the_credit_and_every_alert_raises_the_score(
    engine: Engine, world: rw.World
) -> None:
    _open_and_closed(engine)
    scores = [_scores(engine).loc["OPEN"]]
    for k, day in enumerate(_days(dt.date(2026, 5, 1), 6, 10)):
        rw.add_alerts(engine, "OPEN", [day], f"rise{k}", level="medium")
        scores.append(_scores(engine).loc["OPEN"])
    assert all(b["score"] > a["score"] for a, b in zip(scores, scores[1:], strict=False))
    # Six alerts in two months, from a home that had none: a rise against its own past,
    # and its good record no longer speaks for it.
    assert scores[-1]["sg_cusum"] > W.CUSUM_ALARM
    assert scores[-1]["p_sg_fewer_alerts"] == pytest.approx(0.0, abs=1e-9)
    assert scores[0]["p_sg_fewer_alerts"] < -1.0


def test_peers_stored_before_an_indicator_was_added_are_fitted_again(
    engine: Engine, world: rw.World
) -> None:
    S.score_and_store(engine, AS_OF, history_months=0)
    with engine.begin() as conn:
        stored = json.loads(conn.execute(text("SELECT params FROM riskpeers")).scalar_one())
        del stored["params"]["spread_sg_fewer_alerts"]
        conn.execute(text("UPDATE riskpeers SET params = :p"), {"p": json.dumps(stored)})
    pid = world.ids[5]
    expected = _scores(engine).loc[pid, "score"]
    assert S.score_provider(engine, pid, AS_OF)["score"] == pytest.approx(expected)


def test_a_month_end_before_the_first_rating_scores_from_later_read_evidence(
    engine: Engine, world: rw.World
) -> None:
    from risk.indicators import compute_indicators, read_evidence

    # The world's first ratings are published in December 2024: the month-end before them,
    # seen through evidence read later (as history days and the refit read it), is unrated.
    before = dt.date(2024, 11, 30)
    later = read_evidence(engine, AS_OF).until(before)
    assert later.ratings.empty
    frame = S.score_indicators(compute_indicators(later)).set_index("provider_id")
    assert (frame["rt_history"] == 0).all() and (frame["rt_decline"] == 0).all()
    assert frame["score"].between(0, 100).all()


def test_a_big_stores_explanations_read_in_a_process_of_their_own_are_the_same(
    engine: Engine, world: rw.World, monkeypatch: pytest.MonkeyPatch
) -> None:
    def stored() -> list[tuple]:
        with engine.connect() as conn:
            return conn.execute(
                text("SELECT provider_id, score, contributions, explanation FROM riskscore")
            ).fetchall()

    S.score_and_store(engine, AS_OF, history_months=0)
    on_a_thread = sorted(stored())
    with S._detail_pool(engine) as pool:
        assert isinstance(pool, S.ThreadPoolExecutor)
    monkeypatch.setattr(S, "DETAIL_PROCESS_PROVIDERS", 1)
    with S._detail_pool(engine) as pool:
        assert isinstance(pool, S.ProcessPoolExecutor)
    S.score_and_store(engine, AS_OF, history_months=0)
    assert sorted(stored()) == on_a_thread
    assert any(json.loads(row[3])["evidence"] for row in on_a_thread)


def _worker_dies(url: str, as_of: dt.date) -> None:
    import os

    os._exit(1)


def test_a_worker_that_dies_leaves_the_explanations_read_here(
    engine: Engine, world: rw.World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(S, "DETAIL_PROCESS_PROVIDERS", 1)
    monkeypatch.setattr(S, "_detail_reads_at", _worker_dies)
    assert S.score_and_store(engine, AS_OF, history_months=0) == len(world.ids)
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT explanation FROM riskscore")).scalars().all()
    assert any(json.loads(x)["evidence"] for x in stored)
