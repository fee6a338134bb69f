"""Overview: the country at a glance, by band, region, type and place."""

from __future__ import annotations

import streamlit as st

from pages.ui import cache, charts, gate, loaders
from risk import views
from sources.contract import service_type_label
from sources.people import access

gate.via_app(__file__)
gate.require(access.VIEW_PROVIDERS)

stamp = cache.stamp()
frame = loaders.triage(stamp)
st.title("Overview")
if frame.empty or frame["score"].isna().all():
    st.info(
        "No scores yet. Load providers and evidence on the Data page, then score the store there."
    )
    st.stop()

dates = loaders.scored_dates(stamp)
scored = frame.dropna(subset=["score"])
st.caption(f"{len(scored):,} providers scored as of {dates[-1]:%d %B %Y}.")
cols = st.columns(len(views.BANDS))
for col, band in zip(cols, views.BANDS, strict=True):
    col.metric(band.capitalize(), f"{(scored['band'] == band).sum():,}")

by_region, by_type = st.columns(2)
with by_region:
    st.subheader("By region")
    st.plotly_chart(
        charts.band_bars_figure(views.band_counts(scored, "region"), "region"),
        key="by_region",
        config={"displayModeBar": False},
    )
with by_type:
    st.subheader("By type")
    st.plotly_chart(
        charts.band_bars_figure(views.band_counts(scored, "type"), "type", service_type_label),
        key="by_type",
        config={"displayModeBar": False},
    )

where, spread = st.columns([3, 2])
picked: list[str] = []  # map_cells areas a person clicked or drew round
with where:
    st.subheader("Where")
    points = loaders.map_points(stamp)
    if len(points) > charts.MAP_POINTS:
        event = st.plotly_chart(
            charts.risk_area_figure(loaders.map_areas(stamp)),
            key="map",
            on_select="rerun",
            selection_mode=("points", "box", "lasso"),
        )
        selection = getattr(event, "selection", None)
        for point in selection.points if selection else []:
            if point.get("customdata"):
                picked.append(str(point["customdata"][-1]))
        st.caption(
            f"{len(points):,} providers in areas of about 11 km: a dot's size is how many "
            "providers the area has, its colour the share of them at high or very high risk "
            "(where an area has few, pulled towards the share over all areas). Click an area, "
            "or draw round several, to list their providers."
        )
    else:
        st.plotly_chart(charts.risk_map_figure(points), key="map")
    if len(points) < len(scored):
        st.caption(f"{len(scored) - len(points):,} scored providers have no coordinates.")
with spread:
    st.subheader("Distribution of scores")
    st.plotly_chart(
        charts.score_histogram(views.score_bins(scored)),
        key="histogram",
        config={"displayModeBar": False},
    )

if picked:
    inside = views.area_providers(points, picked)
    areas = len(set(picked))
    st.subheader(f"In the {areas:,} area{'s' if areas > 1 else ''} picked")
    st.caption(f"{len(inside):,} providers, highest score first. Select one to open it.")
    chosen = st.dataframe(
        inside.assign(type=inside["type"].map(service_type_label)),
        hide_index=True,
        on_select="rerun",
        selection_mode="single-row",
        key="area_table",
        column_order=["name", "type", "score", "band"],
        column_config={
            "name": st.column_config.TextColumn("Provider"),
            "type": st.column_config.TextColumn("Type"),
            "score": st.column_config.ProgressColumn(
                "Score", min_value=0, max_value=100, format="%.1f"
            ),
            "band": st.column_config.TextColumn("Band"),
        },
    )
    if chosen is not None and chosen.selection.rows:
        provider_id = str(inside.iloc[chosen.selection.rows[0]]["provider_id"])
        st.switch_page("pages/provider.py", query_params={"provider": provider_id})

st.subheader("How well the score predicts")
result = loaders.backtest(stamp)
if result is None:
    st.write(
        "The backtest scores every provider as of a year before the newest rating, using only "
        "what was known then, and checks the ranking against the ratings that followed."
    )
    if st.button("Run the backtest", key="run_backtest"):
        with st.spinner("Running the backtest: the store is scored twice…"):
            result = loaders.run_backtest(stamp)
        if result is None:
            st.info("No backtest possible yet: the store needs ratings a year after a day.")
if result is not None:
    summary, table = result
    st.write(summary)
    st.dataframe(table, hide_index=True, key="backtest")
