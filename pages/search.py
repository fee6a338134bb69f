"""Search: everything people said that the role may read, across every provider.

Comments, expert-by-experience notes, safeguarding summaries (inspectors only) and incident
descriptions, found by the database's own full-text search (sources.search); a picked
result opens on its provider's page or is pinned to its visit brief.
"""

from __future__ import annotations

import streamlit as st

from pages.ui import cache, gate, search_box
from sources.people import access

gate.via_app(__file__)
gate.require(access.VIEW_PROVIDERS)

st.title("Search")
st.write(
    "What has anyone said about night staff, a manager's name, medicines in an area since "
    "March: every comment, expert note and incident description"
    + (", and safeguarding summary," if gate.allowed(access.VIEW_SENSITIVE) else ",")
    + " found by its words."
)
if not gate.allowed(access.VIEW_SENSITIVE):
    st.caption("Safeguarding summaries and note authors are for inspectors only.")
search_box.search_box("search", cache.stamp())
