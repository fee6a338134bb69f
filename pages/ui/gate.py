"""Who may be here: sign-in, the session's person and role, and each page's check.

Owns the password form, Streamlit's single sign-on where configured, sign-out, the
signed-in person and role (st.session_state["user"], ["role"]), `require` (every page's
first check), `via_app` (a page opened without app.py goes back through it) and the audit
of a look at personal data. app.py calls `gate()` before any page runs, and every page
calls it again through `require`: Streamlit runs a page's file on its own on some reruns
(always under AppTest, and before any session has declared the navigation), so the check
lives where every run passes. Success sets st.session_state["user"] (the name written
beside every change made in the app) and st.session_state["role"].

Imports pages.ui.cache (the engine) and pages.ui.markdown; no cached loader.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import streamlit as st

from pages.ui.cache import engine
from pages.ui.charts import blank_figure
from pages.ui.markdown import md_escape
from sources.people import access, accounts, audit

VIA_APP = "_via_app"  # set by app.py in every session it runs


def via_app(page_file: str) -> None:
    """Sends a page opened without app.py (the first visit after a restart) through app.py.

    Streamlit serves the pages/ folder by itself until some session has run app.py's
    st.navigation; a page reached that way would miss the page setup, sign-in and menu.
    The page asks app.py to open it again (`goto`), keeping the query parameters.
    """
    if not st.session_state.get(VIA_APP):
        params = {k: st.query_params[k] for k in st.query_params}
        params["goto"] = f"pages/{Path(page_file).name}"
        st.switch_page("app.py", query_params=params)


def role() -> str | None:
    """The signed-in person's role (st.session_state["role"], set by app.py), or None."""
    found = st.session_state.get("role")
    return str(found) if found else None


def current_user() -> str:
    """Who is using the app, as written into the store beside what they do."""
    return str(st.session_state.get("user") or "app user")


def allowed(action: str) -> bool:
    """True when the signed-in role may do `action` (sources.people.access); nobody signed in,
    or a role the store does not know, may do nothing."""
    return access.may(role(), action)


def require(action: str) -> None:
    """Stops the page with a plain message unless the role may do `action`.

    Checked on the server on every run, so a page opened by its URL is refused as surely as
    one left out of the menu. Nobody signed in gets the sign-in screen instead; whoever is
    signed in sees their name, role and the sign-out button in the sidebar.
    """
    gate()
    account_sidebar()
    if not allowed(action):
        st.warning("Your role does not give access to this page.")
        st.stop()


def note_sensitive_view(provider_id: str) -> None:
    """Audits that this person saw a provider's personal data: once per provider per
    session, not on every rerun (a slider moved is not a second look)."""
    seen = st.session_state.setdefault("_sensitive_seen", set())
    if provider_id in seen:
        return
    audit.record(engine(), current_user(), "view_sensitive", provider_id)
    seen.add(provider_id)


def signed_in() -> bool:
    """True when this session belongs to someone with a role Carelens knows.

    The account is read again on every run, so disabling it or changing its role ends a
    session already signed in at its next click, not at its next sign-in.
    """
    user, role = st.session_state.get("user"), st.session_state.get("role")
    if not user or role not in access.ROLES:
        return False
    if accounts.account_changed(engine(), str(user), str(role)):
        for key in ("user", "role"):
            st.session_state.pop(key, None)
        st.session_state["_signed_out_why"] = "Your account was disabled or its role changed."
        return False
    return True


def sso_providers() -> list[str | None] | None:
    """The OIDC providers configured under [auth] in .streamlit/secrets.toml (None for the
    single unnamed one), or None when single sign-on is not configured."""
    try:
        auth = st.secrets["auth"] if "auth" in st.secrets else None
    except Exception:  # no secrets.toml at all: password sign-in only
        return None
    if not isinstance(auth, Mapping):
        return None
    named = [str(name) for name, value in auth.items() if isinstance(value, Mapping)]
    return named or [None]


def _sso_sign_in() -> None:
    """Takes a single sign-on identity into the session when its account exists and is
    active: the role comes from the store's account named by the email; none, no access."""
    email = str(st.user.get("email") or "")
    role = accounts.account_role(engine(), email) if email else None
    if role in access.ROLES:
        st.session_state["user"], st.session_state["role"] = email, role
        audit.record(engine(), email, "sign_in", detail="single sign-on")
        st.rerun()
    if not st.session_state.get("_sso_refused"):
        audit.record(
            engine(),
            email or "(no email)",
            "sign_in_failed",
            detail="single sign-on: no active account",
        )
        st.session_state["_sso_refused"] = True
    st.title("Carelens")
    st.error("Your sign-in worked, but there is no active Carelens account for it.")
    st.caption("Ask an administrator to add an account named by your email address.")
    if st.button("Sign out", key="sso_sign_out"):
        st.logout()
    st.stop()


def _form(sso: list[str | None] | None) -> None:
    """The sign-in screen; stops the run until someone signs in."""
    st.title("Carelens")
    st.write("Sign in to see the risk dashboard.")
    if why := st.session_state.pop("_signed_out_why", None):
        st.warning(f"You were signed out: {why}")
    with st.form("sign_in", clear_on_submit=True):
        username = st.text_input("Username", key="sign_in_username", autocomplete="username")
        password = st.text_input(
            "Password", type="password", key="sign_in_password", autocomplete="current-password"
        )
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        username = (username or "").strip()
        if not username or not password:
            st.error("Enter your username and password.")
        else:
            # authenticate() counts failures, locks out and audits every attempt itself; its
            # message never says whether the username exists.
            outcome = accounts.authenticate(engine(), username, password)
            if outcome.ok and outcome.role in access.ROLES:
                st.session_state["user"], st.session_state["role"] = username, outcome.role
                st.rerun()
            st.error(outcome.reason or "Wrong username or password.")
    for provider in sso or []:
        label = f"Sign in with {provider}" if provider else "Sign in with single sign-on"
        if st.button(label, key=f"sso_{provider or 'default'}"):
            st.login(provider)
    _load_chart_code()
    st.stop()


def _load_chart_code() -> None:
    # A browser fetches and compiles Plotly's script (4.7 MB) the first time a page draws a
    # chart: about 1.5 s on this machine's Chromium, paid by the first chart page after
    # sign-in (and, as it compiles after that page says it is drawn, the next page too).
    # One blank chart off screen moves the wait to here, while someone types a password.
    with st.container(key="chart_code"):
        st.html("<style>.st-key-chart_code{position:absolute;left:-10000px;width:300px}</style>")
        st.plotly_chart(blank_figure(), config={"staticPlot": True}, key="chart_code_plot")


def gate() -> None:
    """Returns when someone is signed in; otherwise shows the sign-in screen and stops."""
    if signed_in():
        return
    sso = sso_providers()
    if sso and st.user.is_logged_in:
        _sso_sign_in()
    _form(sso)


def sign_out() -> None:
    """Forgets everything this session held (filters, picks, who it was), then reruns."""
    sso_user = sso_providers() is not None and st.user.is_logged_in
    for key in list(st.session_state.keys()):
        if key != VIA_APP:
            del st.session_state[key]
    if sso_user:
        st.logout()
    st.rerun()


def account_sidebar() -> None:
    """Who is signed in, with which role, and the sign-out button, in the sidebar."""
    with st.sidebar:
        st.caption(f"Signed in as **{md_escape(current_user())}** · {role()}")
        if st.button("Sign out", key="sign_out", icon=":material/logout:"):
            sign_out()
