"""Phrase banks and text assembly for the demo world: names, towns, comments, notes, alerts.

Everything here is invented. Towns and local authorities are made from word parts chosen so
that they do not name a real English place; provider names are stock care-sector names
("Oakwood House", "Meadowbank Surgery") placed in those invented towns, and repeated on
purpose in different towns so the linker meets look-alikes.

The functions take a `random.Random` (seeded from the generator's numpy Generator) because
assembling tens of thousands of short texts one draw at a time is several times faster with
it than with numpy, and stays just as deterministic.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

# ---------------------------------------------------------------------------- places
# Word parts for invented towns: birds and wild plants rarely name English places, so their
# combinations ("Gannetby", "Ploverstow") are not real towns; tests/sources/test_demo.py
# checks them against every word of the real register's names and local authorities.
TOWN_HEADS: tuple[str, ...] = (
    "Gannet", "Plover", "Teasel", "Sorrel", "Bryony", "Tansy", "Merlin", "Juniper", "Linnet",
    "Kestrel", "Corvel", "Wyver", "Yarrow", "Quill", "Curlew", "Avocet", "Godwit", "Bittern",
    "Samphire", "Campion", "Pippin", "Vetch", "Dunlin", "Shrike", "Fieldfare", "Wagtail",
    "Damson", "Kingcup", "Sloe", "Thistle", "Tormentil", "Chervil", "Burdock", "Sainfoin",
    "Skylark", "Whimbrel", "Lapwing", "Starling", "Redwing", "Spindle",
)  # fmt: skip
# Combinations that are real places after all.
NOT_TOWNS: frozenset[str] = frozenset({"Thistleton"})
TOWN_TAILS: tuple[str, ...] = (
    "bridge",
    "combe",
    "dale",
    "field",
    "ford",
    "gate",
    "ham",
    "hurst",
    "ley",
    "mere",
    "minster",
    "mouth",
    "stow",
    "thorpe",
    "ton",
    "wick",
    "worth",
    "by",
    "den",
    "holme",
)
TOWN_PREFIXES: tuple[str, ...] = ("Great ", "Little ", "Upper ", "Lower ", "Market ", "North ")
LA_FORMS: tuple[str, ...] = ("{} District", "Borough of {}", "{}shire", "{} and {} District")

# ------------------------------------------------------------------------ providers
NAME_STEMS: tuple[str, ...] = (
    "Oakwood",
    "Meadowbank",
    "Willowbrook",
    "Beechcroft",
    "Rosedale",
    "Elmfield",
    "Ashgrove",
    "Larchmont",
    "Hollybank",
    "Primrose",
    "Fernlea",
    "Cedar",
    "Birchwood",
    "Laurel",
    "Heatherside",
    "Brookfield",
    "Riverside",
    "Springfield",
    "Lavender",
    "Orchard View",
    "Hillcrest",
    "Parkside",
    "Woodlands",
    "Greenacres",
    "Sunnymead",
    "Kingfisher",
    "Bluebell",
    "Foxglove",
    "Thornbury",
    "Maple",
    "Silverdale",
    "Hawthorn",
    "Rowan",
    "Highfield",
    "Ivy Bank",
    "Fairview",
    "Westbourne",
    "Eastgate",
    "Southlands",
    "Northfield",
    "Church View",
    "Mill House",
    "Chestnut",
    "Poplar",
    "Redwood",
    "Juniper",
    "Wisteria",
    "Magnolia",
    "Abbeyfield",
    "Holmleigh",
    "Cherry Tree",
    "Linden",
    "Gable End",
    "Stonecroft",
    "Harbour View",
)
CARE_HOME_FORMS: tuple[str, ...] = (
    "{} House",
    "{} Care Home",
    "{} Lodge",
    "{} Court",
    "{} Manor",
    "{} Nursing Home",
    "{} Grange",
    "The {}",
    "{} Residential Home",
)
HOMECARE_FORMS: tuple[str, ...] = (
    "{} Home Care",
    "{} Homecare Services",
    "{} Care at Home",
    "Caring Hands {}",
    "{} Domiciliary Care",
    "Helping Hands {}",
)
GP_FORMS: tuple[str, ...] = (
    "{} Surgery",
    "{} Medical Practice",
    "{} Health Centre",
    "The {} Practice",
    "{} Medical Centre",
    "{} Family Practice",
)
HOSPITAL_FORMS: tuple[str, ...] = (
    "{town} General Hospital",
    "{town} Community Hospital",
    "{stem} Hospital",
    "{town} Royal Infirmary",
    "St {saint}'s Hospital",
)
MENTAL_HEALTH_FORMS: tuple[str, ...] = (
    "{stem} Unit",
    "{town} Community Mental Health Team",
    "{stem} House",
    "{town} Crisis and Home Treatment Team",
    "{stem} Centre",
)
SAINTS: tuple[str, ...] = ("Aldhelm", "Cuthbert", "Hilda", "Wilfrid", "Bede", "Oswin", "Edith")
CHAIN_NAMES: tuple[str, ...] = (
    "Brightwater Care Group",
    "Heronsgate Healthcare Ltd",
    "Larkspur Living Ltd",
    "Meridian Care Partnership",
    "Silverbirch Homes Ltd",
    "Kindred Care Group",
    "Evergreen Residential Ltd",
    "Harbourlight Care Services",
    "Willowtree Healthcare plc",
    "Caremark Fields Ltd",
    "Trinity Vale Care",
    "Amberley Care Homes Ltd",
)
COMPANY_SUFFIXES = ("Care Ltd", "Healthcare Ltd", "Care Services Ltd")
TRUST_SUFFIXES = ("NHS Foundation Trust", "Healthcare NHS Trust", "Partnership NHS Trust")
TYPE_WORDS: tuple[str, ...] = (
    "Care Home",
    "Nursing Home",
    "Residential Home",
    "Home Care",
    "Homecare Services",
    "Care at Home",
    "Domiciliary Care",
    "Surgery",
    "Medical Practice",
    "Health Centre",
    "Medical Centre",
    "Family Practice",
    "Practice",
    "Lodge",
    "House",
    "Court",
    "Manor",
)


def town_names(r: random.Random, n: int) -> list[str]:
    """Returns `n` distinct invented town names ("Sedgecombe", "Little Wrenford")."""
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < n:
        name = r.choice(TOWN_HEADS) + r.choice(TOWN_TAILS)
        if name in NOT_TOWNS:
            continue
        if r.random() < 0.12:
            name = r.choice(TOWN_PREFIXES) + name
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names


def local_authority_name(r: random.Random, towns: list[str]) -> str:
    """Returns an invented local authority named after one or two of its towns."""
    form = r.choice(LA_FORMS)
    plain = [t.split(" ")[-1] for t in towns]
    if "{} and {}" in form and len(plain) > 1:
        return form.format(plain[0], plain[1])
    stem = plain[0]
    if form == "{}shire":
        stem = re.sub(r"(ton|ham|by|ford|field|ley|den|wick|worth|stow)$", "", stem) or stem
        return f"{stem}shire"
    return form.replace(" and {}", "").format(stem)


def provider_name(r: random.Random, kind: str, town: str, stem: str) -> str:
    """Returns an invented provider name of the given type, built on `stem` or the town."""
    if kind == "care_home":
        return r.choice(CARE_HOME_FORMS).format(stem)
    if kind == "homecare":
        return r.choice(HOMECARE_FORMS).format(stem)
    if kind == "gp_practice":
        return r.choice(GP_FORMS).format(stem)
    if kind == "hospital":
        return r.choice(HOSPITAL_FORMS).format(town=town, stem=stem, saint=r.choice(SAINTS))
    return r.choice(MENTAL_HEALTH_FORMS).format(town=town, stem=stem)


def postcode(r: random.Random, area: str) -> str:
    """Returns a postcode-like string in an area that no real UK postcode uses (Q..)."""
    digits = "0123456789"
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    return f"{area}{r.choice(digits[1:])} {r.choice(digits)}{r.choice(letters)}{r.choice(letters)}"


def _typo(word: str, r: random.Random) -> str:
    if len(word) < 4:
        return word
    i = r.randrange(1, len(word) - 1)
    how = r.random()
    if how < 0.4:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if how < 0.7:
        return word[:i] + word[i + 1 :]
    return word[:i] + word[i] + word[i:]


# Words nobody writes alone as a name ("St", "Caring", "Little"), and stems of two words
# that people keep whole ("Ivy Bank", not "Ivy").
_NOT_ALONE = frozenset({"St", "Caring", "Helping"} | {p.strip() for p in TOWN_PREFIXES})
_TWO_WORD_STEMS = frozenset(s for s in NAME_STEMS if " " in s)


def _short_name(name: str) -> str:
    """`name` cut to its first word as people cut it: "Ivy Bank", "St Bede's", "Caring Hands"."""
    words = name.split(" ")
    if words[0] == "The" and len(words) > 1:
        words = words[1:]
    whole = words[0] in _NOT_ALONE or " ".join(words[:2]) in _TWO_WORD_STEMS
    return " ".join(words[: 2 if whole else 1])


def name_as_written(name: str, r: random.Random) -> str:
    """Returns the provider's name the way a member of the public might write it.

    Drops the type words ("Care Home", "Surgery"), makes a typo, abbreviates ("St", "&"),
    keeps only the first word (two where one alone names nothing: "St Bede's", "Ivy Bank"),
    or lower-cases it; sometimes two of these, sometimes none.
    """
    out = name
    roll = r.random()
    if roll < 0.35:
        for word in TYPE_WORDS:
            if out.endswith(" " + word) and len(out) > len(word) + 3:
                out = out[: -len(word) - 1]
                break
        if out.startswith("The ") and r.random() < 0.5:
            out = out[4:]
    elif roll < 0.6:
        words = out.split(" ")
        j = max(range(len(words)), key=lambda k: (len(words[k]), -k))
        words[j] = _typo(words[j], r)
        out = " ".join(words)
    elif roll < 0.72:
        out = out.replace("Saint ", "St ").replace(" and ", " & ").replace("Medical", "Med")
        out = (
            out.replace("Practice", "Pract")
            .replace("Centre", "Ctr")
            .replace("Home Care", "Homecare")
        )
        if out == name:
            out = out.replace(" ", "", 1) if r.random() < 0.5 else out + "s"
    elif roll < 0.8:
        out = _short_name(out)
    if r.random() < 0.3:
        out = out.lower()
    if r.random() < 0.15 and out == name:
        out = _typo(out, r)
    return out


# ------------------------------------------------------------------------ vocabulary
@dataclass(frozen=True)
class Vocab:
    """The words a comment or note uses for one type of service."""

    setting: tuple[str, ...]  # "the home", "the practice"
    staff: tuple[str, ...]  # "carers", "nurses"
    person: tuple[str, ...]  # who the writer speaks for
    role: tuple[str, ...]  # one member of staff


VOCAB: dict[str, Vocab] = {
    "care_home": Vocab(
        ("the home", "this home", "the care home", "the place"),
        ("carers", "staff", "the nurses", "care staff", "the team"),
        ("my mum", "my dad", "my nan", "my husband", "my wife", "my aunt", "my grandad"),
        ("the manager", "one carer", "a nurse", "the night carer", "the deputy manager"),
    ),
    "homecare": Vocab(
        ("the agency", "the company", "this care company", "the service"),
        ("carers", "the girls", "care workers", "staff", "the office"),
        ("my mum", "my dad", "my husband", "my wife", "my brother", "my nan"),
        ("the coordinator", "one carer", "the office manager", "a new carer"),
    ),
    "gp_practice": Vocab(
        ("the surgery", "the practice", "this surgery", "the health centre"),
        ("receptionists", "the doctors", "the GPs", "staff", "the nurses"),
        ("my son", "my daughter", "my partner", "my mum", "my dad"),
        ("the receptionist", "a GP", "the practice nurse", "the practice manager", "a locum"),
    ),
    "hospital": Vocab(
        ("the hospital", "the ward", "A&E", "this hospital", "the unit"),
        ("nurses", "the doctors", "staff", "the ward staff", "the healthcare assistants"),
        ("my mum", "my dad", "my husband", "my wife", "my son", "my daughter"),
        ("the consultant", "a nurse", "the ward sister", "a porter", "a junior doctor"),
    ),
    "mental_health": Vocab(
        ("the unit", "the service", "the team", "the ward", "this service"),
        ("staff", "the nurses", "the support workers", "the team", "the psychiatrists"),
        ("my son", "my daughter", "my brother", "my partner", "my sister"),
        ("my care coordinator", "the psychiatrist", "a support worker", "the duty worker"),
    ),
}

# Themes in the store's spelling (sources/text.py). Templates hold [a|b|] alternatives (an
# empty one makes the words optional) and {setting} {staff} {person} {role} {name} {when}
# {n} {year} slots, so two people rarely write the same sentence: the duplicate finder
# (sources/duplicates.py) must not mistake two people for one concern told twice.
POSITIVE: dict[str, tuple[str, ...]] = {
    "staffing": (
        "There [always seem to be|are always|are usually] enough {staff} [about|around|on "
        "shift], [nobody is rushed|no one is rushing|they are never rushed].",
        "The {staff} [have|make] time for {person} and it [shows|really shows|makes all the "
        "difference].",
        "[Same faces|The same carers|Familiar faces] most [weeks|days|visits] which makes a "
        "[real|huge|big] difference [to {person}|to us|].",
        "{staff} are [kind|caring|lovely], [patient|gentle] and never in a [hurry|rush].",
        "[You can tell|It is obvious] the {staff} [enjoy their work|care|love what they do][, "
        "especially {name}|].",
        "[Special thanks to|Shout out to|A big thank you to] {name} [who went above and "
        "beyond|who is a star|for everything] {when}.",
    ),
    "medicines": (
        "[Medication|Tablets|Meds] [is|are] always on time and they explain what [each "
        "tablet|everything] is for.",
        "They sorted out {person}'s [prescriptions|medication|tablets] [quickly|within a "
        "day|straight away] when the dose changed {when}.",
        "{role} checked the [medicines|medication] carefully and [wrote everything down|talked "
        "us through it].",
        "No problems [at all|whatsoever] with [tablets|medication] or repeat prescriptions[ in "
        "{n} years|].",
    ),
    "dignity_respect": (
        "{staff} treat {person} with [real|genuine|such] dignity and respect.",
        "They always knock, always ask first, always use {person}'s [name|proper name].",
        "{person} is treated like a person, not [a job on a list|a number|a task].",
        "Nothing is ever too much trouble and they are [so|always|very] respectful[ to {person}|].",
    ),
    "environment_cleanliness": (
        "{setting} is [spotless|immaculate|really clean] and never smells.",
        "The rooms are [bright|light|warm], clean and [homely|comfortable].",
        "[Lovely|Really nice|Beautiful] clean place, the [gardens|grounds|lounge] [is|are] "
        "[lovely|beautiful] too.",
        "Everything is kept [tidy|clean] and fresh[ every time we visit|].",
    ),
    "food_drink": (
        "The food is [home cooked|freshly made|really good] and there is [plenty of|a good] "
        "choice.",
        "{person} has put [weight|{n} pounds] back on [since moving in|this year], the meals "
        "are [lovely|great].",
        "[Drinks|Cups of tea] and snacks are always offered[, even at night|].",
        "The [cook|chef|kitchen] knows what everyone likes[ and {person} loves the puddings|].",
    ),
    "communication": (
        "They [ring|phone|call] me straight away if anything changes[ with {person}|].",
        "{role} always takes time to explain things[ properly|, even when busy|].",
        "We are kept [informed|in the loop|up to date] about everything.",
        "[Easy|Always easy] to get hold of someone and they call back when they say they will.",
    ),
    "leadership": (
        "{role} is [visible|around|approachable], [approachable|friendly] and clearly cares.",
        "You can see {setting} is [well run|well managed|properly run].",
        "[Any concern|Anything] I raised {when} was dealt with [the same week|within "
        "days|straight away].",
        "Good management makes all the difference here[, it has improved a lot since {year}|].",
    ),
    "access_waiting": (
        "Got an appointment [the same day|the next morning|within a day] {when}.",
        "[Hardly any|Barely any|Only a short] wait, we were seen [quickly|within {n} minutes].",
        "The visits are always on time[, within {n} minutes|].",
        "Getting through on the phone is [easy|much easier] now.",
    ),
    "abuse_neglect": (
        "I feel {person} is [completely|totally] safe [here|with them].",
        "I have never had a moment's worry about how {person} is looked after.",
    ),
}

NEGATIVE: dict[str, tuple[str, ...]] = {
    "staffing": (
        "There are never enough {staff}, they are [run off their feet|stretched|exhausted][ at "
        "weekends|].",
        "[Agency staff|New faces|Different carers] every [week|day|visit] who [dont|do not] know "
        "{person} at all.",
        "[At weekends|On nights|After 6pm] there is hardly anyone on[, {when} there were only "
        "two|].",
        "{staff} keep leaving and nobody stays long enough to know {person}.",
        "[Calls|Visits] are rushed, [ten|{n}] minutes instead of thirty.",
    ),
    "medicines": (
        "{person} was given the wrong [tablets|medication] [twice|{n} times] [this month|{when}].",
        "[Medication|Tablets|Insulin] is often late or missed [completely|altogether].",
        "Nobody could tell me why {person}'s [medication|tablets] had been stopped {when}.",
        "The [medicines chart|MAR sheet] had gaps and nobody could explain them.",
        "Repeat prescriptions go missing [every single time|again and again].",
    ),
    "dignity_respect": (
        "{person} was left in wet clothes for [hours|{n} hours] {when}.",
        "{staff} talk over {person} as if [they are|they were] not there.",
        "I found {person} sitting in a soiled pad at [lunchtime|teatime|{n}pm] {when}.",
        "No privacy, [doors|curtains] left open while {person} was being [washed|changed].",
        "{role} was [rude|dismissive|sarcastic] to {person}[ {when}|].",
    ),
    "environment_cleanliness": (
        "{setting} [smells of urine|stinks] the moment you walk in.",
        "The [bathroom|toilet|shower room] was [filthy|disgusting] and the bin overflowing {when}.",
        "[Broken|Faulty] call bell in the room for [weeks|{n} weeks].",
        "Dirty [cups|plates|cups and plates] left in the room from the day before.",
    ),
    "food_drink": (
        "Meals are [cold|lukewarm|tasteless] and the same thing most days.",
        "{person} is losing weight[, {n} pounds since the summer,|] and nobody seems to notice.",
        "The water jug was out of reach [again|{when}|every time I visited].",
        "Food left on a tray and taken away [untouched|uneaten].",
    ),
    "communication": (
        "Nobody tells us anything unless we [chase it|ask|push].",
        "I [rang|phoned|called] [four|{n}] times and nobody called back.",
        "We only found out about the [fall|infection|hospital admission] [days|{n} days] later.",
        "Every time you ask you get a different answer.",
        "Complained in writing {when} and never heard a thing.",
    ),
    "leadership": (
        "The manager is never [available|around|in].",
        "There have been [three|{n}] managers [in a year|since {year}] and it shows.",
        "Concerns get [brushed off|ignored|swept under the carpet] by management.",
        "{setting} seems to be run for profit, not for people.",
    ),
    "access_waiting": (
        "Waited over [three|{n}] weeks for an appointment.",
        "On hold for [forty|{n}0] minutes then cut off[ {when}|].",
        "[Carers|They] turn up hours late or not at all.",
        "Waited [nine|{n}] hours in A&E with nobody checking on us {when}.",
        "[Cant|Can't|Impossible to] get through on the phone at 8am, every day the same.",
    ),
    "abuse_neglect": (
        "I am [worried|really worried|concerned] {person} is not being looked after properly.",
        "{person} is left in bed all day with nobody checking[ {when}|].",
    ),
}

# Serious concerns: the words the text reader must route to a person.
SERIOUS: dict[str, tuple[str, ...]] = {
    "abuse": (
        "I saw {role} [slap|hit|push] {person} [on the arm|roughly] and shout at them {when}.",
        "{person} told me a carer [hit|slapped] her and she is [scared|terrified].",
        "I believe {person} is being abused by one of the staff.",
    ),
    "neglect": (
        "{person} was left without food or drink for most of the day {when}, this is neglect.",
        "{person} has a pressure sore that nobody reported and it is now infected.",
        "This is neglect, plain and simple.",
    ),
    "injury": (
        "{person} has unexplained bruises on [both arms|her face|his legs] and nobody can say how.",
        "We found a bruise on {person}'s face {when} and were told it was nothing.",
        "{person} came home with a broken [wrist|arm|hip] and no one knows what happened.",
    ),
    "death": (
        "My [relative|dad|mum|husband] died after they failed to call an ambulance in time.",
        "[Dad|Mum|My wife] died [here|in their care] {when} and I still have no answers about "
        "what went wrong.",
    ),
    "reprisal": (
        "I am [frightened|scared|afraid] to complain in case they take it out on {person}.",
        "Staff have told me they are scared to speak up.",
        "Please dont tell them it was me, I am afraid of what will happen.",
    ),
}

# Something only this writer would say: when, how long, who. Makes each comment its own.
CONTEXT_SHARE = 0.7
CONTEXT = (
    "{person} has been [at|with] {setting} for {n} [months|years].",
    "[We|I] [visited|went in|popped in|were there] {when}.",
    "[Writing about|This is about] {person}'s [stay|care|last few weeks] {when}.",
    "{person} [moved in|started with them|was admitted|was seen] {when}.",
    "I [rang|phoned|called] {when} about {person}.",
    "[Been|We have been] [using|with] them since {year}.",
    "[My|Our] experience {when}.",
)
WHEN = (
    "on Monday",
    "on Tuesday",
    "on Wednesday",
    "on Thursday",
    "on Friday",
    "on Saturday",
    "on Sunday",
    "last week",
    "last weekend",
    "over Christmas",
    "in January",
    "in March",
    "in May",
    "in the summer",
    "in October",
    "yesterday",
    "two weeks ago",
    "a month ago",
    "this morning",
    "on the bank holiday",
    "at Easter",
    "before lockdown",
    "in the spring",
    "three days ago",
    "last night",
    "at the weekend",
)
STAFF_NAMES = (
    "Sam",
    "Priya",
    "Tomasz",
    "Grace",
    "Kwame",
    "Jo",
    "Aisha",
    "Megan",
    "Dan",
    "Bea",
    "Ola",
    "Marta",
    "Chris",
    "Yusuf",
    "Ellie",
    "Raj",
    "Tina",
    "Femi",
    "Lucy",
    "Stefan",
)

OPENERS_POS = (
    "",
    "",
    "",
    "Just want to say thank you.",
    "Cant fault them.",
    "Brilliant service.",
    "Very happy overall.",
    "Five stars from me.",
    "Honestly the best.",
    "What a team.",
    "Cannot praise them enough.",
    "Really impressed.",
)
OPENERS_NEG = (
    "",
    "",
    "",
    "Very disappointed.",
    "Where do I start.",
    "Not happy at all.",
    "I have to raise this.",
    "Appalling.",
    "Sadly I have to write this.",
    "Shocking.",
    "I need someone to look at this.",
    "Terrible experience.",
)
OPENERS_MIX = ("", "", "Mixed feelings.", "Some good, some bad.", "It's a bit hit and miss.")
CLOSERS_POS = (
    "",
    "",
    "Would recommend.",
    "Thank you all!",
    "Keep up the good work.",
    "We are very lucky.",
    "Couldn't ask for more.",
    "10/10.",
)
CLOSERS_NEG = (
    "",
    "",
    "Would not recommend.",
    "Something needs to change.",
    "Avoid.",
    "I hope someone looks into this.",
    "Very upset about the whole thing.",
)
CLOSERS_MIX = ("", "Could be better.", "Hope things improve.", "Overall ok I suppose.")
MEDIA = (
    "Saw the story [in the news|on the local news|online] about {setting}, [disgusting|shameful] "
    "if true.",
    "After reading the article {when} I will never use {setting}[ for {person}|].",
    "[Shocking|Horrifying|Unbelievable] what was in the paper about this place.",
    "[Shared from|Just seen on] the local news page, how is this allowed[ here|, honestly|].",
    "[Is this the place|Isn't this the one] from the [news|paper|telly]? [Worrying|Scary] for "
    "families.",
)

_ALTERNATIVES = re.compile(r"\[([^\[\]]*)\]")
_SPACES = re.compile(r"\s+")
_DOUBLE_THE = re.compile(r"\b([Tt])he the\b")


class _Slots(dict):
    """Slot values drawn only when a template uses them (most use one or two)."""

    def __init__(self, vocab: Vocab, r: random.Random) -> None:
        super().__init__()
        self.vocab, self.r = vocab, r

    def __missing__(self, key: str) -> str:
        r, v = self.r, self.vocab
        if key in ("setting", "staff", "person", "role"):
            value = r.choice(getattr(v, key))
        elif key == "name":
            value = r.choice(STAFF_NAMES)
        elif key == "when":
            value = r.choice(WHEN)
        elif key == "n":
            value = str(r.randint(2, 14))
        elif key == "year":
            value = str(r.randint(2012, 2025))
        else:
            raise KeyError(key)
        self[key] = value
        return value


def _fill(template: str, vocab: Vocab, r: random.Random) -> str:
    text = template
    while "[" in text:
        text = _ALTERNATIVES.sub(lambda m: r.choice(m.group(1).split("|")), text)
    # A slot used twice in one sentence means the same person twice.
    text = text.format_map(_Slots(vocab, r)) if "{" in text else text
    text = _SPACES.sub(" ", text).replace(" ,", ",").replace(" .", ".")
    if "he the" in text:
        text = _DOUBLE_THE.sub(r"\1he", text)
    return text[0].upper() + text[1:]


def _roughen(text: str, r: random.Random) -> str:
    """The way people write: typos, dropped apostrophes and capitals, missing full stops."""
    roll = r.random()
    if roll < 0.12:
        words = text.split(" ")
        k = r.randrange(len(words))
        words[k] = _typo(words[k], r)
        text = " ".join(words)
    elif roll < 0.2:
        text = text.replace("'", "")
    elif roll < 0.26:
        text = text.lower()
    if r.random() < 0.15:
        text = text.rstrip(".")
    if r.random() < 0.05:
        text = text.replace(".", "!!", 1)
    return text


def compose_comment(
    r: random.Random, kind: str, tone: str, themes: list[str], serious: str | None
) -> str:
    """Returns a public comment in the given tone ("positive", "mixed", "negative").

    Sentences come from the theme banks; a mixed comment praises one theme and complains
    about another; `serious` (a SERIOUS key) adds a sentence a person must read.
    """
    vocab = VOCAB[kind]
    parts: list[str] = []
    if tone == "positive":
        opener, closer = r.choice(OPENERS_POS), r.choice(CLOSERS_POS)
        banks = [POSITIVE[t] for t in themes]
    elif tone == "negative":
        opener, closer = r.choice(OPENERS_NEG), r.choice(CLOSERS_NEG)
        banks = [NEGATIVE[t] for t in themes]
    else:
        opener, closer = r.choice(OPENERS_MIX), r.choice(CLOSERS_MIX)
        banks = [POSITIVE[themes[0]]] + [NEGATIVE[t] for t in themes[1:]]
        if len(banks) == 1:
            banks.append(NEGATIVE[r.choice(list(NEGATIVE))])
    if opener:
        parts.append(opener)
    if r.random() < CONTEXT_SHARE:
        parts.append(_fill(r.choice(CONTEXT), vocab, r))
    for i, bank in enumerate(banks):
        sentence = _fill(r.choice(bank), vocab, r)
        if tone == "mixed" and i == 1:
            sentence = r.choice(
                ("But ", "However ", "The only thing is ", "On the other hand ")
            ) + (sentence[0].lower() + sentence[1:])
        parts.append(sentence)
    if serious:
        parts.insert(
            min(len(parts), 1 + r.randrange(2)), _fill(r.choice(SERIOUS[serious]), vocab, r)
        )
    if closer:
        parts.append(closer)
    return _roughen(" ".join(parts), r)


def compose_media_comment(r: random.Random, kind: str) -> str:
    """Returns an angry comment prompted by a news story rather than by the care itself."""
    vocab = VOCAB[kind]
    parts = [_fill(r.choice(MEDIA), vocab, r)]
    if r.random() < 0.5:
        parts.insert(0, _fill(r.choice(CONTEXT), vocab, r))
    if r.random() < 0.8:
        parts.append(_fill(r.choice(NEGATIVE[r.choice(list(NEGATIVE))]), vocab, r))
    return _roughen(" ".join(parts), r)


REPEAT_PREFIXES = (
    "I rang about this last week. ",
    "Sending this again as I had no reply. ",
    "Same as my phone call: ",
    "Raised with Healthwatch too. ",
    "Following up: ",
    "",
)


def compose_copy(text: str, r: random.Random) -> str:
    """Returns the same concern told again on another channel: nearly the same words."""
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", text) if s]
    if len(sentences) > 3 and r.random() < 0.5:
        # Leave out the closing sentence, keep the substance (and add nothing, so one
        # telling's words stay inside the other's).
        out = " ".join(sentences[:-1])
    else:
        out = r.choice(REPEAT_PREFIXES) + " ".join(sentences)
    if r.random() < 0.4:
        out = out.lower()
    return out


# ------------------------------------------------------------------------ EbE notes
# Per paragraph: (positive, negative) banks; the visit differs by type of service (a home
# care service is "visited" by phone calls to people at home, a GP practice in its waiting
# room), the people-said paragraph is shared.
_VISIT = {
    "care_home": (
        (
            "We arrived [mid morning|after lunch|at 10am] and were welcomed [warmly|kindly] at "
            "the door.",
            "On arrival the atmosphere felt [calm|relaxed] and [friendly|homely].",
            "The entrance was bright and we were [asked to sign in|shown around] by {role}.",
        ),
        (
            "We waited [a long time|over ten minutes] at the door before anyone answered.",
            "On arrival there was a strong smell and nobody seemed to know we were expected.",
            "The entrance was cluttered and the visitors' book had not been used for days.",
        ),
    ),
    "homecare": (
        (
            "We spoke by phone with {n} people who use the service and [three|four|some] "
            "relatives; [most|all] were happy to talk.",
            "Calls were arranged by the office [promptly|without fuss] and people knew we "
            "would ring.",
        ),
        (
            "We rang {n} people who use the service; several [were upset|had complaints] before "
            "we had asked anything.",
            "The office could not give us an up-to-date list of people to call.",
        ),
    ),
    "gp_practice": (
        (
            "We spent the morning in the waiting area and spoke with {n} patients.",
            "The waiting room was [calm|tidy] and reception staff greeted people by name.",
        ),
        (
            "The waiting room was [crowded|noisy] and people queued out of the door at 8am.",
            "Reception staff [spoke sharply|were curt] to [a patient|an older man] asking for "
            "help.",
        ),
    ),
    "hospital": (
        (
            "We visited [two|three] wards and the discharge lounge[ over a morning|].",
            "Ward areas were [calm|organised] and staff [introduced themselves|wore name badges].",
        ),
        (
            "We visited [two|three] wards; call bells were ringing [constantly|for long periods].",
            "Corridors were cluttered with [equipment|trolleys] and one bay was [short "
            "staffed|closed].",
        ),
    ),
    "mental_health": (
        (
            "We visited the ward and the [lounge|garden|activity room] and spoke with {n} people.",
            "The ward felt [calm|safe] and staff were present in communal areas.",
        ),
        (
            "The ward felt [tense|chaotic] and staff stayed in the office for long periods.",
            "People told us leave was often cancelled because there were not enough staff.",
        ),
    ),
}
EBE_OBSERVED_POS = (
    "Staff spoke to people kindly and [at eye level|patiently], and took time over personal care.",
    "We saw staff respond quickly to [call bells|requests for help] and check on people.",
    "People were chatting with staff and there was [laughter|friendly banter].",
    "Staff knew people's histories and talked about their [families|interests].",
)
EBE_OBSERVED_NEG = (
    "Call bells rang for over [ten|{n}] minutes without anyone responding.",
    "We saw one person left [in a wet chair|without a drink] and a member of staff walk past.",
    "Staff talked to each other over people rather than to them.",
    "Several people were sitting with the television on and nobody engaging with them.",
    "A member of staff spoke sharply to a person who asked for help to the toilet.",
)
EBE_PEOPLE_POS = (
    "People we spoke to said they felt safe and that staff were 'like family'.",
    "One relative told us the service had 'given us our [mum|dad] back'.",
    "People said they could choose [when to get up|what to eat|how to spend the day].",
    "Everyone we asked knew who [the manager|to talk to] was and said they would happily "
    "raise a concern.",
)
EBE_PEOPLE_NEG = (
    "[Two|Several|{n}] people told us they did not feel listened to and that staff were "
    "always rushing.",
    "A relative said they had raised concerns about missed medicines [several|{n}] times.",
    "One person told us quietly that some staff were 'rough' and asked us not to say who told us.",
    "People said there were not enough staff [at night|at weekends] and they sometimes "
    "waited a long time.",
    "Relatives told us they were not kept informed about [falls|changes in health].",
)
EBE_FOOD_POS = (
    "[Lunch|The meal] looked appetising, people were offered choices and help was given "
    "discreetly.",
    "Drinks were within reach and staff offered snacks through the [afternoon|visit].",
)
EBE_FOOD_NEG = (
    "At lunch several people waited over [half an hour|{n}0 minutes] and some meals went cold.",
    "We noticed water jugs out of reach and no drinks offered during our visit.",
)
EBE_SUMMARY_POS = (
    "Overall this felt like a caring and well run service where people are treated with dignity.",
    "Our overall impression was positive; people seemed content and well cared for.",
)
EBE_SUMMARY_NEG = (
    "Overall we had concerns about staffing, dignity and how well people are kept safe.",
    "Our overall impression was of a service under strain that we would want looked at closely.",
)


def compose_ebe_note(r: random.Random, negativity: float, kind: str = "care_home") -> str:
    """Returns an expert-by-experience visit note of 3-5 paragraphs; tone from `negativity`.

    `negativity` (0..1) is the chance that each paragraph reports a problem, so a note can
    mix praise and concern the way real visit notes do; the visit paragraph fits the type.
    """
    vocab = VOCAB[kind]

    told: list[bool] = []  # which paragraphs report a problem

    def pick(pos: tuple[str, ...], neg: tuple[str, ...], k: int = 1) -> str:
        told.append(r.random() < negativity)
        bank = neg if told[-1] else pos
        return " ".join(_fill(t, vocab, r) for t in r.sample(bank, min(k, len(bank))))

    visit_pos, visit_neg = _VISIT[kind]
    paragraphs = [pick(visit_pos, visit_neg)]
    if kind != "homecare":
        paragraphs.append(pick(EBE_OBSERVED_POS, EBE_OBSERVED_NEG, 2))
    paragraphs.append(pick(EBE_PEOPLE_POS, EBE_PEOPLE_NEG, 2))
    if kind in ("care_home", "hospital", "mental_health") and r.random() < 0.7:
        paragraphs.append(pick(EBE_FOOD_POS, EBE_FOOD_NEG))
    summary = EBE_SUMMARY_NEG if sum(told) > len(told) / 2 else EBE_SUMMARY_POS
    paragraphs.append(r.choice(summary))
    return "\n\n".join(paragraphs)


# ------------------------------------------------------------------------ safeguarding
_INITIALS = "ABCDEFGHJKLMNPRSTW"
ALERT_TEMPLATES: dict[str, tuple[str, ...]] = {
    "physical": (
        "{who}, {age}, found with bruising to {part}; {said}.",
        "{who}, {age}, reports being pushed by a member of staff during personal care.",
        "Unexplained skin tear to {part} of {who} ({age}); no incident form completed.",
    ),
    "sexual": (
        "{who}, {age}, disclosed inappropriate touching by another resident; police informed.",
        "Allegation by {who} ({age}) of sexual comments made by a staff member.",
    ),
    "psychological": (
        "{who}, {age}, says staff shout and threaten to withhold visits; {said}.",
        "{who} ({age}) described as frightened of a named carer; relative concerned.",
    ),
    "financial": (
        "Cash missing from {who}'s room ({age}); bank card used without consent.",
        "{who}, {age}: relative suspects money taken by a visiting carer.",
    ),
    "neglect": (
        "{who}, {age}, left in soiled bedding overnight; grade 3 pressure ulcer found.",
        "Missed care calls for {who} ({age}) over three days; found dehydrated.",
        "{who}, {age}, not repositioned as care plan states; {said}.",
    ),
    "discriminatory": (
        "{who} ({age}) reports racist remarks by staff; {said}.",
        "Cultural dietary needs of {who}, {age}, repeatedly ignored.",
    ),
    "organisational": (
        "Several residents, {who} ({age}) among them, left without breakfast until midday.",
        "Routine practice of putting people to bed at 6pm, {who} ({age}) among them.",
    ),
    "domestic": (
        "{who}, {age}, disclosed abuse by spouse during a home visit.",
        "Concerns about {who} ({age}) being controlled by a family member.",
    ),
    "modern_slavery": (
        "Care worker reports having passport held by agency; raised by {source}.",
        "Concerns that staff at the service are working unpaid hours under threat.",
    ),
    "self_neglect": (
        "{who}, {age}, refusing care and food; home conditions deteriorating.",
        "{who} ({age}) declining medication and personal care; capacity to be assessed.",
    ),
}
BODY_PARTS = ("forearm", "upper arm", "wrist", "shin", "face", "hip", "back of hand")
SAID = (
    "daughter says this is not the first time",
    "son raised it at a visit",
    "staff member reported it anonymously",
    "no explanation given by the service",
    "GP noticed during a review",
    "person could not explain how it happened",
)


def compose_alert_summary(r: random.Random, abuse_type: str, source: str) -> str:
    """Returns a short fictional alert summary with initials and an age (sensitive data)."""
    title = r.choice(("Mr", "Mrs", "Ms", "Miss", ""))
    initials = f"{r.choice(_INITIALS)}.{r.choice(_INITIALS)}."
    who = f"{title} {initials}".strip()
    age = r.randint(19, 99) if abuse_type in ("domestic", "sexual") else r.randint(62, 101)
    return r.choice(ALERT_TEMPLATES[abuse_type]).format(
        who=who, age=age, part=r.choice(BODY_PARTS), said=r.choice(SAID), source=source
    )


# ------------------------------------------------------------------------ incidents
INCIDENT_CATEGORIES: dict[str, tuple[tuple[str, float], ...]] = {
    "care_home": (
        ("falls", 0.38),
        ("medication", 0.16),
        ("pressure_ulcer", 0.12),
        ("behaviour", 0.1),
        ("infection", 0.06),
        ("nutrition", 0.05),
        ("missing_person", 0.03),
        ("other", 0.1),
    ),
    "homecare": (
        ("missed_call", 0.3),
        ("medication", 0.25),
        ("falls", 0.2),
        ("pressure_ulcer", 0.05),
        ("late_call", 0.12),
        ("other", 0.08),
    ),
    "gp_practice": (
        ("prescribing", 0.3),
        ("diagnosis", 0.2),
        ("referral", 0.2),
        ("communication", 0.15),
        ("administration", 0.15),
    ),
    "hospital": (
        ("falls", 0.2),
        ("medication", 0.15),
        ("treatment_procedure", 0.15),
        ("pressure_ulcer", 0.1),
        ("access_admission_discharge", 0.12),
        ("diagnosis", 0.08),
        ("infection", 0.05),
        ("documentation", 0.1),
        ("other", 0.05),
    ),
    "mental_health": (
        ("self_harm", 0.3),
        ("violence_aggression", 0.25),
        ("absconding", 0.1),
        ("medication", 0.15),
        ("falls", 0.05),
        ("other", 0.15),
    ),
}
INCIDENT_WORDS: dict[str, tuple[str, ...]] = {
    "falls": (
        "Found on floor in bedroom.",
        "Slipped in bathroom.",
        "Fell while mobilising unaided.",
    ),
    "medication": (
        "Dose omitted.",
        "Wrong dose given.",
        "Medication given late.",
        "MAR chart not signed.",
    ),
    "pressure_ulcer": ("Pressure area damage noted on heel.", "Sacral pressure ulcer identified."),
    "behaviour": ("Altercation between residents.", "Resident distressed and hit out at staff."),
    "infection": (
        "Suspected outbreak, unit closed to visitors.",
        "Urinary infection not escalated.",
    ),
    "nutrition": ("Weight loss not acted on.", "Fluid chart incomplete."),
    "missing_person": ("Resident left the building unnoticed.",),
    "missed_call": ("Scheduled visit not attended.", "Call missed, no cover arranged."),
    "late_call": ("Visit over two hours late.", "Lunchtime call arrived mid afternoon."),
    "prescribing": ("Repeat prescription issued in error.", "Interaction not flagged."),
    "diagnosis": ("Delayed diagnosis.", "Test result not actioned."),
    "referral": ("Referral not sent.", "Urgent referral delayed."),
    "communication": ("Results given to wrong patient.", "Letter sent to old address."),
    "administration": ("Records filed under wrong patient.", "Appointment booked incorrectly."),
    "treatment_procedure": ("Procedure delayed.", "Wrong site marking identified before surgery."),
    "access_admission_discharge": ("Discharged without care package.", "Long wait for a bed."),
    "documentation": ("Observations not recorded.", "Care plan not updated."),
    "self_harm": ("Self-harm on the ward.", "Ligature incident, staff intervened."),
    "violence_aggression": (
        "Patient assaulted staff member.",
        "Verbal abuse towards other patients.",
    ),
    "absconding": ("Patient absent without leave.", "Did not return from escorted leave."),
    "other": ("Equipment fault.", "Other incident, see notes."),
}
