"""`python -m risk ...`: score, backtest, weights.

Each subcommand lives in the module that does the work; this file only parses arguments.
What their outputs mean is in risk/legend.py, shown by `--help`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from risk.legend import BACKTEST_COLUMNS, BACKTEST_METHODS, SCORE_COLUMNS, describe

DESCRIPTION = """\
Score every provider's risk of poor care from the evidence in the store, and check how well
the score would have foreseen the ratings that followed.

`score` gives each provider a score from 0 to 100 as of a day, with its band and the points
each kind of evidence adds, stores it for the dashboard and writes it as a CSV, riskiest
first. `backtest` scores as of a past day and measures the ranking against the ratings
published after it, beside simpler ways of ranking. `weights` refits the weights on those
ratings and inspectors' verdicts, and proposes them; an admin applies one.
"""

EPILOG = """\
The store is DATABASE_URL when set, else a SQLite file under CARELENS_DATA_DIR (data/); load
evidence into it with `python -m sources load`. Run `python -m risk COMMAND --help` for a
command's options and what its output means.
"""

DATABASE_HELP = (
    "SQLAlchemy URL of the store, e.g. postgresql+psycopg://user:pw@host/db "
    "(default: DATABASE_URL, else sqlite under CARELENS_DATA_DIR)"
)


def _add_score(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "score",
        help="score every provider as of a day, store the scores, write them riskiest first",
        description=(
            "Score every provider as of a day from the evidence known by then, store the\n"
            "scores (the dashboard reads them) and write one row per provider, riskiest\n"
            "first, to FILE or standard output."
        ),
        epilog="columns written:\n" + describe(SCORE_COLUMNS),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--as-of",
        type=dt.date.fromisoformat,
        default=None,
        metavar="YYYY-MM-DD",
        help="the day to score as of; later evidence is not read (default: the newest "
        "evidence or rating date in the store, else today)",
    )
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="FILE",
        help="CSV file to write (default: standard output)",
    )
    p.add_argument(
        "--history-months",
        type=int,
        default=0,
        metavar="N",
        help="also score and store the N month-ends before the day, for the dashboard's "
        "trends (default: 0)",
    )
    p.add_argument("--database-url", default=None, metavar="URL", help=DATABASE_HELP)


def _add_backtest(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "backtest",
        help="score as of a past day and measure it against the ratings that followed",
        description=(
            "Score as of a past day, then measure how well the ranking foresaw the first\n"
            "rating each provider was given within the horizon after it (poor: Requires\n"
            "improvement or Inadequate), beside simpler ways of ranking. Prints a table:\n"
            "one row per way of ranking, one column per measure."
        ),
        epilog="rows printed:\n"
        + describe(BACKTEST_METHODS)
        + "\n\ncolumns printed:\n"
        + describe(BACKTEST_COLUMNS),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--as-of",
        type=dt.date.fromisoformat,
        required=True,
        metavar="YYYY-MM-DD",
        help="the day to score as of; ratings published after it are the outcome (required)",
    )
    p.add_argument(
        "--horizon-days",
        type=int,
        default=365,
        metavar="N",
        help="how many days after the day a rating counts as the outcome (default: 365)",
    )
    p.add_argument(
        "--truth",
        type=Path,
        default=None,
        metavar="DIR",
        help="a demo world's truth/ folder, to measure against its hidden state as well "
        "(default: none)",
    )
    p.add_argument("--database-url", default=None, metavar="URL", help=DATABASE_HELP)


WEIGHTS_DESCRIPTION = """\
Refit the score's weights on later ratings and inspectors' verdicts together, and propose
them beside the set weights of risk/weights.py; nothing scores with a proposal until an
admin applies it.

Without --apply, --revert or --list: learns two weight sets from what was known on the day
(--as-of): one from the first rating each provider was given in the horizon before it
(poor: Requires improvement or Inadequate), one from those ratings and the verdicts
(confirmed or not found) of the visits in that horizon together, each weight's sign kept to
its meaning. Then prints the backtest of both beside the score with the weights in force,
on the ratings of the horizon after the day (which neither fit read), the weights side by
side, and stores both as proposals with their figures (their ids are printed).
"""


def _add_weights(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "weights",
        help="refit the weights on ratings and verdicts, propose them; an admin applies one",
        description=WEIGHTS_DESCRIPTION,
        epilog="rows printed (with the backtest's own):\n"
        + describe(BACKTEST_METHODS, ["score", "set weights", "refit, ratings", "refit, +verdicts"])
        + "\n\ncolumns printed:\n"
        + describe(BACKTEST_COLUMNS),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    choice = p.add_mutually_exclusive_group()
    choice.add_argument(
        "--apply",
        type=int,
        default=None,
        metavar="ID",
        help="make proposed weight set ID (a number, from --list) the weights every later "
        "scoring uses; needs --by naming an active admin account; audited (default: propose)",
    )
    choice.add_argument(
        "--revert",
        action="store_true",
        help="score with the set weights of risk/weights.py again; needs --by naming an "
        "active admin account; audited (default: off)",
    )
    choice.add_argument(
        "--list",
        action="store_true",
        help="print every proposed weight set, newest first, and which weights score now "
        "(default: off)",
    )
    p.add_argument(
        "--as-of",
        type=dt.date.fromisoformat,
        default=None,
        metavar="YYYY-MM-DD",
        help="learn from what was known on this day and backtest on the horizon after it "
        "(default: the newest day with a full horizon of ratings after it)",
    )
    p.add_argument(
        "--horizon-days",
        type=int,
        default=365,
        metavar="N",
        help="days of ratings and visits learned from before the day, and of ratings "
        "measured after it (default: 365)",
    )
    p.add_argument(
        "--verdict-weight",
        type=float,
        default=1.0,
        metavar="X",
        help="how many ratings one visit's verdicts weigh together in the refit, a number "
        "(default: 1.0)",
    )
    p.add_argument(
        "--truth",
        type=Path,
        default=None,
        metavar="DIR",
        help="a demo world's truth/ folder, to backtest against its hidden state as well "
        "(default: none)",
    )
    p.add_argument(
        "--by",
        default="cli",
        metavar="NAME",
        help="who proposes or applies, recorded with the weight set and in the audit log; "
        "to apply or revert, the username of an active admin account (default: cli)",
    )
    p.add_argument("--database-url", default=None, metavar="URL", help=DATABASE_HELP)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of `python -m risk`."""
    parser = argparse.ArgumentParser(
        prog="python -m risk",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_score(sub)
    _add_backtest(sub)
    _add_weights(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Runs one subcommand; returns its exit status."""
    args = build_parser().parse_args(argv)
    if args.command == "score":
        from risk.score import run_score_command

        return run_score_command(args)
    if args.command == "backtest":
        from risk.backtest import run_backtest_command

        return run_backtest_command(args)
    if args.command == "weights":
        from risk.refit import run_weights_command

        return run_weights_command(args)
    raise AssertionError(args.command)


if __name__ == "__main__":
    sys.exit(main())
