"""`python -m sources ...`: load, demo, convert, train-text, teach-text, text, users.

Each subcommand lives in the module that does the work; this file only parses arguments,
so `python -m sources --help` lists the whole command surface in one place.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sources import settings


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of `python -m sources`."""
    parser = argparse.ArgumentParser(prog="python -m sources", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("load", help="load the contract files found in DIR, all or nothing")
    p.add_argument("dir", type=Path)
    p.add_argument("--database-url", default=None, help="default: DATABASE_URL or data/")
    p.add_argument("--by", default="cli", help="who is loading, for the loads table")
    p.add_argument(
        "--workers",
        type=int,
        default=settings.load_workers(),
        help="processes that read and link comments when a load brings 20,000 or more "
        "(default CARELENS_LOAD_WORKERS, else one per core; 1: all in this process)",
    )

    p = sub.add_parser("demo", help="write a fictional demo world in the contract's format")
    p.add_argument("dir", type=Path)
    p.add_argument("--providers", type=int, default=2000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--years", type=float, default=3.5)

    p = sub.add_parser("convert", help="map a real CQC register file onto the contract")
    p.add_argument("format", choices=["cqc-2021", "cqc-2025", "cqc-history"])
    p.add_argument("file", type=Path)
    p.add_argument("out_dir", type=Path)

    p = sub.add_parser("train-text", help="train the sentiment and theme models, print eval")
    p.add_argument("--data-dir", type=Path, default=None, help="default: ../shared/data")
    p.add_argument("--out", type=Path, default=None, help="default: the model path used")
    p.add_argument("--sample", type=int, default=None, help="train on N comments (tests)")

    p = sub.add_parser(
        "teach-text", help="fine-tune the teachers, write their readings for train-text"
    )
    p.add_argument("--data-dir", type=Path, default=None, help="default: ../shared/data")
    p.add_argument("--out", type=Path, default=None, help="default: the readings path used")
    p.add_argument("--epochs", type=int, default=None, help="default: 4")
    p.add_argument("--teachers", type=int, default=None, help="default: 2, readings averaged")
    p.add_argument("--sample", type=int, default=None, help="use N comments of each (tests)")

    p = sub.add_parser(
        "train-concerns",
        help="train the serious-concern detector (screen and fine-tuned judge), print figures",
    )
    p.add_argument("--data-dir", type=Path, default=None, help="default: ../shared/data")
    p.add_argument("--out", type=Path, default=None, help="default: the detector path used")
    p.add_argument("--epochs", type=int, default=4, help="judge fine-tuning epochs (default 4)")
    p.add_argument("--sample", type=int, default=None, help="use about N passages (tests)")

    p = sub.add_parser("text", help="read texts: sentiment, themes, serious concerns")
    p.add_argument("--in", dest="in_file", type=Path, required=True)
    p.add_argument("--out", dest="out_file", type=Path, required=True)

    from sources.people.accounts import add_parser as add_users_parser

    add_users_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Runs one subcommand; returns its exit status."""
    args = build_parser().parse_args(argv)
    if args.command == "load":
        from sources.load import run_load_command

        return run_load_command(args)
    if args.command == "demo":
        from sources.demo.world import run_demo_command

        return run_demo_command(args)
    if args.command == "convert":
        from sources.cqc import run_convert_command

        return run_convert_command(args)
    if args.command == "train-text":
        from sources.text.training import run_train_command

        return run_train_command(args)
    if args.command == "train-concerns":
        from sources.text.concern_training import run_train_concerns_command

        return run_train_concerns_command(args)
    if args.command == "teach-text":
        from sources.text.teacher import run_teach_command

        return run_teach_command(args)
    if args.command == "text":
        from sources.text.reader import run_text_command

        return run_text_command(args)
    if args.command == "users":
        from sources.people.accounts import run_users_command

        return run_users_command(args)
    raise AssertionError(args.command)


if __name__ == "__main__":
    sys.exit(main())
