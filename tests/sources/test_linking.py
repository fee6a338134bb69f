"""Linking a comment to a provider from the name as written and the place: never a guess."""

from __future__ import annotations

import pandas as pd
import pytest

from sources.linking import AUTO_LINK_THRESHOLD, Linker, LinkResult, split_name

REGISTER = pd.DataFrame(
    [
        ("ch-1", "Oakwood House", "care_home", "Bexley", "Bexley", "DA5 1AA"),
        ("ch-2", "Oakwood House", "care_home", "Harrogate", "North Yorkshire", "HG1 2AB"),
        ("ch-3", "Oakwood Lodge", "care_home", "Bexley", "Bexley", "DA5 1AB"),
        ("gp-1", "Church Street Surgery", "gp_practice", "Bexley", "Bexley", "DA5 2AA"),
        ("ch-4", "Church Street Care Home", "care_home", "Bexley", "Bexley", "DA5 3AA"),
        ("ch-5", "Rosewood Court Nursing Home", "care_home", "Exeter", "Devon", "EX1 2QE"),
        ("ho-1", "St Mary's Hospital", "hospital", "Leeds", "Leeds", "LS2 9AA"),
        ("hc-1", "Bright Futures Home Care Ltd", "homecare", "Hull", "Kingston upon Hull", "HU1"),
        ("gp-2", "The Meadows Medical Practice", "gp_practice", "Harrogate", "North Yorkshire", ""),
        ("ch-6", "Meadowbank", "care_home", "Harrogate", "North Yorkshire", "HG2 1AA"),
        ("ch-7", "The Willows", "care_home", "Bexley", "Bexley", "DA6 1AA"),
        ("ch-8", "The Willows", "care_home", "Leeds", "Leeds", "LS6 1AA"),
        ("ch-9", "Willow Bank", "care_home", "Leeds", "Leeds", "LS7 1AA"),
    ],
    columns=["provider_id", "name", "type", "town", "local_authority", "postcode"],
)


@pytest.fixture(scope="module")
def linker() -> Linker:
    return Linker(REGISTER)


@pytest.mark.parametrize(
    ("name", "place", "expected"),
    [
        # Look-alike names in two towns: the place decides.
        ("Oakwood House", "Bexley", "ch-1"),
        ("Oakwood House", "Harrogate", "ch-2"),
        ("The Willows", "Leeds", "ch-8"),
        ("the willows care home", "bexley", "ch-7"),
        # Misspelt names and places.
        ("Oakwod Hose", "Bexley", "ch-1"),
        ("Oakwood House", "Harogate", "ch-2"),
        ("Brigth Futures", "Hull", "hc-1"),
        ("St Marys hospital", "Leeds", "ho-1"),
        # Shortened names, abbreviations and type words, punctuation and case.
        ("ROSEWOOD COURT", "Exeter", "ch-5"),
        ("Church St Surgery", "Bexley", "gp-1"),
        ("church street care home", "Bexley", "ch-4"),
        ("Meadows medical centre", "Harrogate", "gp-2"),
        # The place as a local authority or a postcode district, or inside a longer phrase.
        ("Rosewood Court", "Devon", "ch-5"),
        ("Oakwood House", "near Harrogate, North Yorkshire", "ch-2"),
        ("Meadowbank", "HG2", "ch-6"),
        # No place, but the name is the register's only one.
        ("Bright Futures Home Care", None, "hc-1"),
        ("Rosewood Court Nursing Home", "", "ch-5"),
    ],
)
def test_links_what_a_person_would(linker: Linker, name: str, place: str | None, expected: str):
    result = linker.link(name, place)
    assert result.provider_id == expected, result
    assert result.confidence >= AUTO_LINK_THRESHOLD
    assert result.candidates[0][0] == expected


@pytest.mark.parametrize(
    ("name", "place"),
    [
        # The same name in two towns and no (usable) place: never pick one.
        ("Oakwood House", None),
        ("The Willows", ""),
        ("Oakwood House", "Manchester"),
        # A place with neither: a same-name home elsewhere is not this one.
        ("Oakwood House", "Leeds"),
        # Shortened to what two providers in the town share.
        ("Oakwood", "Bexley"),
        ("Church Street", "Bexley"),
        # Nothing like it in the register, or nothing to go on.
        ("Zzyzx Manor", "Leeds"),
        (None, "Leeds"),
        ("", None),
        ("Ltd", "Bexley"),
    ],
)
def test_leaves_unlinked_when_unsure(linker: Linker, name: str | None, place: str | None):
    result = linker.link(name, place)
    assert result.provider_id is None, result
    assert 0.0 <= result.confidence <= 1.0


def test_same_name_without_place_offers_both_to_a_person(linker: Linker):
    result = linker.link("Oakwood House", None)
    offered = {pid for pid, _ in result.candidates}
    assert {"ch-1", "ch-2"} <= offered
    assert result.candidates[0][1] == result.candidates[1][1]


def test_type_word_weighs_but_does_not_override_the_name(linker: Linker):
    # "Surgery" with a care home's name in its town: the type disagrees, the name wins.
    assert linker.link("Rosewood Court Surgery", "Exeter").provider_id == "ch-5"
    surgery = linker.link("Church Street Surgery", "Bexley")
    home = next(c for pid, c in surgery.candidates if pid == "ch-4")
    assert surgery.provider_id == "gp-1" and home < surgery.confidence


def test_place_found_in_the_text_when_not_given(linker: Linker):
    text = "My mum lived at Oakwood House in Harrogate for two years and was well cared for."
    assert linker.link("Oakwood House", None, text).provider_id == "ch-2"
    both = "Visited Oakwood House; we drove from Bexley to Harrogate."
    assert linker.link("Oakwood House", None, both).provider_id is None


def test_link_many_matches_link_row_by_row(linker: Linker):
    rows = pd.DataFrame(
        {
            "provider_name": ["Oakwood House", None, "The Willows", "Bright Futures"],
            "place": ["Bexley", "Leeds", None, "Hull"],
            "text": ["ok", "who?", "in Leeds", None],
        }
    )
    results = linker.link_many(rows)
    assert all(isinstance(r, LinkResult) for r in results)
    assert [r.provider_id for r in results] == ["ch-1", None, "ch-8", "hc-1"]


def test_a_register_of_one_type_word_names_still_links():
    register = pd.DataFrame(
        {
            "provider_id": ["a", "b"],
            "name": ["The Surgery", "The Surgery"],
            "type": ["gp_practice"] * 2,
            "town": ["Ash", "Elm"],
            "local_authority": ["Kent", "Kent"],
            "postcode": ["", ""],
        }
    )
    linker = Linker(register)
    assert linker.link("the surgery", "Elm").provider_id == "b"
    assert linker.link("the surgery", "Kent").provider_id is None


def test_split_name_separates_type_words():
    parts = split_name("The Oakwood Nursing Home Ltd")
    assert parts.words == ("oakwood",) and parts.type_hint == "care_home"
    assert split_name("St Mary's Surgery").words == ("saint", "mary", "s")
    assert split_name("Church St").words == ("church", "street")


def test_missing_values_as_pandas_reads_them():
    register = REGISTER.copy()
    register.loc[0, ["town", "postcode"]] = float("nan")
    register.loc[1, "type"] = None
    linker = Linker(register)
    rows = pd.DataFrame(
        {"provider_name": ["Rosewood Court", float("nan")], "place": [float("nan"), "Leeds"]}
    )
    assert [r.provider_id for r in linker.link_many(rows)] == ["ch-5", None]
    # Still found through its local authority when its town is missing.
    assert linker.link("Oakwood House", "Bexley").provider_id == "ch-1"


SAME_STEM = pd.DataFrame(
    [
        ("gp-a", "Mill House Surgery", "gp_practice", "Ashby", "Ashby District", ""),
        ("gp-b", "Mill House Family Practice", "gp_practice", "Ashby", "Ashby District", ""),
        ("hc-a", "Rosedale Home Care", "homecare", "Ashby", "Ashby District", ""),
        ("hc-b", "Rosedale Domiciliary Care", "homecare", "Ashby", "Ashby District", ""),
        ("ch-a", "Greenacres Court", "care_home", "Barnard", "Barnard District", ""),
        ("ch-b", "Greenacres House", "care_home", "Corbridge", "Corbridge District", ""),
        ("ch-c", "The Cedar", "care_home", "Barnard", "Barnard District", ""),
        ("ch-d", "Cedar Lodge", "care_home", "Dunmow", "Dunmow District", ""),
        ("ch-e", "The Brookfield", "care_home", "Ellesmere", "Ellesmere District", ""),
        ("hc-e", "Brookfield Home Care", "homecare", "Ellesmere", "Ellesmere District", ""),
        ("ch-f", "Cedar Residential Home", "care_home", "Fakenham", "Fakenham District", ""),
        ("mh-g", "Northfield Centre", "mental_health", "Gisburn", "Gisburn District", ""),
        ("gp-g", "Northfield Medical Centre", "gp_practice", "Gisburn", "Gisburn District", ""),
        ("hc-h", "Redwood Home Care", "homecare", "Hexham", "Hexham District", ""),
        ("hc-i", "Redwood Homecare Services", "homecare", "Hexham", "Hexham District", ""),
    ],
    columns=["provider_id", "name", "type", "town", "local_authority", "postcode"],
)


@pytest.fixture(scope="module")
def neighbours() -> Linker:
    """SAME_STEM in a register of national proportions: its words are rare, its type words not."""
    filler = [
        (f"f{len(FIRST) * j + i}", f"{a}{b} {suffix}", kind, "Gisburn", "Gisburn District", "")
        for i, a in enumerate(f for f in FIRST if f != "Cedar")
        for j, b in enumerate(SECOND)
        for suffix, kind in KINDS
    ]
    return Linker(pd.concat([SAME_STEM, pd.DataFrame(filler, columns=SAME_STEM.columns)]))


@pytest.mark.parametrize(
    ("name", "place", "expected"),
    [
        # Two providers share the name words in one town: the type words as written decide.
        ("Mill House Surgery", "Ashby", "gp-a"),
        ("mill house family practice", "Ashby", "gp-b"),
        # "Homecare" is "Home Care" run together, not "Domiciliary Care".
        ("Rosedale Homecare", "Ashby", "hc-a"),
        # Written exactly as one's own name, not as the other's name shortened.
        ("Northfield Centre", "Gisburn", "mh-g"),
        ("redwood home care", "Hexham", "hc-h"),
        ("Redwood Homecare Services", "Hexham", "hc-i"),
        # Without the type words nothing tells them apart: a person decides.
        ("Mill House", "Ashby", None),
        ("Rosedale", "Ashby", None),
        ("Northfield", "Gisburn", None),
        ("Redwood", "Hexham", None),
    ],
)
def test_type_words_as_written_tell_same_name_neighbours_apart(
    neighbours: Linker, name: str, place: str, expected: str | None
):
    assert neighbours.link(name, place).provider_id == expected


@pytest.mark.parametrize(
    ("name", "place", "expected"),
    [
        # Two known words run together, even when the run looks like one of them misspelt.
        ("greenacrescourt", "Barnard District", "ch-a"),
        ("GreenacresHouse", None, "ch-b"),
        # "The" run into the name.
        ("TheCedar", "Barnard", "ch-c"),
        # A name run into its type words: the type phrase is read whole again.
        ("CedarResidential Home", None, "ch-f"),
    ],
)
def test_words_run_together_are_split(
    neighbours: Linker, name: str, place: str | None, expected: str
):
    assert neighbours.link(name, place).provider_id == expected


@pytest.mark.parametrize(
    ("name", "place", "expected"),
    [
        # "The Brookfield" is the home of that name, not Brookfield Home Care next door,
        ("the brookfield", "Ellesmere", "ch-e"),
        ("The Brookfeild", "Ellesmere", "ch-e"),
        # but "Brookfield" alone may be either.
        ("Brookfield", "Ellesmere", None),
    ],
)
def test_a_leading_the_as_written_counts(
    neighbours: Linker, name: str, place: str, expected: str | None
):
    assert neighbours.link(name, place).provider_id == expected


def test_type_words_written_count_against_a_name_without_them(neighbours: Linker):
    # No place: "Cedar Residential Home" is the one so named, not The Cedar or Cedar Lodge.
    result = neighbours.link("Cedar Residential Home", None)
    assert result.provider_id == "ch-f", result
    # "Cedar" alone is any of the three.
    assert neighbours.link("Cedar", None).provider_id is None


FIRST = ("Oak", "Ash", "Elm", "Rose", "Willow", "Beech", "Holly", "Maple", "Cedar", "Birch")
SECOND = ("wood", "field", "bank", "dene", "lea", "mead", "croft", "hurst")
KINDS = (
    ("House", "care_home"),
    ("Lodge", "care_home"),
    ("Court Nursing Home", "care_home"),
    ("Surgery", "gp_practice"),
    ("Medical Practice", "gp_practice"),
    ("Home Care", "homecare"),
)
TOWNS = ("Ashby", "Barnard", "Corbridge", "Dunmow", "Ellesmere", "Fakenham", "Gisburn", "Hexham")


def lookalike_world(seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A register where many names recur in several towns, and names as people write them."""
    import random

    rng = random.Random(seed)
    rows, seen = [], set()
    while len(rows) < 240:
        stem = rng.choice(FIRST) + rng.choice(SECOND)
        suffix, kind = rng.choice(KINDS)
        town = rng.choice(TOWNS)
        if (stem, suffix, town) in seen:
            continue
        seen.add((stem, suffix, town))
        # A third of names exist in a second town too: the look-alikes.
        towns = [town] + (
            [rng.choice([t for t in TOWNS if (stem, suffix, t) not in seen])]
            if rng.random() < 0.33
            else []
        )
        for t in towns:
            seen.add((stem, suffix, t))
            rows.append((f"p{len(rows)}", f"{stem} {suffix}", kind, t, f"{t} District", ""))
    register = pd.DataFrame(
        rows, columns=["provider_id", "name", "type", "town", "local_authority", "postcode"]
    )

    def typo(word: str) -> str:
        i = rng.randrange(1, len(word) - 1)
        return word[:i] + word[i + 1 :] if rng.random() < 0.5 else word[:i] + word[i] + word[i:]

    written = []
    for _ in range(600):
        provider = register.iloc[rng.randrange(len(register))]
        words = provider["name"].split()
        roll = rng.random()
        if roll < 0.3:
            words[0] = typo(words[0])
        elif roll < 0.45 and len(words) > 2:
            words = words[:2]
        name = " ".join(words)
        name = name.lower() if rng.random() < 0.3 else name
        place = provider["town"] if rng.random() < 0.85 else typo(provider["town"])
        written.append((name, place, provider["provider_id"]))
    comments = pd.DataFrame(written, columns=["provider_name", "place", "true_provider_id"])
    return register, comments


@pytest.mark.parametrize("seed", [1, 2])
def test_lookalike_world_precision_and_coverage(seed: int):
    register, comments = lookalike_world(seed)
    results = Linker(register).link_many(comments)
    chosen = pd.Series([r.provider_id for r in results])
    linked = chosen.notna()
    precision = (chosen[linked] == comments.loc[linked, "true_provider_id"]).mean()
    assert precision >= 0.98
    assert linked.mean() >= 0.85


def test_demo_world_links_precisely(demo_world):
    """On the small demo world, the comments without an id link as the truth says."""
    folder = demo_world.folder
    providers = pd.read_csv(folder / "providers.csv", dtype=str, keep_default_na=False)
    comments = pd.read_csv(folder / "comments.csv", dtype=str, keep_default_na=False)
    truth = pd.read_csv(folder / "truth" / "comments.csv", dtype=str, keep_default_na=False)
    unlinked = comments[comments["provider_id"].str.strip() == ""].merge(
        truth[["comment_id", "true_provider_id"]], on="comment_id"
    )
    assert len(unlinked) >= 50
    results = Linker(providers).link_many(unlinked)
    chosen = pd.Series([r.provider_id for r in results], index=unlinked.index)
    linked = chosen.notna()
    precision = (chosen[linked] == unlinked.loc[linked, "true_provider_id"]).mean()
    assert precision >= 0.98
    assert linked.mean() >= 0.85
