"""Carelens: the dashboard's entry point (`streamlit run app.py`).

Page configuration, sign-in, the embedded demo world for an empty store, and navigation:
nothing else. Each screen is a file in pages/.
"""

from __future__ import annotations

import time

import streamlit as st

from pages import _data

st.set_page_config(
    page_title="Carelens",
    page_icon=":material/health_and_safety:",
    layout="wide",
)

# ---- Sign-in ------------------------------------------------------------------------------
# The one place sign-in goes (accounts issue): it must set st.session_state["user"] (the
# name written beside every change made in the app) and st.session_state["role"], or stop
# the run. Until then everyone is an unnamed app user.
st.session_state.setdefault("user", "app user")

# ---- Navigation ----------------------------------------------------------------------------
# (section, file, title, icon). The Data page is pages/loads.py: Streamlit would give
# pages/data.py the same /data path as pages/_data.py.
PAGES = (
    ("Risk", "pages/triage.py", "Triage", ":material/format_list_numbered:"),
    ("Risk", "pages/provider.py", "Provider", ":material/home_health:"),
    ("Risk", "pages/overview.py", "Overview", ":material/map:"),
    ("Work", "pages/inbox.py", "Inbox", ":material/inbox:"),
    ("Work", "pages/voices.py", "Voices", ":material/record_voice_over:"),
    ("Work", "pages/loads.py", "Data", ":material/upload_file:"),
    ("About", "pages/method.py", "Method", ":material/functions:"),
)
sections: dict[str, list] = {}
for section, path, title, icon in PAGES:
    sections.setdefault(section, []).append(st.Page(path, title=title, icon=icon))

# ---- An empty store gets the demo world, so a newcomer sees a populated dashboard ---------
build = _data.demo_build()
st.session_state[_data.VIA_APP] = True
# Navigation is declared even while the demo world is built (hidden then): until some
# session declares it, Streamlit would list the bare pages/ folder in the sidebar.
page = st.navigation(sections, position="hidden" if build is not None else "sidebar")
if build is not None:
    st.title("Carelens")
    st.write(
        "The store is empty, so Carelens is building its fictional demo world: writing it, "
        "loading it through the same loader as your own files, and scoring it. "
        "This happens once; you may close this tab and come back."
    )
    if build.error:
        st.error(f"Building the demo world failed: {build.error}")
        st.stop()
    st.progress(build.done, text=build.message)
    time.sleep(0.5)
    st.rerun()

goto = st.query_params.get("goto")
if goto in {path for _, path, _, _ in PAGES}:
    # A page opened before navigation existed (see _data.via_app) comes back here.
    rest = {k: st.query_params[k] for k in st.query_params if k != "goto"}
    st.switch_page(goto, query_params=rest)
page.run()
