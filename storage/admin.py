"""What an administrator asks of the outbox: which messages the platforms refused, and sending them again."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from storage.models import DisputeRow, OutboxRow
from storage.outbox import FAILED, PENDING


@dataclass(frozen=True)
class FailedMessage:
    id: int
    created_at: datetime
    platform: str
    delivery: str
    target: str
    reference: str | None  # the dispute's case reference; never anything about the child
    attempts: int
    error: str


def failed_messages(sessions: sessionmaker[Session], *, limit: int = 200) -> list[FailedMessage]:
    """Messages the platform refused for good, oldest first."""
    with sessions() as session:
        rows = session.execute(
            select(
                OutboxRow.id,
                OutboxRow.created_at,
                OutboxRow.platform,
                OutboxRow.delivery,
                OutboxRow.target,
                DisputeRow.reference,
                OutboxRow.attempts,
                OutboxRow.last_error,
            )
            .outerjoin(DisputeRow, DisputeRow.id == OutboxRow.dispute_id)
            .where(OutboxRow.status == FAILED)
            .order_by(OutboxRow.id)
            .limit(limit)
        )
        return [FailedMessage(*row[:-1], error=row[-1] or "") for row in rows]


def retry_failed(sessions: sessionmaker[Session], ids: Collection[int] | None, *, now: datetime) -> list[int]:
    """Put failed messages back in the queue (all of them when `ids` is None); the next sweep sends
    them. Returns the ids put back: an id that is not a failed message is left alone."""
    query = update(OutboxRow).where(OutboxRow.status == FAILED)
    if ids is not None:
        query = query.where(OutboxRow.id.in_(sorted(ids)))
    with sessions() as session:
        retried = session.scalars(
            query.values(status=PENDING, attempts=0, next_attempt_at=now, claimed_until=None)
            .returning(OutboxRow.id)
            .execution_options(synchronize_session=False)
        ).all()
        session.commit()
    return sorted(retried)
