"""A real browser: the app served headless, Chromium signs in through the form as an
inspector, opens a provider by its shared link, then triage, then a provider from it.

Screenshots go to tests/screenshots/ (not committed). Skipped only on a machine with no
/usr/bin/chromium and no CI variable: in CI it must run.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from sources.people.accounts import DEMO_ACCOUNTS, create_demo_accounts
from tests.risk import tiny_world

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "tests" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists() and not os.environ.get("CI"),
        reason="no /usr/bin/chromium (apt-get install chromium); required in CI",
    ),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def app_url(engine: Engine, tmp_path: Path) -> Iterator[str]:
    """The app served on a free port over the tiny world and its accounts; stopped afterwards."""
    tiny_world.build(engine)
    create_demo_accounts(engine)
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "CARELENS_DATA_DIR": str(tmp_path / "data"),
        # As deployed: the app warms its caches in a thread of its own.
        "CARELENS_WARM_SECONDS": "30",
    }
    log = (tmp_path / "streamlit.log").open("w")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(ROOT / "app.py"),
            "--server.headless",
            "true",
            "--server.address",
            "127.0.0.1",
            "--server.port",
            str(port),
            "--browser.gatherUsageStats",
            "false",
            # Reloading modules when a file changes is for editing, not for a test.
            "--server.fileWatcherType",
            "none",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError((tmp_path / "streamlit.log").read_text()) from None
                time.sleep(0.3)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()


def test_open_triage_then_a_provider_from_it(app_url: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 1000})
        # Nothing the app shows may need a request off the machine (a regulator's network
        # may block it): every request must go to the app itself.
        elsewhere: list[str] = []
        page.on(
            "request",
            lambda r: (
                elsewhere.append(r.url)
                if not r.url.startswith((app_url, "data:", "blob:"))
                else None
            ),
        )
        # A shared link is the first visit after a (re)start: it asks for a sign-in and no
        # more (no data, no menu), then opens that provider, in the app's own navigation
        # rather than Streamlit's bare pages/ folder.
        page.goto(f"{app_url}/provider?provider=B")
        page.wait_for_selector(IDLE, timeout=60_000)
        username = page.get_by_label("Username", exact=True)
        username.wait_for(timeout=30_000)
        assert page.locator('[data-testid="stDataFrame"]').count() == 0
        assert page.locator('[data-testid="stSidebarNav"]').count() == 0
        # While someone types, the browser fetches and runs the chart code out of sight,
        # so the first page with a chart after sign-in does not wait for it.
        page.wait_for_function(
            "() => performance.getEntriesByType('resource').some(e => /PlotlyChart/.test(e.name))",
            timeout=30_000,
        )
        hidden = page.locator('[data-testid="stPlotlyChart"]')
        hidden.wait_for(state="attached", timeout=30_000)
        box = hidden.bounding_box()
        assert box is not None and box["x"] + box["width"] <= 0
        page.screenshot(path=str(SHOTS / "sign-in.png"))
        username.fill("inspector")
        page.get_by_label("Password", exact=True).fill(DEMO_ACCOUNTS["inspector"][1])
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("heading", name="Bolton Road Surgery").wait_for(timeout=60_000)
        page.wait_for_selector(IDLE, timeout=60_000)
        nav = page.locator('[data-testid="stSidebarNav"]')
        assert nav.get_by_text("Triage", exact=True).count() == 1
        assert nav.get_by_text("Inbox", exact=True).count() == 1
        # An inspector's menu has no admin pages, and never the bare script names.
        for absent in ("app", "Data", "Accounts", "Audit log"):
            assert nav.get_by_text(absent, exact=True).count() == 0, absent
        assert page.get_by_text("Signed in as").count() == 1

        # Within the session (a reload would start a new one, signed out).
        nav.get_by_text("Triage", exact=True).click()
        page.get_by_role("heading", name="Triage").wait_for(timeout=30_000)
        grid = page.locator('[data-testid="stDataFrame"]').first
        grid.wait_for(timeout=30_000)
        page.get_by_text("Triage", exact=True).first.wait_for()
        assert page.locator('[data-testid="stException"]').count() == 0
        page.wait_for_timeout(500)
        page.screenshot(path=str(SHOTS / "triage.png"))

        # The grid is a canvas: click the selection box of the first row (the top score).
        box = grid.bounding_box()
        assert box is not None
        page.mouse.click(box["x"] + 18, box["y"] + 35 + 17)
        page.wait_for_url("**/provider?provider=A", timeout=30_000)
        page.wait_for_selector(IDLE, timeout=60_000)
        page.get_by_role("heading", name="Acorn House").wait_for(timeout=30_000)
        page.locator('[data-testid="stPlotlyChart"]').first.wait_for(timeout=30_000)
        assert page.locator('[data-testid="stException"]').count() == 0
        page.wait_for_timeout(1000)
        page.screenshot(path=str(SHOTS / "provider.png"))
        browser.close()
    assert elsewhere == []
    # Nothing went wrong out of sight either: the warming thread's loaders run outside any
    # page, and Streamlit's warning about that is filtered for it alone.
    log = (tmp_path / "streamlit.log").read_text()
    assert "Traceback" not in log
    assert "missing ScriptRunContext" not in log
