"""Inbox: comments no provider could be matched to, and serious concerns nobody has seen yet."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from pages.ui import cache, gate, loaders, writes
from risk import views
from sources.contract import CONCERN_KINDS
from sources.duplicates import channel_name
from sources.people import access, actions

gate.via_app(__file__)
gate.require(access.INBOX)

st.title("Inbox")
stamp = cache.stamp()
user = gate.current_user()
unlinked = loaders.unlinked(stamp)
unlinked_total = loaders.unlinked_total(stamp)
unseen = loaders.unseen(stamp)
unseen_total = loaders.unseen_total(stamp)

done = st.session_state.pop("inbox_done", None)
if done:
    st.success(done)

linking, concerns = st.tabs(
    [f"Comments to link ({unlinked_total:,})", f"Serious concerns to see ({unseen_total:,})"]
)

with linking:
    if unlinked.empty:
        st.info(
            "Every comment is linked to a provider or dismissed. Comments the loader cannot "
            "match with confidence appear here."
        )
    else:
        st.caption(
            "Shown as written (plain text). Pick a comment, then link it to a suggested "
            "provider, to a provider id you know, or dismiss it if no provider fits."
        )
        st.dataframe(
            unlinked.assign(channel=unlinked["channel"].map(channel_name))[
                ["received_on", "provider_name", "place", "channel", "serious", "text"]
            ],
            hide_index=True,
            column_config={
                "received_on": st.column_config.DateColumn("received", format="YYYY-MM-DD"),
                "provider_name": "name given",
                "serious": st.column_config.CheckboxColumn("serious"),
                "text": st.column_config.TextColumn("comment", width="large"),
            },
            height=260,
            key="unlinked_table",
        )
        by_id = unlinked.set_index("comment_id")
        chosen = st.selectbox(
            "Comment",
            by_id.index.tolist(),
            format_func=lambda cid: (
                f"{by_id.at[cid, 'received_on']:%Y-%m-%d}"
                f" · {views.as_given(by_id.at[cid, 'provider_name'], 'no name given')}"
                f" · {str(by_id.at[cid, 'text'])[:70]}"
            ),
            key="inbox_comment",
        )
        row = by_id.loc[chosen]
        st.text(str(row["text"]))
        name, place = (
            views.as_given(row["provider_name"], "none"),
            views.as_given(row["place"], "none"),
        )
        st.text(f"Name given: {name} · place: {place}")
        candidates = loaders.suggestions(stamp, row["provider_name"], row["place"], row["text"])
        triage = loaders.triage(stamp).set_index("provider_id")
        options = [pid for pid, _ in candidates if pid in triage.index]
        confidence = dict(candidates)
        suggestion = None
        if options:
            suggestion = st.radio(
                "Suggested providers",
                options,
                format_func=lambda pid: (
                    f"{triage.at[pid, 'name']} ({pid}) · {triage.at[pid, 'local_authority']}"
                    f" · match {confidence[pid]:.0%}"
                ),
                key="inbox_suggestion",
            )
        else:
            st.caption("No suggestion: type the provider id if you know it.")
        typed = st.text_input("…or a provider id", key="inbox_typed").strip()
        target = typed or suggestion
        link_col, dismiss_col = st.columns(2)
        if link_col.button("Link", type="primary", disabled=not target, key="inbox_link"):
            try:
                actions.link_comment(cache.engine(), str(chosen), str(target), by=user)
            except actions.InboxError as error:
                st.error(str(error))
            else:
                writes.clear()
                st.session_state["inbox_done"] = f"Comment {chosen} linked to {target} by {user}."
                st.rerun()
        if dismiss_col.button("Dismiss: no provider fits", key="inbox_dismiss"):
            actions.dismiss_comment(cache.engine(), str(chosen), by=user)
            writes.clear()
            st.session_state["inbox_done"] = f"Comment {chosen} dismissed by {user}."
            st.rerun()
        if unlinked_total > len(unlinked):
            st.caption(f"Showing the newest {len(unlinked):,} of {unlinked_total:,}.")

with concerns:
    if unseen.empty:
        st.info("No serious concern is waiting: each one someone has marked seen leaves the list.")
    else:
        st.caption(
            "Comments and expert notes that describe serious harm, or a risk of it, to a "
            "person: the Care Act's ten types of abuse and neglect and the clinical harms "
            "inspectors treat as serious. Marking one seen records who and when."
        )
        kinds = st.multiselect(
            "Kinds of concern",
            list(CONCERN_KINDS),
            format_func=CONCERN_KINDS.get,
            key="inbox_kinds",
            placeholder="every kind",
        )
        chosen_rows = views.with_concern_kinds(unseen, kinds)
        shown = chosen_rows.assign(
            provider=chosen_rows["name"].fillna("(not linked)"),
            key=chosen_rows["kind"] + ":" + chosen_rows["record_id"].astype(str),
            concern=chosen_rows["concern_kinds"].map(views.concern_label),
            serious_terms=chosen_rows["serious_terms"].fillna(""),
        )
        st.dataframe(
            shown[
                [
                    "date",
                    "kind",
                    "provider",
                    "concern",
                    "concern_confidence",
                    "concern_sentence",
                    "serious_terms",
                    "text",
                ]
            ],
            hide_index=True,
            column_config={
                "date": st.column_config.DateColumn("date", format="YYYY-MM-DD"),
                "kind": "from",
                "concern": st.column_config.TextColumn("kind of concern", width="medium"),
                "concern_confidence": st.column_config.ProgressColumn(
                    "confidence", min_value=0.0, max_value=1.0, format="%.2f"
                ),
                "concern_sentence": st.column_config.TextColumn("where", width="medium"),
                "serious_terms": "words a rule matched",
                "text": st.column_config.TextColumn("text", width="large"),
            },
            height=320,
            key="unseen_table",
        )
        labels = dict(
            zip(
                shown["key"],
                shown["date"].dt.strftime("%Y-%m-%d")
                + " · "
                + shown["provider"]
                + " · "
                + shown["text"].astype(str).str.slice(0, 70),
                strict=True,
            )
        )
        picked = st.multiselect(
            "Concerns to mark seen", list(labels), format_func=labels.get, key="seen_pick"
        )
        if st.button("Mark seen", type="primary", disabled=not picked, key="mark_seen"):
            for key in picked:
                kind, record_id = key.split(":", 1)
                actions.mark_seen(cache.engine(), kind, record_id, by=user)
            writes.clear()
            stamp_now = pd.Timestamp.now(tz="UTC").strftime("%Y-%m-%d %H:%M UTC")
            st.session_state["inbox_done"] = f"{len(picked)} marked seen by {user} at {stamp_now}."
            st.rerun()
        if unseen_total > len(unseen):
            st.caption(f"Showing the newest {len(unseen):,} of {unseen_total:,}.")
