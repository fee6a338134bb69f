"""The demo world: deterministic, in the contract's format, fictional, and true to its truth.

Most tests read the session's small world (`demo_world`: 150 providers, seed 7); the few
that need another world build a tiny one.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from rapidfuzz import fuzz

from sources import load
from sources.__main__ import main
from sources.contract import FILES, LOADED_FILES, PROVIDERS, enum_key
from sources.demo import world as demo
from tests.conftest import SHARED

TRUTH_FILES = ("providers_monthly.csv", "episodes.csv", "comments.csv")


def read(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / name, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def world(demo_world: demo.DemoSummary) -> dict[str, pd.DataFrame]:
    folder = demo_world.folder
    frames = {f.filename: read(folder, f.filename) for f in FILES}
    for name in TRUTH_FILES:
        frames[f"truth/{name}"] = read(folder / "truth", name)
    return frames


def all_bytes(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*.csv"))}


def test_the_same_seed_writes_the_same_bytes_and_another_seed_differs(tmp_path: Path) -> None:
    a = demo.write_demo_world(tmp_path / "a", providers=40, seed=3, years=1.5)
    b = demo.write_demo_world(tmp_path / "b", providers=40, seed=3, years=1.5)
    c = demo.write_demo_world(tmp_path / "c", providers=40, seed=4, years=1.5)
    first = all_bytes(a.folder)
    assert len(first) == len(LOADED_FILES) + len(TRUTH_FILES)
    assert first == all_bytes(b.folder)
    other = all_bytes(c.folder)
    assert other.keys() == first.keys()
    assert all(other[name] != first[name] for name in first)
    assert a.rows == b.rows


def test_the_window_ends_on_the_fixed_default_date(demo_world: demo.DemoSummary) -> None:
    assert demo_world.end == dt.date(2026, 6, 30)
    assert demo_world.start == dt.date(2023, 1, 1)  # 3.5 years = 42 whole months
    incidents = read(demo_world.folder, "incidents.csv")
    assert incidents["occurred_on"].min() >= "2023-01-01"
    assert incidents["reported_on"].max() <= "2026-06-30"


def test_a_mid_month_end_date_bounds_every_date(tmp_path: Path) -> None:
    end = dt.date(2025, 3, 14)
    made = demo.write_demo_world(tmp_path, providers=60, seed=2, years=1.0, end=end)
    assert made.end == end and made.start == dt.date(2024, 4, 1)
    for spec in FILES:
        frame = read(tmp_path, spec.filename)
        for col in spec.columns:
            if col.kind == "date":
                assert frame[col.name].max() <= end.isoformat(), (spec.filename, col.name)


@pytest.mark.parametrize("spec", FILES, ids=lambda s: s.filename)
def test_every_file_follows_the_contract(
    world: dict[str, pd.DataFrame], demo_world: demo.DemoSummary, spec
) -> None:
    frame = world[spec.filename]
    assert tuple(frame.columns) == spec.column_names
    assert len(frame) == demo_world.rows[spec.filename] > 0
    ids = frame[spec.id_column]
    assert ids.ne("").all() and ids.is_unique
    known = set(world["providers.csv"]["provider_id"])
    for col in spec.columns:
        values = frame[col.name]
        given = values[values.ne("")]
        if col.required:
            assert len(given) == len(values), f"{col.name} has empty required values"
        if col.kind == "enum":
            allowed = set(col.canonical())
            assert {enum_key(v) for v in given} <= allowed, col.name
            assert set(given) <= set(col.values), f"{col.name}: not in the contract's spelling"
        elif col.kind == "date":
            assert given.str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
            pd.to_datetime(given, format="%Y-%m-%d")  # real calendar dates
        elif col.kind == "positive_int":
            assert (given.astype(int) > 0).all()
        elif col.kind == "star":
            assert set(given) <= {"1", "2", "3", "4", "5"}
        elif col.kind == "decimal":
            assert given.astype(float).notna().all()
    if "provider_id" in spec.column_names and spec is not PROVIDERS:
        named = frame["provider_id"][frame["provider_id"].ne("")]
        assert set(named) <= known


def test_providers_are_fictional_and_spread_over_englands_regions(
    world: dict[str, pd.DataFrame],
) -> None:
    providers = world["providers.csv"]
    assert providers["provider_id"].str.fullmatch(r"DEMO-\d{5}").all()
    assert not providers["provider_id"].str.match(r"^1-\d").any()  # never a CQC location id
    for spec in FILES:
        assert world[spec.filename][spec.id_column].str.startswith("DEMO-").all()
    # Postcode areas no real UK postcode uses.
    assert providers["postcode"].str.fullmatch(r"[QX][A-Z]\d \d[A-Z]{2}").all()
    assert set(providers["region"]) == set(demo.REGIONS)
    assert set(providers["type"]) == set(demo.TYPES)
    for region, (_, lat0, lat1, lon0, lon1) in demo.REGIONS.items():
        here = providers[providers["region"] == region]
        assert here["latitude"].astype(float).between(lat0 - 0.05, lat1 + 0.05).all()
        assert here["longitude"].astype(float).between(lon0 - 0.05, lon1 + 0.05).all()
    size = providers.assign(capacity=providers["capacity"].astype(int))
    medians = size.groupby("type")["capacity"].median()
    assert medians["gp_practice"] > 2000 > medians["hospital"] > medians["care_home"] > 5
    # Stock names recur in different towns: look-alikes for the linker.
    repeated = providers.groupby("name")["town"].nunique()
    assert (repeated > 1).sum() >= 3
    assert not providers.duplicated(["name", "town"]).any()
    assert providers["organisation"].duplicated().any()  # some belong to chains


def test_invented_places_are_not_real_places(world: dict[str, pd.DataFrame]) -> None:
    register = SHARED / "data" / "cqc" / "cqc_locations_2021.csv"
    if not register.exists():
        pytest.skip("the real register is not on this machine")
    # Real services are often named after their town ("Brackley Medical Centre"), so every
    # word of the real names and local authorities stands in for a list of real places.
    real = pd.read_csv(
        register, usecols=["Location.Name", "Provider.Name", "Location.Local.Authority"]
    )
    real_words = {w.lower() for v in real.stack().astype(str) for w in re.findall(r"[A-Za-z]+", v)}
    real_las = {str(v).strip().lower() for v in real["Location.Local.Authority"].dropna()}
    r = random.Random(0)
    towns = [*demo.T.town_names(r, 600), *world["providers.csv"]["town"]]
    las = [demo.T.local_authority_name(r, towns[i : i + 3]) for i in range(0, 600, 3)]
    las += list(world["providers.csv"]["local_authority"])
    assert not {t.split(" ")[-1].lower() for t in towns} & real_words
    assert not {x.lower() for x in las} & real_las


def test_about_a_third_of_comments_name_no_provider_and_their_truth_names_one(
    world: dict[str, pd.DataFrame],
) -> None:
    comments = world["comments.csv"].merge(world["truth/comments.csv"], on="comment_id")
    providers = world["providers.csv"].set_index("provider_id")
    unlinked = comments[comments["provider_id"].eq("")]
    assert 0.25 < len(unlinked) / len(comments) < 0.45
    assert unlinked["true_provider_id"].isin(providers.index).all()
    assert unlinked["provider_name"].ne("").all()
    true = providers.loc[unlinked["true_provider_id"]]
    names = list(zip(unlinked["provider_name"], true["name"], strict=True))
    # Written the way people write: often not the registered spelling, yet recognisable.
    assert 0.4 < np.mean([w != n for w, n in names]) < 0.95
    assert np.mean([fuzz.token_set_ratio(w.lower(), n.lower()) >= 70 for w, n in names]) > 0.9
    places = unlinked["place"].to_numpy()
    where = np.isin(places, [*true["town"], *true["local_authority"], ""])
    assert where.all()
    assert (places == true["town"].to_numpy()).mean() > 0.5
    # Comments that name a provider mostly name the true one (a few are misattributed).
    linked = comments[comments["provider_id"].ne("")]
    right = (linked["provider_id"] == linked["true_provider_id"]).mean()
    assert 0.9 < right < 1.0


def with_latent(frame: pd.DataFrame, truth: pd.DataFrame, date: str, who: str) -> pd.DataFrame:
    frame = frame.assign(month=frame[date].str[:7])
    merged = frame.merge(truth, left_on=[who, "month"], right_on=["provider_id", "month"])
    merged["latent"] = merged["latent"].astype(float)
    merged["band"] = pd.qcut(merged["latent"], 5, labels=False)
    return merged


def test_worse_care_means_more_severe_incidents_alerts_and_negative_comments(
    world: dict[str, pd.DataFrame],
) -> None:
    truth = world["truth/providers_monthly.csv"]
    incidents = with_latent(world["incidents.csv"], truth, "occurred_on", "provider_id")
    severe = incidents["harm"].isin(["moderate", "severe", "death"]).groupby(incidents["band"])
    share = severe.mean()
    assert share.is_monotonic_increasing
    assert share[4] > 2 * share[0]

    alerts = with_latent(world["safeguarding.csv"], truth, "raised_on", "provider_id")
    high = alerts["risk_level"].eq("high").groupby(alerts["band"]).mean()
    assert high[4] > high[0] + 0.1

    comments = world["comments.csv"].merge(world["truth/comments.csv"], on="comment_id")
    comments = with_latent(comments, truth, "received_on", "true_provider_id")
    rated = comments[comments["rating"].ne("")]
    low = rated["rating"].astype(int).le(2).groupby(rated["band"]).mean()
    assert low[4] > low[0] + 0.15
    serious = re.compile(r"abuse|neglect|bruise|died|scared|afraid|frightened|broken")
    flagged = comments["text"].str.lower().str.contains(serious).groupby(comments["band"])
    assert flagged.mean()[4] > 2 * flagged.mean()[0]


def test_good_services_report_more_harmless_incidents_for_their_size(
    world: dict[str, pd.DataFrame],
) -> None:
    # Reporting culture: per bed, the best care homes report at least as many no/low-harm
    # incidents as the worst, while the worst report far more moderate-or-worse ones.
    providers = world["providers.csv"]
    homes = providers[providers["type"] == "care_home"].set_index("provider_id")
    truth = world["truth/providers_monthly.csv"]
    level = truth.assign(latent=truth["latent"].astype(float)).groupby("provider_id")["latent"]
    quality = level.mean().reindex(homes.index)
    incidents = world["incidents.csv"]
    mild = incidents["harm"].isin(["none", "low"])
    beds = homes["capacity"].astype(int)

    def per_bed(rows: pd.DataFrame) -> pd.Series:
        return rows.groupby("provider_id").size().reindex(homes.index, fill_value=0) / beds

    best, worst = quality <= quality.quantile(0.3), quality >= quality.quantile(0.7)
    assert per_bed(incidents[mild])[best].mean() > 0.8 * per_bed(incidents[mild])[worst].mean()
    harmful = per_bed(incidents[~mild])
    assert harmful[worst].mean() > 1.5 * harmful[best].mean()


def test_signals_before_a_cut_off_lead_the_ratings_after_it(tmp_path: Path) -> None:
    # What the backtest scores against: harmful incidents and high-risk alerts in the year
    # before a cut-off rank the providers later rated RI/Inadequate high, while the raw
    # incident count does not (reporting culture: good services report more harmless ones).
    made = demo.write_demo_world(tmp_path, providers=600, seed=11, years=3.0)
    providers = read(tmp_path, "providers.csv").set_index("provider_id")
    incidents = read(tmp_path, "incidents.csv")
    alerts = read(tmp_path, "safeguarding.csv")
    inspections = read(tmp_path, "inspections.csv")
    cut = made.end - dt.timedelta(days=450)
    year_before = (cut - dt.timedelta(days=365)).isoformat()

    def per_size(rows: pd.DataFrame, date: str) -> pd.Series:
        rows = rows[rows[date].between(year_before, cut.isoformat())]
        count = rows.groupby("provider_id").size().reindex(providers.index, fill_value=0)
        rate = count / providers["capacity"].astype(int)
        return rate.groupby(providers["type"]).rank(pct=True)  # size units differ by type

    after = inspections[
        inspections["published_on"].between(
            cut.isoformat(), (cut + dt.timedelta(days=365)).isoformat()
        )
    ]
    first = after.sort_values("published_on").groupby("provider_id").head(1)
    poor = first.set_index("provider_id")["overall"].isin(["Requires improvement", "Inadequate"])
    assert 40 < len(poor) and 0.1 < poor.mean() < 0.7

    def auc(signal: pd.Series) -> float:
        s = signal.reindex(poor.index).to_numpy()
        hi, lo = s[poor.to_numpy()][:, None], s[~poor.to_numpy()][None, :]
        return float((hi > lo).mean() + 0.5 * (hi == lo).mean())

    harmful = per_size(
        incidents[incidents["harm"].isin(["moderate", "severe", "death"])], "reported_on"
    )
    every = per_size(incidents, "reported_on")
    high = per_size(alerts[alerts["risk_level"].eq("high")], "raised_on")
    assert auc(harmful) > 0.65
    assert auc(high) > 0.65
    assert auc(every) < auc(harmful) - 0.1


def test_failing_episodes_are_in_the_truth_and_the_regulator_finds_most(
    world: dict[str, pd.DataFrame],
) -> None:
    episodes = world["truth/episodes.csv"]
    monthly = world["truth/providers_monthly.csv"]
    assert len(episodes) >= 5
    failing = monthly["failing"].eq("1")
    assert 0.005 < failing.mean() < 0.1
    latent = monthly["latent"].astype(float)
    assert latent[failing].mean() > latent[~failing].mean() + 1.5
    assert episodes["detected"].ne("").mean() > 0.4
    assert set(episodes["provider_id"]) <= set(world["providers.csv"]["provider_id"])
    inspections = world["inspections.csv"]
    latest = inspections.sort_values("published_on").groupby("provider_id").tail(1)
    shares = latest["overall"].value_counts(normalize=True)
    assert shares["Good"] > 0.6
    assert shares.get("Inadequate", 0) < 0.1
    assert inspections["published_on"].min() < "2023-01-01"  # a ratings history before


def test_self_descriptions_are_partial_and_their_gaps_differ_by_region(
    world: dict[str, pd.DataFrame],
) -> None:
    comments = world["comments.csv"].merge(world["truth/comments.csv"], on="comment_id")
    region = world["providers.csv"].set_index("provider_id")["region"]
    comments["region"] = comments["true_provider_id"].map(region)
    answered = comments[["age_band", "carer", "disability", "ethnicity"]].ne("").any(axis=1)
    assert 0.25 < answered.mean() < 0.5
    for field, groups in demo.SELF_DESCRIPTION.items():
        assert set(comments[field]) - {""} <= set(groups)

    def share(field: str, group: str, where: pd.Series) -> float:
        said = comments[where & comments[field].ne("")]
        return float((said[field] == group).mean())

    north_east, london = comments["region"].eq("North East"), comments["region"].eq("London")
    assert share("age_band", "18-24", north_east) < 0.03
    assert share("age_band", "18-24", ~north_east) > 0.06
    assert share("carer", "yes", london) < 0.08
    assert share("carer", "yes", ~london) > 0.2
    # Relatives write about care homes; younger people about GPs and mental health services.
    kind = comments["true_provider_id"].map(world["providers.csv"].set_index("provider_id")["type"])
    young = kind.isin(["gp_practice", "mental_health"])
    assert share("age_band", "45-64", kind.eq("care_home")) > share("age_band", "45-64", young)
    assert share("age_band", "18-24", young) > 2 * share("age_band", "18-24", kind.eq("care_home"))


def test_most_providers_hear_from_the_public_and_a_few_hear_nothing(
    world: dict[str, pd.DataFrame], demo_world: demo.DemoSummary
) -> None:
    comments = world["comments.csv"].merge(world["truth/comments.csv"], on="comment_id")
    year_ago = (demo_world.end - dt.timedelta(days=365)).isoformat()
    recent = comments[comments["received_on"] > year_ago]
    providers = world["providers.csv"]
    heard = providers["provider_id"].map(recent["true_provider_id"].value_counts()).fillna(0)
    usual = providers["type"].isin(["care_home", "gp_practice", "hospital"])
    assert 0.02 < heard[usual].eq(0).mean() < 0.25  # "no recent voice" for the app to find
    assert heard[providers["type"].eq("hospital")].gt(0).all()


def test_one_concern_arrives_on_several_channels_and_the_truth_says_which(
    world: dict[str, pd.DataFrame],
) -> None:
    comments = world["comments.csv"].merge(world["truth/comments.csv"], on="comment_id")
    by_id = comments.set_index("comment_id")
    copies = comments[comments["duplicate_of"].ne("")]
    assert len(copies) >= 20
    original = by_id.loc[copies["duplicate_of"]]
    assert (copies["true_provider_id"].to_numpy() == original["true_provider_id"]).all()
    gap = (
        pd.to_datetime(copies["received_on"]).to_numpy()
        - pd.to_datetime(original["received_on"]).to_numpy()
    ) / np.timedelta64(1, "D")
    assert gap.min() >= 1 and gap.max() <= demo.REPEAT_WITHIN_DAYS
    assert (copies["channel"].to_numpy() != original["channel"]).all()
    assert copies["channel"].isin(demo.REPEAT_CHANNELS).all()
    assert original["duplicate_of"].eq("").all()  # copies point at the first telling
    similar = [
        fuzz.token_set_ratio(a.lower(), b.lower())
        for a, b in zip(copies["text"], original["text"], strict=True)
    ]
    assert min(similar) >= 85


def test_the_duplicate_finder_recovers_the_copies_without_merging_strangers(
    world: dict[str, pd.DataFrame],
) -> None:
    from sources.duplicates import find_duplicates

    comments = world["comments.csv"].merge(world["truth/comments.csv"], on="comment_id")
    comments["provider_id"] = comments["true_provider_id"]
    found = find_duplicates(comments[["comment_id", "provider_id", "received_on", "text"]])
    truth = dict(
        zip(comments["comment_id"], comments["duplicate_of"], strict=True)
    )  # copy -> original
    copies = {k for k, v in truth.items() if v}
    right = sum(1 for k, v in found.items() if truth[k] == v or (truth[k] and truth[k] == truth[v]))
    assert right / len(copies) > 0.9
    assert right / len(found) > 0.85


def test_progress_is_reported_from_zero_to_one(tmp_path: Path) -> None:
    seen: list[tuple[float, str]] = []
    demo.write_demo_world(
        tmp_path, providers=10, seed=1, years=0.5, progress=lambda f, m: seen.append((f, m))
    )
    fractions = [f for f, _ in seen]
    assert fractions[0] == 0.0 and fractions[-1] == 1.0
    assert fractions == sorted(fractions)
    assert all(m for _, m in seen)


def test_more_providers_scale_the_volumes_about_linearly(tmp_path: Path) -> None:
    small = demo.write_demo_world(tmp_path / "s", providers=50, seed=5, years=1.0)
    large = demo.write_demo_world(tmp_path / "l", providers=200, seed=5, years=1.0)
    ratio = large.rows["incidents.csv"] / small.rows["incidents.csv"]
    assert 2 < ratio < 8


def test_the_command_prints_files_and_row_counts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", str(tmp_path), "--providers", "25", "--seed", "2", "--years", "1"]) == 0
    out = capsys.readouterr().out
    for spec in FILES:
        rows = len(read(tmp_path, spec.filename))
        assert re.search(rf"{re.escape(spec.filename)}\s+{rows:,} rows", out), out
    assert "truth/" in out
    assert (tmp_path / "truth" / "providers_monthly.csv").exists()


def test_the_small_world_loads_with_no_problems(engine, demo_world: demo.DemoSummary) -> None:
    result = load.load_folder(engine, demo_world.folder, by="test")
    assert result.ok, [str(p) for p in result.problems[:5]]
    assert not result.problems
    assert result.added == demo_world.rows
