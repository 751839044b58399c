"""A 429 pauses the whole workspace, for every pass and every process, until its Retry-After has
passed, counted from the answer; posts are paced to one a second per channel."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.outbox import Delivery, OutgoingMessage
from handlers.delivery import PACES, deliver_due
from handlers.slack.sender import SlackSender
from storage.db import session_factory
from storage.gates import DeliveryGates
from storage.models import OutboxRow
from storage.outbox import SENT, OutboxDelivery, QueuedMessage, Thread
from storage.unit_of_work import SqlUnitOfWork
from tests.builders import Clock
from tests.databases import another_engine
from tests.slack.mock_slack import MockSlack

T0 = datetime(2026, 11, 23, 9, tzinfo=timezone.utc)


def _queue(sessions: sessionmaker[Session], messages: list[tuple[str, str]], now: datetime) -> None:
    with SqlUnitOfWork(sessions) as uow:
        uow.outbox.add(
            [OutgoingMessage(key, "slack", "T0CSC", Delivery.DIRECT, target, {"text": key}) for key, target in messages], now
        )
        uow.commit()


def _rows(sessions: sessionmaker[Session]) -> list[OutboxRow]:
    with sessions() as s:
        return list(s.scalars(select(OutboxRow).order_by(OutboxRow.id)))


class SlowToAnswer:
    """Slack's answer comes `seconds` after the send began (on the test's clock)."""

    def __init__(self, inner: SlackSender, clock: Clock, seconds: float) -> None:
        self.inner, self.clock, self.seconds = inner, clock, seconds

    async def send(self, message: QueuedMessage, thread: Thread | None):
        try:
            return await self.inner.send(message, thread)
        finally:
            self.clock.advance(seconds=self.seconds)


def test_a_429_pauses_every_send_to_the_workspace_in_every_process_until_retry_after_from_the_answer(engine) -> None:
    sessions = session_factory(engine)
    other = another_engine(engine)

    async def scenario() -> None:
        mock = MockSlack()
        await mock.start()
        try:
            clock = Clock(T0)
            sender = SlowToAnswer(SlackSender(AsyncWebClient(token="xoxb-t", base_url=mock.api_url, timeout=5)), clock, 5)
            _queue(sessions, [(f"dm:{i}", f"U0PERSON{i}") for i in range(5)], T0)
            mock.fail_next(1, status=429, retry_after=7, method="chat.postMessage")

            await deliver_due(OutboxDelivery(sessions), {"slack": sender}, now=clock(), clock=clock)
            assert len(mock.calls_to("chat.postMessage", ok_only=False)) == 1  # the rest waited
            answered = T0 + timedelta(seconds=5)
            assert DeliveryGates(sessions).paused_until("slack", "workspace:T0CSC") == answered + timedelta(seconds=7)
            assert {r.next_attempt_at for r in _rows(sessions)} == {answered + timedelta(seconds=7)}
            assert [r.attempts for r in _rows(sessions)] == [1, 0, 0, 0, 0]  # waiting is not a failed attempt

            # another process, 3 s later: still paused, so it sends nothing either
            clock.now = answered + timedelta(seconds=3)
            await deliver_due(OutboxDelivery(session_factory(other)), {"slack": sender}, now=clock(), clock=clock)
            assert len(mock.calls_to("chat.postMessage", ok_only=False)) == 1

            clock.now = answered + timedelta(seconds=7)
            tally = await deliver_due(OutboxDelivery(session_factory(other)), {"slack": sender}, now=clock(), clock=clock)
            assert tally["sent"] == 5
            assert {r.status for r in _rows(sessions)} == {SENT}
        finally:
            await mock.stop()

    try:
        asyncio.run(scenario())
    finally:
        other.dispose()


def test_posts_to_one_channel_are_paced_to_one_a_second_and_slack_never_says_429(engine) -> None:
    sessions = session_factory(engine)

    async def scenario() -> None:
        mock = MockSlack()
        mock.rate_limit = True  # a second post to a channel within a second gets 429, as Slack does
        await mock.start()
        try:
            sender = SlackSender(AsyncWebClient(token="xoxb-t", base_url=mock.api_url, timeout=5))
            now = datetime.now(timezone.utc)
            _queue(sessions, [(f"line:{i}", "C0DISPUTES") for i in range(3)] + [("dm:x", "U0OTHER")], now)
            clock = lambda: datetime.now(timezone.utc)  # noqa: E731 - pacing is in real time
            tally = await deliver_due(OutboxDelivery(sessions), {"slack": sender}, now=clock(), clock=clock, paces=PACES)
            assert tally["sent"] == 4
            assert [c.status for c in mock.calls_to("chat.postMessage", ok_only=False)] == [200] * 4
        finally:
            await mock.stop()

    asyncio.run(scenario())
