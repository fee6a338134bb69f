"""Data: upload contract files through the same all-or-nothing loader as the command line.

(The file is loads.py, so the page's address is /loads; app.py titles it Data.)
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from pages.ui import cache, gate, loaders, writes
from sources import settings
from sources.contract import FILES
from sources.people import access, actions

gate.via_app(__file__)
gate.require(access.LOAD)

HISTORICAL_DAYS = 90  # the "received before" day offered: this long before the newest scores

st.title("Data")
st.write(
    "Upload any of the contract's files. A load is all or nothing: if one row anywhere is "
    "wrong, nothing is stored and every problem is listed below. Loading the same files "
    "again changes nothing."
)
st.caption("Files: " + ", ".join(f.filename for f in FILES))

limit_mb = settings.upload_max_mb()
uploads = st.file_uploader(
    "Contract files (CSV)",
    type=["csv"],
    accept_multiple_files=True,
    key="uploads",
    max_upload_size=limit_mb,
)

if st.button("Load these files", type="primary", disabled=not uploads, key="load"):
    from sources import load

    files = {u.name: u.getvalue() for u in uploads}
    bar = st.progress(0.0, text="Checking the files…")
    result = load.load_files(
        cache.engine(),
        files,
        by=gate.current_user(),
        progress=lambda done, message: bar.progress(min(max(done, 0.0), 1.0), message),
    )
    bar.empty()
    writes.clear()
    load.record_in_audit(cache.engine(), result, ", ".join(sorted(files)), gate.current_user())
    st.session_state["last_load"] = {
        "ok": result.ok,
        "problems": pd.DataFrame(
            [
                {
                    "file": p.file,
                    "row": p.row,
                    "column": p.column,
                    "value": p.value,
                    "problem": p.message,
                }
                for p in result.problems
            ],
            columns=["file", "row", "column", "value", "problem"],
        ),
        "problem_count": max(result.problem_count, len(result.problems)),
        "warnings": list(result.warnings),
        "added": dict(result.added),
        "updated": dict(result.updated),
    }

outcome = st.session_state.get("last_load")
if outcome:
    if outcome["ok"]:
        st.success("Loaded. Scores are not updated until the store is scored again (below).")
        counts = pd.DataFrame({"added": outcome["added"], "updated": outcome["updated"]})
        st.dataframe(counts.fillna(0).astype(int), key="load_counts")
    else:
        shown = len(outcome["problems"])
        total = outcome["problem_count"]
        st.error(
            f"Nothing was stored: {total:,} problem(s)"
            + (f", the first {shown:,} listed" if total > shown else "")
            + ". Correct the files and upload them again."
        )
        st.dataframe(outcome["problems"], hide_index=True, key="load_problems")
    if outcome["warnings"]:
        st.warning(f"{len(outcome['warnings'])} warning(s) (loaded anyway):")
        st.dataframe(pd.DataFrame({"warning": outcome["warnings"]}), hide_index=True)

st.subheader("Scores")
stamp = cache.stamp()  # read after any load above; again below, after any scoring
dates = loaders.scored_dates(stamp)
if dates:
    st.write(f"The newest scores are as of {dates[-1]:%d %B %Y}.")
    last = loaders.newest_scoring(stamp)
    if last:
        finished = pd.Timestamp(last["finished_at"])
        finished = finished.tz_localize("UTC") if finished.tzinfo is None else finished
        st.caption(
            f"Last scoring: as of {last['as_of']:%d %B %Y}, {last['providers']:,} providers "
            f"and {last['days']} days, finished {finished.tz_convert('UTC'):%d %B %Y %H:%M} UTC."
        )
else:
    st.info("Nothing is scored yet: load providers and evidence, then score the store.")
if st.button("Score the store now", key="score"):
    bar = st.progress(0.0, text="Scoring…")
    stored = writes.score_store(
        progress=lambda done, message: bar.progress(min(max(done, 0.0), 1.0), message)
    )
    bar.empty()
    if stored:
        st.success(f"Stored {stored:,} scores.")
    else:
        st.info("No evidence to score.")

stamp = cache.stamp()
st.subheader("Serious concerns from before Carelens")
st.write(
    "A first load of past years brings the serious concerns already handled before Carelens. "
    "Left unseen they bury the new ones in the inbox: mark those received before a day as "
    "seen. Each keeps who marked it and the day chosen, and the audit log records it once."
)
today = dt.date.today()
newest = min(dates[-1], today) if dates else today
before = st.date_input(
    "Received before",
    value=newest - dt.timedelta(days=HISTORICAL_DAYS),
    max_value=today,
    key="historical_before",
)
waiting = loaders.unseen_before(stamp, before)
st.caption(f"{waiting:,} serious concerns received before {before:%d %B %Y} wait to be seen.")
handled = st.checkbox(
    "They were handled outside Carelens", key="historical_handled", disabled=not waiting
)
if st.button("Mark them seen", key="historical_seen", disabled=not (waiting and handled)):
    marked = actions.mark_seen_before(cache.engine(), before, gate.current_user(), today)
    writes.clear()
    st.session_state["historical_done"] = (
        f"{marked:,} serious concerns received before {before:%d %B %Y} marked seen."
    )
    st.rerun()
if "historical_done" in st.session_state:
    st.success(st.session_state.pop("historical_done"))

st.subheader("History of loads")
history = loaders.loads(stamp)
if history.empty:
    st.info("No loads yet.")
else:
    st.dataframe(history, hide_index=True, key="load_history")
