"""The search box both the Search page and the provider page draw: a query, its filters,
the results as plain text, and, for a result picked, the whole item, a way to it on its
provider's page, and (for a role that may) a pin to that provider's visit brief.

The search itself is sources.search.find.search_evidence, which checks the role and writes
the audit log; this module only draws. Results are never cached: each search is audited.

Imports pages.ui.cache, gate, loaders, markdown and writes.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from pages.ui import cache, gate, loaders, writes
from risk import views
from sources.contract import CONCERN_KINDS, service_type_label
from sources.people import access, actions
from sources.search import find
from sources.search.query import QueryError
from sources.text.themes import THEMES, theme_label

KIND_NAMES = {
    "comment": "Public comments",
    "note": "Expert-by-experience notes",
    "alert": "Safeguarding summaries",
    "incident": "Incident descriptions",
}
SHORT_KIND = views.ITEM_KIND_NAMES
PLURAL = {
    "comment": "comments",
    "note": "expert notes",
    "alert": "safeguarding summaries",
    "incident": "incidents",
}
HELP = (
    'Words must all appear; "a phrase" in that order; medic* for words starting so; OR '
    "between alternatives; NOT or - before what must not appear; brackets group. "
    "Falls also finds fall and falling."
)
RESULTS = 100  # best results shown


def _filters(key: str, stamp: tuple[int, str, int], provider_id: str | None) -> find.SearchFilter:
    """The filters, drawn in an expander; on a provider page, only what fits one provider."""
    role = gate.role()
    kinds = find.searchable_kinds(role)
    with st.expander("Filters", expanded=False):
        c1, c2, c3 = st.columns(3)
        chosen_kinds = c1.multiselect(
            "Kind of text",
            list(kinds),
            format_func=KIND_NAMES.get,
            key=f"{key}_kinds",
            placeholder="Every kind you may read",
        )
        since = c2.date_input("From", value=None, key=f"{key}_since", format="YYYY-MM-DD")
        until = c3.date_input("To", value=None, key=f"{key}_until", format="YYYY-MM-DD")
        c4, c5, c6 = st.columns(3)
        sentiment = c4.selectbox(
            "Tone (comments and notes)",
            ["negative", "neutral", "positive"],
            index=None,
            key=f"{key}_sentiment",
            placeholder="Any",
        )
        theme = c5.selectbox(
            "Theme (comments and notes)",
            list(THEMES),
            index=None,
            format_func=theme_label,
            key=f"{key}_theme",
            placeholder="Any",
        )
        concern = c6.selectbox(
            "Serious concern (comments and notes)",
            list(CONCERN_KINDS),
            index=None,
            format_func=CONCERN_KINDS.get,
            key=f"{key}_concern",
            placeholder="Any",
        )
        region = authority = provider_type = None
        if provider_id is None:
            frame = loaders.triage(stamp)
            c7, c8, c9 = st.columns(3)
            region = c7.selectbox(
                "Region",
                sorted(frame["region"].dropna().unique()),
                index=None,
                key=f"{key}_region",
                placeholder="Any",
            )
            places = frame if region is None else frame[frame["region"] == region]
            authority = c8.selectbox(
                "Local authority",
                sorted(places["local_authority"].dropna().unique()),
                index=None,
                key=f"{key}_la",
                placeholder="Any",
            )
            provider_type = c9.selectbox(
                "Provider type",
                sorted(frame["type"].dropna().unique()),
                index=None,
                format_func=service_type_label,
                key=f"{key}_type",
                placeholder="Any",
            )
    return find.SearchFilter(
        provider_id=provider_id,
        region=region,
        local_authority=authority,
        provider_type=provider_type,
        kinds=tuple(chosen_kinds),
        since=since if isinstance(since, dt.date) else None,
        until=until if isinstance(until, dt.date) else None,
        sentiment=sentiment,
        theme=theme,
        concern_kind=concern,
    )


def _table(hits: pd.DataFrame, with_provider: bool) -> pd.DataFrame:
    """The hits as the table shows them: plain text only."""
    # The words found last, where the table's width is left for them.
    shown = pd.DataFrame(
        {
            "date": hits["date"],
            "kind": hits["kind"].map(SHORT_KIND),
            "provider": hits["provider_name"].fillna("(not linked)"),
            "tone": hits["sentiment"],
            "serious concern": [
                ", ".join(CONCERN_KINDS.get(k, k) for k in str(v).split(";") if k)
                if isinstance(v, str)
                else ""
                for v in hits["concern_kinds"]
            ],
            "found": hits["snippet"].fillna(""),
            "id": hits["record_id"],
        }
    )
    return shown if with_provider else shown.drop(columns=["provider"])


def match_line(result: find.SearchResult) -> str:
    """What the caption above the results says: how many matched, of which kinds, and how
    many are shown ("more than" past the count's cap; the newest ranked past the candidates)."""
    over = set(result.capped)
    counts = ", ".join(
        f"{'more than ' if k in over else ''}{min(n, find.CANDIDATES):,} "
        f"{PLURAL[k] if n != 1 else SHORT_KIND[k]}"
        for k, n in result.counts.items()
        if n
    )
    line = f"Matches: {counts}. The best {len(result.hits)} shown, most relevant first"
    if over:
        line += f" among the newest {find.CANDIDATES:,} of each kind (narrow by date or words)"
    return line + ". « » mark the words found. Pick a row to read it whole."


def search_box(key: str, stamp: tuple[int, str, int], provider_id: str | None = None) -> None:
    """Draws the search: box, filters, results, and the picked result's actions."""
    query = st.text_input(
        "Search what people said" if provider_id is None else "Words to find",
        key=f"{key}_query",
        placeholder='e.g. "night staff", medic*, (bruise OR bruising) NOT fall',
        help=HELP,
    )
    filters = _filters(key, stamp, provider_id)
    if not query.strip():
        st.caption(HELP)
        return
    try:
        result = find.search_evidence(
            cache.engine(), query, gate.role(), gate.current_user(), filters, limit=RESULTS
        )
    except QueryError as error:
        st.warning(str(error))
        return
    for note in result.notes:
        st.info(note)
    if result.hits.empty:
        st.write("Nothing matches. Try fewer words, a prefix such as medic*, or fewer filters.")
        return
    st.caption(match_line(result))
    event = st.dataframe(
        _table(result.hits, provider_id is None),
        hide_index=True,
        on_select="rerun",
        selection_mode="single-row",
        key=f"{key}_results",
        column_config={
            "date": st.column_config.DateColumn("Date", format="YYYY-MM-DD", width=84),
            "kind": st.column_config.TextColumn("Kind", width=88),
            "provider": st.column_config.TextColumn("Provider", width=150),
            "tone": st.column_config.TextColumn("Tone", width=66),
            "serious concern": st.column_config.TextColumn("Serious concern", width=110),
            "found": st.column_config.TextColumn(
                "Found", width=620, help="Pick the row to read it whole"
            ),
            "id": st.column_config.TextColumn("Id", width=110),
        },
    )
    rows = event.selection.rows if event is not None else []
    if rows:
        _picked(key, stamp, result.hits.iloc[rows[0]], provider_id is None)


def _picked(key: str, stamp: tuple[int, str, int], hit: pd.Series, elsewhere: bool) -> None:
    """The picked result in full, the way to its provider, and the pin."""
    kind, record_id, provider_id = str(hit["kind"]), str(hit["record_id"]), hit["provider_id"]
    item = loaders.evidence_item(stamp, kind, record_id) or {}
    role = gate.role()
    with st.container(border=True):
        st.markdown(f"**{SHORT_KIND[kind]} {record_id}** · {pd.Timestamp(hit['date']):%d %B %Y}")
        for line in views.item_lines(item, role):
            st.text(line)
        if not isinstance(provider_id, str) or not provider_id:
            st.caption("Not linked to a provider yet: the Inbox links it.")
            return
        if elsewhere and st.button("Open on the provider page", key=f"{key}_open"):
            st.switch_page(
                "pages/provider.py",
                query_params={"provider": provider_id, "item": f"{kind}:{record_id}"},
            )
        if not gate.allowed(access.PIN):
            return
        with st.form(f"{key}_pin", clear_on_submit=True):
            reason = st.text_input(
                "Why bring it up (optional)", max_chars=actions.MAX_REASON, key=f"{key}_reason"
            )
            if st.form_submit_button("Pin to the visit brief", key=f"{key}_pin_submit"):
                if not gate.allowed(access.PIN):  # checked again at the write
                    st.error("Your role may not pin evidence.")
                    return
                try:
                    done = writes.pin(provider_id, kind, record_id, reason)
                except actions.PinError as error:
                    st.error(str(error))
                    return
                st.success(
                    "Pinned to the visit brief." if done else "It is pinned to the brief already."
                )
