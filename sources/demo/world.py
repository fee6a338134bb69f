"""The demo world: a fictional regulator's evidence in the contract's format, with its truth.

`write_demo_world` writes the six contract CSVs (providers, inspections, incidents,
safeguarding, ebe_notes, comments), Carelens's `verdicts.csv` (what inspectors found on
some visits, `sources/demo/visits.py`) and, in `truth/`, the hidden state that made them:
each provider's latent quality per month (`providers_monthly.csv`: provider_id, month,
latent, failing), its failing episodes (`episodes.csv`) and the true provider of every
comment with the copies of one concern (`comments.csv`: comment_id, true_provider_id,
duplicate_of). The loader never reads `truth/`; tests and the backtest do.

How the world is made (METHOD-NOTES §4):
- Providers of five types across England's nine regions, in invented towns and local
  authorities, with postcode-like strings in areas no real postcode uses (Q.., X..), ids
  `DEMO-nnnnn` that cannot be mistaken for CQC ids, and stock names ("Oakwood House")
  repeated in different towns on purpose. Some belong to chains, which share a quality shift.
- A latent state per provider-month, higher = worse care: a persistent level (type shift +
  chain + own), an AR(1) wobble, a slow drift for some (decline or improvement), and
  failing episodes that ramp up over 2-8 months, persist until an inspection rates the
  provider Requires improvement or Inadequate, then recover (or remit on their own).
- Inspections scheduled by the last rating, plus responsive ones when serious events pile
  up; the rating is the latent state plus inspector noise, cut into the four ratings;
  published 1-3 months later. A rating not yet published at the end date is not written.
- Emissions each month from the latent state (`EFFECTS` below): incidents by harm, whose
  mix depends on the latent state and on a reporting culture (good services report more
  no/low harm), safeguarding alerts whose count and risk level rise with it, public
  comments whose tone and serious concerns follow it (with media shocks unrelated to
  quality), and expert-by-experience notes at inspections.
- People describe themselves on about a third of comments, with gaps that differ by region
  (`VOICE_GAPS`); some concerns arrive two or three times on different channels.

Volumes are scaled down so the default world (2,000 providers, 3.5 years) writes and loads
quickly. Real hospitals report ~14 incidents per bed a year; here hospitals are 3% of
providers (7% in the register) and report at about a twentieth of the real rate (0.72 per
bed a year, ~400 a year for an average hospital), and hear about a third of the real
comment volume (~60 a year), so that a few hospitals do not swamp the world. Incidents
follow §4.1's per-size rates; safeguarding alerts and public comments are set below its
table (`ALERT_RATE`, `COMMENT_RATE`; the CHANGELOG's "Demo world" says why). Volumes scale
linearly with `providers`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import random
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sources.contract import ABUSE_TYPES, LOADED_FILES, RATINGS
from sources.demo import words as T
from sources.demo.visits import VerdictEffects, Visited, simulate_verdicts
from sources.progress import Progress

DEFAULT_END = dt.date(2026, 6, 30)

# =============================================================================================
# EFFECT SIZES: every coefficient of the world in one place, for review (METHOD-NOTES §4).
# Latent r: higher = worse care; about N(0, 1) for a provider that is not failing.
# =============================================================================================
TYPES: tuple[str, ...] = ("care_home", "homecare", "gp_practice", "hospital", "mental_health")
TYPE_SHARE: tuple[float, ...] = (0.40, 0.33, 0.18, 0.03, 0.06)
# Size unit (beds, clients, registered patients): lognormal median, sigma, clip.
CAPACITY: dict[str, tuple[float, float, int, int]] = {
    "care_home": (35, 0.55, 5, 180),
    "homecare": (45, 0.9, 3, 600),
    "gp_practice": (9000, 0.55, 1500, 60000),
    "hospital": (300, 0.8, 20, 1800),
    "mental_health": (30, 0.6, 8, 200),
}
NEW_PROVIDER_SHARE = 0.06  # registered during the window: no rating yet for a while
TYPE_SHIFT = {
    "care_home": 0.0,
    "homecare": 0.05,
    "gp_practice": -0.15,
    "hospital": 0.2,
    "mental_health": 0.15,
}
LEVEL_SD = 0.7  # persistent own level mu_i ~ type shift + chain + N(0, 0.7^2)
CHAIN_SD = 0.3  # shared by a chain's providers
CHAIN_SHARE = 0.35  # of care homes and home care services
AR_RHO, AR_SD = 0.92, 0.2  # monthly AR(1): stationary sd ~0.5
DRIFT_SHARE = 0.10  # providers on a slow trend (decline or improvement) ...
DRIFT_PER_YEAR = (0.25, 0.6)  # ... of this size a year, from a random month ...
DRIFT_CAP = 1.2  # ... up to this much in total
EPISODE_HAZARD_YEAR = 0.03  # failing episodes per provider-year at mu = 0 ...
EPISODE_HAZARD_MU = 0.6  # ... times exp(0.6 mu)
EPISODE_RAMP = (2, 8)  # months to reach the full drop
EPISODE_DELTA = (2.0, 0.4)  # size of the drop ~ N(2.0, 0.4^2)
FAILING_AT = 1.0  # truth "failing" while an episode adds at least this much
RECOVERY_DELAY = 2  # months after the detecting inspection before recovery starts
RECOVERY_HALF_LIFE = 6.0  # months
REMISSION = 0.02  # per month, an undetected episode starts recovering on its own

# Incidents per size unit a year (hospitals scaled down, see the docstring), calibrated to
# ~100, 28, 17, 400 and 60 a year for an average provider of each type.
INCIDENT_RATE = {
    "care_home": 2.11,
    "homecare": 0.39,
    "gp_practice": 0.00151,
    "hospital": 0.72,
    "mental_health": 1.34,
}
HARM_MIX = (0.68, 0.25, 0.06, 0.008, 0.002)  # none, low, moderate, severe, death (NRLS)
HARM_CULTURE = (1.0, 1.0, 0.3, 0.1, 0.1)  # coefficient of reporting culture c
HARM_LATENT = (0.15, 0.15, 0.6, 0.8, 0.8)  # coefficient of latent r
CULTURE_SD, CULTURE_LEVEL_CORR = 0.5, -0.3  # c ~ N(0, 0.5^2), corr(c, mu) = -0.3
CULTURE_EROSION = 0.4  # c drops by this while failing
MONTH_SHAPE = 5.0  # gamma-Poisson month-level over-dispersion (incidents)
WINTER = 0.13  # Dec-Feb uplift for hospitals and care homes
INCIDENT_DUPLICATES = 0.02  # the same incident reported twice
BATCH_SHARE = {"hospital": 0.3}  # quarterly batch reporters; others 0.10
BATCH_OTHERS = 0.10

ALERT_RATE = {  # per size unit a year: ~12, 6, 0.5, 20 and 8 a year for an average provider
    "care_home": 0.226,
    "homecare": 0.068,
    "gp_practice": 0.0000367,
    "hospital": 0.0375,
    "mental_health": 0.155,
}
ALERT_LATENT = 0.7  # count ~ exp(0.7 r)
ALERT_SHAPE = 4.0
AUGUST_DIP = 0.8
ALERT_HIGH = (-1.6, 0.6)  # P(high) = sigmoid(-1.6 + 0.6 r)
ALERT_MEDIUM = (-0.2, 0.3)  # P(medium | not high)
ABUSE_MIX = {
    "neglect": 0.32,
    "physical": 0.20,
    "financial": 0.14,
    "psychological": 0.14,
    "organisational": 0.08,
    "sexual": 0.04,
    "self_neglect": 0.035,
    "domestic": 0.025,
    "discriminatory": 0.015,
    "modern_slavery": 0.005,
}
ALERT_SOURCES = {
    "staff": 0.3,
    "relative": 0.25,
    "professional": 0.25,
    "public": 0.12,
    "anonymous": 0.08,
}
SUBSTANTIATED = (-0.6, 0.5)  # P(substantiated | closed with a finding) = sigmoid(a + b r)

COMMENT_RATE = {  # per size unit a year: ~6, 4, 10, 60 and 6 a year for an average provider
    "care_home": 0.127,
    "homecare": 0.0533,
    "gp_practice": 0.000867,
    "hospital": 0.122,
    "mental_health": 0.14,
}
SILENT_SHARE = 0.05  # providers hardly anyone comments on (issue 7: "no recent voice") ...
SILENT_LEVEL = 0.4  # ... more often the worse ones (closed cultures): silence is not safety
SILENT_VOLUME = 0.03  # their comment volume, as a share of the usual
COMMENT_LATENT = 0.25  # volume ~ exp(0.25 r)
SUMMER = 0.15  # Jun-Aug uplift in comments
NEGATIVE_COMMENT = (-1.5, 1.1, -0.8)  # P(neg) = sigmoid(a + b r + c s), s = solicitation
SOLICITATION_SD = 0.5
MIXED_SHARE = 0.25  # of comments that are not negative
SERIOUS_COMMENT = (-2.6, 0.9)  # P(serious concern | negative) = sigmoid(a + b r)
SERIOUS_KINDS = {"abuse": 0.22, "neglect": 0.3, "injury": 0.2, "death": 0.08, "reprisal": 0.2}
STAR_SHARE = 0.6  # of comments on channels with stars
STAR_CHANNELS = ("review_site", "web_form")
MEDIA_SHOCK = 0.002  # per provider-month: a burst of negative comments ...
MEDIA_BURST = 8  # ... Poisson(8), unrelated to quality
MISATTRIBUTED = 0.04  # comments given a provider_id of another provider of the same type
CHANNELS = {
    "web_form": 0.25,
    "review_site": 0.25,
    "social_media": 0.15,
    "phone": 0.15,
    "healthwatch": 0.12,
    "listening_event": 0.08,
}
# P(no provider_id | channel): about a third overall.
UNLINKED = {
    "web_form": 0.3,
    "review_site": 0.1,
    "social_media": 0.7,
    "phone": 0.4,
    "healthwatch": 0.45,
    "listening_event": 0.5,
}
REPEATED_CONCERN = 0.12  # of negative comments, told again on 1-2 other channels ...
REPEAT_CHANNELS = ("phone", "web_form", "healthwatch")
REPEAT_WITHIN_DAYS = 10  # ... within this many days

EBE_SHARE = {
    "care_home": 0.6,
    "homecare": 0.5,
    "gp_practice": 0.2,
    "hospital": 0.3,
    "mental_health": 0.4,
}
EBE_NEGATIVITY = (-1.0, 1.2, 0.5)  # sigmoid(a + b r + N(0, c^2))

SCHEDULE = {
    "Outstanding": (30, 60),
    "Good": (24, 48),
    "Requires improvement": (9, 15),
    "Inadequate": (4, 8),
}  # months to the next planned inspection
RATING_NOISE = 0.45
RATING_CUTS = (-1.70, 0.82, 1.82)  # ~4/76/17/3% in the non-failing population
KEY_QUESTION_NOISE = 0.35  # around the inspection's overall judgement
KEY_QUESTION_TILT = {
    "safe": 0.25,
    "effective": 0.0,
    "caring": -0.25,
    "responsive": 0.0,
    "well_led": 0.15,
}  # x the failing drop: safe and well-led fall first
# What inspectors found on visits (verdicts.csv, sources/demo/visits.py): verdicts recorded
# for 60% of visits; a line's problem is truly there when care is truly poor at the visit
# (the latent at or past the Requires improvement cut); then confirmed 80%, not found 10%,
# not looked at 10%; when not there, 10% / 75% / 15%. A note on 40% of those looked at.
VISIT_VERDICTS = VerdictEffects(
    share=0.6,
    problem_at=RATING_CUTS[1],
    when_present=(0.80, 0.10, 0.10),
    when_absent=(0.10, 0.75, 0.15),
    note_share=0.4,
)
RESPONSIVE_Z = 3.0  # serious events over 3 months beyond an over-dispersed expectation
RESPONSIVE_MIN = 3  # and at least this many
PUBLICATION_LAG_DAYS = (30, 90)
BURN_IN_MONTHS = 36  # simulated before the window, so ratings have a history

# Who describes themselves (issue 7): share answering by channel, the groups, and gaps.
ANSWERING = {  # about a third of comments carry some self-description
    "web_form": 0.45,
    "review_site": 0.2,
    "social_media": 0.1,
    "phone": 0.5,
    "healthwatch": 0.7,
    "listening_event": 0.8,
}
FIELD_ANSWERED = 0.85  # each field, for a person who answers at all
SELF_DESCRIPTION: dict[str, dict[str, float]] = {
    "age_band": {"18-24": 0.1, "25-44": 0.25, "45-64": 0.33, "65-79": 0.2, "80+": 0.12},
    "carer": {"yes": 0.3, "no": 0.7},
    "disability": {"yes": 0.22, "no": 0.78},
    "ethnicity": {"White": 0.82, "Asian": 0.09, "Black": 0.04, "Mixed": 0.03, "Other": 0.02},
}
# Who writes about each type: relatives in their middle years for care, younger people
# for GP practices and mental health services.
AGE_BY_TYPE: dict[str, dict[str, float]] = {
    "care_home": {"18-24": 0.3, "25-44": 0.6, "45-64": 1.5, "80+": 1.3},
    "homecare": {"18-24": 0.4, "45-64": 1.3, "80+": 1.5},
    "gp_practice": {"18-24": 1.4, "25-44": 1.3, "80+": 0.6},
    "mental_health": {"18-24": 2.0, "25-44": 1.5, "65-79": 0.5, "80+": 0.2},
}
LONDON_ETHNICITY = {"White": 0.54, "Asian": 0.21, "Black": 0.13, "Mixed": 0.06, "Other": 0.06}
# Multipliers on a group's share in a region: the people each region barely hears from.
VOICE_GAPS: dict[str, dict[str, dict[str, float]]] = {
    "North East": {"age_band": {"18-24": 0.03, "25-44": 0.5}},
    "London": {"carer": {"yes": 0.04}},
    "South West": {"ethnicity": {"Asian": 0.1, "Black": 0.05, "Mixed": 0.2}},
    "East Midlands": {"disability": {"yes": 0.08}},
    "West Midlands": {"age_band": {"80+": 0.05}},
    "Yorkshire and The Humber": {"age_band": {"18-24": 0.2}, "carer": {"yes": 0.3}},
}
# =============================================================================================

REGIONS: dict[str, tuple[float, float, float, float, float]] = {
    # share of providers, lat min, lat max, lon min, lon max (rough bounding boxes)
    "North East": (0.06, 54.50, 55.75, -2.55, -1.25),
    "North West": (0.13, 53.05, 54.85, -3.30, -2.05),
    "Yorkshire and The Humber": (0.10, 53.35, 54.45, -2.35, -0.25),
    "East Midlands": (0.09, 52.45, 53.45, -1.85, 0.25),
    "West Midlands": (0.10, 52.05, 53.15, -2.95, -1.35),
    "East of England": (0.11, 51.55, 52.85, -0.45, 1.65),
    "London": (0.14, 51.32, 51.66, -0.45, 0.25),
    "South East": (0.16, 50.85, 51.75, -1.45, 1.35),
    "South West": (0.11, 50.15, 51.75, -5.45, -2.05),
}
LAS_PER_REGION = 5
TOWNS_PER_LA = 6


@dataclass
class DemoSummary:
    """What write_demo_world wrote: the folder, provider count, rows per file, window."""

    folder: Path
    providers: int
    rows: dict[str, int]
    start: dt.date
    end: dt.date


def _sigmoid(x: np.ndarray | float) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float)))


def _pick(rng: np.random.Generator, mix: dict[str, float], size: int) -> np.ndarray:
    keys = list(mix)
    p = np.array([mix[k] for k in keys], dtype=float)
    return np.array(keys, dtype=object)[rng.choice(len(keys), size=size, p=p / p.sum())]


def _cut_rating(x: np.ndarray) -> np.ndarray:
    """Index into RATINGS (0 Outstanding .. 3 Inadequate) of a latent judgement."""
    return np.searchsorted(np.array(RATING_CUTS), x)


# --------------------------------------------------------------------------------- register
@dataclass
class _World:
    providers: pd.DataFrame
    kind: np.ndarray  # type index per provider
    capacity: np.ndarray
    level: np.ndarray  # mu_i
    culture: np.ndarray  # c_i
    solicitation: np.ndarray  # s_i
    silent: np.ndarray  # hardly anyone speaks up about it (bool)
    chain: np.ndarray  # chain index or -1
    registered: np.ndarray  # global month index of registration (0 = before the start)


def _make_register(
    rng: np.random.Generator, r: random.Random, n: int, total_months: int, burn: int
) -> _World:
    # Places: regions -> local authorities -> towns, all invented.
    names = T.town_names(r, len(REGIONS) * LAS_PER_REGION * TOWNS_PER_LA)
    areas = [f"Q{c}" for c in "ABCDEFGHIJKLMNOPRSTUVWXYZ"] + [
        f"X{c}" for c in "ABCDEFGHIJKLMNOPRSTUVWXYZ"
    ]
    towns: list[tuple[str, str, str, float, float, str]] = []  # region, la, town, lat, lon, area
    k = 0
    for region, (_, la0, la1, lo0, lo1) in REGIONS.items():
        for _ in range(LAS_PER_REGION):
            la_towns = names[k : k + TOWNS_PER_LA]
            k += TOWNS_PER_LA
            la = T.local_authority_name(r, la_towns)
            area = areas[len(towns) // TOWNS_PER_LA % len(areas)]
            c_lat, c_lon = r.uniform(la0, la1), r.uniform(lo0, lo1)
            for town in la_towns:
                lat = min(max(c_lat + r.uniform(-0.15, 0.15), la0), la1)
                lon = min(max(c_lon + r.uniform(-0.2, 0.2), lo0), lo1)
                towns.append((region, la, town, lat, lon, area))
    region_names = list(REGIONS)
    region_share = np.array([REGIONS[x][0] for x in region_names])
    region_of = rng.choice(len(region_names), size=n, p=region_share / region_share.sum())
    town_region = np.array([t[0] for t in towns], dtype=object)
    town_of = np.zeros(n, dtype=int)
    for g, region in enumerate(region_names):
        here, choices = region_of == g, np.flatnonzero(town_region == region)
        town_of[here] = choices[rng.integers(0, choices.size, here.sum())]
    kind = rng.choice(len(TYPES), size=n, p=np.array(TYPE_SHARE) / sum(TYPE_SHARE))
    capacity = np.zeros(n, dtype=np.int64)
    for t, name in enumerate(TYPES):
        median, sigma, low, high = CAPACITY[name]
        m = kind == t
        capacity[m] = np.clip(np.round(median * np.exp(rng.normal(0, sigma, m.sum()))), low, high)
    chain = np.full(n, -1)
    social = np.isin(kind, [0, 1])
    in_chain = social & (rng.random(n) < CHAIN_SHARE)
    chain_weights = 1.0 / np.arange(1, len(T.CHAIN_NAMES) + 1)  # a few big groups
    chain[in_chain] = rng.choice(
        len(T.CHAIN_NAMES), size=in_chain.sum(), p=chain_weights / chain_weights.sum()
    )
    chain_shift = rng.normal(0, CHAIN_SD, len(T.CHAIN_NAMES))
    shift = np.array([TYPE_SHIFT[t] for t in TYPES])[kind]
    own = rng.normal(0, LEVEL_SD, n)
    level = shift + own + np.where(chain >= 0, chain_shift[np.maximum(chain, 0)], 0.0)
    # corr(c, mu) = -0.3 by construction from the own level's z.
    z = own / LEVEL_SD
    culture = CULTURE_SD * (
        CULTURE_LEVEL_CORR * z + math.sqrt(1 - CULTURE_LEVEL_CORR**2) * rng.normal(0, 1, n)
    )
    solicitation = rng.normal(0, SOLICITATION_SD, n)
    silent = rng.random(n) < SILENT_SHARE * np.exp(SILENT_LEVEL * (level - level.mean()))
    registered = np.where(
        rng.random(n) < NEW_PROVIDER_SHARE, rng.integers(burn, total_months, n), 0
    )

    rows = []
    used: set[tuple[str, str]] = set()
    for i in range(n):
        region, la, town, lat, lon, area = towns[town_of[i]]
        type_name = TYPES[kind[i]]
        for _ in range(6):
            name = T.provider_name(r, type_name, town, r.choice(T.NAME_STEMS))
            if (name, town) not in used:
                break
        else:
            name = f"{name} {town}"
        used.add((name, town))
        if chain[i] >= 0:
            organisation = T.CHAIN_NAMES[chain[i]]
        elif type_name in ("care_home", "homecare"):
            own = name.removeprefix("The ").split(" ")[0]
            organisation = f"{own} {r.choice(T.COMPANY_SUFFIXES)}"
        elif type_name == "gp_practice":
            organisation = f"{town} Primary Care Partnership"
        else:
            stem = la.removeprefix("Borough of ").split(" ")[0].removesuffix("shire")
            organisation = f"{stem} {r.choice(T.TRUST_SUFFIXES)}"
        rows.append(
            {
                "provider_id": f"DEMO-{i + 1:05d}",
                "name": name,
                "type": type_name,
                "region": region,
                "local_authority": la,
                "town": town,
                "postcode": T.postcode(r, area),
                "latitude": round(lat + r.uniform(-0.03, 0.03), 5),
                "longitude": round(lon + r.uniform(-0.04, 0.04), 5),
                "capacity": int(capacity[i]),
                "organisation": organisation,
            }
        )
    return _World(
        providers=pd.DataFrame(rows),
        kind=kind,
        capacity=capacity,
        level=level,
        culture=culture,
        solicitation=solicitation,
        silent=silent,
        chain=chain,
        registered=registered,
    )


# ------------------------------------------------------------------------------ simulation
@dataclass
class _History:
    latent: np.ndarray  # (N, T)
    failing: np.ndarray  # (N, T) bool
    incidents: np.ndarray  # (N, T, 5) by harm
    alerts: np.ndarray  # (N, T, 3) by risk level low, medium, high
    comments: np.ndarray  # (N, T)
    inspections: pd.DataFrame  # provider, month, overall, key questions, responsive
    episodes: pd.DataFrame


EPISODE_COLUMNS = ["provider", "onset", "ramp", "delta", "detected", "recovery", "end"]


@dataclass
class _Rates:
    """Each provider's expected events a month at latent 0, before season and noise."""

    incidents: np.ndarray
    alerts: np.ndarray
    comments: np.ndarray
    winter: np.ndarray  # bool: a type with a winter uplift (care homes, hospitals)
    # Expected serious events a month for a typical provider of its size (responsive trigger).
    typical_serious: np.ndarray


def _monthly_rates(w: _World) -> _Rates:
    """Per-provider monthly rates from the type tables and size (no random numbers drawn)."""
    type_names = np.array(TYPES, dtype=object)[w.kind]
    inc_rate = np.array([INCIDENT_RATE[t] for t in type_names]) * w.capacity / 12
    alert_rate = np.array([ALERT_RATE[t] for t in type_names]) * w.capacity / 12
    comment_rate = np.array([COMMENT_RATE[t] for t in type_names]) * w.capacity / 12
    comment_rate = np.where(w.silent, SILENT_VOLUME, 1.0) * comment_rate
    typical = inc_rate * (HARM_MIX[3] + HARM_MIX[4]) + alert_rate * float(_sigmoid(ALERT_HIGH[0]))
    return _Rates(inc_rate, alert_rate, comment_rate, np.isin(w.kind, [0, 3]), typical)


@dataclass
class _Months:
    """The simulated state and emissions per provider and global month."""

    latent: np.ndarray  # (N, T)
    failing: np.ndarray  # (N, T) bool
    incidents: np.ndarray  # (N, T, 5) by harm
    alerts: np.ndarray  # (N, T, 3) by risk level
    comments: np.ndarray  # (N, T)
    serious: np.ndarray  # (N, T) severe and death incidents plus high-risk alerts

    @classmethod
    def empty(cls, n: int, total: int) -> _Months:
        return cls(
            latent=np.zeros((n, total)),
            failing=np.zeros((n, total), dtype=bool),
            incidents=np.zeros((n, total, 5), dtype=np.int32),
            alerts=np.zeros((n, total, 3), dtype=np.int32),
            comments=np.zeros((n, total), dtype=np.int32),
            serious=np.zeros((n, total)),
        )


@dataclass
class _Episodes:
    """Each provider's current failing episode (if any) and the record of every episode."""

    active: np.ndarray  # bool
    onset: np.ndarray  # global month
    ramp: np.ndarray  # months to the full drop
    delta: np.ndarray  # the full drop
    recover: np.ndarray  # global month recovery starts, -1 not yet
    peak: np.ndarray  # the drop when recovery started, 0 before
    index: np.ndarray  # row in `rows` of the current episode
    rows: list[dict[str, object]]

    @classmethod
    def empty(cls, n: int) -> _Episodes:
        return cls(
            active=np.zeros(n, dtype=bool),
            onset=np.zeros(n, dtype=int),
            ramp=np.ones(n, dtype=int),
            delta=np.zeros(n),
            recover=np.full(n, -1),
            peak=np.zeros(n),
            index=np.full(n, -1),
            rows=[],
        )


@dataclass
class _Schedule:
    """Inspections so far: when each provider was last inspected and is next due."""

    last_inspected: np.ndarray  # global month
    next_due: np.ndarray  # global month
    frames: list[pd.DataFrame]  # _inspection_frame rows, in order


def _start_trends(rng: np.random.Generator, n: int, total: int) -> tuple[np.ndarray, ...]:
    """The AR(1) wobble's start, each provider's drift a month and the month it starts."""
    u = rng.normal(0, AR_SD / math.sqrt(1 - AR_RHO**2), n)
    drifting = rng.random(n) < DRIFT_SHARE
    drift_slope = (
        np.where(
            drifting,
            rng.uniform(*DRIFT_PER_YEAR, n) * rng.choice([-1.0, 1.0], n, p=[0.35, 0.65]),
            0.0,
        )
        / 12
    )
    drift_from = rng.integers(0, total, n)
    return u, drift_slope, drift_from


def _first_inspections(rng: np.random.Generator, w: _World, u: np.ndarray) -> _Schedule:
    """The rating each provider holds at the start, as if inspected some time before."""
    n = len(w.kind)
    start_judgement = w.level + u + rng.normal(0, RATING_NOISE, n)
    last_rating = _cut_rating(start_judgement)
    interval = np.array([rng.integers(*SCHEDULE[RATINGS[k]]) for k in last_rating])
    next_due = np.where(
        w.registered > 0, w.registered + rng.integers(6, 13, n), rng.integers(0, interval + 1)
    )
    last_inspected = np.where(w.registered > 0, -(10**6), next_due - interval)
    known = w.registered == 0
    first = _inspection_frame(
        rng,
        np.flatnonzero(known),
        last_inspected[known],
        start_judgement[known],
        np.zeros(known.sum()),
        np.zeros(known.sum(), dtype=bool),
    )
    return _Schedule(last_inspected, next_due, [first])


def _start_episodes(
    rng: np.random.Generator, ep: _Episodes, alive: np.ndarray, hazard: np.ndarray, t: int
) -> None:
    """Starts a failing episode, at each provider's hazard, for those alive and not in one."""
    n = ep.active.size
    start = alive & ~ep.active & (rng.random(n) < hazard)
    for i in np.flatnonzero(start):
        ep.index[i] = len(ep.rows)
        ep.rows.append(
            {
                "provider": i,
                "onset": t,
                "ramp": 0,
                "delta": 0.0,
                "detected": -1,
                "recovery": -1,
                "end": -1,
            }
        )
    ep.active |= start
    ep.onset[start] = t
    ep.ramp[start] = rng.integers(EPISODE_RAMP[0], EPISODE_RAMP[1] + 1, start.sum())
    ep.delta[start] = np.maximum(0.8, rng.normal(*EPISODE_DELTA, start.sum()))
    ep.recover[start] = -1
    for i in np.flatnonzero(start):
        ep.rows[ep.index[i]]["ramp"] = int(ep.ramp[i])
        ep.rows[ep.index[i]]["delta"] = round(float(ep.delta[i]), 3)


def _episode_drop(rng: np.random.Generator, ep: _Episodes, t: int) -> np.ndarray:
    """Each provider's drop in quality from its episode in month t (0 outside one).

    An episode ramps up, may remit on its own, recovers with a half-life once recovery
    starts, and ends when the drop falls below 0.1.
    """
    n = ep.active.size
    remit = ep.active & (ep.recover < 0) & (rng.random(n) < REMISSION)
    ep.recover[remit] = t
    for i in np.flatnonzero(remit):
        ep.rows[ep.index[i]]["recovery"] = t
    rising = ep.delta * np.minimum(1.0, (t - ep.onset + 1) / ep.ramp)
    recovering = ep.active & (ep.recover >= 0) & (t >= ep.recover)
    at_start = ep.delta * np.minimum(1.0, (ep.recover - ep.onset + 1) / ep.ramp)
    ep.peak = np.where(recovering & (ep.peak == 0), at_start, ep.peak)
    f = np.where(
        ep.active,
        np.where(recovering, ep.peak * 0.5 ** ((t - ep.recover) / RECOVERY_HALF_LIFE), rising),
        0.0,
    )
    ended = recovering & (f < 0.1)
    for i in np.flatnonzero(ended):
        ep.rows[ep.index[i]]["end"] = t
    ep.active &= ~ended
    ep.peak[ended] = 0.0
    return np.where(ended, 0.0, f)


def _emit_month(
    rng: np.random.Generator,
    rates: _Rates,
    culture: np.ndarray,
    months: _Months,
    t: int,
    moy: int,
    alive: np.ndarray,
) -> None:
    """Draws month t's incidents by harm, alerts by risk level and comment counts."""
    r, fail = months.latent[:, t], months.failing[:, t]
    n = r.size
    season = np.where(rates.winter & np.isin(moy, [12, 1, 2]), 1 + WINTER, 1.0)
    c_eff = culture - CULTURE_EROSION * fail
    gamma = rng.gamma(MONTH_SHAPE, 1 / MONTH_SHAPE, n)
    harm_mix = np.array(HARM_MIX)
    harm_c, harm_r = np.array(HARM_CULTURE), np.array(HARM_LATENT)
    lam = (
        (rates.incidents * season * gamma)[:, None]
        * harm_mix[None, :]
        * np.exp(harm_c[None, :] * c_eff[:, None] + harm_r[None, :] * r[:, None])
    )
    months.incidents[:, t, :] = rng.poisson(lam) * alive[:, None]

    a_lam = rates.alerts * np.exp(ALERT_LATENT * r) * rng.gamma(ALERT_SHAPE, 1 / ALERT_SHAPE, n)
    a_lam *= AUGUST_DIP if moy == 8 else 1.0
    total_alerts = rng.poisson(a_lam) * alive
    high = rng.binomial(total_alerts, _sigmoid(ALERT_HIGH[0] + ALERT_HIGH[1] * r))
    medium = rng.binomial(total_alerts - high, _sigmoid(ALERT_MEDIUM[0] + ALERT_MEDIUM[1] * r))
    months.alerts[:, t, 0] = total_alerts - high - medium
    months.alerts[:, t, 1] = medium
    months.alerts[:, t, 2] = high

    c_lam = rates.comments * np.exp(COMMENT_LATENT * r) * (1 + SUMMER * (moy in (6, 7, 8)))
    months.comments[:, t] = rng.poisson(c_lam) * alive


def _responsive_due(
    rates: _Rates, months: _Months, schedule: _Schedule, t: int, alive: np.ndarray
) -> np.ndarray:
    """Who gets a responsive inspection in month t (bool per provider).

    Serious events over months t-2..t beyond the provider's own past (months t-14..t-3, at
    least half a typical peer's), as an inspector reading its notifications would see it.
    """
    months.serious[:, t] = months.incidents[:, t, 3:].sum(axis=1) + months.alerts[:, t, 2]
    lo = max(0, t - 2)
    serious = months.serious[:, lo : t + 1].sum(axis=1)
    if t >= 6:
        past = months.serious[:, max(0, t - 14) : t - 2].mean(axis=1)
        baseline = np.maximum(past, 0.5 * rates.typical_serious)
    else:
        baseline = rates.typical_serious
    expected = baseline * (t + 1 - lo)
    z = (serious - expected) / np.sqrt(expected + expected**2 / MONTH_SHAPE + 1e-9)
    return (
        alive
        & (z > RESPONSIVE_Z)
        & (serious >= RESPONSIVE_MIN)
        & (t - schedule.last_inspected >= 3)
    )


def _inspect_month(
    rng: np.random.Generator,
    months: _Months,
    schedule: _Schedule,
    ep: _Episodes,
    t: int,
    drop: np.ndarray,
    responsive: np.ndarray,
    alive: np.ndarray,
) -> None:
    """Inspects those due or triggered in month t; a poor rating starts an episode's recovery."""
    planned = alive & (t >= schedule.next_due)
    idx = np.flatnonzero(planned | responsive)
    if not idx.size:
        return
    judgement = months.latent[idx, t] + rng.normal(0, RATING_NOISE, idx.size)
    frame = _inspection_frame(
        rng, idx, np.full(idx.size, t), judgement, drop[idx], responsive[idx] & ~planned[idx]
    )
    schedule.frames.append(frame)
    overall = frame["overall_k"].to_numpy()
    schedule.last_inspected[idx] = t
    schedule.next_due[idx] = t + np.array(
        [rng.integers(SCHEDULE[RATINGS[k]][0], SCHEDULE[RATINGS[k]][1] + 1) for k in overall]
    )
    found = ep.active[idx] & (overall >= 2) & (ep.recover[idx] < 0)
    for i in idx[found]:
        ep.recover[i] = t + RECOVERY_DELAY
        ep.rows[ep.index[i]]["detected"] = t
        ep.rows[ep.index[i]]["recovery"] = t + RECOVERY_DELAY


def _simulate(
    rng: np.random.Generator, w: _World, total: int, month_of_year: np.ndarray
) -> _History:
    """Every provider's latent state, emissions and inspections, month by month.

    Random numbers are drawn in a fixed order, so one seed gives one world.
    """
    n = len(w.kind)
    rates = _monthly_rates(w)
    months = _Months.empty(n, total)
    u, drift_slope, drift_from = _start_trends(rng, n, total)
    ep = _Episodes.empty(n)
    schedule = _first_inspections(rng, w, u)
    hazard = EPISODE_HAZARD_YEAR / 12 * np.exp(EPISODE_HAZARD_MU * w.level)
    for t in range(total):
        alive = w.registered <= t
        u = AR_RHO * u + rng.normal(0, AR_SD, n)
        drift = np.clip(drift_slope * np.maximum(0, t - drift_from), -DRIFT_CAP, DRIFT_CAP)
        _start_episodes(rng, ep, alive, hazard, t)
        drop = _episode_drop(rng, ep, t)
        months.latent[:, t] = w.level + u + drift + drop
        months.failing[:, t] = ep.active & (drop >= FAILING_AT)
        _emit_month(rng, rates, w.culture, months, t, int(month_of_year[t]), alive)
        responsive = _responsive_due(rates, months, schedule, t, alive)
        _inspect_month(rng, months, schedule, ep, t, drop, responsive, alive)
    return _History(
        months.latent,
        months.failing,
        months.incidents,
        months.alerts,
        months.comments,
        pd.concat(schedule.frames, ignore_index=True),
        pd.DataFrame(ep.rows, columns=EPISODE_COLUMNS),
    )


def _inspection_frame(
    rng: np.random.Generator,
    idx: np.ndarray,
    month: np.ndarray,
    judgement: np.ndarray,
    drop: np.ndarray,
    responsive: np.ndarray,
) -> pd.DataFrame:
    """One row per inspection: the overall rating index and each key question's."""
    frame = pd.DataFrame({"provider": idx, "month": month.astype(int), "reactive": responsive})
    frame["overall_k"] = _cut_rating(judgement)
    for q, tilt in KEY_QUESTION_TILT.items():
        frame[q] = _cut_rating(
            judgement + tilt * drop + rng.normal(0, KEY_QUESTION_NOISE, idx.size)
        )
    frame["day"] = rng.integers(0, 28, idx.size)
    frame["lag"] = rng.integers(PUBLICATION_LAG_DAYS[0], PUBLICATION_LAG_DAYS[1] + 1, idx.size)
    return frame


# ------------------------------------------------------------------------------ emissions
@dataclass
class _Calendar:
    first: np.datetime64  # global month 0, as datetime64[M]
    burn: int
    total: int
    end: np.datetime64  # datetime64[D]

    def month(self, g: np.ndarray) -> np.ndarray:
        return self.first + g.astype("timedelta64[M]")

    def day(self, g: np.ndarray, offset: np.ndarray) -> np.ndarray:
        """The day `offset` days into global month `g`, never after the end date."""
        day = self.month(g).astype("datetime64[D]") + offset.astype("timedelta64[D]")
        return np.minimum(day, self.end)

    def days_in(self, g: np.ndarray) -> np.ndarray:
        m = self.month(g)
        return ((m + 1).astype("datetime64[D]") - m.astype("datetime64[D]")).astype(int)


def _expand(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row indexes (provider, month within the window) of a provider x month count matrix."""
    flat = counts.ravel()
    pos = np.repeat(np.arange(flat.size), flat)
    return pos // counts.shape[1], pos % counts.shape[1]


def _iso(days: np.ndarray) -> np.ndarray:
    return np.datetime_as_string(days.astype("datetime64[D]"), unit="D")


def _incidents(rng: np.random.Generator, w: _World, h: _History, cal: _Calendar) -> pd.DataFrame:
    parts = []
    for k in range(len(HARM_MIX)):
        prov, mon = _expand(h.incidents[:, cal.burn :, k])
        parts.append((prov, mon + cal.burn, np.full(prov.size, k)))
    prov = np.concatenate([p[0] for p in parts])
    mon = np.concatenate([p[1] for p in parts])
    harm_k = np.concatenate([p[2] for p in parts])
    occurred = cal.day(mon, np.floor(rng.random(prov.size) * cal.days_in(mon)))
    kind = w.kind[prov]
    category = np.empty(prov.size, dtype=object)
    for t, type_name in enumerate(TYPES):
        m = kind == t
        names = [c for c, _ in T.INCIDENT_CATEGORIES[type_name]]
        p = np.array([q for _, q in T.INCIDENT_CATEGORIES[type_name]])
        category[m] = np.array(names, dtype=object)[rng.choice(len(names), m.sum(), p=p / p.sum())]
    description = np.empty(prov.size, dtype=object)
    pick = rng.random(prov.size)
    for cat, bank in T.INCIDENT_WORDS.items():
        m = category == cat
        description[m] = np.array(bank, dtype=object)[(pick[m] * len(bank)).astype(int)]
    batch_share = np.array([BATCH_SHARE.get(t, BATCH_OTHERS) for t in TYPES])[w.kind]
    batcher = (rng.random(len(w.kind)) < batch_share)[prov]
    month_int = cal.month(mon).astype(int)
    quarter_next = ((month_int // 3) + 1) * 3
    batch_day = quarter_next.astype("datetime64[M]").astype("datetime64[D]") + rng.integers(
        0, 21, prov.size
    ).astype("timedelta64[D]")
    prompt_day = occurred + rng.integers(1, 40, prov.size).astype("timedelta64[D]")
    reported = np.where(batcher, batch_day, prompt_day)
    frame = pd.DataFrame(
        {
            "provider": prov,
            "occurred": occurred,
            "harm_k": harm_k,
            "category": category,
            "reported": reported,
            "description": description,
        }
    )
    dup = frame[rng.random(len(frame)) < INCIDENT_DUPLICATES].copy()
    dup["reported"] = dup["reported"] + pd.to_timedelta(rng.integers(0, 6, len(dup)), unit="D")
    frame = pd.concat([frame, dup], ignore_index=True)
    frame = frame[frame["reported"] <= pd.Timestamp(cal.end)]
    frame = frame.sort_values(["occurred", "provider", "harm_k", "reported"], kind="stable")
    harms = np.array(("none", "low", "moderate", "severe", "death"), dtype=object)
    return pd.DataFrame(
        {
            "incident_id": [f"DEMO-I{i:07d}" for i in range(1, len(frame) + 1)],
            "provider_id": w.providers["provider_id"].to_numpy()[frame["provider"].to_numpy()],
            "occurred_on": _iso(frame["occurred"].to_numpy()),
            "harm": harms[frame["harm_k"].to_numpy()],
            "category": frame["category"].to_numpy(),
            "reported_on": _iso(frame["reported"].to_numpy()),
            "description": frame["description"].to_numpy(),
        }
    )


def _safeguarding(
    rng: np.random.Generator, r: random.Random, w: _World, h: _History, cal: _Calendar
) -> pd.DataFrame:
    parts = []
    for k in range(3):
        prov, mon = _expand(h.alerts[:, cal.burn :, k])
        parts.append((prov, mon + cal.burn, np.full(prov.size, k)))
    prov = np.concatenate([p[0] for p in parts])
    mon = np.concatenate([p[1] for p in parts])
    level = np.concatenate([p[2] for p in parts])
    raised = cal.day(mon, np.floor(rng.random(prov.size) * cal.days_in(mon)))
    abuse = _pick(rng, ABUSE_MIX, prov.size)
    source = _pick(rng, ALERT_SOURCES, prov.size)
    age_days = (cal.end - raised).astype(int)
    latent = h.latent[prov, mon]
    open_p = np.where(age_days < 45, 0.8, np.where(age_days < 150, 0.3, 0.02))
    finding = rng.random(prov.size)
    substantiated = rng.random(prov.size) < _sigmoid(SUBSTANTIATED[0] + SUBSTANTIATED[1] * latent)
    status = np.where(
        rng.random(prov.size) < open_p,
        "open",
        np.where(
            finding < 0.3, "closed", np.where(substantiated, "substantiated", "not_substantiated")
        ),
    )
    frame = pd.DataFrame(
        {
            "provider": prov,
            "raised": raised,
            "level": level,
            "abuse": abuse,
            "source": source,
            "status": status,
        }
    )
    frame = frame.sort_values(["raised", "provider", "level"], kind="stable")
    assert set(frame["abuse"]) <= set(ABUSE_TYPES)
    summaries = [
        T.compose_alert_summary(r, a, s)
        for a, s in zip(frame["abuse"], frame["source"], strict=True)
    ]
    return pd.DataFrame(
        {
            "alert_id": [f"DEMO-S{i:06d}" for i in range(1, len(frame) + 1)],
            "provider_id": w.providers["provider_id"].to_numpy()[frame["provider"].to_numpy()],
            "raised_on": _iso(frame["raised"].to_numpy()),
            "abuse_type": frame["abuse"].to_numpy(),
            "risk_level": np.array(("low", "medium", "high"), dtype=object)[
                frame["level"].to_numpy()
            ],
            "source": frame["source"].to_numpy(),
            "status": frame["status"].to_numpy(),
            "summary": summaries,
        }
    )


def _inspections(w: _World, h: _History, cal: _Calendar) -> pd.DataFrame:
    frame = h.inspections
    inspected = cal.day(frame["month"].to_numpy(), frame["day"].to_numpy())
    published = inspected + frame["lag"].to_numpy().astype("timedelta64[D]")
    keep = published <= cal.end
    frame = frame[keep].assign(inspected=inspected[keep], published=published[keep])
    frame = frame.sort_values(["published", "provider"], kind="stable")
    ratings = np.array(RATINGS, dtype=object)
    out = pd.DataFrame(
        {
            "provider_id": w.providers["provider_id"].to_numpy()[frame["provider"].to_numpy()],
            "published_on": _iso(frame["published"].to_numpy()),
            "overall": ratings[frame["overall_k"].to_numpy()],
        }
    )
    for q in KEY_QUESTION_TILT:
        out[q] = ratings[frame[q].to_numpy()]
    out["inspection_id"] = [f"DEMO-R{i:06d}" for i in range(1, len(out) + 1)]
    # Kept for the notes and the truth, dropped before writing.
    out["_provider"] = frame["provider"].to_numpy()
    out["_month"] = frame["month"].to_numpy()
    out["_inspected"] = frame["inspected"].to_numpy()
    return out


def _ebe_notes(
    rng: np.random.Generator,
    r: random.Random,
    w: _World,
    h: _History,
    cal: _Calendar,
    inspections: pd.DataFrame,
) -> pd.DataFrame:
    # Notes are written at inspections in the window, whether or not the report is out yet.
    frame = h.inspections[h.inspections["month"] >= cal.burn]
    prov = frame["provider"].to_numpy()
    share = np.array([EBE_SHARE[t] for t in TYPES])[w.kind[prov]]
    keep = rng.random(prov.size) < share
    frame = frame[keep]
    prov = prov[keep]
    month = frame["month"].to_numpy()
    visit = cal.day(month, frame["day"].to_numpy())
    keep = visit <= cal.end
    frame, prov, month, visit = frame[keep], prov[keep], month[keep], visit[keep]
    a, b, c = EBE_NEGATIVITY
    negativity = _sigmoid(a + b * h.latent[prov, month] + rng.normal(0, c, prov.size))
    order = np.lexsort((prov, visit))
    authors = rng.integers(1, 151, prov.size)
    return pd.DataFrame(
        {
            "note_id": [f"DEMO-E{i:05d}" for i in range(1, prov.size + 1)],
            "provider_id": w.providers["provider_id"].to_numpy()[prov[order]],
            "visit_on": _iso(visit[order]),
            "text": [
                T.compose_ebe_note(r, float(x), TYPES[k])
                for x, k in zip(negativity[order], w.kind[prov[order]], strict=True)
            ],
            "author": [f"EBE-{x:03d}" for x in authors[order]],
        }
    )


THEME_WEIGHTS: dict[str, dict[str, float]] = {
    "care_home": {
        "staffing": 0.18,
        "dignity_respect": 0.18,
        "food_drink": 0.12,
        "environment_cleanliness": 0.12,
        "communication": 0.15,
        "medicines": 0.08,
        "leadership": 0.1,
        "access_waiting": 0.02,
        "abuse_neglect": 0.05,
    },
    "homecare": {
        "staffing": 0.2,
        "access_waiting": 0.2,
        "communication": 0.2,
        "medicines": 0.1,
        "dignity_respect": 0.15,
        "leadership": 0.1,
        "food_drink": 0.03,
        "abuse_neglect": 0.02,
    },
    "gp_practice": {
        "access_waiting": 0.4,
        "communication": 0.2,
        "staffing": 0.1,
        "medicines": 0.15,
        "dignity_respect": 0.1,
        "leadership": 0.05,
    },
    "hospital": {
        "access_waiting": 0.25,
        "staffing": 0.2,
        "communication": 0.15,
        "dignity_respect": 0.15,
        "environment_cleanliness": 0.1,
        "food_drink": 0.08,
        "medicines": 0.07,
    },
    "mental_health": {
        "communication": 0.25,
        "staffing": 0.2,
        "access_waiting": 0.2,
        "dignity_respect": 0.15,
        "medicines": 0.1,
        "leadership": 0.1,
    },
}


def _themes(r: random.Random, type_name: str) -> list[str]:
    weights = THEME_WEIGHTS[type_name]
    k = r.choices((1, 2, 3), weights=(0.35, 0.45, 0.2))[0]
    chosen: list[str] = []
    while len(chosen) < k:
        theme = r.choices(list(weights), weights=list(weights.values()))[0]
        if theme not in chosen:
            chosen.append(theme)
    return chosen


def _voice_table(region: str, field: str, type_name: str) -> tuple[np.ndarray, np.ndarray]:
    """The groups of one self-description field and their chances, in a region and type."""
    base = LONDON_ETHNICITY if (region == "London" and field == "ethnicity") else None
    mix = base or SELF_DESCRIPTION[field]
    gaps = VOICE_GAPS.get(region, {}).get(field, {})
    lean = AGE_BY_TYPE.get(type_name, {}) if field == "age_band" else {}
    p = np.array([mix[g] * gaps.get(g, 1.0) * lean.get(g, 1.0) for g in mix])
    return np.array(list(mix), dtype=object), p / p.sum()


@dataclass
class _Told:
    """The comments people wrote (copies of a concern not yet included), one per entry."""

    prov: np.ndarray  # true provider
    mon: np.ndarray  # global month
    received: np.ndarray  # datetime64[D]
    media: np.ndarray  # bool: part of a media shock, unrelated to the care


@dataclass
class _Tones:
    """What each comment says and where: channel, tone, serious concern, stars."""

    channel: np.ndarray
    tone: np.ndarray  # negative, mixed, positive
    negative: np.ndarray  # bool
    serious_kind: np.ndarray  # a SERIOUS_KINDS key, or None
    stars: np.ndarray  # 1-5, used where has_star
    has_star: np.ndarray  # bool


@dataclass
class _Rows:
    """Every comment row written: the originals first, then the copies of repeated concerns."""

    prov: np.ndarray  # true provider
    day: np.ndarray  # datetime64[D]
    channel: np.ndarray
    dup_of: np.ndarray  # the original's entry, -1 for an original
    source: np.ndarray  # the entry whose text and person the row carries
    orig: np.ndarray  # for the copies only: the entry each copies


def _comment_times(rng: np.random.Generator, w: _World, h: _History, cal: _Calendar) -> _Told:
    """When each comment arrives: the simulated counts, then media shocks' bursts."""
    prov, mon = _expand(h.comments[:, cal.burn :])
    mon = mon + cal.burn
    day = np.floor(rng.random(prov.size) * cal.days_in(mon))
    media = np.zeros(prov.size, dtype=bool)
    # Media shocks: a burst of angry comments about a story, unrelated to the care.
    window = h.comments[:, cal.burn :]
    alive = w.registered[:, None] <= np.arange(cal.burn, cal.total)[None, :]
    shock = (rng.random(window.shape) < MEDIA_SHOCK) & alive
    s_prov, s_mon = np.nonzero(shock)
    burst = rng.poisson(MEDIA_BURST, s_prov.size)
    m_prov = np.repeat(s_prov, burst)
    m_mon = np.repeat(s_mon + cal.burn, burst)
    m_day = np.repeat(np.floor(rng.random(s_prov.size) * 20), burst) + rng.integers(
        0, 8, m_prov.size
    )
    prov = np.concatenate([prov, m_prov])
    mon = np.concatenate([mon, m_mon])
    day = np.concatenate([day, m_day])
    media = np.concatenate([media, np.ones(m_prov.size, dtype=bool)])
    return _Told(prov=prov, mon=mon, received=cal.day(mon, day), media=media)


def _comment_tones(rng: np.random.Generator, w: _World, h: _History, told: _Told) -> _Tones:
    """Each comment's channel, tone, serious concern (or None) and star rating."""
    size, media = told.prov.size, told.media
    latent = h.latent[told.prov, told.mon]
    channel = _pick(rng, CHANNELS, size)
    channel[media] = np.where(rng.random(media.sum()) < 0.8, "social_media", "review_site")
    a, b, c = NEGATIVE_COMMENT
    p_negative = _sigmoid(a + b * latent + c * w.solicitation[told.prov])
    negative = media | (rng.random(size) < p_negative)
    mixed = ~negative & (rng.random(size) < MIXED_SHARE)
    serious_p = _sigmoid(SERIOUS_COMMENT[0] + SERIOUS_COMMENT[1] * latent)
    serious = negative & ~media & (rng.random(size) < serious_p)
    serious_kind = np.where(serious, _pick(rng, SERIOUS_KINDS, size), None)
    star_pos = rng.choice([5, 4, 3], size, p=[0.6, 0.35, 0.05])
    star_mix = rng.choice([2, 3, 4], size, p=[0.3, 0.45, 0.25])
    star_neg = rng.choice([1, 2, 3], size, p=[0.65, 0.3, 0.05])
    return _Tones(
        channel=channel,
        tone=np.where(negative, "negative", np.where(mixed, "mixed", "positive")),
        negative=negative,
        serious_kind=serious_kind,
        stars=np.where(negative, star_neg, np.where(mixed, star_mix, star_pos)),
        has_star=np.isin(channel, STAR_CHANNELS) & (rng.random(size) < STAR_SHARE),
    )


def _comment_rows(rng: np.random.Generator, told: _Told, tones: _Tones, cal: _Calendar) -> _Rows:
    """The rows written: every comment, plus the same concern told again on other channels
    within days (near-duplicate text), none after the end date."""
    size = told.prov.size
    repeat = tones.negative & ~told.media & (rng.random(size) < REPEATED_CONCERN)
    copies = np.where(repeat, rng.choice([1, 2], size, p=[0.7, 0.3]), 0)
    orig = np.repeat(np.arange(size), copies)
    c_day = told.received[orig] + rng.integers(1, REPEAT_WITHIN_DAYS + 1, orig.size).astype(
        "timedelta64[D]"
    )
    c_channel = np.empty(orig.size, dtype=object)
    for j, o in enumerate(orig):
        options = [x for x in REPEAT_CHANNELS if x != tones.channel[o]]
        c_channel[j] = options[int(rng.integers(len(options)))]
    keep = c_day <= cal.end
    orig, c_day, c_channel = orig[keep], c_day[keep], c_channel[keep]
    return _Rows(
        prov=np.concatenate([told.prov, told.prov[orig]]),
        day=np.concatenate([told.received, c_day]),
        channel=np.concatenate([tones.channel, c_channel]),
        dup_of=np.concatenate([np.full(size, -1), orig]),
        source=np.concatenate([np.arange(size), orig]),
        orig=orig,
    )


def _given_providers(
    rng: np.random.Generator, w: _World, rows: _Rows
) -> tuple[np.ndarray, np.ndarray]:
    """(unlinked, given): which rows carry no provider_id, and the provider each names.

    A few originals name another provider of the same type: a random rank among the others.
    """
    total = rows.prov.size
    unlinked_p = np.array([UNLINKED[x] for x in rows.channel])
    unlinked = rng.random(total) < unlinked_p
    given = rows.prov.copy()
    mis = ~unlinked & (rows.dup_of < 0) & (rng.random(total) < MISATTRIBUTED)
    for t in range(len(TYPES)):
        same = np.flatnonzero(w.kind == t)
        at = np.flatnonzero(mis & (w.kind[rows.prov] == t))
        if same.size < 2 or at.size == 0:
            continue
        own = np.searchsorted(same, rows.prov[at])
        pick = rng.integers(0, same.size - 1, at.size)
        given[at] = same[pick + (pick >= own)]
    return unlinked, given


def _self_descriptions(
    rng: np.random.Generator, w: _World, told: _Told, tones: _Tones
) -> dict[str, np.ndarray]:
    """Each comment's answer per self-description field ("" when not said)."""
    size = told.prov.size
    regions = w.providers["region"].to_numpy()[told.prov]
    answers = rng.random(size) < np.array([ANSWERING[x] for x in tones.channel])
    kinds = w.kind[told.prov]
    described: dict[str, np.ndarray] = {}
    for field_name in SELF_DESCRIPTION:
        described[field_name] = np.full(size, "", dtype=object)
        said = answers & (rng.random(size) < FIELD_ANSWERED)
        for region in REGIONS:
            for t, type_name in enumerate(TYPES):
                m = said & (regions == region) & (kinds == t)
                groups, p = _voice_table(region, field_name, type_name)
                described[field_name][m] = groups[rng.choice(len(groups), m.sum(), p=p)]
    return described


def _comment_texts(
    r: random.Random, w: _World, told: _Told, tones: _Tones, rows: _Rows
) -> tuple[np.ndarray, list[list[str]]]:
    """(every row's text: composed for each comment, reworded for each copy; the themes
    each comment was written about, none for a media storm's)."""
    types = np.array(TYPES, dtype=object)[w.kind]
    size = told.prov.size
    texts = np.empty(size, dtype=object)
    themes: list[list[str]] = [[] for _ in range(size)]
    for i in range(size):
        type_name = types[told.prov[i]]
        if told.media[i]:
            texts[i] = T.compose_media_comment(r, type_name)
        else:
            themes[i] = _themes(r, type_name)
            texts[i] = T.compose_comment(
                r, type_name, tones.tone[i], themes[i], tones.serious_kind[i]
            )
    copies = [T.compose_copy(texts[o], r) for o in rows.orig]
    return np.concatenate([texts, copies]), themes


def _names_as_written(
    r: random.Random, w: _World, rows: _Rows, unlinked: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(provider_name, place) as the person wrote them on rows without a provider_id."""
    names = w.providers["name"].to_numpy()
    towns = w.providers["town"].to_numpy()
    las = w.providers["local_authority"].to_numpy()
    provider_name = np.full(rows.prov.size, "", dtype=object)
    place = np.full(rows.prov.size, "", dtype=object)
    for j in np.flatnonzero(unlinked):
        p = rows.prov[j]
        provider_name[j] = T.name_as_written(names[p], r)
        roll = r.random()
        # The issue: a comment without a provider id names it "misspelt or shortened and a
        # town": a town mostly, sometimes only the local authority.
        place[j] = towns[p] if roll < 0.75 else las[p]
    return provider_name, place


def _comments(
    rng: np.random.Generator, r: random.Random, w: _World, h: _History, cal: _Calendar
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(comments.csv, truth/comments.csv, both in received order with fresh ids; what each
    comment told, as visits.Visited.said reads it)."""
    told = _comment_times(rng, w, h, cal)
    tones = _comment_tones(rng, w, h, told)
    rows = _comment_rows(rng, told, tones, cal)
    unlinked, given = _given_providers(rng, w, rows)
    described = _self_descriptions(rng, w, told, tones)
    row_text, themes = _comment_texts(r, w, told, tones, rows)
    provider_name, place = _names_as_written(r, w, rows, unlinked)

    total = rows.prov.size
    row_star = np.where(
        np.isin(rows.channel, STAR_CHANNELS) & tones.has_star[rows.source],
        tones.stars[rows.source],
        0,
    )
    ids = w.providers["provider_id"].to_numpy()
    order = np.lexsort((np.arange(total), rows.day))
    new_id = np.empty(total, dtype=object)
    new_id[order] = [f"DEMO-C{i:06d}" for i in range(1, total + 1)]
    frame = pd.DataFrame(
        {
            "comment_id": new_id,
            "received_on": _iso(rows.day),
            "text": row_text,
            "provider_id": np.where(unlinked, "", ids[given]),
            "provider_name": provider_name,
            "place": place,
            "channel": rows.channel,
            "rating": pd.array(np.where(row_star > 0, row_star, 0), dtype="Int64"),
            # The person of the original row, told the same on each channel.
            **{f: described[f][rows.source] for f in SELF_DESCRIPTION},
        }
    )
    frame.loc[row_star == 0, "rating"] = pd.NA
    truth = pd.DataFrame(
        {
            "comment_id": new_id,
            "true_provider_id": ids[rows.prov],
            "duplicate_of": np.where(rows.dup_of >= 0, new_id[np.maximum(rows.dup_of, 0)], ""),
        }
    )
    said = pd.DataFrame(
        {
            "provider": told.prov,
            "received": told.received,
            "worrying": tones.negative & ~told.media,
            "serious": pd.notna(tones.serious_kind),
            "themes": themes,
        }
    )
    return (
        frame.iloc[order].reset_index(drop=True),
        truth.iloc[order].reset_index(drop=True),
        said,
    )


def _visited(
    w: _World, h: _History, cal: _Calendar, inspections: pd.DataFrame, said: pd.DataFrame
) -> Visited:
    """What the verdicts are simulated from: every visit in the window made by the end
    date (its rating published or not), the ratings written, the comments told."""
    frame = h.inspections[h.inspections["month"] >= cal.burn]
    inspected = cal.day(frame["month"].to_numpy(), frame["day"].to_numpy())
    keep = inspected <= cal.end
    visits = pd.DataFrame(
        {
            "provider": frame["provider"].to_numpy()[keep],
            "month": frame["month"].to_numpy()[keep],
            "inspected": inspected[keep],
        }
    )
    ratings = pd.DataFrame(
        {
            "provider": inspections["_provider"].to_numpy(),
            "published": inspections["published_on"].to_numpy().astype("datetime64[D]"),
            "overall_k": [RATINGS.index(x) for x in inspections["overall"]],
        }
    )
    burn = np.zeros_like(h.latent, dtype=bool)
    burn[:, : cal.burn] = True
    return Visited(
        ids=w.providers["provider_id"].to_numpy(),
        latent=h.latent,
        harmful=np.where(burn, 0, h.incidents[:, :, 2:].sum(axis=2)),
        alerts=np.where(burn, 0, h.alerts.sum(axis=2)),
        first_month=cal.burn,
        visits=visits,
        ratings=ratings,
        said=said,
    )


# ------------------------------------------------------------------------------ the world
def _month_label(cal: _Calendar, g: np.ndarray) -> np.ndarray:
    return np.datetime_as_string(cal.month(g), unit="M")


def _truth_frames(w: _World, h: _History, cal: _Calendar) -> tuple[pd.DataFrame, pd.DataFrame]:
    ids = w.providers["provider_id"].to_numpy()
    n = len(ids)
    g = np.arange(cal.burn, cal.total)
    prov = np.repeat(np.arange(n), g.size)
    mon = np.tile(g, n)
    alive = w.registered[prov] <= mon
    monthly = pd.DataFrame(
        {
            "provider_id": ids[prov[alive]],
            "month": _month_label(cal, mon[alive]),
            "latent": np.round(h.latent[prov[alive], mon[alive]], 3),
            "failing": h.failing[prov[alive], mon[alive]].astype(int),
        }
    )
    ep = h.episodes.astype(
        dict.fromkeys(("provider", "onset", "ramp", "detected", "recovery", "end"), int)
    ).astype({"delta": float})
    ep = ep[(ep["end"] < 0) | (ep["end"] >= cal.burn)].reset_index(drop=True)

    def label(col: str) -> np.ndarray:
        v = ep[col].to_numpy()
        return np.where(v >= 0, _month_label(cal, np.maximum(v, 0)), "")

    episodes = pd.DataFrame(
        {
            "episode_id": [f"EP{i:05d}" for i in range(1, len(ep) + 1)],
            "provider_id": ids[ep["provider"].to_numpy()],
            "onset": _month_label(cal, ep["onset"].to_numpy()),
            "ramp_months": ep["ramp"].to_numpy(),
            "delta": ep["delta"].to_numpy(),
            "detected": label("detected"),
            "recovery_start": label("recovery"),
            "ended": label("end"),
        }
    )
    return monthly, episodes


def _write(frame: pd.DataFrame, path: Path) -> int:
    frame.to_csv(path, index=False, lineterminator="\n")
    return len(frame)


def write_demo_world(
    folder: Path,
    providers: int = 2000,
    seed: int = 1,
    years: float = 3.5,
    end: dt.date | None = None,
    progress: Progress | None = None,
) -> DemoSummary:
    """Writes the demo world's six contract CSVs and verdicts.csv into `folder` and its truth
    into `truth/`.

    Deterministic for (providers, seed, years, end): the same arguments give byte-identical
    files. `end` (default 2026-06-30) is the last day of evidence; the window is `years`
    long, in whole months ending with end's month. Returns what was written.
    """
    if providers < 1:
        raise ValueError("a demo world needs at least one provider")
    note = progress or (lambda done, message: None)
    folder = Path(folder)
    (folder / "truth").mkdir(parents=True, exist_ok=True)
    end = end or DEFAULT_END
    rng = np.random.default_rng(seed)
    r = random.Random(int(rng.integers(2**62)))
    window = max(1, round(years * 12))
    total = BURN_IN_MONTHS + window
    end_month = np.datetime64(end, "M")
    cal = _Calendar(end_month - (total - 1), BURN_IN_MONTHS, total, np.datetime64(end, "D"))
    month_of_year = (cal.month(np.arange(total)).astype(int) % 12) + 1

    note(0.0, "register")
    world = _make_register(rng, r, providers, total, BURN_IN_MONTHS)
    note(0.1, "latent quality and inspections")
    history = _simulate(rng, world, total, month_of_year)
    rows: dict[str, int] = {}
    rows["providers.csv"] = _write(world.providers, folder / "providers.csv")
    note(0.2, "inspections")
    inspections = _inspections(world, history, cal)
    rows["inspections.csv"] = _write(
        inspections.drop(columns=["_provider", "_month", "_inspected"]), folder / "inspections.csv"
    )
    note(0.25, "incidents")
    rows["incidents.csv"] = _write(_incidents(rng, world, history, cal), folder / "incidents.csv")
    note(0.45, "safeguarding alerts")
    rows["safeguarding.csv"] = _write(
        _safeguarding(rng, r, world, history, cal), folder / "safeguarding.csv"
    )
    note(0.55, "expert-by-experience notes")
    rows["ebe_notes.csv"] = _write(
        _ebe_notes(rng, r, world, history, cal, inspections), folder / "ebe_notes.csv"
    )
    note(0.6, "public comments")
    comments, comment_truth, said = _comments(rng, r, world, history, cal)
    rows["comments.csv"] = _write(comments, folder / "comments.csv")
    note(0.85, "what visits found")
    rows["verdicts.csv"] = _write(
        simulate_verdicts(seed, _visited(world, history, cal, inspections, said), VISIT_VERDICTS),
        folder / "verdicts.csv",
    )
    note(0.9, "truth")
    monthly, episodes = _truth_frames(world, history, cal)
    _write(monthly, folder / "truth" / "providers_monthly.csv")
    _write(episodes, folder / "truth" / "episodes.csv")
    _write(comment_truth, folder / "truth" / "comments.csv")
    assert list(rows) == [f.filename for f in LOADED_FILES]
    note(1.0, "done")
    start = cal.month(np.array([BURN_IN_MONTHS])).astype("datetime64[D]")[0].item()
    return DemoSummary(folder=folder, providers=providers, rows=rows, start=start, end=end)


def run_demo_command(args: argparse.Namespace) -> int:
    """`python -m sources demo DIR`: writes the world, prints files and row counts; 0."""
    began = time.perf_counter()
    summary = write_demo_world(
        args.dir, providers=args.providers, seed=args.seed, years=getattr(args, "years", 3.5)
    )
    took = time.perf_counter() - began
    print(
        f"Demo world: {summary.providers} fictional providers, evidence {summary.start} to "
        f"{summary.end}, seed {args.seed}, written to {summary.folder} in {took:.1f} s"
    )
    for name, count in summary.rows.items():
        print(f"  {name:<18} {count:>9,} rows")
    print("  truth/ (hidden: never loaded): providers_monthly.csv, episodes.csv, comments.csv")
    return 0
