"""Prints what a person waits for after the app starts on a big store, with the app's cache
warming on and off.

    .venv/bin/python bench/warming.py --store sqlite:////tmp/national/carelens.db
    .venv/bin/python bench/warming.py --store URL --pause 90 --pages Voices Inbox

For each setting (CARELENS_WARM_SECONDS 30, then 0) it starts `streamlit run app.py` on the
store (scored, with the demo accounts), opens the sign-in form in headless Chromium, leaves
it `--pause` seconds as a person typing would, signs in as the demo inspector and times the
landing page (triage), then each of `--pages` in turn from the menu. bench/pages.py builds
a 50,000-provider store with `--keep DIR`.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from concurrency import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    DEMO_USER,
    ERROR_SELECTORS,
    IDLE,
    WAIT_MS,
    start_app,
)


def visit(base: str, pause: float, pages: list[str]) -> list[tuple[str, float, int]]:
    """(page, seconds until drawn, error boxes) for sign-in -> triage, then each page."""
    from playwright.sync_api import sync_playwright

    timings = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 1000})
        page.goto(base)
        page.get_by_label("Username", exact=True).wait_for(timeout=WAIT_MS)
        time.sleep(pause)
        page.get_by_label("Username", exact=True).fill(DEMO_USER[0])
        page.get_by_label("Password", exact=True).fill(DEMO_USER[1])
        started = time.perf_counter()
        page.get_by_role("button", name="Sign in").click()
        page.locator('[data-testid="stDataFrame"]').first.wait_for(timeout=WAIT_MS)
        page.wait_for_selector(IDLE, timeout=WAIT_MS)
        timings.append(("sign-in -> Triage", time.perf_counter() - started, _errors(page)))
        for title in pages:
            started = time.perf_counter()
            page.locator('[data-testid="stSidebarNav"]').get_by_text(title, exact=True).click()
            page.get_by_role("heading", name=title).first.wait_for(timeout=WAIT_MS)
            page.wait_for_timeout(300)  # the run starts after the heading of the last page
            page.wait_for_selector(IDLE, timeout=WAIT_MS)
            timings.append((f"-> {title}", time.perf_counter() - started, _errors(page)))
        browser.close()
    return timings


def _errors(page: object) -> int:
    return sum(page.locator(css).count() for css in ERROR_SELECTORS.values())  # type: ignore[attr-defined]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--store", required=True, help="DATABASE_URL of a scored store")
    parser.add_argument("--pause", type=float, default=90.0, help="seconds on the sign-in form")
    parser.add_argument("--pages", nargs="*", default=["Voices", "Inbox", "Overview"])
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"no {CHROMIUM}: apt-get install -y chromium")
    results = {}
    for seconds in ("30", "0"):
        folder = Path(tempfile.mkdtemp(prefix="carelens-warming-"))
        env = {
            **os.environ,
            "DATABASE_URL": args.store,
            "CARELENS_DATA_DIR": str(folder),
            "CARELENS_WARM_SECONDS": seconds,
        }
        server, base = start_app(env, folder / "streamlit.log")
        try:
            results[seconds] = visit(base, args.pause, args.pages)
        finally:
            server.terminate()
            server.wait(timeout=30)
        if "Traceback" in (folder / "streamlit.log").read_text():
            print(f"the server logged a traceback: see {folder / 'streamlit.log'}")
    print(f"\n{'seconds to draw':<24} {'warming on':>10} {'off':>8}")
    for (step, on, on_errors), (_, off, off_errors) in zip(
        results["30"], results["0"], strict=True
    ):
        flag = "  ERRORS ON SCREEN" if on_errors or off_errors else ""
        print(f"{step:<24} {on:10.1f} {off:8.1f}{flag}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
