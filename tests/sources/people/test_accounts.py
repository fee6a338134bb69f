"""Sign-in, roles, lock-out and the append-only audit log."""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from sources.__main__ import main
from sources.people import access, accounts, audit
from sources.store import Account


def test_a_right_password_signs_in_with_the_role(engine):
    accounts.add_account(engine, "ayo", "inspector", "correct horse battery")
    result = accounts.authenticate(engine, "ayo", "correct horse battery")
    assert result.ok and result.role == "inspector"


def test_the_password_is_stored_only_as_an_argon2_hash(engine):
    accounts.add_account(engine, "ayo", "manager", "correct horse battery")
    with Session(engine) as s:
        stored = s.get(Account, "ayo").password_hash
    assert stored.startswith("$argon2id$") and "correct horse" not in stored


@pytest.mark.parametrize("password", ["wrong horse battery", "", "CORRECT HORSE BATTERY"])
def test_a_wrong_password_is_refused_without_saying_whether_the_user_exists(engine, password):
    accounts.add_account(engine, "ayo", "inspector", "correct horse battery")
    wrong = accounts.authenticate(engine, "ayo", password)
    unknown = accounts.authenticate(engine, "nobody", password)
    assert not wrong.ok and wrong.role is None
    assert wrong.reason == unknown.reason


def test_a_disabled_account_cannot_sign_in_until_enabled(engine):
    accounts.add_account(engine, "ayo", "inspector", "correct horse battery")
    accounts.set_disabled(engine, "ayo", True)
    refused = accounts.authenticate(engine, "ayo", "correct horse battery")
    assert not refused.ok and "disabled" in refused.reason
    accounts.set_disabled(engine, "ayo", False)
    assert accounts.authenticate(engine, "ayo", "correct horse battery").ok


def test_repeated_failures_lock_the_account_even_against_the_right_password(engine):
    accounts.add_account(engine, "ayo", "inspector", "correct horse battery")
    now = dt.datetime(2026, 1, 1, 9, tzinfo=dt.UTC)
    for _ in range(accounts.MAX_FAILURES):
        assert not accounts.authenticate(engine, "ayo", "guess", now=now).ok
    locked = accounts.authenticate(engine, "ayo", "correct horse battery", now=now)
    assert not locked.ok and "locked" in locked.reason
    later = now + accounts.LOCKOUT + dt.timedelta(seconds=1)
    assert accounts.authenticate(engine, "ayo", "correct horse battery", now=later).ok


def test_a_reset_sets_the_new_password_and_lifts_the_lock(engine):
    accounts.add_account(engine, "ayo", "inspector", "correct horse battery")
    for _ in range(accounts.MAX_FAILURES):
        accounts.authenticate(engine, "ayo", "guess")
    accounts.reset_password(engine, "ayo", "a brand new secret")
    assert accounts.authenticate(engine, "ayo", "a brand new secret").ok
    assert not accounts.authenticate(engine, "ayo", "correct horse battery").ok


@pytest.mark.parametrize(
    ("username", "role", "password", "message"),
    [
        ("ayo", "superuser", "long enough pw", "role must be one of"),
        ("ayo", "inspector", "short", "at least 10 characters"),
        ("  ", "inspector", "long enough pw", "a username is required"),
    ],
)
def test_invalid_accounts_are_refused_with_a_reason(engine, username, role, password, message):
    with pytest.raises(accounts.AccountError, match=message):
        accounts.add_account(engine, username, role, password)


def test_every_sign_in_and_account_change_is_audited(engine):
    accounts.add_account(engine, "ayo", "inspector", "correct horse battery", by="root")
    accounts.authenticate(engine, "ayo", "nope")
    accounts.authenticate(engine, "ayo", "correct horse battery")
    accounts.set_disabled(engine, "ayo", True, by="root")
    log = audit.search(engine)
    assert list(log["action"])[::-1] == ["account", "sign_in_failed", "sign_in", "account"]
    assert set(log["username"]) == {"root", "ayo"}


@pytest.mark.parametrize(
    "statement", ["UPDATE auditevent SET username = 'x'", "DELETE FROM auditevent"]
)
def test_the_audit_log_cannot_be_edited_even_in_sql(engine, statement):
    audit.record(engine, "ayo", "export", "triage")
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text(statement))
    assert audit.search(engine)["username"].tolist() == ["ayo"]


def test_audit_search_filters_and_binds_hostile_values(engine):
    audit.record(engine, "ayo", "export", "P1")
    audit.record(engine, "bea", "brief", "P2")
    assert audit.search(engine, username="bea")["target"].tolist() == ["P2"]
    assert audit.search(engine, action="export")["username"].tolist() == ["ayo"]
    assert audit.search(engine, username="x' OR '1'='1").empty


def test_unknown_audit_actions_are_refused(engine):
    with pytest.raises(ValueError, match="unknown audit action"):
        audit.record(engine, "ayo", "peek")


@pytest.mark.parametrize(
    ("role", "action", "allowed"),
    [
        ("inspector", access.VIEW_SENSITIVE, True),
        ("manager", access.VIEW_SENSITIVE, False),
        ("manager", access.VIEW_PROVIDERS, True),
        ("manager", access.LOAD, False),
        ("admin", access.LOAD, True),
        ("admin", access.VIEW_SENSITIVE, False),
        ("inspector", access.ACCOUNTS, False),
        (None, access.VIEW_PROVIDERS, False),
        ("intruder", access.VIEW_PROVIDERS, False),
    ],
)
def test_roles_may_do_what_their_job_needs_and_no_more(role, action, allowed):
    assert access.may(role, action) is allowed


def test_redaction_hides_personal_data_from_roles_without_the_right():
    frame = pd.DataFrame({"alert_id": ["A1", "A2"], "summary": ["Mrs J. bruised", None]})
    shown = access.redact(frame, "inspector")["summary"].tolist()
    assert shown[0] == "Mrs J. bruised" and pd.isna(shown[1])
    hidden = access.redact(frame, "manager")["summary"].tolist()
    assert hidden[0] == access.REDACTED and pd.isna(hidden[1])
    assert frame["summary"].tolist()[0] == "Mrs J. bruised"  # the input is left alone


def test_demo_accounts_one_per_role(engine):
    accounts.create_demo_accounts(engine)
    accounts.create_demo_accounts(engine)  # twice is harmless
    made = accounts.list_accounts(engine)
    assert sorted(a.role for a in made) == sorted(access.ROLES)
    for username, (role, password) in accounts.DEMO_ACCOUNTS.items():
        assert accounts.authenticate(engine, username, password).role == role


def test_users_command_adds_disables_and_lists(engine, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("a long password\n"))
    assert main(["users", "add", "ayo", "--role", "manager"]) == 0
    assert main(["users", "disable", "ayo"]) == 0
    assert main(["users", "list"]) == 0
    assert "ayo\tmanager\tdisabled" in capsys.readouterr().out
    assert main(["users", "disable", "nobody"]) == 2
    assert "no account 'nobody'" in capsys.readouterr().err
