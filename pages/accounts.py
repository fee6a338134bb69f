"""Accounts: list, add, disable or enable, and reset the password of who may sign in (admins)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from pages.ui import cache, gate
from sources.people import access, accounts

gate.via_app(__file__)
gate.require(access.ACCOUNTS)

st.title("Accounts")
user = gate.current_user()
eng = cache.engine()

done = st.session_state.pop("accounts_done", None)
if done:
    st.success(done)

found = accounts.list_accounts(eng)
# Hashes never leave sources.people.accounts for the screen: only these fields are shown.
table = pd.DataFrame(
    [
        {
            "username": a.username,
            "role": a.role,
            "state": "disabled" if a.disabled else "active",
            "failed sign-ins": a.failed_attempts,
            "locked until": a.locked_until,
            "created": a.created_at,
            "demo": a.demo,
        }
        for a in found
    ],
    columns=["username", "role", "state", "failed sign-ins", "locked until", "created", "demo"],
)
st.dataframe(table, hide_index=True, key="accounts_table")


def _done(message: str) -> None:
    st.session_state["accounts_done"] = message
    st.rerun()


add, change = st.columns(2)
with add:
    st.subheader("Add an account")
    with st.form("account_add", clear_on_submit=True):
        new_name = st.text_input("New username", key="account_new_name")
        new_role = st.selectbox("Role", access.ROLES, key="account_new_role")
        new_password = st.text_input(
            "First password",
            type="password",
            key="account_new_password",
            help=f"At least {accounts.MIN_PASSWORD_LENGTH} characters; give it to them in person.",
        )
        if st.form_submit_button("Add account", type="primary"):
            try:
                accounts.add_account(eng, new_name.strip(), str(new_role), new_password, by=user)
            except accounts.AccountError as error:
                st.error(str(error).capitalize() + ".")
            else:
                _done(f"Added {new_name.strip()} ({new_role}).")

with change:
    st.subheader("Change an account")
    names = [a.username for a in found]
    if not names:
        st.info("No account yet.")
        st.stop()
    picked = st.selectbox("Account", names, key="account_pick")
    account = next(a for a in found if a.username == picked)
    if account.disabled:
        if st.button("Enable", key="account_enable"):
            accounts.set_disabled(eng, picked, False, by=user)
            _done(f"Enabled {picked}.")
    elif picked == user:
        # An admin who disabled themselves could leave nobody to undo it.
        st.caption("You cannot disable the account you are signed in with.")
    elif st.button("Disable", key="account_disable"):
        accounts.set_disabled(eng, picked, True, by=user)
        _done(f"Disabled {picked}: they can no longer sign in.")
    with st.form("account_reset", clear_on_submit=True):
        password = st.text_input("New password", type="password", key="account_reset_password")
        if st.form_submit_button("Reset password"):
            try:
                accounts.reset_password(eng, picked, password, by=user)
            except accounts.AccountError as error:
                st.error(str(error).capitalize() + ".")
            else:
                _done(f"Password reset for {picked}; any lock-out lifted.")
