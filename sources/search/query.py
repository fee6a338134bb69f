"""What a person types into a search box, read into a query both databases run alike.

The language: words (all must appear), "a phrase" (the words in that order), a prefix
(`medic*`), `OR` between alternatives, `NOT` or a leading `-` before what must not appear,
and brackets. Words are matched by their porter stem on either database ("falls" finds
"fall" and "falling"), ignoring case, with no stop words.

Nothing typed is ever passed to a database's own query syntax: `parse` reads it into a small
tree of terms, and `to_fts5` / `to_tsquery` write each term quoted, so FTS syntax typed in
(`NEAR(`, `col:`, `&`, `<->`, `'`) is searched for as words or dropped as punctuation. A
query that does not read (unbalanced quotes or brackets, an operator with nothing on one
side) is searched literally, as its words, and says so; one with no word to find at all (a
lone `*`, only punctuation, only words to leave out) is refused with a message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

MAX_QUERY_CHARS: Final = 500  # longer input is cut here: nobody types more, and FTS cost grows
MAX_TERMS: Final = 32  # terms kept from one query, the rest ignored (and said)
# A token as both databases' word-splitters see one: letters and digits in any script.
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
# A minus right before a quote or bracket leaves out what follows, as before a word.
_LEX = re.compile(r'(?P<minus>-(?=["(]))|"|\(|\)|[^\s"()]+')
_OPERATORS: Final = {"AND", "OR", "NOT"}


class QueryError(ValueError):
    """A query that has nothing to search for, with a message for a person."""


@dataclass(frozen=True)
class Term:
    """Words that must appear in this order (one word, or a phrase); the last a prefix."""

    words: tuple[str, ...]
    prefix: bool = False


@dataclass(frozen=True)
class All:
    """Every part must match; `without` must not."""

    parts: tuple[Node, ...]
    without: tuple[Node, ...] = ()


@dataclass(frozen=True)
class Any_:
    """At least one part must match."""

    parts: tuple[Node, ...]


Node = Term | All | Any_


@dataclass(frozen=True)
class Parsed:
    """A query read: its tree, and a note for the person when it was read another way."""

    tree: Node
    note: str | None = None

    def words(self) -> list[str]:
        """Every word searched for, in order (for the audit log and headings)."""
        return list(_words(self.tree))


def _words(node: Node) -> list[str]:
    if isinstance(node, Term):
        return list(node.words)
    found: list[str] = []
    for part in (*node.parts, *getattr(node, "without", ())):
        found += _words(part)
    return found


def _term(token: str, phrase: bool = False) -> Term | None:
    """The term of a typed word or phrase body; None when it holds no letter or digit."""
    prefix = token.endswith("*")
    words = tuple(w.lower() for w in _WORD.findall(token))
    if not words:
        return None
    return Term(words, prefix=prefix and not phrase)


class _Reader:
    """A recursive-descent reader over the lexed tokens; raises _Unreadable when stuck."""

    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.at = 0

    def peek(self) -> str | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self) -> str:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def read(self) -> Node:
        node = self.alternatives()
        if self.peek() is not None:
            raise _Unreadable
        return node

    def alternatives(self) -> Node:
        parts = [self.conjunction()]
        while self.peek() == "OR":
            self.take()
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else Any_(tuple(parts))

    def conjunction(self) -> Node:
        parts: list[Node] = []
        without: list[Node] = []
        while (token := self.peek()) is not None and token not in ("OR", ")"):
            if token == "AND":
                self.take()
                if self.peek() in (None, "OR", ")", "AND"):
                    raise _Unreadable
                continue
            negate = False
            if token == "NOT" or (token.startswith("-") and len(token) > 1 and token != "-"):
                negate = True
                if token == "NOT":
                    self.take()
                else:
                    self.tokens[self.at] = token[1:]
            node = self.unit()
            if node is None:
                if negate:
                    raise _Unreadable
                continue
            (without if negate else parts).append(node)
        if not parts:
            raise _OnlyLeftOut if without else _Unreadable
        if len(parts) == 1 and not without:
            return parts[0]
        return All(tuple(parts), tuple(without))

    def unit(self) -> Node | None:
        token = self.peek()
        if token is None or token in _OPERATORS or token in ("OR", ")"):
            raise _Unreadable
        self.take()
        if token == "(":
            node = self.alternatives()
            if self.peek() != ")":
                raise _Unreadable
            self.take()
            return node
        if token == '"':
            body: list[str] = []
            while (inner := self.peek()) is not None and inner != '"':
                body.append(self.take())
            if inner is None:
                raise _Unreadable
            self.take()
            return _term(" ".join(body), phrase=True)
        return _term(token)


class _Unreadable(Exception):
    pass


class _OnlyLeftOut(Exception):
    """Only words to leave out: searched literally, it would find what was excluded."""


def _literal(text: str) -> Node | None:
    """Every word of `text`, all required: the reading of a query that did not parse."""
    terms = [Term((w.lower(),)) for w in _WORD.findall(text)]
    if not terms:
        return None
    return terms[0] if len(terms) == 1 else All(tuple(terms))


def _trim(node: Node, budget: list[int]) -> Node | None:
    """`node` with at most budget[0] terms kept, depth first."""
    if isinstance(node, Term):
        if budget[0] <= 0:
            return None
        budget[0] -= 1
        return node
    parts = tuple(p for p in (_trim(p, budget) for p in node.parts) if p is not None)
    if not parts:
        return None
    if isinstance(node, Any_):
        return parts[0] if len(parts) == 1 else Any_(parts)
    without = tuple(w for w in (_trim(w, budget) for w in node.without) if w is not None)
    return parts[0] if len(parts) == 1 and not without else All(parts, without)


def parse(text: str) -> Parsed:
    """`text` read as a query; raises QueryError when there is nothing to search for."""
    notes: list[str] = []
    if len(text) > MAX_QUERY_CHARS:
        text = text[:MAX_QUERY_CHARS]
        notes.append(f"only the first {MAX_QUERY_CHARS} characters were searched")
    tokens = ["NOT" if m.group("minus") else m.group(0) for m in _LEX.finditer(text)]
    tree: Node | None
    try:
        tree = _Reader(tokens).read() if tokens else None
    except _OnlyLeftOut:
        raise QueryError(
            "Type at least one word to search for, not only words to leave out."
        ) from None
    except _Unreadable:
        tree = _literal(text)
        if tree is not None:
            notes.append(
                "the query did not read as a search expression, so its words were searched"
            )
    if tree is None:
        raise QueryError("Type at least one word to search for.")
    budget = [MAX_TERMS]
    trimmed = _trim(tree, budget)
    if trimmed is None:  # pragma: no cover - a tree always keeps its first term
        raise QueryError("Type at least one word to search for.")
    if trimmed != tree:
        notes.append(f"only the first {MAX_TERMS} words were searched")
    return Parsed(trimmed, "; ".join(notes).capitalize() + "." if notes else None)


# ------------------------------------------------------------------ the two dialects


def _fts5_term(term: Term) -> str:
    # A double-quoted FTS5 string is always a phrase of plain tokens: nothing in it is syntax.
    return '"' + " ".join(term.words) + '"' + ("*" if term.prefix else "")


def to_fts5(node: Node) -> str:
    """The tree as an FTS5 MATCH expression."""
    if isinstance(node, Term):
        return _fts5_term(node)
    if isinstance(node, Any_):
        return "(" + " OR ".join(to_fts5(p) for p in node.parts) + ")"
    found = "(" + " AND ".join(to_fts5(p) for p in node.parts) + ")"
    if node.without:
        found += " NOT (" + " OR ".join(to_fts5(w) for w in node.without) + ")"
    return found


def _ts_word(word: str, prefix: bool) -> str:
    # Quoted lexemes: PostgreSQL stems each with the configuration, and nothing in it is
    # syntax (a quote inside is doubled, though _WORD never lets one through).
    return "'" + word.replace("'", "''") + "'" + (":*" if prefix else "")


def to_tsquery(node: Node) -> str:
    """The tree as a PostgreSQL tsquery text for to_tsquery()."""
    if isinstance(node, Term):
        last = len(node.words) - 1
        words = [_ts_word(w, node.prefix and i == last) for i, w in enumerate(node.words)]
        return "(" + " <-> ".join(words) + ")"
    if isinstance(node, Any_):
        return "(" + " | ".join(to_tsquery(p) for p in node.parts) + ")"
    found = "(" + " & ".join(to_tsquery(p) for p in node.parts) + ")"
    if node.without:
        found += " & !(" + " | ".join(to_tsquery(w) for w in node.without) + ")"
    return found
