"""The Single Assessment Framework: its 34 quality statements and what evidence informs each.

Two tables an analyst reads and edits, beside this module:
- `quality_statement_list.csv`: key_question, statement_id, title (as CQC words it), in
  the framework's order;
- `quality_statements.csv`: kind, category, key_question, statements (ids, ";" between),
  evidence_category, why: one row per piece of evidence Carelens holds and key question it
  informs (a piece may inform more than one key question: one row each).

Kinds: incident_category (an incident's free-text category; an unmapped one reads as
"other"), abuse_type (contract.ABUSE_TYPES), theme (text.themes.THEMES), concern_kind
(contract.CONCERN_KINDS), indicator (risk.indicators.INDICATORS), rating (the inspection
ratings: overall and per key question), enquiry (the brief's lines of enquiry that no
category names). Reading checks every row against the list, so a typo fails loudly.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from sources.contract import KEY_QUESTIONS

HERE = Path(__file__).resolve().parent
STATEMENTS_FILE = HERE / "quality_statement_list.csv"
MAPPING_FILE = HERE / "quality_statements.csv"

# The framework's six evidence categories as CQC words them, and one that is not a category:
# a past rating is context the inspector starts from, not evidence of today's care.
EVIDENCE_CATEGORIES: dict[str, str] = {
    "people_experience": "people's experience of health and care services",
    "staff_leaders": "feedback from staff and leaders",
    "partners": "feedback from partners",
    "observation": "observation",
    "processes": "processes",
    "outcomes": "outcomes",
    "past_rating": "previous rating (context, not an evidence category)",
}
KINDS: tuple[str, ...] = (
    "incident_category",
    "abuse_type",
    "theme",
    "concern_kind",
    "indicator",
    "rating",
    "enquiry",
)
# What an incident with no category, or one nobody mapped yet, is read as.
OTHER_INCIDENT = "other"
# The kinds that are evidence read from the sources (the rest are derived from them).
SOURCE_KINDS: tuple[str, ...] = ("incident_category", "abuse_type", "theme", "concern_kind")


@dataclass(frozen=True)
class Statement:
    """One quality statement ("we statement") under its key question."""

    key_question: str  # contract.KEY_QUESTIONS
    statement_id: str
    title: str


@dataclass(frozen=True)
class Mapping:
    """What one piece of evidence informs under one key question."""

    kind: str  # KINDS
    category: str
    key_question: str
    statements: tuple[str, ...]  # statement ids, all under key_question
    evidence_category: str  # EVIDENCE_CATEGORIES key
    why: str = ""


@dataclass(frozen=True)
class Framework:
    """The statements in the framework's order and the mappings onto them."""

    statements: tuple[Statement, ...]
    mappings: tuple[Mapping, ...]

    def statement(self, statement_id: str) -> Statement:
        """The statement with that id; KeyError when there is none."""
        for s in self.statements:
            if s.statement_id == statement_id:
                return s
        raise KeyError(statement_id)

    def title(self, statement_id: str) -> str:
        """The statement's title as CQC words it."""
        return self.statement(statement_id).title

    def order(self, statement_id: str) -> int:
        """Where the statement comes in the framework (0 = Safe's first)."""
        return [s.statement_id for s in self.statements].index(statement_id)

    def under(self, key_question: str) -> tuple[Statement, ...]:
        """The statements of one key question, in the framework's order."""
        return tuple(s for s in self.statements if s.key_question == key_question)

    def lookup(self, kind: str, category: str) -> tuple[Mapping, ...]:
        """The rows for one piece of evidence (every key question it informs); an incident
        category nobody mapped reads as OTHER_INCIDENT, any other unknown as none."""
        found = tuple(m for m in self.mappings if m.kind == kind and m.category == category)
        if not found and kind == "incident_category" and category != OTHER_INCIDENT:
            return self.lookup(kind, OTHER_INCIDENT)
        return found

    def reachable(self) -> frozenset[str]:
        """The statement ids some source Carelens reads can inform (SOURCE_KINDS)."""
        return frozenset(s for m in self.mappings if m.kind in SOURCE_KINDS for s in m.statements)


def _rows(path: Path, columns: tuple[str, ...]) -> Iterable[tuple[int, dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        if tuple(reader.fieldnames or ()) != columns:
            raise ValueError(f"{path.name}: the header must be {','.join(columns)}")
        for line, row in enumerate(reader, start=2):
            yield line, {k: (v or "").strip() for k, v in row.items()}


def read_statements(path: Path = STATEMENTS_FILE) -> tuple[Statement, ...]:
    """The quality statements in the file's order. Raises ValueError, naming the line, for
    an unknown key question, an empty title or a repeated id."""
    found: list[Statement] = []
    for line, row in _rows(path, ("key_question", "statement_id", "title")):
        where = f"{path.name} line {line}"
        if row["key_question"] not in KEY_QUESTIONS:
            raise ValueError(f"{where}: unknown key question {row['key_question']!r}")
        if not row["statement_id"] or not row["title"]:
            raise ValueError(f"{where}: a statement needs an id and a title")
        if any(s.statement_id == row["statement_id"] for s in found):
            raise ValueError(f"{where}: statement id {row['statement_id']!r} is used twice")
        found.append(Statement(row["key_question"], row["statement_id"], row["title"]))
    return tuple(found)


def read_mappings(
    statements: tuple[Statement, ...], path: Path = MAPPING_FILE
) -> tuple[Mapping, ...]:
    """The mappings in the file's order. Raises ValueError, naming the line, for an unknown
    kind, key question or evidence category, a statement that does not exist or is under
    another key question, a row naming no statement, or a piece mapped twice under one key
    question."""
    question_of = {s.statement_id: s.key_question for s in statements}
    columns = ("kind", "category", "key_question", "statements", "evidence_category", "why")
    found: list[Mapping] = []
    for line, row in _rows(path, columns):
        where = f"{path.name} line {line}"
        if row["kind"] not in KINDS:
            raise ValueError(f"{where}: unknown kind {row['kind']!r}")
        if row["key_question"] not in KEY_QUESTIONS:
            raise ValueError(f"{where}: unknown key question {row['key_question']!r}")
        if row["evidence_category"] not in EVIDENCE_CATEGORIES:
            raise ValueError(f"{where}: unknown evidence category {row['evidence_category']!r}")
        ids = tuple(s.strip() for s in row["statements"].split(";") if s.strip())
        if not ids:
            raise ValueError(f"{where}: name at least one quality statement")
        for statement_id in ids:
            if statement_id not in question_of:
                raise ValueError(f"{where}: no quality statement {statement_id!r}")
            if question_of[statement_id] != row["key_question"]:
                raise ValueError(
                    f"{where}: {statement_id!r} is under {question_of[statement_id]}, "
                    f"not {row['key_question']}"
                )
        key = (row["kind"], row["category"], row["key_question"])
        if any((m.kind, m.category, m.key_question) == key for m in found):
            raise ValueError(f"{where}: {row['kind']} {row['category']!r} is mapped twice")
        found.append(
            Mapping(
                row["kind"],
                row["category"],
                row["key_question"],
                ids,
                row["evidence_category"],
                row["why"],
            )
        )
    return tuple(found)


def read_framework(
    statements_path: Path = STATEMENTS_FILE, mapping_path: Path = MAPPING_FILE
) -> Framework:
    """Both tables, checked against each other."""
    statements = read_statements(statements_path)
    return Framework(statements, read_mappings(statements, mapping_path))


@cache
def framework() -> Framework:
    """The framework as shipped beside this module, read once per process."""
    return read_framework()
