"""Lanes of the outbox: the messages one process sends one after another, in order.

A lane is one conversation's posts (a channel's thread roots and replies, or one person's direct
messages), or that conversation's updates in place. A delivery pass sends several lanes at once,
and each lane's messages one at a time, oldest first (handlers/delivery.py).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import BindParameter, and_, bindparam, or_, select, update
from sqlalchemy.orm import Session

from bot.outbox import Delivery
from bot.plan import SPACE
from storage.models import DeliveryGateRow, OutboxRow, table_of, unindexed

if TYPE_CHECKING:
    from storage.outbox import QueuedMessage

PENDING, SENT = "pending", "sent"  # storage.outbox's statuses


@dataclass(frozen=True)
class Gate:
    """A scope a send is paced in (storage.gates): one send every `interval`; with a `burst`, sends may
    run that far ahead of the steady rate before they are held to it (a generic cell rate: in any
    window W at most (W + burst) / interval + 1 sends)."""

    scope: str
    interval: timedelta
    burst: timedelta = timedelta(0)


Paced = Sequence[Gate]


@dataclass(frozen=True)
class Lane:
    platform: str
    workspace: str
    target: str  # the channel, conversation or person
    updates: bool  # the target's updates in place (their own limit on Slack), not its posts


def lane_of(message: QueuedMessage) -> Lane:
    return Lane(message.platform, message.workspace, message.target, message.delivery is Delivery.ROOT_UPDATE)


def in_lane(lane: Lane) -> Any:
    """The outbox rows of this lane, as a SQL condition."""
    kind = OutboxRow.delivery == Delivery.ROOT_UPDATE.value if lane.updates else OutboxRow.delivery != Delivery.ROOT_UPDATE.value
    return and_(OutboxRow.platform == lane.platform, OutboxRow.workspace == lane.workspace, OutboxRow.target == lane.target, kind)


def newer_update(session: Session, message: QueuedMessage, space: str) -> str | None:
    """The key of a newer update (pending or sent) of the same root message as `message`, or None."""
    newer = session.execute(
        select(OutboxRow.key, OutboxRow.payload)
        .where(
            OutboxRow.dispute_id == message.dispute_id,
            OutboxRow.platform == message.platform,
            OutboxRow.workspace == message.workspace,
            OutboxRow.target == message.target,
            OutboxRow.delivery == Delivery.ROOT_UPDATE.value,
            OutboxRow.status.in_((PENDING, SENT)),
            OutboxRow.id > message.id,
        )
        .order_by(OutboxRow.id.desc())
    ).all()
    for key, payload in newer:
        if str((payload or {}).get(SPACE) or message.workspace) == space:
            return str(key)
    return None


def push_gates(session: Session, platform: str, paced: Paced, at: datetime) -> None:
    """Each spacing gate's next slot is at least its interval after `at` (when a send really went, or
    was answered); gates with a burst keep their own schedule."""
    for gate in paced:
        if not gate.burst:
            session.connection().execute(_PUSH, {"g_platform": platform, "g_scope": gate.scope, "g_until": at + gate.interval})


_GATES = table_of(DeliveryGateRow)
_PUSH = (  # built once (storage.outbox's note on delivery's statements)
    update(_GATES)
    .where(_GATES.c.platform == bindparam("g_platform"), _GATES.c.scope == bindparam("g_scope"), _GATES.c.not_before < bindparam("g_until"))
    .values(not_before=bindparam("g_until"))
)


# --- claiming a lane (storage.outbox.OutboxDelivery.claim_lane) ----------------------------------
# Built once, with bound parameters, and so compiled once: built afresh for each claim (with a NOT
# for each lane being sent to), they cost more CPU than running them: about 4.8 ms of CPU a claim on
# SQLite with 750 messages queued, against 1.4 ms built once.
WINDOW = 64  # due messages read to find the oldest outside the lanes being sent to (past it: the query below)

_NOW: BindParameter[datetime] = bindparam("now")
_CLAIMABLE = (OutboxRow.status == PENDING, OutboxRow.next_attempt_at <= _NOW, or_(OutboxRow.claimed_until.is_(None), OutboxRow.claimed_until < _NOW))
_OLDEST = (
    select(OutboxRow.platform, OutboxRow.workspace, OutboxRow.target, OutboxRow.delivery)
    .where(*_CLAIMABLE)
    .order_by(OutboxRow.id)
    .limit(bindparam("window"))
)


def _lane_ids(updates: bool) -> Any:
    kind = OutboxRow.delivery == Delivery.ROOT_UPDATE.value if updates else OutboxRow.delivery != Delivery.ROOT_UPDATE.value
    return (
        select(OutboxRow.id)
        .where(*_CLAIMABLE, OutboxRow.platform == bindparam("platform"), OutboxRow.workspace == bindparam("workspace"))
        .where(OutboxRow.target == bindparam("target"), kind)
        .order_by(OutboxRow.id)
        .limit(bindparam("limit"))
        .with_for_update(skip_locked=True)
    )


_LANE_IDS = {False: _lane_ids(False), True: _lane_ids(True)}
_TAKE = (
    update(table_of(OutboxRow))
    .where(OutboxRow.id.in_(bindparam("ids", expanding=True)), unindexed(OutboxRow.status) == PENDING, _CLAIMABLE[2])  # still pending, nobody's
    .values(claimed_until=bindparam("until"), attempts=OutboxRow.attempts + 1, claim_token=bindparam("token"))
    .returning(*table_of(OutboxRow).c)
)


def claim_rows(session: Session, now: datetime, *, limit: int, until: datetime, token: str, busy: Collection[Lane]) -> list[Any]:
    """Claim (in `session`'s transaction) up to `limit` due rows of one lane, the lane of the oldest due row
    not in `busy`, for `token` until `until`: the rows, as they are now. Rows another sender is claiming
    (locked) are skipped on PostgreSQL."""
    connection = session.connection()  # Core: no ORM work on the way (storage.outbox's note on delivery's statements)
    oldest = [_lane(r) for r in connection.execute(_OLDEST, {"now": now, "window": WINDOW})]
    lane = next((lane for lane in oldest if lane not in busy), None)
    if lane is None and len(oldest) == WINDOW:  # every due row in reach is in a busy lane, and there are more: look past them
        first = connection.execute(
            select(OutboxRow.platform, OutboxRow.workspace, OutboxRow.target, OutboxRow.delivery)
            .where(*_CLAIMABLE, *[~in_lane(b) for b in busy])
            .order_by(OutboxRow.id)
            .limit(1),
            {"now": now},
        ).first()
        lane = _lane(first) if first is not None else None
    if lane is None:
        return []
    where = {"now": now, "platform": lane.platform, "workspace": lane.workspace, "target": lane.target, "limit": limit}
    ids = list(connection.execute(_LANE_IDS[lane.updates], where).scalars())
    if not ids:
        return []
    return list(connection.execute(_TAKE, {"ids": ids, "now": now, "until": until, "token": token}))


def _lane(row: Any) -> Lane:
    return Lane(row.platform, row.workspace, row.target, row.delivery == Delivery.ROOT_UPDATE.value)
