"""Slack gets each message once, even when an answer is lost or a sender dies mid-send: every post
carries its outbox key in the message metadata, and a message in doubt is looked for first."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.outbox import Delivery, OutgoingMessage
from handlers.delivery import LEASE, deliver_due
from handlers.slack.sender import SlackSender
from storage.db import session_factory
from storage.models import OutboxRow
from storage.outbox import PENDING, SENT, OutboxDelivery
from storage.unit_of_work import SqlUnitOfWork
from tests.slack.mock_slack import MockSlack

CHANNEL = "C0DISPUTES"


def _queue(sessions: sessionmaker[Session], key: str, delivery: Delivery, target: str, now: datetime) -> None:
    with SqlUnitOfWork(sessions) as uow:
        uow.outbox.add([OutgoingMessage(key, "slack", "T0CSC", delivery, target, {"text": f"message {key}"})], now)
        uow.commit()


def _row(sessions: sessionmaker[Session], key: str) -> OutboxRow:
    with sessions() as s:
        return s.scalars(select(OutboxRow).where(OutboxRow.key == key)).one()


async def _with_mock(scenario) -> None:
    mock = MockSlack()
    await mock.start()
    try:
        client = AsyncWebClient(token="xoxb-test", base_url=mock.api_url, timeout=1)
        await scenario(mock, SlackSender(client))
    finally:
        await mock.stop()


def test_a_post_whose_answer_was_lost_is_found_in_the_channel_and_not_posted_again(engine) -> None:
    sessions = session_factory(engine)
    outbox = OutboxDelivery(sessions)

    async def scenario(mock: MockSlack, sender: SlackSender) -> None:
        now = datetime.now(timezone.utc)
        _queue(sessions, "root:1", Delivery.THREAD_ROOT, CHANNEL, now)
        _queue(sessions, "dm:1", Delivery.DIRECT, "U0AMARA", now)
        mock.slow_next(2, seconds=2.5, method="chat.postMessage")  # Slack posts both, but answers too late

        first = await deliver_due(outbox, {"slack": sender}, now=now)
        # the first timeout pauses the workspace a moment, so the DM waits for the next pass
        assert (first["retried"], first["paused"], first["sent"]) == (1, 1, 0), first
        again = await deliver_due(outbox, {"slack": sender}, now=now + timedelta(seconds=2))
        assert (again["retried"], again["sent"]) == (1, 0), again
        assert _row(sessions, "root:1").status == PENDING and _row(sessions, "root:1").sending_at is not None
        assert len(mock.stored("root:1")) == 1 and len(mock.stored("dm:1")) == 1

        second = await deliver_due(outbox, {"slack": sender}, now=now + timedelta(minutes=1))
        assert second["found"] == 2 and second["sent"] == 2  # found, and marked sent
        assert len(mock.stored("root:1")) == 1 and len(mock.stored("dm:1")) == 1  # posted once each
        assert len(mock.calls_to("chat.postMessage", ok_only=False)) == 2
        root, dm = _row(sessions, "root:1"), _row(sessions, "dm:1")
        assert (root.status, root.message_id) == (SENT, mock.stored("root:1")[0]["ts"])
        assert (dm.status, dm.message_id) == (SENT, mock.stored("dm:1")[0]["ts"])
        [history, _] = mock.calls_to("conversations.history")
        assert history.args["channel"] == CHANNEL and str(history.args["include_all_metadata"]).lower() in ("1", "true")
        assert mock.calls_to("conversations.open")[0].args["users"] == "U0AMARA"

    asyncio.run(_with_mock(scenario))


def test_a_sender_that_died_after_slack_took_the_post_leaves_it_to_be_found_not_reposted(engine) -> None:
    sessions = session_factory(engine)
    outbox = OutboxDelivery(sessions)

    async def scenario(mock: MockSlack, sender: SlackSender) -> None:
        now = datetime.now(timezone.utc)
        _queue(sessions, "root:2", Delivery.THREAD_ROOT, CHANNEL, now)
        [claimed] = outbox.claim_due(now)
        assert outbox.begin_send(claimed, now=now, lease=LEASE)
        await sender.send(claimed, None)  # Slack took it; the process was killed before writing that down

        tally = await deliver_due(outbox, {"slack": sender}, now=now + LEASE + timedelta(seconds=1))
        assert tally["found"] == 1
        assert len(mock.stored("root:2")) == 1
        assert _row(sessions, "root:2").status == SENT

    asyncio.run(_with_mock(scenario))


def test_a_message_in_doubt_that_never_reached_slack_is_posted_once(engine) -> None:
    sessions = session_factory(engine)
    outbox = OutboxDelivery(sessions)

    async def scenario(mock: MockSlack, sender: SlackSender) -> None:
        now = datetime.now(timezone.utc)
        _queue(sessions, "root:3", Delivery.THREAD_ROOT, CHANNEL, now)
        mock.outage = True  # the connection drops before Slack has it
        first = await deliver_due(outbox, {"slack": sender}, now=now)
        assert first["retried"] == 1 and mock.stored("root:3") == []
        assert _row(sessions, "root:3").sending_at is not None  # in doubt: no answer came
        mock.outage = False

        tally = await deliver_due(outbox, {"slack": sender}, now=now + timedelta(minutes=1))
        assert tally["sent"] == 1 and tally["found"] == 0
        assert len(mock.stored("root:3")) == 1
        [post] = mock.calls_to("chat.postMessage")
        assert post.args["metadata"]["event_payload"]["outbox_key"] == "root:3"

    asyncio.run(_with_mock(scenario))


def test_messages_not_in_doubt_are_never_looked_for(engine) -> None:
    sessions = session_factory(engine)
    outbox = OutboxDelivery(sessions)

    async def scenario(mock: MockSlack, sender: SlackSender) -> None:
        now = datetime.now(timezone.utc)
        _queue(sessions, "root:4", Delivery.THREAD_ROOT, CHANNEL, now)
        mock.fail_next(1, status=429, retry_after=1, method="chat.postMessage")  # a definite "not now"
        await deliver_due(outbox, {"slack": sender}, now=now)
        assert _row(sessions, "root:4").sending_at is None
        await deliver_due(outbox, {"slack": sender}, now=now + timedelta(seconds=5))
        assert mock.calls_to("conversations.history") == []
        assert len(mock.stored("root:4")) == 1

    asyncio.run(_with_mock(scenario))
