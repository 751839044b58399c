"""A race the chaos test found: a thread reply read "no thread yet" just before its root landed, then "root not
pending" just after, and was failed as if the root had been refused for good. It must be sent into the thread."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import Engine, select

from bot.opening import OpenDispute, open_dispute
from bot.outbox import Delivery, NoNotifier, OutgoingMessage
from bot.upkeep import load_directory
from handlers.delivery import Sent, deliver_due
from handlers.files import read_policy
from handlers.holidays import calendar_for
from storage.db import session_factory
from storage.models import OutboxRow
from storage.outbox import SENT, OutboxDelivery, QueuedMessage, Thread
from storage.unit_of_work import SqlUnitOfWork
from tests.builders import directory_for

POLICY = read_policy("bradford")


class Posting:
    def __init__(self) -> None:
        self.sent: list[tuple[str, Thread | None]] = []

    async def send(self, message: QueuedMessage, thread: Thread | None) -> Sent:
        self.sent.append((message.key, thread))
        return Sent(f"ts-{len(self.sent)}", thread.channel if thread else message.target)


class RootLandsBetweenTheReads(OutboxDelivery):
    """The first look for the thread finds none; another process records the root right after it."""

    def __init__(self, sessions: Any, land: Any) -> None:
        super().__init__(sessions)
        self.land = land

    def thread(self, dispute_id: str, platform: str, workspace: str) -> Thread | None:
        found = super().thread(dispute_id, platform, workspace)
        if found is None and self.land is not None:
            self.land()
            self.land = None
        return found


def test_a_reply_whose_root_lands_between_its_two_reads_is_sent_into_the_thread(engine: Engine) -> None:
    now = datetime.now(timezone.utc)
    sessions = session_factory(engine)
    load_directory(directory_for(POLICY), uow=SqlUnitOfWork(sessions))
    dispute = open_dispute(
        OpenDispute(
            raiser="amara.okafor", reference="CSC-2026-0001", category=POLICY.categories[0], other_agency="police",
            other_person="dc.jones", problem="The referral was closed.", outcome="A strategy discussion.", idempotency_key="k-1",
        ),
        uow=SqlUnitOfWork(sessions), policy=POLICY, calendar=calendar_for(POLICY), now=now, notifier=NoNotifier(),
    ).dispute.id
    with SqlUnitOfWork(sessions) as uow:
        uow.outbox.add(
            [
                OutgoingMessage("root", "slack", "T1", Delivery.THREAD_ROOT, "C1", {"text": "root"}, dispute_id=dispute),
                OutgoingMessage("reply", "slack", "T1", Delivery.THREAD_REPLY, "C1", {"text": "reply"}, dispute_id=dispute),
            ],
            now,
        )
        uow.commit()
    other = OutboxDelivery(sessions)  # another process, which holds the root
    [root] = other.claim_due(now, limit=1)
    assert root.key == "root"

    def land() -> None:
        assert other.record_root(Thread(dispute, "slack", "T1", "C1", "ts-root", {}), message=root, now=now)

    posting = Posting()
    tally = asyncio.run(deliver_due(RootLandsBetweenTheReads(sessions, land), {"slack": posting}, now=now + timedelta(seconds=1)))

    assert tally["failed"] == 0 and tally["sent"] == 1, tally
    assert [(key, thread.root_id if thread else None) for key, thread in posting.sent] == [("reply", "ts-root")]
    with sessions() as s:
        assert set(s.scalars(select(OutboxRow.status))) == {SENT}
