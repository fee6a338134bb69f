"""Many people at once: browser sessions browse triage and providers while a load runs.

    .venv/bin/python bench/concurrency.py                    # 20 sessions, a SQLite store
    .venv/bin/python bench/concurrency.py --sessions 30 --requests 20
    .venv/bin/python bench/concurrency.py \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:55432/t_bench

Builds a fresh store of its own (a demo world written, loaded and scored with the command
line, in a temporary folder; with --database-url the Carelens tables of that database are
dropped first, so give it a database of its own), serves the app with `streamlit run`, and
opens one Chromium (/usr/bin/chromium) with one context per session. Each session signs in
(when the app shows a "Username" field) and browses: triage, a provider opened by its link
(?provider=ID), triage, the name filter narrowed to one provider, that provider from the
grid, and again. Once half the sessions are browsing (signed in), `python -m sources load`
runs in a subprocess with the same world's files re-written with new rows. Sessions browse
until the load has finished and each has made --requests requests.

Then it checks that every record id in the loaded files is in the store exactly once, and
prints sessions, requests, errors (Streamlit's exception box, error messages and toasts,
browser page errors, timeouts, a lost connection) and latency per page kind: from the
navigation until the page's content is drawn and the script is no longer running. Exits 1 on
any error. The machine is shared: the load average is printed beside the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# This file is bench/concurrency.py: its folder must not hide the app's pages/ package.
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
OUT = ROOT / "bench" / "out"
PYTHON = sys.executable
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # Twenty tabs share one window's worth of CPU: none of them counts as hidden.
    "--disable-background-timer-throttling",
    "--disable-renderer-backgrounding",
    "--disable-backgrounding-occluded-windows",
]
APP = '[data-testid="stApp"]'
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
# Anything on screen that means something went wrong for the person looking.
ERROR_SELECTORS = {
    "exception": '[data-testid="stException"]',
    "error message": '[data-testid="stAlertContentError"]',
    "toast": '[data-testid="stToast"]',
}
DEMO_USER = ("inspector", "demo-inspector")
# How long a person is assumed to wait for a page before it counts as an error.
WAIT_MS = 300_000
# Files whose records the second load adds to (new ids), as a share of the new rows.
NEW_ROWS = {
    "incidents.csv": 0.7,
    "safeguarding.csv": 0.1,
    "comments.csv": 0.15,
    "ebe_notes.csv": 0.05,
}

# A shared link opened inside the running app: what the browser's back and forward buttons
# do. A reload would start a new Streamlit session and lose the sign-in.
FOLLOW_LINK = """(path) => {
  history.pushState(null, '', path);
  window.dispatchEvent(new PopStateEvent('popstate'));
}"""


@dataclass
class Figures:
    """What the sessions measured."""

    latency: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    requests: int = 0
    signed_in: int = 0
    browsing: int = 0  # sessions past sign-in, or ended
    browser_cpu: float = 0.0  # seconds, Chromium and Playwright's driver
    load_cpu: float = 0.0


def _processes() -> tuple[dict[int, float], dict[int, list[int]]]:
    """CPU seconds of every running process (with its reaped children) and who started whom."""
    tick = os.sysconf("SC_CLK_TCK")
    cpu: dict[int, float] = {}
    children: dict[int, list[int]] = defaultdict(list)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                # The command name may hold spaces: the fields after its ")" are fixed.
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            # utime, stime, cutime, cstime (fields 14-17 of /proc/PID/stat).
            cpu[int(entry.name)] = sum(int(v) for v in fields[11:15]) / tick
            children[int(fields[1])].append(int(entry.name))
    return cpu, children


def _tree(pid: int, children: dict[int, list[int]]) -> set[int]:
    found, todo = set(), [pid]
    while todo:
        current = todo.pop()
        found.add(current)
        todo.extend(children.get(current, []))
    return found


def cpu_seconds(pid: int, leave_out: tuple[int, ...] = ()) -> float:
    """CPU seconds used by the processes under `pid` still running, without `pid` itself
    when it is this process, and without the trees of `leave_out`."""
    cpu, children = _processes()
    pids = _tree(pid, children)
    for other in leave_out:
        pids -= _tree(other, children)
    if pid == os.getpid():
        pids.discard(pid)
    return sum(cpu.get(p, 0.0) for p in pids)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run(args: list[str], env: dict[str, str]) -> str:
    """Runs a command of the project; its output, or SystemExit with it on failure."""
    done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args[1:4])} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


# ---------------------------------------------------------------- the store and the files


def start_app(env: dict[str, str], log_path: Path) -> tuple[subprocess.Popen, str]:
    """`streamlit run app.py` on a free port with `env`, its output in `log_path`; returns
    the server and its address once it answers its health check (a minute at most)."""
    port = free_port()
    log = log_path.open("w")
    server = subprocess.Popen(
        [
            PYTHON, "-m", "streamlit", "run", str(ROOT / "app.py"),
            "--server.headless", "true", "--server.address", "127.0.0.1",
            "--server.port", str(port), "--server.fileWatcherType", "none",
            "--browser.gatherUsageStats", "false",
        ],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as answer:
                if answer.status == 200:
                    return server, base
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(log_path.read_text()) from None
            time.sleep(0.3)


def fresh_store(url: str) -> None:
    """Drops Carelens's tables in `url` (refusing a store holding loads made by anyone but
    this bench) and creates them empty."""
    from sqlalchemy import inspect, text
    from sqlmodel import SQLModel

    from sources.store import make_engine

    engine = make_engine(url)
    if "load" in inspect(engine).get_table_names():
        with engine.connect() as conn:
            others = conn.execute(
                text("select count(*) from load where loaded_by not like 'bench%'")
            ).scalar_one()
        if others:
            raise SystemExit(f"{url} holds {others} loads not made by this bench: not dropped")
    SQLModel.metadata.drop_all(engine)
    engine.dispose()
    make_engine(url).dispose()


def read_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def write_second_folder(world: Path, folder: Path, new_rows: int, seed: int) -> dict[str, int]:
    """The world's files re-written into `folder` with `new_rows` new records (fresh ids,
    copied from existing ones) spread over NEW_ROWS; returns rows per file."""
    rng = random.Random(seed)
    folder.mkdir(parents=True)
    rows_per_file = {}
    for path in sorted(world.glob("*.csv")):
        header, rows = read_rows(path)
        share = NEW_ROWS.get(path.name, 0.0)
        extra = []
        if share and rows:
            for n, row in enumerate(rng.choices(rows, k=max(1, round(new_rows * share)))):
                row = list(row)
                row[0] = f"{row[0]}-B{n:05d}"  # every contract file's id is its first column
                extra.append(row)
        with (folder / path.name).open("w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(header)
            writer.writerows(rows + extra)
        rows_per_file[path.name] = len(rows) + len(extra)
    return rows_per_file


def file_ids(folders: list[Path]) -> dict[str, set[str]]:
    """Every record id in the folders' contract files, per store table."""
    from sources.contract import BY_FILENAME

    ids: dict[str, set[str]] = defaultdict(set)
    for folder in folders:
        for path in folder.glob("*.csv"):
            spec = BY_FILENAME[path.name]
            header, rows = read_rows(path)
            column = header.index(spec.id_column)
            ids[spec.table].update(row[column] for row in rows)
    return ids


def check_store(url: str, expected: dict[str, set[str]]) -> list[str]:
    """Problems: a table whose rows are not exactly the files' distinct ids, once each."""
    from sqlalchemy import text

    from sources.contract import FILES
    from sources.store import make_engine

    engine = make_engine(url)
    problems = []
    with engine.connect() as conn:
        for spec in FILES:
            want = expected.get(spec.table, set())
            query = text(f"select {spec.id_column} from {spec.table}")
            stored = [r[0] for r in conn.execute(query)]
            doubles = len(stored) - len(set(stored))
            lost = len(want - set(stored))
            unknown = len(set(stored) - want)
            if doubles or lost or unknown:
                problems.append(
                    f"{spec.table}: {len(stored):,} rows for {len(want):,} ids in the files "
                    f"({lost} lost, {doubles} duplicated, {unknown} not in the files)"
                )
    engine.dispose()
    return problems


def pick_providers(url: str, how_many: int, seed: int) -> list[tuple[str, str]]:
    """(id, name) of providers whose id is part of no other id, so the name filter given
    the id shows exactly that provider."""
    from sqlalchemy import text

    from sources.store import make_engine

    engine = make_engine(url)
    with engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(text("select provider_id, name from provider"))]
    engine.dispose()
    ids = [r[0] for r in rows]
    alone = [r for r in rows if sum(r[0].lower() in other.lower() for other in ids) == 1]
    alone = [r for r in alone if not any(r[0].lower() in o[1].lower() for o in rows)]
    return random.Random(seed).sample(alone, min(how_many, len(alone)))


# ---------------------------------------------------------------- the sessions


async def timed(page, action, ready, took=None, retry_after: float = 20.0) -> float:
    """Seconds from `action` until `ready` holds and the script is no longer running.

    `ready` waits for content that only the new page shows, not for a "running" state: a
    starved tab may draw a whole run at once and never show one. With `took` (waits up to
    its timeout for a sign that the action registered), the action is repeated once when
    there is none after `retry_after` seconds and the app is idle (a click on the grid's
    canvas before it takes clicks).
    """
    started = time.perf_counter()
    await action()
    if took is not None:
        try:
            await took(retry_after * 1000)
        except Exception:  # no sign yet: click again only if nothing is running
            if await page.locator(IDLE).count():
                await action()
    await ready()
    await page.wait_for_selector(IDLE, timeout=WAIT_MS)
    return time.perf_counter() - started


async def shown_errors(page) -> list[str]:
    """What the page shows that is an error, and a lost connection."""
    found = []
    for kind, selector in ERROR_SELECTORS.items():
        boxes = page.locator(selector)
        for i in range(await boxes.count()):
            words = re.sub(r"\s+", " ", await boxes.nth(i).inner_text())[:300]
            found.append(f"{kind}: {words}")
    state = await page.locator(APP).get_attribute("data-test-connection-state")
    if state not in (None, "CONNECTED"):
        found.append(f"connection {state}")
    return found


async def session(
    n: int,
    browser,
    base: str,
    picks: list[tuple[str, str]],
    requests: int,
    load_done: asyncio.Event,
    figures: Figures,
) -> None:
    """One person: sign in, then triage / provider link / triage / filter / provider."""
    from playwright.async_api import Locator, expect

    rng = random.Random(n)
    # No animations: twenty tabs drawing spinners would take the CPU the app needs.
    context = await browser.new_context(
        viewport={"width": 1280, "height": 850}, reduced_motion="reduce"
    )
    context.set_default_timeout(WAIT_MS)
    page = await context.new_page()
    page.on("pageerror", lambda error: figures.errors.append(f"session {n}: page error {error}"))
    triage_title = page.get_by_role("heading", name="Triage", exact=True)
    grid = page.locator('[data-testid="stDataFrame"]').first

    async def triage_ready() -> None:
        await triage_title.wait_for(timeout=WAIT_MS)
        await grid.wait_for(timeout=WAIT_MS)

    async def note(kind: str, seconds: float) -> None:
        figures.latency[kind].append(seconds)
        figures.requests += 1
        for problem in await shown_errors(page):
            figures.errors.append(f"session {n}, {kind}: {problem}")

    step, browsing = "first visit", False
    try:
        started = time.perf_counter()
        await page.goto(base, timeout=WAIT_MS)
        username = page.get_by_label("Username", exact=True)
        # The sign-in form or, with no sign-in, triage itself.
        await username.or_(triage_title).first.wait_for(timeout=WAIT_MS)
        await page.wait_for_selector(IDLE, timeout=WAIT_MS)
        await note(step, time.perf_counter() - started)
        if await username.count():
            step = "sign-in"

            async def sign_in() -> None:
                await username.fill(DEMO_USER[0])
                await page.get_by_label("Password", exact=True).fill(DEMO_USER[1])
                await page.get_by_role("button", name="Sign in").click()

            await note(step, await timed(page, sign_in, triage_ready))
            figures.signed_in += 1
        step = "triage"
        await triage_ready()
        figures.browsing += 1
        browsing = True
        nav = page.locator('[data-testid="stSidebarNav"]').get_by_text("Triage", exact=True)
        made = 0
        while made < requests or not load_done.is_set():
            provider_id, name = rng.choice(picks)

            async def provider_ready(name: str = name) -> None:
                await page.get_by_role("heading", name=name, exact=True).wait_for(timeout=WAIT_MS)

            step = "provider"
            seconds = await timed(
                page,
                lambda pid=provider_id: page.evaluate(FOLLOW_LINK, f"/provider?provider={pid}"),
                provider_ready,
            )
            await note(step, seconds)
            step = "triage"
            await note(step, await timed(page, nav.click, triage_ready))

            provider_id, name = rng.choice(picks)
            shown = page.locator('[data-testid="stMetric"]', has_text="Providers shown")

            async def filter_ready(shown: Locator = shown) -> None:
                await expect(shown.locator('[data-testid="stMetricValue"]')).to_have_text(
                    "1", timeout=WAIT_MS
                )

            async def narrow(pid: str = provider_id) -> None:
                box = page.get_by_label("Name or id contains", exact=True)
                await box.fill(pid)
                await box.press("Enter")

            step = "filter"
            await note(step, await timed(page, narrow, filter_ready))

            async def first_row() -> None:
                # The grid is a canvas: the selection box of its first row.
                box = await grid.bounding_box()
                await page.mouse.click(box["x"] + 18, box["y"] + 35 + 17)

            async def opened(pid: str = provider_id, name: str = name) -> None:
                await page.wait_for_url(f"**/provider?provider={pid}", timeout=WAIT_MS)
                await provider_ready(name)

            async def took(ms: float, pid: str = provider_id) -> None:
                await page.wait_for_url(f"**/provider?provider={pid}", timeout=ms)

            await grid.wait_for(timeout=WAIT_MS)
            await page.wait_for_timeout(500)  # the canvas takes clicks once drawn
            step = "provider"
            await note(step, await timed(page, first_row, opened, took))
            step = "triage"
            await note(step, await timed(page, nav.click, triage_ready))
            made += 5
    except Exception as error:  # a timeout or a missing element is a finding
        figures.errors.append(f"session {n}, {step}: {type(error).__name__}: {str(error)[:300]}")
        OUT.mkdir(parents=True, exist_ok=True)
        try:
            await page.screenshot(path=str(OUT / f"concurrency-session-{n}.png"))
        except Exception:  # the screenshot is only a help
            pass
    finally:
        if not browsing:  # a session that failed before browsing must not hold up the load
            figures.browsing += 1
        await context.close()


async def browse_while_loading(
    base: str,
    sessions: int,
    requests: int,
    picks: list[tuple[str, str]],
    load_args: list[str],
    env: dict[str, str],
    load_after: float,
    stagger: float,
    server_pid: int,
) -> tuple[Figures, float, str, int]:
    """Runs the sessions and the load; (figures, load seconds, load output, load exit code)."""
    from playwright.async_api import async_playwright

    figures = Figures()
    load_done = asyncio.Event()
    load: dict[str, object] = {}

    async def run_load() -> None:
        while figures.browsing < (sessions + 1) // 2:
            await asyncio.sleep(0.5)
        await asyncio.sleep(load_after)
        print(f"load starts ({figures.browsing} of {sessions} sessions browsing)", flush=True)
        started = time.perf_counter()
        proc = await asyncio.create_subprocess_exec(
            *load_args,
            cwd=ROOT,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        talk = asyncio.ensure_future(proc.communicate())
        while not talk.done():
            figures.load_cpu = max(figures.load_cpu, cpu_seconds(proc.pid))
            await asyncio.wait({talk}, timeout=1)
        out, _ = talk.result()
        load["seconds"] = time.perf_counter() - started
        load["output"] = out.decode()
        load["code"] = proc.returncode
        print(f"load done in {load['seconds']:.1f} s", flush=True)
        load_done.set()

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)

        async def start(n: int) -> None:
            await asyncio.sleep(n * stagger)
            await session(n, browser, base, picks, requests, load_done, figures)

        await asyncio.gather(run_load(), *(start(n) for n in range(sessions)))
        figures.browser_cpu = cpu_seconds(os.getpid(), leave_out=(server_pid,))
        await browser.close()
    return figures, float(load["seconds"]), str(load["output"]), int(load["code"])


# ---------------------------------------------------------------- the run


def percentile(values: list[float], q: float) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(q) - 1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--requests", type=int, default=5, help="at least, per session")
    parser.add_argument("--providers", type=int, default=300, help="size of the demo world")
    parser.add_argument("--years", type=float, default=2.0, help="of evidence in the world")
    parser.add_argument("--new-rows", type=int, default=3000, help="records the load adds")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--load-after", type=float, default=0.0, help="seconds after half the sessions browse"
    )
    parser.add_argument("--stagger", type=float, default=0.5, help="seconds between sessions")
    parser.add_argument("--database-url", default=None, help="default: SQLite in the folder")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"no {CHROMIUM}: apt-get install -y chromium")

    folder = Path(tempfile.mkdtemp(prefix="carelens-concurrency-"))
    data = folder / "data"
    url = args.database_url or f"sqlite:///{data / 'carelens.db'}"
    env = {**os.environ, "DATABASE_URL": url, "CARELENS_DATA_DIR": str(data)}
    server = None
    try:
        started = time.perf_counter()
        fresh_store(url)
        world, second = folder / "world", folder / "second"
        run(
            [PYTHON, "-m", "sources", "demo", str(world), "--providers", str(args.providers),
             "--seed", str(args.seed), "--years", str(args.years)],
            env,
        )  # fmt: skip
        run([PYTHON, "-m", "sources", "load", str(world), "--by", "bench-world"], env)
        run([PYTHON, "-m", "risk", "score", "--out", str(folder / "scores.csv")], env)
        from sources.people.accounts import create_demo_accounts
        from sources.store import make_engine

        engine = make_engine(url)
        create_demo_accounts(engine)
        engine.dispose()
        rows = write_second_folder(world, second, args.new_rows, args.seed)
        picks = pick_providers(url, 50, args.seed)
        store = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
        print(
            f"store ready ({store}, {args.providers} providers, "
            f"{time.perf_counter() - started:.0f} s)",
            flush=True,
        )

        server, base = start_app(env, folder / "streamlit.log")

        load_args = [PYTHON, "-m", "sources", "load", str(second), "--by", "bench-load"]
        before = os.getloadavg()[0]
        started = time.perf_counter()
        figures, load_seconds, load_output, load_code = asyncio.run(
            browse_while_loading(
                base, args.sessions, args.requests, picks, load_args, env,
                args.load_after, args.stagger, server.pid,
            )
        )  # fmt: skip
        browsing = time.perf_counter() - started
        after = os.getloadavg()[0]
        server_cpu = cpu_seconds(server.pid)
        if load_code != 0:
            figures.errors.append(f"the load failed ({load_code}):\n{load_output}")
        problems = check_store(url, file_ids([world, second]))
        figures.errors.extend(problems)
        server_log = (folder / "streamlit.log").read_text()
        if "Traceback" in server_log:
            figures.errors.append("the server logged a traceback: " + server_log[-1500:])

        print()
        print(
            f"store {store}; {args.sessions} sessions, {figures.signed_in} signed in; "
            f"{figures.requests} requests in {browsing:.0f} s; {len(figures.errors)} errors"
        )
        print(
            f"load: {sum(rows.values()):,} rows ({args.new_rows:,} new) in "
            f"{load_seconds:.1f} s while browsing; "
            f"records: {'none lost or duplicated' if not problems else 'MISMATCH'}"
        )
        print(
            f"CPU seconds: app server {server_cpu:.0f}, browser {figures.browser_cpu:.0f}, "
            f"load {figures.load_cpu:.0f}; load average {before:.1f} before, {after:.1f} "
            f"after ({os.cpu_count()} cores, shared)"
        )
        print(f"{'page':<12} {'n':>5} {'p50 s':>7} {'p95 s':>7} {'max s':>7}")
        for kind, values in figures.latency.items():
            print(
                f"{kind:<12} {len(values):>5} {statistics.median(values):>7.2f} "
                f"{percentile(values, 95):>7.2f} {max(values):>7.2f}"
            )
        for error in figures.errors[:20]:
            print("ERROR", error)
        if len(figures.errors) > 20:
            print(f"... and {len(figures.errors) - 20} more errors")
        return 1 if figures.errors else 0
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        if args.keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
