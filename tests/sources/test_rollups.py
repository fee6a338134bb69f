"""The monthly rollups always equal a recount of the raw rows: after a load, a reload, a
refused or failed load, an inbox link or dismissal, marking copies, and on a store made
before they existed.

The recount here is pandas over the raw rows, not the rollups' own SQL, so a wrong filter
or key in either shows up as a difference.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from sources import rollups
from sources.load import load_folder
from sources.load import run as load_run
from sources.people import actions
from sources.store import make_engine

PROVIDERS = (
    "provider_id,name,type,town,capacity\n"
    "P1,Oak House,care_home,Oakford,30\n"
    "P2,Elm Surgery,gp_practice,Elmbridge,\n"
)
# I3 becomes visible two months after it occurred; I4 is reported in the next year.
INCIDENTS = (
    "incident_id,provider_id,occurred_on,harm,reported_on\n"
    "I1,P1,2025-01-02,low,\n"
    "I2,P2,2025-01-03,none,2025-01-20\n"
    "I3,P1,2025-01-30,severe,2025-03-02\n"
    "I4,P1,2025-12-31,death,2026-01-05\n"
    "I5,P1,2025-01-15,moderate,\n"
)
SAFEGUARDING = (
    "alert_id,provider_id,raised_on,abuse_type,risk_level\n"
    "A1,P1,2025-02-01,neglect,high\n"
    "A2,P1,2025-02-28,neglect,high\n"
    "A3,P1,2025-02-10,financial,low\n"
    "A4,P2,2025-03-01,physical,medium\n"
)
SAME = "Nobody came when my dad rang the bell at night and he was left waiting for an hour."
COMMENTS = (
    "comment_id,received_on,text,provider_id,provider_name,place,channel,rating\n"
    "C1,2025-04-01,The staff were kind to my mother.,P1,,,web,5\n"
    f"C2,2025-04-02,{SAME},P1,,,web,1\n"
    f"C3,2025-04-05,{SAME},P1,,,phone,2\n"
    "C4,2025-04-03,A lovely place.,,Zzyzx Qwerty,Nowhere,web,\n"
    "C5,2025-05-30,They lost my mum's glasses twice.,P2,,,web,3\n"
)
WORLD = {
    "providers.csv": PROVIDERS,
    "incidents.csv": INCIDENTS,
    "safeguarding.csv": SAFEGUARDING,
    "comments.csv": COMMENTS,
}


def write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (folder / name).write_text(content, encoding="utf-8")
    return folder


def _raw(engine: Engine, sql: str) -> pd.DataFrame:
    with engine.connect() as conn:
        result = conn.execute(text(sql))
        return pd.DataFrame(result.all(), columns=list(result.keys()))


def _month(days: pd.Series) -> pd.Series:
    days = pd.to_datetime(days)
    return days.dt.year * 12 + days.dt.month - 1


def recount(engine: Engine) -> dict[str, list[tuple]]:
    """What each rollup table should hold, counted in pandas from the raw rows."""
    inc = _raw(engine, "SELECT provider_id, occurred_on, reported_on, harm FROM incident")
    inc["month"] = _month(inc["occurred_on"])
    inc["visible"] = _month(inc["reported_on"].fillna(inc["occurred_on"]))
    for harm in rollups.HARMS:
        inc[f"n_{harm}"] = (inc["harm"] == harm).astype(int)
    inc["n"] = 1
    incidents = inc.groupby(["provider_id", "month", "visible"])[
        ["n", *(f"n_{h}" for h in rollups.HARMS)]
    ].sum()

    sg = _raw(
        engine, "SELECT provider_id, raised_on, abuse_type, risk_level FROM safeguardingalert"
    )
    sg["month"] = _month(sg["raised_on"])
    alerts = sg.groupby(["provider_id", "month", "abuse_type", "risk_level"]).size()

    cm = _raw(
        engine,
        "SELECT provider_id, received_on, sentiment, serious, rating, duplicate_of FROM comment",
    )
    cm = cm[cm["provider_id"].notna() & cm["duplicate_of"].isna()].copy()
    cm["month"] = _month(cm["received_on"])
    cm["n"] = 1
    cm["negative"] = (cm["sentiment"] == "negative").astype(int)
    cm["serious"] = cm["serious"].astype(bool).astype(int)
    stars = pd.to_numeric(cm["rating"]).clip(1, 5)
    cm["rated"] = stars.notna().astype(int)
    for k in rollups.STARS:
        cm[f"stars_{k}"] = (stars == k).astype(int)
        cm[f"unread_{k}"] = ((stars == k) & cm["sentiment"].isna()).astype(int)
    counts = list(rollups.ROLLUPS["comment"].counts)
    comments = cm.groupby(["provider_id", "month"])[counts].sum()
    return {
        "incidentmonth": _rows(incidents.reset_index()),
        "alertmonth": _rows(alerts.rename("n").reset_index()),
        "commentmonth": _rows(comments.reset_index()),
    }


def _rows(frame: pd.DataFrame) -> list[tuple]:
    return sorted(tuple(int(v) if not isinstance(v, str) else v for v in r) for r in frame.values)


def stored(engine: Engine) -> dict[str, list[tuple]]:
    """What each rollup table holds, rows sorted."""
    out = {}
    for rollup in rollups.ROLLUPS.values():
        columns = ", ".join((*rollup.keys, *rollup.counts))
        out[rollup.table] = _rows(_raw(engine, f"SELECT {columns} FROM {rollup.table}"))
    return out


def test_a_load_keeps_the_rollups_equal_to_a_recount(engine: Engine, tmp_path: Path) -> None:
    assert load_folder(engine, write(tmp_path / "in", WORLD)).ok
    held = stored(engine)
    assert held == recount(engine)
    # The counts themselves, not only their agreement: I3 (occurred in January, visible in
    # March) and I5 (moderate) share P1's January; copies C2/C3 count once; C4 is unlinked.
    jan = 2025 * 12
    assert ("P1", jan, jan + 2, 1, 0, 0, 0, 1, 0) in held["incidentmonth"]
    assert ("P1", jan, jan, 2, 0, 1, 1, 0, 0) in held["incidentmonth"]
    assert ("P1", jan + 1, "neglect", "high", 2) in held["alertmonth"]
    p1_april = [r for r in held["commentmonth"] if r[:2] == ("P1", jan + 3)]
    assert len(p1_april) == 1 and p1_april[0][2] == 2  # C1 and C2 (C3 is C2's copy)


def test_a_reload_of_the_same_files_leaves_the_rollups_unchanged(
    engine: Engine, tmp_path: Path
) -> None:
    folder = write(tmp_path / "in", WORLD)
    assert load_folder(engine, folder).ok
    before = stored(engine)
    assert load_folder(engine, folder).ok
    assert stored(engine) == before == recount(engine)


@pytest.mark.parametrize("chunk", [5_000, 1], ids=["the rows' months", "whole tables"])
def test_a_reloaded_row_that_moves_is_counted_where_it_went_only(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    assert load_folder(engine, write(tmp_path / "a", WORLD)).ok
    monkeypatch.setattr(rollups, "KEY_CHUNK", chunk)  # 1: a file of most rows recounts all
    # I1 moves from P1 in January to P2 in June; A4 from March to December.
    moved = {
        "incidents.csv": INCIDENTS.replace("I1,P1,2025-01-02", "I1,P2,2025-06-02"),
        "safeguarding.csv": SAFEGUARDING.replace("A4,P2,2025-03-01", "A4,P2,2025-12-01"),
        "comments.csv": COMMENTS.replace("C5,2025-05-30", "C5,2025-07-01"),
    }
    assert load_folder(engine, write(tmp_path / "b", moved)).ok
    held = stored(engine)
    assert held == recount(engine)
    jan = 2025 * 12
    assert not [r for r in held["incidentmonth"] if r[:2] == ("P1", jan) and r[4] == 1]
    assert [r for r in held["alertmonth"] if r[0] == "P2"] == [
        ("P2", jan + 11, "physical", "medium", 1)
    ]


def test_a_refused_load_leaves_the_rollups_unchanged(engine: Engine, tmp_path: Path) -> None:
    assert load_folder(engine, write(tmp_path / "a", WORLD)).ok
    before = stored(engine)
    bad = {
        "incidents.csv": INCIDENTS + "I9,P2,2025-02-02,severe,\n",
        "comments.csv": COMMENTS + "C9,2025-13-01,Bad date on the last row.,P1,,,web,\n",
    }
    assert not load_folder(engine, write(tmp_path / "b", bad)).ok
    assert stored(engine) == before == recount(engine)


def test_a_load_failing_after_a_recount_rolls_the_recount_back(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert load_folder(engine, write(tmp_path / "a", WORLD)).ok
    before = stored(engine)
    real = load_run._write

    def failing(conn, table, *args, **kwargs):
        if table.name == "comment":  # after incidents and alerts were written and recounted
            raise RuntimeError("disk full")
        return real(conn, table, *args, **kwargs)

    monkeypatch.setattr(load_run, "_write", failing)
    changed = {
        "incidents.csv": INCIDENTS + "I9,P2,2025-02-02,severe,\n",
        "safeguarding.csv": SAFEGUARDING + "A9,P2,2025-02-03,neglect,high\n",
        "comments.csv": COMMENTS,
    }
    result = load_folder(engine, write(tmp_path / "b", changed))
    assert result.failed
    assert stored(engine) == before == recount(engine)


def test_linking_and_dismissing_in_the_inbox_recount_the_months(
    engine: Engine, tmp_path: Path
) -> None:
    assert load_folder(engine, write(tmp_path / "in", WORLD)).ok
    april = 2025 * 12 + 3
    actions.link_comment(engine, "C4", "P2", by="amy")
    held = stored(engine)
    assert held == recount(engine)
    assert [r[2] for r in held["commentmonth"] if r[:2] == ("P2", april)] == [1]
    actions.link_comment(engine, "C4", "P1", by="amy")  # moved from P2 to P1
    held = stored(engine)
    assert held == recount(engine)
    assert not [r for r in held["commentmonth"] if r[:2] == ("P2", april)]
    actions.dismiss_comment(engine, "C1", by="amy")
    assert stored(engine) == recount(engine)


def test_an_inbox_action_refused_leaves_the_rollups_unchanged(
    engine: Engine, tmp_path: Path
) -> None:
    assert load_folder(engine, write(tmp_path / "in", WORLD)).ok
    before = stored(engine)
    with pytest.raises(actions.InboxError):
        actions.link_comment(engine, "C4", "P404", by="amy")
    with pytest.raises(actions.InboxError):
        actions.dismiss_comment(engine, "C404", by="amy")
    assert stored(engine) == before


def test_copies_marked_later_are_counted_once(engine: Engine, tmp_path: Path) -> None:
    from sources.duplicates import mark_duplicates

    assert load_folder(engine, write(tmp_path / "in", WORLD)).ok
    with engine.begin() as conn:  # as if the copies had not been marked yet
        conn.exec_driver_sql("UPDATE comment SET duplicate_of = NULL")
        rollups.rebuild_rollups(conn)
    unmarked = stored(engine)
    assert mark_duplicates(engine, ["P1"]) == 1
    assert stored(engine) == recount(engine) != unmarked


def test_a_store_made_before_the_rollups_gets_them_once(engine: Engine, tmp_path: Path) -> None:
    assert load_folder(engine, write(tmp_path / "in", WORLD)).ok
    expected = stored(engine)
    with engine.begin() as conn:  # the store as an earlier version left it
        for rollup in rollups.ROLLUPS.values():
            conn.exec_driver_sql(f"DROP TABLE {rollup.table}")
        conn.exec_driver_sql("DROP TABLE rollupbuild")
    url = engine.url.render_as_string(hide_password=False)
    migrated = make_engine(url)
    assert stored(migrated) == expected == recount(migrated)
    assert rollups.ensure_rollups(migrated) is False  # built once, not at every start
    migrated.dispose()


def test_an_older_version_of_the_rollups_is_rebuilt(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert load_folder(engine, write(tmp_path / "in", WORLD)).ok
    with engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM alertmonth")  # as an older shape might hold
    monkeypatch.setattr(rollups, "ROLLUP_VERSION", rollups.ROLLUP_VERSION + 1)
    assert rollups.ensure_rollups(engine) is True
    assert stored(engine) == recount(engine)
    assert rollups.ensure_rollups(engine) is False


@pytest.mark.parametrize("chunk", [5_000, 5], ids=["by key", "whole table"])
def test_a_recount_of_many_keys_equals_a_recount(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    assert load_folder(engine, write(tmp_path / "in", WORLD)).ok
    monkeypatch.setattr(rollups, "KEY_CHUNK", chunk)
    months = range(2025 * 12, 2025 * 12 + 12)
    keys = [(p, m) for p in ("P1", "P2", "P3") for m in months]
    with engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM incidentmonth")
        rollups.refresh_rollups(conn, "incident", keys)
    assert stored(engine) == recount(engine)
