"""Carelens: the dashboard's entry point (`streamlit run app.py`).

Page configuration, the embedded demo world for an empty store, sign-in, and navigation:
nothing else. Each screen is a file in pages/.
"""

from __future__ import annotations

import time
from pathlib import Path

import streamlit as st

from pages.ui import demo_build, gate, warming
from sources.people import access

st.set_page_config(
    page_title="Carelens",
    # A file of our own: a Material Symbol tab icon is fetched from a font host.
    page_icon=str(Path(__file__).resolve().parent / "assets" / "carelens.png"),
    layout="wide",
)

# ---- Navigation ----------------------------------------------------------------------------
# (section, file, title, icon). The Data page is pages/loads.py, at /loads. Only the files
# named here are pages: the helpers in pages/ui/ are a package, never listed.
PAGES = (
    ("Risk", "pages/triage.py", "Triage", ":material/format_list_numbered:"),
    ("Risk", "pages/provider.py", "Provider", ":material/home_health:"),
    ("Risk", "pages/overview.py", "Overview", ":material/map:"),
    ("Work", "pages/search.py", "Search", ":material/search:"),
    ("Work", "pages/inbox.py", "Inbox", ":material/inbox:"),
    ("Work", "pages/voices.py", "Voices", ":material/record_voice_over:"),
    ("Work", "pages/loads.py", "Data", ":material/upload_file:"),
    ("About", "pages/method.py", "Method", ":material/functions:"),
    ("Admin", "pages/accounts.py", "Accounts", ":material/manage_accounts:"),
    ("Admin", "pages/audit.py", "Audit log", ":material/policy:"),
)
# What a role needs to see a page in the menu (sources.people.access); any other page needs
# VIEW_PROVIDERS. The menu is only a convenience: every page checks again on the server.
PAGE_ACTIONS: dict[str, str] = {
    "pages/inbox.py": access.INBOX,
    "pages/loads.py": access.LOAD,
    "pages/accounts.py": access.ACCOUNTS,
    "pages/audit.py": access.AUDIT,
}


def _sections(role: str | None) -> dict[str, list]:
    """Every page, so that one opened by URL reaches its own refusal; the role's own
    pages listed, the rest hidden (st.Page visibility)."""
    found: dict[str, list] = {}
    listed: set[str] = set()
    for section, path, title, icon in PAGES:
        shown = access.may(role, PAGE_ACTIONS.get(path, access.VIEW_PROVIDERS))
        listed |= {section} if shown else set()
        found.setdefault(section, []).append(
            st.Page(path, title=title, icon=icon, visibility="visible" if shown else "hidden")
        )
    # Sections with nothing listed go last, so no listed page sits under an empty heading.
    return dict(sorted(found.items(), key=lambda item: item[0] not in listed))


# ---- An empty store gets the demo world, so a newcomer sees a populated dashboard ---------
# Built in two stages (pages/ui/demo_build.py): this screen waits only for the first, a
# slice of the world with the demo accounts; the rest loads behind the pages.
build = demo_build.demo_build()
waiting = build is not None and not build.ready
st.session_state[gate.VIA_APP] = True
# Navigation is declared even while the demo world is built (hidden then): until some
# session declares it, Streamlit would list the bare pages/ folder in the sidebar.
signed_in = gate.signed_in()
page = st.navigation(
    _sections(gate.role() if signed_in else None),
    position="sidebar" if not waiting and signed_in else "hidden",
)
if build is not None and not build.ready:
    st.title("Carelens")
    st.write(
        "The store is empty, so Carelens is building its fictional demo world: writing it, "
        "loading it through the same loader as your own files, and scoring it. "
        "Sign-in opens as soon as its first providers are in; the rest loads behind them. "
        "This happens once; you may close this tab and come back."
    )
    if build.error:
        st.error(f"Building the demo world failed: {build.error}")
        st.stop()
    st.progress(build.done, text=build.message)
    time.sleep(0.5)
    st.rerun()

# Reads what the pages open on into the caches before anyone asks, and again after every
# load or scoring (pages/ui/warming.Warmer): it shows nothing, so it need not wait for sign-in.
warming.keep_warm()

# ---- Sign-in: nobody past this line without an account (pages/ui/gate.py) ---------------
# The demo-build screen above comes first: it shows no data, and the demo accounts are
# made at its end. Each page checks again (pages/ui/gate.require), and draws who is signed in.
gate.gate()
if build is not None:  # the rest of the demo world is still loading
    demo_build.notice(build)

goto = st.query_params.get("goto")
if goto in {path for _, path, _, _ in PAGES}:
    # A page opened before navigation existed (see gate.via_app) comes back here.
    rest = {k: st.query_params[k] for k in st.query_params if k != "goto"}
    st.switch_page(goto, query_params=rest)
page.run()
