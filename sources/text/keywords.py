"""Keyword scans over a batch of sentences: which sentences a pattern occurs in.

The theme lexicon and the concern screen are regular expressions run over every sentence
the loader reads. Python's `re` backtracks position by position (about 50-70 ns a
character whatever the pattern); Google's RE2 runs an automaton and is several times faster
on the same alternations. RE2 knows word characters, spaces and `\\b` in ASCII only (and
not Python's extra ASCII spaces, vertical tab and \\x1c-\\x1f), so it scans the sentences
where the two engines agree exactly (nearly all of them) and `re` scans the rest: the
answer is `re`'s, sentence for sentence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import re2

# Characters on which the engines disagree even in ASCII: Python counts these as spaces.
_ODD_SPACE = re.compile("[\x0b\x1c-\x1f]")


@dataclass(frozen=True)
class _Joined:
    """Some of the sentences, joined by NUL, with where each starts and its batch index."""

    text: str
    starts: np.ndarray
    index: np.ndarray

    @classmethod
    def of(cls, sentences: list[str], index: list[int]) -> _Joined:
        lengths = np.fromiter((len(s) + 1 for s in sentences), np.int64, len(sentences))
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]) if sentences else lengths
        return cls("\0".join(sentences), starts, np.asarray(index, dtype=np.int64))

    def owners(self, positions: list[int]) -> np.ndarray:
        """Returns the batch indexes of the sentences holding these character positions."""
        if not positions:
            return np.empty(0, dtype=np.int64)
        return self.index[np.searchsorted(self.starts, positions, side="right") - 1]


@dataclass(frozen=True)
class Batch:
    """A batch of sentences, lower-cased, ready for any number of keyword scans."""

    plain: _Joined  # ASCII sentences without odd spaces, for RE2
    other: _Joined  # the rest, for `re`


def prepare(sentences: Sequence[str]) -> Batch:
    """Returns the sentences lower-cased (NUL, the separator, made a space) and split by script."""
    lowered = [s.lower().replace("\0", " ") for s in sentences]
    is_plain = [s.isascii() and not _ODD_SPACE.search(s) for s in lowered]
    plain = [i for i, p in enumerate(is_plain) if p]
    other = [i for i, p in enumerate(is_plain) if not p]
    return Batch(
        _Joined.of([lowered[i] for i in plain], plain),
        _Joined.of([lowered[i] for i in other], other),
    )


class KeywordPattern:
    """One pattern for lower-cased text, scanned with RE2 where it can be and `re` elsewhere.

    `screen=True` is for a pattern that only picks sentences for a closer look: lookarounds,
    which RE2 lacks, are dropped from its RE2 copy, so RE2 may pick more sentences, never
    fewer. Without it, a pattern RE2 cannot compile is scanned by `re` alone.
    """

    def __init__(self, pattern: str, screen: bool = False) -> None:
        self.rule = re.compile(pattern)
        plain = without_lookarounds(pattern)
        self.fast = None  # the RE2 copy, when RE2 can read the pattern
        # Asking RE2 for a pattern it lacks logs an error line on stderr: do not ask.
        if screen or plain == pattern:
            try:
                self.fast = re2.compile(plain)
            except re2.error:  # e.g. a back-reference: `re` scans everything
                pass

    def sentences(self, batch: Batch) -> np.ndarray:
        """Returns the sorted indexes of the batch's sentences where the pattern occurs."""
        plain_engine = self.fast if self.fast is not None else self.rule
        found = [
            batch.plain.owners([m.start() for m in plain_engine.finditer(batch.plain.text)]),
            batch.other.owners([m.start() for m in self.rule.finditer(batch.other.text)]),
        ]
        return np.unique(np.concatenate(found))

    def search(self, lowered: str) -> bool:
        """Returns whether the pattern occurs in one lower-cased text (`re`'s answer)."""
        return self.rule.search(lowered) is not None


def without_lookarounds(pattern: str) -> str:
    """Returns the pattern with every (?=...), (?!...), (?<=...) and (?<!...) group removed.

    Each of those only narrows where a pattern matches, so what is left matches wherever the
    original does (and maybe more).
    """
    out: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern[i] == "\\":
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if pattern.startswith(("(?=", "(?!", "(?<=", "(?<!"), i):
            i = _group_end(pattern, i)
            continue
        out.append(pattern[i])
        i += 1
    return "".join(out)


def _group_end(pattern: str, start: int) -> int:
    """Returns the index just after the group that opens at `start`."""
    depth = 0
    i = start
    in_class = False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise ValueError(f"unbalanced group at {start} in {pattern!r}")
