"""`python -m sources ...`: load, demo, convert, train-text, teach-text, train-concerns, text,
users.

Each subcommand lives in the module that does the work; this file only parses arguments,
so `python -m sources --help` lists the whole command surface in one place.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sources import settings

DESCRIPTION = """\
Bring a regulator's evidence into Carelens and look after what reads it.

Load a folder of evidence files (the data contract's CSVs) into the store, all or nothing;
write a fictional demo world to try the dashboard on; turn CQC's own register files into
the contract's format; read public comments for sentiment, themes and serious concerns;
retrain the models that read them; and manage who can sign in to the dashboard.
"""

EPILOG = """\
The store is DATABASE_URL when set, else a SQLite file under CARELENS_DATA_DIR (data/).
Run `python -m sources COMMAND --help` for a command's options; score what was loaded with
`python -m risk score`.
"""

CONTRACT_FILES = (
    "providers.csv, inspections.csv, incidents.csv, safeguarding.csv, ebe_notes.csv, comments.csv"
)


def _sub(
    sub: argparse._SubParsersAction, name: str, summary: str, description: str
) -> argparse.ArgumentParser:
    """A subcommand whose --help shows `description` with its line breaks."""
    return sub.add_parser(
        name,
        help=summary,
        description=description,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def _add_load(sub: argparse._SubParsersAction) -> None:
    p = _sub(
        sub,
        "load",
        "load a folder of evidence files into the store, all or nothing",
        "Load the contract files found in DIR into the store. Every row of every file is\n"
        "checked first; one bad row anywhere and nothing is stored, and every problem is\n"
        "printed as `file:row: column 'x' = 'value': what is wrong` (exit status 2).\n"
        "Records are matched by their id, so loading the same files again changes nothing.",
    )
    p.add_argument(
        "dir",
        type=Path,
        metavar="DIR",
        help=f"folder holding any of {CONTRACT_FILES} (the data contract's format)",
    )
    p.add_argument(
        "--database-url",
        default=None,
        metavar="URL",
        help="SQLAlchemy URL of the store, e.g. postgresql+psycopg://user:pw@host/db "
        "(default: DATABASE_URL, else sqlite under CARELENS_DATA_DIR)",
    )
    p.add_argument(
        "--by",
        default="cli",
        metavar="NAME",
        help="who is loading, recorded with the load and in the audit log (default: cli)",
    )
    p.add_argument(
        "--workers",
        type=int,
        default=settings.load_workers(),
        metavar="N",
        help="processes that read and link comments and notes when a load brings 20,000 or "
        "more of them; 1: all in this process (default: CARELENS_LOAD_WORKERS, else one per "
        f"core: {settings.load_workers()} here)",
    )


def _add_demo(sub: argparse._SubParsersAction) -> None:
    p = _sub(
        sub,
        "demo",
        "write a fictional demo world of evidence files to try Carelens on",
        "Write a fictional regulator's evidence, in the contract's format, into DIR, and the\n"
        "hidden truth that made it into DIR/truth/ (never loaded; the backtest's --truth\n"
        "reads it). The same options always give byte-identical files.",
    )
    p.add_argument("dir", type=Path, metavar="DIR", help="folder to write (created if missing)")
    p.add_argument(
        "--providers",
        type=int,
        default=2000,
        metavar="N",
        help="number of fictional providers; volumes scale with it (default: 2000)",
    )
    p.add_argument(
        "--seed",
        type=int,
        default=1,
        metavar="N",
        help="random seed: another seed, another world (default: 1)",
    )
    p.add_argument(
        "--years",
        type=float,
        default=3.5,
        metavar="Y",
        help="years of evidence, ending 2026-06-30, in whole months (default: 3.5)",
    )


def _add_convert(sub: argparse._SubParsersAction) -> None:
    p = _sub(
        sub,
        "convert",
        "turn a CQC register file into the contract's providers.csv and inspections.csv",
        "Map a real CQC register file onto the contract's providers.csv and inspections.csv\n"
        "in OUT_DIR, ready for `python -m sources load`. Every value that does not fit is\n"
        "mapped or dropped, and counted with its reason; a file of another layout is refused\n"
        "as a whole (exit status 2).",
    )
    p.add_argument(
        "format",
        choices=["cqc-2021", "cqc-2025", "cqc-history"],
        metavar="FORMAT",
        help="the file's layout: cqc-2021 (the 'latest ratings' file, one row per location), "
        "cqc-2025 (the adult social care directory), cqc-history (ratings history, one row "
        "per location and report)",
    )
    p.add_argument("file", type=Path, metavar="FILE", help="the CQC file (CSV)")
    p.add_argument(
        "out_dir", type=Path, metavar="OUT_DIR", help="folder to write the contract files into"
    )


def _data_dir_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        metavar="DIR",
        help="folder holding patient-feedback/, the labelled feedback learnt from "
        "(default: CARELENS_FEEDBACK_DATA, else ../shared/data)",
    )


def _add_training(sub: argparse._SubParsersAction) -> None:
    p = _sub(
        sub,
        "train-text",
        "retrain the model that reads sentiment and themes; print how well it reads",
        "Train the sentiment and theme model on the labelled feedback's training split,\n"
        "write the model file and print its evaluation on the held-out split.",
    )
    _data_dir_option(p)
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="FILE",
        help="model file to write (default: CARELENS_TEXT_MODEL, else "
        "sources/text/models/text_model.joblib)",
    )
    p.add_argument(
        "--sample",
        type=int,
        default=None,
        metavar="N",
        help="train on N comments only, to prove the command quickly (default: all)",
    )

    p = _sub(
        sub,
        "teach-text",
        "refit the two teacher models whose readings train-text learns from",
        "Fine-tune the teacher models on the training split, print their held-out figures\n"
        "and write their averaged readings (ids, digests and probabilities, no text).",
    )
    _data_dir_option(p)
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="FILE",
        help="readings file to write (default: CARELENS_TEACHER_READINGS, else "
        "sources/text/models/teacher_readings.csv)",
    )
    p.add_argument(
        "--epochs", type=int, default=None, metavar="N", help="fine-tuning epochs (default: 4)"
    )
    p.add_argument(
        "--teachers",
        type=int,
        default=None,
        metavar="N",
        help="teachers fitted with seeds 0..N-1, their readings averaged (default: 2)",
    )
    p.add_argument(
        "--sample",
        type=int,
        default=None,
        metavar="N",
        help="use N comments of each split, to prove the command quickly (default: all)",
    )

    p = _sub(
        sub,
        "train-concerns",
        "retrain the detector that finds serious concerns in people's words",
        "Train the serious-concern detector (the screen, the fine-tuned judge and the kinds\n"
        "model), write it and print its figures on a fifth of the passages kept apart.",
    )
    _data_dir_option(p)
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="FILE",
        help="detector file to write (default: sources/text/models/concern_model.joblib)",
    )
    p.add_argument(
        "--epochs",
        type=int,
        default=4,
        metavar="N",
        help="epochs of fine-tuning the judge (default: 4)",
    )
    from sources.text.judge import JUDGE_LAYERS, MINILM_LAYERS

    p.add_argument(
        "--layers",
        type=int,
        default=JUDGE_LAYERS,
        choices=range(1, MINILM_LAYERS + 1),
        metavar="N",
        help=f"how many of MiniLM's {MINILM_LAYERS} layers the judge keeps, 1-{MINILM_LAYERS}: "
        f"fewer read faster; below {MINILM_LAYERS} it is distilled from a full judge "
        f"(default: {JUDGE_LAYERS})",
    )
    p.add_argument(
        "--teacher",
        type=Path,
        default=None,
        metavar="FILE",
        help="a 6-layer judge (.onnx, as train-concerns writes beside its --out) to distil "
        "a shallower one from, trained on the same passages (default: fine-tune one first, "
        "which doubles the time)",
    )
    p.add_argument(
        "--sample",
        type=int,
        default=None,
        metavar="N",
        help="use about N passages, to prove the command quickly (default: all)",
    )


def _add_text(sub: argparse._SubParsersAction) -> None:
    p = _sub(
        sub,
        "text",
        "read a file of texts: sentiment, themes and serious concerns for each",
        "Read every text in a CSV file the way the loader reads comments and notes.\n"
        "Writes one row per input row: id, sentiment, sentiment_score, themes, serious,\n"
        "serious_terms, concern_kinds, concern_confidence, concern_sentence.",
    )
    p.add_argument(
        "--in",
        dest="in_file",
        type=Path,
        required=True,
        metavar="FILE",
        help="CSV with columns id and text (required)",
    )
    p.add_argument(
        "--out",
        dest="out_file",
        type=Path,
        required=True,
        metavar="FILE",
        help="CSV to write the readings to (required)",
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of `python -m sources`."""
    parser = argparse.ArgumentParser(
        prog="python -m sources",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_load(sub)
    _add_demo(sub)
    _add_convert(sub)
    _add_training(sub)
    _add_text(sub)

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
        from sources.text.training.sentiment import run_train_command

        return run_train_command(args)
    if args.command == "train-concerns":
        from sources.text.training.detector import run_train_concerns_command

        return run_train_concerns_command(args)
    if args.command == "teach-text":
        from sources.text.training.teacher import run_teach_command

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
