"""`python -m risk ...`: score, backtest.

Each subcommand lives in the module that does the work; this file only parses arguments.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of `python -m risk`."""
    parser = argparse.ArgumentParser(prog="python -m risk", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("score", help="score every provider as of a day, store, write a CSV")
    p.add_argument(
        "--as-of", type=dt.date.fromisoformat, default=None, help="default: newest evidence"
    )
    p.add_argument("--out", type=Path, default=None, help="CSV file (default: stdout)")
    p.add_argument(
        "--history-months", type=int, default=0, help="also store this many month-ends before"
    )
    p.add_argument("--database-url", default=None, help="default: DATABASE_URL or data/")

    p = sub.add_parser("backtest", help="score as of a day, compare with later ratings")
    p.add_argument("--as-of", type=dt.date.fromisoformat, required=True)
    p.add_argument("--horizon-days", type=int, default=365)
    p.add_argument("--truth", type=Path, default=None, help="a demo world's truth/ folder")
    p.add_argument("--database-url", default=None, help="default: DATABASE_URL or data/")
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
    raise AssertionError(args.command)


if __name__ == "__main__":
    sys.exit(main())
