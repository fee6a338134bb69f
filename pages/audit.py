"""Audit log: search who signed in, saw sensitive evidence, exported, linked, loaded (admins).

Read-only: the page only searches (sources.people.audit.search) and shows a table; the store's
trigger refuses any change to the log whatever the page did.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from pages.ui import cache, gate
from risk import views
from sources.people import access, audit

gate.via_app(__file__)
gate.require(access.AUDIT)

SHOWN = 1000  # newest events shown and exported per search

st.title("Audit log")
st.caption(
    "Every sign-in and failed sign-in, view of a provider's sensitive evidence, export and "
    "brief, link, dismissal, concern marked seen, load and account change. Nothing here can "
    "be edited or deleted."
)

f1, f2, f3, f4 = st.columns([2, 2, 3, 3])
username = f1.text_input("User", key="audit_user").strip()
action = f2.selectbox("Action", audit.ACTIONS, index=None, placeholder="Any", key="audit_action")
today = dt.datetime.now(dt.UTC).date()
period = f3.date_input(
    "Between (UTC)", (today - dt.timedelta(days=30), today), max_value=today, key="audit_dates"
)
text = f4.text_input("Text in user, target or detail", key="audit_text").strip()
days = period if isinstance(period, tuple) else (period,)
since, until = (tuple(days) + (None, None))[:2]

found = audit.search(
    cache.engine(),
    username=username or None,
    action=action,
    since=since,
    until=until or since,
    text=text or None,
    limit=SHOWN,
)
if found.empty:
    st.info("No event matches: widen the dates or clear a filter.")
    st.stop()

more = " (the newest only: narrow the search to see older ones)" if len(found) >= SHOWN else ""
st.caption(f"{len(found):,} event(s), newest first{more}.")
# A plain table (st.dataframe, not an editor): values are shown as text, never as markup.
st.dataframe(
    found,
    hide_index=True,
    column_config={
        "at": st.column_config.DatetimeColumn("at (UTC)", format="YYYY-MM-DD HH:mm:ss"),
        "detail": st.column_config.TextColumn(width="large"),
    },
    key="audit_table",
)

role = gate.role()
user = gate.current_user()
filters = "; ".join(
    f"{name}={value}"
    for name, value in (
        ("user", username),
        ("action", action),
        ("since", since),
        ("until", until or since),
        ("text", text),
    )
    if value
)


def _export() -> bytes:
    # The role this run signed in with is checked again before any byte is made, and the
    # export of the log is itself written into the log.
    if not access.may(role, access.AUDIT):
        raise PermissionError("this role may not read the audit log")
    audit.record(cache.engine(), user, "export", "audit", f"{len(found)} rows; {filters}")
    return views.safe_csv(found)


st.download_button(
    f"Download these {len(found):,} events (CSV)",
    data=_export,
    file_name=f"carelens-audit-{today:%Y-%m-%d}.csv",
    mime="text/csv",
    key="audit_export",
    on_click="ignore",
)
