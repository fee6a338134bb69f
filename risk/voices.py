"""Who is heard and who is silent: the mix of people behind the comments, against a reference.

Regulators learn most from the people they seldom hear from. From the optional
self-description fields of comments (age band, carer, disability, ethnicity) this module
says, per region, local authority or provider, who the feedback comes from and which groups
are missing against the mix of people the services serve (a reference per region, in a CSV
that an organisation can replace: `CARELENS_VOICE_REFERENCE`). It also finds providers of a
kind that usually hears from the public but has heard nothing for months ("no recent voice").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from sqlalchemy import case, func, select
from sqlalchemy.engine import Engine

from sources import settings
from sources.store import Comment, Provider, read_frame

FIELDS = ("age_band", "carer", "disability", "ethnicity")
ALL_REGIONS = "*"
# A group is named as silent when it is heard at less than this share of what the
# reference would lead us to expect, and enough comments were answered to expect some.
SILENT_RATIO = 0.25
MIN_EXPECTED = 5.0


def load_reference(path: Path | None = None) -> pd.DataFrame:
    """The reference mix: region, field, group, share (region '*' applies everywhere)."""
    path = path or settings.voice_reference_path()
    reference = pd.read_csv(path, dtype={"region": str, "field": str, "group": str}, comment="#")
    missing = {"region", "field", "group", "share"} - set(reference.columns)
    if missing:
        raise ValueError(f"{path}: reference needs columns {sorted(missing)}")
    return reference


def heard_frame(engine: Engine, since: dt.date | None = None) -> pd.DataFrame:
    """Linked comments (copies of one concern once) with their provider's region and area."""
    c, p = Comment.__table__, Provider.__table__
    query = (
        select(
            c.c.comment_id,
            c.c.received_on,
            c.c.channel,
            *(c.c[f] for f in FIELDS),
            p.c.provider_id,
            p.c.name,
            p.c.type,
            p.c.region,
            p.c.local_authority,
        )
        .select_from(c.join(p, p.c.provider_id == c.c.provider_id))
        .where(c.c.duplicate_of.is_(None))
    )
    if since is not None:
        query = query.where(c.c.received_on >= since)
    frame = read_frame(engine, query)
    # SQLite gives dates as ISO strings, PostgreSQL as dates: callers compare with dates.
    frame["received_on"] = pd.to_datetime(frame["received_on"]).dt.date
    return frame


def heard_providers(heard: pd.DataFrame) -> pd.DataFrame:
    """One row per provider heard from in `heard` (heard_frame): provider_id, name, region,
    by name."""
    return (
        heard[["provider_id", "name", "region"]]
        .drop_duplicates("provider_id")
        .sort_values(["name", "provider_id"], kind="stable")
        .reset_index(drop=True)
    )


def _fold(values: pd.Series) -> pd.Series:
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values  # folded already (_prepare)
    return values.astype("string").str.strip().str.lower().replace("", pd.NA)


def _prepare(heard: pd.DataFrame) -> pd.DataFrame:
    """`heard` with its answers folded once and its keys as categories: grouping a year of
    national comments by provider several times is then a matter of integer codes."""
    out = heard.copy()
    for field in FIELDS:
        out[field] = _fold(out[field]).astype("category")
    for key in ("provider_id", "local_authority", "region"):
        out[key] = out[key].astype("category")
    return out


def voice_mix(heard: pd.DataFrame, by: str = "region") -> pd.DataFrame:
    """Per area (`by`: region, local_authority or provider_id), field and group: heard, share.

    `answered` is how many comments in the area gave that field; `received` how many came.
    """
    rows = []
    for field in FIELDS:
        frame = heard[[by, field]].copy()
        frame[field] = _fold(frame[field])
        received = frame.groupby(by).size().rename("received")
        answered = frame.dropna(subset=[field]).groupby(by).size().rename("answered")
        counts = frame.dropna(subset=[field]).groupby([by, field]).size().rename("heard")
        counts = counts.reset_index().rename(columns={field: "group", by: "area"})
        counts["field"] = field
        counts = counts.merge(answered, left_on="area", right_index=True)
        counts = counts.merge(received, left_on="area", right_index=True)
        counts["share"] = counts["heard"] / counts["answered"]
        rows.append(counts)
    columns = ["area", "field", "group", "heard", "answered", "received", "share"]
    if not rows:
        return pd.DataFrame(columns=columns)
    return pd.concat(rows, ignore_index=True)[columns]


def silent_groups(
    heard: pd.DataFrame,
    reference: pd.DataFrame,
    by: str = "region",
    ratio: float = SILENT_RATIO,
    min_expected: float = MIN_EXPECTED,
) -> pd.DataFrame:
    """Groups heard far less than the reference expects, per area: the people to go and find.

    Returns area, region, field, group, heard, expected, reference_share, share (and name,
    local_authority when `by` is provider_id); most missing first. An area's reference is
    its region's rows, else the '*' rows. A group is silent when at least `min_expected`
    answers were expected from it and fewer than `ratio` of those came.
    """
    columns = ["area", "region", "field", "group", "heard", "expected", "reference_share", "share"]
    mix = reference_mix(heard, reference, by)
    mix = mix[(mix["answered"] > 0) & mix["reference_share"].notna()].copy()
    mix["expected"] = mix["reference_share"] * mix["answered"]
    silent = mix[(mix["expected"] >= min_expected) & (mix["heard"] < ratio * mix["expected"])]
    region_of = heard.groupby(by)["region"].first()
    result = silent.assign(region=silent["area"].map(region_of))[columns]
    if by == "provider_id":
        # Staff go and listen at a named place: the provider's name and its area with it.
        place = heard.groupby(by)[["name", "local_authority"]].first()
        result = result.join(place, on="area")
    result = result.assign(missing=result["expected"] - result["heard"])
    order = ["missing", "area", "field", "group"]
    return (
        result.sort_values(order, ascending=[False, True, True, True])
        .drop(columns="missing")
        .reset_index(drop=True)
    )


def _area_reference(heard: pd.DataFrame, reference: pd.DataFrame, by: str) -> pd.DataFrame:
    """Per area (`by`): area, field, group (folded), reference_share, from the area's
    region's rows, else, for a field its region lacks, the '*' rows."""
    areas = heard.groupby(by)["region"].first().rename_axis("area").reset_index()
    ref = reference.assign(group=_fold(reference["group"]))[["region", "field", "group", "share"]]
    own = areas.merge(ref, on="region")
    fields = own[["area", "field"]].drop_duplicates()
    general = ref[ref["region"] == ALL_REGIONS].drop(columns="region")
    fallback = areas[["area"]].merge(general, how="cross")
    fallback = fallback.merge(fields, on=["area", "field"], how="left", indicator=True)
    fallback = fallback[fallback["_merge"] == "left_only"].drop(columns="_merge")
    both = pd.concat([own.drop(columns="region"), fallback], ignore_index=True)
    return both.rename(columns={"share": "reference_share"})[
        ["area", "field", "group", "reference_share"]
    ]


def reference_mix(heard: pd.DataFrame, reference: pd.DataFrame, by: str = "region") -> pd.DataFrame:
    """Who is heard against who is served, per area (`by`), field and group.

    Returns area, field, group, heard, answered (comments in the area giving that field),
    share (heard / answered; NaN when nobody answered) and reference_share (NaN for a group
    the reference does not list), every group of either side once; `ratio` is share /
    reference_share (1 heard as often as served, 0 never heard).
    """
    columns = ["area", "field", "group", "heard", "answered", "share", "reference_share", "ratio"]
    if heard.empty:
        return pd.DataFrame(columns=columns)
    mix = voice_mix(heard, by)
    ref = _area_reference(heard, reference, by)
    both = mix.drop(columns=["share", "received"]).merge(
        ref, on=["area", "field", "group"], how="outer"
    )
    answered = mix.groupby(["area", "field"])["answered"].first().rename("answered")
    both = both.drop(columns="answered").join(answered, on=["area", "field"])
    both["answered"] = both["answered"].fillna(0).astype(int)
    both["heard"] = both["heard"].fillna(0).astype(int)
    both["share"] = both["heard"] / both["answered"].where(both["answered"] > 0)
    both["ratio"] = both["share"] / both["reference_share"]
    order = {f: i for i, f in enumerate(FIELDS)}
    both = both.sort_values(
        ["area", "field", "group"], key=lambda s: s.map(order) if s.name == "field" else s
    )
    return both[columns].reset_index(drop=True)


def channel_mix(heard: pd.DataFrame, by: str = "region") -> pd.DataFrame:
    """Comments per area and channel, with each channel's share of the area's comments."""
    frame = heard.assign(channel=heard["channel"].fillna("unknown"))
    counts = frame.groupby([by, "channel"]).size().rename("comments").reset_index()
    counts["share"] = counts["comments"] / counts.groupby(by)["comments"].transform("sum")
    return counts.rename(columns={by: "area"})


def no_recent_voice(
    engine: Engine,
    as_of: dt.date,
    months: int = 6,
    usual_per_year: float = 4.0,
) -> pd.DataFrame:
    """Providers that heard nothing from the public in `months` before `as_of`, although
    their type usually hears at least `usual_per_year` comments a year each.

    Returns provider_id, name, type, region, local_authority, last_comment (None if
    never), days_silent (None if never), longest silent first. Every comment counts as a
    voice, copies too: silence is about whether anyone spoke at all.
    """
    c, p = Comment.__table__, Provider.__table__
    year_ago = as_of - dt.timedelta(days=365)
    # One grouped query: at a national scale there are far more comments than providers.
    heard = (
        select(
            c.c.provider_id,
            func.max(c.c.received_on).label("last_comment"),
            func.sum(case((c.c.received_on > year_ago, 1), else_=0)).label("last_year"),
        )
        .where(c.c.provider_id.is_not(None), c.c.received_on <= as_of)
        .group_by(c.c.provider_id)
    )
    providers = read_frame(
        engine, select(p.c.provider_id, p.c.name, p.c.type, p.c.region, p.c.local_authority)
    )
    comments = read_frame(engine, heard).set_index("provider_id")
    columns = [
        "provider_id",
        "name",
        "type",
        "region",
        "local_authority",
        "last_comment",
        "days_silent",
    ]
    if providers.empty:
        return pd.DataFrame(columns=columns)
    last_year = pd.to_numeric(comments["last_year"]).astype(float)
    providers["last_year"] = providers["provider_id"].map(last_year).fillna(0.0)
    usual = providers.groupby("type")["last_year"].median()
    chatty_types = set(usual[usual >= usual_per_year].index)
    # reindex, not map: mapping through an empty datetime Series (a store with no comments)
    # makes pandas cast the missing values to float and fail.
    last = pd.to_datetime(comments["last_comment"])
    providers["last_comment"] = last.reindex(providers["provider_id"].to_numpy()).to_numpy()
    cutoff = pd.Timestamp(as_of) - pd.DateOffset(months=months)
    silent = providers[
        providers["type"].isin(chatty_types)
        & (providers["last_comment"].isna() | (providers["last_comment"] <= cutoff))
    ].copy()
    silent["days_silent"] = (pd.Timestamp(as_of) - silent["last_comment"]).dt.days
    silent["last_comment"] = silent["last_comment"].dt.date
    silent = silent.sort_values(
        ["days_silent", "name"], ascending=[False, True], na_position="first"
    )
    return silent[columns].reset_index(drop=True)


@dataclass
class VoicesReport:
    """What the Voices page shows for one scope (all regions, a region, or a provider)."""

    scope: str  # "all regions", the region, or the provider's name
    received: int  # linked comments in scope (copies once)
    described: int  # of those, how many carry any self-description
    mix: pd.DataFrame  # reference_mix per region, or for the provider
    silent_regions: pd.DataFrame  # silent_groups by region
    silent_areas: pd.DataFrame  # silent_groups by local authority
    silent_providers: pd.DataFrame  # silent_groups by provider (with name, local_authority)
    channels: pd.DataFrame  # channel_mix per region, or for the provider


def voices_report(
    heard: pd.DataFrame,
    reference: pd.DataFrame,
    region: str | None = None,
    provider_id: str | None = None,
) -> VoicesReport:
    """Who is heard and who is silent in one scope: every region, one `region`, or one
    provider (its region's reference). Silent groups are named per region, local
    authority and provider within the scope, so staff know where to go and listen."""
    scope = "all regions"
    if region is not None:
        heard = heard[heard["region"] == region]
        scope = region
    level = "region"
    if provider_id is not None:
        heard = heard[heard["provider_id"] == provider_id]
        scope = str(heard["name"].iloc[0]) if not heard.empty else provider_id
        level = "provider_id"
    heard = _prepare(heard)
    described = heard[list(FIELDS)].notna().any(axis=1)
    return VoicesReport(
        scope=scope,
        received=len(heard),
        described=int(described.sum()),
        mix=reference_mix(heard, reference, by=level),
        silent_regions=silent_groups(heard, reference, by="region"),
        silent_areas=silent_groups(heard, reference, by="local_authority"),
        silent_providers=silent_groups(heard, reference, by="provider_id"),
        channels=channel_mix(heard, by=level),
    )
