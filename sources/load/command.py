"""The loader's command and its outcome told: printed, and recorded in the audit log."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from sources.load.run import LoadResult, load_folder
from sources.people import audit
from sources.store import get_engine, make_engine

PROBLEMS_PRINTED = 50  # the CLI prints this many, then how many more


def print_result(result: LoadResult, out: Any = None, err: Any = None) -> None:
    """Prints a load's outcome: counts per file, or the first problems and how many more."""
    out = out or sys.stdout
    err = err or sys.stderr
    for warning in result.warnings:
        print(f"warning: {warning}", file=err)
    if result.ok:
        for name in result.added:
            rows = result.rows.get(name, 0)
            print(
                f"{name}: {rows} rows, {result.added[name]} added, {result.updated[name]} updated",
                file=out,
            )
        print(f"Loaded {len(result.added)} file(s) as load {result.load_id}.", file=out)
        return
    for problem in result.problems[:PROBLEMS_PRINTED]:
        print(str(problem), file=err)
    more = max(result.problem_count, len(result.problems)) - PROBLEMS_PRINTED
    if more > 0:
        print(f"... and {more} more problem(s)", file=err)
    print(
        f"Nothing was stored: {max(result.problem_count, len(result.problems))} problem(s).",
        file=err,
    )


def record_in_audit(engine: Engine, result: LoadResult, target: str, by: str) -> None:
    """Appends the load (or its refusal) to the audit log: the app and the command alike."""
    detail = (
        f"stored {sum(result.added.values()):,} new, {sum(result.updated.values()):,} updated"
        if result.ok
        else f"refused: {max(result.problem_count, len(result.problems)):,} problem(s)"
    )
    audit.record(engine, by, "load", target, detail)


def run_load_command(args: argparse.Namespace) -> int:
    """`python -m sources load DIR`: 0 loaded, 2 rejected (every problem printed), 1 failed."""
    folder = Path(args.dir)
    if not folder.is_dir():
        print(f"{folder}: not a folder", file=sys.stderr)
        return 2
    engine = make_engine(args.database_url) if args.database_url else get_engine()
    by = getattr(args, "by", "cli") or "cli"
    result = load_folder(engine, folder, by=by, workers=getattr(args, "workers", 1) or 1)
    print_result(result)
    if not result.failed:
        record_in_audit(engine, result, str(folder), by)
    if result.failed:
        return 1
    return 0 if result.ok else 2
