"""Provider: one provider's story for an inspector preparing a visit (?provider=ID).

One function per section, called at the foot of the file: who, then one tab each for the
risk score, one timeline, what people say, a search of its evidence, what we did with it,
since the last inspection and the visit brief. Only the open tab runs and is drawn
(?section= names the one to open first; the score, or the timeline when a search opened
the page on an item), so a provider's first view waits for its score alone.
"""

from __future__ import annotations

import datetime as dt
from typing import NoReturn

import pandas as pd
import streamlit as st
from streamlit.elements.lib.mutable_tab_container import TabContainer

from pages.ui import cache, charts, gate, loaders, markdown, search_box, writes
from risk import brief, views
from risk.score import Explanation
from sources.contract import CONCERN_KINDS, KEY_QUESTIONS, service_type_label
from sources.duplicates import merge_copies
from sources.people import access, actions, audit
from sources.text.themes import theme_label

Stamp = tuple[int, str, int]
SECTIONS = {  # ?section= name -> tab
    "score": "Risk score",
    "timeline": "Timeline",
    "voices": "What people say",
    "search": "Search its evidence",
    "used": "What we did with it",
    "changes": "Since the last inspection",
    "brief": "Visit brief",
}
USE_NAMES = {
    "inspection": "an inspection",
    "lines_of_enquiry": "lines of enquiry",
    "safeguarding_referral": "a safeguarding referral",
    "other": "something else",
}


def _choose_provider(stamp: Stamp) -> NoReturn:
    """A search over every provider, highest scores first; a pick opens it. Always stops."""
    frame = loaders.triage(stamp)
    if frame.empty:
        st.info("The store holds no providers yet: load some on the Data page.")
        st.stop()
    needle = st.text_input("Find a provider by name or id", key="provider_search")
    matches = views.filter_triage(frame, views.TriageFilter(name=needle)).head(50)
    if matches.empty:
        st.info("No provider matches: try part of the name.")
        st.stop()
    names = dict(zip(matches["provider_id"], matches["name"], strict=True))
    picked = st.selectbox(
        "Provider",
        list(names),
        index=None,
        format_func=lambda pid: f"{names[pid]} ({pid})",
        key="provider_pick",
        placeholder="Highest scores first",
    )
    if picked:
        st.query_params["provider"] = picked
        st.rerun()
    st.stop()


def _open_provider(stamp: Stamp) -> tuple[str, dict[str, object]]:
    """The provider named by ?provider= and its register entry; the chooser when there is
    none or the store does not know it."""
    provider_id = st.query_params.get("provider", "").strip()
    if not provider_id:
        st.title("Provider")
        st.write("Open a provider from Triage, or find one here.")
        _choose_provider(stamp)
    record = loaders.provider(stamp, provider_id)
    if record is None:
        st.title("Provider")
        st.error(f"There is no provider with the id {provider_id!r} in the store.")
        _choose_provider(stamp)
    return provider_id, record


def _sections(provider_id: str, marked: dt.date | None) -> dict[str, TabContainer]:
    """One tab per section, the one ?section= names open (else the score, or the timeline
    when a search opened the page on an item); a tab runs only while open. Each provider
    has its own, so a provider opened next starts on its score again."""
    wanted = st.query_params.get("section") or ("timeline" if marked else "score")
    tabs = st.tabs(
        list(SECTIONS.values()),
        key=f"section_{provider_id}",
        on_change="rerun",
        default=SECTIONS.get(wanted, SECTIONS["score"]),
    )
    return dict(zip(SECTIONS, tabs, strict=True))


def _evidence(
    stamp: Stamp, provider_id: str, role: str | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The provider's events and voices as `role` may read them.

    Personal data (alert summaries, note authors) only for a role that may see it; for an
    inspector, that they saw it goes into the audit log, once per provider per session.
    """
    events = access.redact(loaders.provider_events(stamp, provider_id), role)
    voices = access.redact(loaders.provider_voices(stamp, provider_id), role)
    if gate.allowed(access.VIEW_SENSITIVE) and (
        events[["summary", "author"]].notna().any().any() or voices["author"].notna().any()
    ):
        gate.note_sensitive_view(provider_id)
    return events, voices


def _who(record: dict[str, object], ratings: pd.DataFrame) -> None:
    """The name, where and what it is, and its published ratings now."""
    st.title(markdown.md_escape(record["name"]))
    place = ", ".join(str(v) for v in (record.get("town"), record.get("local_authority")) if v)
    st.caption(
        " · ".join(
            str(v)
            for v in (
                record["provider_id"],
                service_type_label(record.get("type")),
                place,
                record.get("region"),
                f"size {record['capacity']}" if record.get("capacity") else None,
                f"run by {record['organisation']}" if record.get("organisation") else None,
            )
            if v
        )
    )
    if ratings.empty:
        st.write("Not yet rated.")
        return
    last = ratings.iloc[0]
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "published": last["published_on"],
                    "overall": last["overall"],
                    **{q.replace("_", "-"): last.get(q) for q in KEY_QUESTIONS},
                }
            ]
        ),
        hide_index=True,
        column_config={"published": st.column_config.DateColumn(format="YYYY-MM-DD")},
        key="ratings_now",
    )


def _score(
    stamp: Stamp, provider_id: str, scores: pd.DataFrame, events: pd.DataFrame, role: str | None
) -> None:
    """The newest score, what makes it, and the evidence behind its largest parts."""
    st.header("Risk score")
    if scores.empty:
        st.info("This provider has not been scored yet: score the store on the Data page.")
        return
    now = scores.iloc[-1]
    _score_metrics(scores)
    parts = views.contribution_parts(now["contributions"])
    explained = loaders.explanation(stamp, provider_id, now["as_of"].date())
    # Silence is no evidence: said beside the uncertainty, never taken off the score.
    silence_notes = list(explained.uncertainty_notes) if explained else []
    if not silence_notes and provider_id in loaders.silent_providers(stamp):
        silence_notes = ["No recent voice: nothing heard from the public for months."]
    for note in silence_notes:
        st.warning(note, icon=":material/voice_over_off:")
    chart_col, evidence_col = st.columns([3, 2])
    with chart_col:
        _score_parts(parts, explained)
    with evidence_col:
        _score_evidence(explained, events, role)


def _score_metrics(scores: pd.DataFrame) -> None:
    """The newest score with its change since the one before, band, uncertainty and day."""
    now = scores.iloc[-1]
    change = now["score"] - scores.iloc[-2]["score"] if len(scores) > 1 else None
    cols = st.columns(4)
    cols[0].metric(
        "Score (0-100)",
        f"{now['score']:.1f}",
        delta=f"{change:+.1f}" if change is not None else None,
        delta_color="inverse",
    )
    cols[1].metric("Band", str(now["band"]))
    cols[2].metric("Uncertainty", f"{now['uncertainty']:.2f}", help="0 sure … 1 unsure")
    cols[3].metric("As of", f"{now['as_of']:%d %b %Y}")


def _score_parts(parts: pd.DataFrame, explained: Explanation | None) -> None:
    """Points per source and per indicator, and each indicator against its expectation."""
    st.plotly_chart(
        charts.contributions_figure(parts, "Points per source"),
        key="contributions",
        config={"displayModeBar": False},
    )
    indicators = views.explanation_indicators(explained)
    if not indicators.empty:
        st.plotly_chart(
            charts.contributions_figure(indicators.head(12), "Points per indicator"),
            key="indicators",
            config={"displayModeBar": False},
        )
    detail = views.indicator_table(explained)
    if not detail.empty:
        with st.expander("Each indicator: observed against expected for its size and type"):
            st.dataframe(
                detail,
                hide_index=True,
                column_config={
                    "points": st.column_config.NumberColumn(format="%+.1f"),
                    "observed": st.column_config.NumberColumn(format="%.2f"),
                    "expected": st.column_config.NumberColumn(format="%.2f"),
                    "p_worse": st.column_config.NumberColumn(
                        "P(50% worse than peers)", format="%.2f"
                    ),
                },
                key="indicator_detail",
            )


def _score_evidence(explained: Explanation | None, events: pd.DataFrame, role: str | None) -> None:
    """The evidence rows stored with the score, one expander per part."""
    st.markdown("**Evidence behind the largest parts**")
    behind = access.redact(
        views.evidence_with_personal(views.explanation_evidence(explained), events), role
    )
    if behind.empty:
        st.caption("No evidence rows recorded with this score.")
    for part, rows in behind.groupby("part", sort=False):
        with st.expander(f"{part} ({len(rows)})"):
            st.dataframe(
                # Summary and author only where this part has them (alerts, notes).
                rows.drop(columns="part").dropna(axis=1, how="all"),
                hide_index=True,
                column_config={
                    "date": st.column_config.DateColumn(format="YYYY-MM-DD"),
                    "evidence": st.column_config.TextColumn(width="large"),
                    "summary": st.column_config.TextColumn("alert summary"),
                },
                key=f"behind_{part}",
            )


def _from_search(stamp: Stamp, provider_id: str, role: str | None) -> dt.date | None:
    """The item a search opened this page on (?item=kind:id), in full as `role` may read
    it; its day, for the timeline to mark. None when there is none, or not of this provider."""
    kind, _, record_id = st.query_params.get("item", "").partition(":")
    if not record_id:
        return None
    item = loaders.evidence_item(stamp, kind, record_id)
    if item is None or item.get("provider_id") != provider_id:
        st.caption(f"The item {kind} {record_id} from the search is not this provider's.")
        return None
    day = pd.Timestamp(item["date"]).date()
    with st.container(border=True):
        st.markdown(
            f"**From your search: {search_box.SHORT_KIND[kind]} {record_id}** · {day:%d %B %Y}"
        )
        for line in views.item_lines(item, role):
            st.text(line)
        st.caption("Its day is marked on the timeline by a dotted line.")
    return day


def _timeline(events: pd.DataFrame, scores: pd.DataFrame, marked: dt.date | None) -> None:
    """Everything at the provider on one timeline, between chosen dates, chosen lanes."""
    st.header("Timeline")
    if events.empty and scores.empty:
        st.info("Nothing recorded for this provider yet.")
        return
    first = min([d for d in (events["date"].min(), scores["as_of"].min()) if pd.notna(d)]).date()
    last_day = max([d for d in (events["date"].max(), scores["as_of"].max()) if pd.notna(d)]).date()
    if first >= last_day:
        first = last_day - dt.timedelta(days=1)
    window = st.slider(
        "Dates",
        min_value=first,
        max_value=last_day,
        value=(first, last_day),
        format="YYYY-MM-DD",
        key="timeline_dates",
    )
    lanes = st.pills(
        "Sources",
        list(charts.LANES),
        default=list(charts.LANES),
        selection_mode="multi",
        format_func=lambda s: charts.LANES[s].split(" (")[0],
        key="timeline_sources",
    )
    st.plotly_chart(
        charts.timeline_figure(events, scores, lanes, window[0], window[1], marked),
        key="timeline",
    )


def _what_people_say(stamp: Stamp, provider_id: str, voices: pd.DataFrame) -> None:
    """Themes over time, the filters, and every comment and note picked, as plain text."""
    st.header("What people say")
    if voices.empty:
        st.info("No comments or expert notes about this provider yet.")
        return
    st.plotly_chart(
        charts.themes_figure(views.themes_over_time(voices)),
        key="themes",
        config={"displayModeBar": False},
    )
    picked = views.filter_voices(voices, _voice_filter(voices))
    serious_unseen = int((picked["serious"] & (picked["seen"] == "")).sum())
    st.caption(
        f"{len(picked):,} of {len(voices):,} shown, serious concerns first"
        + (f"; {serious_unseen} serious not yet seen (see the Inbox)." if serious_unseen else ".")
        + " Shown as written, as plain text."
    )
    _voices_table(stamp, provider_id, picked)


def _voice_filter(voices: pd.DataFrame) -> views.VoiceFilter:
    """The filters over what people said, in one row: theme, sentiment, channel, dates,
    kind of concern; what they pick."""
    all_themes = sorted({t for ts in voices["themes"] for t in ts})
    f1, f2, f3, f4, f5 = st.columns(5)
    themes = f1.multiselect("Theme", all_themes, format_func=theme_label, key="v_theme")
    present_kinds = [k for k in CONCERN_KINDS if any(k in ks for ks in voices["concern_kinds"])]
    kinds = f5.multiselect(
        "Kind of concern", present_kinds, format_func=CONCERN_KINDS.get, key="v_kinds"
    )
    sentiments = f2.multiselect(
        "Sentiment", sorted(voices["sentiment"].unique()), key="v_sentiment"
    )
    channels = f3.multiselect("Channel", sorted(voices["channel"].unique()), key="v_channel")
    lo, hi = voices["date"].min().date(), voices["date"].max().date()
    period = f4.date_input("Between", (lo, hi), min_value=lo, max_value=hi, key="v_dates")
    start, end = (period + (None, None))[:2] if isinstance(period, tuple) else (period, None)
    return views.VoiceFilter(
        tuple(themes), tuple(sentiments), tuple(channels), start, end, tuple(kinds)
    )


def _voices_table(stamp: Stamp, provider_id: str, picked: pd.DataFrame) -> None:
    """The comments and notes picked, each copy arrived by another channel shown once."""
    # Public text goes into dataframe cells only: shown as text, never as Markdown or HTML.
    st.dataframe(
        merge_copies(picked, loaders.provider_copies(stamp, provider_id)).assign(
            themes=picked["themes"].map(lambda ts: ", ".join(map(theme_label, ts))),
            serious=picked["serious"].map(lambda s: "⚠ serious" if s else ""),
            concern=picked["concern_kinds"].map(views.concern_label),
        )[
            [  # what was said first; where it came from after
                "date",
                "kind",
                "serious",
                "concern",
                "sentiment",
                "text",
                "themes",
                "channels",
                "copies",
                "seen",
                "author",
                "record_id",
            ]
        ],
        hide_index=True,
        column_config={
            "date": st.column_config.DateColumn(format="YYYY-MM-DD"),
            "seen": "seen by",
            "record_id": "id",
            "concern": st.column_config.TextColumn("kind of concern", width="medium"),
            "channels": st.column_config.TextColumn(
                "channels", help="every channel the same concern arrived by, shown once"
            ),
            "copies": st.column_config.NumberColumn(
                "copies", help="how many more times it arrived (counted once in the score)"
            ),
            "text": st.column_config.TextColumn(width="large"),
        },
        height=360,
        key="voices_table",
    )


def _what_we_did(
    stamp: Stamp, provider_id: str, voices: pd.DataFrame, events: pd.DataFrame
) -> None:
    """What the provider's evidence was used for, and, for a role with the inbox, the form
    that marks a comment, note or alert as used."""
    st.header("What we did with it")
    done = st.session_state.pop("_use_marked", None)
    if done:
        st.success(done)
    uses = loaders.provider_uses(stamp, provider_id)
    if uses.empty:
        st.caption("Nothing said about this provider has been marked as used yet.")
    else:
        _uses_table(uses)
    if gate.allowed(access.INBOX):
        _mark_used_form(voices, events)


def _uses_table(uses: pd.DataFrame) -> None:
    """The marks made, newest first; outcomes only for a role that may read personal data."""
    if not gate.allowed(access.VIEW_SENSITIVE):
        # An outcome may name a person (a safeguarding referral): inspectors only.
        uses = uses.assign(outcome=uses["outcome"].where(uses["outcome"].isna(), access.REDACTED))
    st.dataframe(
        uses.assign(used_for=uses["used_for"].map(USE_NAMES).fillna(uses["used_for"]))[
            ["used_at", "kind", "record_id", "used_for", "outcome", "used_by"]
        ],
        hide_index=True,
        column_config={
            "used_at": st.column_config.DatetimeColumn("when", format="YYYY-MM-DD HH:mm"),
            "record_id": "id",
            "used_for": "used in",
            "outcome": st.column_config.TextColumn("what came of it", width="large"),
            "used_by": "by",
        },
        key="uses_table",
    )


def _use_options(voices: pd.DataFrame, events: pd.DataFrame) -> dict[str, str]:
    """What can be marked, "kind:id" to its label: this provider's comments (originals),
    expert notes and alerts."""
    options = {
        f"{'comment' if v.kind == 'comment' else 'note'}:{v.record_id}": (
            f"{v.kind} {v.record_id} · {v.date:%Y-%m-%d} · {v.channel} · {v.sentiment}"
        )
        for v in voices.itertuples(index=False)
    }
    alerts = events[events["source"] == "safeguarding"]
    options |= {
        f"alert:{a.record_id}": f"alert {a.record_id} · {a.date:%Y-%m-%d} · {a.text} · {a.level}"
        for a in alerts.itertuples(index=False)
    }
    return options


def _mark_used_form(voices: pd.DataFrame, events: pd.DataFrame) -> None:
    """The form that marks one piece of evidence as used, checked again at the write."""
    options = _use_options(voices, events)
    with st.form("mark_used", clear_on_submit=True):
        st.markdown("**Mark a comment, note or alert as used**")
        picked_use = st.selectbox(
            "Evidence",
            list(options),
            index=None,
            format_func=options.get,
            placeholder="Choose by id (the ids are in the tables above)",
            key="use_record",
        )
        used_for = st.selectbox(
            "Used in", list(actions.USES), format_func=USE_NAMES.get, key="use_for"
        )
        outcome = st.text_input(
            "What came of it (short; optional)", max_chars=actions.MAX_OUTCOME, key="use_outcome"
        )
        if st.form_submit_button("Mark as used", key="use_submit"):
            if not gate.allowed(access.INBOX):  # checked again on the server at the write
                st.error("Your role may not mark evidence as used.")
            elif picked_use is None:
                st.warning("Choose the comment, note or alert that was used.")
            else:
                kind, record_id = picked_use.split(":", 1)
                try:
                    writes.mark_used(kind, record_id, used_for, outcome)
                except actions.UsageError as error:
                    st.error(str(error))
                else:
                    st.session_state["_use_marked"] = (
                        f"Marked {kind} {record_id} as used in {USE_NAMES[used_for]}."
                    )
                    st.rerun()


def _since_inspection(stamp: Stamp, provider_id: str, as_of: dt.date | None) -> None:
    """What changed since the last inspection, against the same span before it."""
    st.header("Since the last inspection")
    changed = loaders.changes(stamp, provider_id, as_of)
    if changed.empty:
        st.info("Never inspected: there is no last inspection to compare with.")
        return
    st.caption(
        f"Last inspection published {changed.attrs['last_inspection']:%d %B %Y} "
        f"({changed.attrs['last_rating']}): the {changed.attrs['days']} days since, against "
        "the same number of days before it."
    )
    table = changed.rename(columns={"before": "same span before", "since": "since"})
    table.attrs = {}  # the dates above are not for the table
    st.dataframe(table, hide_index=True, key="changes")


def _search(stamp: Stamp, provider_id: str) -> None:
    """A search over this provider's evidence alone (pages.ui.search_box)."""
    st.header("Search this provider's evidence")
    search_box.search_box("psearch", stamp, provider_id)


def _pins(stamp: Stamp, provider_id: str, role: str | None) -> None:
    """What inspectors pinned to the brief, each with a way to take it off."""
    pins = access.redact(loaders.brief_pins(stamp, provider_id), role)
    if pins.empty:
        st.caption("Nothing pinned yet: pin a search result to bring it up on the visit.")
        return
    st.markdown("**Pinned to bring up on the visit**")
    for pin in brief_items(pins):
        left, right = st.columns([6, 1])
        left.text(pin[1])
        if gate.allowed(access.PIN) and right.button("Unpin", key=f"unpin_{pin[0]}"):
            kind, record_id = pin[0].split(":", 1)
            writes.unpin(provider_id, kind, record_id)
            st.rerun()


def brief_items(pins: pd.DataFrame) -> list[tuple[str, str]]:
    """(kind:id, the brief's line) for each pin, as the brief prints it."""
    keys = [f"{k}:{r}" for k, r in zip(pins["kind"], pins["record_id"], strict=True)]
    return list(zip(keys, [p.line for p in brief.pinned_items(pins)], strict=True))


def _enquiries(made: brief.VisitBrief, verdicts: pd.DataFrame) -> None:
    """The brief's lines of enquiry by key question and quality statement, each with what
    the last visit found about it, then per key question the statements nothing in the
    brief's window speaks to."""
    st.subheader("Lines of enquiry by quality statement")
    if verdicts.empty:
        st.caption("No visit's verdicts are recorded for this provider yet.")
        table = brief.enquiry_table(made)
    else:
        visit = verdicts["visit_on"].iloc[0]
        by = ", ".join(sorted({str(b) for b in verdicts["recorded_by"].dropna()}))
        st.caption(
            f"Beside each line, what the visit on {visit:%d %B %Y} found"
            + (f" (recorded by {by})" if by else "")
            + "."
        )
        table = brief.enquiry_table(made, verdicts)
        on_brief = {e.key for e in made.enquiries}
        gone = [k for k in verdicts["enquiry_key"] if k not in on_brief]
        if gone:
            st.caption("Also answered on that visit, no longer a line: " + ", ".join(gone) + ".")
    st.dataframe(table, hide_index=True, key="enquiry_table")
    for question in KEY_QUESTIONS:
        gaps = brief.gap_lines(made, question)
        if gaps:
            st.caption(f"**{brief.QUESTION_TITLES[question]}.** " + " ".join(gaps))


def _shown_verdicts(verdicts: pd.DataFrame) -> pd.DataFrame:
    """The last visit's verdicts, their notes only for a role that may read personal data."""
    # A note is an inspector's free text and may name a person: the brief's rule too.
    return access.redact_notes(verdicts, gate.role())


def _verdict_form(made: brief.VisitBrief, provider_id: str) -> None:
    """For a role that records verdicts: the visit's date, then per line of enquiry what
    the visit found and a note; the role is checked again at the write."""
    if not gate.allowed(access.VERDICTS):
        return
    done = st.session_state.pop("_verdicts_recorded", None)
    if done:
        st.success(done)
    lines = brief.lines_in_order(made)
    today = dt.datetime.now(dt.UTC).date()
    with st.form("verdicts", clear_on_submit=True):
        st.markdown("**Record what the visit found**")
        visit_on = st.date_input("Visit date", value=today, max_value=today, key="verdict_visit")
        for line in lines:
            choice, note = st.columns([2, 3])
            choice.selectbox(
                markdown.md_escape(f"{brief.QUESTION_TITLES[line.question]}: {line.text}"),
                list(brief.VERDICT_WORDS),
                index=None,
                format_func=brief.VERDICT_WORDS.get,
                placeholder="not recorded",
                key=f"verdict_{line.key}",
            )
            note.text_input(
                "Note (optional)",
                max_chars=actions.MAX_VERDICT_NOTE,
                key=f"verdict_note_{line.key}",
            )
        if st.form_submit_button("Record the verdicts", key="verdict_submit"):
            if not gate.allowed(access.VERDICTS):  # checked again on the server at the write
                st.error("Your role may not record verdicts.")
                return
            answers = [
                actions.Answer(
                    line.key,
                    str(st.session_state[f"verdict_{line.key}"]),
                    str(st.session_state.get(f"verdict_note_{line.key}") or ""),
                    line.indicators,
                    line.concern_kinds,
                )
                for line in lines
                if st.session_state.get(f"verdict_{line.key}")
            ]
            if not answers:
                st.warning("Choose what the visit found for at least one line.")
                return
            if not isinstance(visit_on, dt.date):
                st.warning("Give the day of the visit.")
                return
            try:
                stored = writes.record_verdicts(provider_id, visit_on, answers)
            except actions.VerdictError as error:
                st.error(str(error))
            else:
                st.session_state["_verdicts_recorded"] = (
                    f"Recorded {stored} verdict(s) for the visit on {visit_on:%d %B %Y}"
                    + (f"; {len(answers) - stored} unchanged." if stored < len(answers) else ".")
                )
                st.rerun()


def _visit_brief(
    stamp: Stamp, provider_id: str, as_of: dt.date | None, role: str | None, user: str
) -> None:
    """The visit brief's two downloads, for a role that may export, once there is a score."""
    st.header("Visit brief")
    if as_of is None:
        st.info("The brief needs a score: score the store on the Data page first.")
        return
    made = loaders.visit_brief(stamp, provider_id, as_of, role)
    _enquiries(made, _shown_verdicts(loaders.provider_verdicts(stamp, provider_id)))
    _verdict_form(made, provider_id)
    if not gate.allowed(access.EXPORT):
        st.caption("Your role does not include downloading briefs.")
        return
    st.write(
        "The brief: these lines of enquiry, drawn from the evidence and quoting it with "
        "dates; with the summary, what makes the score, what changed, and what was pinned "
        "to bring up."
    )
    _pins(stamp, provider_id, role)

    def _brief(kind: str) -> str | bytes:
        # Built when the button is pressed, not on every view of the page; the role this
        # run signed in with is checked again before any byte is made.
        if not access.may(role, access.EXPORT):
            raise PermissionError("this role may not download briefs")
        audit.record(cache.engine(), user, "brief", provider_id, kind)
        html_text, pdf_bytes = loaders.brief_files(stamp, provider_id, as_of, role)
        return pdf_bytes if kind == "pdf" else html_text

    b1, b2 = st.columns(2)
    b1.download_button(
        "Download the brief (PDF)",
        data=lambda: _brief("pdf"),
        file_name=f"visit-brief-{provider_id}-{as_of:%Y-%m-%d}.pdf",
        mime="application/pdf",
        key="brief_pdf",
        on_click="ignore",
        type="primary",
    )
    b2.download_button(
        "Download the brief (HTML)",
        data=lambda: _brief("html"),
        file_name=f"visit-brief-{provider_id}-{as_of:%Y-%m-%d}.html",
        mime="text/html",
        key="brief_html",
        on_click="ignore",
    )


# ---- the page, section by section ------------------------------------------------------------
gate.via_app(__file__)
gate.require(access.VIEW_PROVIDERS)

stamp = cache.stamp()
provider_id, record = _open_provider(stamp)
dates = loaders.scored_dates(stamp)
as_of = dates[-1] if dates else None
scores = loaders.provider_scores(stamp, provider_id)
ratings = loaders.provider_ratings(stamp, provider_id)
role, user = gate.role(), gate.current_user()
events, voices = _evidence(stamp, provider_id, role)

_who(record, ratings)
marked = _from_search(stamp, provider_id, role)
draw = {
    "score": lambda: _score(stamp, provider_id, scores, events, role),
    "timeline": lambda: _timeline(events, scores, marked),
    "voices": lambda: _what_people_say(stamp, provider_id, voices),
    "search": lambda: _search(stamp, provider_id),
    "used": lambda: _what_we_did(stamp, provider_id, voices, events),
    "changes": lambda: _since_inspection(stamp, provider_id, as_of),
    "brief": lambda: _visit_brief(stamp, provider_id, as_of, role, user),
}
for name, tab in _sections(provider_id, marked).items():
    with tab:
        if tab.open:
            draw[name]()
