"""`python -m risk`: a newcomer reads in --help what every option takes and every output
means, and the README says the same."""

from __future__ import annotations

import re

import pytest

from risk.__main__ import build_parser
from risk.legend import BACKTEST_COLUMNS, BACKTEST_METHODS, SCORE_COLUMNS
from tests.command_help import help_problems, subcommands
from tests.conftest import ROOT


def test_every_option_of_every_subcommand_has_help() -> None:
    assert help_problems(build_parser()) == []


def test_the_commands_are_score_backtest_and_weights() -> None:
    paths = [path for path, _, _ in subcommands(build_parser())]
    assert paths == ["score", "backtest", "weights"]


@pytest.mark.parametrize(
    ("command", "needles"),
    [
        (["--help"], ["risk of poor care", "score", "backtest", "weights"]),
        (["score", "--help"], ["YYYY-MM-DD", "(default: 0)", *SCORE_COLUMNS]),
        (
            ["backtest", "--help"],
            ["YYYY-MM-DD", "(default: 365)", *BACKTEST_METHODS, *BACKTEST_COLUMNS],
        ),
        (
            ["weights", "--help"],
            ["--apply ID", "admin", "(default: 1.0)", "refit, +verdicts", *BACKTEST_COLUMNS],
        ),
    ],
)
def test_help_names_formats_defaults_and_outputs(
    command: list[str], needles: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as done:
        build_parser().parse_args(command)
    assert done.value.code == 0
    printed = re.sub(r"\s+", " ", capsys.readouterr().out)
    for needle in needles:
        assert needle in printed, needle


def test_the_readme_explains_every_output() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Command line", 1)[1].split("\n## ", 1)[0]
    for name in [*SCORE_COLUMNS, *BACKTEST_METHODS, *BACKTEST_COLUMNS]:
        assert f"`{name}`" in section, name
