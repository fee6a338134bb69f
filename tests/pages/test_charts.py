"""The figures: built from view frames with no streamlit, public text escaped in labels."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy.engine import Engine

from pages.ui import charts
from risk import views
from sources.contract import service_type_label
from sources.text.themes import THEMES, theme_label
from tests.risk import tiny_world
from tests.risk.tiny_world import HOSTILE


def test_plain_label_escapes_and_shortens() -> None:
    label = charts.plain_label("<a href='x'>click</a>\n" + "y" * 300)
    assert "<" not in label and "&lt;a href=&#x27;x&#x27;&gt;click&lt;/a&gt; " in label
    assert len(label) < 260 and label.endswith("…")
    assert charts.plain_label(None) == "" and charts.plain_label(float("nan")) == ""


def test_timeline_has_a_lane_per_source_the_score_and_inspection_lines(engine: Engine) -> None:
    tiny_world.build(engine)
    events = views.provider_events(engine, "A")
    scores = views.provider_scores(engine, "A")
    fig = charts.timeline_figure(events, scores)
    names = [t.name for t in fig.data]
    assert "risk score" in names
    assert "Incidents: severe" in names and "Safeguarding: high" in names
    assert len(fig.layout.shapes) == 2  # two inspections
    hover = " ".join(str(t.customdata) for t in fig.data if t.customdata is not None)
    assert "<script>" not in hover and "&lt;script&gt;" in hover
    assert HOSTILE not in hover


def test_timeline_toggles_and_date_range(engine: Engine) -> None:
    tiny_world.build(engine)
    events = views.provider_events(engine, "A")
    scores = views.provider_scores(engine, "A")
    only = charts.timeline_figure(events, scores, ["incidents"], pd.Timestamp("2026-01-01"))
    lanes = {t.legendgroup for t in only.data if t.name != "risk score"}
    assert lanes == {"incidents"}
    xs = [x for t in only.data for x in t.x]
    assert min(pd.Timestamp(x) for x in xs) >= pd.Timestamp("2026-01-01")


def test_band_and_map_figures_colour_by_band(engine: Engine) -> None:
    tiny_world.build(engine)
    triage = views.triage_frame(engine)
    bars = charts.band_bars_figure(views.band_counts(triage, "region"), "region")
    assert {t.name for t in bars.data} == set(charts.BAND_COLOURS)
    where = charts.risk_map_figure(views.map_frame(engine, triage))
    assert {t.name: t.marker.color for t in where.data} == {
        "low": charts.BAND_COLOURS["low"],
        "very high": charts.BAND_COLOURS["very high"],
    }
    assert charts.risk_map_figure(triage.iloc[0:0]).layout.annotations


def test_themes_figure_names_themes_in_words() -> None:
    themes = pd.DataFrame(
        {
            "period": ["2026Q1", "2026Q1", "2026Q2"],
            "theme": ["abuse_neglect", "well_led", "abuse_neglect"],
            "mentions": [3, 1, 2],
            "sentiment": [-0.8, 0.1, -0.5],
        }
    )
    fig = charts.themes_figure(themes)
    assert [trace.name for trace in fig.data] == ["abuse and neglect", "well-led"]
    assert fig.data[0].hovertemplate.startswith("abuse and neglect:")


def colours_of(fig: object) -> list[str]:
    return [trace.marker.color for trace in fig.data]  # type: ignore[attr-defined]


def test_the_palette_has_distinct_colours_and_every_chart_draws_from_it() -> None:
    assert len(set(charts.PALETTE)) == len(charts.PALETTE) == 8
    assert charts.OTHER_COLOUR not in charts.PALETTE
    allowed = {*charts.PALETTE, charts.OTHER_COLOUR}
    assert set(charts.BAND_COLOURS.values()) <= allowed
    assert len(set(charts.BAND_COLOURS.values())) == len(charts.BAND_COLOURS)
    for lane, levels in charts.LEVEL_COLOURS.items():
        assert set(levels.values()) <= allowed, lane
        assert len(set(levels.values())) == len(levels), lane


def test_a_figure_of_every_theme_gives_each_its_own_colour_and_groups_the_rest() -> None:
    # More themes than colours: the most mentioned keep theirs, the rest are "other".
    assert len(THEMES) > len(charts.PALETTE)
    themes = pd.DataFrame(
        [
            {"period": period, "theme": theme, "mentions": 1 + i, "sentiment": 0.0}
            for i, theme in enumerate(THEMES)
            for period in (pd.Timestamp("2026-01-01"), pd.Timestamp("2026-04-01"))
        ]
    )
    fig = charts.themes_figure(themes)
    colours = colours_of(fig)
    assert len(colours) == len(set(colours)) == len(charts.PALETTE)
    names = [trace.name for trace in fig.data]
    biggest = [theme_label(t) for t in reversed(THEMES[-(len(charts.PALETTE) - 1) :])]
    assert names == [*biggest, charts.OTHER]
    assert colours[-1] == charts.OTHER_COLOUR
    other = fig.data[-1]
    assert list(other.y) == [sum(range(1, len(THEMES) - len(biggest) + 1))] * 2  # put together
    # No scrolling legend: it runs across, below the plot.
    assert fig.layout.legend.orientation == "h" and fig.layout.legend.y < 0


def test_a_few_themes_keep_their_names_and_distinct_colours() -> None:
    themes = pd.DataFrame(
        {
            "period": [pd.Timestamp("2026-01-01")] * 3,
            "theme": ["staffing", "medicines", "safe"],
            "mentions": [5, 4, 3],
            "sentiment": [-0.2, 0.1, None],
        }
    )
    fig = charts.themes_figure(themes)
    assert [t.name for t in fig.data] == ["staffing", "medicines", "safe"]
    assert colours_of(fig) == list(charts.PALETTE[:3])
    with pytest.raises(ValueError, match="9 categories for 8 colours"):
        charts.category_colours([str(i) for i in range(9)])


def test_band_bars_name_service_types_in_words() -> None:
    counts = pd.DataFrame(
        {
            "type": ["gp_practice", "care_home", "dental"],
            "band": ["low"] * 3,
            "providers": [1, 2, 3],
        }
    )
    fig = charts.band_bars_figure(counts, "type", service_type_label)
    low = next(trace for trace in fig.data if trace.name == "low")
    assert list(low.x) == ["GP practice", "care home", "dental"]


def test_area_map_colours_each_area_by_its_share_at_high_risk() -> None:
    cells = pd.DataFrame(
        {
            "area": ["515:-1", "534:-14"],
            "latitude": [51.5, 53.4],
            "longitude": [-0.1, -2.2],
            "providers": [40, 10],
            "high": [2, 5],
            "high_share": [0.05, 0.5],
            "shrunk_share": [0.06, 0.3],
            "top_name": [HOSTILE, "Oak House"],
            "top_score": [71.0, 88.5],
        }
    )
    fig = charts.risk_area_figure(cells)
    (dots,) = fig.data
    assert list(dots.marker.color) == [0.06, 0.3]  # the worse area drawn last, on top
    # The middle of the scale at the share over all areas (7 of 50), its end at twice it.
    assert (dots.marker.cmin, dots.marker.cmax) == (0, pytest.approx(2 * 7 / 50))
    assert "14%" in dots.marker.colorbar.title.text
    assert dots.marker.size[0] > dots.marker.size[1]  # more providers, a bigger dot
    assert [row[-1] for row in dots.customdata] == ["515:-1", "534:-14"]  # what a click picks
    hover = str(dots.customdata)
    assert "<script>" not in hover and "&lt;script&gt;" in hover
    assert charts.risk_area_figure(cells.iloc[0:0]).layout.annotations
