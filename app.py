"""Carelens: the dashboard's entry point (`streamlit run app.py`).

Page configuration, sign-in, the embedded demo world for an empty store, and navigation:
nothing else. Each screen is a file in pages/.
"""

from __future__ import annotations

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

# ---- An empty store gets the demo world, so a newcomer sees a populated dashboard ---------
if _data.store_is_empty():
    st.title("Carelens")
    st.write(
        "The store is empty, so Carelens is building its fictional demo world: writing it, "
        "loading it through the same loader as your own files, and scoring it. "
        "This happens once."
    )
    bar = st.progress(0.0, text="Starting…")
    _data.build_demo_store(lambda done, message: bar.progress(min(max(done, 0.0), 1.0), message))
    bar.empty()
    st.rerun()

# (section, file, title, icon, url path)
PAGES = (
    ("Risk", "pages/triage.py", "Triage", ":material/format_list_numbered:", None),
    ("Risk", "pages/provider.py", "Provider", ":material/home_health:", None),
    ("Risk", "pages/overview.py", "Overview", ":material/map:", None),
    ("Work", "pages/inbox.py", "Inbox", ":material/inbox:", None),
    # Not pages/data.py, nor url path "data": Streamlit would confuse it with pages/_data.py.
    ("Work", "pages/loads.py", "Data", ":material/upload_file:", None),
    ("About", "pages/method.py", "Method", ":material/functions:", None),
)
sections: dict[str, list] = {}
for section, path, title, icon, url_path in PAGES:
    sections.setdefault(section, []).append(
        st.Page(path, title=title, icon=icon, url_path=url_path)
    )

st.session_state[_data.VIA_APP] = True
page = st.navigation(sections)
goto = st.query_params.get("goto")
if goto in {path for _, path, *_ in PAGES}:
    # A page opened before navigation existed (see _data.via_app) comes back here.
    rest = {k: st.query_params[k] for k in st.query_params if k != "goto"}
    st.switch_page(goto, query_params=rest)
page.run()
