"""Accounts: adding, disabling, resetting, and checking a sign-in with lock-out.

Passwords are hashed with argon2id (argon2-cffi, the reference implementation's binding);
nothing here compares or stores a password in clear.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import sys
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from sources.people import audit
from sources.people.access import ROLES
from sources.store import Account, get_engine, utcnow

MAX_FAILURES = 5  # failed sign-ins in a row before the account locks
LOCKOUT = dt.timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 10

DEMO_ACCOUNTS: dict[str, tuple[str, str]] = {
    # username: (role, password) — printed in the README; created only with the demo world.
    "inspector": ("inspector", "demo-inspector"),
    "manager": ("manager", "demo-manager"),
    "admin": ("admin", "demo-admin"),
}

_hasher = PasswordHasher()


class AccountError(ValueError):
    """A request about accounts that cannot be done, with a message for a person."""


@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in attempt."""

    ok: bool
    username: str
    role: str | None = None
    reason: str = ""  # for the person: never says whether the username exists


def _check_new(username: str, role: str, password: str) -> None:
    if not username.strip():
        raise AccountError("a username is required")
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")


def add_account(
    engine: Engine,
    username: str,
    role: str,
    password: str,
    demo: bool = False,
    by: str = "cli",
) -> None:
    """Creates an account; raises AccountError if it exists or the request is invalid."""
    _check_new(username, role, password)
    with Session(engine) as s:
        if s.get(Account, username) is not None:
            raise AccountError(f"account {username!r} already exists")
        s.add(
            Account(
                username=username,
                password_hash=_hasher.hash(password),
                role=role,
                created_at=utcnow(),
                demo=demo,
            )
        )
        s.commit()
    audit.record(engine, by, "account", username, f"added with role {role}")


def _update(engine: Engine, username: str, by: str, detail: str, **values: object) -> None:
    with Session(engine) as s:
        account = s.get(Account, username)
        if account is None:
            raise AccountError(f"no account {username!r}")
        for key, value in values.items():
            setattr(account, key, value)
        s.add(account)
        s.commit()
    audit.record(engine, by, "account", username, detail)


def set_disabled(engine: Engine, username: str, disabled: bool, by: str = "cli") -> None:
    """Disables (or enables again) an account; a disabled account cannot sign in."""
    _update(engine, username, by, "disabled" if disabled else "enabled", disabled=disabled)


def reset_password(engine: Engine, username: str, password: str, by: str = "cli") -> None:
    """Sets a new password and lifts any lock-out."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    _update(
        engine,
        username,
        by,
        "password reset",
        password_hash=_hasher.hash(password),
        failed_attempts=0,
        locked_until=None,
    )


def list_accounts(engine: Engine) -> list[Account]:
    """Every account, by username (hashes included: callers show only the other fields)."""
    with Session(engine) as s:
        return list(s.exec(select(Account).order_by(Account.username)).all())


def account_role(engine: Engine, username: str) -> str | None:
    """The role of an active account (single sign-on takes its role from here); None when
    there is no such account or it is disabled."""
    with Session(engine) as s:
        account = s.get(Account, username)
    if account is None or account.disabled:
        return None
    return account.role


def account_changed(engine: Engine, username: str, role: str) -> bool:
    """True when the stored account `username` is now disabled or holds another role than
    `role`, the one its session signed in with. A name with no account (a session made by a
    test) is not changed: sessions come only from sign-in, and accounts are never deleted."""
    with Session(engine) as s:
        account = s.get(Account, username)
    return account is not None and (account.disabled or account.role != role)


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    # SQLite hands back naive datetimes even for timezone-aware columns; they were UTC.
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment


def authenticate(
    engine: Engine, username: str, password: str, now: dt.datetime | None = None
) -> SignIn:
    """Checks a sign-in; counts failures, locks after MAX_FAILURES, audits every attempt."""
    now = now or utcnow()
    refused = SignIn(False, username, reason="Wrong username or password.")
    with Session(engine) as s:
        account = s.get(Account, username)
        if account is None:
            # Hash anyway so a missing account takes as long as a wrong password.
            _hasher.hash(password)
            outcome = refused
        elif account.disabled:
            outcome = SignIn(False, username, reason="This account is disabled.")
        elif (locked := _aware(account.locked_until)) is not None and locked > now:
            outcome = SignIn(
                False,
                username,
                reason="Too many failed attempts: this account is locked for a while.",
            )
        else:
            try:
                _hasher.verify(account.password_hash, password)
                verified = True
            except (VerificationError, InvalidHashError):
                verified = False
            if verified:
                account.failed_attempts = 0
                account.locked_until = None
                outcome = SignIn(True, username, account.role)
            else:
                account.failed_attempts += 1
                if account.failed_attempts >= MAX_FAILURES:
                    account.locked_until = now + LOCKOUT
                    account.failed_attempts = 0
                outcome = refused
            s.add(account)
            s.commit()
    audit.record(
        engine,
        username,
        "sign_in" if outcome.ok else "sign_in_failed",
        detail=None if outcome.ok else outcome.reason,
    )
    return outcome


def create_demo_accounts(engine: Engine) -> None:
    """Adds the demo world's accounts (one per role) that are not there yet."""
    with Session(engine) as s:
        existing = {a.username for a in s.exec(select(Account)).all()}
    for username, (role, password) in DEMO_ACCOUNTS.items():
        if username not in existing:
            add_account(engine, username, role, password, demo=True, by="demo")


USERS_DESCRIPTION = f"""\
Manage who can sign in to the dashboard, in the store (DATABASE_URL, else data/).

actions:
  add USERNAME --role ROLE   create an account; the password is asked for twice (or read
                             as one line from standard input when it is not a terminal)
  disable USERNAME           stop the account signing in; its open sessions end at their
                             next click
  enable USERNAME            let a disabled account sign in again
  reset USERNAME             set a new password (asked for as with add), lifting a lock-out
  list                       print every account: username, role, active or disabled

Roles: inspector (reads everything about providers, safeguarding summaries included),
manager (triage and overview, no personal detail), admin (loads data, manages accounts,
reads the audit log). Passwords have at least {MIN_PASSWORD_LENGTH} characters and never go on
the command line. {MAX_FAILURES} failed sign-ins in a row lock an account for \
{int(LOCKOUT.total_seconds() // 60)} minutes.
"""


_ADD = (
    "Add an account with a role. The password is asked for twice, or read as one line from "
    "standard input when that is not a terminal; it never goes on the command line."
)
_ACTIONS = {
    "disable": "stop an account signing in (its open sessions end at their next click)",
    "enable": "let a disabled account sign in again",
    "reset": "set a new password (asked for as with add) and lift any lock-out",
}


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Adds `users` to the `python -m sources` command line."""
    p = sub.add_parser(
        "users",
        help="manage dashboard accounts: add, disable, enable, reset a password, list",
        description=USERS_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    a = actions.add_parser(
        "add", help="add an account (the password is asked for)", description=_ADD
    )
    a.add_argument("username", metavar="USERNAME", help="the name to sign in with")
    a.add_argument(
        "--role",
        required=True,
        choices=ROLES,
        help="what the account may see and do: " + ", ".join(ROLES) + " (required)",
    )
    for name, summary in _ACTIONS.items():
        action = actions.add_parser(name, help=summary, description=summary.capitalize() + ".")
        action.add_argument("username", metavar="USERNAME", help="the account's username")
    actions.add_parser(
        "list",
        help="print every account: username, role, active or disabled",
        description="Print every account, one a line: username, role, active or disabled.",
    )


def _ask_password() -> str:
    # A password never goes on the command line, where the shell history would keep it.
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("New password: ")
    if getpass.getpass("Again: ") != first:
        raise AccountError("the two passwords differ")
    return first


def run_users_command(args: argparse.Namespace) -> int:
    """`python -m sources users ...`: 0 when done, 2 with a message when refused."""
    engine = get_engine()
    try:
        if args.action == "list":
            for account in list_accounts(engine):
                state = "disabled" if account.disabled else "active"
                print(f"{account.username}\t{account.role}\t{state}")
        elif args.action == "add":
            add_account(engine, args.username, args.role, _ask_password())
            print(f"added {args.username} ({args.role})")
        elif args.action == "reset":
            reset_password(engine, args.username, _ask_password())
            print(f"password reset for {args.username}")
        else:
            set_disabled(engine, args.username, args.action == "disable")
            print(f"{args.action}d {args.username}")
    except AccountError as error:
        print(f"users {args.action}: {error}", file=sys.stderr)
        return 2
    return 0
