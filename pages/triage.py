"""Triage: every provider ranked by its risk score, for managers deciding where to look."""

from __future__ import annotations

import streamlit as st

from pages.ui import cache, gate, loaders, paging
from pages.ui.charts import BAND_COLOURS
from pages.ui.markdown import md_escape
from risk import views
from sources.contract import service_type_label
from sources.people import access, audit

gate.via_app(__file__)
gate.require(access.VIEW_PROVIDERS)

# A shared link to the app's root with ?provider=ID opens that provider (and &item=kind:id,
# a search result, on its timeline; &section=NAME, that tab of the page).
if st.query_params.get("provider"):
    kept = {k: st.query_params[k] for k in ("provider", "item", "section") if k in st.query_params}
    st.switch_page("pages/provider.py", query_params=kept)

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
    new_only = st.toggle(
        "Only new serious concerns",
        key="f_new",
        help=f"Providers with an unseen serious concern dated in the {views.NEW_DAYS} days "
        "to the scoring date",
    )

chosen = views.TriageFilter(
    regions=tuple(regions),
    local_authorities=tuple(authorities),
    types=tuple(types),
    bands=tuple(bands),
    ratings=tuple(ratings),
    name=name,
    new_serious_only=new_only,
)
shown = views.filter_triage(frame, chosen)
view = st.segmented_control(
    "View", ["Ranked by score", "Biggest movers"], default="Ranked by score", key="view"
)
if view == "Biggest movers":
    shown = views.biggest_movers(shown, n=100)
    st.caption("The 100 providers whose score moved most since the previous scoring, up or down.")

# When this person last looked, read once a session (their sign-in is audited): the
# headline says what is new since then and in the NEW_DAYS to the scoring, not all there is.
if "_previous_visit" not in st.session_state:
    st.session_state["_previous_visit"] = views.previous_visit(cache.engine(), gate.current_user())
headline = views.serious_headline(shown, dates[-1], st.session_state["_previous_visit"])

top = st.columns(4)
top[0].metric("Providers shown", f"{len(shown):,}")
top[1].metric("Very high", f"{(shown['band'] == 'very high').sum():,}")
top[2].metric("High", f"{(shown['band'] == 'high').sum():,}")
top[3].metric(
    "With new serious concerns",
    f"{headline.new_providers:,}",
    help=f"Providers with a serious concern nobody has marked seen, dated in the "
    f"{views.NEW_DAYS} days to {dates[-1]:%d %B %Y}",
)
st.markdown(md_escape(headline.summary()))
with st.expander("All unseen serious concerns, however old"):
    st.markdown(
        f"{headline.unseen_concerns:,} serious concerns nobody has marked seen, at "
        f"{headline.unseen_providers:,} of {headline.providers:,} providers shown. The Inbox "
        "lists them newest first, and an administrator can mark those from before a date "
        "as seen at once on the Data page (concerns handled before Carelens)."
    )

if shown.empty:
    st.info("No provider matches these filters: remove one in the sidebar.")
    st.stop()

# Providers nobody has written about for months are marked: silence is no evidence, and
# their scores' uncertainty says so (risk.score.silence_notes).
shown = views.mark_silent(shown, loaders.silent_providers(stamp))

# What fits a 1,400 px window beside the sidebar (no column cut at the right edge); the
# list's other columns are in the grid's Show/hide columns menu and in the download.
SHOWN_COLUMNS = [
    "name",
    "type",
    "local_authority",
    "score",
    "band",
    *(["change"] if previous else []),
    "last_rating",
    "last_rated_on",
    "voices",
]
# In the data but not shown at first: the grid's Show/hide columns menu lists them.
MORE_COLUMNS = [
    "provider_id",
    "region",
    "trend",
    "incidents",
    "safeguarding",
    "comments",
    "ebe_notes",
    "days_since_inspection",
    "voice",
]
EXPORTED_COLUMNS = [
    "provider_id",
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
    "new_serious",
]
year = f"in the year to {dates[-1]:%d %B %Y}"

st.caption(
    "A name cut short reads in full on a double-click. Region, trend and evidence counts: "
    "the table's Show/hide columns button, at its top right."
)
rows = paging.paged(shown, "triage", "providers")
event = st.dataframe(
    views.triage_display(rows)[[*SHOWN_COLUMNS, *MORE_COLUMNS]],
    hide_index=True,
    on_select="rerun",
    selection_mode="single-row",
    key="triage_table",
    height=560,
    column_order=SHOWN_COLUMNS,
    column_config={
        "name": st.column_config.TextColumn("Provider", width=182),
        "type": st.column_config.TextColumn("Type", width=98),
        "local_authority": st.column_config.TextColumn("Local authority", width=138),
        "score": st.column_config.NumberColumn(
            "Score", format="%.1f", width=50, help="Risk of poor care, 0 to 100"
        ),
        "band": st.column_config.MultiselectColumn(
            "Band", options=list(BAND_COLOURS), color=list(BAND_COLOURS.values()), width=82
        ),
        "change": st.column_config.NumberColumn(
            "Change",
            format="%+.1f",
            width=60,
            help=f"Points since the scoring of {previous[-1]:%d %B %Y}" if previous else None,
        ),
        "last_rating": st.column_config.TextColumn("Last rating", width=122),
        "last_rated_on": st.column_config.DateColumn("Rated", format="MMM YYYY", width=68),
        "voices": st.column_config.TextColumn(
            "Voices",
            width=100,
            help="Serious concerns nobody has marked seen (see the Inbox): “! n new of m” "
            f"when n are dated in the {views.NEW_DAYS} days to the scoring. "
            f"{views.NO_VOICE_MARK}: no comment from the public for six months, though "
            "services of its type usually hear from people: silence is no evidence "
            "(see Voices)",
        ),
        "region": st.column_config.TextColumn("Region", width=150),
        "trend": st.column_config.LineChartColumn("Last year", y_min=0, y_max=100, width=80),
        "incidents": st.column_config.NumberColumn("Incidents", help=year),
        "safeguarding": st.column_config.NumberColumn("Safeguarding", help=year),
        "comments": st.column_config.NumberColumn("Comments", help=year),
        "ebe_notes": st.column_config.NumberColumn("Expert notes", help=year),
        "days_since_inspection": st.column_config.NumberColumn(
            "Days since rated", help="Days from the last published rating to the scoring"
        ),
        "provider_id": st.column_config.TextColumn("Id"),
        "voice": st.column_config.TextColumn("No recent voice"),
    },
)

selected = event.selection.rows if event is not None else []
if selected:
    provider_id = str(rows.iloc[selected[0]]["provider_id"])
    st.switch_page("pages/provider.py", query_params={"provider": provider_id})


# Who asks, read now: the download itself runs later, outside this script's session.
role, user = gate.role(), gate.current_user()


def _export() -> bytes:
    # The role this run signed in with is checked again before any byte is made.
    if not access.may(role, access.EXPORT):
        raise PermissionError("this role may not export")
    audit.record(
        engine=cache.engine(),
        username=user,
        action="export",
        target="triage",
        detail=f"{len(shown)} rows",
    )
    # The list's columns (the sparkline as its numbers), with the id to find it again.
    return views.safe_csv(access.redact(shown[EXPORTED_COLUMNS], role))


if gate.allowed(access.EXPORT):
    st.download_button(
        f"Download these {len(shown):,} rows (CSV)",
        data=_export,
        file_name=f"carelens-triage-{dates[-1]:%Y-%m-%d}.csv",
        mime="text/csv",
        key="export",
        on_click="ignore",
    )
