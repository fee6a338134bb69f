"""Walks an argparse parser: every subcommand and every argument, for the help tests."""

from __future__ import annotations

import argparse
from collections.abc import Iterator


def subcommands(
    parser: argparse.ArgumentParser, path: str = ""
) -> Iterator[tuple[str, argparse.ArgumentParser, str]]:
    """(command path, its parser, the one-line help it has in its parent's list), nested."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            summaries = {a.dest: a.help or "" for a in action._choices_actions}
            for name, child in action.choices.items():
                here = f"{path} {name}".strip()
                yield here, child, summaries.get(name, "")
                yield from subcommands(child, here)


def arguments(parser: argparse.ArgumentParser) -> Iterator[argparse.Action]:
    """Every argument a person types to this parser (not --help, not a subcommand)."""
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction | argparse._SubParsersAction):
            continue
        yield action


def help_problems(parser: argparse.ArgumentParser) -> list[str]:
    """What a newcomer would have to guess: each subcommand or argument without help,
    and each optional argument whose help names neither its default nor that it is required.
    """
    problems = []
    if not (parser.description or "").strip():
        problems.append(f"{parser.prog}: no description")
    for path, child, summary in subcommands(parser):
        if not summary.strip():
            problems.append(f"{path}: no one-line help in the command list")
        if not (child.description or "").strip():
            problems.append(f"{path}: no description")
    for path, child in [("", parser), *((p, c) for p, c, _ in subcommands(parser))]:
        for action in arguments(child):
            label = f"{path} {'/'.join(action.option_strings) or action.dest}".strip()
            text = (action.help or "").strip()
            if not text:
                problems.append(f"{label}: no help")
            elif action.option_strings and not action.required and "default" not in text:
                problems.append(f"{label}: help does not say its default")
            elif action.required and action.option_strings and "required" not in text:
                problems.append(f"{label}: help does not say it is required")
    return problems
