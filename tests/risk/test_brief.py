"""The visit brief: lines of enquiry from the evidence, as escaped HTML and as a PDF."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from risk import brief
from sources.contract import ENQUIRY_KEYS, KEY_QUESTIONS
from sources.store import Comment, Incident
from tests.risk import tiny_world
from tests.risk.tiny_world import AS_OF


@pytest.fixture
def made(engine: Engine) -> brief.VisitBrief:
    tiny_world.build(engine)
    return brief.build_brief(engine, "A", AS_OF)


def test_the_brief_summarises_the_provider(made: brief.VisitBrief) -> None:
    assert made.provider["name"] == "Acorn House"
    assert (made.score, made.band) == (72.5, "very high")
    assert (made.last_rating, made.last_rated_on) == ("Requires improvement", dt.date(2026, 1, 10))
    assert made.contributions["part"].tolist() == [
        "incidents",
        "public comments",
        "ratings history",
    ]


def test_lines_of_enquiry_come_from_the_evidence(made: brief.VisitBrief) -> None:
    safe = [e for e in made.enquiries if e.question == "safe"]
    texts = " ".join(e.text for e in safe)
    assert "1 incident(s) of moderate harm or worse (1 severe)" in texts
    assert "1 safeguarding alert(s) (neglect 1), 1 of high risk" in texts
    assert (
        "1 negative or serious comment(s) or note(s) about staffing (1), safe (1), 1 serious"
        in texts
    )
    staffing = next(e for e in safe if "staffing" in e.text)
    assert staffing.quotes[0].date == dt.date(2026, 4, 1)
    assert staffing.quotes[0].serious
    # Every key question has at least one line, in the regulator's order.
    assert [e.question for e in made.enquiries][0] == "safe"
    assert {e.question for e in made.enquiries} == {
        "safe",
        "effective",
        "caring",
        "responsive",
        "well_led",
    }
    # The rating fell from Good to Requires improvement: a well-led line says so.
    well_led = " ".join(e.text for e in made.enquiries if e.question == "well_led")
    assert "fell from Good to Requires improvement" in well_led


def test_the_brief_names_the_service_type_in_words(made: brief.VisitBrief) -> None:
    made.provider["type"] = "gp_practice"
    assert "GP practice in " in brief.brief_html(made)


def test_html_escapes_public_text(made: brief.VisitBrief) -> None:
    page = brief.brief_html(made)
    assert page.startswith("<!doctype html>")
    assert "<script>" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "01 Apr 2026" in page
    assert "**staff**" in page  # shown as typed: no Markdown either


def test_pdf_is_a_pdf_with_the_quotes(made: brief.VisitBrief) -> None:
    pdf = brief.brief_pdf(made)
    assert pdf.startswith(b"%PDF")
    assert len(pdf) > 2000


def test_pdf_without_the_unicode_font_falls_back_to_ascii(
    made: brief.VisitBrief, tmp_path: Path
) -> None:
    made.provider["name"] = "Acorn House – “east” wing"
    pdf = brief.brief_pdf(made, font_dir=tmp_path / "no-fonts")
    assert pdf.startswith(b"%PDF")
    assert brief.ascii_safe("A – “b” … ≥ c") == 'A - "b" ... >= c'


def test_a_provider_with_no_evidence_gets_a_brief_that_says_so(engine: Engine) -> None:
    tiny_world.build(engine)
    made = brief.build_brief(engine, "C", AS_OF)
    assert made.score is None and made.last_rating is None
    assert all("Nothing specific" in e.text for e in made.enquiries)
    assert "Not scored yet" in brief.brief_html(made)
    assert brief.brief_pdf(made).startswith(b"%PDF")


def test_unknown_provider(engine: Engine) -> None:
    with pytest.raises(LookupError):
        brief.build_brief(engine, "nobody", AS_OF)


def test_each_line_names_its_quality_statements_and_evidence(made: brief.VisitBrief) -> None:
    tagged = {e.text.split(" ")[1]: (e.statements, e.evidence) for e in made.enquiries}
    # An incident with no category reads as "other": how incidents are learned from.
    assert tagged["incident(s)"] == (("learning_culture",), ("processes",))
    assert tagged["safeguarding"] == (("safeguarding", "managing_risks"), ("partners",))
    # The topic (staffing) names the statement before the key question's own theme (safe).
    staffing = next(e for e in made.enquiries if "about staffing" in e.text)
    assert staffing.statement == "safe_staffing"
    assert staffing.statements[1:] == ("safeguarding", "managing_risks")
    assert staffing.evidence == ("people_experience",)
    fell = next(e for e in made.enquiries if "rating fell" in e.text)
    assert (fell.statements, fell.evidence) == (
        ("governance", "learning_improvement"),
        ("past_rating",),
    )
    nothing = [e for e in made.enquiries if "Nothing specific" in e.text]
    assert {e.question for e in nothing} == {"caring", "responsive"}
    assert all(e.statements == () and e.evidence == () for e in nothing)


def test_a_categorised_incident_is_listed_under_its_statement(engine: Engine) -> None:
    tiny_world.build(engine)
    with Session(engine) as session:
        session.get(Incident, "i1").category = "medication"
        session.commit()
    made = brief.build_brief(engine, "A", AS_OF)
    harm = next(e for e in made.enquiries if "moderate harm or worse" in e.text)
    # The category's statement first; learning from every harm after it.
    assert harm.statements == ("medicines", "learning_culture")
    assert harm.evidence == ("processes",)
    assert "medicines" in made.evidenced


def test_lines_come_in_the_order_of_the_quality_statements(made: brief.VisitBrief) -> None:
    safe = [statement for statement, _ in brief.by_statement(made, "safe")]
    assert safe == ["learning_culture", "safeguarding", "safe_staffing"]
    table = brief.enquiry_table(made)
    assert table.columns.tolist() == [
        "key question",
        "quality statement",
        "also informs",
        "evidence",
        "line of enquiry",
    ]
    assert table["key question"].tolist()[:3] == ["Safe", "Safe", "Safe"]
    assert table["quality statement"].tolist()[:3] == [
        "Learning culture",
        "Safeguarding",
        "Safe and effective staffing",
    ]
    assert table["evidence"].tolist()[1] == "feedback from partners"
    assert len(table) == len(made.enquiries)


def test_the_brief_names_the_statements_with_no_recent_evidence(made: brief.VisitBrief) -> None:
    # A positive comment is evidence too: kindness (c3, "caring") is not listed as missing.
    assert brief.gap_lines(made, "caring") == [
        "Carelens holds no source for: Independence, choice and control; Responding to "
        "people's immediate needs; Workforce wellbeing and enablement."
    ]
    assert brief.gap_lines(made, "responsive")[0] == (
        "No recent evidence: Person-centred care; Care provision, integration and continuity; "
        "Providing information; Listening to and involving people; Equity in access."
    )
    assert (
        "No recent evidence: Safe systems, pathways and transitions; Safe environments;"
        in (brief.gap_lines(made, "safe")[0])
    )


def test_html_groups_lines_by_key_question_then_statement(made: brief.VisitBrief) -> None:
    page = brief.brief_html(made)
    order = [
        "<h3>Safe</h3>",
        "<h4>Learning culture</h4>",
        "<h4>Safeguarding</h4>",
        "Evidence: feedback from partners.",
        "<h4>Safe and effective staffing</h4>",
        "Also informs: Safeguarding; Involving people to manage risks.",
        "No recent evidence: Safe systems",
        "<h3>Effective</h3>",
        "<h3>Caring</h3>",
        "Nothing specific in the evidence",
        "<h3>Responsive</h3>",
        "<h3>Well-led</h3>",
        "<h4>Governance, management and sustainability</h4>",
        "Evidence: previous rating (context, not an evidence category).",
        "Carelens holds no source for: Workforce equality, diversity and inclusion; "
        "Partnerships and communities; Environmental sustainability",
    ]
    at = [page.index(part) for part in order]
    assert at == sorted(at)


# ---------------------------------------------------------------- keys for verdicts


def test_each_line_has_a_stable_key_naming_what_made_it(engine: Engine) -> None:
    tiny_world.build(engine)
    made = brief.build_brief(engine, "A", AS_OF)
    keys = [e.key for e in made.enquiries]
    assert len(set(keys)) == len(keys) and set(keys) <= set(ENQUIRY_KEYS)
    assert {"safe:harm", "safe:safeguarding", "safe:voices", "well_led:rating_fall"} <= set(keys)
    harm = next(e for e in made.enquiries if e.key == "safe:harm")
    assert "inc_severe" in harm.indicators
    # A later brief, with more evidence and other words, makes the same line by the same key.
    later = brief.build_brief(engine, "A", AS_OF + dt.timedelta(days=30))
    assert {"safe:harm", "safe:safeguarding"} <= {e.key for e in later.enquiries}
    quiet = brief.build_brief(engine, "C", AS_OF)
    assert [e.key for e in quiet.enquiries] == [f"{q}:nothing" for q in KEY_QUESTIONS]


def test_a_line_of_serious_voices_carries_its_kinds_of_concern(engine: Engine) -> None:
    tiny_world.build(engine)
    with Session(engine) as session:
        session.get(Comment, "c1").concern_kinds = "psychological;neglect"
        session.commit()
    made = brief.build_brief(engine, "A", AS_OF)
    safe = next(e for e in made.enquiries if e.key == "safe:voices")
    assert safe.concern_kinds == ("psychological", "neglect")
    unseen = next(e for e in made.enquiries if e.key == "well_led:unseen_concerns")
    assert unseen.concern_kinds == ("psychological", "neglect")
    assert next(e for e in made.enquiries if e.key == "safe:harm").concern_kinds == ()


def test_the_table_shows_the_last_visits_verdict_beside_the_line_it_answers(
    made: brief.VisitBrief,
) -> None:
    made_keys = {e.key for e in made.enquiries}
    elsewhere = next(k for k in ENQUIRY_KEYS if k not in made_keys)
    verdicts = pd.DataFrame(
        {
            "enquiry_key": ["safe:harm", "caring:nothing", elsewhere],
            "verdict": ["confirmed", "not_looked_at", "not_found"],
            "note": ["two falls not reviewed", None, "gone"],
        }
    )
    table = brief.enquiry_table(made, verdicts)
    assert table.columns.tolist()[-2:] == ["verdict", "verdict note"]
    lines = brief.lines_in_order(made)
    said = dict(zip([e.key for e in lines], table["verdict"], strict=True))
    notes = dict(zip([e.key for e in lines], table["verdict note"], strict=True))
    assert (said["safe:harm"], notes["safe:harm"]) == ("confirmed", "two falls not reviewed")
    assert said["safe:safeguarding"] == "" and notes["safe:safeguarding"] == ""
    assert elsewhere not in said  # a line this brief does not make shows nowhere
    assert len(table) == len(made.enquiries)


# ---------------------------------------------------------------- verdicts in the brief


def _pdf_text(pdf: bytes) -> str:
    """The text drawn in a PDF printed with the built-in fonts (its streams inflated)."""
    import re
    import zlib

    streams = re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S)
    out = []
    for raw in streams:
        try:
            out.append(zlib.decompress(raw).decode("latin-1"))
        except zlib.error:
            continue
    return "\n".join(out)


@pytest.fixture
def visited(engine: Engine) -> Engine:
    """The tiny world with A's last visit answered, a note naming a person on one line."""
    from sources.people import actions

    tiny_world.build(engine)
    answers = [
        actions.Answer("safe:harm", "confirmed", "Mrs K's two falls never reviewed"),
        actions.Answer("safe:safeguarding", "not_found"),
        actions.Answer("safe:voices", "not_looked_at"),
        actions.Answer("responsive:voices", "not_found", "gone quiet"),
    ]
    actions.record_verdicts(engine, "A", dt.date(2026, 6, 20), answers, "ines")
    return engine


def test_the_brief_shows_the_last_visits_verdict_beside_each_line(
    visited: Engine, tmp_path: Path
) -> None:
    made = brief.build_brief(visited, "A", AS_OF, role="inspector")
    harm = next(e for e in made.enquiries if e.key == "safe:harm")
    found = made.finding(harm)
    assert found is not None
    assert (found.verdict, found.visit_on, found.recorded_by) == (
        "confirmed",
        dt.date(2026, 6, 20),
        "ines",
    )
    assert found.recorded_at is not None and found.note == "Mrs K's two falls never reviewed"
    assert made.visit_on == dt.date(2026, 6, 20)
    # Answered on the visit but not a line of this brief: said once, at the end.
    assert [f.enquiry_key for f in made.answered_elsewhere()] == ["responsive:voices"]
    page = brief.brief_html(made)
    assert "what the last visit (20 June 2026) found" in page
    assert (
        "<b class='confirmed'>Confirmed</b> at the visit on 20 Jun 2026, recorded by ines" in page
    )
    assert "Mrs K&#x27;s two falls never reviewed" in page
    assert "Not looked at" in page and "responsive:voices not found" in page
    text = _pdf_text(brief.brief_pdf(made, font_dir=tmp_path / "no-fonts"))
    assert "Confirmed" in text and "Not found" in text and "recorded by ines" in text
    assert "Mrs K's two falls never reviewed" in text
    assert brief.brief_pdf(made).startswith(b"%PDF")  # with the Unicode font too


def test_a_brief_for_a_role_without_personal_data_shows_verdicts_not_notes(
    visited: Engine, tmp_path: Path
) -> None:
    for role in ("manager", None):
        made = brief.build_brief(visited, "A", AS_OF, role=role)
        found = made.findings["safe:harm"]
        assert found.verdict == "confirmed" and found.note is None
        assert made.findings["responsive:voices"].note is None
        page = brief.brief_html(made)
        assert "Confirmed" in page and "recorded by ines" in page
        assert "Mrs K" not in page and "gone quiet" not in page
        assert "[hidden" not in page  # left out, as the brief leaves out other personal data
        text = _pdf_text(brief.brief_pdf(made, font_dir=tmp_path / "no-fonts"))
        assert "Confirmed" in text and "Mrs K" not in text and "gone quiet" not in text


def test_the_brief_shows_no_visit_after_its_day(visited: Engine) -> None:
    from sources.people import actions

    actions.record_verdicts(
        visited,
        "A",
        AS_OF + dt.timedelta(days=2),
        [actions.Answer("safe:harm", "not_found")],
        "ines",
        today=AS_OF + dt.timedelta(days=5),
    )
    made = brief.build_brief(visited, "A", AS_OF, role="inspector")
    assert made.findings["safe:harm"].verdict == "confirmed"  # the visit on the 20th
    later = brief.build_brief(visited, "A", AS_OF + dt.timedelta(days=3), role="inspector")
    assert (
        set(later.findings) == {"safe:harm"} and later.findings["safe:harm"].verdict == "not_found"
    )
    before = brief.build_brief(visited, "A", dt.date(2026, 6, 1), role="inspector")
    assert before.findings == {} and before.visit_on is None
    assert "what the last visit" not in brief.brief_html(before)
