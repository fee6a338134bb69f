"""Which provider a comment is about, from the name as the person wrote it and the place.

A comment that arrives without a provider id names a service the way people do: "Oakwod
care home, Bexley", "the surgery on Church St", "Rosewood". This module finds the provider
it means and says how sure it is; below AUTO_LINK_THRESHOLD, or when another provider is
nearly as likely, it leaves the comment unlinked with the best candidates for a person.
It never guesses silently.

How a name is compared (METHOD-NOTES 2.3, soft TF-IDF):
- Names are normalised: case and punctuation go (rapidfuzz's default_process), "St" is
  "street" (or "saint" first), and stop words ("the", "ltd") go. Type words ("care home", "surgery",
  "medical practice") are taken out of the name and kept as a hint of the provider's type:
  they weigh (agreement helps a little, contradiction costs) but never dominate the name.
- Each word the person wrote is matched to the provider's words, typos allowed
  (rapidfuzz ratio >= 80), weighted by how rare the word is in the register: "Oakwood"
  says much more than "House". The score blends how much of what was written is in the
  provider's name with how much of the provider's name was written (shortened names score
  lower, so they need the place to confirm them).
- The place blocks: it is matched to provider towns, local authorities and postcode
  districts (typos allowed). A provider outside a recognised place is heavily penalised,
  which is what keeps two "Oakwood House"s in two towns apart. With no place (or one not
  in the register) a unique name can still be linked, but two equal names cannot.
- A written name that another provider's name (in the place) contains just as well is
  ambiguous and left for a person: "Laurel" may be The Laurel or Laurel Care Home. But a
  name written with exactly one provider's own type words is that one ("Northfield Centre"
  is not Northfield Medical Centre shortened), and a leading "The" as written counts ("The
  Laurel" is not Laurel Care Home).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process
from rapidfuzz.utils import default_process

# Confidence in [0, 1] above which a comment is linked without a person, provided the
# runner-up is at least AUTO_LINK_MARGIN behind and no other provider's name contains what
# was written as well. Chosen on demo worlds (bench/linking.py): precision 1.000 with 82.9%
# (seed 1) and 83.8% (seed 2) of comments linked at 2,000 providers, against ceilings of
# 83.1% and 84.1%: the rest name a provider whose name another in the place (or, with no
# place, anywhere) shares, or are shortened to what several there share.
AUTO_LINK_THRESHOLD: float = 0.75
AUTO_LINK_MARGIN: float = 0.06
# How the place changes the confidence: inside the named place, no usable place, outside it.
PLACE_UNKNOWN = 0.85
PLACE_ELSEWHERE = 0.55
# A type word that contradicts the provider's type costs this factor; agreement adds a bonus.
TYPE_CONTRADICTS = 0.85
TYPE_AGREES = 0.03
# Type words written exactly as the provider's own ("Mill House Surgery", not "Mill House
# Family Practice"): when two providers share the name words, the wording tells them apart.
TYPE_EXACT = 0.05
# A name matched from its start is the likelier of two that contain what was written.
NOT_LEADING = 0.9
# Weight of a provider's type words ("care home") in how much of its name was written.
TYPE_WORD_WEIGHT = 1.0
# Weight of a leading "The" as written, when the provider's name has it too.
ARTICLE_WEIGHT = 1.0
# Word similarity (rapidfuzz ratio, 0-100) from which two words count as the same word.
WORD_MATCH = 80.0
WORD_MATCH_KNOWN = 88.0
PLACE_MATCH = 85.0
# A word run together from two known words is split unless it is this close to one word.
SPLIT_OVER = 0.9
CANDIDATES_KEPT = 5
_SHORTLIST = 15
SHORTLIST_SHARE = 0.5

STOP_WORDS = frozenset(
    {"the", "ltd", "limited", "and", "of", "plc", "llp", "cic", "uk", "at", "in", "on", "a"}
)
ABBREVIATIONS = {
    "st": "street",
    "rd": "road",
    "ave": "avenue",
    "ln": "lane",
    "ctr": "centre",
    "center": "centre",
    "hse": "house",
    "med": "medical",
    "drs": "doctors",
    "mt": "mount",
    "gdns": "gardens",
    "grn": "green",
}
# Longest phrases first, so "residential care home" is one type word, not "care home" + rest.
TYPE_WORDS: dict[str, str] = {
    "residential care home": "care_home",
    "nursing and residential home": "care_home",
    "care and nursing home": "care_home",
    "residential home": "care_home",
    "nursing home": "care_home",
    "care home": "care_home",
    "care centre": "care_home",
    "rest home": "care_home",
    "residential care": "care_home",
    "home care": "homecare",
    "homecare": "homecare",
    "domiciliary care": "homecare",
    "care at home": "homecare",
    "home help": "homecare",
    "medical practice": "gp_practice",
    "medical centre": "gp_practice",
    "health centre": "gp_practice",
    "group practice": "gp_practice",
    "family practice": "gp_practice",
    "doctors surgery": "gp_practice",
    "surgery": "gp_practice",
    "practice": "gp_practice",
    "gp": "gp_practice",
    "doctors": "gp_practice",
    "general hospital": "hospital",
    "community hospital": "hospital",
    "hospital": "hospital",
    "infirmary": "hospital",
    "mental health": "mental_health",
    "psychiatric": "mental_health",
    "dental practice": "dental",
    "dental": "dental",
    "dentist": "dental",
    "dentists": "dental",
    "ambulance": "ambulance",
    "hospice": "hospice",
}
# Type phrases written two ways: "Homecare" is "Home Care" run together.
SAME_WORDING = {"homecare": "home care"}
_TYPE_RE = re.compile(
    r"\b(" + "|".join(re.escape(p) for p in sorted(TYPE_WORDS, key=len, reverse=True)) + r")\b"
)
# Words of type phrases, alone: "Elmfield Medical" is Elmfield Medical Practice shortened.
TYPE_PARTS = frozenset(w for phrase in TYPE_WORDS for w in phrase.split()) | {"services"}
_TYPE_PART_LIST = sorted(TYPE_PARTS - {"gp", "at"})
PARTIAL_TYPE_WORDS = {
    "medical": "gp_practice",
    "nursing": "care_home",
    "residential": "care_home",
    "domiciliary": "homecare",
}
# Words around a place that are not the place: "near Leeds", "Leeds area".
_PLACE_NOISE = frozenset({"near", "in", "at", "the", "area", "town", "centre", "city", "of"})
_POSTCODE_RE = re.compile(r"^([a-z]{1,2}\d[a-z\d]?)\s*(\d[a-z]{2})?$")


@dataclass(frozen=True)
class LinkResult:
    """Where a comment was linked (provider_id None: left for a person) and how sure."""

    provider_id: str | None  # None: left unlinked, for a person
    confidence: float  # 0..1, of the best candidate
    candidates: tuple[tuple[str, float], ...]  # best few (provider_id, confidence)


@dataclass(frozen=True)
class NameParts:
    """A normalised name: its distinctive words, and its type words and the type they name."""

    words: tuple[str, ...]
    type_hint: str | None
    type_words: tuple[str, ...] = ()  # type phrases and leftover type words: ("care home",)
    type_tokens: tuple[str, ...] = ()  # their words and leftover type words, e.g. ("care", "home")
    article: bool = False  # the name begins with "The"


@lru_cache(maxsize=65536)
def _as_type_part(word: str) -> str:
    """`word`, or the type word it misspells or pluralises ("hosiptal", "homes")."""
    if word in TYPE_PARTS or word in STOP_WORDS:
        return word
    if word.endswith("s") and word[:-1] in TYPE_PARTS:
        return word[:-1]
    # Cut short: "pract", "resid" (only where one type word begins so).
    if len(word) >= 4:
        starts = [t for t in _TYPE_PART_LIST if t.startswith(word)]
        if len(starts) == 1:
            return starts[0]
    # Only long words: "Carey" is a name, not "care" misspelt.
    if len(word) >= 6:
        match = process.extractOne(word, _TYPE_PART_LIST, scorer=fuzz.ratio, score_cutoff=85)
        if match:
            return match[0]
    return word


def split_name(name: str | None) -> NameParts:
    """The distinctive words of `name` (normalised) and the provider type its type words name."""
    text = default_process(name) if isinstance(name, str) else ""
    words = text.split()
    article = bool(words) and words[0] == "the"
    # "St Mary's" is a saint, "Church St" a street.
    if words and words[0] == "st":
        words[0] = "saint"
    text = " ".join(_as_type_part(ABBREVIATIONS.get(w, w)) for w in words)
    phrases = tuple(SAME_WORDING.get(m, m) for m in _TYPE_RE.findall(text))
    hints = [TYPE_WORDS[m] for m in phrases]
    core = [w for w in _TYPE_RE.sub(" ", text).split() if w not in STOP_WORDS]
    # What is left of a type word ("Elmfield Medical", "Mapledene Home") is not the name,
    # though "medical" or "nursing" still say something of the type.
    words = tuple(w for w in core if w not in TYPE_PARTS)
    hints += [PARTIAL_TYPE_WORDS[w] for w in core if w in PARTIAL_TYPE_WORDS]
    leftover = tuple(w for w in core if w in TYPE_PARTS)
    tokens = tuple(w for p in phrases for w in p.split()) + leftover
    if not words:
        words = tuple(core)
    if not words:
        # "The Surgery": the type words are all the name there is.
        words = tuple(w for w in text.split() if w not in STOP_WORDS)
    return NameParts(words, hints[-1] if hints else None, phrases + leftover, tokens, article)


@dataclass(frozen=True)
class NameScore:
    """A written name against one provider's name, each 0..1."""

    score: float  # the blend used for confidence
    covered: float  # how much of what was written is in the provider's name
    written: float  # how much of the provider's name was written
    leads: bool  # the first word written is the first word of the provider's name


def place_keys(town: object, local_authority: object, postcode: object) -> list[str]:
    """The normalised keys a provider can be found under: town, local authority, district."""
    keys = []
    for value in (town, local_authority):
        key = default_process(str(value)) if isinstance(value, str) else ""
        if key:
            keys.append(key)
    if isinstance(postcode, str):
        match = _POSTCODE_RE.match(default_process(postcode))
        if match:
            keys.append(match.group(1))
    return keys


class Linker:
    """Links names as people write them to providers; build once per register, link many.

    `providers` has provider_id, name, type and any of town, local_authority, postcode.
    """

    def __init__(self, providers: pd.DataFrame) -> None:
        self.providers = providers
        frame = providers.reset_index(drop=True)
        col = {
            c: frame[c].tolist() if c in frame else [None] * len(frame)
            for c in ("provider_id", "name", "type", "town", "local_authority", "postcode")
        }
        self.ids_: list[str] = [str(v) for v in col["provider_id"]]
        parts = [split_name(n) for n in col["name"]]
        self.words_: list[tuple[str, ...]] = [p.words for p in parts]
        # A provider is of a type by its register type or by what its own name says.
        self.types_: list[frozenset[str]] = [
            frozenset(t for t in (ty if isinstance(ty, str) else None, p.type_hint) if t)
            for ty, p in zip(col["type"], parts, strict=True)
        ]
        self.type_words_: list[frozenset[str]] = [frozenset(p.type_words) for p in parts]
        self.article_: list[bool] = [p.article for p in parts]
        self.type_distinct_: list[frozenset[str]] = [_distinct_all(p) for p in parts]
        self.type_masks_: dict[str, np.ndarray] = {}
        for i, words in enumerate(self.type_distinct_):
            for w in words:
                if w not in self.type_masks_:
                    self.type_masks_[w] = np.zeros(len(self.type_distinct_), dtype=bool)
                self.type_masks_[w][i] = True
        self.joined_: list[str] = [" ".join(w) for w in self.words_]
        self.type_tokens_: list[tuple[str, ...]] = [p.type_tokens for p in parts]
        self.full_: list[str] = [" ".join(p.words + p.type_tokens) for p in parts]
        n = len(self.ids_)
        postings: dict[str, list[int]] = {}
        for i, words in enumerate(self.words_):
            for w in set(words):
                postings.setdefault(w, []).append(i)
        self.vocab_: list[str] = list(postings)
        # Words one slip apart (a letter dropped, added, changed or swapped) share a
        # one-letter deletion: an index of those finds them without scanning the vocabulary.
        self._deletions: dict[str, set[str]] = {}
        for w in self.vocab_:
            if len(w) > 3 and not w.isdigit():
                for key in _deletions(w):
                    self._deletions.setdefault(key, set()).add(w)
        self.postings_: dict[str, np.ndarray] = {
            w: np.asarray(ix, dtype=np.int64) for w, ix in postings.items()
        }
        self.idf_: dict[str, float] = {
            w: math.log((n + 1) / (len(ix) + 0.5)) for w, ix in postings.items()
        }
        self.unknown_idf_ = math.log(n + 1) if n else 1.0
        places: dict[str, list[int]] = {}
        for i, (t, la, pc) in enumerate(
            zip(col["town"], col["local_authority"], col["postcode"], strict=True)
        ):
            for key in place_keys(t, la, pc):
                places.setdefault(key, []).append(i)
        self.places_: dict[str, frozenset[int]] = {k: frozenset(v) for k, v in places.items()}
        self.place_vocab_: list[str] = list(places)
        self._word_cache: dict[str, list[tuple[str, float]]] = {}
        self._place_cache: dict[str, tuple[frozenset[int], float] | None] = {}
        self._cache: dict[tuple[str, str], LinkResult] = {}
        self._pool_cache: dict[int, tuple[frozenset[int], list[int], list[str], np.ndarray]] = {}

    # -- places ---------------------------------------------------------------------------
    def resolve_place(self, place: str | None) -> tuple[frozenset[int], float] | None:
        """The providers in `place` and how well the place matched (0..1); None if unknown."""
        key = default_process(place or "")
        if not key:
            return None
        if key not in self._place_cache:
            self._place_cache[key] = self._resolve_place(key)
        return self._place_cache[key]

    def _resolve_place(self, key: str) -> tuple[frozenset[int], float] | None:
        if key in self.places_:
            return self.places_[key], 1.0
        # "Leeds, West Yorkshire", "near Leeds": try each part and each run of words.
        words = [w for w in key.split() if w not in _PLACE_NOISE]
        found: set[int] = set()
        for size in range(min(3, len(words)), 0, -1):
            for start in range(len(words) - size + 1):
                hit = self.places_.get(" ".join(words[start : start + size]))
                if hit:
                    found |= hit
            if found:
                return frozenset(found), 1.0
        cleaned = " ".join(words)
        if len(cleaned) < 4 or not self.place_vocab_:
            return None
        matches = process.extract(
            cleaned, self.place_vocab_, scorer=fuzz.ratio, score_cutoff=PLACE_MATCH, limit=3
        )
        if not matches:
            return None
        best = matches[0][1]
        for m in matches:
            if m[1] >= best - 0.01:
                found |= self.places_[m[0]]
        return frozenset(found), best / 100.0

    def place_in_text(self, text: str | None) -> str | None:
        """A place of the register that `text` names (one word run, exactly), or None."""
        if not text:
            return None
        words = default_process(text).split()
        hits = []
        for size in (3, 2, 1):
            for start in range(len(words) - size + 1):
                key = " ".join(words[start : start + size])
                if key in self.places_ and len(key) >= 4:
                    hits.append(key)
        # Two different places in one text: which one is the service's is not knowable.
        distinct = {h for h in hits if not any(h != o and h in o for o in hits)}
        return distinct.pop() if len(distinct) == 1 else None

    # -- names ----------------------------------------------------------------------------
    def _similar_words(self, word: str) -> list[tuple[str, float]]:
        if word not in self._word_cache:
            known = word in self.postings_
            if len(word) <= 3 or word.isdigit():
                found = [(word, 1.0)] if known else []
            else:
                # A word the register knows is most likely meant as written: only its
                # close variants ("meadow", "meadows") join it, not "horse" for "house".
                cutoff = WORD_MATCH_KNOWN if known else WORD_MATCH
                near = {word} if known else set()
                for key in _deletions(word):
                    near |= self._deletions.get(key, set())
                found = [(w, fuzz.ratio(word, w) / 100.0) for w in near]
                found = [(w, s) for w, s in found if s * 100.0 >= cutoff]
                if not found and not known:
                    # Two slips are beyond one deletion: search the vocabulary.
                    found = [
                        (m[0], m[1] / 100.0)
                        for m in process.extract(
                            word, self.vocab_, scorer=fuzz.ratio, score_cutoff=cutoff, limit=8
                        )
                    ]
            self._word_cache[word] = found
        return self._word_cache[word]

    def _weight(self, word: str, similar: list[tuple[str, float]]) -> float:
        if word in self.idf_:
            return self.idf_[word]
        if similar:
            return max(self.idf_[w] for w, _ in similar)
        return self.unknown_idf_

    def name_score(self, query: NameParts, i: int) -> NameScore:
        """How well the written name matches provider i's name: score, covered, written, 0..1.

        The provider's type words count in how much of its name was written, at a small
        weight: "Holmleigh" is as short for "Holmleigh Home Care" as for "Holmleigh House".
        """
        words = self.words_[i]
        if not query.words or not words:
            return NameScore(0.0, 0.0, 0.0, False)
        q_total = p_total = q_hit = 0.0
        best_for_p = dict.fromkeys(words, 0.0)
        for q in query.words:
            similar = dict(self._similar_words(q))
            weight = self._weight(q, list(similar.items()))
            q_total += weight
            best = 0.0
            for w in words:
                s = similar.get(w, 0.0)
                if s > best:
                    best = s
                if s > best_for_p[w]:
                    best_for_p[w] = s
            q_hit += weight * best
        p_hit = 0.0
        for w, s in best_for_p.items():
            weight = self.idf_.get(w, self.unknown_idf_)
            p_total += weight
            p_hit += weight * s
        units = self.type_words_[i]
        if units:
            # All its type words together weigh like one common word.
            p_total += TYPE_WORD_WEIGHT
            p_hit += (
                TYPE_WORD_WEIGHT
                * sum(
                    1.0
                    if u in query.type_words
                    else 0.5 * bool(_distinct(u) & _distinct_all(query))
                    for u in units
                )
                / len(units)
            )
        found_total, written_total = q_hit, q_total
        if query.article:
            # "The Brookfield" written is The Brookfield rather than Brookfield House; a name
            # without it ("Brookfield") stays as likely either.
            found_total += ARTICLE_WEIGHT * self.article_[i]
            written_total += ARTICLE_WEIGHT
        named = found_total / written_total
        if query.type_words:
            # Type words written count in what was written, at the same small weight;
            # "care" or "home" alone match nothing ("domiciliary care" is not "care at home").
            own = self.type_distinct_[i]
            found = sum(
                1.0 if u in units else float(" " not in u and u in own) for u in query.type_words
            ) / len(query.type_words)
            found_total += TYPE_WORD_WEIGHT * found
            written_total += TYPE_WORD_WEIGHT
        covered = found_total / written_total
        # Type words written and not in the name count against it: "Cedar Residential Home"
        # is less The Cedar than Cedar Residential Home. A type they contradict is already
        # charged for (TYPE_CONTRADICTS), so it is not charged twice.
        agrees = query.type_hint is None or query.type_hint in self.types_[i]
        soft = 0.6 * (covered if agrees else named) + 0.4 * p_hit / p_total
        written = " ".join(query.words + query.type_tokens)
        whole = fuzz.token_sort_ratio(written, self.full_[i]) / 100.0
        # People cut names from the end: "Meadowbank" is more likely Meadowbank Home Care
        # than Caring Hands Meadowbank.
        leads = words[0] in dict(self._similar_words(query.words[0]))
        return NameScore(max(soft, whole), covered, max(p_hit / p_total, whole), leads)

    def _shortlist(self, parts: NameParts, within: frozenset[int] | None) -> list[int]:
        """Providers sharing (nearly) a word with the query: the best by weighted overlap."""
        query = parts.words
        all_rows: list[np.ndarray] = []
        all_values: list[np.ndarray] = []
        total = 0.0
        for q in query:
            similar = self._similar_words(q)
            weight = self._weight(q, similar)
            total += weight
            if not similar:
                continue
            # Each written word counts once per provider: its best match among the words.
            ordered = sorted(similar, key=lambda ws: -ws[1])
            rows = np.concatenate([self.postings_[w] for w, _ in ordered])
            values = np.concatenate(
                [np.full(len(self.postings_[w]), s * weight) for w, s in ordered]
            )
            rows, first = np.unique(rows, return_index=True)
            all_rows.append(rows)
            all_values.append(values[first])
        if all_rows:
            ids, inverse = np.unique(np.concatenate(all_rows), return_inverse=True)
            sums = np.bincount(inverse, weights=np.concatenate(all_values))
            # Type words only order providers the name already found (Cedar Surgery before
            # Cedar Lodge), so a common type word never floods the shortlist.
            distinct = [w for w in _distinct_all(parts) if w in self.type_masks_]
            for w in distinct:
                sums += self.type_masks_[w][ids] * (TYPE_WORD_WEIGHT / len(distinct))
            order = np.argsort(-sums, kind="stable")
            top, top_scores = ids[order], sums[order]
        else:
            top, top_scores = np.zeros(0, dtype=np.int64), np.zeros(0)
        # A provider sharing under half of the best one's overlap cannot win or rival it.
        if len(top):
            floor = -SHORTLIST_SHARE * top_scores[0]
            keep = int(np.searchsorted(-top_scores, floor, side="right"))
            top, top_scores = top[:keep], top_scores[:keep]
        # Ties at the cut all stay: equal names in other towns must be seen to be rivals.
        cut = min(_SHORTLIST, len(top))
        while cut < min(len(top), 4 * _SHORTLIST) and top_scores[cut] >= top_scores[cut - 1] - 1e-9:
            cut += 1
        short = top[:cut].tolist()
        if within is not None and len(top) > cut:
            rest = top[cut:]
            short += rest[self._place_pool(within)[2][rest]][:_SHORTLIST].tolist()
        best_overlap = top_scores[0] / total if len(top) and total else 0.0
        if best_overlap < 0.75 and len(" ".join(query)) >= 4:
            # A typo that splits or joins words ("oak wood") shares no word: catch it whole.
            if within is not None and len(within) < 5000:
                pool, choices, _ = self._place_pool(within)
            else:
                pool, choices = None, self.joined_
            for _, _, k in process.extract(
                " ".join(query), choices, scorer=fuzz.ratio, score_cutoff=WORD_MATCH, limit=5
            ):
                short.append(pool[k] if pool is not None else k)
        return list(dict.fromkeys(short))

    def _place_pool(self, within: frozenset[int]) -> tuple[list[int], list[str], np.ndarray]:
        """The providers of a place: sorted, their joined names, and as a mask."""
        key = id(within)
        if key not in self._pool_cache:
            pool = sorted(within)
            mask = np.zeros(len(self.ids_), dtype=bool)
            mask[pool] = True
            self._pool_cache[key] = (within, pool, [self.joined_[i] for i in pool], mask)
        _, pool, choices, mask = self._pool_cache[key]
        return pool, choices, mask

    # -- linking --------------------------------------------------------------------------
    def link(self, name: str | None, place: str | None, text: str | None = None) -> LinkResult:
        """The provider `name` in `place` means, with confidence and runner-up candidates."""
        name = name if isinstance(name, str) else None
        place = place if isinstance(place, str) and place.strip() else None
        if place is None:
            place = self.place_in_text(text if isinstance(text, str) else None)
        key = (default_process(name or ""), default_process(place or ""))
        if key not in self._cache:
            self._cache[key] = self._link(name, place)
        return self._cache[key]

    def _link(self, name: str | None, place: str | None) -> LinkResult:
        parts = self._split_joined(name, split_name(name))
        if not parts.words or not self.ids_:
            return LinkResult(None, 0.0, ())
        resolved = self.resolve_place(place)
        within = resolved[0] if resolved else None
        scored: list[tuple[str, float, float, bool]] = []
        for i in self._shortlist(parts, within):
            name = self.name_score(parts, i)
            if resolved is None:
                factor = PLACE_UNKNOWN
            elif i in resolved[0]:
                factor = 1.0 - 0.5 * (1.0 - resolved[1])
            else:
                factor = PLACE_ELSEWHERE
            bonus = 0.0
            if parts.type_hint:
                if parts.type_hint not in self.types_[i]:
                    factor *= TYPE_CONTRADICTS
                else:
                    bonus = TYPE_AGREES
            # Type words (and a leading "The") written exactly as this provider's own.
            exact = (
                bool(parts.type_words)
                and frozenset(parts.type_words) == self.type_words_[i]
                and parts.article == self.article_[i]
            )
            if exact:
                bonus += TYPE_EXACT
            score = name.score * factor + bonus
            lead = 1.0 if name.leads else NOT_LEADING
            scored.append((self.ids_[i], score, name.covered * factor * lead, exact))
        # Ranked and compared before rounding and capping, so a bonus still separates two.
        scored.sort(key=lambda c: (-c[1], c[0]))
        if not scored:
            return LinkResult(None, 0.0, ())
        best = scored[0]
        runner_up = scored[1][1] if len(scored) > 1 else 0.0
        top = tuple(
            (pid, round(min(1.0, max(0.0, c)), 4)) for pid, c, _, _ in scored[:CANDIDATES_KEPT]
        )
        # A name that another provider's name (in the place, if one was given) contains
        # just as well is ambiguous, however short the other's name: "Holmleigh" may be
        # Holmleigh House or Holmleigh Home Care, "Laurel" The Laurel or Laurel Care Home.
        # But a name written with its type words exactly as the best's own ("Northfield
        # Centre", "Redwood Home Care") is not one that a longer or other wording contains.
        rival = any(
            c[2] >= best[2] - AUTO_LINK_MARGIN and not (best[3] and not c[3]) for c in scored[1:]
        )
        if best[1] >= AUTO_LINK_THRESHOLD and best[1] - runner_up >= AUTO_LINK_MARGIN and not rival:
            return LinkResult(best[0], top[0][1], top)
        return LinkResult(None, top[0][1], top)

    def _split_joined(self, name: str | None, parts: NameParts) -> NameParts:
        """`parts` of `name` with words run together ("silverdalehouse") split where both
        halves are known, the whole name read again ("OakwoodCare Home" has "care home")."""
        known = self.postings_
        splits: dict[str, str] = {}
        for w in parts.words:
            # A near-miss of one known word ("greenacrescourt" is 80 like "greenacres") is
            # no reason not to split: two exactly known halves explain it better.
            if len(w) < 7 or w in known:
                continue
            if max((s for _, s in self._similar_words(w)), default=0.0) >= SPLIT_OVER:
                continue
            for cut in range(3, len(w) - 2):
                left, right = w[:cut], w[cut:]
                if (left in known or left in TYPE_PARTS or left == "the") and (
                    right in known or _as_type_part(right) in TYPE_PARTS
                ):
                    splits[w] = f"{left} {right}"
                    break
        if not splits:
            return parts
        words = default_process(name or "").split()
        return split_name(" ".join(splits.get(w, w) for w in words))

    def link_many(self, rows: pd.DataFrame) -> list[LinkResult]:
        """One LinkResult per row of `rows` (columns provider_name, place, optional text)."""
        names = _column(rows, "provider_name")
        places = _column(rows, "place")
        texts = _column(rows, "text")
        return [self.link(n, p, t) for n, p, t in zip(names, places, texts, strict=True)]


GENERIC_TYPE_WORDS = frozenset({"care", "home", "at", "and", "services"})


def _distinct(unit: str) -> frozenset[str]:
    """The words of a type phrase that tell one type wording from another."""
    return frozenset(unit.split()) - GENERIC_TYPE_WORDS


def _distinct_all(parts: NameParts) -> frozenset[str]:
    return frozenset(w for u in parts.type_words for w in _distinct(u))


def _deletions(word: str) -> set[str]:
    """`word` and every string made by deleting one of its letters."""
    return {word} | {word[:i] + word[i + 1 :] for i in range(len(word))}


def _column(rows: pd.DataFrame, name: str) -> Iterable[str | None]:
    if name not in rows:
        return [None] * len(rows)
    return [v if isinstance(v, str) else None for v in rows[name].tolist()]
