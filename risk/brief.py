"""The visit brief: what an inspector takes to a visit, as printable HTML and PDF.

A brief holds who the provider is, its score and what made it, what changed since the last
inspection, and suggested lines of enquiry per key question and quality statement of the
Single Assessment Framework (risk/quality.py), each drawn from the evidence, quoting it
with dates and naming the evidence category it belongs to; and, per key question, the
quality statements nothing in the window speaks to. Beside each line, what the last visit
on or before the brief's date found about it (a verdict: confirmed, not found, not looked
at; who recorded it and when), its note only for a role that may see personal data. Public
text is quoted as plain text: escaped in HTML, printed as text in the PDF (never as markup).
"""

from __future__ import annotations

import datetime as dt
import html
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from sqlalchemy.engine import Engine

from risk import views
from risk.quality import EVIDENCE_CATEGORIES, OTHER_INCIDENT, framework
from sources.contract import KEY_QUESTIONS, THEME_QUESTION, enquiry_key, service_type_label
from sources.people import access
from sources.text.themes import theme_label

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
# Evidence looked at: the two years before the brief's date.
WINDOW_DAYS = 730
QUOTE_CHARS = 320
QUOTES_PER_QUESTION = 3
QUESTION_TITLES: dict[str, str] = {
    "safe": "Safe",
    "effective": "Effective",
    "caring": "Caring",
    "responsive": "Responsive",
    "well_led": "Well-led",
}
# What to ask about a topic people raise, in an inspector's words.
TOPIC_ENQUIRY: dict[str, str] = {
    "staffing": "How are staffing levels set, and covered at nights, weekends and sickness?",
    "medicines": "Check medicines records and how medicine errors are found and reported.",
    "abuse_neglect": "How does the service recognise, report and learn from abuse and neglect?",
    "environment_cleanliness": "Look at cleanliness, infection control and the premises.",
    "food_drink": "How are eating and drinking supported and monitored, and for whom?",
    "dignity_respect": "Watch how staff speak to people and protect their privacy and dignity.",
    "communication": "How are people and families kept informed, and complaints answered?",
    "access_waiting": "How quickly do people get help, appointments or answers when they ask?",
    "leadership": "What do leaders know of these concerns, and what have they done?",
    "safe": "Ask how risks to people's safety are assessed and acted on.",
    "effective": "Ask how care follows assessed needs and good practice.",
    "caring": "Ask people how staff treat them, and observe care.",
    "responsive": "Ask how care is adjusted to what each person needs and asks for.",
    "well_led": "Ask how leaders oversee quality and act on what they hear.",
}
SERIOUS_HARM = ("moderate", "severe", "death")
# Lines of enquiry no evidence category names, mapped as kind "enquiry" in
# risk/quality_statements.csv: harmful incidents as a whole, concerns nobody has seen.
ENQUIRY_KINDS: tuple[str, ...] = ("harm", "unseen_concerns")
# The indicators of risk/indicators.py that read the evidence behind each kind of line
# (sources.contract.ENQUIRY_LINES): what a verdict on the line speaks for or against.
LINE_INDICATORS: dict[str, tuple[str, ...]] = {
    "harm": ("inc_severe", "inc_moderate", "inc_cusum"),
    "safeguarding": ("sg_weighted", "sg_high", "sg_cusum"),
    "voices": ("cm_negative", "cm_serious", "cm_cusum", "ebe_negative", "ebe_serious"),
    "rating_fall": ("rt_last", "rt_decline"),
    "unseen_concerns": ("cm_serious", "ebe_serious"),
    "nothing": (),
}


@dataclass(frozen=True)
class Quote:
    """A piece of evidence quoted in the brief."""

    date: dt.date
    kind: str  # comment | expert note | incident | safeguarding
    text: str
    serious: bool = False
    concern: str = ""  # the kinds of a serious concern in words, likeliest first

    @property
    def mark(self) -> str:
        """How the brief marks it: "serious", with the kinds of concern when known."""
        if not self.serious:
            return ""
        return f"serious: {self.concern}" if self.concern else "serious"


@dataclass
class Enquiry:
    """A suggested line of enquiry under one key question, with the evidence behind it."""

    question: str  # a key question (contract.KEY_QUESTIONS)
    text: str
    quotes: list[Quote] = field(default_factory=list)
    # The quality statements under `question` it informs (ids, most evidence first) and the
    # evidence categories of what it draws on (EVIDENCE_CATEGORIES keys), from
    # risk/quality_statements.csv. Both empty for "nothing specific".
    statements: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()
    # What made the line (sources.contract.ENQUIRY_LINES) and the kinds of serious concern
    # in what it draws on, likeliest first: with the question, what a verdict answers.
    kind: str = "nothing"
    concern_kinds: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """The line's stable key, "question:kind" ("safe:harm"): the same on every brief
        that makes the line, whatever its words, so verdicts can be matched to it."""
        return enquiry_key(self.question, self.kind)

    @property
    def indicators(self) -> tuple[str, ...]:
        """The indicators that read the evidence behind the line (LINE_INDICATORS)."""
        return LINE_INDICATORS[self.kind]

    @property
    def statement(self) -> str | None:
        """The quality statement it is listed under: the one most of its evidence informs."""
        return self.statements[0] if self.statements else None


@dataclass(frozen=True)
class Pinned:
    """A piece of evidence an inspector pinned to the brief to bring up on the visit."""

    date: dt.date | None
    kind: str
    text: str
    pinned_by: str
    pinned_at: dt.datetime
    reason: str = ""

    @property
    def line(self) -> str:
        """How the brief prints it, as plain text."""
        day = f"{self.date:%d %b %Y}" if self.date else "undated"
        said = f"{day} · {self.kind}: “{self.text}”"
        why = f" Why: {self.reason}." if self.reason else ""
        return f"{said} (pinned by {self.pinned_by} on {self.pinned_at:%d %b %Y}).{why}"


@dataclass(frozen=True)
class Finding:
    """What the last visit found about one line of enquiry: its verdict
    (sources.contract.VERDICTS), the day of the visit, who recorded it and when, and its
    note, None unless the brief's reader may see personal data (the note is an inspector's
    free text and may name a person)."""

    enquiry_key: str
    verdict: str
    visit_on: dt.date
    recorded_by: str | None = None
    recorded_at: dt.datetime | None = None
    note: str | None = None

    @property
    def words(self) -> str:
        """The verdict in words: "confirmed", "not found", "not looked at"."""
        return VERDICT_WORDS.get(self.verdict, self.verdict)

    @property
    def detail(self) -> str:
        """Which visit, who recorded the verdict and when, and any note, as plain text:
        what the brief prints after the verdict."""
        said = f"at the visit on {self.visit_on:%d %b %Y}"
        if self.recorded_by:
            said += f", recorded by {self.recorded_by}"
        if self.recorded_at:
            said += f" on {self.recorded_at:%d %b %Y}"
        return said + "." + (f" Note: {self.note}" if self.note else "")

    @property
    def line(self) -> str:
        """The finding in one plain sentence: "Confirmed at the visit on ..."."""
        return f"{self.words.capitalize()} {self.detail}"


@dataclass
class VisitBrief:
    """Everything the brief says about one provider on one date."""

    provider: dict[str, object]
    as_of: dt.date
    score: float | None
    band: str | None
    uncertainty: float | None
    last_rating: str | None
    last_rated_on: dt.date | None
    contributions: pd.DataFrame  # part, points: largest first
    changes: pd.DataFrame  # what, before, since
    enquiries: list[Enquiry]
    # Said beside the uncertainty, e.g. no recent voice (risk.score.silence_notes).
    uncertainty_notes: list[str] = field(default_factory=list)
    # What inspectors pinned from a search to bring up (sources.people.actions.pin_to_brief).
    pinned: list[Pinned] = field(default_factory=list)
    # The quality statements (ids) some evidence in the window informs (evidenced_statements).
    evidenced: frozenset[str] = frozenset()
    # What the last visit on or before as_of found, by line key (findings); empty when no
    # visit has verdicts.
    findings: dict[str, Finding] = field(default_factory=dict)

    @property
    def visit_on(self) -> dt.date | None:
        """The day of the last visit whose verdicts the brief shows, or None."""
        return next(iter(self.findings.values())).visit_on if self.findings else None

    def finding(self, item: Enquiry) -> Finding | None:
        """What the last visit found about the line `item`, or None."""
        return self.findings.get(item.key)

    def answered_elsewhere(self) -> list[Finding]:
        """The last visit's verdicts on lines this brief no longer makes, by key."""
        made = {e.key for e in self.enquiries}
        return [f for key, f in sorted(self.findings.items()) if key not in made]


def _short(text: str, limit: int = QUOTE_CHARS) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _day(value: object) -> dt.date:
    return pd.Timestamp(value).date()


def build_brief(
    engine: Engine, provider_id: str, as_of: dt.date, role: str | None = None
) -> VisitBrief:
    """The visit brief for `provider_id` from the evidence up to `as_of`, for `role`.

    Safeguarding summaries, expert notes' authors and verdicts' notes are quoted only for a
    role that may see personal data (sources.people.access); anyone else's brief, the
    default's included, carries none of them. Raises LookupError when there is no such
    provider.
    """
    record = views.provider_record(engine, provider_id)
    if record is None:
        raise LookupError(f"no provider {provider_id!r}")
    scores = views.provider_scores(engine, provider_id)
    scores = scores[scores["as_of"] <= pd.Timestamp(as_of)]
    score = band = uncertainty = None
    parts = pd.DataFrame(columns=["part", "points"])
    notes: list[str] = []
    if not scores.empty:
        latest = scores.iloc[-1]
        score, band = float(latest["score"]), str(latest["band"])
        uncertainty = float(latest["uncertainty"])
        parts = views.contribution_parts(latest["contributions"])
        explained = views.stored_explanation(engine, provider_id, _day(latest["as_of"]))
        notes = list(explained.uncertainty_notes) if explained else []
    ratings = views.provider_ratings(engine, provider_id)
    ratings = ratings[ratings["published_on"] <= pd.Timestamp(as_of)]
    last_rating = str(ratings["overall"].iloc[0]) if not ratings.empty else None
    last_rated_on = _day(ratings["published_on"].iloc[0]) if not ratings.empty else None
    since = pd.Timestamp(as_of - dt.timedelta(days=WINDOW_DAYS))
    events = access.redact(views.provider_events(engine, provider_id), role)
    events = events[(events["date"] >= since) & (events["date"] <= pd.Timestamp(as_of))]
    voices = access.redact(views.provider_voices(engine, provider_id), role)
    voices = voices[(voices["date"] >= since) & (voices["date"] <= pd.Timestamp(as_of))]
    return VisitBrief(
        provider=record,
        as_of=as_of,
        score=score,
        band=band,
        uncertainty=uncertainty,
        last_rating=last_rating,
        last_rated_on=last_rated_on,
        contributions=parts,
        changes=views.changes_since_inspection(engine, provider_id, as_of),
        enquiries=enquiries(events, voices, ratings),
        uncertainty_notes=notes,
        pinned=pinned_items(access.redact(views.brief_pins(engine, provider_id), role)),
        evidenced=evidenced_statements(events, voices),
        findings=findings(
            access.redact_notes(views.last_verdicts(engine, provider_id, until=as_of), role)
        ),
    )


def findings(verdicts: pd.DataFrame) -> dict[str, Finding]:
    """The brief's findings by line key from views.last_verdicts, already redacted for the
    reader's role: a redacted or empty note is left out."""
    found = {}
    for v in verdicts.itertuples(index=False):
        at = None if pd.isna(v.recorded_at) else pd.Timestamp(v.recorded_at).to_pydatetime()
        found[str(v.enquiry_key)] = Finding(
            str(v.enquiry_key),
            str(v.verdict),
            v.visit_on,
            str(v.recorded_by) if isinstance(v.recorded_by, str) and v.recorded_by else None,
            at,
            _personal(v, "note"),
        )
    return found


PIN_KIND_NAMES = views.ITEM_KIND_NAMES


def pinned_items(pins: pd.DataFrame) -> list[Pinned]:
    """The brief's pins from views.brief_pins, already redacted for the reader's role: an
    alert is quoted by its abuse type, with its summary only when the role may read it."""
    found = []
    for pin in pins.itertuples(index=False):
        said = str(pin.text or "").replace("_", " ") if pin.kind == "alert" else str(pin.text)
        summary = _personal(pin, "summary")
        if pin.kind == "alert" and summary:
            said = f"{said}: {summary}"
        date = None if pd.isna(pin.date) else _day(pin.date)
        found.append(
            Pinned(
                date,
                PIN_KIND_NAMES.get(pin.kind, pin.kind),
                _short(said),
                str(pin.pinned_by),
                pd.Timestamp(pin.pinned_at).to_pydatetime(),
                str(pin.reason or ""),
            )
        )
    return found


def _personal(row: object, column: str) -> str | None:
    """A personal-data cell worth printing: None when absent or redacted for the role."""
    value = getattr(row, column, None)
    if not isinstance(value, str) or not value.strip() or value == access.REDACTED:
        return None
    return value


def _voice_quotes(voices: pd.DataFrame) -> list[Quote]:
    ordered = voices.sort_values(
        ["serious", "sentiment_score", "date"], ascending=[False, True, False]
    )
    quotes = []
    for v in ordered.head(QUOTES_PER_QUESTION).itertuples():
        author = _personal(v, "author")
        kind = f"{v.kind} by {author}" if author else str(v.kind)
        kinds = getattr(v, "concern_kinds", None) or []
        quotes.append(
            Quote(_day(v.date), kind, _short(v.text), bool(v.serious), views.concern_label(kinds))
        )
    return quotes


def _alert_quote(row: object) -> Quote:
    said = f"{str(row.text).replace('_', ' ')}, {row.level} risk"  # type: ignore[attr-defined]
    summary = _personal(row, "summary")
    return Quote(
        _day(row.date),  # type: ignore[attr-defined]
        "safeguarding",
        _short(f"{said}: {summary}") if summary else said,
    )


Piece = tuple[str, str]  # (kind, category) as risk/quality_statements.csv names them


def _incident_pieces(incidents: pd.DataFrame) -> list[Piece]:
    # The category is free text in the contract: none, or one nobody mapped, reads as other.
    if "category" not in incidents:
        return [("incident_category", OTHER_INCIDENT)] * len(incidents)
    return [
        ("incident_category", c if isinstance(c, str) and c.strip() else OTHER_INCIDENT)
        for c in incidents["category"]
    ]


def _concern_pieces(voices: pd.DataFrame) -> list[Piece]:
    kinds = voices["concern_kinds"] if "concern_kinds" in voices else []
    return [("concern_kind", str(k)) for ks in kinds for k in (ks or [])]


def _concern_kinds(voices: pd.DataFrame) -> tuple[str, ...]:
    """The kinds of serious concern the voices raise, most often raised first."""
    counted = Counter(kind for _, kind in _concern_pieces(voices))
    return tuple(kind for kind, _ in counted.most_common())


def _voice_pieces(voices: pd.DataFrame) -> list[Piece]:
    themes = [("theme", str(t)) for ts in voices["themes"] for t in (ts or [])]
    return themes + _concern_pieces(voices)


def _framed(
    question: str, pieces: Iterable[Piece], then: Iterable[Piece] = ()
) -> dict[str, tuple[str, ...]]:
    """The statements and evidence categories under `question` that `pieces` inform, most
    pieces first (ties in the framework's order), then those `then` adds: the keyword
    arguments of an Enquiry."""
    fw = framework()
    statements: Counter[str] = Counter()
    evidence: Counter[str] = Counter()
    ordered: list[str] = []
    for batch in (pieces, then):
        counted: Counter[str] = Counter()
        for kind, category in batch:
            for m in fw.lookup(kind, category):
                if m.key_question == question:
                    counted.update(m.statements)
                    evidence[m.evidence_category] += 1
        fresh = [s for s in counted if s not in statements]
        ordered += sorted(fresh, key=lambda s: (-counted[s], fw.order(s)))
        statements.update(counted)
    codes = list(EVIDENCE_CATEGORIES)
    return {
        "statements": tuple(ordered),
        "evidence": tuple(sorted(evidence, key=lambda e: (-evidence[e], codes.index(e)))),
    }


def evidenced_statements(events: pd.DataFrame, voices: pd.DataFrame) -> frozenset[str]:
    """The quality statements (ids) some incident, alert, comment or note in the frames
    informs, whatever its harm or tone: what the brief's window holds evidence for. Ratings
    are the regulator's own past view, not evidence of today's care, so they count for none."""
    fw = framework()
    alerts = events[events["source"] == "safeguarding"]["text"]
    pieces = [
        *_incident_pieces(events[events["source"] == "incidents"]),
        *(("abuse_type", str(a)) for a in alerts),
        *_voice_pieces(voices),
    ]
    return frozenset(s for kind, c in pieces for m in fw.lookup(kind, c) for s in m.statements)


def enquiries(events: pd.DataFrame, voices: pd.DataFrame, ratings: pd.DataFrame) -> list[Enquiry]:
    """Suggested lines of enquiry per key question, from events, voices and ratings.

    Harmful incidents and safeguarding alerts go under Safe; what people say goes under the
    key question of each theme it raises, when negative or serious (one line per key
    question, each comment quoted once); a fall in the rating and serious concerns nobody
    has seen go under Well-led. A key question with nothing in the evidence says so. Each
    line carries the quality statements and evidence categories of what it draws on.
    """
    found = [
        *_harm_enquiries(events),
        *_alert_enquiries(events),
        *_voice_enquiries(voices),
        *_rating_enquiries(ratings),
        *_unseen_enquiries(voices),
    ]
    return _by_question(found)


def _harm_enquiries(events: pd.DataFrame) -> list[Enquiry]:
    """Under Safe: the incidents of moderate harm or worse, if any, the latest quoted."""
    incidents = events[events["source"] == "incidents"]
    harmful = incidents[incidents["level"].isin(SERIOUS_HARM)]
    if harmful.empty:
        return []
    levels = harmful["level"].value_counts()
    mix = ", ".join(f"{n} {level}" for level, n in levels.items())
    latest = harmful.sort_values("date").iloc[-1]
    newest = harmful.sort_values("date", ascending=False).head(QUOTES_PER_QUESTION)
    return [
        Enquiry(
            "safe",
            f"{len(harmful)} incident(s) of moderate harm or worse ({mix}); the latest on "
            f"{_day(latest['date']):%d %b %Y}. Ask how each was investigated, what was "
            "learned and what changed.",
            [
                Quote(_day(r.date), "incident", _short(f"{r.level} harm: {r.text}"))
                for r in newest.itertuples()
            ],
            **_framed("safe", _incident_pieces(harmful), [("enquiry", "harm")]),
            kind="harm",
        )
    ]


def _alert_enquiries(events: pd.DataFrame) -> list[Enquiry]:
    """Under Safe: the safeguarding alerts, if any, by kind, the latest quoted."""
    alerts = events[events["source"] == "safeguarding"]
    if alerts.empty:
        return []
    kinds = alerts["text"].str.replace("_", " ").value_counts()
    mix = ", ".join(f"{kind} {n}" for kind, n in kinds.head(4).items())
    high = int((alerts["level"] == "high").sum())
    newest = alerts.sort_values("date", ascending=False).head(QUOTES_PER_QUESTION)
    return [
        Enquiry(
            "safe",
            f"{len(alerts)} safeguarding alert(s) ({mix}), {high} of high risk. Check the "
            "referrals made, the provider's own investigations and the actions taken.",
            [_alert_quote(r) for r in newest.itertuples()],
            **_framed("safe", [("abuse_type", str(a)) for a in alerts["text"]]),
            kind="safeguarding",
        )
    ]


def _voice_enquiries(voices: pd.DataFrame) -> list[Enquiry]:
    """One line per key question the negative or serious comments and notes raise."""
    worrying = voices[(voices["sentiment"] == "negative") | voices["serious"]]
    themed = worrying.explode("themes").dropna(subset=["themes"])
    themed = themed.assign(question=themed["themes"].map(THEME_QUESTION)).dropna(
        subset=["question"]
    )
    found = []
    for question, group in themed.groupby("question", sort=False):
        # One line per key question: its topics by count, each with what to ask, and the
        # worst few things said, each quoted once however many topics it raises.
        topics = group["themes"].value_counts()
        said = worrying[worrying["record_id"].isin(group["record_id"])]
        serious = int(said["serious"].sum())
        mix = ", ".join(f"{theme_label(str(t))} ({n})" for t, n in topics.items())
        asks = [TOPIC_ENQUIRY[str(t)] for t in topics.index if str(t) != question]
        asks = asks or [TOPIC_ENQUIRY[str(question)]]
        # The topics and kinds of concern name statements more closely than the key
        # question's own theme does ("safe"), so they come first.
        raised = [("theme", str(t)) for t in group["themes"] if str(t) != question]
        raised += _concern_pieces(said[said["serious"]])
        general = [("theme", str(question))] * int((group["themes"] == question).sum())
        found.append(
            Enquiry(
                str(question),
                f"{len(said)} negative or serious comment(s) or note(s) about {mix}"
                + (f", {serious} serious" if serious else "")
                + ". "
                + " ".join(asks),
                _voice_quotes(said),
                **_framed(str(question), raised, general),
                kind="voices",
                concern_kinds=_concern_kinds(said[said["serious"]]),
            )
        )
    return found


def _rating_enquiries(ratings: pd.DataFrame) -> list[Enquiry]:
    """Under Well-led: a fall in the overall rating at the last inspection (ratings are
    newest first)."""
    if len(ratings) < 2:
        return []
    order = {"Outstanding": 0, "Good": 1, "Requires improvement": 2, "Inadequate": 3}
    now, before = ratings.iloc[0], ratings.iloc[1]
    if order.get(str(now["overall"]), 0) <= order.get(str(before["overall"]), 0):
        return []
    return [
        Enquiry(
            "well_led",
            f"The rating fell from {before['overall']} to {now['overall']} on "
            f"{_day(now['published_on']):%d %b %Y}. Ask what the improvement plan is "
            "and how leaders know it works.",
            **_framed("well_led", [("rating", "overall")]),
            kind="rating_fall",
        )
    ]


def _unseen_enquiries(voices: pd.DataFrame) -> list[Enquiry]:
    """Under Well-led: the serious concerns nobody has marked seen, if any, quoted."""
    unseen = voices[voices["serious"] & (voices["seen"] == "")]
    if unseen.empty:
        return []
    return [
        Enquiry(
            "well_led",
            f"{len(unseen)} serious concern(s) not yet marked seen by anyone. Read them "
            "before the visit and ask whether the provider knows of them.",
            _voice_quotes(unseen),
            # What the line asks (do leaders know?) names its statement; the kinds of
            # concern it quotes (fear of reprisal) come after.
            **_framed("well_led", [("enquiry", "unseen_concerns")], _concern_pieces(unseen)),
            kind="unseen_concerns",
            concern_kinds=_concern_kinds(unseen),
        )
    ]


def _by_question(found: list[Enquiry]) -> list[Enquiry]:
    """The enquiries in the regulator's order of key questions, then of the quality
    statement each is listed under, those with most quotes first within each; a key
    question with none gets "nothing specific"."""
    fw = framework()
    by_question: list[Enquiry] = []
    for question in KEY_QUESTIONS:
        mine = [e for e in found if e.question == question]
        mine.sort(key=lambda e: (fw.order(e.statement) if e.statement else -1, -len(e.quotes)))
        if not mine:
            mine = [Enquiry(question, "Nothing specific in the evidence: check as usual.")]
        by_question.extend(mine)
    return by_question


# ---------------------------------------------------------------- by quality statement


def by_statement(brief: VisitBrief, question: str) -> list[tuple[str | None, list[Enquiry]]]:
    """The key question's lines of enquiry grouped by the quality statement each is listed
    under, in the framework's order; lines under no statement ("nothing specific") first."""
    groups: dict[str | None, list[Enquiry]] = {}
    for item in (e for e in brief.enquiries if e.question == question):
        groups.setdefault(item.statement, []).append(item)
    fw = framework()
    return sorted(groups.items(), key=lambda g: -1 if g[0] is None else fw.order(g[0]))


def evidence_note(item: Enquiry) -> str:
    """The evidence categories a line draws on and the other statements it informs, in
    words ("" for a line with neither)."""
    fw = framework()
    said = []
    if item.evidence:
        said.append("Evidence: " + "; ".join(EVIDENCE_CATEGORIES[e] for e in item.evidence) + ".")
    if item.statements[1:]:
        said.append("Also informs: " + "; ".join(fw.title(s) for s in item.statements[1:]) + ".")
    return " ".join(said)


def gap_lines(brief: VisitBrief, question: str) -> list[str]:
    """What the brief says of the key question's statements with no evidence in its window
    and no line of enquiry: those a source Carelens reads could inform, then those none
    does (ask on the visit)."""
    fw = framework()
    reachable = fw.reachable()
    # A line drawn from a past rating names statements too: the brief says nothing of them
    # twice, and never that a statement it asks about has nothing behind it.
    spoken = brief.evidenced | {s for e in brief.enquiries for s in e.statements}
    quiet = [s for s in fw.under(question) if s.statement_id not in spoken]
    lines = []
    unheard = [s.title for s in quiet if s.statement_id in reachable]
    if unheard:
        lines.append("No recent evidence: " + "; ".join(unheard) + ".")
    unread = [s.title for s in quiet if s.statement_id not in reachable]
    if unread:
        lines.append("Carelens holds no source for: " + "; ".join(unread) + ".")
    return lines


def lines_in_order(brief: VisitBrief) -> list[Enquiry]:
    """The lines of enquiry in the order the brief prints them: by key question, then by
    quality statement (by_statement)."""
    return [
        e for question in KEY_QUESTIONS for _, items in by_statement(brief, question) for e in items
    ]


# A verdict in words (sources.contract.VERDICTS).
VERDICT_WORDS: dict[str, str] = {
    "confirmed": "confirmed",
    "not_found": "not found",
    "not_looked_at": "not looked at",
}
# How the PDF prints each verdict (RGB): a confirmed concern in red, one not found in green.
VERDICT_COLOURS: dict[str, tuple[int, int, int]] = {
    "confirmed": (183, 28, 28),
    "not_found": (46, 125, 50),
    "not_looked_at": (90, 90, 90),
}


def enquiry_table(brief: VisitBrief, verdicts: pd.DataFrame | None = None) -> pd.DataFrame:
    """The lines of enquiry as rows: key question, quality statement (the one it is listed
    under, "" for none), also informs, evidence (categories in words), line of enquiry.

    With `verdicts` (views.last_verdicts: enquiry_key, verdict, note), two more columns
    beside each line: the verdict given on it ("" for none) and its note ("" for none).
    """
    fw = framework()
    rows = [
        (
            QUESTION_TITLES[e.question],
            fw.title(e.statement) if e.statement else "",
            "; ".join(fw.title(s) for s in e.statements[1:]),
            "; ".join(EVIDENCE_CATEGORIES[c] for c in e.evidence),
            e.text,
        )
        for e in lines_in_order(brief)
    ]
    columns = ["key question", "quality statement", "also informs", "evidence", "line of enquiry"]
    table = pd.DataFrame(rows, columns=columns)
    if verdicts is None:
        return table
    given = {str(v.enquiry_key): v for v in verdicts.itertuples(index=False)}
    found = [given.get(e.key) for e in lines_in_order(brief)]
    return table.assign(
        **{
            "verdict": [
                VERDICT_WORDS.get(str(v.verdict), str(v.verdict)) if v else "" for v in found
            ],
            "verdict note": [str(v.note or "") if v else "" for v in found],
        }
    )


def visit_heading(brief: VisitBrief) -> str:
    """The sentence over the lines when a visit's verdicts are shown beside them."""
    return (
        f"Beside each line, what the last visit ({brief.visit_on:%d %B %Y}) found: "
        "confirmed, not found or not looked at."
    )


def elsewhere_line(brief: VisitBrief) -> str:
    """The last visit's verdicts on lines this brief no longer makes, in one sentence."""
    said = "; ".join(f"{f.enquiry_key} {f.words}" for f in brief.answered_elsewhere())
    return f"Also answered on the last visit, no longer a line: {said}."


# ---------------------------------------------------------------- HTML


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _summary_lines(brief: VisitBrief) -> list[str]:
    p = brief.provider
    lines = [
        f"{service_type_label(p.get('type'))} in "
        f"{p.get('town') or p.get('local_authority') or ''}, {p.get('region') or ''}",
    ]
    if p.get("organisation"):
        lines.append(f"Run by {p['organisation']}")
    if p.get("capacity"):
        lines.append(f"Size: {p['capacity']}")
    if brief.last_rating:
        lines.append(f"Last rated {brief.last_rating} on {brief.last_rated_on:%d %B %Y}")
    else:
        lines.append("Not yet rated")
    if brief.score is not None:
        lines.append(
            f"Risk score {brief.score:.1f} of 100 ({brief.band}), uncertainty "
            f"{brief.uncertainty:.2f}, as of {brief.as_of:%d %B %Y}"
        )
    else:
        lines.append("Not scored yet")
    return lines + brief.uncertainty_notes


def brief_html(brief: VisitBrief) -> str:
    """The brief as one standalone, printable HTML page (every value escaped)."""
    p = brief.provider
    out = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>Visit brief: {_e(p['name'])}</title>",
        "<style>body{font-family:DejaVu Sans,Arial,sans-serif;max-width:52em;margin:2em auto;"
        "color:#222}h1{margin-bottom:0}.sub{color:#555}table{border-collapse:collapse}"
        "td,th{padding:2px 8px;text-align:left;border-bottom:1px solid #ddd}"
        ".bar{display:inline-block;height:10px}blockquote{margin:4px 0 4px 1em;color:#333;"
        "border-left:3px solid #bbb;padding-left:8px;white-space:pre-wrap}"
        ".serious{border-color:#c62828}h4{margin:10px 0 2px}.ev{color:#555;font-size:90%}"
        ".gap{color:#555;font-size:90%;margin:2px 0}.found{font-size:90%;margin:2px 0}"
        ".confirmed{color:#b71c1c}.not_found{color:#2e7d32}.not_looked_at{color:#555}"
        "@media print{body{margin:0}}</style>"
        "</head><body>",
        f"<h1>Visit brief: {_e(p['name'])}</h1>",
        f"<p class='sub'>{_e(p['provider_id'])} · prepared from the evidence up to "
        f"{brief.as_of:%d %B %Y}</p>",
        "<h2>Summary</h2><ul>",
        *(f"<li>{_e(line)}</li>" for line in _summary_lines(brief)),
        "</ul>",
    ]
    if brief.pinned:
        out.append("<h2>Pinned to bring up on the visit</h2><ul>")
        out += [f"<li>{_e(pin.line)}</li>" for pin in brief.pinned]
        out.append("</ul>")
    if not brief.contributions.empty:
        top = max(abs(float(v)) for v in brief.contributions["points"]) or 1.0
        out.append(
            "<h2>What makes the score</h2><table><tr><th>part</th><th>points</th><th></th></tr>"
        )
        for row in brief.contributions.itertuples():
            width = int(160 * abs(float(row.points)) / top)
            colour = "#c62828" if row.points > 0 else "#2e7d32"
            out.append(
                f"<tr><td>{_e(row.part)}</td><td>{float(row.points):.1f}</td>"
                f"<td><span class='bar' style='width:{width}px;background:{colour}'>"
                "</span></td></tr>"
            )
        out.append("</table>")
    if not brief.changes.empty:
        out.append("<h2>Since the last inspection</h2><table><tr><th></th>")
        out.append("<th>same span before</th><th>since</th></tr>")
        for row in brief.changes.itertuples():
            out.append(
                f"<tr><td>{_e(row.what)}</td><td>{_e(row.before)}</td><td>{_e(row.since)}</td></tr>"
            )
        out.append("</table>")
    out.append("<h2>Lines of enquiry by key question and quality statement</h2>")
    if brief.visit_on:
        out.append(f"<p class='sub'>{_e(visit_heading(brief))}</p>")
    fw = framework()
    for question in KEY_QUESTIONS:
        out.append(f"<h3>{QUESTION_TITLES[question]}</h3>")
        for statement, items in by_statement(brief, question):
            if statement:
                out.append(f"<h4>{_e(fw.title(statement))}</h4>")
            out.append("<ul>")
            for item in items:
                out.append(f"<li>{_e(item.text)}")
                if evidence_note(item):
                    out.append(f"<br><span class='ev'>{_e(evidence_note(item))}</span>")
                found = brief.finding(item)
                if found:
                    out.append(
                        f"<p class='found'><b class='{_e(found.verdict)}'>"
                        f"{_e(found.words.capitalize())}</b> {_e(found.detail)}</p>"
                    )
                for quote in item.quotes:
                    cls = " class='serious'" if quote.serious else ""
                    out.append(
                        f"<blockquote{cls}>{quote.date:%d %b %Y} · {_e(quote.kind)}"
                        f"{' · ' + _e(quote.mark) if quote.serious else ''}"
                        f"<br>“{_e(quote.text)}”</blockquote>"
                    )
                out.append("</li>")
            out.append("</ul>")
        out += [f"<p class='gap'>{_e(line)}</p>" for line in gap_lines(brief, question)]
    if brief.answered_elsewhere():
        out.append(f"<p class='gap'>{_e(elsewhere_line(brief))}</p>")
    out.append(
        "<p class='sub'>A risk score says where to look first and why; it is not a rating. "
        "Quotes are as written by the public and by experts by experience.</p></body></html>"
    )
    return "\n".join(out)


# ---------------------------------------------------------------- PDF

_ASCII = str.maketrans(
    {"–": "-", "—": "-", "‘": "'", "’": "'", "“": '"', "”": '"', "…": "...", "·": "-", "≥": ">="}
)


def ascii_safe(text: str) -> str:
    """Text the PDF's built-in fonts can print: dashes, quotes folded, other marks dropped."""
    folded = unicodedata.normalize("NFKD", str(text).translate(_ASCII))
    return folded.encode("latin-1", "ignore").decode("latin-1")


def brief_pdf(brief: VisitBrief, font_dir: Path = FONT_DIR) -> bytes:
    """The brief as a printable A4 PDF (DejaVu when installed, else ASCII-safe Helvetica)."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    regular, bold = font_dir / "DejaVuSans.ttf", font_dir / "DejaVuSans-Bold.ttf"
    if regular.exists() and bold.exists():
        pdf.add_font("DejaVu", "", str(regular))
        pdf.add_font("DejaVu", "B", str(bold))
        family, clean = "DejaVu", str
    else:
        family, clean = "Helvetica", ascii_safe
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin

    def para(text: str, size: float = 10, style: str = "", height: float = 5) -> None:
        pdf.set_font(family, style, size)
        # Left-aligned: justified lines of long numbers and names open wide gaps.
        pdf.multi_cell(width, height, clean(text), new_x="LMARGIN", new_y="NEXT", align="L")

    def _pdf_quotes(item: Enquiry) -> None:
        for quote in item.quotes:
            pdf.set_x(pdf.l_margin + 6)
            pdf.set_font(family, "", 9)
            mark = f" - {quote.mark}" if quote.serious else ""
            pdf.multi_cell(
                width - 6,
                4.5,
                clean(f'{quote.date:%d %b %Y} - {quote.kind}{mark}: "{quote.text}"'),
                new_x="LMARGIN",
                new_y="NEXT",
                align="L",
            )

    def _pdf_finding(found: Finding | None) -> None:
        # The verdict in its colour and bold, then who, when and any note in plain text.
        if found is None:
            return
        pdf.set_x(pdf.l_margin + 3)
        pdf.set_font(family, "B", 9)
        pdf.set_text_color(*VERDICT_COLOURS.get(found.verdict, (0, 0, 0)))
        tag = clean(found.words.capitalize()) + " "
        pdf.cell(pdf.get_string_width(tag), 4.5, tag)
        pdf.set_text_color(0, 0, 0)
        pdf.set_font(family, "", 9)
        pdf.multi_cell(
            width - 3 - pdf.get_string_width(tag),
            4.5,
            clean(found.detail),
            new_x="LMARGIN",
            new_y="NEXT",
            align="L",
        )

    para(f"Visit brief: {brief.provider['name']}", 16, "B", 8)
    para(f"{brief.provider['provider_id']} - evidence up to {brief.as_of:%d %B %Y}", 9)
    pdf.ln(2)
    para("Summary", 13, "B", 7)
    for line in _summary_lines(brief):
        para(f"- {line}")
    if brief.pinned:
        pdf.ln(2)
        para("Pinned to bring up on the visit", 13, "B", 7)
        for pin in brief.pinned:
            para(f"- {pin.line}", 9, "", 4.5)
    if not brief.contributions.empty:
        pdf.ln(2)
        para("What makes the score", 13, "B", 7)
        top = max(abs(float(v)) for v in brief.contributions["points"]) or 1.0
        pdf.set_font(family, "", 9)
        for row in brief.contributions.itertuples():
            pdf.cell(70, 5, clean(str(row.part))[:40])
            pdf.cell(18, 5, f"{float(row.points):.1f}", align="R")
            bar = 80 * abs(float(row.points)) / top
            pdf.set_fill_color(*((198, 40, 40) if row.points > 0 else (46, 125, 50)))
            pdf.rect(pdf.get_x() + 3, pdf.get_y() + 1, max(bar, 0.5), 3, style="F")
            pdf.ln(5)
    if not brief.changes.empty:
        pdf.ln(2)
        para("Since the last inspection (against the same span before)", 13, "B", 7)
        pdf.set_font(family, "", 9)
        for row in brief.changes.itertuples():
            pdf.cell(80, 5, clean(str(row.what)))
            pdf.cell(30, 5, clean(str(row.before)), align="R")
            pdf.cell(30, 5, clean(str(row.since)), align="R")
            pdf.ln(5)
    pdf.ln(2)
    para("Lines of enquiry by key question and quality statement", 13, "B", 7)
    if brief.visit_on:
        para(visit_heading(brief), 9, "", 4.5)
    fw = framework()
    for question in KEY_QUESTIONS:
        para(QUESTION_TITLES[question], 12, "B", 7)
        for statement, items in by_statement(brief, question):
            if statement:
                para(fw.title(statement), 10, "B", 6)
            for item in items:
                para(f"- {item.text}")
                if evidence_note(item):
                    pdf.set_text_color(90, 90, 90)
                    pdf.set_x(pdf.l_margin + 3)
                    pdf.set_font(family, "", 8.5)
                    pdf.multi_cell(
                        width - 3,
                        4.2,
                        clean(evidence_note(item)),
                        new_x="LMARGIN",
                        new_y="NEXT",
                        align="L",
                    )
                    pdf.set_text_color(0, 0, 0)
                _pdf_finding(brief.finding(item))
                _pdf_quotes(item)
        pdf.set_text_color(90, 90, 90)
        for line in gap_lines(brief, question):
            para(line, 8.5, "", 4.2)
        pdf.set_text_color(0, 0, 0)
        pdf.ln(1)
    if brief.answered_elsewhere():
        pdf.set_text_color(90, 90, 90)
        para(elsewhere_line(brief), 8.5, "", 4.2)
        pdf.set_text_color(0, 0, 0)
    para(
        "A risk score says where to look first and why; it is not a rating. Quotes are as "
        "written by the public and by experts by experience.",
        8,
    )
    return bytes(pdf.output())
