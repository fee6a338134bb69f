"""The data contract (`shared/contract/DATA-CONTRACT.md`) as code: files, columns, rules.

The loader, the demo world and the adapters all read these specs, so a column is named
and typed in exactly one place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["text", "date", "decimal", "positive_int", "star", "enum"]

RATINGS: tuple[str, ...] = ("Outstanding", "Good", "Requires improvement", "Inadequate")
HARMS: tuple[str, ...] = ("none", "low", "moderate", "severe", "death")
# How the contract's example service types read on screen; other values show as written,
# underscores as spaces.
SERVICE_TYPE_LABELS: dict[str, str] = {
    "care_home": "care home",
    "gp_practice": "GP practice",
    "mental_health": "mental health",
}


def service_type_label(service_type: object) -> str:
    """Returns the words a person reads for a provider type ("gp_practice" -> "GP practice");
    "" when there is none (None, or NaN as a missing string reads from a frame)."""
    if not isinstance(service_type, str):
        return ""
    return SERVICE_TYPE_LABELS.get(service_type, service_type.replace("_", " "))


ABUSE_TYPES: tuple[str, ...] = (
    "physical",
    "sexual",
    "psychological",
    "financial",
    "neglect",
    "discriminatory",
    "organisational",
    "domestic",
    "modern_slavery",
    "self_neglect",
)
# The kinds of serious concern read in people's words: the Care Act 2014 statutory
# guidance's ten types of abuse and neglect (ABUSE_TYPES' keys), then the clinical harms
# inspectors treat as serious.
CONCERN_KINDS: dict[str, str] = {
    "physical": "physical abuse",
    "sexual": "sexual abuse",
    "psychological": "psychological or emotional abuse",
    "financial": "financial or material abuse",
    "neglect": "neglect or acts of omission",
    "discriminatory": "discriminatory abuse",
    "organisational": "organisational abuse",
    "domestic": "domestic abuse",
    "modern_slavery": "modern slavery",
    "self_neglect": "self-neglect",
    "medication": "medication error or omission",
    "falls": "fall with injury",
    "pressure_ulcers": "pressure ulcer",
    "choking": "choking or unsafe swallowing",
    "dehydration_malnutrition": "dehydration or malnutrition",
    "missing_person": "missing person",
    "restraint": "unlawful restraint or deprivation of liberty",
    "unexpected_death": "unexpected or avoidable death",
    "reprisal": "fear of reprisal or silenced whistleblowing",
}
RISK_LEVELS: tuple[str, ...] = ("low", "medium", "high")
KEY_QUESTIONS: tuple[str, ...] = ("safe", "effective", "caring", "responsive", "well_led")


def enum_key(value: str) -> str:
    """Folds an enumerated value: case-insensitive, spaces, hyphens and underscores alike."""
    return re.sub(r"[\s\-_]+", "_", value.strip().lower())


def header_key(name: str) -> str:
    """Folds a header: case-insensitive, surrounding spaces ignored."""
    return name.strip().lower()


@dataclass(frozen=True)
class Column:
    """One column of a contract file."""

    name: str
    required: bool
    kind: Kind = "text"
    values: tuple[str, ...] = ()
    max_chars: int | None = None  # a text longer than this is refused

    def canonical(self) -> dict[str, str]:
        """Maps each folded enum value to the spelling stored (the contract's own)."""
        return {enum_key(v): v for v in self.values}


@dataclass(frozen=True)
class FileSpec:
    """One contract file: its name, columns, record id and the table it fills."""

    filename: str
    table: str
    id_column: str
    columns: tuple[Column, ...]
    # Columns whose provider_id must exist; comments may be unlinked.
    provider_required: bool = True
    # Where the id column is optional (inspections), the id is built from these.
    fallback_id: tuple[str, ...] = field(default_factory=tuple)
    # Values the loader writes on every row, not read from the file: (column, value).
    stamped: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


PROVIDERS = FileSpec(
    filename="providers.csv",
    table="provider",
    id_column="provider_id",
    provider_required=False,
    columns=(
        Column("provider_id", True),
        Column("name", True),
        Column("type", True),
        Column("region", False),
        Column("local_authority", False),
        Column("town", False),
        Column("postcode", False),
        Column("latitude", False, "decimal"),
        Column("longitude", False, "decimal"),
        Column("capacity", False, "positive_int"),
        Column("organisation", False),
    ),
)

INSPECTIONS = FileSpec(
    filename="inspections.csv",
    table="inspection",
    id_column="inspection_id",
    fallback_id=("provider_id", "published_on"),
    columns=(
        Column("provider_id", True),
        Column("published_on", True, "date"),
        Column("overall", True, "enum", RATINGS),
        *(Column(q, False, "enum", RATINGS) for q in KEY_QUESTIONS),
        Column("inspection_id", False),
    ),
)

INCIDENTS = FileSpec(
    filename="incidents.csv",
    table="incident",
    id_column="incident_id",
    columns=(
        Column("incident_id", True),
        Column("provider_id", True),
        Column("occurred_on", True, "date"),
        Column("harm", True, "enum", HARMS),
        Column("category", False),
        Column("reported_on", False, "date"),
        Column("description", False),
    ),
)

SAFEGUARDING = FileSpec(
    filename="safeguarding.csv",
    table="safeguardingalert",
    id_column="alert_id",
    columns=(
        Column("alert_id", True),
        Column("provider_id", True),
        Column("raised_on", True, "date"),
        Column("abuse_type", True, "enum", ABUSE_TYPES),
        Column("risk_level", True, "enum", RISK_LEVELS),
        Column("source", False),
        Column("status", False),
        Column("summary", False),
    ),
)

EBE_NOTES = FileSpec(
    filename="ebe_notes.csv",
    table="ebenote",
    id_column="note_id",
    columns=(
        Column("note_id", True),
        Column("provider_id", True),
        Column("visit_on", True, "date"),
        Column("text", True),
        Column("author", False),
    ),
)

COMMENTS = FileSpec(
    filename="comments.csv",
    table="comment",
    id_column="comment_id",
    provider_required=False,
    columns=(
        Column("comment_id", True),
        Column("received_on", True, "date"),
        Column("text", True),
        Column("provider_id", False),
        Column("provider_name", False),
        Column("place", False),
        Column("channel", False),
        Column("rating", False, "star"),
        Column("age_band", False),
        Column("carer", False),
        Column("disability", False),
        Column("ethnicity", False),
    ),
)

# Load order matters: providers first, so the other files can name them.
FILES: tuple[FileSpec, ...] = (PROVIDERS, INSPECTIONS, INCIDENTS, SAFEGUARDING, EBE_NOTES, COMMENTS)

# ---------------------------------------------------------------- Carelens's extension

# The kinds of line of enquiry a visit brief makes (risk/brief.py), named by what made the
# line, and the key questions each can stand under. A line's key is "question:kind": what
# made it, not its words or its place, so the same line on a later brief has the same key
# and a verdict on it can be read against the next brief and learned from.
ENQUIRY_LINES: dict[str, tuple[str, ...]] = {
    "harm": ("safe",),  # incidents of moderate harm or worse
    "safeguarding": ("safe",),  # safeguarding alerts
    "voices": KEY_QUESTIONS,  # negative or serious comments and notes, per key question
    "rating_fall": ("well_led",),  # a fall in the overall rating
    "unseen_concerns": ("well_led",),  # serious concerns nobody has marked seen
    "nothing": KEY_QUESTIONS,  # "nothing specific in the evidence: check as usual"
}
# Which key question a theme of people's words belongs to (the text helper's theme names):
# a voices line stands under the key question of the themes its comments and notes raise.
THEME_QUESTION: dict[str, str] = {
    "safe": "safe",
    "staffing": "safe",
    "medicines": "safe",
    "abuse_neglect": "safe",
    "environment_cleanliness": "safe",
    "effective": "effective",
    "food_drink": "effective",
    "caring": "caring",
    "dignity_respect": "caring",
    "responsive": "responsive",
    "access_waiting": "responsive",
    "communication": "responsive",
    "well_led": "well_led",
    "leadership": "well_led",
}
ENQUIRY_KEYS: tuple[str, ...] = tuple(
    f"{q}:{kind}" for q in KEY_QUESTIONS for kind, qs in ENQUIRY_LINES.items() if q in qs
)
# What an inspector found on a visit about one line of enquiry.
VERDICTS: tuple[str, ...] = ("confirmed", "not_found", "not_looked_at")
MAX_VERDICT_NOTE = 500  # characters of a verdict's note


def enquiry_key(question: str, kind: str) -> str:
    """The stable key of a line of enquiry: "safe:harm", "caring:voices"."""
    return f"{question}:{kind}"


# Inspectors' verdicts after a visit, one row per line of enquiry answered. Not in the
# shared contract: an optional file Carelens reads beside it. Stored by provider, visit
# and line (sources.store.Verdict), so loading the same file again changes nothing.
VERDICT_FILE = FileSpec(
    filename="verdicts.csv",
    table="verdict",
    id_column="verdict_id",
    fallback_id=("provider_id", "visit_on", "enquiry_key"),
    stamped=(("source", "file"),),
    columns=(
        Column("provider_id", True),
        Column("visit_on", True, "date"),
        Column("enquiry_key", True, "enum", ENQUIRY_KEYS),
        Column("verdict", True, "enum", VERDICTS),
        Column("note", False, max_chars=MAX_VERDICT_NOTE),
        Column("recorded_by", False),
    ),
)
# Every file a load reads, in load order: the contract's, then the extension's.
LOADED_FILES: tuple[FileSpec, ...] = (*FILES, VERDICT_FILE)
BY_FILENAME: dict[str, FileSpec] = {f.filename: f for f in LOADED_FILES}
