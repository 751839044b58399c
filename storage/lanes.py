"""Lanes of the outbox: the messages one process sends one after another, in order.

A lane is one conversation's posts (a channel's thread roots and replies, or one person's direct
messages), or that conversation's updates in place. A delivery pass sends several lanes at once,
and each lane's messages one at a time, oldest first (handlers/delivery.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, select, update
from sqlalchemy.orm import Session

from bot.outbox import Delivery
from bot.plan import SPACE
from storage.models import DeliveryGateRow, OutboxRow

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
        if gate.burst:
            continue
        session.execute(
            update(DeliveryGateRow)
            .where(DeliveryGateRow.platform == platform, DeliveryGateRow.scope == gate.scope, DeliveryGateRow.not_before < at + gate.interval)
            .values(not_before=at + gate.interval)
            .execution_options(synchronize_session=False)
        )
