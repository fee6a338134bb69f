"""Overview: the country at a glance, by band, region, type and place."""

from __future__ import annotations

import streamlit as st

from pages import _charts, _data
from risk import views
from sources import access
from sources.contract import service_type_label

_data.via_app(__file__)
_data.require(access.VIEW_PROVIDERS)

stamp = _data.stamp()
frame = _data.triage(stamp)
st.title("Overview")
if frame.empty or frame["score"].isna().all():
    st.info(
        "No scores yet. Load providers and evidence on the Data page, then score the store there."
    )
    st.stop()

dates = _data.scored_dates(stamp)
scored = frame.dropna(subset=["score"])
st.caption(f"{len(scored):,} providers scored as of {dates[-1]:%d %B %Y}.")
cols = st.columns(len(views.BANDS))
for col, band in zip(cols, views.BANDS, strict=True):
    col.metric(band.capitalize(), f"{(scored['band'] == band).sum():,}")

by_region, by_type = st.columns(2)
with by_region:
    st.subheader("By region")
    st.plotly_chart(
        _charts.band_bars_figure(views.band_counts(scored, "region"), "region"),
        key="by_region",
        config={"displayModeBar": False},
    )
with by_type:
    st.subheader("By type")
    st.plotly_chart(
        _charts.band_bars_figure(views.band_counts(scored, "type"), "type", service_type_label),
        key="by_type",
        config={"displayModeBar": False},
    )

where, spread = st.columns([3, 2])
with where:
    st.subheader("Where")
    points = _data.map_points(stamp)
    if len(points) > _charts.MAP_POINTS:
        st.plotly_chart(_charts.risk_area_figure(_data.map_areas(stamp)), key="map")
        st.caption(
            f"{len(points):,} providers in areas of about 11 km: a dot's size is how many "
            "providers the area has, its colour the share of them at high or very high risk "
            "(where an area has few, pulled towards the share over all areas)."
        )
    else:
        st.plotly_chart(_charts.risk_map_figure(points), key="map")
    if len(points) < len(scored):
        st.caption(f"{len(scored) - len(points):,} scored providers have no coordinates.")
with spread:
    st.subheader("Distribution of scores")
    st.plotly_chart(
        _charts.score_histogram(scored), key="histogram", config={"displayModeBar": False}
    )

st.subheader("How well the score predicts")
result = _data.backtest(stamp)
if result is None:
    st.write(
        "The backtest scores every provider as of a year before the newest rating, using only "
        "what was known then, and checks the ranking against the ratings that followed."
    )
    if st.button("Run the backtest", key="run_backtest"):
        with st.spinner("Running the backtest: the store is scored twice…"):
            result = _data.run_backtest(stamp)
        if result is None:
            st.info("No backtest possible yet: the store needs ratings a year after a day.")
if result is not None:
    summary, table = result
    st.write(summary)
    st.dataframe(table, hide_index=True, key="backtest")
