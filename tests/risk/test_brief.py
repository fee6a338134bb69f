"""The visit brief: lines of enquiry from the evidence, as escaped HTML and as a PDF."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from risk import brief
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
