"""Plotly figures for the pages: each takes frames from risk/views.py and returns a Figure.

No streamlit here, so every figure is built and checked in plain tests. Text from the
public reaches a figure only in hover labels, HTML-escaped: plotly reads a few tags in
labels, and a comment must never be able to draw a link or change the page. Every category
takes its colour from one colour-blind-safe palette (PALETTE, with OTHER_COLOUR), and no
legend scrolls: a long one runs across below its plot (LEGEND_BELOW).
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sources.text.themes import theme_label

# The one qualitative palette of every chart: Okabe and Ito's eight colours (Color Universal
# Design), which stay apart for readers with any common kind of colour blindness. A chart
# never gives two categories one colour: past len(PALETTE) it shows the largest categories
# and gathers the rest as "other" in OTHER_COLOUR.
OKABE_ITO: dict[str, str] = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "bluish green": "#009E73",
    "reddish purple": "#CC79A7",
    "sky blue": "#56B4E9",
    "vermillion": "#D55E00",
    "yellow": "#F0E442",
    "black": "#000000",
}
PALETTE: tuple[str, ...] = tuple(OKABE_ITO.values())  # in the order categories take them
OTHER_COLOUR = "#BBBBBB"  # grey: "other", a baseline, what carries no judgement
OTHER = "other"
_C = OKABE_ITO

BAND_COLOURS: dict[str, str] = {
    "low": _C["bluish green"],
    "moderate": _C["yellow"],
    "high": _C["orange"],
    "very high": _C["vermillion"],
}
# Per timeline lane: the colour of each level, least to most worrying.
LEVEL_COLOURS: dict[str, dict[str, str]] = {
    "incidents": {
        "none": OTHER_COLOUR,
        "low": _C["sky blue"],
        "moderate": _C["orange"],
        "severe": _C["vermillion"],
        "death": _C["black"],
    },
    "safeguarding": {"low": _C["sky blue"], "medium": _C["orange"], "high": _C["vermillion"]},
    "comments": {
        "positive": _C["bluish green"],
        "neutral": OTHER_COLOUR,
        "negative": _C["vermillion"],
    },
    "ebe_notes": {
        "positive": _C["bluish green"],
        "neutral": OTHER_COLOUR,
        "negative": _C["vermillion"],
    },
    "inspections": {
        "Outstanding": _C["blue"],
        "Good": _C["bluish green"],
        "Requires improvement": _C["orange"],
        "Inadequate": _C["vermillion"],
    },
}
# Below the plot and laid out across it, wrapping onto more rows: never a scrolling list.
LEGEND_BELOW: dict[str, object] = {
    "orientation": "h",
    "yanchor": "top",
    "y": -0.15,
    "xanchor": "left",
    "x": 0,
}
LANES: dict[str, str] = {
    "incidents": "Incidents (by harm)",
    "safeguarding": "Safeguarding (by risk)",
    "comments": "Comments (by sentiment)",
    "ebe_notes": "Expert visits",
    "inspections": "Inspections (rating)",
}
SYMBOLS: dict[str, str] = {
    "incidents": "circle",
    "safeguarding": "diamond",
    "comments": "square",
    "ebe_notes": "star",
    "inspections": "triangle-up",
}
# A hover label shows this much of a text: enough to recognise it, not the whole letter.
HOVER_CHARS = 160


def plain_label(text: object, limit: int = HOVER_CHARS) -> str:
    """Text safe for a plotly label: shortened, HTML-escaped, line breaks as spaces."""
    value = "" if text is None or (isinstance(text, float) and pd.isna(text)) else str(text)
    value = " ".join(value.split())
    if len(value) > limit:
        value = value[: limit - 1] + "…"
    return html.escape(value, quote=True)


def _hover_text(row: object) -> str:
    """An event's hover label: its text, then the alert summary or note author when the
    events carry them (already redacted for the viewer's role by the page)."""
    parts = [plain_label(getattr(row, "text", ""))]
    summary, author = getattr(row, "summary", None), getattr(row, "author", None)
    if isinstance(summary, str) and summary:
        parts.append(plain_label(summary))
    if isinstance(author, str) and author:
        parts.append("by " + plain_label(author))
    return "<br>".join(p for p in parts if p)


def _empty(message: str) -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(text=message, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.update_layout(height=220, margin={"l": 10, "r": 10, "t": 10, "b": 10})
    return fig


def blank_figure() -> go.Figure:
    """A chart of nothing, a few pixels high: what the sign-in screen draws out of sight
    so that the browser has Plotly's code ready before the first page that needs it."""
    fig = go.Figure()
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.update_layout(height=20, margin={"l": 0, "r": 0, "t": 0, "b": 0})
    return fig


def contributions_figure(parts: pd.DataFrame, title: str = "What makes the score") -> go.Figure:
    """Horizontal bars of points per part (columns `part`, `points`), largest at the top."""
    if parts.empty:
        return _empty("No contributions recorded for this score.")
    ordered = parts.sort_values("points")
    # Vermillion adds risk, green takes it away; the baseline every provider starts from is grey.
    colours = [
        OTHER_COLOUR
        if part == "baseline"
        else BAND_COLOURS["very high"]
        if p > 0
        else BAND_COLOURS["low"]
        for part, p in zip(ordered["part"], ordered["points"], strict=True)
    ]
    fig = go.Figure(
        go.Bar(
            x=ordered["points"],
            y=ordered["part"],
            orientation="h",
            marker_color=colours,
            hovertemplate="%{y}: %{x:.1f} points<extra></extra>",
        )
    )
    fig.update_layout(
        title=title,
        height=max(220, 28 * len(ordered) + 80),
        margin={"l": 10, "r": 10, "t": 40, "b": 30},
        xaxis_title="points of the score (0-100)",
    )
    return fig


def timeline_figure(
    events: pd.DataFrame,
    scores: pd.DataFrame,
    sources: Iterable[str] | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    marked: dt.date | None = None,
) -> go.Figure:
    """One timeline of everything at a provider, with the score's own line below.

    `events` as from views.provider_events (date, source, level, record_id, text);
    `scores` as from views.provider_scores (as_of, score, band). `sources` picks lanes;
    `start` and `end` (inclusive) bound both rows; `marked` (the day of an item opened from
    a search) is drawn as a dotted line across both.
    """
    chosen = list(sources) if sources is not None else list(LANES)
    frame, lines = _between(events[events["source"].isin(chosen)], scores, start, end)
    fig = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        row_heights=[0.68, 0.32],
        vertical_spacing=0.06,
    )
    lanes = [s for s in LANES if s in chosen]
    _add_event_lanes(fig, frame, lanes)
    _add_score_line(fig, lines)
    _mark_inspections(fig, frame)
    _lay_out_timeline(fig, lanes)
    if frame.empty and lines.empty:
        return _empty("Nothing recorded in this period for the sources chosen.")
    if marked is not None:
        day = pd.Timestamp(marked)
        for row in (1, 2):
            fig.add_vline(x=day, line_dash="dot", line_color="#444", row=row, col=1)
        fig.add_annotation(
            x=day,
            y=1.02,
            yref="paper",
            text="from your search",
            showarrow=False,
            font={"size": 11},
            xanchor="left",
        )
    return fig


def _between(
    events: pd.DataFrame, scores: pd.DataFrame, start: dt.date | None, end: dt.date | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The events dated and the scores made from `start` to `end` (inclusive; None: open)."""
    if start:
        events = events[events["date"] >= pd.Timestamp(start)]
        scores = scores[scores["as_of"] >= pd.Timestamp(start)]
    if end:
        events = events[events["date"] <= pd.Timestamp(end)]
        scores = scores[scores["as_of"] <= pd.Timestamp(end)]
    return events, scores


def _add_event_lanes(fig: go.Figure, events: pd.DataFrame, lanes: list[str]) -> None:
    """One row of markers per lane in the top row, a trace per level in its colour."""
    for source in lanes:
        lane = events[events["source"] == source]
        for level, colour in LEVEL_COLOURS[source].items():
            points = lane[lane["level"] == level]
            if points.empty:
                continue
            fig.add_trace(
                go.Scatter(
                    x=points["date"],
                    y=[LANES[source]] * len(points),
                    mode="markers",
                    name=f"{LANES[source].split(' (')[0]}: {level}",
                    legendgroup=source,
                    marker={
                        "color": colour,
                        "symbol": SYMBOLS[source],
                        "size": 13 if source == "inspections" else 9,
                        "opacity": 0.8,
                        "line": {"width": 0.5, "color": "white"},
                    },
                    customdata=[_hover_text(row) for row in points.itertuples()],
                    hovertemplate="%{x|%d %b %Y} " + level + "<br>%{customdata}<extra></extra>",
                ),
                row=1,
                col=1,
            )


def _add_score_line(fig: go.Figure, scores: pd.DataFrame) -> None:
    """The score over time in the bottom row (nothing when there is no score)."""
    if scores.empty:
        return
    fig.add_trace(
        go.Scatter(
            x=scores["as_of"],
            y=scores["score"],
            mode="lines+markers",
            name="risk score",
            line={"color": _C["black"], "width": 2},
            hovertemplate="%{x|%d %b %Y}: score %{y:.1f}<extra></extra>",
        ),
        row=2,
        col=1,
    )


def _mark_inspections(fig: go.Figure, events: pd.DataFrame) -> None:
    """A faint dotted line through both rows at each inspection, the frame of reference."""
    # One layout update (add_vline per line costs tens of milliseconds each).
    fig.update_layout(
        shapes=[
            {
                "type": "line",
                "xref": "x",
                "yref": "paper",
                "x0": when,
                "x1": when,
                "y0": 0,
                "y1": 1,
                "line": {"width": 1, "dash": "dot", "color": OTHER_COLOUR},
            }
            for when in events.loc[events["source"] == "inspections", "date"]
        ]
    )


def _lay_out_timeline(fig: go.Figure, lanes: list[str]) -> None:
    """The lanes top to bottom in LANES order, the score's axis 0-100, the legend below."""
    fig.update_yaxes(
        categoryorder="array", categoryarray=[LANES[s] for s in reversed(lanes)], row=1, col=1
    )
    fig.update_yaxes(title_text="score", range=[0, 100], row=2, col=1)
    fig.update_layout(
        height=520,
        margin={"l": 10, "r": 10, "t": 30, "b": 30},
        legend=LEGEND_BELOW | {"y": -0.08},
        hovermode="closest",
    )


def top_categories(
    frame: pd.DataFrame, category: str, weight: str, n: int = len(PALETTE)
) -> pd.DataFrame:
    """`frame` with at most `n` categories, so each shown can have a colour of its own:
    untouched when it has at most `n`, else `category` kept for its n - 1 largest values
    by total `weight` (ties by name) and OTHER for the rest."""
    totals = frame.groupby(category)[weight].sum()
    ranked = sorted(totals.index, key=lambda c: (-totals[c], str(c)))
    if len(ranked) <= n:
        return frame
    kept = set(ranked[: n - 1])
    return frame.assign(**{category: frame[category].where(frame[category].isin(kept), OTHER)})


def category_colours(categories: Iterable[str]) -> dict[str, str]:
    """A colour per category, in order, from PALETTE, OTHER in OTHER_COLOUR; more
    categories than PALETTE has raise ValueError (gather them with top_categories)."""
    categories = list(categories)
    named = [c for c in categories if c != OTHER]
    if len(named) > len(PALETTE):
        raise ValueError(f"{len(named)} categories for {len(PALETTE)} colours")
    colours = dict(zip(named, PALETTE, strict=False))
    return colours | ({OTHER: OTHER_COLOUR} if OTHER in categories else {})


def themes_figure(themes: pd.DataFrame) -> go.Figure:
    """Stacked bars of mentions per theme per period (from views.themes_over_time): the
    most mentioned themes each in a colour of its own (top_categories), the rest as
    "other", largest at the bottom; the legend across below the plot."""
    if themes.empty:
        return _empty("No themes found in what people said.")
    shown = top_categories(themes, "theme", "mentions")
    # A period's "other" is its themes put together: mentions summed, sentiment weighted.
    shown = shown.assign(weighted=shown["sentiment"].fillna(0) * shown["mentions"])
    shown = shown.groupby(["period", "theme"], as_index=False)[["mentions", "weighted"]].sum()
    shown["sentiment"] = shown["weighted"] / shown["mentions"]
    totals = shown.groupby("theme")["mentions"].sum()
    order = sorted(totals.index, key=lambda t: (t == OTHER, -totals[t], t))
    colours = category_colours(order)
    fig = go.Figure()
    for theme in order:
        part = shown[shown["theme"] == theme]
        label = theme_label(theme)
        fig.add_trace(
            go.Bar(
                x=part["period"],
                y=part["mentions"],
                name=label,
                marker_color=colours[theme],
                customdata=part["sentiment"].round(2),
                hovertemplate=f"{label}: "
                + "%{y} mentions, mean sentiment %{customdata}<extra></extra>",
            )
        )
    fig.update_layout(
        barmode="stack",
        height=380,
        margin={"l": 10, "r": 10, "t": 30, "b": 30},
        yaxis_title="mentions per quarter",
        # Read across as listed, most mentioned first (plotly reverses a stack's by default).
        legend=LEGEND_BELOW | {"traceorder": "normal"},
    )
    return fig


def band_bars_figure(counts: pd.DataFrame, by: str, label: Callable[[str], str] = str) -> go.Figure:
    """Stacked bars of providers per band for each value of `by` (views.band_counts), each
    value named by `label`."""
    if counts.empty:
        return _empty("No scored providers yet.")
    fig = go.Figure()
    for band, colour in BAND_COLOURS.items():
        part = counts[counts["band"] == band]
        fig.add_trace(
            go.Bar(
                x=part[by].map(label),
                y=part["providers"],
                name=band,
                marker_color=colour,
                hovertemplate="%{x}: %{y} providers " + band + "<extra></extra>",
            )
        )
    fig.update_layout(
        barmode="stack",
        height=360,
        margin={"l": 10, "r": 10, "t": 30, "b": 30},
        yaxis_title="providers",
        legend_title="band",
    )
    return fig


NO_COORDINATES = "No provider has coordinates: add latitude and longitude to providers.csv."
# Above this many providers the map shows areas (views.map_cells), not one dot each: at
# 2,000 a town's dots already piled into red blots (the worst drawn on top), and tens of
# thousands are slow for a browser without a graphics card to draw. Both are drawn as SVG,
# not WebGL: a browser without a graphics card (headless Chromium here, many office PCs)
# drew the overview's WebGL map in over a second; a thousand SVG dots take a fraction.
MAP_POINTS = 1000


def _map_axes(fig: go.Figure) -> go.Figure:
    # One degree of latitude is about 1.6 degrees of longitude in England (cos 52.5°).
    fig.update_xaxes(title_text="longitude", showgrid=False, zeroline=False)
    fig.update_yaxes(
        title_text="latitude", showgrid=False, zeroline=False, scaleanchor="x", scaleratio=1.64
    )
    fig.update_layout(
        height=560, margin={"l": 10, "r": 10, "t": 10, "b": 10}, plot_bgcolor="#f7f9fa"
    )
    return fig


def risk_map_figure(points: pd.DataFrame) -> go.Figure:
    """Providers placed by longitude and latitude, coloured by band.

    Plain axes, not a geo map: plotly's geo outlines and map tiles are fetched from the
    internet, and the app must work without it. The dots draw England themselves.
    """
    if points.empty:
        return _empty(NO_COORDINATES)
    fig = go.Figure()
    for band, colour in BAND_COLOURS.items():
        part = points[points["band"] == band]
        if part.empty:
            continue
        fig.add_trace(
            go.Scatter(
                x=part["longitude"],
                y=part["latitude"],
                mode="markers",
                name=band,
                marker={
                    "color": colour,
                    "size": 5 if band in ("low", "moderate") else 8,
                    "opacity": 0.55 if band in ("low", "moderate") else 0.9,
                },
                customdata=part[["name", "score"]].assign(name=part["name"].map(plain_label)),
                hovertemplate="%{customdata[0]}<br>score %{customdata[1]:.1f}<extra></extra>",
            )
        )
    fig.update_layout(legend_title="band")
    return _map_axes(fig)


def risk_area_figure(cells: pd.DataFrame) -> go.Figure:
    """Areas of views.map_cells as dots: the area's size by its providers, its colour by
    the share of them at high or very high risk (shrunk_share: a small area's pulled towards
    all areas'), from pale yellow at none through orange at the share over all areas to dark
    red at twice it, so the places that stand out do, whatever the country's level."""
    if cells.empty:
        return _empty(NO_COORDINATES)
    cells = cells.sort_values("shrunk_share", kind="stable")  # the worst drawn on top
    size = 4 + 14 * (cells["providers"] / cells["providers"].max()) ** 0.5
    overall = float(cells["high"].sum() / cells["providers"].sum())
    top = min(1.0, 2 * overall) or 1.0
    fig = go.Figure(
        go.Scatter(
            x=cells["longitude"],
            y=cells["latitude"],
            mode="markers",
            marker={
                "size": size,
                "color": cells["shrunk_share"],
                "cmin": 0,
                "cmax": top,
                # One hue getting darker, not green to red: read alike by the one man in
                # twelve who cannot tell those apart; the middle is the all-areas share.
                "colorscale": "YlOrRd",
                "opacity": 0.85,
                "colorbar": {
                    "title": {
                        "text": f"high or very high (all areas: {overall:.0%})",
                        "side": "right",
                    },
                    "tickformat": ".0%",
                },
            },
            # The area's key last: the overview lists the providers of the areas picked.
            customdata=cells[
                ["providers", "high", "high_share", "top_name", "top_score", "area"]
            ].assign(top_name=cells["top_name"].map(plain_label)),
            hovertemplate=(
                "%{customdata[0]} providers, %{customdata[1]} (%{customdata[2]:.0%}) high or "
                "very high<br>highest: %{customdata[3]} (%{customdata[4]:.1f})<extra></extra>"
            ),
        )
    )
    return _map_axes(fig)


def score_histogram(bins: pd.DataFrame) -> go.Figure:
    """Distribution of scores, coloured by band, in 2-point bins (risk.views.score_bins)."""
    if bins.empty or not bins["providers"].sum():
        return _empty("No scores yet.")
    fig = go.Figure()
    starts = np.sort(bins["start"].unique())
    width = float(np.diff(starts).min()) if len(starts) > 1 else 2.0
    for band, colour in BAND_COLOURS.items():
        part = bins[bins["band"] == band]
        fig.add_trace(
            go.Bar(
                x=part["start"] + width / 2,
                y=part["providers"],
                width=width,
                name=band,
                marker_color=colour,
            )
        )
    fig.update_layout(
        barmode="stack",
        height=320,
        margin={"l": 10, "r": 10, "t": 30, "b": 30},
        xaxis_title="score (0-100)",
        yaxis_title="providers",
    )
    return fig
