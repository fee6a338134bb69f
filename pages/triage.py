"""Triage: every provider ranked by its risk score, for managers deciding where to look."""

from __future__ import annotations

import streamlit as st

from pages.ui import cache, gate, loaders
from pages.ui.charts import BAND_COLOURS
from risk import views
from sources.contract import service_type_label
from sources.people import access, audit

gate.via_app(__file__)
gate.require(access.VIEW_PROVIDERS)

# A shared link to the app's root with ?provider=ID opens that provider.
if st.query_params.get("provider"):
    st.switch_page("pages/provider.py", query_params={"provider": st.query_params["provider"]})

BAND_MARKS = {
    "low": "🟢 low",
    "moderate": "🟡 moderate",
    "high": "🟠 high",
    "very high": "🔴 very high",
}

stamp = cache.stamp()
frame = loaders.triage(stamp)
st.title("Triage")
if frame.empty or frame["score"].isna().all():
    st.info(
        "No scores yet. Load providers and evidence on the Data page, then press "
        "“Score the store now” there (or run `python -m risk score`)."
    )
    st.stop()

dates = loaders.scored_dates(stamp)
previous = [d for d in dates if d < dates[-1]]
st.caption(
    f"Risk of poor care as of {dates[-1]:%d %B %Y}, "
    f"for {frame['score'].notna().sum():,} providers. "
    + (f"Change is since the scoring of {previous[-1]:%d %B %Y}. " if previous else "")
    + "Evidence counts cover the year before. Select a row to open the provider."
)

with st.sidebar:
    st.header("Filters")
    regions = st.multiselect("Region", sorted(frame["region"].dropna().unique()), key="f_region")
    in_region = frame[frame["region"].isin(regions)] if regions else frame
    authorities = st.multiselect(
        "Local authority",
        sorted(in_region["local_authority"].dropna().unique()),
        key="f_la",
    )
    types = st.multiselect(
        "Type",
        sorted(frame["type"].dropna().unique()),
        format_func=service_type_label,
        key="f_type",
    )
    bands = st.multiselect("Band", list(views.BANDS), key="f_band")
    ratings = st.multiselect("Last rating", views.rating_choices(), key="f_rating")
    name = st.text_input("Name or id contains", key="f_name")

chosen = views.TriageFilter(
    regions=tuple(regions),
    local_authorities=tuple(authorities),
    types=tuple(types),
    bands=tuple(bands),
    ratings=tuple(ratings),
    name=name,
)
shown = views.filter_triage(frame, chosen)
view = st.segmented_control(
    "View", ["Ranked by score", "Biggest movers"], default="Ranked by score", key="view"
)
if view == "Biggest movers":
    shown = views.biggest_movers(shown, n=100)
    st.caption("The 100 providers whose score moved most since the previous scoring, up or down.")

top = st.columns(4)
top[0].metric("Providers shown", f"{len(shown):,}")
top[1].metric("Very high", f"{(shown['band'] == 'very high').sum():,}")
top[2].metric("High", f"{(shown['band'] == 'high').sum():,}")
top[3].metric("With unseen serious concerns", f"{(shown['unseen_serious'] > 0).sum():,}")

if shown.empty:
    st.info("No provider matches these filters: remove one in the sidebar.")
    st.stop()

# Providers nobody has written about for months are marked: silence is no evidence, and
# their scores' uncertainty says so (risk.score.silence_notes).
shown = views.mark_silent(shown, loaders.silent_providers(stamp))

SHOWN_COLUMNS = [
    "name",
    "type",
    "region",
    "local_authority",
    "score",
    "band",
    "change",
    "trend",
    "incidents",
    "safeguarding",
    "comments",
    "voice",
    "ebe_notes",
    "last_rating",
    "last_rated_on",
    "days_since_inspection",
    "unseen_serious",
]

event = st.dataframe(
    views.triage_display(shown),
    hide_index=True,
    on_select="rerun",
    selection_mode="single-row",
    key="triage_table",
    height=560,
    column_order=SHOWN_COLUMNS,
    column_config={
        "name": st.column_config.TextColumn("Provider", width=190),
        "local_authority": st.column_config.TextColumn("Local authority", width=140),
        "score": st.column_config.ProgressColumn(
            "Score", min_value=0, max_value=100, format="%.1f", width="small"
        ),
        "band": st.column_config.MultiselectColumn(
            "Band", options=list(BAND_COLOURS), color=list(BAND_COLOURS.values()), width="small"
        ),
        "type": st.column_config.TextColumn("Type", width=95),
        "region": st.column_config.TextColumn("Region", width=120),
        "change": st.column_config.NumberColumn("Change", format="%+.1f", width="small"),
        "trend": st.column_config.LineChartColumn("Last year", y_min=0, y_max=100, width="small"),
        "incidents": st.column_config.NumberColumn("Incidents", width="small"),
        "safeguarding": st.column_config.NumberColumn("Safeguarding", width="small"),
        "comments": st.column_config.NumberColumn("Comments", width="small"),
        "voice": st.column_config.TextColumn(
            "Voice",
            help="No comment from the public for six months, though services of its type "
            "usually hear from people: silence is no evidence (see Voices)",
            width="small",
        ),
        "ebe_notes": st.column_config.NumberColumn("Expert notes", width="small"),
        "last_rating": "Last rating",
        "last_rated_on": st.column_config.DateColumn("Rated on", format="YYYY-MM-DD"),
        "days_since_inspection": st.column_config.NumberColumn("Days since", width="small"),
        "unseen_serious": st.column_config.TextColumn(
            "Serious concerns", help="Serious concerns nobody has marked seen (see the Inbox)"
        ),
    },
)

selected = event.selection.rows if event is not None else []
if selected:
    provider_id = str(shown.iloc[selected[0]]["provider_id"])
    st.switch_page("pages/provider.py", query_params={"provider": provider_id})


# Who asks, read now: the download itself runs later, outside this script's session.
role, user = gate.role(), gate.current_user()


def _export() -> bytes:
    # The role this run signed in with is checked again before any byte is made.
    if not access.may(role, access.EXPORT):
        raise PermissionError("this role may not export")
    audit.record(user, "export", "triage", f"{len(shown)} rows", cache.engine())
    # Exactly the columns shown (the sparkline as its numbers), with the id to find it again.
    return views.safe_csv(access.redact(shown[["provider_id", *SHOWN_COLUMNS]], role))


if gate.allowed(access.EXPORT):
    st.download_button(
        f"Download these {len(shown):,} rows (CSV)",
        data=_export,
        file_name=f"carelens-triage-{dates[-1]:%Y-%m-%d}.csv",
        mime="text/csv",
        key="export",
        on_click="ignore",
    )
