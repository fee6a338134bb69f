"""Prints how long who-is-heard takes on a demo world: the reads, the report, the page.

    .venv/bin/python bench/voices.py                     # demo world of 2,000 providers
    .venv/bin/python bench/voices.py --providers 20000
    .venv/bin/python bench/voices.py --store sqlite:///path/to/carelens.db   # an existing store

Builds, loads and scores the demo world first (as bench/pages.py does) unless --store names
a scored store. The page figures are AppTest script runs signed in as an inspector: the
first visit fills the caches, later visits (the median of three) read them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# This file is bench/voices.py: its folder must not hide the app's pages/ package.
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]


def _timed(label: str, make: object) -> object:
    started, cpu = time.perf_counter(), time.process_time()
    result = make()  # type: ignore[operator]
    wall, used = time.perf_counter() - started, time.process_time() - cpu
    print(f"{label:<44} {wall:>7.2f} s  ({used:.2f} CPU s)", flush=True)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--providers", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--store", help="an existing, scored store (SQLAlchemy URL)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.store:
            url = args.store
        else:
            # bench/pages.py builds the store; loaded by path, as the app owns `pages`.
            spec = importlib.util.spec_from_file_location("bench_pages", ROOT / "bench/pages.py")
            bench_pages = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
            spec.loader.exec_module(bench_pages)  # type: ignore[union-attr]
            build_store = bench_pages.build_store
            url = build_store(args.providers, args.seed, Path(tmp))
        os.environ["DATABASE_URL"] = url
        from risk import views, voices
        from sources.store import make_engine

        engine = make_engine(url)
        as_of = views.scored_dates(engine)[-1]
        print(f"store: {views.provider_count(engine):,} providers, as of {as_of}")
        silent = _timed("no recent voice", lambda: voices.no_recent_voice(engine, as_of))
        print(f"  {len(silent):,} providers with no recent voice")
        year = _timed(
            "heard: a year of linked comments",
            lambda: voices.heard_frame(engine, as_of - dt.timedelta(days=365)),
        )
        everything = _timed("heard: every linked comment", lambda: voices.heard_frame(engine))
        reference = voices.load_reference()
        for label, heard in (("a year", year), ("everything", everything)):
            report = _timed(
                f"report, all regions, {label} ({len(heard):,})",
                lambda heard=heard: voices.voices_report(heard, reference),
            )
            print(
                f"  silent groups: {len(report.silent_regions)} by region, "
                f"{len(report.silent_areas)} by local authority, "
                f"{len(report.silent_providers)} by provider"
            )
        from streamlit.testing.v1 import AppTest

        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
        at.session_state["user"] = "bench"
        at.session_state["role"] = "inspector"
        at.run()
        runs = []
        for _ in range(4):
            at.switch_page("pages/voices.py")
            started = time.perf_counter()
            at.run()
            runs.append(time.perf_counter() - started)
            if at.exception:
                raise SystemExit(f"voices: {at.exception[0].message}")
        print(
            f"Voices page: first visit {runs[0]:.2f} s, later {statistics.median(runs[1:]):.2f} s"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
