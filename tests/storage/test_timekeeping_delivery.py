"""The timekeeper's delivery: rate limits, outages, thread roots, refusals and dead senders; the scheduler's
entry point and the morning digest (helpers and times: tests/storage/timekeeping.py)."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import timedelta

from sqlalchemy import func, select

from bot.outbox import Delivery, NoNotifier
from handlers.delivery import RetryLater, Sent, Undeliverable
from handlers.scheduler import Timekeeper
from storage.models import OutboxRow
from storage.outbox import OutboxDelivery, QueuedMessage, Thread
from tests.builders import at
from tests.storage.timekeeping import BRADFORD, keeper, open_dispute

# --- delivery -----------------------------------------------------------------------------------


class FlakySender:
    """Answers like a platform that rate-limits, then fails, then recovers."""

    def __init__(self, failures: list[Exception]) -> None:
        self.failures = failures
        self.delivered: list[tuple[str, str | None]] = []

    async def send(self, message: QueuedMessage, thread: Thread | None) -> Sent:
        if self.failures:
            raise self.failures.pop(0)
        self.delivered.append((message.key, thread.root_id if thread else None))
        return Sent(message_id=f"ts-{len(self.delivered)}", channel="C0THREADS")


def queue(tk: Timekeeper, *messages) -> None:
    with tk.uow() as uow:
        uow.outbox.add(list(messages), at(2026, 11, 2, 10))
        uow.commit()


def _msg(key: str, delivery: Delivery = Delivery.DIRECT, dispute_id: str | None = None):
    from bot.outbox import OutgoingMessage

    return OutgoingMessage(key=key, platform="slack", workspace="T0CSC", delivery=delivery, target="U1", payload={"text": key}, dispute_id=dispute_id)


def test_a_rate_limit_then_an_outage_delays_a_message_but_it_arrives_once(engine):
    sender = FlakySender([RetryLater("429 ratelimited", seconds=30), RetryLater("500 internal error")])
    tk = keeper(engine, senders={"slack": sender})
    queue(tk, _msg("hello"))
    outbox = OutboxDelivery(tk.sessions)
    t0 = at(2026, 11, 2, 10)
    assert asyncio.run(_deliver(outbox, sender, t0))["retried"] == 1
    assert asyncio.run(_deliver(outbox, sender, t0 + timedelta(seconds=29)))["retried"] == 0  # Retry-After honoured
    assert asyncio.run(_deliver(outbox, sender, t0 + timedelta(seconds=30)))["retried"] == 1
    assert asyncio.run(_deliver(outbox, sender, t0 + timedelta(minutes=5)))["sent"] == 1
    assert asyncio.run(_deliver(outbox, sender, t0 + timedelta(minutes=10)))["sent"] == 0
    assert sender.delivered == [("hello", None)]
    assert outbox.counts() == {"sent": 1}


def test_replies_wait_for_their_thread_root_and_go_under_it(engine):
    sender = FlakySender([RetryLater("500")])
    tk = keeper(engine, senders={"slack": sender}, notifier=NoNotifier())
    d = open_dispute(tk, at(2026, 11, 2, 10))
    queue(tk, _msg("root", Delivery.THREAD_ROOT, d), _msg("reply", Delivery.THREAD_REPLY, d))
    outbox = OutboxDelivery(tk.sessions)
    t0 = at(2026, 11, 2, 10)
    first = asyncio.run(_deliver(outbox, sender, t0))
    assert (first["retried"], first["waiting"]) == (1, 1)
    asyncio.run(_deliver(outbox, sender, t0 + timedelta(minutes=1)))
    asyncio.run(_deliver(outbox, sender, t0 + timedelta(minutes=2)))
    root_keys = [k for k, _ in sender.delivered]
    assert root_keys[:1] == ["root"]
    assert ("reply", "ts-1") in sender.delivered


def test_a_message_the_platform_refuses_is_kept_as_failed_never_dropped(engine):
    sender = FlakySender([Undeliverable("channel_not_found")])
    tk = keeper(engine, senders={"slack": sender})
    queue(tk, _msg("lost?"))
    outbox = OutboxDelivery(tk.sessions)
    assert asyncio.run(_deliver(outbox, sender, at(2026, 11, 2, 10)))["failed"] == 1
    assert outbox.counts() == {"failed": 1}


def test_a_message_that_keeps_failing_for_hours_is_kept_as_failed_and_listed_for_admins(engine):
    from handlers.delivery import MAX_ATTEMPTS
    from storage.admin import failed_messages

    sender = FlakySender([RetryLater("HTTP 503")] * (MAX_ATTEMPTS + 5))
    tk = keeper(engine, senders={"slack": sender})
    queue(tk, _msg("down for hours"))
    outbox = OutboxDelivery(tk.sessions)
    moment = at(2026, 11, 2, 10)
    tallies = []
    for _ in range(MAX_ATTEMPTS + 2):
        tallies.append(asyncio.run(_deliver(outbox, sender, moment)))
        moment += timedelta(minutes=16)  # past the longest backoff
    assert sum(t["retried"] for t in tallies) == MAX_ATTEMPTS - 1
    assert sum(t["failed"] for t in tallies) == 1
    assert outbox.counts() == {"failed": 1}
    [failed] = failed_messages(tk.sessions)
    assert failed.attempts == MAX_ATTEMPTS and f"gave up after {MAX_ATTEMPTS} attempts" in failed.error
    assert sender.delivered == []


def test_a_sender_that_died_mid_send_leaves_its_claim_to_expire_and_the_message_is_sent_later(engine):
    sender = FlakySender([])
    tk = keeper(engine, senders={"slack": sender})
    queue(tk, _msg("claimed"))
    outbox = OutboxDelivery(tk.sessions)
    t0 = at(2026, 11, 2, 10)
    assert [m.key for m in outbox.claim_due(t0)] == ["claimed"]  # and then the process died
    assert outbox.claim_due(t0 + timedelta(seconds=30)) == []  # still claimed
    assert asyncio.run(_deliver(outbox, sender, t0 + timedelta(seconds=61)))["sent"] == 1
    assert sender.delivered == [("claimed", None)]


async def _deliver(outbox, sender, now):
    from handlers.delivery import deliver_due

    return await deliver_due(outbox, {"slack": sender}, now=now)


def test_the_whole_sweep_runs_from_the_scheduler_entry_point(engine):
    sender = FlakySender([])
    tk = keeper(engine, senders={"slack": sender}, now=at(2026, 11, 4, 14))
    open_dispute(tk, at(2026, 11, 2, 10))
    report = asyncio.run(tk.sweep())
    assert report.nudged == 1
    assert report.delivery["sent"] >= 2  # the two reminders (and the thread lines) were delivered
    with tk.sessions() as s:
        assert s.scalar(select(func.count()).select_from(OutboxRow).where(OutboxRow.status == "pending")) == 0


def test_leads_get_one_morning_digest_per_working_day_listing_everything_waiting_on_them(engine):
    policy = dataclasses.replace(BRADFORD, digest=True)
    tk = keeper(engine, policy)
    open_dispute(tk, at(2026, 11, 2, 10), immediate_risk=True)  # step 3: line managers and leads
    open_dispute(tk, at(2026, 11, 2, 10), immediate_risk=True, reference="CSC-2026-0194")
    open_dispute(tk, at(2026, 11, 2, 10), reference="CSC-2026-0195")  # step 1: the raiser only, no lead
    assert tk.run_due_work(at(2026, 11, 2, 8, 30)).digests == 0  # before working hours
    report = tk.run_due_work(at(2026, 11, 2, 11))
    leads = {"ben.hughes", "csc.safeguarding_lead", "ds.khan", "police.safeguarding_lead"}
    assert report.digests == len(leads)
    assert tk.run_due_work(at(2026, 11, 2, 15)).digests == 0  # once a day
    with tk.sessions() as s:
        rows = {r.target: r.payload["text"] for r in s.scalars(select(OutboxRow).where(OutboxRow.key.like("digest:%")))}
    assert set(rows) == leads
    assert rows["ben.hughes"].splitlines() == ["CSC-2026-0193", "CSC-2026-0194"]
    assert tk.run_due_work(at(2026, 11, 7, 10)).digests == 0  # Saturday
    assert tk.run_due_work(at(2026, 11, 9, 9, 5)).digests >= 1  # Monday


def test_no_digest_when_the_policy_does_not_ask_for_one(engine):
    tk = keeper(engine)
    open_dispute(tk, at(2026, 11, 2, 10), immediate_risk=True)
    assert tk.run_due_work(at(2026, 11, 2, 11)).digests == 0
