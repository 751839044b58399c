"""Retention: legal holds, and the purge that is the only code allowed to remove record entries.

The record's triggers refuse every UPDATE, and every DELETE of an entry unless a row in
purge_authorisations names its dispute (migration 0009). A purge, in one transaction per dispute:
writes the purge log row (what is removed, when, by whom, why, never the content), inserts the
authorisation, removes the whole record and
everything else that names people or holds free text, blanks the dispute's free text and people,
then deletes the authorisation before committing. No other session ever sees the authorisation.

The whole record goes, not part of it, so no hash chain is left broken; the purge log says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Self

from sqlalchemy import delete, exists, func, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.retention import ANONYMISE, DELETE, Hold
from storage.board_rows import (
    LearningAnswerRow,
    LearningThemeRow,
    LegalHoldRow,
    PurgeAuthorisationRow,
    PurgeLogRow,
    StageResultRow,
)
from storage.learning import BoardUnitOfWork
from storage.models import (
    AccessLogRow,
    AskedRow,
    DisputeRow,
    InvolvementRow,
    NoticeRow,
    NudgeRow,
    OutboxRow,
    RecordEntryRow,
    ThreadRow,
)

# What anonymising blanks on the dispute's row; what it keeps (category, agencies, status, stage,
# dates, flags) is what the Board's report counts.
BLANKED: dict[str, Any] = {
    "reference": "",
    "problem": "",
    "cause": "",
    "outcome": "",
    "other_description": "",
    "raiser_id": "",
    "other_id": None,
    "routing": {"assignees": [], "flags": []},
    "involved": [],
    "proposal": None,
    "confirmations": [],
    "idempotency_key": None,
}


class SqlLegalHolds:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, dispute_id: str) -> Hold | None:
        row = self.session.get(LegalHoldRow, dispute_id)
        return Hold(row.dispute_id, row.reason, row.held_by, row.held_at) if row else None

    def place(self, hold: Hold) -> None:
        self.session.execute(
            insert(LegalHoldRow).values(dispute_id=hold.dispute_id, reason=hold.reason, held_by=hold.held_by, held_at=hold.held_at)
        )

    def release(self, dispute_id: str) -> None:
        self.session.execute(delete(LegalHoldRow).where(LegalHoldRow.dispute_id == dispute_id))

    def purged(self, dispute_id: str) -> bool:
        return self.session.scalar(select(exists().where(PurgeLogRow.dispute_id == dispute_id))) or False


class RetentionUnitOfWork(BoardUnitOfWork):
    """The board's unit of work with legal holds too."""

    def __enter__(self) -> Self:
        super().__enter__()
        self.holds = SqlLegalHolds(self.session)
        return self


@dataclass(frozen=True)
class Candidate:
    dispute_id: str
    reference: str
    status: str
    closed_at: datetime
    hold_reason: str | None  # set when a legal hold keeps it


def find_disputes(session: Session, ref_or_id: str) -> list[tuple[str, str, str, datetime]]:
    """(id, reference, status, opened at) of the dispute with this id, or of every dispute with this case reference."""
    text = ref_or_id.strip()
    columns = (DisputeRow.id, DisputeRow.reference, DisputeRow.status, DisputeRow.opened_at)
    by_id = session.execute(select(*columns).where(DisputeRow.id == text)).all()
    if by_id:
        return [tuple(r) for r in by_id]  # type: ignore[misc]
    rows = session.execute(select(*columns).where(DisputeRow.reference == text).order_by(DisputeRow.opened_at)).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def candidates(session: Session, *, closed_before: datetime) -> list[Candidate]:
    """Finished disputes closed before the moment, not purged yet, oldest first; those on hold say why."""
    rows = session.execute(
        select(DisputeRow.id, DisputeRow.reference, DisputeRow.status, DisputeRow.closed_at, LegalHoldRow.reason)
        .outerjoin(LegalHoldRow, LegalHoldRow.dispute_id == DisputeRow.id)
        .where(
            DisputeRow.active.is_(False),
            DisputeRow.closed_at < closed_before,
            ~exists().where(PurgeLogRow.dispute_id == DisputeRow.id),
        )
        .order_by(DisputeRow.closed_at, DisputeRow.id)
    )
    return [Candidate(id_, ref, status, closed, hold) for id_, ref, status, closed, hold in rows if closed is not None]  # the query asks closed_at < x


@dataclass(frozen=True)
class Purged:
    dispute_id: str
    log_id: int
    removed: dict[str, Any]


def purge(
    sessions: sessionmaker[Session],
    chosen: Sequence[Candidate],
    *,
    closed_before: datetime,
    reason: str,
    by: str,
    mode: str,
    now: datetime,
) -> list[Purged]:
    """Anonymise (or delete) each chosen dispute in a transaction of its own, checking again inside it
    that it is still closed before the moment, not on hold and not purged; those that no longer are
    are left alone."""
    if mode not in (ANONYMISE, DELETE):
        raise ValueError(f"mode must be {ANONYMISE} or {DELETE}")
    done: list[Purged] = []
    for candidate in chosen:
        with sessions() as session, session.begin():
            result = _purge_one(session, candidate.dispute_id, closed_before=closed_before, reason=reason, by=by, mode=mode, now=now)
        if result is not None:
            done.append(result)
    return done


def _count(session: Session, table: Any, dispute_id: str) -> int:
    return session.scalar(select(func.count()).select_from(table).where(table.c.dispute_id == dispute_id)) or 0


def _purge_one(
    session: Session, dispute_id: str, *, closed_before: datetime, reason: str, by: str, mode: str, now: datetime
) -> Purged | None:
    query = select(DisputeRow).where(DisputeRow.id == dispute_id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    row = session.scalar(query)
    if (
        row is None
        or row.active
        or row.closed_at is None
        or row.closed_at >= closed_before
        or session.get(LegalHoldRow, dispute_id) is not None
        or session.scalar(select(exists().where(PurgeLogRow.dispute_id == dispute_id)))
    ):
        return None
    people = {p for p in (row.raiser_id, row.other_id, *row.involved) if p}
    answers = session.scalars(select(LearningAnswerRow.id).where(LearningAnswerRow.dispute_id == dispute_id)).all()
    removed: dict[str, Any] = {
        "record_entries": _count(session, RecordEntryRow.__table__, dispute_id),
        "whole_record": True,  # every entry goes, so no hash chain is left broken
        "people": len(people),
        "involvement_rows": _count(session, InvolvementRow.__table__, dispute_id),
        "reminders": _count(session, NudgeRow.__table__, dispute_id),
        "chat_threads": _count(session, ThreadRow.__table__, dispute_id),
        "chat_messages": _count(session, OutboxRow.__table__, dispute_id),
        "access_log_rows": _count(session, AccessLogRow.__table__, dispute_id),  # they name who viewed it
        "learning_answers_text": len(answers),
        "dispute_fields": sorted(BLANKED) if mode == ANONYMISE else "the whole dispute",
        "kept": "category, agencies, status, stage, dates, urgent and formal-challenge flags, timescales met or missed, learning themes"
        if mode == ANONYMISE
        else "nothing",
    }
    log_id: int = session.execute(
        insert(PurgeLogRow)
        .values(
            dispute_id=dispute_id, closed_at=row.closed_at, purged_at=now, purged_by=by, reason=reason, mode=mode, removed=removed
        )
        .returning(PurgeLogRow.id)
    ).scalar_one()
    session.execute(insert(PurgeAuthorisationRow).values(dispute_id=dispute_id, purge_log_id=log_id))
    session.execute(delete(RecordEntryRow).where(RecordEntryRow.dispute_id == dispute_id))
    for table in (AccessLogRow, InvolvementRow, AskedRow, NudgeRow, NoticeRow, ThreadRow, OutboxRow):
        session.execute(delete(table).where(table.dispute_id == dispute_id))
    if mode == ANONYMISE:
        session.execute(update(LearningAnswerRow).where(LearningAnswerRow.dispute_id == dispute_id).values(person_id=None, learning_points=""))
        session.execute(update(DisputeRow).where(DisputeRow.id == dispute_id).values(**BLANKED, version=DisputeRow.version + 1))
    else:
        if answers:
            session.execute(delete(LearningThemeRow).where(LearningThemeRow.answer_id.in_(answers)))
        session.execute(delete(LearningAnswerRow).where(LearningAnswerRow.dispute_id == dispute_id))
        session.execute(delete(StageResultRow).where(StageResultRow.dispute_id == dispute_id))
        session.execute(delete(DisputeRow).where(DisputeRow.id == dispute_id))
    session.execute(delete(PurgeAuthorisationRow).where(PurgeAuthorisationRow.dispute_id == dispute_id))
    return Purged(dispute_id, log_id, removed)


def purge_log(session: Session) -> list[dict[str, Any]]:
    """Every purge log row, oldest first, as plain values."""
    rows = session.scalars(select(PurgeLogRow).order_by(PurgeLogRow.id))
    return [
        {
            "id": r.id,
            "dispute_id": r.dispute_id,
            "closed_at": r.closed_at,
            "purged_at": r.purged_at,
            "purged_by": r.purged_by,
            "reason": r.reason,
            "mode": r.mode,
            "removed": r.removed,
        }
        for r in rows
    ]
