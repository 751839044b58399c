"""The timekeeper's notices in the database (bot/notices.py): written by the sweep, told and deleted after it."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, case, delete, func, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot import event_codec
from bot.notices import MAX_ATTEMPTS, Notice
from storage.bulk import insert_many
from storage.locking import skip_locked
from storage.models import NoticeRow, table_of

_NOTICES = table_of(NoticeRow)
_INSERT = insert(_NOTICES)  # one statement executed for many rows: compiled once
_COLUMNS = (_NOTICES.c.id, _NOTICES.c.dispute_id, _NOTICES.c.version, _NOTICES.c.events, _NOTICES.c.nudge, _NOTICES.c.stage_index)
_DELETE = delete(_NOTICES).where(_NOTICES.c.id.in_(bindparam("ids", expanding=True)))
_FAILED = (
    update(_NOTICES).where(_NOTICES.c.id.in_(bindparam("ids", expanding=True))).values(attempts=_NOTICES.c.attempts + 1)
)


def _notice(row: Any) -> Notice:
    events = tuple(event_codec.decode(row.dispute_id, e) for e in row.events)
    return Notice(row.dispute_id, row.version, events=events, nudge=row.nudge, stage_index=row.stage_index, id=row.id)


class SqlNoticeRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, notices: Sequence[Notice], now: datetime) -> None:
        """Keep these notices in the current transaction, in this order (their ids follow it)."""
        if not notices:
            return
        rows = [
            {
                "dispute_id": n.dispute_id,
                "version": n.version,
                "events": [event_codec.encode(e) for e in n.events],
                "nudge": n.nudge,
                "stage_index": n.stage_index,
                "attempts": 0,
                "created_at": now,
            }
            for n in notices
        ]
        insert_many(self.session.connection(), _INSERT, rows)  # Core: nothing here loads or tracks objects

    def pending(self, limit: int, ids: Collection[int] | None = None) -> list[Notice]:
        """The oldest notices still to be told (not given up on), oldest first; on PostgreSQL locked
        for this transaction, passing over those another teller holds. `ids` narrows it to those."""
        query = select(*_COLUMNS).where(_NOTICES.c.attempts < MAX_ATTEMPTS).order_by(_NOTICES.c.id).limit(limit)
        if ids is not None:
            query = query.where(_NOTICES.c.id.in_(sorted(ids)))
        return [_notice(r) for r in self.session.execute(skip_locked(self.session, query))]

    def for_disputes(self, dispute_ids: Collection[str]) -> list[Notice]:
        """These disputes' notices still to be told, oldest first. On PostgreSQL locked, waiting for
        a teller that holds them (which then has told and deleted them)."""
        ids = sorted(set(dispute_ids))
        if not ids:
            return []
        query = select(*_COLUMNS).where(_NOTICES.c.dispute_id.in_(ids), _NOTICES.c.attempts < MAX_ATTEMPTS).order_by(_NOTICES.c.id)
        if self.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update()
        return [_notice(r) for r in self.session.execute(query)]

    def delete(self, ids: Collection[int]) -> None:
        if ids:
            self.session.connection().execute(_DELETE, {"ids": sorted(ids)})

    def failed(self, ids: Collection[int]) -> None:
        """Count a try whose messages could not be built; after MAX_ATTEMPTS the notice is kept but no longer tried."""
        if ids:
            self.session.connection().execute(_FAILED, {"ids": sorted(ids)})


def notice_counts(sessions: sessionmaker[Session]) -> dict[str, int]:
    """For /healthz: notices waiting to be told, and those given up on (MAX_ATTEMPTS tries failed: an
    administrator should look at the log)."""
    given_up = _NOTICES.c.attempts >= MAX_ATTEMPTS
    with sessions() as session:
        everything, failed = session.execute(select(func.count(), func.coalesce(func.sum(case((given_up, 1), else_=0)), 0))).one()
    return {"waiting": everything - failed, "given_up": failed}
