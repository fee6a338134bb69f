"""What people do to evidence through the pages, each write audited.

An inspector links a comment no channel named a provider for (`link_comment`), dismisses
one no provider fits (`dismiss_comment`), marks a serious concern seen (`mark_seen`, or
`mark_seen_before` for the past a first load brings), and marks evidence as used
(`mark_used`, read back by risk.usage's "you said, we did"), and pins what a search found to
a provider's visit brief (`pin_to_brief`, `unpin_from_brief`), and records what a visit
found about each line of the brief (`record_verdicts`, `record_verdict`). Each function writes the
store and appends one event to the audit log; nothing else in the app writes what people
did. risk/ writes only scoring results and never imports this module.

Linking and dismissing recount the comment's months in the store's rollups
(sources.rollups), in the same transaction, so the score sees the change.

May import: `sources.store`, `sources.rollups` and `sources.people.audit`; nothing of
`risk` or `pages`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Row, select, update
from sqlalchemy.engine import Connection, Engine

from sources.contract import ENQUIRY_KEYS, MAX_VERDICT_NOTE, VERDICTS
from sources.people import audit
from sources.rollups import refresh_rollups, stored_keys
from sources.store import (
    SERIOUS_TEXTS,
    USES,
    BriefPin,
    Comment,
    EbeNote,
    Incident,
    Provider,
    SafeguardingAlert,
    UseMark,
    Verdict,
    utcnow,
)

# What a use mark may name, by kind: the table holding the piece of evidence.
KINDS: dict[str, type] = {"comment": Comment, "note": EbeNote, "alert": SafeguardingAlert}
MAX_OUTCOME = 500  # characters of a use mark's outcome
# What a pin may name: every searchable kind (sources.search.index.SEARCHED).
PIN_KINDS: dict[str, type] = {**KINDS, "incident": Incident}
MAX_REASON = 300  # characters of a pin's reason


class InboxError(ValueError):
    """An inbox action that cannot be done, with a message for a person."""


class UsageError(ValueError):
    """A use mark that cannot be made, with a message for a person."""


class PinError(ValueError):
    """A pin that cannot be made or taken off, with a message for a person."""


class VerdictError(ValueError):
    """A verdict that cannot be recorded, with a message for a person."""


# ---------------------------------------------------------------- the inbox


def link_comment(engine: Engine, comment_id: str, provider_id: str, by: str) -> None:
    """Links a comment to a provider by a person (link_method 'person'); audited.

    Raises InboxError when there is no such provider or comment.
    """
    c = Comment.__table__
    with engine.begin() as conn:
        if not _provider_exists(conn, provider_id):
            raise InboxError(f"no provider {provider_id!r}")
        before = stored_keys(conn, "comment", [comment_id]) or set()
        done = conn.execute(
            update(c)
            .where(c.c.comment_id == comment_id)
            .values(
                provider_id=provider_id, link_method="person", link_confidence=1.0, linked_by=by
            )
        )
        if done.rowcount == 0:
            raise InboxError(f"no comment {comment_id!r}")
        # The score counts the comment under its new provider, and no longer the old one's.
        after = stored_keys(conn, "comment", [comment_id]) or set()
        refresh_rollups(conn, "comment", before | after)
    audit.record(engine, by, "link", f"comment:{comment_id}", provider_id)


def dismiss_comment(engine: Engine, comment_id: str, by: str) -> None:
    """Dismisses a comment no provider fits (link_method 'dismissed'); audited.

    Raises InboxError when there is no such comment.
    """
    c = Comment.__table__
    with engine.begin() as conn:
        before = stored_keys(conn, "comment", [comment_id]) or set()
        done = conn.execute(
            update(c)
            .where(c.c.comment_id == comment_id)
            .values(provider_id=None, link_method="dismissed", link_confidence=None, linked_by=by)
        )
        if done.rowcount == 0:
            raise InboxError(f"no comment {comment_id!r}")
        refresh_rollups(conn, "comment", before)  # a dismissed comment counts nowhere
    audit.record(engine, by, "dismiss", f"comment:{comment_id}")


def mark_seen(engine: Engine, kind: str, record_id: str, by: str) -> None:
    """Marks a serious concern (kind 'comment' or 'note') seen by `by`, now; audited.

    Raises InboxError for another kind or a record that does not exist.
    """
    if kind not in SERIOUS_TEXTS:
        raise InboxError(f"kind must be comment or note, not {kind!r}")
    table, id_col, _ = SERIOUS_TEXTS[kind]
    t = table.__table__
    with engine.begin() as conn:
        done = conn.execute(
            update(t)
            .where(t.c[id_col] == record_id)
            .values(serious_seen_by=by, serious_seen_at=utcnow())
        )
        if done.rowcount == 0:
            raise InboxError(f"no {kind} {record_id!r}")
    audit.record(engine, by, "mark_seen", f"{kind}:{record_id}")


def mark_seen_before(engine: Engine, before: dt.date, by: str, today: dt.date) -> int:
    """Marks every serious concern dated before `before` that nobody has seen as seen, for
    the past a first load brings: concerns handled before Carelens, which would otherwise
    bury the new ones. Recorded on each as seen by `by` (historical) and once in the audit
    log with the counts; returns how many. `before` may not be after `today` (InboxError)."""
    if before > today:
        raise InboxError(f"{before:%d %B %Y} is after today: only the past can be marked")
    counts = {}
    seen_by = f"{by} (historical: before {before.isoformat()})"
    with engine.begin() as conn:
        for kind, (table, _, date_col) in SERIOUS_TEXTS.items():
            t = table.__table__
            done = conn.execute(
                update(t)
                .where(t.c.serious.is_(True), t.c.serious_seen_at.is_(None))
                .where(t.c[date_col] < before)
                .values(serious_seen_by=seen_by, serious_seen_at=utcnow())
            )
            counts[kind] = int(done.rowcount or 0)
    total = sum(counts.values())
    detail = f"{counts['comment']} comments, {counts['note']} notes"
    audit.record(engine, by, "mark_seen_historical", f"before:{before.isoformat()}", detail)
    return total


# ---------------------------------------------------------------- evidence used


def mark_used(
    engine: Engine,
    kind: str,
    record_id: str,
    used_for: str,
    outcome: str,
    by: str,
) -> int:
    """Records that a piece of evidence (kind in KINDS) was used for `used_for` (one of
    USES), with an outcome of at most MAX_OUTCOME characters; returns the mark's id. Audited.

    Raises UsageError for an unknown kind or use, a longer outcome, or no such record.
    """
    if kind not in KINDS:
        raise UsageError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    if used_for not in USES:
        raise UsageError(f"used for must be one of {', '.join(USES)}, not {used_for!r}")
    outcome = outcome.strip()
    if len(outcome) > MAX_OUTCOME:
        raise UsageError(f"the outcome is limited to {MAX_OUTCOME} characters")
    with engine.begin() as conn:
        row = _about(conn, KINDS[kind], record_id)
        if row is None:
            raise UsageError(f"no {kind} {record_id!r}")
        result = conn.execute(
            UseMark.__table__.insert().values(
                kind=kind,
                record_id=record_id,
                provider_id=row.provider_id,
                used_for=used_for,
                outcome=outcome or None,
                used_by=by,
                used_at=utcnow(),
            )
        )
        mark_id = int(result.inserted_primary_key[0])
    audit.record(engine, by, "mark_used", f"{kind}:{record_id}", used_for)
    return mark_id


def _provider_exists(conn: Connection, provider_id: str) -> bool:
    query = select(Provider.provider_id).where(Provider.provider_id == provider_id)
    return conn.execute(query).first() is not None


def _about(conn: Connection, model: type, record_id: str) -> Row | None:
    """The provider a piece of evidence is about (a row with provider_id), or None when there
    is no such record."""
    table = model.__table__  # type: ignore[attr-defined]
    key = table.primary_key.columns.values()[0]
    return conn.execute(select(table.c.provider_id).where(key == record_id)).first()


# ---------------------------------------------------------------- pinned for the visit


def pin_to_brief(
    engine: Engine, provider_id: str, kind: str, record_id: str, by: str, reason: str = ""
) -> bool:
    """Pins a piece of evidence about `provider_id` to its visit brief ("bring this up"),
    by `by`, now; audited. Returns False, writing nothing, when it is pinned already.

    Raises PinError for an unknown kind, a longer reason, no such record, or a record that
    is about another provider.
    """
    if kind not in PIN_KINDS:
        raise PinError(f"kind must be one of {', '.join(PIN_KINDS)}, not {kind!r}")
    reason = reason.strip()
    if len(reason) > MAX_REASON:
        raise PinError(f"the reason is limited to {MAX_REASON} characters")
    pins = BriefPin.__table__
    with engine.begin() as conn:
        row = _about(conn, PIN_KINDS[kind], record_id)
        if row is None:
            raise PinError(f"no {kind} {record_id!r}")
        if row.provider_id != provider_id:
            raise PinError(f"{kind} {record_id} is not about provider {provider_id}")
        if _open_pin(conn, provider_id, kind, record_id) is not None:
            return False
        conn.execute(
            pins.insert().values(
                provider_id=provider_id,
                kind=kind,
                record_id=record_id,
                pinned_by=by,
                pinned_at=utcnow(),
                reason=reason or None,
            )
        )
    audit.record(engine, by, "pin", f"{kind}:{record_id}", provider_id)
    return True


def unpin_from_brief(engine: Engine, provider_id: str, kind: str, record_id: str, by: str) -> bool:
    """Takes a pin off the brief (the row stays, dated); audited. False when not pinned."""
    pins = BriefPin.__table__
    with engine.begin() as conn:
        pin_id = _open_pin(conn, provider_id, kind, record_id)
        if pin_id is None:
            return False
        conn.execute(update(pins).where(pins.c.id == pin_id).values(unpinned_at=utcnow()))
    audit.record(engine, by, "unpin", f"{kind}:{record_id}", provider_id)
    return True


def _open_pin(conn: Connection, provider_id: str, kind: str, record_id: str) -> int | None:
    pins = BriefPin.__table__
    found = conn.execute(
        select(pins.c.id).where(
            pins.c.provider_id == provider_id,
            pins.c.kind == kind,
            pins.c.record_id == record_id,
            pins.c.unpinned_at.is_(None),
        )
    ).first()
    return None if found is None else int(found.id)


# ---------------------------------------------------------------- what the visit found


@dataclass(frozen=True)
class Answer:
    """What a visit found about one line of enquiry: its key ("safe:harm",
    sources.contract.ENQUIRY_KEYS), a verdict (VERDICTS), an optional note of at most
    MAX_VERDICT_NOTE characters, and what was behind the line on the brief (its
    indicators and kinds of serious concern), kept for learning from verdicts."""

    enquiry_key: str
    verdict: str
    note: str = ""
    indicators: tuple[str, ...] = ()
    concern_kinds: tuple[str, ...] = ()


def verdict_id(provider_id: str, visit_on: dt.date, enquiry_key: str) -> str:
    """The natural id of a verdict, as the loader builds it from verdicts.csv."""
    return f"{provider_id}:{visit_on.isoformat()}:{enquiry_key}"


def _checked(answer: Answer) -> Answer:
    if answer.verdict not in VERDICTS:
        raise VerdictError(f"verdict must be one of {', '.join(VERDICTS)}, not {answer.verdict!r}")
    if answer.enquiry_key not in ENQUIRY_KEYS:
        raise VerdictError(f"no line of enquiry {answer.enquiry_key!r}")
    note = answer.note.strip()
    if len(note) > MAX_VERDICT_NOTE:
        raise VerdictError(f"a note is limited to {MAX_VERDICT_NOTE} characters")
    return Answer(answer.enquiry_key, answer.verdict, note, answer.indicators, answer.concern_kinds)


def record_verdicts(
    engine: Engine,
    provider_id: str,
    visit_on: dt.date,
    answers: Sequence[Answer],
    by: str,
    today: dt.date | None = None,
) -> int:
    """Records what the visit to `provider_id` on `visit_on` found about each line answered,
    by `by`, now, all or nothing; returns how many lines were stored or changed.

    One verdict per visit and line: answering a line again with the same verdict and note
    changes nothing and is not audited again; a different verdict or note replaces the one
    stored (who and when become this answer's) and the audit says what it was. Each stored
    or changed line is one audit event, without its note (which may name a person).

    Raises VerdictError, writing nothing, for an unknown verdict or line, a note over
    MAX_VERDICT_NOTE characters, a line answered twice, a visit after `today` (default:
    today in UTC) or no such provider.
    """
    today = today or utcnow().date()
    if visit_on > today:
        raise VerdictError(f"the visit on {visit_on:%d %B %Y} is after today")
    checked = [_checked(a) for a in answers]
    keys = [a.enquiry_key for a in checked]
    if len(set(keys)) < len(keys):
        raise VerdictError("each line of enquiry can be answered once per visit")
    table = Verdict.__table__
    changed: list[tuple[str, str, str | None]] = []
    with engine.begin() as conn:
        if not _provider_exists(conn, provider_id):
            raise VerdictError(f"no provider {provider_id!r}")
        for answer in checked:
            key = verdict_id(provider_id, visit_on, answer.enquiry_key)
            stored = conn.execute(
                select(table.c.verdict, table.c.note).where(table.c.verdict_id == key)
            ).first()
            if stored is not None and (stored.verdict, stored.note or "") == (
                answer.verdict,
                answer.note,
            ):
                continue
            values = {
                "verdict": answer.verdict,
                "note": answer.note or None,
                "indicators": ";".join(answer.indicators) or None,
                "concern_kinds": ";".join(answer.concern_kinds) or None,
                "recorded_by": by,
                "recorded_at": utcnow(),
                "source": "app",
            }
            if stored is None:
                conn.execute(
                    table.insert().values(
                        verdict_id=key,
                        provider_id=provider_id,
                        visit_on=visit_on,
                        enquiry_key=answer.enquiry_key,
                        **values,
                    )
                )
            else:
                conn.execute(update(table).where(table.c.verdict_id == key).values(**values))
            was = None if stored is None else str(stored.verdict)
            changed.append((answer.enquiry_key, answer.verdict, was))
    for line, verdict, was in changed:
        detail = f"{visit_on.isoformat()} {line}: {verdict}" + (f" (was {was})" if was else "")
        audit.record(engine, by, "verdict", provider_id, detail)
    return len(changed)


def record_verdict(
    engine: Engine,
    provider_id: str,
    visit_on: dt.date,
    enquiry_key: str,
    verdict: str,
    by: str,
    note: str = "",
) -> bool:
    """Records one line's verdict (record_verdicts); False when it was stored already."""
    answer = Answer(enquiry_key, verdict, note)
    return record_verdicts(engine, provider_id, visit_on, [answer], by) == 1
