"""The access log (who viewed or exported a record, or was refused) and finding a dispute by case reference."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, insert, or_, select
from sqlalchemy.orm import Session

from bot.export import Access
from storage.models import AccessLogRow, DisputeRow, table_of


class AccessLogViolation(RuntimeError):
    """Raised when code tries to change or remove an access log entry."""


@event.listens_for(Session, "before_flush")
def _refuse_access_log_changes(session: Session, flush_context: Any, instances: Any) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AccessLogRow):
            raise AccessLogViolation("The access log is append-only: entries are never changed or removed.")


class SqlAccessLog:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, access: Access) -> None:
        """Append one view, export or refusal."""
        self.session.execute(
            insert(table_of(AccessLogRow)),
            [
                {
                    "dispute_id": access.dispute_id,
                    "at": access.at,
                    "person_id": access.person_id,
                    "action": access.action,
                    "format": access.format,
                    "channel": access.channel,
                    "allowed": access.allowed,
                }
            ],
        )

    def for_dispute(self, dispute_id: str) -> list[Access]:
        """Every access to the dispute's record, oldest first."""
        rows = self.session.scalars(
            select(AccessLogRow).where(AccessLogRow.dispute_id == dispute_id).order_by(AccessLogRow.at, AccessLogRow.id)
        )
        return [Access(r.dispute_id, r.at, r.person_id, r.action, r.format, r.channel, r.allowed) for r in rows]


def find_disputes(session: Session, key: str) -> list[tuple[str, str]]:
    """(id, case reference) of the disputes whose id or case reference is `key`, oldest first."""
    rows = session.execute(
        select(DisputeRow.id, DisputeRow.reference)
        .where(or_(DisputeRow.id == key, DisputeRow.reference == key))
        .order_by(DisputeRow.opened_at, DisputeRow.id)
    )
    return [(i, r) for i, r in rows]
