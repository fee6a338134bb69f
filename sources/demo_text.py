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
# Word parts for invented towns. Combinations are checked against the real register's
# local authorities in tests/sources/test_demo.py; the parts avoid common real endings
# pairs ("Ashford", "Kingston") by leaving out the first parts that make them.
TOWN_HEADS: tuple[str, ...] = (
    "Ashen",
    "Brack",
    "Culver",
    "Dunmer",
    "Elder",
    "Fenn",
    "Gorse",
    "Hazel",
    "Ivel",
    "Kestrel",
    "Lark",
    "Marl",
    "Nether",
    "Orchard",
    "Pens",
    "Quarry",
    "Rush",
    "Sedge",
    "Tarn",
    "Umber",
    "Wren",
    "Yarrow",
    "Alder",
    "Bramble",
    "Cinder",
    "Dove",
    "Ember",
    "Flint",
    "Heron",
    "Juniper",
    "Linnet",
    "Moss",
    "Nettle",
    "Otter",
    "Plover",
    "Reed",
    "Sorrel",
    "Teasel",
    "Whin",
    "Bryony",
    "Coppice",
    "Drover",
    "Fallow",
    "Gannet",
    "Holly",
    "Merlin",
    "Tansy",
    "Corvel",
    "Brindle",
    "Sallow",
    "Pelham",
    "Wyver",
    "Quill",
    "Rowan",
)
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


def name_as_written(name: str, r: random.Random) -> str:
    """Returns the provider's name the way a member of the public might write it.

    Drops the type words ("Care Home", "Surgery"), makes a typo, abbreviates ("St", "&"),
    keeps only the first word, or lower-cases it; sometimes two of these, sometimes none.
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
        first = out.split(" ")[0]
        out = out.split(" ")[1] if first == "The" and " " in out else first
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
        ("my mum", "my dad", "my husband", "my wife", "my brother", "I", "my nan"),
        ("the coordinator", "one carer", "the office manager", "a new carer"),
    ),
    "gp_practice": Vocab(
        ("the surgery", "the practice", "this surgery", "the health centre"),
        ("receptionists", "the doctors", "the GPs", "staff", "the nurses"),
        ("I", "my son", "my daughter", "my partner", "my mum", "my dad"),
        ("the receptionist", "a GP", "the practice nurse", "the practice manager", "a locum"),
    ),
    "hospital": Vocab(
        ("the hospital", "the ward", "A&E", "this hospital", "the unit"),
        ("nurses", "the doctors", "staff", "the ward staff", "the healthcare assistants"),
        ("I", "my mum", "my dad", "my husband", "my wife", "my son", "my daughter"),
        ("the consultant", "a nurse", "the ward sister", "a porter", "a junior doctor"),
    ),
    "mental_health": Vocab(
        ("the unit", "the service", "the team", "the ward", "this service"),
        ("staff", "the nurses", "the support workers", "the team", "the psychiatrists"),
        ("I", "my son", "my daughter", "my brother", "my partner", "my sister"),
        ("my care coordinator", "the psychiatrist", "a support worker", "the duty worker"),
    ),
}

# Themes in the store's spelling (sources/text.py); each bank holds sentence templates with
# {setting} {staff} {person} {role} slots. Several per theme and tone, so that two comments
# rarely share a sentence, and never more than two.
POSITIVE: dict[str, tuple[str, ...]] = {
    "staffing": (
        "There always seem to be enough {staff} about, nobody is rushed.",
        "The {staff} have time for {person} and it shows.",
        "Same faces most weeks which makes a real difference.",
        "{staff} are kind, patient and never in a hurry.",
        "You can tell the {staff} enjoy their work.",
    ),
    "medicines": (
        "Medication is always on time and they explain what each tablet is for.",
        "They sorted out {person}'s prescriptions quickly when the dose changed.",
        "{role} checked the medicines carefully and wrote everything down.",
        "No problems at all with tablets or repeat prescriptions.",
    ),
    "dignity_respect": (
        "{staff} treat {person} with real dignity and respect.",
        "They always knock, always ask first, always use {person}'s name.",
        "{person} is treated like a person, not a job on a list.",
        "Nothing is ever too much trouble and they are so respectful.",
    ),
    "environment_cleanliness": (
        "{setting} is spotless and never smells.",
        "The rooms are bright, clean and homely.",
        "Lovely clean place, the gardens are beautiful too.",
        "Everything is kept tidy and fresh.",
    ),
    "food_drink": (
        "The food is home cooked and there is plenty of choice.",
        "{person} has put weight back on since moving here, the meals are lovely.",
        "Drinks and snacks are always offered.",
        "The cook knows what everyone likes.",
    ),
    "communication": (
        "They ring me straight away if anything changes.",
        "{role} always takes time to explain things.",
        "We are kept informed about everything.",
        "Easy to get hold of someone and they call back when they say they will.",
    ),
    "leadership": (
        "{role} is visible, approachable and clearly cares.",
        "You can see {setting} is well run.",
        "Any concern I raised was dealt with the same week.",
        "Good management makes all the difference here.",
    ),
    "access_waiting": (
        "Got an appointment the same day.",
        "Hardly any wait, we were seen quickly.",
        "The visits are always on time.",
        "Getting through on the phone is easy now.",
    ),
    "abuse_neglect": (
        "I feel {person} is completely safe here.",
        "I have never had a moment's worry about how {person} is looked after.",
    ),
}

NEGATIVE: dict[str, tuple[str, ...]] = {
    "staffing": (
        "There are never enough {staff}, they are run off their feet.",
        "Agency staff every week who dont know {person} at all.",
        "At weekends there is hardly anyone on.",
        "{staff} keep leaving and nobody stays long enough to know {person}.",
        "Calls are rushed, ten minutes instead of thirty.",
    ),
    "medicines": (
        "{person} was given the wrong tablets twice this month.",
        "Medication is often late or missed completely.",
        "Nobody could tell me why {person}'s medication had been stopped.",
        "The medicines chart had gaps and nobody could explain them.",
        "Repeat prescriptions go missing every single time.",
    ),
    "dignity_respect": (
        "{person} was left in wet clothes for hours.",
        "{staff} talk over {person} as if they are not there.",
        "I found {person} sitting in a soiled pad at lunchtime.",
        "No privacy, doors left open while {person} was being washed.",
        "{role} was rude and dismissive to {person}.",
    ),
    "environment_cleanliness": (
        "{setting} smells of urine the moment you walk in.",
        "The bathroom was filthy and the bin overflowing.",
        "Broken call bell in the room for weeks.",
        "Dirty cups and plates left in the room from the day before.",
    ),
    "food_drink": (
        "Meals are cold and the same thing most days.",
        "{person} is losing weight and nobody seems to notice.",
        "The water jug was out of reach again.",
        "Food left on a tray and taken away untouched.",
    ),
    "communication": (
        "Nobody tells us anything unless we chase it.",
        "I rang four times and nobody called back.",
        "We only found out about the fall days later.",
        "Every time you ask you get a different answer.",
        "Complained in writing and never heard a thing.",
    ),
    "leadership": (
        "The manager is never available.",
        "There have been three managers in a year and it shows.",
        "Concerns get brushed off by management.",
        "{setting} seems to be run for profit, not for people.",
    ),
    "access_waiting": (
        "Waited over three weeks for an appointment.",
        "On hold for forty minutes then cut off.",
        "Carers turn up hours late or not at all.",
        "Waited nine hours in A&E with nobody checking on us.",
        "Cant get through on the phone at 8am, every day the same.",
    ),
    "abuse_neglect": (
        "I am worried {person} is not being looked after properly.",
        "{person} is left in bed all day with nobody checking.",
    ),
}

# Serious concerns: the words the text reader must route to a person.
SERIOUS: dict[str, tuple[str, ...]] = {
    "abuse": (
        "I saw {role} slap {person} on the arm and shout at them.",
        "{person} told me a carer hit her and she is scared.",
        "I believe {person} is being abused by one of the staff.",
    ),
    "neglect": (
        "{person} was left without food or drink for most of the day, this is neglect.",
        "{person} has a pressure sore that nobody reported and it is now infected.",
        "This is neglect, plain and simple.",
    ),
    "injury": (
        "{person} has unexplained bruises on both arms and nobody can say how.",
        "We found a bruise on {person}'s face and were told it was nothing.",
        "{person} came home with a broken wrist and no one knows what happened.",
    ),
    "death": (
        "My relative died after they failed to call an ambulance in time.",
        "Dad died here and I still have no answers about what went wrong.",
    ),
    "reprisal": (
        "I am frightened to complain in case they take it out on {person}.",
        "Staff have told me they are scared to speak up.",
        "Please dont tell them it was me, I am afraid of what will happen.",
    ),
}

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
    "Saw the story in the news about {setting}, disgusting if true.",
    "After reading the article I will never use {setting}.",
    "Shocking what was in the paper about this place.",
    "Shared from the local news page, how is this allowed.",
)


def _fill(template: str, vocab: Vocab, r: random.Random) -> str:
    text = template.format(
        setting=r.choice(vocab.setting),
        staff=r.choice(vocab.staff),
        person=r.choice(vocab.person),
        role=r.choice(vocab.role),
    )
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
    text = _fill(r.choice(MEDIA), VOCAB[kind], r)
    if r.random() < 0.5:
        text += " " + _fill(r.choice(NEGATIVE[r.choice(list(NEGATIVE))]), VOCAB[kind], r)
    return _roughen(text, r)


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
        # Leave out one closing pleasantry, keep the substance.
        sentences = sentences[:-1]
    out = r.choice(REPEAT_PREFIXES) + " ".join(sentences)
    if r.random() < 0.4:
        out = out.lower()
    return out


# ------------------------------------------------------------------------ EbE notes
EBE_OPENING_POS = (
    "We arrived mid morning and were welcomed warmly at the door.",
    "On arrival the atmosphere felt calm and friendly.",
    "The entrance was bright and we were asked to sign in and shown around.",
)
EBE_OPENING_NEG = (
    "We waited a long time at the door before anyone answered.",
    "On arrival there was a strong smell and nobody seemed to know we were expected.",
    "The entrance was cluttered and the visitors' book had not been used for days.",
)
EBE_OBSERVED_POS = (
    "Staff spoke to people kindly and at eye level, and took time over personal care.",
    "We saw staff respond quickly to call bells and check on people in their rooms.",
    "People were chatting with staff and there was laughter in the lounge.",
    "Staff knew people's histories and talked about their families and interests.",
)
EBE_OBSERVED_NEG = (
    "Call bells rang for over ten minutes without anyone responding.",
    "We saw one person left in a wet chair and a member of staff walk past.",
    "Staff talked to each other over people rather than to them.",
    "Several people were sitting in the lounge with the television on and nobody engaging.",
    "A member of staff spoke sharply to a resident who asked for help to the toilet.",
)
EBE_PEOPLE_POS = (
    "People we spoke to said they felt safe and that staff were 'like family'.",
    "One relative told us the service had 'given us our mum back'.",
    "People said they could choose when to get up and what to eat.",
    "Everyone we asked knew who the manager was and said they would happily raise a concern.",
)
EBE_PEOPLE_NEG = (
    "Two people told us they did not feel listened to and that staff were always rushing.",
    "A relative said they had raised concerns about missed medicines several times.",
    "One person told us quietly that some staff were 'rough' and asked us not to say who told us.",
    "People said there were not enough staff at night and they sometimes waited a long time.",
    "Relatives told us they were not kept informed about falls or changes in health.",
)
EBE_FOOD_POS = (
    "Lunch looked appetising, people were offered choices and help was given discreetly.",
    "Drinks were within reach and staff offered snacks through the afternoon.",
)
EBE_FOOD_NEG = (
    "At lunch several people waited over half an hour and some meals went cold.",
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


def compose_ebe_note(r: random.Random, negativity: float) -> str:
    """Returns an expert-by-experience visit note of 3-5 paragraphs; tone from `negativity`.

    `negativity` (0..1) is the chance that each paragraph reports a problem, so a note can
    mix praise and concern the way real visit notes do.
    """

    def pick(pos: tuple[str, ...], neg: tuple[str, ...], k: int = 1) -> str:
        bank = neg if r.random() < negativity else pos
        return " ".join(r.sample(bank, min(k, len(bank))))

    paragraphs = [
        pick(EBE_OPENING_POS, EBE_OPENING_NEG),
        pick(EBE_OBSERVED_POS, EBE_OBSERVED_NEG, 2),
        pick(EBE_PEOPLE_POS, EBE_PEOPLE_NEG, 2),
    ]
    if r.random() < 0.7:
        paragraphs.append(pick(EBE_FOOD_POS, EBE_FOOD_NEG))
    paragraphs.append(
        EBE_SUMMARY_NEG[r.randrange(2)] if negativity > 0.5 else EBE_SUMMARY_POS[r.randrange(2)]
    )
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
