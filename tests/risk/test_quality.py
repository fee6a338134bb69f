"""The quality statements and the mapping of every piece of evidence onto them.

The category lists are read from the code that makes them, so a new incident category,
abuse type, theme, kind of concern or indicator without a row here fails a test.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from risk import brief, quality
from risk.indicators import INDICATORS
from risk.views.explanation import INDICATOR_LABELS
from sources.contract import ABUSE_TYPES, CONCERN_KINDS, INSPECTIONS, KEY_QUESTIONS, RATINGS
from sources.demo.words import INCIDENT_CATEGORIES
from sources.text.themes import THEMES

FRAMEWORK = quality.read_framework()
# The contract names these as examples of an incident's category.
CONTRACT_INCIDENT_EXAMPLES = ("falls", "medication", "pressure_ulcer")


def _categories() -> dict[str, set[str]]:
    demo = {c for table in INCIDENT_CATEGORIES.values() for c, _ in table}
    ratings = {c.name for c in INSPECTIONS.columns if c.values == RATINGS}
    return {
        "incident_category": demo | set(CONTRACT_INCIDENT_EXAMPLES) | {quality.OTHER_INCIDENT},
        "abuse_type": set(ABUSE_TYPES),
        "theme": set(THEMES),
        "concern_kind": set(CONCERN_KINDS),
        "indicator": set(INDICATORS) | set(INDICATOR_LABELS),
        "rating": ratings,
        "enquiry": set(brief.ENQUIRY_KINDS),
    }


def test_the_framework_has_its_34_statements_in_order() -> None:
    statements = FRAMEWORK.statements
    assert len(statements) == 34
    counts = {q: len(FRAMEWORK.under(q)) for q in KEY_QUESTIONS}
    assert counts == {"safe": 8, "effective": 6, "caring": 5, "responsive": 7, "well_led": 8}
    assert [s.key_question for s in statements] == sorted(
        (s.key_question for s in statements), key=KEY_QUESTIONS.index
    )
    assert FRAMEWORK.under("safe")[0].title == "Learning culture"
    assert FRAMEWORK.title("environmental_sustainability") == (
        "Environmental sustainability – sustainable development"
    )


def test_every_statement_id_and_title_is_unique() -> None:
    ids = [s.statement_id for s in FRAMEWORK.statements]
    titles = [s.title for s in FRAMEWORK.statements]
    assert len(set(ids)) == len(ids)
    assert len(set(titles)) == len(titles)


@pytest.mark.parametrize("kind", quality.KINDS)
def test_every_category_of_every_kind_is_mapped(kind: str) -> None:
    mapped = {m.category for m in FRAMEWORK.mappings if m.kind == kind}
    expected = _categories()[kind]
    assert expected - mapped == set(), f"{kind}: no row in quality_statements.csv"
    assert mapped - expected == set(), f"{kind}: rows for categories the code never makes"


def test_every_mapped_statement_exists_under_its_key_question() -> None:
    for m in FRAMEWORK.mappings:
        for statement_id in m.statements:
            assert FRAMEWORK.statement(statement_id).key_question == m.key_question
        assert m.evidence_category in quality.EVIDENCE_CATEGORIES


def test_themes_map_to_the_key_question_the_brief_puts_them_under() -> None:
    for theme in THEMES:
        questions = {m.key_question for m in FRAMEWORK.lookup("theme", theme)}
        assert questions == {brief.THEME_QUESTION[theme]}


def test_an_unmapped_incident_category_reads_as_other() -> None:
    assert FRAMEWORK.lookup("incident_category", "something new") == FRAMEWORK.lookup(
        "incident_category", quality.OTHER_INCIDENT
    )
    assert FRAMEWORK.lookup("abuse_type", "something new") == ()


def test_a_statement_no_source_reaches_is_known() -> None:
    reachable = FRAMEWORK.reachable()
    assert "safeguarding" in reachable
    assert "environmental_sustainability" not in reachable


HEADER = "kind,category,key_question,statements,evidence_category,why\n"


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("nonsense,falls,safe,medicines,processes,", "line 2: unknown kind 'nonsense'"),
        ("theme,safe,unsafe,medicines,processes,", "line 2: unknown key question 'unsafe'"),
        ("theme,safe,safe,medicines,hearsay,", "line 2: unknown evidence category 'hearsay'"),
        ("theme,safe,safe,,processes,", "line 2: name at least one quality statement"),
        ("theme,safe,safe,pills,processes,", "line 2: no quality statement 'pills'"),
        ("theme,safe,caring,medicines,processes,", "line 2: 'medicines' is under safe, not caring"),
    ],
)
def test_a_bad_mapping_row_is_refused_with_its_line(tmp_path: Path, row: str, message: str) -> None:
    path = tmp_path / "quality_statements.csv"
    path.write_text(HEADER + row + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        quality.read_mappings(FRAMEWORK.statements, path)


def test_a_piece_mapped_twice_under_one_key_question_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "quality_statements.csv"
    row = "theme,safe,safe,medicines,processes,\n"
    path.write_text(HEADER + row + row, encoding="utf-8")
    with pytest.raises(ValueError, match="line 3: theme 'safe' is mapped twice"):
        quality.read_mappings(FRAMEWORK.statements, path)


def test_a_repeated_statement_id_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "quality_statement_list.csv"
    path.write_text("key_question,statement_id,title\nsafe,a,One\nsafe,a,Two\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 3: statement id 'a' is used twice"):
        quality.read_statements(path)
