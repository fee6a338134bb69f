"""Prints each page's server render time (AppTest: one script run) at national scale.

    .venv/bin/python bench/pages.py                      # demo world of 50,000 providers
    .venv/bin/python bench/pages.py --providers 5000     # a modest scale
    .venv/bin/python bench/pages.py --store sqlite:///path/to/carelens.db   # an existing store
    .venv/bin/python bench/pages.py --keep /tmp/national  # build, time, keep the store there

The first visit to a page fills the caches; the figure that matters (target < 1 s) is the
visit after it, as when a person moves between pages. With --browser, the same in headless
Chromium from the click to the painted page, the app started as `make run` starts it (its
warming on) and signed in after --pause seconds: each menu page's first and later visits,
and 20 random providers' first views, each opened from Triage filtered to its id.
    .venv/bin/python bench/pages.py --store URL --browser [--pause 60]

Builds the demo world, loads it and scores it first unless --store names a store that
already has scores.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# This file is bench/pages.py: its folder must not hide the app's pages/ package.
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

PAGES = (
    "triage",
    "provider",
    "overview",
    "inbox",
    "voices",
    "loads",
    "accounts",
    "audit",
    "method",
)
# Each page is opened by a role that may see it (the demo store's accounts of those names).
ADMIN_PAGES = ("loads", "accounts", "audit")


def build_store(providers: int, seed: int, folder: Path) -> str:
    """A scored demo-world store of `providers` under `folder`; returns its URL."""
    from risk import score
    from sources import load, settings
    from sources.demo import world as demo
    from sources.store import make_engine

    url = f"sqlite:///{folder / 'carelens.db'}"
    engine = make_engine(url)
    started = time.perf_counter()
    demo.write_demo_world(folder / "demo", providers=providers, seed=seed)
    print(f"demo world written in {time.perf_counter() - started:.0f} s", flush=True)
    started = time.perf_counter()
    result = load.load_folder(engine, folder / "demo", by="bench", workers=settings.load_workers())
    if not result.ok:
        raise SystemExit(f"the demo world did not load: {result.problems[:3]}")
    print(f"loaded in {time.perf_counter() - started:.0f} s", flush=True)
    started = time.perf_counter()
    score.score_and_store(engine, as_of=score.evidence_end(engine))
    print(f"scored in {time.perf_counter() - started:.0f} s", flush=True)
    return url


def time_pages(url: str, repeats: int) -> tuple[list[tuple[str, float, float]], list[float]]:
    """(page, first visit seconds, median later visit seconds) for every page, and the
    seconds of first views of random providers (provider_first_views)."""
    os.environ["DATABASE_URL"] = url
    # First visits are timed as they were before warming: cold, with no warming thread
    # taking the other core meanwhile (the CHANGELOG times the warming in a browser).
    os.environ["CARELENS_WARM_SECONDS"] = "0"
    from streamlit.testing.v1 import AppTest

    from risk import views
    from sources.store import make_engine

    top = views.triage_frame(make_engine(url))["provider_id"].iloc[0]
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    at.run()
    rows = []
    for page in PAGES:
        if page == "provider":
            at.query_params["provider"] = str(top)
        # Signed in as a person would be: without it every page is the sign-in form.
        role = "admin" if page in ADMIN_PAGES else "inspector"
        at.session_state["user"], at.session_state["role"] = role, role
        runs = []
        for _ in range(repeats + 1):
            at.switch_page(f"pages/{page}.py")
            started = time.perf_counter()
            at.run()
            runs.append(time.perf_counter() - started)
            if at.exception:
                raise SystemExit(f"{page}: {at.exception[0].message}")
            if any(box.label == "Username" for box in at.text_input):
                raise SystemExit(f"{page}: the sign-in form was drawn, not the page")
            if any("does not give access" in box.value for box in at.warning):
                raise SystemExit(f"{page}: refused to {role}")
        rows.append((page, runs[0], statistics.median(runs[1:])))
    return rows, provider_first_views(at, url)


def provider_first_views(at: object, url: str, n: int = 20, seed: int = 0) -> list[float]:
    """Seconds of one provider-page run for each of `n` random providers not opened before,
    the app already warm from the other pages (an inspector's common case)."""
    import random

    from risk import views
    from sources.store import make_engine

    ids = views.triage_frame(make_engine(url))["provider_id"].astype(str).tolist()
    at.session_state["user"], at.session_state["role"] = "inspector", "inspector"
    times = []
    for provider in random.Random(seed).sample(ids[1:], min(n, len(ids) - 1)):
        at.query_params["provider"] = provider
        at.switch_page("pages/provider.py")
        started = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - started)
        if at.exception:
            raise SystemExit(f"provider {provider}: {at.exception[0].message}")
    return times


# The pages a person moves between from the menu, in the browser (the admin pages and the
# Data page are an administrator's, whose store views are the same lists).
BROWSER_PAGES = ("Triage", "Overview", "Search", "Inbox", "Voices", "Method")
HEADINGS = {"Method": "How the score works"}  # where a page's title is not its menu entry
# Two frames after the app says it is idle: the browser has painted what the run sent.
PAINTED = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"


def browser_times(
    url: str, pause: float, providers: int = 20, seed: int = 0
) -> tuple[dict[str, tuple[float, float]], list[float]]:
    """Click to painted page in headless Chromium, the app warm: per menu page (first
    visit, median of two later visits), and seconds for `providers` random providers' first
    views, each opened from Triage's list filtered to its id. The app runs as `make run` does, on
    `url`, with its warming on; `pause` seconds on the sign-in form let it warm first."""
    import random

    from playwright.sync_api import sync_playwright

    from bench.concurrency import CHROMIUM, CHROMIUM_ARGS, DEMO_USER, IDLE, WAIT_MS, start_app
    from risk import views
    from sources.store import make_engine

    ids = views.triage_frame(make_engine(url))["provider_id"].astype(str).tolist()
    picked = random.Random(seed).sample(ids, min(providers, len(ids)))
    folder = Path(tempfile.mkdtemp(prefix="carelens-pages-"))
    env = {**os.environ, "DATABASE_URL": url, "CARELENS_DATA_DIR": str(folder)}
    env.pop("CARELENS_WARM_SECONDS", None)
    server, base = start_app(env, folder / "streamlit.log")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})

            def drawn(heading: str | None) -> None:
                if heading:
                    page.get_by_role("heading", name=heading).first.wait_for(timeout=WAIT_MS)
                page.wait_for_selector(IDLE, timeout=WAIT_MS)
                page.evaluate(PAINTED)

            def menu(title: str) -> float:
                started = time.perf_counter()
                page.locator('[data-testid="stSidebarNav"]').get_by_text(title, exact=True).click()
                drawn(HEADINGS.get(title, title))
                return time.perf_counter() - started

            page.goto(base)
            page.get_by_label("Username", exact=True).wait_for(timeout=WAIT_MS)
            time.sleep(pause)
            page.get_by_label("Username", exact=True).fill(DEMO_USER[0])
            page.get_by_label("Password", exact=True).fill(DEMO_USER[1])
            page.get_by_role("button", name="Sign in").click()
            drawn("Triage")
            visits: dict[str, list[float]] = {title: [] for title in BROWSER_PAGES}
            for _ in range(3):
                for title in BROWSER_PAGES:
                    if title == "Triage":  # already on it: go elsewhere first
                        menu("Method")
                    visits[title].append(menu(title))
            firsts = []
            for provider in picked:
                menu("Triage")
                name = page.get_by_label("Name or id contains", exact=True)
                name.fill(provider)
                name.press("Enter")
                page.get_by_text("Providers shown").first.wait_for(timeout=WAIT_MS)
                drawn(None)
                grid = page.locator('[data-testid="stDataFrame"]').first.bounding_box()
                started = time.perf_counter()
                # The first row's selection box, below the grid's heading row.
                page.mouse.click(grid["x"] + 16, grid["y"] + 35 + 17)
                page.get_by_text(f"{provider} · ").first.wait_for(timeout=WAIT_MS)
                drawn(None)
                firsts.append(time.perf_counter() - started)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    if "Traceback" in (folder / "streamlit.log").read_text():
        raise SystemExit(f"the server logged a traceback: see {folder / 'streamlit.log'}")
    pages = {t: (v[0], statistics.median(v[1:])) for t, v in visits.items()}
    return pages, firsts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--providers", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--store", help="an existing, scored store (SQLAlchemy URL)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="build the store in this folder and keep it")
    parser.add_argument(
        "--browser",
        action="store_true",
        help="also time click to painted page in headless Chromium (/usr/bin/chromium), "
        "the app warm: every menu page and 20 random providers' first views",
    )
    parser.add_argument(
        "--pause",
        type=float,
        default=60.0,
        help="with --browser: seconds on the sign-in form while the app warms (default 60)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        url = args.store or build_store(args.providers, args.seed, folder)
        from risk import views
        from sources.store import make_engine

        engine = make_engine(url)
        print(f"store: {views.provider_count(engine):,} providers, {url.split('://')[0]}")
        rows, firsts = time_pages(url, args.repeats)
        print(f"{'page':<10} {'first visit':>12} {'later visit':>12}")
        for page, first, later in rows:
            flag = "" if later < 1.0 else "  (over 1 s)"
            print(f"{page:<10} {first:>10.2f} s {later:>10.2f} s{flag}")
        print(
            f"provider first views ({len(firsts)} random providers, app warm): median "
            f"{statistics.median(firsts):.2f} s, slowest {max(firsts):.2f} s, "
            f"{sum(t < 1.0 for t in firsts)} under 1 s"
        )
        if args.browser:
            pages, firsts = browser_times(url, args.pause)
            print(f"{'in Chromium':<10} {'first visit':>12} {'later visit':>12}  (click to paint)")
            for title, (first, later) in pages.items():
                flag = "" if max(first, later) < 1.0 else "  (over 1 s)"
                print(f"{title:<10} {first:>10.2f} s {later:>10.2f} s{flag}")
            print(
                f"provider first views in Chromium ({len(firsts)} random providers, click to "
                f"paint): median {statistics.median(firsts):.2f} s, slowest {max(firsts):.2f} s, "
                f"{sum(t < 1.0 for t in firsts)} under 1 s"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
