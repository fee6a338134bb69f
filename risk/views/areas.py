"""The overview's map: providers with coordinates, gathered into areas of about 11 km
square so a map of the whole country stays readable, and the providers of chosen areas."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.engine import Engine

from risk.score import BANDS
from sources.store import Provider, read_frame


def map_frame(engine: Engine, triage: pd.DataFrame) -> pd.DataFrame:
    """Providers with coordinates and a score: id, name, type, latitude, longitude, score, band."""
    t = Provider.__table__
    coords = read_frame(
        engine,
        select(t.c.provider_id, t.c.latitude, t.c.longitude).where(
            t.c.latitude.is_not(None), t.c.longitude.is_not(None)
        ),
    )
    merged = coords.merge(
        triage[["provider_id", "name", "type", "score", "band"]], on="provider_id"
    )
    return merged.dropna(subset=["score"]).reset_index(drop=True)


# An area of about 11 km by 11 km in England (a degree of longitude is ~0.61 of one of
# latitude at 52.5 degrees north).
CELL_LATITUDE = 0.1


CELL_LONGITUDE = 0.16


# An area's share is read as if it also had this many providers at the share over all
# areas: three providers, two of them high, is not a red area but an uncertain one.
AREA_PRIOR_PROVIDERS = 10


def map_cells(points: pd.DataFrame) -> pd.DataFrame:
    """Providers of a map_frame gathered into areas of about 11 km square, for a map of the
    whole country (tens of thousands of dots are a blot, and slow to draw).

    One row per area with providers, most worrying first: area (its key, for
    area_providers), latitude and longitude (the mean of its providers', so the dot sits
    where they are), providers, high (how many are in the high or very high band),
    high_share, shrunk_share (high_share pulled towards the share over all areas by
    AREA_PRIOR_PROVIDERS, so a small area's few providers do not paint it), top_name and
    top_score (its highest-scored).
    """
    columns = [
        "area",
        "latitude",
        "longitude",
        "providers",
        "high",
        "high_share",
        "shrunk_share",
        "top_name",
        "top_score",
    ]
    if points.empty:
        return pd.DataFrame(columns=columns)
    cell = pd.DataFrame(
        {
            "area": _area_keys(points),
            "latitude": points["latitude"].to_numpy(float),
            "longitude": points["longitude"].to_numpy(float),
            "high": points["band"].isin(BANDS[2:]).to_numpy(),
            "score": points["score"].to_numpy(float),
            "name": points["name"].to_numpy(object),
        }
    )
    top = cell.sort_values("score", ascending=False, kind="stable").drop_duplicates("area")
    cells = cell.groupby("area").agg(
        latitude=("latitude", "mean"),
        longitude=("longitude", "mean"),
        providers=("score", "size"),
        high=("high", "sum"),
    )
    cells = cells.join(
        top.set_index("area")[["name", "score"]].rename(
            columns={"name": "top_name", "score": "top_score"}
        )
    )
    cells["high"] = cells["high"].astype("int64")
    cells["high_share"] = cells["high"] / cells["providers"]
    overall = cells["high"].sum() / cells["providers"].sum()
    cells["shrunk_share"] = (cells["high"] + AREA_PRIOR_PROVIDERS * overall) / (
        cells["providers"] + AREA_PRIOR_PROVIDERS
    )
    cells = cells.sort_values(["shrunk_share", "providers"], ascending=[False, False])
    return cells.reset_index()[columns]


def _area_keys(points: pd.DataFrame) -> np.ndarray:
    """Each provider's area of map_cells as "row:column" of the grid."""
    row = np.floor(points["latitude"].to_numpy(float) / CELL_LATITUDE).astype(int)
    col = np.floor(points["longitude"].to_numpy(float) / CELL_LONGITUDE).astype(int)
    return (pd.Series(row).astype(str) + ":" + pd.Series(col).astype(str)).to_numpy()


def area_providers(points: pd.DataFrame, areas: Iterable[str]) -> pd.DataFrame:
    """The providers of a map_frame in the map_cells `areas` named, highest score first:
    provider_id, name, type, score, band."""
    inside = points[np.isin(_area_keys(points), list(areas))]
    inside = inside.sort_values(["score", "name"], ascending=[False, True], kind="stable")
    return inside[["provider_id", "name", "type", "score", "band"]].reset_index(drop=True)
