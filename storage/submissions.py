"""Which form submissions were already acted on (one row each, written with the move they made)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import SubmissionRow


class SqlSubmissionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def seen(self, key: str) -> bool:
        """Whether a submission with this key already made its move."""
        return self.session.scalar(select(SubmissionRow.key).where(SubmissionRow.key == key)) is not None

    def add(self, key: str, dispute_id: str, now: datetime) -> None:
        """Keep the key in this transaction: a second writer of the same key fails at commit."""
        self.session.add(SubmissionRow(key=key, dispute_id=dispute_id, at=now))
