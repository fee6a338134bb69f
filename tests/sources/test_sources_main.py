"""`python -m sources`: a newcomer reads in --help what every option takes, every action of
`users` included."""

from __future__ import annotations

import re

import pytest

from sources.__main__ import build_parser
from tests.command_help import help_problems, subcommands


def test_every_option_of_every_subcommand_has_help() -> None:
    assert help_problems(build_parser()) == []


def test_the_commands_are_all_there() -> None:
    commands = [path for path, _, _ in subcommands(build_parser())]
    assert commands[:7] == [
        "load",
        "demo",
        "convert",
        "train-text",
        "teach-text",
        "train-concerns",
        "text",
    ]
    assert commands[7:] == [
        "users",
        "users add",
        "users disable",
        "users enable",
        "users reset",
        "users list",
    ]


def _help(command: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as done:
        build_parser().parse_args(command)
    assert done.value.code == 0
    return re.sub(r"\s+", " ", capsys.readouterr().out)


def test_demo_help_gives_every_default(capsys: pytest.CaptureFixture[str]) -> None:
    printed = _help(["demo", "--help"], capsys)
    for needle in (
        "--providers N",
        "(default: 2000)",
        "--seed N",
        "(default: 1)",
        "(default: 3.5)",
    ):
        assert needle in printed


def test_users_help_describes_every_action(capsys: pytest.CaptureFixture[str]) -> None:
    printed = _help(["users", "--help"], capsys)
    for action in ("add USERNAME --role ROLE", "disable USERNAME", "enable USERNAME"):
        assert action in printed
    assert "reset USERNAME" in printed and " list " in printed
    for role in ("inspector", "manager", "admin"):
        assert role in printed


def test_the_top_level_help_speaks_of_the_task(capsys: pytest.CaptureFixture[str]) -> None:
    printed = _help(["--help"], capsys)
    assert "evidence" in printed and "sign in" in printed
    assert "__main__" not in printed and "module" not in printed
