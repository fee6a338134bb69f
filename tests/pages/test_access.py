"""Who may see what, in the app under AppTest: sign-in, the menu and refusals per role,
redaction of personal data for managers, the audit trail, and hostile text shown inert."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.local_script_runner import LocalScriptRunner

from pages.ui import writes
from risk import brief, views
from sources.people import access, accounts, audit
from sources.store import Account, AuditEvent, Comment, EbeNote, Provider
from tests.risk import tiny_world

ROOT = Path(__file__).resolve().parents[2]
HOSTILE_CSV = ROOT / "tests" / "data" / "hostile_texts.csv"
AUTHOR = "Expert Jo Bloggs"  # an EbE note author: personal data
SUMMARY = "personal detail"  # tiny_world's safeguarding summary: personal data
# The provider page's tabs (?section=): each runs only while open.
PROVIDER_SECTIONS = ("score", "timeline", "voices", "search", "used", "changes", "brief")
PASSWORDS = {role: password for _, (role, password) in accounts.DEMO_ACCOUNTS.items()}

# Pages each role must find listed, and must not; a page not listed must refuse by URL.
LISTED = {
    "inspector": {"Triage", "Provider", "Overview", "Search", "Inbox", "Method"},
    "manager": {"Triage", "Provider", "Overview", "Search", "Method"},
    "admin": {
        "Triage",
        "Provider",
        "Overview",
        "Search",
        "Method",
        "Data",
        "Accounts",
        "Audit log",
    },
}
NOT_LISTED = {
    "inspector": {"Data", "Accounts", "Audit log"},
    "manager": {"Inbox", "Data", "Accounts", "Audit log"},
    "admin": {"Inbox"},
}
FILES = {
    "Triage": "triage",
    "Provider": "provider",
    "Overview": "overview",
    "Search": "search",
    "Inbox": "inbox",
    "Method": "method",
    "Data": "loads",
    "Accounts": "accounts",
    "Audit log": "audit",
}


@pytest.fixture
def world(engine: Engine) -> Engine:
    """The tiny world with the demo accounts and an expert note that names its author."""
    tiny_world.build(engine)
    accounts.create_demo_accounts(engine)
    with engine.begin() as conn:
        conn.execute(update(EbeNote.__table__).values(author=AUTHOR))
    return engine


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> dict[str, Callable[[], object]]:
    """Each download button's deferred callable, by file name, as the server would keep it."""
    found: dict[str, Callable[[], object]] = {}
    original = MediaFileManager.add_deferred

    def spy(self: MediaFileManager, data: Callable[[], object], *args: object, **kw: object):
        found[str(kw.get("file_name"))] = data
        return original(self, data, *args, **kw)

    monkeypatch.setattr(MediaFileManager, "add_deferred", spy)
    return found


def signed_in(role: str, **params: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["user"] = f"{role}1"
    at.session_state["role"] = role
    for key, value in params.items():
        at.query_params[key] = value
    return at


def open_page(role: str, page: str, **params: str) -> AppTest:
    at = signed_in(role, **params)
    at.run()
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def sign_in_screen() -> AppTest:
    """The app as a new visitor sees it. Under AppTest the second run is the page's own file
    (Streamlit's pages/ folder), so the form is filled in on that run, as a browser would."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.run()
    assert [t.label for t in at.text_input] == ["Username", "Password"]
    return at


def submit(at: AppTest, username: str, password: str) -> AppTest:
    at.text_input(key="sign_in_username").input(username)
    at.text_input(key="sign_in_password").input(password)
    at.button(key="FormSubmitter:sign_in-Sign in").click().run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def shown_text(at: AppTest) -> str:
    """Everything a page put on screen: text elements, table cells and chart labels."""
    parts = [
        e.value for kind in ("title", "header", "markdown", "caption", "text") for e in at.get(kind)
    ]
    parts += [e.value for kind in ("error", "warning", "info", "success") for e in at.get(kind)]
    parts += [d.value.to_csv() for d in at.dataframe]
    parts += [c.proto.spec for c in at.get("plotly_chart")]
    return "\n".join(str(p) for p in parts)


def table_with(at: AppTest, column: str) -> pd.DataFrame:
    """The one table on screen with `column`."""
    (frame,) = [d.value for d in at.dataframe if column in d.value.columns]
    return frame


def events(engine: Engine, action: str) -> pd.DataFrame:
    return audit.search(engine, action=action)


# ---------------------------------------------------------------- the menu and refusals


@pytest.mark.parametrize("role", access.ROLES)
def test_the_menu_lists_only_the_roles_pages(
    world: Engine, role: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent = []
    original = LocalScriptRunner.forward_msgs

    def spy(self: LocalScriptRunner) -> list:
        msgs = original(self)
        sent.extend(m.navigation for m in msgs if m.HasField("navigation"))
        return msgs

    monkeypatch.setattr(LocalScriptRunner, "forward_msgs", spy)
    at = signed_in(role)
    at.run()
    assert not at.exception
    listed = {p.page_name for p in sent[-1].app_pages if not p.is_hidden}
    assert LISTED[role] <= listed
    assert not listed & NOT_LISTED[role]


def test_before_sign_in_nothing_is_listed_and_every_page_asks_for_it(world: Engine) -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["provider"] = "A"
    at.run()
    assert [t.value for t in at.title] == ["Carelens"]
    assert not at.dataframe and not charted(at) and not at.sidebar.button
    for page in FILES.values():
        at.switch_page(f"pages/{page}.py").run()
        assert [t.label for t in at.text_input] == ["Username", "Password"], page
        assert not at.dataframe and not charted(at), page


def charted(at: AppTest) -> list[object]:
    """The charts that show anything: the sign-in screen draws one blank chart out of
    sight (pages/ui/gate.py), which must carry no data."""
    return [c for c in at.get("plotly_chart") if json.loads(c.proto.spec).get("data")]


@pytest.mark.parametrize(
    ("role", "title"), [(r, t) for r in access.ROLES for t in sorted(NOT_LISTED[r])]
)
def test_a_page_opened_by_url_without_the_role_shows_only_the_refusal(
    world: Engine, role: str, title: str
) -> None:
    at = open_page(role, FILES[title], provider="A")
    assert [w.value for w in at.warning] == ["Your role does not give access to this page."]
    # Nothing else in the page: no title, table, chart, form or button.
    assert not at.title and not at.dataframe and not at.get("plotly_chart")
    assert not at.main.button and not at.text_input and not at.get("download_button")


@pytest.mark.parametrize(
    ("role", "title"), [(r, t) for r in access.ROLES for t in sorted(LISTED[r])]
)
def test_a_listed_page_opens_for_its_role(world: Engine, role: str, title: str) -> None:
    at = open_page(role, FILES[title], provider="A")
    assert not at.warning or "does not give access" not in at.warning[0].value
    assert at.title
    assert [c.value for c in at.sidebar.caption][0] == f"Signed in as **{role}1** · {role}"


def test_nobody_signed_in_may_do_nothing() -> None:
    assert not any(access.may(None, action) for action in access.PERMISSIONS["inspector"])


# ---------------------------------------------------------------- signing in


def test_sign_in_with_the_right_password_opens_the_app_and_is_audited_once(
    world: Engine,
) -> None:
    at = submit(sign_in_screen(), "manager", PASSWORDS["manager"])
    assert (at.session_state["user"], at.session_state["role"]) == ("manager", "manager")
    assert at.title[0].value == "Triage"
    signed = events(world, "sign_in")
    assert signed["username"].tolist() == ["manager"]


def test_a_wrong_password_is_refused_plainly_and_audited(world: Engine) -> None:
    at = submit(sign_in_screen(), "inspector", "not-the-password")
    assert [e.value for e in at.error] == ["Wrong username or password."]
    assert "role" not in at.session_state
    # An unknown name gets the very same words: nothing says which names exist.
    at = submit(at, "nobody-here", "not-the-password")
    assert [e.value for e in at.error] == ["Wrong username or password."]
    failed = events(world, "sign_in_failed")
    assert failed["username"].tolist() == ["nobody-here", "inspector"]
    assert events(world, "sign_in").empty


def test_a_disabled_account_cannot_sign_in(world: Engine) -> None:
    accounts.set_disabled(world, "inspector", True, by="admin1")
    at = submit(sign_in_screen(), "inspector", PASSWORDS["inspector"])
    assert [e.value for e in at.error] == ["This account is disabled."]
    assert "role" not in at.session_state
    assert events(world, "sign_in_failed")["detail"].tolist() == ["This account is disabled."]


def test_five_failures_lock_the_account_even_against_the_right_password(world: Engine) -> None:
    at = sign_in_screen()
    for _ in range(accounts.MAX_FAILURES):
        at = submit(at, "inspector", "guess-guess")
    at = submit(at, "inspector", PASSWORDS["inspector"])
    assert "locked" in at.error[0].value
    assert "role" not in at.session_state
    assert len(events(world, "sign_in_failed")) == accounts.MAX_FAILURES + 1
    # Another account is untouched by the lock-out.
    at = submit(at, "manager", PASSWORDS["manager"])
    assert at.session_state["role"] == "manager"


def test_sign_out_forgets_who_was_signed_in(world: Engine) -> None:
    at = open_page("inspector", "triage")
    at.sidebar.button(key="sign_out").click().run()
    assert "role" not in at.session_state and "user" not in at.session_state
    assert [t.label for t in at.text_input] == ["Username", "Password"]


SSO_SECRETS = {
    "auth": {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "test-secret",
        "client_id": "carelens",
        "client_secret": "x",
        "server_metadata_url": "https://idp.example/.well-known/openid-configuration",
    }
}


def sso_visit(email: str) -> AppTest:
    """The app after the identity provider sent `email` back (st.user), SSO configured."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.secrets.update(SSO_SECRETS)
    at.user = {"is_logged_in": True, "email": email}
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_the_sign_in_screen_offers_single_sign_on_when_configured(world: Engine) -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.secrets.update(SSO_SECRETS)
    at.user = {"is_logged_in": False}
    at.run()
    assert [b.label for b in at.button] == ["Sign in", "Sign in with single sign-on"]
    assert [t.label for t in at.text_input] == ["Username", "Password"]


def test_single_sign_on_takes_the_role_from_the_account_of_that_email(world: Engine) -> None:
    accounts.add_account(world, "jo@example.org", "manager", "long-enough-pw")
    at = sso_visit("jo@example.org")
    assert (at.session_state["user"], at.session_state["role"]) == ("jo@example.org", "manager")
    assert at.title[0].value == "Triage"
    signed = events(world, "sign_in")
    assert signed[["username", "detail"]].values.tolist() == [["jo@example.org", "single sign-on"]]


def test_single_sign_on_without_an_active_account_gives_no_access(world: Engine) -> None:
    accounts.add_account(world, "gone@example.org", "inspector", "long-enough-pw")
    accounts.set_disabled(world, "gone@example.org", True)
    for email in ("stranger@example.org", "gone@example.org"):
        at = sso_visit(email)
        at.run()  # a rerun is not a second failure in the log
        assert "role" not in at.session_state
        assert "no active Carelens account" in at.error[0].value
        assert not at.dataframe and [b.label for b in at.button] == ["Sign out"]
    failed = events(world, "sign_in_failed")
    assert failed["username"].tolist() == ["gone@example.org", "stranger@example.org"]


# ---------------------------------------------------------------- personal data by role


def test_an_inspector_sees_summaries_and_authors_and_the_view_is_audited_once(
    world: Engine,
) -> None:
    # The alert's summary on the timeline, the note's author among what people say.
    assert SUMMARY in shown_text(
        open_page("inspector", "provider", provider="A", section="timeline")
    )
    before = len(events(world, "view_sensitive"))  # that session's own row
    at = open_page("inspector", "provider", provider="A", section="voices")
    assert AUTHOR in shown_text(at)
    # Moving a filter reruns the page: still one audit row for this provider.
    at.multiselect(key="v_sentiment").set_value(["negative"]).run()
    at.multiselect(key="v_sentiment").set_value([]).run()
    viewed = events(world, "view_sensitive")
    assert before == 1
    assert viewed[["username", "target"]].values.tolist() == [["inspector1", "A"]] * 2


def test_a_manager_sees_no_summary_or_author_on_the_provider_page(world: Engine) -> None:
    tabs = [
        open_page("manager", "provider", provider="A", section=section)
        for section in PROVIDER_SECTIONS
    ]
    screen = "\n".join(shown_text(at) for at in tabs)
    assert tabs[0].title[0].value == "Acorn House"
    assert AUTHOR not in screen and SUMMARY not in screen
    assert access.REDACTED in screen  # the author column says it is hidden, not empty
    assert events(world, "view_sensitive").empty


def test_the_evidence_table_carries_the_alert_summary_only_for_an_inspector(
    world: Engine,
) -> None:
    evidence = pd.DataFrame(
        [
            {
                "part": "safeguarding alerts",
                "kind": "alert",
                "id": "s1",
                "date": None,
                "summary": "high risk, neglect",
            },
            {
                "part": "incidents",
                "kind": "incident",
                "id": "i1",
                "date": None,
                "summary": "severe harm",
            },
        ]
    )
    frame = views.provider_events(world, "A")
    shown = {
        role: access.redact(views.evidence_with_personal(evidence, frame), role)
        for role in ("inspector", "manager")
    }
    assert shown["inspector"]["summary"].tolist()[0] == SUMMARY
    assert shown["manager"]["summary"].tolist()[0] == access.REDACTED
    for role in shown:
        # What the evidence says is not personal: both roles read it.
        assert shown[role]["evidence"].tolist() == ["high risk, neglect", "severe harm"]
        assert shown[role]["summary"].tolist()[1] is None


def test_a_managers_brief_carries_no_summary_or_author(world: Engine) -> None:
    made = {role: brief.build_brief(world, "A", tiny_world.AS_OF, role) for role in access.ROLES}
    for role, visit in made.items():
        quoted = " ".join(q.text + " " + q.kind for e in visit.enquiries for q in e.quotes)
        html_text = brief.brief_html(visit)
        sensitive = access.may(role, access.VIEW_SENSITIVE)
        assert (SUMMARY in quoted) is sensitive and (AUTHOR in quoted) is sensitive
        assert (SUMMARY in html_text) is sensitive and (AUTHOR in html_text) is sensitive


def test_a_brief_download_checks_the_role_makes_the_roles_brief_and_is_audited(
    world: Engine, downloads: dict[str, Callable[[], object]]
) -> None:
    open_page("manager", "provider", provider="A", section="brief")
    name = f"visit-brief-A-{tiny_world.AS_OF:%Y-%m-%d}.html"
    html_text = str(downloads[name]())
    assert "Visit brief: Acorn House" in html_text
    assert AUTHOR not in html_text and SUMMARY not in html_text
    assert events(world, "brief")[["username", "target", "detail"]].values.tolist() == [
        ["manager1", "A", "html"]
    ]
    downloads.clear()
    open_page("inspector", "provider", provider="A", section="brief")
    assert AUTHOR in str(downloads[name]())


def test_the_triage_export_is_audited_and_carries_no_formula(
    world: Engine, downloads: dict[str, Callable[[], object]]
) -> None:
    with Session(world) as s:
        provider = s.get(Provider, "B")
        provider.name = '=HYPERLINK("http://x","y")'
        s.add(provider)
        s.commit()
    open_page("manager", "triage")
    (name,) = [n for n in downloads if n.startswith("carelens-triage-")]
    rows = list(csv.reader(io.StringIO(downloads[name]().decode("utf-8-sig"))))
    assert rows[0][:2] == ["provider_id", "name"]
    assert '\'=HYPERLINK("http://x","y")' in [r[1] for r in rows[1:]]
    assert_no_formula(rows)
    assert not {"summary", "author"} & set(rows[0])
    exported = events(world, "export")
    assert exported[["username", "target", "detail"]].values.tolist() == [
        ["manager1", "triage", "3 rows"]
    ]


def assert_no_formula(rows: list[list[str]]) -> None:
    """No text cell a spreadsheet would run (numbers such as -3.5 are numbers)."""
    for row in rows:
        for cell in row:
            if cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
                float(cell)  # raises for text: a formula got through


# ---------------------------------------------------------------- the audit trail


def test_links_dismissals_and_loads_are_audited(world: Engine) -> None:
    at = open_page("inspector", "inbox")
    at.text_input(key="inbox_typed").set_value("A").run()
    at.button(key="inbox_link").click().run()
    with world.begin() as conn:
        conn.execute(
            Comment.__table__.insert().values(
                comment_id="u2",
                received_on=tiny_world.AS_OF,
                text="Who knows",
                link_method="unlinked",
            )
        )
    writes.clear()  # what the app does after a write of its own
    at = open_page("inspector", "inbox")
    at.button(key="inbox_dismiss").click().run()
    assert not at.exception
    assert events(world, "link")[["username", "target"]].values.tolist() == [
        ["inspector1", "comment:u1"]
    ]
    assert events(world, "dismiss")[["username", "target"]].values.tolist() == [
        ["inspector1", "comment:u2"]
    ]
    at = open_page("admin", "loads")
    good = b"incident_id,provider_id,occurred_on,harm\nx1,A,2026-06-01,moderate\n"
    at.file_uploader(key="uploads").upload("incidents.csv", good, "text/csv").run()
    at.button(key="load").click().run()
    assert not at.exception
    assert events(world, "load")["username"].tolist() == ["admin1"]


def test_the_audit_page_lists_and_searches_events_and_cannot_change_them(
    world: Engine, downloads: dict[str, Callable[[], object]]
) -> None:
    audit.record(world, "inspector1", "view_sensitive", "A")
    audit.record(world, "manager1", "export", "triage", "=1+1 rows")
    at = open_page("admin", "audit")
    table = table_with(at, "action")
    assert {"inspector1", "manager1", "demo"} <= set(table["username"])
    # A plain table: no editor, and no button but the download.
    assert not at.get("data_editor") and not at.main.button
    at.selectbox(key="audit_action").set_value("export").run()
    assert table_with(at, "action")["username"].tolist() == ["manager1"]
    at.selectbox(key="audit_action").set_value(None).run()
    at.text_input(key="audit_text").set_value("inspector1").run()
    assert set(table_with(at, "action")["username"]) == {"inspector1"}
    # The export is formula-safe and itself written into the log.
    at.text_input(key="audit_text").set_value("").run()
    (name,) = [n for n in downloads if n.startswith("carelens-audit-")]
    rows = list(csv.reader(io.StringIO(downloads[name]().decode("utf-8-sig"))))
    assert "'=1+1 rows" in [cell for row in rows for cell in row]
    assert_no_formula(rows)
    assert "audit" in events(world, "export")["target"].tolist()
    # The store refuses a change whatever a page might try.
    with pytest.raises(Exception), world.begin() as conn:  # noqa: B017, PT011
        conn.execute(update(AuditEvent.__table__).values(detail="rewritten"))
    assert "rewritten" not in set(audit.search(world)["detail"].dropna())


def test_the_accounts_page_adds_disables_and_resets(world: Engine) -> None:
    at = open_page("admin", "accounts")
    listed = table_with(at, "username")
    assert listed["username"].tolist() == ["admin", "inspector", "manager"]
    assert "password_hash" not in listed.columns
    at.text_input(key="account_new_name").input("newbie")
    at.selectbox(key="account_new_role").set_value("manager")
    at.text_input(key="account_new_password").input("a-long-password")
    at.button(key="FormSubmitter:account_add-Add account").click().run()
    assert not at.exception
    assert accounts.authenticate(world, "newbie", "a-long-password").role == "manager"
    at.selectbox(key="account_pick").set_value("newbie").run()
    at.button(key="account_disable").click().run()
    assert accounts.account_role(world, "newbie") is None
    details = events(world, "account")
    assert ["newbie", "disabled"] in details[["target", "detail"]].values.tolist()
    assert (details[details["target"] == "newbie"]["username"] == "admin1").all()


# ---------------------------------------------------------------- hostile text, inert


def hostile_texts() -> list[str]:
    with HOSTILE_CSV.open(encoding="utf-8", newline="") as f:
        return [row["text"] for row in csv.DictReader(f)]


@pytest.fixture
def hostile_world(world: Engine) -> Engine:
    """Every hostile text as a comment on provider A and as an unlinked comment."""
    texts = hostile_texts()
    rows = []
    for i, text in enumerate(texts):
        for prefix, provider, method in (("h", "A", "given"), ("x", None, "unlinked")):
            rows.append(
                {
                    "comment_id": f"{prefix}{i}",
                    "received_on": tiny_world.AS_OF,
                    "text": text,
                    "provider_id": provider,
                    "provider_name": text[:40] if provider is None else None,
                    "link_method": method,
                    "sentiment": "negative",
                    "serious": False,
                    "themes": "staffing",
                }
            )
    with world.begin() as conn:
        conn.execute(Comment.__table__.insert(), rows)
    return world


def test_the_corpus_is_whole() -> None:
    texts = hostile_texts()
    assert len(texts) == 22
    assert any("<script>" in t for t in texts) and any(t.startswith("=") for t in texts)


def test_hostile_text_is_shown_verbatim_as_text_on_the_provider_page(
    hostile_world: Engine,
) -> None:
    at = open_page("inspector", "provider", provider="A", section="voices")
    table = next(d.value for d in at.dataframe if "sentiment" in d.value.columns)
    shown = set(table["text"])
    markup = "\n".join(
        e.value for kind in ("markdown", "caption", "title", "header") for e in at.get(kind)
    )
    for text in hostile_texts():
        assert text in shown, text
        assert text not in markup
    assert "<script>" not in markup and "javascript:" not in markup
    for chart in at.get("plotly_chart"):
        assert "<script>" not in chart.proto.spec and "<img" not in chart.proto.spec


def test_hostile_text_is_shown_verbatim_as_text_in_the_inbox(hostile_world: Engine) -> None:
    at = open_page("inspector", "inbox")
    table = table_with(at, "provider_name")
    shown = set(table["text"])
    markup = "\n".join(e.value for kind in ("markdown", "caption", "title") for e in at.get(kind))
    for text in hostile_texts():
        assert text in shown, text
        assert text not in markup
    assert "<script>" not in markup


def test_hostile_text_is_escaped_in_the_brief(hostile_world: Engine) -> None:
    visit = brief.build_brief(hostile_world, "A", tiny_world.AS_OF, "inspector")
    quoted = [q.text for e in visit.enquiries for q in e.quotes]
    assert any("<script>" in q for q in quoted)  # the brief does quote the hostile text
    html_text = brief.brief_html(visit)
    assert "<script>alert" not in html_text and "<img src" not in html_text
    assert "&lt;script&gt;alert(&#x27;xss&#x27;)&lt;/script&gt;" in html_text
    assert brief.brief_pdf(visit).startswith(b"%PDF")


def test_hostile_text_cannot_be_a_formula_in_a_csv(hostile_world: Engine) -> None:
    voices = views.provider_voices(hostile_world, "A")
    rows = list(csv.reader(io.StringIO(views.safe_csv(voices).decode("utf-8-sig"))))
    assert_no_formula(rows)
    texts = [r[rows[0].index("text")] for r in rows[1:]]
    assert '\'=HYPERLINK("http://attacker.example","Click")' in texts
    assert json.dumps(texts)  # every cell is whole text, control characters included


def test_disabling_an_account_ends_its_open_session_at_the_next_click(world: Engine) -> None:
    at = submit(sign_in_screen(), "inspector", PASSWORDS["inspector"])
    assert at.session_state["role"] == "inspector"
    accounts.set_disabled(world, "inspector", True, by="admin1")
    at.run()
    assert "role" not in at.session_state
    assert [t.label for t in at.text_input] == ["Username", "Password"]
    assert "disabled" in at.warning[0].value


def test_a_role_changed_after_sign_in_ends_the_session(world: Engine) -> None:
    at = submit(sign_in_screen(), "manager", PASSWORDS["manager"])
    with world.begin() as conn:
        conn.execute(update(Account).where(Account.username == "manager").values(role="admin"))
    at.run()
    assert "role" not in at.session_state
