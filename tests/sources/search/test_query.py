"""The query language read into a tree and written for each database, quoted throughout."""

from __future__ import annotations

import pytest

from sources.search.query import (
    MAX_QUERY_CHARS,
    MAX_TERMS,
    All,
    Any_,
    QueryError,
    Term,
    parse,
    to_fts5,
    to_tsquery,
)


@pytest.mark.parametrize(
    ("typed", "tree"),
    [
        ("night staff", All((Term(("night",)), Term(("staff",))))),
        ("night AND staff", All((Term(("night",)), Term(("staff",))))),
        ('"night staff"', Term(("night", "staff"))),
        ("medic*", Term(("medic",), prefix=True)),
        ("a OR b", Any_((Term(("a",)), Term(("b",))))),
        ("a -b", All((Term(("a",)),), (Term(("b",)),))),
        ("a NOT (b OR c)", All((Term(("a",)),), (Any_((Term(("b",)), Term(("c",)))),))),
        ("well-being", Term(("well", "being"))),
        ("Night", Term(("night",))),
        ("night or day", All((Term(("night",)), Term(("or",)), Term(("day",))))),
    ],
)
def test_what_is_typed_reads_as_a_tree(typed: str, tree: object):
    assert parse(typed).tree == tree and parse(typed).note is None


def test_each_database_gets_every_word_quoted():
    tree = parse('"night staff" OR medic* -"call bell"').tree
    assert to_fts5(tree) == '("night staff" OR ("medic"*) NOT ("call bell"))'
    assert to_tsquery(tree) == "(('night' <-> 'staff') | (('medic':*)) & !(('call' <-> 'bell')))"


@pytest.mark.parametrize("typed", ["NEAR(a b)", "col:word", "a & b | !c", "x <-> y", "^start"])
def test_fts_syntax_typed_in_is_only_words(typed: str):
    written = to_fts5(parse(typed).tree) + to_tsquery(parse(typed).tree)
    for syntax in ("NEAR(", ":word", " & b", "<-> 'y'", "^"):
        assert syntax not in written.replace("'x' <-> 'y'", "")


def test_long_queries_are_cut_and_say_so():
    long = parse("care " * 5000)
    assert long.note and str(MAX_QUERY_CHARS) in long.note
    assert len(long.words()) == MAX_TERMS


@pytest.mark.parametrize("typed", ["", "*", "- -", "NOT a", "-a -b", "«»"])
def test_nothing_to_search_for_is_an_error(typed: str):
    with pytest.raises(QueryError):
        parse(typed)
