"""The outbox and the dispute threads: queued in the caller's transaction, delivered after commit."""

from __future__ import annotations

import functools
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast
from uuid import uuid4

from sqlalchemy import CursorResult, Result, Update, bindparam, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from bot.outbox import Delivery, OutgoingMessage
from bot.plan import SPACE
from storage.bulk import insert_many
from storage.lanes import Lane, Paced, claim_rows, newer_update, push_gates
from storage.models import OutboxRow, ThreadRow, table_of, unindexed

PENDING = "pending"
SENT = "sent"
FAILED = "failed"  # the platform refused it for good (e.g. unknown channel); shown to admins, never deleted


@dataclass(frozen=True)
class QueuedMessage:
    id: int
    key: str
    dispute_id: str | None
    platform: str
    workspace: str
    delivery: Delivery
    target: str
    payload: dict[str, Any]
    fallback_text: str
    attempts: int
    token: str = ""  # the fencing token of the claim that holds it
    sending_since: datetime | None = None  # a previous attempt was handed to the platform then, and never settled

    @property
    def in_doubt(self) -> bool:
        """May an earlier attempt have reached the platform (the sender died or timed out after sending)?"""
        return self.sending_since is not None


@dataclass(frozen=True)
class Thread:
    dispute_id: str
    platform: str
    workspace: str
    channel: str
    root_id: str
    extra: dict[str, Any]


def thread_space(message: QueuedMessage) -> str:
    """The thread a message belongs to: an agency's own space ("workspace/channel"), else the workspace's."""
    return str(message.payload.get(SPACE) or message.workspace)


# queueing's statement, built once per dialect (its compiled form is cached by the engine)
_QUEUE = {
    "postgresql": postgresql.insert(table_of(OutboxRow)).on_conflict_do_nothing(index_elements=["key"]),
    "sqlite": sqlite.insert(table_of(OutboxRow)).on_conflict_do_nothing(index_elements=["key"]),
}


class SqlOutboxRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, messages: Sequence[OutgoingMessage], now: datetime) -> None:
        """Queue messages in the current transaction; a key already queued is left as it is."""
        if not messages:
            return
        rows = [
            {
                "key": m.key,
                "dispute_id": m.dispute_id,
                "platform": m.platform,
                "workspace": m.workspace,
                "delivery": m.delivery.value,
                "target": m.target,
                "payload": m.payload,
                "fallback_text": m.fallback_text,
                "status": PENDING,
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
            for m in messages
        ]
        # one statement executed for many rows: compiled once, whatever the number of messages
        connection = self.session.connection()  # Core: nothing here loads or tracks objects
        insert_many(connection, _QUEUE[connection.dialect.name], rows)

    def mark_failed(self, message_id: int, *, error: str) -> bool:
        """Keep a message the platform refused for good as failed, in the current transaction.

        False when it is no longer pending (another sender settled it first), so whatever follows
        from the failure happens once.
        """
        result = self.session.execute(
            update(OutboxRow)
            .where(OutboxRow.id == message_id, OutboxRow.status == PENDING)
            .values(status=FAILED, claimed_until=None, last_error=error[:2000])
            .execution_options(synchronize_session=False)
        )
        return _rowcount(result) == 1


class SqlThreadRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, dispute_id: str, platform: str, workspace: str) -> Thread | None:
        row = self.session.get(ThreadRow, (dispute_id, platform, workspace))
        return _thread(row) if row else None

    def for_dispute(self, dispute_id: str) -> list[Thread]:
        rows = self.session.scalars(select(ThreadRow).where(ThreadRow.dispute_id == dispute_id))
        return [_thread(r) for r in rows]

    def by_root(self, platform: str, channel: str, root_id: str) -> Thread | None:
        row = self.session.scalar(
            select(ThreadRow).where(ThreadRow.platform == platform, ThreadRow.channel == channel, ThreadRow.root_id == root_id)
        )
        return _thread(row) if row else None

    def put(self, thread: Thread) -> None:
        self.session.merge(
            ThreadRow(
                dispute_id=thread.dispute_id,
                platform=thread.platform,
                workspace=thread.workspace,
                channel=thread.channel,
                root_id=thread.root_id,
                extra=thread.extra,
            )
        )


def _rowcount(result: Result[Any]) -> int:  # how many rows an UPDATE changed (execute() is typed as a plain Result)
    return int(cast("CursorResult[Any]", result).rowcount)


# A delivery step's statements, built once with bound parameters (so compiled once, and run through
# Core): built afresh for every message, as ORM statements, they cost more CPU than running them.
_OUTBOX = table_of(OutboxRow)
_MINE = (_OUTBOX.c.id == bindparam("m_id"), _OUTBOX.c.claim_token == bindparam("m_token"), _OUTBOX.c.status == PENDING)
_HOLDS = select(_OUTBOX.c.id).where(*_MINE)
_RENEW = (
    update(_OUTBOX)
    .where(_OUTBOX.c.id.in_(bindparam("ids", expanding=True)), _OUTBOX.c.claim_token == bindparam("m_token"), unindexed(_OUTBOX.c.status) == PENDING)
    .values(claimed_until=bindparam("v_claimed_until"))
)


@functools.cache
def _mine_update(columns: tuple[str, ...], one_attempt_back: bool = False) -> Update:
    """UPDATE of the row of a message while its claim's token still holds it and it is pending, setting
    `columns` (bound as v_<column>); `one_attempt_back`: and taking back the attempt its claim counted."""
    values: dict[str, Any] = {c: bindparam(f"v_{c}") for c in columns}
    if one_attempt_back:
        values["attempts"] = _OUTBOX.c.attempts - 1
    return update(_OUTBOX).where(*_MINE).values(values)


def _set_if_mine(session: Session, message: QueuedMessage, values: dict[str, Any], *, one_attempt_back: bool = False) -> bool:
    """Set `values` on the message's row if its claim still holds it; False if another sender took it over."""
    statement = _mine_update(tuple(values), one_attempt_back)
    params = {"m_id": message.id, "m_token": message.token, **{f"v_{c}": v for c, v in values.items()}}
    return _rowcount(session.connection().execute(statement, params)) == 1


def _thread(row: ThreadRow) -> Thread:
    return Thread(row.dispute_id, row.platform, row.workspace, row.channel, row.root_id, dict(row.extra or {}))


def _queued(row: Any) -> QueuedMessage:
    return QueuedMessage(
        id=row.id,
        key=row.key,
        dispute_id=row.dispute_id,
        platform=row.platform,
        workspace=row.workspace,
        delivery=Delivery(row.delivery),
        target=row.target,
        payload=row.payload,
        fallback_text=row.fallback_text,
        attempts=row.attempts,
        token=row.claim_token or "",
        sending_since=row.sending_at,
    )


class OutboxDelivery:
    """The sender's side of the outbox. Each call is its own short transaction.

    A claim writes a fresh fencing token on the rows it takes. Every later step (renewing the
    lease, starting a send, settling it) is a conditional update on that token, so a sender whose
    lease ran out and whose rows someone else claimed changes nothing.
    """

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def claim_due(self, now: datetime, *, limit: int = 50, lease: timedelta = timedelta(seconds=60)) -> list[QueuedMessage]:
        """Claim up to `limit` due messages for `lease` under a new token; an expired claim is claimed again.

        On PostgreSQL, rows another sender holds are skipped (FOR UPDATE SKIP LOCKED), so several
        replicas share the work.
        """
        token = uuid4().hex
        with self.sessions.begin() as session:
            due = (
                select(OutboxRow.id)
                .where(
                    OutboxRow.status == PENDING,
                    OutboxRow.next_attempt_at <= now,
                    or_(OutboxRow.claimed_until.is_(None), OutboxRow.claimed_until < now),
                )
                .order_by(OutboxRow.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
            ids = list(session.scalars(due))
            if not ids:
                return []
            rows = session.execute(
                update(OutboxRow)
                .where(
                    OutboxRow.id.in_(ids),
                    unindexed(OutboxRow.status) == PENDING,
                    or_(OutboxRow.claimed_until.is_(None), OutboxRow.claimed_until < now),
                )
                .values(claimed_until=now + lease, attempts=OutboxRow.attempts + 1, claim_token=token)
                .returning(OutboxRow)
                .execution_options(synchronize_session=False)
            ).scalars()
            return sorted((_queued(r) for r in rows), key=lambda m: m.id)

    def claim_lane(
        self, now: datetime, *, limit: int, lease: timedelta, busy: Collection[Lane] = ()
    ) -> list[QueuedMessage]:
        """Claim, under a new token, up to `limit` due messages of one lane: the lane of the oldest due
        message that is not in `busy` (the lanes this process is sending to right now), and then that
        lane's next ones, oldest first. A lane is one conversation's posts, or one conversation's updates
        in place (lane_of), so a process sends each conversation's messages in order, one at a time,
        while it sends to other conversations at once.

        On PostgreSQL, rows another sender holds are skipped (FOR UPDATE SKIP LOCKED).
        """
        token = uuid4().hex
        with self.sessions.begin() as session:
            rows = claim_rows(session, now, limit=limit, until=now + lease, token=token, busy=busy)
            return sorted((_queued(r) for r in rows), key=lambda m: m.id)

    def superseded(self, message: QueuedMessage) -> str | None:
        """For an update in place: the key of a newer update of the same root (pending or sent), or None.

        A newer update carries everything the older one would show, so the older need not be sent."""
        if message.delivery is not Delivery.ROOT_UPDATE or not message.dispute_id:
            return None
        with self.sessions() as session:
            return newer_update(session, message, thread_space(message))

    def mark_superseded(self, message: QueuedMessage, *, by: str, now: datetime) -> bool:
        """Settle an update in place that a newer one supersedes: done, without a call to the platform."""
        done = {"status": SENT, "message_id": None, "sent_at": now, "claimed_until": None, "sending_at": None}
        return self._settle(message, {**done, "last_error": f"not sent: superseded by {by}"[:2000]})

    def begin_send(
        self,
        message: QueuedMessage,
        *,
        still_claimed: Sequence[QueuedMessage] = (),
        now: datetime,
        lease: timedelta,
        paced: Paced = (),
    ) -> bool:
        """Just before `message` is handed to the platform: renew the lease of it (and of the rest of its
        claim), and note that it is being sent. False when the claim no longer holds: do not send it.

        `paced`: the (scope, interval) gates it was paced in (storage.gates); their next slot is
        counted from now, when it really goes, if that is later than the slot reserved for it."""
        with self.sessions.begin() as session:
            others = [m.id for m in still_claimed if m.id != message.id and m.token == message.token]
            if others:
                session.connection().execute(_RENEW, {"ids": others, "m_token": message.token, "v_claimed_until": now + lease})
            if not _set_if_mine(session, message, {"claimed_until": now + lease, "sending_at": now}):
                return False
            push_gates(session, message.platform, paced, now)
            return True

    def holds(self, message: QueuedMessage) -> bool:
        """Is `message` still pending under this claim's token?"""
        with self.sessions() as session:
            return session.connection().execute(_HOLDS, {"m_id": message.id, "m_token": message.token}).first() is not None

    def _settle(
        self, message: QueuedMessage, values: dict[str, Any], paced: Paced = (), now: datetime | None = None, *, one_attempt_back: bool = False
    ) -> bool:
        with self.sessions.begin() as session:
            done = _set_if_mine(session, message, values, one_attempt_back=one_attempt_back)
            if now is not None:
                push_gates(session, message.platform, paced, now)
            return done

    def mark_sent(self, message: QueuedMessage, *, platform_id: str, now: datetime, paced: Paced = ()) -> bool:
        """Mark it sent if this claim still holds it; False if another sender took it over meanwhile.

        `paced`: (scope, interval) gates whose next slot is at least that long after this answer."""
        return self._settle(
            message,
            {"status": SENT, "message_id": platform_id, "sent_at": now, "claimed_until": None, "last_error": None, "sending_at": None},
            paced,
            now,
        )

    def retry_later(
        self, message: QueuedMessage, *, at: datetime, error: str, count_attempt: bool = True, in_doubt: bool = False
    ) -> bool:
        """Release the claim and try again at `at` (after a rate limit, an outage, or a root not yet sent).

        `in_doubt`: the platform may have taken it (a timeout after sending), so the next attempt looks first.
        """
        values: dict[str, Any] = {"next_attempt_at": at, "claimed_until": None, "last_error": error[:2000]}
        if not in_doubt:
            values["sending_at"] = None
        return self._settle(message, values, one_attempt_back=not count_attempt)

    def mark_failed(self, message: QueuedMessage, *, error: str) -> bool:
        """The platform refused it for good: keep it, visible to admins, and stop retrying."""
        return self._settle(message, {"status": FAILED, "claimed_until": None, "last_error": error[:2000], "sending_at": None})

    def thread(self, dispute_id: str, platform: str, workspace: str) -> Thread | None:
        with self.sessions() as session:
            return SqlThreadRepository(session).get(dispute_id, platform, workspace)

    def root_pending(self, dispute_id: str, platform: str, workspace: str) -> bool:
        """Is this dispute's root message in that space still waiting to be delivered?"""
        with self.sessions() as session:
            pending_root = select(OutboxRow.id).where(
                OutboxRow.dispute_id == dispute_id,
                OutboxRow.platform == platform,
                OutboxRow.workspace == workspace,
                OutboxRow.delivery == Delivery.THREAD_ROOT.value,
                OutboxRow.status == PENDING,
            )
            return session.scalar(pending_root.limit(1)) is not None

    def record_root(self, thread: Thread, *, message: QueuedMessage, now: datetime, paced: Paced = ()) -> bool:
        """Keep where the root landed and mark it sent, in one transaction, if this claim still holds it."""
        with self.sessions.begin() as session:
            push_gates(session, message.platform, paced, now)
            done = {"status": SENT, "message_id": thread.root_id, "sent_at": now, "claimed_until": None, "last_error": None, "sending_at": None}
            if not _set_if_mine(session, message, done):
                return False
            SqlThreadRepository(session).put(thread)
            return True

    def counts(self) -> dict[str, int]:
        """Messages by status, for /healthz and the admin view."""
        with self.sessions() as session:
            return {status: n for status, n in session.execute(select(OutboxRow.status, func.count()).group_by(OutboxRow.status))}
