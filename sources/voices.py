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
from pathlib import Path

import pandas as pd
from sqlalchemy import select
from sqlalchemy.engine import Engine

from sources import settings
from sources.store import Comment, Provider, get_engine

FIELDS = ("age_band", "carer", "disability", "ethnicity")
ALL_REGIONS = "*"
# A group is named as silent when it is heard at less than this share of what the
# reference would lead us to expect, and enough comments were answered to expect some.
SILENT_RATIO = 0.25
MIN_EXPECTED = 5.0


def load_reference(path: Path | None = None) -> pd.DataFrame:
    """The reference mix: region, field, group, share (region '*' applies everywhere)."""
    path = path or settings.voice_reference_path()
    reference = pd.read_csv(path, dtype={"region": str, "field": str, "group": str})
    missing = {"region", "field", "group", "share"} - set(reference.columns)
    if missing:
        raise ValueError(f"{path}: reference needs columns {sorted(missing)}")
    return reference


def heard_frame(engine: Engine | None = None, since: dt.date | None = None) -> pd.DataFrame:
    """Linked comments (copies of one concern once) with their provider's region and area."""
    engine = engine or get_engine()
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
    with engine.connect() as conn:
        return pd.DataFrame(conn.execute(query).all(), columns=list(query.selected_columns.keys()))


def _fold(values: pd.Series) -> pd.Series:
    return values.astype("string").str.strip().str.lower().replace("", pd.NA)


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

    Returns area, region, field, group, heard, expected, reference_share, share; most
    missing first. An area's reference is its region's rows, else the '*' rows.
    """
    mix = voice_mix(heard, by)
    answered = mix[["area", "field", "answered"]].drop_duplicates()
    region_of = heard.groupby(by)["region"].first() if by != "region" else None
    out = []
    for area, field, n_answered in answered.itertuples(index=False):
        region = area if region_of is None else region_of.get(area)
        ref = reference[(reference["region"] == region) & (reference["field"] == field)]
        if ref.empty:
            ref = reference[(reference["region"] == ALL_REGIONS) & (reference["field"] == field)]
        heard_here = mix[(mix["area"] == area) & (mix["field"] == field)].set_index("group")
        for group, share in zip(_fold(ref["group"]), ref["share"], strict=True):
            expected = float(share) * int(n_answered)
            got = int(heard_here["heard"].get(group, 0))
            if expected >= min_expected and got < ratio * expected:
                out.append(
                    (area, region, field, group, got, expected, float(share), got / n_answered)
                )
    columns = ["area", "region", "field", "group", "heard", "expected", "reference_share", "share"]
    result = pd.DataFrame(out, columns=columns)
    result["missing"] = result["expected"] - result["heard"]
    return (
        result.sort_values("missing", ascending=False)
        .drop(columns="missing")
        .reset_index(drop=True)
    )


def channel_mix(heard: pd.DataFrame, by: str = "region") -> pd.DataFrame:
    """Comments per area and channel, with each channel's share of the area's comments."""
    frame = heard.assign(channel=heard["channel"].fillna("unknown"))
    counts = frame.groupby([by, "channel"]).size().rename("comments").reset_index()
    counts["share"] = counts["comments"] / counts.groupby(by)["comments"].transform("sum")
    return counts.rename(columns={by: "area"})


def no_recent_voice(
    as_of: dt.date,
    engine: Engine | None = None,
    months: int = 6,
    usual_per_year: float = 4.0,
) -> pd.DataFrame:
    """Providers that heard nothing from the public in `months` before `as_of`, although
    their type usually hears at least `usual_per_year` comments a year each.

    Returns provider_id, name, type, last_comment (None if never), days_silent.
    """
    engine = engine or get_engine()
    c, p = Comment.__table__, Provider.__table__
    year_ago = as_of - dt.timedelta(days=365)
    with engine.connect() as conn:
        providers = pd.DataFrame(
            conn.execute(select(p.c.provider_id, p.c.name, p.c.type)).all(),
            columns=["provider_id", "name", "type"],
        )
        comments = pd.DataFrame(
            conn.execute(
                select(c.c.provider_id, c.c.received_on).where(
                    c.c.provider_id.is_not(None), c.c.received_on <= as_of
                )
            ).all(),
            columns=["provider_id", "received_on"],
        )
    columns = ["provider_id", "name", "type", "last_comment", "days_silent"]
    if providers.empty:
        return pd.DataFrame(columns=columns)
    comments["received_on"] = pd.to_datetime(comments["received_on"])
    recent = comments[comments["received_on"] > pd.Timestamp(year_ago)]
    per_provider = recent.groupby("provider_id").size()
    providers["last_year"] = providers["provider_id"].map(per_provider).fillna(0)
    usual = providers.groupby("type")["last_year"].median()
    chatty_types = set(usual[usual >= usual_per_year].index)
    last = comments.groupby("provider_id")["received_on"].max()
    providers["last_comment"] = providers["provider_id"].map(last)
    cutoff = pd.Timestamp(as_of) - pd.DateOffset(months=months)
    silent = providers[
        providers["type"].isin(chatty_types)
        & (providers["last_comment"].isna() | (providers["last_comment"] <= cutoff))
    ].copy()
    silent["days_silent"] = (pd.Timestamp(as_of) - silent["last_comment"]).dt.days
    silent["last_comment"] = silent["last_comment"].dt.date
    return silent[columns].sort_values("days_silent", ascending=False, na_position="first")
