"""Voices: who the feedback comes from, who is silent, and what was done with people's words."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from pages.ui import cache, gate, loaders, markdown, paging
from risk import views
from sources import settings
from sources.duplicates import channel_name
from sources.people import access, audit
from sources.people.access import REDACTED

gate.via_app(__file__)
gate.require(access.VIEW_PROVIDERS)

ALL = "All regions"
FIELD_NAMES = {
    "age_band": "age band",
    "carer": "carer",
    "disability": "disability",
    "ethnicity": "ethnicity",
}
SILENT_COLUMNS = {
    "field": st.column_config.TextColumn("Asked about"),
    "group": st.column_config.TextColumn("Group"),
    "heard": st.column_config.NumberColumn("Heard", help="comments from people in this group"),
    "expected": st.column_config.NumberColumn(
        "Expected", format="%.0f", help="if heard as often as the reference says they are served"
    ),
    "reference_share": st.column_config.NumberColumn("Served", format="percent"),
    "share": st.column_config.NumberColumn("Heard share", format="percent"),
}

stamp = cache.stamp()
st.title("Voices")
st.caption(
    "Who the feedback comes from against the people the services serve, the groups and "
    "places that are silent, and what was done with what people said."
)

today = loaders.newest_day(stamp)
reference_path = settings.voice_reference_path()
if not reference_path.exists():
    st.error(
        f"The reference mix {reference_path} is missing: set CARELENS_VOICE_REFERENCE to a "
        "CSV with columns region, field, group, share."
    )
    st.stop()

top = st.columns([3, 2, 3])
periods = list(loaders.VOICE_PERIODS)
period = top[0].segmented_control("Comments received", periods, default=periods[0], key="v_period")
since = loaders.voices_since(stamp, period)
heard_from = loaders.heard_providers(stamp, since)
regions = sorted(heard_from["region"].dropna().unique())
region_pick = top[1].selectbox("Region", [ALL, *regions], key="v_region")
region = None if region_pick == ALL else region_pick
listed = heard_from if region is None else heard_from[heard_from["region"] == region]
many = len(listed) > views.PICK_LIST
if many:
    # Fifty thousand choices in one list took the browser two seconds to draw on every
    # visit: past views.PICK_LIST, a name or id typed narrows it first.
    needle = top[2].text_input(
        "Provider (optional)",
        key="v_provider_find",
        placeholder="Part of a name or id; empty: every provider",
    )
    listed = listed[views.named_like(listed, needle)].head(50) if needle.strip() else listed[:0]
names = listed.set_index("provider_id")["name"]
provider_id = top[2].selectbox(
    "Matching providers" if many else "Provider (optional)",
    list(names.index),
    index=None,
    format_func=lambda pid: f"{names[pid]} ({pid})",
    placeholder="Every provider in the region",
    key="v_provider",
)
report = loaders.voices_report(stamp, since, region, provider_id, str(reference_path))

# ---- who is heard ------------------------------------------------------------------------------
st.header("Who is heard")
if report.received == 0:
    st.info("No linked comments in this scope and period.")
else:
    st.write(
        f"{report.received:,} comments linked to providers in {markdown.md_escape(report.scope)}"
        + (f" since {since:%d %B %Y}" if since else "")
        + f"; {report.described:,} ({report.described / report.received:.0%}) say something "
        "about who wrote them. Shares are of the people who answered each question, against "
        "the reference mix of people served"
        + (
            f" in {markdown.md_escape(report.scope)}."
            if region or provider_id
            else " in each region."
        )
    )
    st.caption(
        f"Reference: {reference_path.name} (CARELENS_VOICE_REFERENCE). The shipped figures are "
        "illustrative; see sources/reference/README.md."
    )
    mix = report.mix.assign(field=report.mix["field"].map(FIELD_NAMES))
    st.dataframe(
        mix.rename(columns={"area": "region" if not provider_id else "provider"}),
        hide_index=True,
        column_config={
            "field": "Asked about",
            "group": "Group",
            "heard": st.column_config.NumberColumn("Heard"),
            "answered": st.column_config.NumberColumn("Answered"),
            "share": st.column_config.ProgressColumn(
                "Heard share", min_value=0.0, max_value=1.0, format="percent"
            ),
            "reference_share": st.column_config.ProgressColumn(
                "Served share", min_value=0.0, max_value=1.0, format="percent"
            ),
            "ratio": st.column_config.NumberColumn(
                "Heard / served", format="%.2f", help="1 heard as often as served, 0 never heard"
            ),
        },
        height=320,
        key="voice_mix",
    )

# ---- who is silent ------------------------------------------------------------------------------
st.header("Who is silent")
st.caption(
    "Groups heard at less than a quarter of what the reference leads us to expect, where "
    "enough people answered to expect at least five: the people to go and listen to, and "
    "where. A listening event is a channel too: hold one where a group is silent."
)
tabs = st.tabs(["Regions", "Local authorities", "Providers"])
for tab, frame, key in (
    (tabs[0], report.silent_regions, "silent_regions"),
    (tabs[1], report.silent_areas, "silent_areas"),
    (tabs[2], report.silent_providers, "silent_providers"),
):
    with tab:
        if frame.empty:
            st.info("No group is silent at this level in this scope and period.")
            continue
        shown = frame.assign(field=frame["field"].map(FIELD_NAMES))
        if key == "silent_providers":
            order = ["name", "local_authority", "region", "field", "group", "heard"]
            order += ["expected", "reference_share", "share", "area"]
            shown = shown[order].rename(columns={"area": "provider_id"})
        else:
            if key == "silent_regions":
                shown = shown.drop(columns="region").rename(columns={"area": "region"})
            else:
                shown = shown.rename(columns={"area": "local authority"})
        shown = paging.paged(shown, key)
        st.dataframe(shown, hide_index=True, column_config=SILENT_COLUMNS, key=key)

# ---- channels ----------------------------------------------------------------------------------
st.header("How people reach us")
if report.channels.empty:
    st.info("No comments in this scope and period.")
else:
    channels = report.channels.assign(channel=report.channels["channel"].map(channel_name))
    st.dataframe(
        channels.rename(columns={"area": "region" if not provider_id else "provider"}),
        hide_index=True,
        column_config={
            "comments": st.column_config.NumberColumn("Comments"),
            "share": st.column_config.ProgressColumn(
                "Share", min_value=0.0, max_value=1.0, format="percent"
            ),
        },
        key="voice_channels",
    )

# ---- no recent voice --------------------------------------------------------------------------
st.header("No recent voice")
silent = loaders.no_recent_voice(stamp, today)
if region is not None:
    silent = silent[silent["region"] == region]
st.caption(
    f"Providers of a type that usually hears from people, with no comment in the six months "
    f"to {today:%d %B %Y}. Silence is not safety: their scores say so in their uncertainty, "
    "and the silence never lowers a score."
)
if silent.empty:
    st.info("Every provider of a type that usually hears from people has heard from someone.")
else:
    st.dataframe(
        paging.paged(silent, "no_recent_voice", "providers"),
        hide_index=True,
        column_config={
            "last_comment": st.column_config.DateColumn("Last comment", format="YYYY-MM-DD"),
            "days_silent": st.column_config.NumberColumn("Days silent"),
        },
        key="no_recent_voice",
    )

# ---- you said, we did -------------------------------------------------------------------------
st.header("You said, we did")
st.caption(
    "Per period and channel: comments received, linked to a provider, used by an inspector "
    "(marked on the provider page) and with an outcome written down; copies of one concern "
    "count once."
    + (
        f" Only comments linked to providers in {markdown.md_escape(region)} count here."
        if region
        else ""
    )
)
c1, c2 = st.columns([3, 2])
window = c1.date_input(
    "Received between",
    loaders.said_window(stamp),
    max_value=today,
    key="ysd_dates",
)
start, end = (tuple(window) + (None, None))[:2] if isinstance(window, tuple) else (window, None)
end = end or start
freq = c2.segmented_control("Per", ["Quarter", "Month"], default="Quarter", key="ysd_freq")
said = loaders.you_said_we_did(
    stamp, start, end, "ME" if freq == "Month" else loaders.VOICES_PER, region
)
if said.empty:
    st.info("No comments received in these dates.")
else:
    st.dataframe(
        said.assign(channel=said["channel"].map(channel_name)),
        hide_index=True,
        column_config={
            "with_outcome": st.column_config.NumberColumn("With an outcome"),
            "lines_of_enquiry": st.column_config.NumberColumn("Lines of enquiry"),
            "safeguarding_referral": st.column_config.NumberColumn("Safeguarding referrals"),
        },
        key="you_said_we_did",
    )
    totals = said[["received", "linked", "used", "with_outcome"]].sum()
    st.write(
        f"In all: {totals['received']:,} received, {totals['linked']:,} linked to a provider, "
        f"{totals['used']:,} used, {totals['with_outcome']:,} with an outcome."
    )

    def _export() -> bytes:
        # Checked again on the server when the file is asked for; counts only, no words.
        if not gate.allowed(access.EXPORT):
            raise PermissionError("this role may not export")
        audit.record(
            cache.engine(),
            gate.current_user(),
            "export",
            "you_said_we_did",
            f"{start}..{end} {region or 'all regions'}, {len(said)} rows",
        )
        return views.safe_csv(said)

    if gate.allowed(access.EXPORT):
        st.download_button(
            "Download the report (CSV)",
            data=_export,
            file_name=f"you-said-we-did-{start:%Y-%m-%d}-{end:%Y-%m-%d}.csv",
            mime="text/csv",
            key="ysd_export",
            on_click="ignore",
        )
    else:
        st.caption("Your role does not include exports.")

# Words are used after they arrive: every mark made since the first day chosen, to now.
uses = loaders.uses_between(stamp, start, dt.datetime.now(dt.UTC).date(), region)
with st.expander(f"What was done: {len(uses):,} uses marked since {start:%d %B %Y}"):
    if uses.empty:
        st.caption("Nothing marked as used since then.")
    else:
        if not gate.allowed(access.VIEW_SENSITIVE):
            # An outcome may name a person (a safeguarding referral): inspectors only.
            uses = uses.assign(outcome=uses["outcome"].where(uses["outcome"].isna(), REDACTED))
        st.dataframe(
            uses,
            hide_index=True,
            column_config={
                "used_at": st.column_config.DatetimeColumn("When", format="YYYY-MM-DD HH:mm"),
                "outcome": st.column_config.TextColumn("Outcome", width="large"),
            },
            key="uses",
        )
